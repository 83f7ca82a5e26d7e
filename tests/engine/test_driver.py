"""The runtime driver on real modules: building, executing, result builders and errors."""

from __future__ import annotations

import types
from collections.abc import Callable

import pandas as pd
import pytest
from livedag.engine import base, driver
from livedag.engine.codes import Code
from livedag.engine.execution import ExecutionError

ModuleFactory = Callable[[str], types.ModuleType]  # the `make_module` fixture (conftest.py)

FEATURES = """
import pandas as pd

def age_mean(age: pd.Series) -> float:
    '''Mean age.'''
    return float(age.mean())

def age_centered(age: pd.Series, age_mean: float) -> pd.Series:
    return age - age_mean

def scaled(age_centered: pd.Series, factor: float = 2.0) -> pd.Series:
    return age_centered * factor

def region_label(region: str) -> str:
    return region.upper()
"""


@pytest.fixture
def features(make_module: ModuleFactory) -> types.ModuleType:
    return make_module(FEATURES)


AGE = pd.Series([10.0, 20.0, 30.0])


def test_builder_without_result_builder_returns_a_dict(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).build()
    out = dr.execute(["age_mean", "age_centered"], inputs={"age": AGE})
    assert list(out) == ["age_mean", "age_centered"]
    assert out["age_mean"] == 20.0
    assert out["age_centered"].tolist() == [-10.0, 0.0, 10.0]


def test_driver_defaults_to_a_dataframe(features: types.ModuleType) -> None:
    dr = driver.Driver({}, features)
    df = dr.execute(["age_centered", "age_mean"], inputs={"age": AGE})
    assert isinstance(df, pd.DataFrame)
    assert df["age_centered"].tolist() == [-10.0, 0.0, 10.0]
    assert df["age_mean"].tolist() == [20.0, 20.0, 20.0]


@pytest.mark.parametrize(
    "adapter",
    [base.DictResult(), base.SimplePythonGraphAdapter(base.DictResult())],
    ids=["DictResult", "SimplePythonGraphAdapter"],
)
def test_result_builders_are_accepted_in_either_form(
    features: types.ModuleType, adapter: object
) -> None:
    dr = driver.Driver({}, features, adapter=adapter)
    assert dr.execute(["age_mean"], inputs={"age": AGE}) == {"age_mean": 20.0}


@pytest.mark.parametrize(
    "outputs",
    [
        {"a": pd.Series([1, 2]), "b": 3},
        {"only": pd.DataFrame({"x": [1, 2]})},
        {"frame": pd.DataFrame({"x": [1, 2]}), "s": pd.Series([5, 6])},
        {"a": 1, "b": "two"},
    ],
    ids=["series+scalar", "one-frame", "frame+series", "scalars"],
)
def test_dataframe_result_combines_like_hamilton(outputs: dict[str, object]) -> None:
    from hamilton import base as hamilton_base

    ours = base.PandasDataFrameResult.build_result(**outputs)
    theirs = hamilton_base.PandasDataFrameResult.build_result(**outputs)
    pd.testing.assert_frame_equal(ours, theirs)


def test_config_values_reach_parameters(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).with_config({"region": "eu"}).build()
    assert dr.execute(["region_label"]) == {"region_label": "EU"}
    assert dr.execute(["region"]) == {"region": "eu"}  # config keys are outputs too


def test_config_and_inputs_must_not_overlap(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).with_config({"region": "eu"}).build()
    with pytest.raises(ExecutionError, match="'region' given both in the config and as inputs"):
        dr.execute(["region_label"], inputs={"region": "us"})


def test_overrides_replace_a_node_and_cut_off_its_upstream(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).build()
    out = dr.execute(["scaled"], overrides={"age_centered": pd.Series([1.0])})
    assert out["scaled"].tolist() == [2.0]  # `age` was not needed, so not missing


def test_optional_parameters_use_their_default_unless_given(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).build()
    assert dr.execute(["scaled"], inputs={"age": AGE})["scaled"].tolist() == [-20.0, 0.0, 20.0]
    given = dr.execute(["scaled"], inputs={"age": AGE, "factor": 0.5})
    assert given["scaled"].tolist() == [-5.0, 0.0, 5.0]


def test_missing_inputs_are_listed_with_the_outputs_that_need_them(
    features: types.ModuleType,
) -> None:
    dr = driver.Builder().with_modules(features).build()
    with pytest.raises(ExecutionError) as caught:
        dr.execute(["scaled", "region_label"])
    message = str(caught.value)
    assert "2 input problem(s)" in message
    assert "'age' is a required input, needed for output(s) 'scaled'" in message
    assert "'region' is a required input, needed for output(s) 'region_label'" in message
    assert "factor" not in message  # optional: its default applies


def test_input_values_are_checked_against_annotations(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).build()
    with pytest.raises(ExecutionError, match="'region' should be str, but the value given is int"):
        dr.execute(["region_label"], inputs={"region": 3})


def test_unknown_output_suggests_the_closest_name(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).build()
    with pytest.raises(ExecutionError, match="'age_maen' \\(did you mean 'age_mean'"):
        dr.execute(["age_maen"], inputs={"age": AGE})


def test_failing_node_raises_its_own_error_naming_the_node(make_module: ModuleFactory) -> None:
    module = make_module(
        """
        def ratio(a: int, b: int) -> float:
            return a / b
        """
    )
    dr = driver.Builder().with_modules(module).build()
    with pytest.raises(ZeroDivisionError) as caught:  # as Hamilton: the node's own exception
        dr.execute(["ratio"], inputs={"a": 1, "b": 0})
    (note,) = caught.value.__notes__
    assert "node 'ratio'" in note and f"{module.__name__}.ratio()" in note


