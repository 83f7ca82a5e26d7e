"""Rules for @subdag, @parameterized_subdag and @with_columns: namespaced inner nodes, inputs,
config merging, misuse, Unknowns, and the compute functions the runtime calls."""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import pytest
from livedag.engine.codes import Code
from livedag.engine.function_modifiers import (
    config,
    parameterized_subdag,
    source,
    subdag,
    tag,
    value,
    with_columns,
)
from livedag.engine.introspect import function_spec
from livedag.engine.rules import expand_function
from livedag.engine.rules.registry import Expansion
from livedag.engine.specs import (
    Call,
    FunctionRef,
    FunctionSpec,
    LocatedStr,
    Location,
    ModuleRef,
    NodeSpec,
    Parameter,
    Symbol,
    TypeRef,
    Unknown,
)

from tests.rules.rulekit import execute

INT = TypeRef("int")
SERIES = TypeRef("pd.Series", "pandas.Series")
FRAME = TypeRef("pd.DataFrame", "pandas.DataFrame")


def fn_spec(
    name: str,
    *params: str,
    decorators: tuple[Call, ...] = (),
    returns: TypeRef | None = INT,
    module: str = "m",
    types_: TypeRef = INT,
) -> FunctionSpec:
    return FunctionSpec(
        name, module, tuple(Parameter(p, types_) for p in params), returns, decorators=decorators
    )


def deps(out: Expansion) -> dict[str, set[str]]:
    return {n.name: set(n.dependency_names) for n in out.nodes}


def codes(out: Expansion) -> list[str]:
    return [p.code for p in out.problems]


def run(nodes: Iterable[NodeSpec], inputs: Mapping[str, Any], output: str) -> Any:
    """Evaluate `output` from the nodes' compute functions, as a driver would."""
    return execute(list(nodes), output, inputs)


FEATURES = ModuleRef(
    "features",
    functions=(
        fn_spec("cleaned", "raw", "threshold", module="features"),
        fn_spec("score", "cleaned", "weight", module="features"),
        fn_spec("_hidden", "cleaned", module="features"),
        fn_spec(
            "fast__on",
            "cleaned",
            module="features",
            decorators=(Call("config.when", (), {"mode": "fast"}),),
        ),
    ),
)


def src(name: str) -> Call:
    return Call("source", (name,))


def val(x: Any) -> Call:
    return Call("value", (x,))


# --- subdag ---------------------------------------------------------------------------------------


def test_subdag_namespaces_the_module_and_wires_inputs() -> None:
    call = Call(
        "subdag",
        (FEATURES,),
        {"inputs": {"raw": src("raw_sales"), "threshold": val(3)}, "config": {"mode": "fast"}},
    )
    out = expand_function(fn_spec("total", "score", "fast", decorators=(call,)), {})
    assert not out.problems
    assert deps(out) == {
        "total.cleaned": {"total.raw", "total.threshold"},
        "total.score": {"total.cleaned", "weight"},
        "total.fast": {"total.cleaned"},
        "total.raw": {"raw_sales"},
        "total.threshold": set(),
        "total.mode": set(),
        "total": {"total.score", "total.fast"},
    }


def test_subdag_config_overrides_and_configuration_reads_the_outer_config() -> None:
    call = Call(
        "subdag",
        (FEATURES,),
        {"config": {"mode": Call("configuration", ("speed",))}},
    )
    out = expand_function(fn_spec("total", "score", decorators=(call,)), {"speed": "fast"})
    assert "total.fast" in deps(out)
    out = expand_function(fn_spec("total", "score", decorators=(call,)), {"speed": "slow"})
    assert "total.fast" not in deps(out)


def test_subdag_namespace_final_name_and_external_inputs() -> None:
    call = Call(
        "subdag",
        (FunctionRef("cleaned", "features", spec=FEATURES.functions[0]),),
        {"namespace": "ns", "final_node_name": "out", "external_inputs": ["bonus"]},
    )
    out = expand_function(fn_spec("total", "cleaned", "bonus", decorators=(call,)), {})
    # raw and threshold are made by nothing inside and given by no input: they stay global
    assert deps(out) == {"ns.cleaned": {"raw", "threshold"}, "out": {"ns.cleaned", "bonus"}}


def test_source_input_nobody_asks_for_makes_no_node() -> None:
    call = Call("subdag", (FEATURES,), {"inputs": {"unused": src("x")}})
    assert "total.unused" not in deps(expand_function(fn_spec("total", decorators=(call,)), {}))


def test_subdag_tags_reach_only_the_output_node() -> None:
    call = Call("subdag", (FEATURES,))
    spec = fn_spec("total", "score", decorators=(Call("tag", (), {"owner": "me"}), call))
    out = expand_function(spec, {})
    assert {n.name for n in out.nodes if n.user_tags} == {"total"}


