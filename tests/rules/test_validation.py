"""@check_output / @check_output_custom: node shapes, misuse, and the checks really running."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from livedag.engine.codes import Code
from livedag.engine.rules import expand_function, expand_module
from livedag.engine.specs import Call, ClassInfo, FunctionSpec, Location, Symbol, TypeRef, Unknown
from livedag.engine.validators import DataValidationError

from tests.rules.rulekit import (
    at,
    deps,
    execute,
    expand,
    hamilton_rejects,
    live_nodes,
    livedag_codes,
    spec,
    unknown,
)

WHERE = Location("m.py", 3, 0, 3, 30)


def check(**kwargs: object) -> Call:
    return Call("check_output", (), kwargs, location=WHERE)


def series_fn(*decorators: Call, returns: str = "pd.Series") -> FunctionSpec:
    return spec(*decorators, name="spend", params=[("raw", "pd.Series")], returns=returns)


# --- shapes --------------------------------------------------------------------------------------


def test_each_check_is_a_node_between_raw_and_the_checked_node() -> None:
    nodes = expand(series_fn(check(range=(0, 1), allow_nans=False, importance="fail")))
    assert list(nodes) == [
        "spend_range_validator",
        "spend_allow_nans_validator",
        "spend",
        "spend_raw",
    ]
    assert deps(nodes["spend_raw"]) == ["raw"]
    assert deps(nodes["spend_range_validator"]) == ["spend_raw"]
    assert deps(nodes["spend"]) == [
        "spend_raw",
        "spend_range_validator",
        "spend_allow_nans_validator",
    ]


def test_check_nodes_are_located_at_the_decorator_and_raw_at_the_def() -> None:
    fn = series_fn(check(range=(0, 1)))
    nodes = expand(fn)
    assert nodes["spend_range_validator"].location == WHERE
    assert nodes["spend_raw"].location == fn.location
    assert {d.location for d in nodes["spend"].dependencies} == {WHERE}


def test_tags_written_above_the_check_land_on_the_checked_node_only() -> None:
    nodes = expand(series_fn(Call("tag", (), {"owner": "ds"}), check(range=(0, 1))))
    assert nodes["spend"].user_tags == {"owner": "ds"}
    assert nodes["spend_raw"].user_tags == {}
    assert nodes["spend_range_validator"].user_tags == {}


def test_no_checks_still_splits_off_the_raw_node() -> None:
    assert list(expand(series_fn(check()))) == ["spend", "spend_raw"]


def test_scalar_and_string_checks_apply_by_return_type() -> None:
    assert "f_range_validator" in expand(spec(check(range=(0, 9))))
    assert "f_contains_validator" in expand(spec(check(contains="@"), returns="str"))


def test_an_annotation_we_cannot_see_through_is_not_judged() -> None:
    assert "f_range_validator" in expand(spec(check(range=(0, 1)), returns="MoneySeries"))


def test_target_selects_among_the_functions_nodes() -> None:
    fn = spec(
        check(range=(0, 1), target_=at("a")),
        Call("extract_columns", ("a", "b")),
        returns="pd.DataFrame",
    )
    nodes = expand(fn, {})
    assert {"a_raw", "a_range_validator", "a", "b"} <= set(nodes)
    assert "b_raw" not in nodes


def test_custom_validators_named_statically_when_their_class_is_known() -> None:
    known = Call("hamilton.data_quality.default_validators.DataInRangeValidatorPandasSeries")
    ours = Symbol("livedag.engine.validators.AllowNoneValidator")
    unevaluated = Unknown(
        "calling `ContainsValidator` needs running code",
        callee="livedag.engine.validators.ContainsValidator",
    )
    nodes = expand(series_fn(Call("check_output_custom", (known, ours, unevaluated))))
    assert {
        "spend_range_validator",
        "spend_allow_none_validator",
        "spend_contains_validator",
    } <= set(nodes)


def test_a_user_class_that_shares_a_builtin_class_name_is_not_guessed() -> None:
    mine = Symbol("my_checks.RangeValidator")
    out = expand_function(series_fn(Call("check_output_custom", (mine,))), {})
    assert [p.code for p in out.problems] == [Code.UNKNOWABLE]


def test_two_checks_with_one_name_are_numbered_like_hamilton() -> None:
    pair = (Symbol("livedag.engine.validators.RangeValidator"),) * 2
    nodes = expand(series_fn(Call("check_output_custom", pair)))
    assert {"spend_range_validator", "spend_range_validator_1"} <= set(nodes)


def test_an_unnamable_custom_validator_is_ld008_and_the_rest_stays() -> None:
    out = expand_function(
        series_fn(Call("check_output_custom", (Unknown("a call"),), location=WHERE)), {}
    )
    assert [p.code for p in out.problems] == [Code.UNKNOWABLE]
    assert out.problems[0].severity.value == "info"
    assert [n.name for n in out.nodes] == ["spend", "spend_raw"]


# --- misuse (LD006) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "returns", "says"),
    [
        ({"rnge": (0, 1)}, "pd.Series", "no check named 'rnge'"),
        ({"contains": "@"}, "int", "does not apply"),
        ({"range": (0, 1)}, "pd.DataFrame", "does not apply"),
        ({"allow_nans": True}, "pd.Series", "max_fraction_nans"),
        ({"max_fraction_nans": 2}, "pd.Series", "between 0 and 1"),
        ({"range": (0, 1), "importance": "error"}, "pd.Series", "'warn' or 'fail'"),
        ({"range": (0, 1), "target_": "nope"}, "pd.Series", "nope"),
    ],
)
def test_misuse_is_ld006_with_advice(kwargs: dict[str, object], returns: str, says: str) -> None:
    out = expand_function(series_fn(check(**kwargs), returns=returns), {})
    assert [p.code for p in out.problems] == [Code.DECORATOR_MISUSE]
    assert says in out.problems[0].message
    assert [n.name for n in out.nodes] == ["spend"]  # the function stays in the graph


def test_two_checks_on_one_node_clash_and_say_how_to_merge_them() -> None:
    out = expand_function(series_fn(check(range=(0, 1)), check(allow_nans=False)), {})
    assert [p.code for p in out.problems] == [Code.DECORATOR_MISUSE]
    assert "single decorator" in out.problems[0].message


def test_custom_takes_only_validators_and_target() -> None:
    out = expand_function(series_fn(Call("check_output_custom", (), {"range": (0, 1)})), {})
    assert [p.code for p in out.problems] == [Code.DECORATOR_MISUSE]


def test_unknown_target_is_ld008() -> None:
    out = expand_function(series_fn(check(range=(0, 1), target_=Unknown("a name"))), {})
    assert [p.code for p in out.problems] == [Code.UNKNOWABLE]


MISUSES = {
    "unknown check": "@check_output(rnge=(0, 1))\ndef f(a: int) -> int:\n    return a\n",
    "str check on int": "@check_output(contains='x')\ndef f(a: int) -> int:\n    return a\n",
    "allow_nans=True": (
        "@check_output(allow_nans=True)\ndef f(a: pd.Series) -> pd.Series:\n    return a\n"
    ),
    "stacked": (
        "@check_output(range=(0, 1))\n@check_output(values_in=[1])\n"
        "def f(a: int) -> int:\n    return a\n"
    ),
}


@pytest.mark.parametrize("body", MISUSES.values(), ids=MISUSES.keys())
def test_what_hamilton_rejects_livedag_reports(tmp_path: Path, body: str) -> None:
    module = "import pandas as pd\nfrom hamilton.function_modifiers import check_output\n" + body
    assert hamilton_rejects(tmp_path, module)
    assert Code.DECORATOR_MISUSE in livedag_codes(tmp_path, module)


# --- the checks run ------------------------------------------------------------------------------

LIVE = """
import pandas as pd
from hamilton.function_modifiers import check_output