def test_cycle_fails_construction_naming_it(make_module: ModuleFactory) -> None:
    module = make_module(
        """
        def a(c: int) -> int:
            return c

        def b(a: int) -> int:
            return a

        def c(b: int) -> int:
            return b
        """
    )
    with pytest.raises(driver.GraphError, match="a -> b -> c -> a") as caught:
        driver.Builder().with_modules(module).build()
    assert [p.code for p in caught.value.problems] == [Code.CYCLE] * 3


def test_duplicates_across_modules_fail_unless_overrides_are_allowed(
    make_module: ModuleFactory,
) -> None:
    first = make_module("def a() -> int:\n    return 1\n")
    second = make_module("def a() -> int:\n    return 2\n")
    with pytest.raises(driver.GraphError, match="LD003"):
        driver.Builder().with_modules(first, second).build()
    dr = driver.Builder().with_modules(first, second).allow_module_overrides().build()
    assert dr.execute(["a"]) == {"a": 2}


def test_type_mismatch_fails_construction_like_hamilton(make_module: ModuleFactory) -> None:
    module = make_module(
        """
        def a() -> int:
            return 1

        def b(a: str) -> str:
            return a
        """
    )
    with pytest.raises(driver.GraphError, match="LD004"):
        driver.Builder().with_modules(module).build()


def test_every_blocking_problem_is_listed_at_once(make_module: ModuleFactory) -> None:
    module = make_module(
        """
        def a(b: int) -> int:
            return b

        def b(a: int) -> int:
            return a

        def c(a: str) -> str:
            return a

        def untyped(a: int):
            return a
        """
    )
    with pytest.raises(driver.GraphError) as caught:
        driver.Builder().with_modules(module).build()
    assert sorted(p.code for p in caught.value.problems) == [
        Code.CYCLE,
        Code.CYCLE,
        Code.TYPE_MISMATCH,
        Code.MISSING_ANNOTATION,
    ]


def test_async_functions_are_rejected_with_a_clear_message(make_module: ModuleFactory) -> None:
    module = make_module(
        """
        async def fetched(url: str) -> str:
            return url
        """
    )
    with pytest.raises(driver.GraphError, match="fetched is async"):
        driver.Builder().with_modules(module).build()


def test_list_available_variables(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).with_config({"region": "eu", "unused": 1}).build()
    found = {v.name: v for v in dr.list_available_variables()}
    assert set(found) == {"age_mean", "age_centered", "scaled", "region_label", "age", "factor"} | {
        "region",
        "unused",
    }
    mean = found["age_mean"]
    assert mean.type is float and mean.documentation == "Mean age."
    assert not mean.is_external_input
    assert mean.originating_functions == (features.age_mean,)
    assert found["age"].is_external_input and found["age"].type is pd.Series
    assert found["scaled"].optional_dependencies == {"factor"}
    assert found["unused"].is_external_input


def test_lineage_questions(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).build()

    def names(variables: list[driver.Variable]) -> set[str]:
        return {v.name for v in variables}

    assert names(dr.what_is_upstream_of("age_centered")) == {"age_centered", "age_mean", "age"}
    assert names(dr.what_is_downstream_of("age_mean")) == {"age_mean", "age_centered", "scaled"}
    assert names(dr.what_is_the_path_between("age", "scaled")) == {
        "age",
        "age_mean",
        "age_centered",
        "scaled",
    }
    assert dr.what_is_the_path_between("region", "scaled") == []
    with pytest.raises(ValueError, match="did you mean 'scaled'"):
        dr.what_is_the_path_between("age", "scaledd")


def test_tag_filter(make_module: ModuleFactory) -> None:
    module = make_module(
        """
        from livedag.engine.function_modifiers import tag

        @tag(owner="ds", pii="true")
        def email(raw: str) -> str:
            return raw

        @tag(owner="ops")
        def host(raw: str) -> str:
            return raw
        """
    )
    dr = driver.Builder().with_modules(module).build()

    def names(query: dict[str, str | list[str] | None]) -> list[str]:
        return sorted(v.name for v in dr.list_available_variables(tag_filter=query))

    assert names({"owner": "ds"}) == ["email"]
    assert names({"owner": ["ds", "ops"]}) == ["email", "host"]
    assert names({"pii": None}) == ["email"]


def test_config_values_are_checked_against_annotations(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).with_config({"region": 3}).build()
    with pytest.raises(ExecutionError, match="'region' should be str"):
        dr.execute(["region_label"])


def test_validate_execution_raises_what_execute_would(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).build()
    dr.validate_execution(["age_mean"], inputs={"age": AGE})
    with pytest.raises(ExecutionError, match="'age' is a required input"):
        dr.validate_execution(["age_mean"])


def test_display_upstream_and_downstream(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).build()
    up = dr.display_upstream_of("age_centered")
    assert '"age" -> "age_mean";' in up and '"scaled"' not in up
    down = dr.display_downstream_of("age_mean")
    assert '"age_centered" -> "scaled";' in down and '"age" ' not in down


def test_functions_can_name_outputs(features: types.ModuleType) -> None:
    dr = driver.Builder().with_modules(features).build()
    assert dr.execute([features.age_mean], inputs={"age": AGE}) == {"age_mean": 20.0}