def test_input_node_is_located_at_its_key() -> None:
    where = Location("m.py", 4, 12, 4, 17)
    call = Call("subdag", (FEATURES,), {"inputs": {LocatedStr("threshold", where): val(1)}})
    out = expand_function(fn_spec("total", "score", decorators=(call,)), {})
    assert {n.name: n.location for n in out.nodes}["total.threshold"] == where


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"inputs": {"raw": 3}}, "wrap a constant in value"),
        ({"inputs": {"raw": val(1)}, "config": {"raw": 1}}, "both as inputs and as config"),
        ({"config": {"mode": Call("configuration", ("nope",))}}, "not in the config"),
        ({"config": {"mode": src("x")}}, "not allowed in config"),
        ({"inputs": [src("x")]}, "takes a dict"),
        ({"bogus": 1}, "unexpected argument"),
    ],
)
def test_subdag_misuse(kwargs: dict[str, Any], message: str) -> None:
    out = expand_function(
        fn_spec("total", "score", decorators=(Call("subdag", (FEATURES,), kwargs),)), {}
    )
    assert codes(out) == [Code.DECORATOR_MISUSE] and message in out.problems[0].message
    assert deps(out) == {"total": {"score"}}


@pytest.mark.parametrize("args", [(), ("features",)])
def test_subdag_needs_modules_or_functions(args: tuple[Any, ...]) -> None:
    out = expand_function(fn_spec("total", "score", decorators=(Call("subdag", args),)), {})
    assert codes(out) == [Code.DECORATOR_MISUSE]


def test_unreadable_module_keeps_the_output_node_and_says_so() -> None:
    call = Call("subdag", (ModuleRef("features"), Unknown("mods[0]")), {"inputs": {"raw": val(1)}})
    out = expand_function(fn_spec("total", "score", decorators=(call,)), {})
    assert codes(out) == [Code.UNKNOWABLE, Code.UNKNOWABLE]
    assert deps(out) == {"total.raw": set(), "total": {"total.score"}}


def test_unresolved_import_is_ld008_once_per_decorator() -> None:
    call = Call(
        "parameterized_subdag", (Symbol("pkg.features"),), {"a": {}, "b": {"inputs": {"x": val(1)}}}
    )
    out = expand_function(fn_spec("total", "score", decorators=(call,)), {})
    assert codes(out) == [Code.UNKNOWABLE]
    assert deps(out) == {"a": {"a.score"}, "b.x": set(), "b": {"b.score"}}


def test_inner_problems_are_passed_on() -> None:
    broken = ModuleRef("b", functions=(fn_spec("x", "y", returns=None, module="b"),))
    out = expand_function(fn_spec("total", "x", decorators=(Call("subdag", (broken,)),)), {})
    assert codes(out) == [Code.MISSING_ANNOTATION] and "total.x" in deps(out)


def test_unreadable_source_says_why() -> None:
    call = Call("subdag", (Unknown("calling `_parts` needs running code"),))
    (problem,) = expand_function(fn_spec("total", decorators=(call,)), {}).problems
    assert "(calling `_parts` needs running code)" in problem.message


# --- nesting and reuse ----------------------------------------------------------------------------


def _inner_subdag(**kwargs: Any) -> FunctionSpec:
    """`inner(score)` built from FEATURES by a subdag of its own."""
    call = Call("subdag", (FEATURES,), {"inputs": {"threshold": val(1)}, **kwargs})
    return fn_spec("inner", "score", decorators=(call,))


def test_nested_subdags_prefix_every_level() -> None:
    inner = FunctionRef("inner", "m", spec=_inner_subdag())
    outer = Call("subdag", (inner,), {"inputs": {"raw": src("raw_sales")}})
    out = expand_function(fn_spec("outer", "inner", decorators=(outer,)), {})
    assert not out.problems
    assert deps(out) == {
        "outer.inner.cleaned": {"outer.raw", "outer.inner.threshold"},
        "outer.inner.score": {"outer.inner.cleaned", "weight"},
        "outer.inner.threshold": set(),
        "outer.inner": {"outer.inner.score"},
        "outer.raw": {"raw_sales"},
        "outer": {"outer.inner"},
    }


@pytest.mark.parametrize(
    ("dataflow", "outer", "inner", "fast"),
    [
        ({"mode": "fast"}, {}, {}, True),  # the dataflow's config reaches every level
        ({}, {"mode": "fast"}, {}, True),  # and so does the outer subdag's
        ({"mode": "fast"}, {"mode": "slow"}, {}, False),  # each level overrides what it gets
        ({}, {"mode": "fast"}, {"mode": "slow"}, False),
        ({}, {"speed": "fast"}, {"mode": Call("configuration", ("speed",))}, True),
    ],
)
def test_config_is_passed_down_and_merged_at_each_level(
    dataflow: dict[str, Any], outer: dict[str, Any], inner: dict[str, Any], fast: bool
) -> None:
    inner_ref = FunctionRef("inner", "m", spec=_inner_subdag(config=inner))
    call = Call("subdag", (inner_ref,), {"config": outer})
    graph = deps(expand_function(fn_spec("outer", "inner", decorators=(call,)), dataflow))
    assert ("outer.inner.fast" in graph) is fast
    # each level's own config keys are nodes of its namespace
    assert {f"outer.{k}" for k in outer} | {f"outer.inner.{k}" for k in inner} <= set(graph)