@check_output(range=(0, 10), allow_nans=False, importance="fail")
def hard(raw: pd.Series) -> pd.Series:
    return raw

@check_output(range=(0, 10), importance="warn")
def soft(raw: pd.Series) -> pd.Series:
    return raw

@check_output(values_in=[1, 2, 3], data_type=int, importance="fail")
def level(n: int) -> int:
    return n
"""


def test_passing_checks_pass_the_value_through(tmp_path: Path) -> None:
    nodes = live_nodes(tmp_path, LIVE)
    data = pd.Series([1.0, 5.0])
    assert execute(nodes, "hard", {"raw": data}).equals(data)
    assert execute(nodes, "level", {"n": 2}) == 2


def test_a_failed_fail_check_raises_naming_the_node_and_the_check(tmp_path: Path) -> None:
    nodes = live_nodes(tmp_path, LIVE)
    with pytest.raises(DataValidationError) as failed:
        execute(nodes, "hard", {"raw": pd.Series([1.0, None, 50.0])})
    message = str(failed.value)
    assert "'hard'" in message and "range_validator" in message
    assert "allow_nans_validator" in message  # every failed check is listed
    with pytest.raises(DataValidationError, match="values_in_validator"):
        execute(nodes, "level", {"n": 7})


def test_a_failed_warn_check_logs_and_the_run_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nodes = live_nodes(tmp_path, LIVE)
    with caplog.at_level(logging.WARNING, logger="livedag.validation"):
        result = execute(nodes, "soft", {"raw": pd.Series([1.0, 50.0])})
    assert list(result) == [1.0, 50.0]
    (record,) = [r for r in caplog.records if r.name == "livedag.validation"]
    assert record.levelno == logging.WARNING and "soft:range_validator" in record.getMessage()


CUSTOM = """
import pandas as pd
from hamilton.data_quality.base import DataValidator, ValidationResult
from hamilton.function_modifiers import check_output_custom


class Positive(DataValidator):
    def __init__(self, column: str, importance: str):
        super().__init__(importance=importance)
        self.column = column

    def applies_to(self, datatype: type) -> bool:
        return True

    def description(self) -> str:
        return f"{self.column} is positive."

    @classmethod
    def name(cls) -> str:
        return "positive"

    def validate(self, dataset: pd.DataFrame) -> ValidationResult:
        bad = int((dataset[self.column] <= 0).sum())
        return ValidationResult(passes=bad == 0, message=f"{bad} non-positive values")


@check_output_custom(Positive("amount", importance="warn"), Positive("quantity", "fail"))
def order_lines(raw_lines: pd.DataFrame) -> pd.DataFrame:
    return raw_lines
"""


def test_custom_validators_are_named_by_their_name_method_at_run_time(tmp_path: Path) -> None:
    nodes = {n.name: n for n in live_nodes(tmp_path, CUSTOM)}
    assert deps(nodes["order_lines"]) == [
        "order_lines_raw",
        "order_lines_positive",
        "order_lines_positive_1",
    ]


def test_custom_validators_run_with_their_own_importance(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nodes = live_nodes(tmp_path, CUSTOM)
    good = pd.DataFrame({"id": [1], "amount": [3.0], "quantity": [1]})
    assert execute(nodes, "order_lines", {"raw_lines": good}) is good
    negative_amount = pd.DataFrame({"id": [1], "amount": [-3.0], "quantity": [1]})
    with caplog.at_level(logging.WARNING, logger="livedag.validation"):
        execute(nodes, "order_lines", {"raw_lines": negative_amount})  # a warn check
    assert "order_lines:positive" in caplog.text
    negative_quantity = pd.DataFrame({"id": [1], "amount": [3.0], "quantity": [0]})
    with pytest.raises(DataValidationError, match="order_lines:positive"):
        execute(nodes, "order_lines", {"raw_lines": negative_quantity})


def test_hamiltons_own_validator_objects_run_too(tmp_path: Path) -> None:
    fixture = Path(__file__).parents[1] / "fixtures" / "dataflows" / "validation_objects.py"
    nodes = live_nodes(tmp_path, fixture.read_text())
    amounts = pd.DataFrame({"amount": [10.0, 20.0]})
    assert list(execute(nodes, "line_amount", {"raw_lines": amounts})) == [10.0, 20.0]
    too_big = pd.DataFrame({"amount": [10.0, 2000.0]})
    with pytest.raises(DataValidationError, match=r"line_amount:range_validator.*\(0.0,1000.0\)"):
        execute(nodes, "line_amount", {"raw_lines": too_big})


# --- what check nodes are named after ------------------------------------------------------------


def typed_fn(*decorators: Call, returns: TypeRef) -> FunctionSpec:
    fn = spec(*decorators, name="out", params=[("raw", "pd.DataFrame")])
    return replace(fn, returns=returns)


@pytest.mark.parametrize(
    ("kwargs", "returns", "name"),
    [
        ({"schema": unknown()}, TypeRef("pd.DataFrame", "pandas.DataFrame"), "pandera_schema"),
        ({"schema": unknown()}, TypeRef("pd.Series", "pandas.Series"), "pandera_schema"),
        ({"schema": unknown()}, TypeRef("pl.DataFrame", "polars.DataFrame"), "pandera_schema"),
        ({"schema": unknown()}, TypeRef("ir.Table", "ibis.expr.types.Table"), "schema"),
        ({"model": Symbol("m.Order")}, TypeRef("Order", "m.Order"), "pydantic"),
        ({"model": Symbol("m.Order")}, TypeRef("dict[str, Any]"), "pydantic"),
        ({"range": (0, 1)}, TypeRef("float"), "range"),
        ({"range": (0, 1)}, TypeRef("Amount", "m.Amount"), "range"),  # one name whatever type
    ],
)
def test_a_check_is_named_after_the_validator_chosen_for_the_type(
    kwargs: dict[str, object], returns: TypeRef, name: str
) -> None:
    nodes = expand(typed_fn(check(**kwargs), returns=returns))
    assert f"out_{name}_validator" in nodes


def test_a_check_whose_validator_depends_on_an_unknown_type_is_ld008_not_a_guess() -> None:
    # `schema=` is pandera's on frames and ibis's on tables, named differently.
    out = expand_function(
        typed_fn(check(schema=unknown()), returns=TypeRef("Frame", "m.Frame")), {}
    )
    assert [(p.code, p.severity.value) for p in out.problems] == [(Code.UNKNOWABLE, "info")]
    assert "depends on its type" in out.problems[0].message
    assert sorted(n.name for n in out.nodes) == ["out", "out_raw"]


def test_a_model_check_on_a_type_pydantic_cannot_check_is_ld006() -> None:
    out = expand_function(typed_fn(check(model=Symbol("m.Order")), returns=TypeRef("int")), {})
    assert [p.code for p in out.problems] == [Code.DECORATOR_MISUSE]
    assert "does not apply" in out.problems[0].message


def test_the_catalogue_names_what_hamiltons_own_validator_classes_name() -> None:
    """Every validator class Hamilton offers @check_output (pandera's and pydantic's included,
    when installed) is in livedag's catalogue, under the same keyword and name."""
    pytest.importorskip("pandera")
    pytest.importorskip("pydantic")
    from hamilton import registry
    from hamilton.data_quality import default_validators
    from livedag.engine.rules.check_names import KNOWN_CLASSES

    registry.initialize()  # loads the plugins that add validators (pydantic's)
    seen = default_validators.AVAILABLE_DEFAULT_VALIDATORS
    assert any(c.arg() == "model" for c in seen) and any(c.arg() == "schema" for c in seen)
    for cls in seen:
        known = KNOWN_CLASSES[f"{cls.__module__}.{cls.__qualname__}"]
        assert (known.arg, known.name) == (cls.arg(), cls.name()), cls