def test_one_module_reused_under_several_namespaces() -> None:
    north = Call("subdag", (FEATURES,), {"namespace": "north", "final_node_name": "north_score"})
    south = Call("parameterized_subdag", (FEATURES,), {"south": {"config": {"mode": "fast"}}})
    graph = {
        **deps(expand_function(fn_spec("n", "score", decorators=(north,)), {})),
        **deps(expand_function(fn_spec("s", "score", decorators=(south,)), {})),
    }
    assert graph["north.score"] == {"north.cleaned", "weight"}
    assert graph["south.score"] == {"south.cleaned", "weight"}
    assert graph["north_score"] == {"north.score"} and graph["south"] == {"south.score"}
    assert "south.fast" in graph and "north.fast" not in graph


def test_modules_given_together_see_each_others_nodes() -> None:
    report = ModuleRef("report", functions=(fn_spec("summary", "score", "fast", module="report"),))
    call = Call("subdag", (FEATURES, report), {"config": {"mode": "fast"}})
    graph = deps(expand_function(fn_spec("total", "summary", decorators=(call,)), {}))
    assert graph["total.summary"] == {"total.score", "total.fast"}
    assert graph["total"] == {"total.summary"}


# --- parameterized_subdag -------------------------------------------------------------------------


def test_parameterized_subdag_makes_one_subdag_per_keyword() -> None:
    call = Call(
        "parameterized_subdag",
        (FEATURES,),
        {
            "inputs": {"threshold": val(1)},
            "us": {"inputs": {"raw": src("us_raw")}},
            "eu": {
                "inputs": {"raw": src("eu_raw")},
                "config": {"mode": "fast"},
                "external_inputs": ["fx"],
            },
        },
    )
    out = expand_function(fn_spec("total", "score", "fx", decorators=(call,)), {})
    graph = deps(out)
    assert graph["us"] == {"us.score", "us.fx"} and graph["eu"] == {"eu.score", "fx"}
    assert graph["us.raw"] == {"us_raw"} and graph["eu.raw"] == {"eu_raw"}
    assert "eu.fast" in graph and "us.fast" not in graph and "eu.mode" in graph
    assert "total" not in graph


@pytest.mark.parametrize("param", [["inputs"], {"inputs": [1]}])
def test_parameterized_subdag_misuse(param: Any) -> None:
    call = Call("parameterized_subdag", (FEATURES,), {"us": param})
    assert codes(expand_function(fn_spec("total", "score", decorators=(call,)), {})) == [
        Code.DECORATOR_MISUSE
    ]


# --- with_columns -------------------------------------------------------------------------------

COLUMNS = ModuleRef(
    "cols",
    functions=(
        fn_spec("ratio", "a", "b", returns=SERIES, types_=SERIES, module="cols"),
        fn_spec("mean_a", "a", returns=TypeRef("float"), types_=SERIES, module="cols"),
        fn_spec("doubled", "ratio", returns=SERIES, types_=SERIES, module="cols"),
    ),
)


def frame_fn(*decorators: Call, params: tuple[str, ...] = ("df",)) -> FunctionSpec:
    return FunctionSpec(
        "final", "m", tuple(Parameter(p, FRAME) for p in params), FRAME, decorators=decorators
    )


def test_with_columns_columns_to_pass_and_select() -> None:
    call = Call("with_columns", (COLUMNS,), {"columns_to_pass": ["a", "b"], "select": ["ratio"]})
    out = expand_function(frame_fn(call), {})
    assert not out.problems
    assert deps(out) == {
        "final": {"final._append"},
        "final.a": {"df"},
        "final.b": {"df"},
        "final.ratio": {"final.a", "final.b"},
        "final._append": {"final.ratio", "df"},
    }


def test_with_columns_without_select_appends_every_series() -> None:
    call = Call("with_columns", (COLUMNS,), {"columns_to_pass": ["a", "b"], "namespace": "ns"})
    out = expand_function(frame_fn(call), {})
    assert deps(out)["ns._append"] == {"ns.a", "ns.b", "ns.ratio", "ns.doubled", "df"}
    assert "ns.mean_a" in deps(out)