def test_livedags_runtime_validators_are_named_as_the_catalogue_says() -> None:
    from livedag.engine import validators
    from livedag.engine.rules.check_names import LIVEDAG_VALIDATORS

    by_class = {c.qualified.rsplit(".", 1)[1]: c for c in LIVEDAG_VALIDATORS}
    for cls in validators.DEFAULT_VALIDATORS.values():
        known = by_class[cls.__name__]
        assert (known.arg, known.name) == (cls.arg(), cls.name())


# --- custom validators read from their class -----------------------------------------------------

DQ = "hamilton.data_quality.base"


def made_by(info: ClassInfo) -> Unknown:
    return Unknown("calling a class", callee=info.name, callee_class=info)


def returns_name(value: object) -> tuple[tuple[str, object], ...]:
    return (("name", value),)


@pytest.mark.parametrize(
    ("info", "name"),
    [
        (ClassInfo("m.Pos", (f"{DQ}.DataValidator",), returns_name("positive")), "positive"),
        (
            ClassInfo("m.Sub", (ClassInfo("m.Pos", (f"{DQ}.DataValidator",), returns_name("p")),)),
            "p",
        ),
        (
            ClassInfo("m.Arg", (f"{DQ}.BaseDefaultValidator",), (("arg", "bounded"),)),
            "bounded_validator",
        ),
        (
            ClassInfo(
                "m.Wide",
                ("hamilton.data_quality.default_validators.DataInRangeValidatorPandasSeries",),
                (("arg", "wide"),),
            ),
            "wide_validator",
        ),
        (
            ClassInfo(
                "m.P", ("hamilton.data_quality.pandera_validators.PanderaDataFrameValidator",)
            ),
            "pandera_schema_validator",
        ),
    ],
)
def test_a_users_validator_is_named_by_what_its_class_returns(info: ClassInfo, name: str) -> None:
    nodes = expand(series_fn(Call("check_output_custom", (made_by(info),))))
    assert f"spend_{name}" in nodes