def test_with_columns_on_input() -> None:
    call = Call("with_columns", (COLUMNS,), {"on_input": "df", "select": ["doubled"]})
    out = expand_function(frame_fn(call, params=("other", "df")), {})
    assert deps(out) == {
        "final": {"other", "final._append"},
        "final.ratio": {"a", "b"},
        "final.doubled": {"final.ratio"},
        "final._append": {"final.doubled", "df"},
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"columns_to_pass": ["a"], "on_input": "df"}, "exactly one of"),
        ({}, "exactly one of"),
        ({"on_input": "df", "pass_dataframe_as": "df"}, "not supported for pandas"),
        ({"columns_to_pass": ["ratio"]}, "defined twice"),
        ({"columns_to_pass": ["a", "b"], "select": ["nope"]}, "not made by"),
        ({"on_input": "missing"}, "no typed dataframe parameter"),
        ({"on_input": "df", "config_required": ["k"]}, "requires config k"),
        ({"on_input": "df", "bogus": 1}, "unexpected argument"),
    ],
)
def test_with_columns_misuse(kwargs: dict[str, Any], message: str) -> None:
    out = expand_function(frame_fn(Call("with_columns", (COLUMNS,), kwargs)), {})
    assert codes(out) == [Code.DECORATOR_MISUSE] and message in out.problems[0].message
    assert deps(out) == {"final": {"df"}}


def test_with_columns_unknown_option_is_ld008() -> None:
    call = Call("with_columns", (COLUMNS,), {"columns_to_pass": Unknown("COLS")})
    out = expand_function(frame_fn(call), {})
    assert codes(out) == [Code.UNKNOWABLE] and deps(out) == {"final": {"df"}}


# --- live functions: what the runtime executes ---------------------------------------------------


def _cleaned(raw: int, threshold: int) -> int:
    return raw - threshold


@config.when(mode="double")
def _estimate__double(_cleaned: int) -> int:
    return _cleaned * 2


@config.when_not(mode="double")
def _estimate__same(_cleaned: int) -> int:
    return _cleaned


def test_runtime_subdag_computes_through_the_namespace() -> None:
    @tag(owner="x")
    @subdag(
        _cleaned,
        _estimate__double,
        _estimate__same,
        inputs={"raw": source("sales"), "threshold": value(2)},
        config={"mode": "double"},
    )
    def estimate(_estimate: int, bonus: int) -> int:
        return _estimate + bonus

    out = expand_function(function_spec(estimate), {})
    assert not out.problems
    assert deps(out)["estimate"] == {"estimate._estimate", "estimate.bonus"}
    assert run(out.nodes, {"sales": 10, "estimate.bonus": 1}, "estimate") == (10 - 2) * 2 + 1


def test_runtime_parameterized_subdag() -> None:
    @parameterized_subdag(
        _cleaned,
        inputs={"threshold": value(1)},
        low={"inputs": {"raw": value(5)}},
        high={"inputs": {"raw": source("big")}},
    )
    def level(_cleaned: int) -> int:
        return _cleaned

    out = expand_function(function_spec(level), {})
    assert run(out.nodes, {}, "low") == 4
    assert run(out.nodes, {"big": 100}, "high") == 99


def test_runtime_subdag_of_a_module() -> None:
    module = types.ModuleType("inner_mod")
    exec("def doubled(x: int) -> int:\n    return 2 * x\n", module.__dict__)
    module.doubled.__module__ = "inner_mod"

    @subdag(module, inputs={"x": source("seed")})
    def outer(doubled: int) -> int:
        return doubled + 1

    out = expand_function(function_spec(outer), {})
    assert run(out.nodes, {"seed": 4}, "outer") == 9


def _ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    return a / b


def _doubled(_ratio: pd.Series) -> pd.Series:
    return _ratio * 2


def test_runtime_with_columns_appends_the_selected_columns() -> None:
    @with_columns(_ratio, _doubled, columns_to_pass=["a", "b"], select=["_doubled"])
    def final(df: pd.DataFrame) -> pd.DataFrame:
        return df

    out = expand_function(function_spec(final), {})
    assert not out.problems
    df = pd.DataFrame({"a": [2.0, 9.0], "b": [1.0, 3.0]})
    result = run(out.nodes, {"df": df}, "final")
    assert list(result.columns) == ["a", "b", "_doubled"]
    assert result["_doubled"].tolist() == [4.0, 6.0]


def test_runtime_with_columns_on_input_defaults_to_series_outputs() -> None:
    def _a(df: pd.DataFrame) -> pd.Series:
        return df["a"] + 1

    @with_columns(_a, on_input="df")
    def final(df: pd.DataFrame) -> pd.DataFrame:
        return df

    out = expand_function(function_spec(final), {})
    assert deps(out)["final._append"] == {"final._a", "df"}
    result = run(out.nodes, {"df": pd.DataFrame({"a": [1]})}, "final")
    assert result["_a"].tolist() == [2]