@pytest.mark.parametrize(
    "info",
    [
        ClassInfo("m.Computed", (f"{DQ}.DataValidator",), returns_name(Unknown("an f-string"))),
        ClassInfo("m.Other", ("other_lib.Validator",), ()),  # a base we cannot see into
        ClassInfo("m.Literal", (f"{DQ}.DataValidator",), returns_name(3)),  # not a string
        # a base of unknown content comes first in the MRO, so it may define name()
        ClassInfo(
            "m.Mixed",
            ("other_lib.Mixin", ClassInfo("m.Pos", (f"{DQ}.DataValidator",), returns_name("p"))),
        ),
    ],
    ids=["computed", "unseen base", "not a string", "unseen base first"],
)
def test_a_users_validator_whose_name_needs_running_code_is_ld008(info: ClassInfo) -> None:
    out = expand_function(series_fn(Call("check_output_custom", (made_by(info),))), {})
    assert [p.code for p in out.problems] == [Code.UNKNOWABLE]
    assert sorted(n.name for n in out.nodes) == ["spend", "spend_raw"]


def test_the_mro_is_pythons() -> None:
    base = ClassInfo("m.Base", ("x.Root",))
    left, right = ClassInfo("m.Left", (base,)), ClassInfo("m.Right", (base,))
    diamond = ClassInfo("m.Diamond", (left, right))
    assert diamond.mro() == [diamond, left, right, base, "x.Root"]
    assert ClassInfo("m.Bad", (base, left)).mro() is None  # Python refuses this order too


STATIC_CUSTOM = """
from hamilton.data_quality import base
from hamilton.function_modifiers import check_output_custom


class Computed(base.DataValidator):
    def name(self) -> str:
        return "x" + "y"


class Fixed(base.DataValidator):
    @classmethod
    def name(cls) -> str:
        '''Its node's name.'''
        return "fixed"


CHECK = Fixed("warn")


@check_output_custom(Computed("warn"), CHECK)
def spend(raw: int) -> int:
    return raw
"""


def test_the_static_front_end_reads_a_validators_name_from_its_class() -> None:
    from livedag.server.analyzer import analyze_source

    analysis = analyze_source(STATIC_CUSTOM, module="m", path="m.py")
    out = expand_module(analysis.functions, {})
    assert sorted(n.name for n in out.nodes) == ["spend", "spend_fixed", "spend_raw"]
    (ld008,) = out.problems
    lines = STATIC_CUSTOM.splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("@check_output_custom"))
    assert ld008.code == Code.UNKNOWABLE and ld008.location is not None
    assert (ld008.location.line, ld008.location.column) == (line, lines[line - 1].index("Comp"))


PLUGIN_CHECKS = """
from typing import Any

import pandas as pd
import pandera.pandas as pa
from hamilton.function_modifiers import check_output
from pydantic import BaseModel


class Summary(BaseModel):
    total: float


@check_output(schema=pa.SeriesSchema(float, checks=pa.Check.ge(0)), importance="fail")
def amount(raw: pd.Series) -> pd.Series:
    return raw


@check_output(model=Summary, importance="fail")
def summary(amount: pd.Series) -> dict[str, Any]:
    return {"total": amount.sum() if len(amount) else "none"}
"""


def test_pandera_and_pydantic_checks_run(tmp_path: Path) -> None:
    pytest.importorskip("pandera")
    pytest.importorskip("pydantic")
    nodes = live_nodes(tmp_path, PLUGIN_CHECKS)
    assert {"amount_pandera_schema_validator", "summary_pydantic_validator"} <= {
        n.name for n in nodes
    }
    assert execute(nodes, "summary", {"raw": pd.Series([1.0, 2.0])}) == {"total": 3.0}
    with pytest.raises(DataValidationError, match="amount:pandera_schema_validator"):
        execute(nodes, "amount", {"raw": pd.Series([-1.0])})
    with pytest.raises(DataValidationError, match="summary:pydantic_validator"):
        execute(nodes, "summary", {"raw": pd.Series([], dtype=float)})
