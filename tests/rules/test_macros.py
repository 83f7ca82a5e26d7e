"""Rules for @does, @pipe_input/@pipe, @pipe_output, @mutate: names, dependencies, misuse, Unknowns,
and the compute functions the runtime calls."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import pytest
from livedag.engine.codes import Code
from livedag.engine.function_modifiers import (
    apply_to,
    does,
    mutate,
    pipe,
    pipe_input,
    pipe_output,
    source,
    step,
    tag,
    value,
)
from livedag.engine.introspect import function_spec
from livedag.engine.rules import expand_function, expand_module
from livedag.engine.rules.registry import Expansion
from livedag.engine.specs import (
    Call,
    FunctionRef,
    FunctionSpec,
    LocatedStr,
    Location,
    NodeSpec,
    Parameter,
    TypeRef,
    Unknown,
)

from tests.rules.rulekit import execute

INT = TypeRef("int")


def fn_spec(
    name: str, *params: str, decorators: tuple[Call, ...] = (), returns: TypeRef | None = INT
) -> FunctionSpec:
    """A static FunctionSpec (as the analyzer makes them): int parameters, no live objects."""
    return FunctionSpec(
        name,
        "m",
        tuple(Parameter(p.rstrip("="), INT, has_default=p.endswith("=")) for p in params),
        returns,
        decorators=decorators,
    )


def ref(spec: FunctionSpec | None, name: str | None = None) -> FunctionRef:
    return FunctionRef(name or (spec.name if spec else "?"), "m", spec=spec)


def deps(out: Expansion) -> dict[str, set[str]]:
    return {n.name: set(n.dependency_names) for n in out.nodes}


def codes(out: Expansion) -> list[str]:
    return [p.code for p in out.problems]


def run(nodes: Iterable[NodeSpec], inputs: Mapping[str, Any], output: str) -> Any:
    """Evaluate `output` from the nodes' compute functions, as a driver would."""
    return execute(list(nodes), output, inputs)


ADD = fn_spec("_add", "x", "amount=")
SCALE = fn_spec("_scale", "x", "factor")


# --- pipe_input ---------------------------------------------------------------------------------


def test_pipe_input_chains_steps_through_the_first_parameter_with_hamilton_names() -> None:
    chain = Call(
        "pipe_input",
        (
            Call("step", (ref(ADD),)),
            Call("step", (ref(SCALE),), {"factor": Call("value", (3,))}),
            Call("step", (ref(ADD),), {"amount": Call("source", ("bonus",))}),
        ),
    )
    out = expand_function(fn_spec("total", "raw", "other", decorators=(chain,)), {})
    assert not out.problems
    assert deps(out) == {
        "total": {"total.with_add_1", "other"},
        "total.with_add": {"raw", "amount"},
        "total.with_scale": {"total.with_add"},
        "total.with_add_1": {"total.with_scale", "bonus"},
    }


def test_pipe_is_the_legacy_name_of_pipe_input() -> None:
    out = expand_function(
        fn_spec("total", "raw", decorators=(Call("pipe", (Call("step", (ref(ADD),)),)),)), {}
    )
    assert deps(out)["total"] == {"total.with_add"}


def test_public_step_functions_get_an_underscore_after_with() -> None:
    public = fn_spec("double", "x")
    out = expand_function(
        fn_spec("total", "raw", decorators=(Call("pipe_input", (Call("step", (ref(public),)),)),)),
        {},
    )
    assert "total.with_double" in deps(out)


@pytest.mark.parametrize(
    ("methods", "options", "expected"),
    [
        ((Call("named", ("a",)),), {}, "total.a"),
        ((Call("named", ("a",), {"namespace": None}),), {}, "a"),
        ((Call("named", ("a", "ns")),), {}, "ns.a"),
        ((Call("namespaced", ("ns",)),), {}, "ns.with_add"),
        ((Call("named", ("a",)),), {"namespace": None}, "a"),
        ((), {"namespace": "grp"}, "grp.with_add"),
    ],
)
def test_pipe_input_step_names_and_namespaces(
    methods: tuple[Call, ...], options: dict[str, Any], expected: str
) -> None:
    call = Call("pipe_input", (Call("step", (ref(ADD),), methods=methods),), options)
    out = expand_function(fn_spec("total", "raw", decorators=(call,)), {})
    assert deps(out)["total"] == {expected}


def test_pipe_input_on_input_picks_the_parameter() -> None:
    call = Call("pipe_input", (Call("step", (ref(ADD),)),), {"on_input": "b"})
    out = expand_function(fn_spec("total", "a", "b", decorators=(call,)), {})
    assert deps(out)["total"] == {"a", "total.with_add"}
    assert deps(out)["total.with_add"] == {"b", "amount"}


@pytest.mark.parametrize(
    ("config", "expected"),
    [({"region": "US"}, "total.us"), ({"region": "EU"}, "total.other"), ({}, "total.other")],
)
def test_config_dependent_steps(config: dict[str, Any], expected: str) -> None:
    steps = (
        Call(
            "step",
            (ref(ADD),),
            methods=(Call("when", (), {"region": "US"}), Call("named", ("us",))),
        ),
        Call(
            "step",
            (ref(ADD),),
            methods=(Call("when_not_in", (), {"region": ["US"]}), Call("named", ("other",))),
        ),
    )
    out = expand_function(fn_spec("total", "raw", decorators=(Call("pipe_input", steps),)), config)
    assert deps(out)["total"] == {expected}
    assert deps(out)[expected] == {"raw", "amount"}


def test_no_step_applies_leaves_the_function_alone() -> None:
    only = Call("step", (ref(ADD),), methods=(Call("when", (), {"k": 1}),))
    out = expand_function(fn_spec("total", "raw", decorators=(Call("pipe_input", (only,)),)), {})
    assert deps(out) == {"total": {"raw"}}


def test_source_locations_point_at_the_string() -> None:
    where = Location("m.py", 3, 30, 3, 37)
    step_call = Call("step", (ref(SCALE),), {"factor": Call("source", (LocatedStr("k", where),))})
    out = expand_function(
        fn_spec("total", "raw", decorators=(Call("pipe_input", (step_call,)),)), {}
    )
    (node,) = [n for n in out.nodes if n.name == "total.with_scale"]
    assert {d.name: d.location for d in node.dependencies}["k"] == where


def test_named_step_is_located_at_its_name() -> None:
    where = Location("m.py", 5, 20, 5, 23)
    named = Call("step", (ref(ADD),), methods=(Call("named", (LocatedStr("a", where),)),))
    out = expand_function(fn_spec("total", "raw", decorators=(Call("pipe_input", (named,)),)), {})
    assert {n.name: n.location for n in out.nodes}["total.a"] == where


MISUSES = [
    (Call("step", ("_add",)), "strings are not supported"),
    (Call("step", (ref(SCALE),)), "leaves required parameter"),
    (Call("step", (ref(ADD),), {"nope": 1}), "no free parameter 'nope'"),
    (Call("step", (ref(ADD), 1, 2)), "positional"),
    (Call("step", (ref(fn_spec("_f", "x", returns=None)),)), "no return type"),
    (Call("step", (ref(fn_spec("_f")),)), "no parameters"),
    (Call("step", (ref(ADD),), methods=(Call("on_input", ("x",)),)), "does not exist"),
    (Call("step", (ref(ADD),), {"_name": "x"}), "_name"),
    (Call("step", (ref(ADD),), {"amount": Call("group", (Call("source", ("a",)),))}), "group"),
    ("_add", "takes step(...)"),
]


@pytest.mark.parametrize(("bad", "message"), MISUSES)
def test_pipe_input_misuse_is_ld006_and_the_function_survives(bad: Any, message: str) -> None:
    out = expand_function(fn_spec("total", "raw", decorators=(Call("pipe_input", (bad,)),)), {})
    assert codes(out) == [Code.DECORATOR_MISUSE]
    assert message in out.problems[0].message
    assert deps(out) == {"total": {"raw"}}


@pytest.mark.parametrize(
    "options",
    [{"on_input": ["raw"]}, {"collapse": True}, {"_chain": True}, {"bogus": 1}],
)
def test_pipe_input_option_misuse(options: dict[str, Any]) -> None:
    call = Call("pipe_input", (Call("step", (ref(ADD),)),), options)
    assert codes(expand_function(fn_spec("total", "raw", decorators=(call,)), {})) == [
        Code.DECORATOR_MISUSE
    ]


def test_step_namespace_clashing_with_the_decorator_namespace() -> None:
    named = Call("step", (ref(ADD),), methods=(Call("named", ("a", "x")),))
    call = Call("pipe_input", (named,), {"namespace": "other"})
    out = expand_function(fn_spec("total", "raw", decorators=(call,)), {})
    assert "namespace" in out.problems[0].message


def test_first_parameter_already_fed_is_rejected() -> None:
    call = Call("pipe_input", (Call("step", (ref(ADD),)),))
    assert codes(expand_function(fn_spec("total", decorators=(call,)), {})) == [
        Code.DECORATOR_MISUSE
    ]


def test_step_function_that_cannot_be_read_keeps_the_known_lineage() -> None:
    unknown_fn = FunctionRef("_external", "other")  # no spec: the analyzer could not find it
    steps = (
        Call("step", (unknown_fn,), {"k": Call("source", ("weights",))}),
        Call("step", (ref(ADD),)),
    )
    out = expand_function(fn_spec("total", "raw", decorators=(Call("pipe_input", steps),)), {})
    assert codes(out) == [Code.UNKNOWABLE]
    assert deps(out) == {
        "total": {"total.with_add"},
        "total.with_external": {"raw", "weights"},
        "total.with_add": {"total.with_external", "amount"},
    }


def test_unknown_step_is_ld008_and_keeps_the_function() -> None:
    call = Call("pipe_input", (Unknown("a variable"),))
    out = expand_function(fn_spec("total", "raw", decorators=(call,)), {})
    assert codes(out) == [Code.UNKNOWABLE] and deps(out) == {"total": {"raw"}}


def test_unknown_argument_is_ld008_and_the_step_stays() -> None:
    call = Call("pipe_input", (Call("step", (ref(SCALE),), {"factor": Unknown("f()")}),))
    out = expand_function(fn_spec("total", "raw", decorators=(call,)), {})
    assert codes(out) == [Code.UNKNOWABLE]
    assert deps(out)["total.with_scale"] == {"raw"}


def test_condition_on_an_unknown_config_value_is_ld008() -> None:
    only = Call("step", (ref(ADD),), methods=(Call("when", (), {"k": 1}),))
    out = expand_function(
        fn_spec("total", "raw", decorators=(Call("pipe_input", (only,)),)), {"k": Unknown("env")}
    )
    assert codes(out) == [Code.UNKNOWABLE]


# --- pipe_output --------------------------------------------------------------------------------


def test_pipe_output_makes_raw_steps_and_the_final_node() -> None:
    call = Call("pipe_output", (Call("step", (ref(ADD),)), Call("step", (ref(ADD),))))
    out = expand_function(
        fn_spec("score", "base", decorators=(call, Call("tag", (), {"o": "x"}))), {}
    )
    assert deps(out) == {
        "score.raw": {"base"},
        "score.with_add": {"score.raw", "amount"},
        "score.with_add_1": {"score.with_add", "amount"},
        "score": {"score.with_add_1"},
    }
    # a tag written above pipe_output lands on the final node only (it is the sink)
    assert {n.name for n in out.nodes if n.user_tags} == {"score"}


def test_pipe_output_targets_with_on_output_and_step_targets() -> None:
    extract = Call("extract_fields", ({"lo": Symbol_int(), "hi": Symbol_int()},))
    per_step = Call(
        "pipe_output",
        (
            Call("step", (ref(ADD),), methods=(Call("on_output", ("lo",)),)),
            Call("step", (ref(ADD),)),
        ),
    )
    spec = fn_spec("bounds", "base", decorators=(per_step, extract), returns=TypeRef("dict"))
    out = expand_function(spec, {})
    assert not out.problems
    graph = deps(out)
    assert graph["lo"] == {"lo.with_add_1"} and graph["lo.with_add"] == {"lo.raw", "amount"}
    assert graph["hi"] == {"hi.with_add"} and graph["hi.raw"] == {"bounds"}


def Symbol_int() -> Any:
    from livedag.engine.specs import Symbol

    return Symbol("int", obj=int)


@pytest.mark.parametrize(
    "call",
    [
        Call("pipe_output", (Call("step", (ref(ADD),)),), {"on_output": Ellipsis}),
        Call(
            "pipe_output",
            (Call("step", (ref(ADD),), methods=(Call("on_output", ("score",)),)),),
            {"on_output": "score"},
        ),
        Call("pipe_output", (Call("step", (ref(ADD),)),), {"on_output": "nope"}),
    ],
)
def test_pipe_output_target_misuse(call: Call) -> None:
    out = expand_function(fn_spec("score", "base", decorators=(call,)), {})
    assert codes(out) == [Code.DECORATOR_MISUSE] and deps(out) == {"score": {"base"}}


def test_pipe_output_with_no_step_applying_is_unchanged() -> None:
    only = Call("step", (ref(ADD),), methods=(Call("when", (), {"k": 1}),))
    out = expand_function(fn_spec("score", "base", decorators=(Call("pipe_output", (only,)),)), {})
    assert deps(out) == {"score": {"base"}}


# --- does ---------------------------------------------------------------------------------------


def test_does_keeps_the_signature() -> None:
    summing = FunctionSpec("_sum", "m", (Parameter("values", INT, kind=_var_kw()),), INT)
    call = Call("does", (ref(summing),))
    out = expand_function(fn_spec("total", "a", "b=", decorators=(call,)), {})
    assert not out.problems and deps(out) == {"total": {"a", "b"}}


def _var_kw() -> Any:
    from livedag.engine.specs import ParameterKind

    return ParameterKind.VAR_KEYWORD


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (Call("does", (ref(fn_spec("_r", "x")),)), "not compatible"),
        (Call("does", (ref(fn_spec("_r", "x")),), {"x": "zz"}), "does not have"),
        (Call("does", (ref(fn_spec("_r", "x")),), {"x": ["a"]}), "maps a parameter"),
        (Call("does", ("_r",)), "not its name"),
        (Call("does", ()), "exactly one function"),
        (Call("does", (ref(fn_spec("_r", "a")), ref(fn_spec("_s", "a")))), "exactly one"),
    ],
)
def test_does_misuse(call: Call, message: str) -> None:
    out = expand_function(fn_spec("total", "a", decorators=(call,)), {})
    assert codes(out) == [Code.DECORATOR_MISUSE] and message in out.problems[0].message


def test_does_with_an_unreadable_function_still_knows_the_node() -> None:
    out = expand_function(fn_spec("total", "a", decorators=(Call("does", (Unknown("x"),)),)), {})
    assert not out.problems and deps(out) == {"total": {"a"}}


# --- live functions: what the runtime executes ---------------------------------------------------


def _plus(x: int, amount: int = 1) -> int:
    return x + amount


def _times(x: int, k: int) -> int:
    return x * k


def _sum_all(**values: int) -> int:
    return sum(values.values())


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator


def test_runtime_pipe_input_computes_the_chain() -> None:
    @tag(owner="x")
    @pipe_input(step(_plus), step(_times, k=value(3)), step(_plus, amount=source("bonus")))
    def total(raw: int) -> int:
        return raw * 10

    out = expand_function(function_spec(total), {})
    assert run(out.nodes, {"raw": 1, "bonus": 100}, "total") == ((1 + 1) * 3 + 100) * 10


def test_runtime_pipe_output_computes_the_chain() -> None:
    @pipe_output(step(_times, k=2), step(_plus).named("done"))
    def score(base: int) -> int:
        return base + 1

    out = expand_function(function_spec(score), {})
    assert run(out.nodes, {"base": 4}, "score") == (4 + 1) * 2 + 1


def test_runtime_legacy_pipe() -> None:
    @pipe(step(_times, 5))
    def scaled(raw: int) -> int:
        return raw

    assert run(expand_function(function_spec(scaled), {}).nodes, {"raw": 2}, "scaled") == 10


def test_runtime_does_maps_arguments_and_defaults() -> None:
    @does(_sum_all)
    def total(a: int, b: int = 5) -> int:  # type: ignore[empty-body]
        pass

    @does(_ratio, numerator="revenue", denominator="visits")
    def per_visit(revenue: float, visits: float) -> float:  # type: ignore[empty-body]
        pass

    assert run(expand_function(function_spec(total), {}).nodes, {"a": 1}, "total") == 6
    nodes = expand_function(function_spec(per_visit), {}).nodes
    assert run(nodes, {"revenue": 10.0, "visits": 4.0}, "per_visit") == 2.5


def test_runtime_does_rejects_a_body() -> None:
    @does(_sum_all)
    def total(a: int) -> int:
        return a

    assert codes(expand_function(function_spec(total), {})) == [Code.DECORATOR_MISUSE]


# --- mutate ---------------------------------------------------------------------------------------


def test_mutate_rewrite_adds_or_extends_pipe_output() -> None:
    target = fn_spec("orders", "raw")
    piped = fn_spec(
        "refunds", "raw", decorators=(Call("pipe_output", (Call("step", (ref(ADD),)),)),)
    )
    mutator = fn_spec(
        "_drop", "x", decorators=(Call("mutate", (ref(None, "orders"), ref(None, "refunds"))),)
    )
    scaler = fn_spec(
        "_scale",
        "x",
        "factor",
        decorators=(
            Call(
                "mutate",
                (
                    Call(
                        "apply_to", (ref(None, "orders"),), {"factor": 2}, (Call("named", ("s",)),)
                    ),
                ),
            ),
        ),
    )
    out = expand_module([target, piped, mutator, scaler], {})
    assert not out.problems
    assert deps(out) == {
        "orders.raw": {"raw"},
        "orders.with_drop": {"orders.raw"},
        "orders.s": {"orders.with_drop"},
        "orders": {"orders.s"},
        "refunds.raw": {"raw"},
        "refunds.with_add": {"refunds.raw", "amount"},
        "refunds.with_drop": {"refunds.with_add"},
        "refunds": {"refunds.with_drop"},
    }


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("orders", "strings are not supported"),
        (FunctionRef("orders", "elsewhere"), "its own module"),
        (Call("apply_to", ()), "apply_to() takes"),
    ],
)
def test_mutate_misuse_is_reported_on_a_public_mutator(target: Any, message: str) -> None:
    mutator = fn_spec("drop", "x", decorators=(Call("mutate", (target,)),))
    out = expand_module([fn_spec("orders", "raw"), mutator], {})
    assert codes(out) == [Code.DECORATOR_MISUSE] and message in out.problems[0].message
    assert deps(out) == {"orders": {"raw"}}


def test_mutate_runtime_applies_steps() -> None:
    def orders(raw: int) -> int:
        return raw

    @mutate(orders, k=value(10))
    def _times_k(x: int, k: int) -> int:
        return x * k

    @mutate(apply_to(orders, amount=source("extra")))
    def _plus_amount(x: int, amount: int) -> int:
        return x + amount

    out = expand_module([function_spec(f) for f in (orders, _times_k, _plus_amount)], {})
    assert not out.problems
    assert run(out.nodes, {"raw": 2, "extra": 1}, "orders") == 21


def test_a_target_mutated_twice_numbers_the_steps_in_the_order_python_applies_them() -> None:
    def orders(raw: int) -> int:
        return raw

    @mutate(orders)  # applied second: Python applies the decorator nearest the def first
    @mutate(orders, orders, k=value(10))
    def _times_k(x: int, k: int = 2) -> int:
        return x * k

    out = expand_module([function_spec(f) for f in (orders, _times_k)], {})
    assert not out.problems
    assert deps(out) == {
        "orders.raw": {"raw"},
        "orders.with_times_k": {"orders.raw"},
        "orders.with_times_k_1": {"orders.with_times_k"},
        "orders.with_times_k_2": {"orders.with_times_k_1", "k"},
        "orders": {"orders.with_times_k_2"},
    }
    assert run(out.nodes, {"raw": 3}, "orders") == 3 * 10 * 10 * 2  # every mutation applied


REDEFINED_MUTATOR = """
from hamilton.function_modifiers import mutate


def total(raw: int) -> int:
    return raw


def _plain(x: int) -> int:
    return x


@mutate(total)
def _add(x: int) -> int:
    return x + 1


@mutate(total)
def _double(x: int) -> int:
    return x * 2


@mutate(total)
def _add(x: int) -> int:
    return x + 100


def _plain(x: int) -> int:
    return -x
"""


def test_a_mutator_defined_twice_mutates_twice_at_run_time(tmp_path: Any) -> None:
    from tests.rules.rulekit import live_nodes

    nodes = live_nodes(tmp_path, REDEFINED_MUTATOR)
    assert {n.name for n in nodes} == {
        "total.raw",
        "total.with_add",
        "total.with_double",
        "total.with_add_1",
        "total",
    }
    assert run(nodes, {"raw": 1}, "total") == (1 + 1) * 2 + 100


def test_a_mutator_defined_twice_is_kept_by_the_static_front_end_and_not_a_duplicate() -> None:
    from livedag.server.analyzer import analyze_source

    analysis = analyze_source(REDEFINED_MUTATOR, module="m", path="m.py")
    # Python replaces the plain `_plain` too, but a private helper is no node: nothing to report.
    assert analysis.problems == ()
    assert [f.name for f in analysis.functions].count("_plain") == 1
    shadowed = [f for f in analysis.functions if f.shadowed]
    assert [(f.name, f.location.line if f.location else 0) for f in shadowed] == [("_add", 14)]
    out = expand_module(analysis.functions, {})
    assert not out.problems
    assert deps(out) == {
        "total.raw": {"raw"},
        "total.with_add": {"total.raw"},
        "total.with_double": {"total.with_add"},
        "total.with_add_1": {"total.with_double"},
        "total": {"total.with_add_1"},
    }


def test_a_shadowed_definition_makes_no_node_of_its_own() -> None:
    first = replace(fn_spec("total", "raw"), shadowed=True)
    assert deps(expand_module([first, fn_spec("total", "other")], {})) == {"total": {"other"}}


# --- executed against Hamilton: every node of this family's fixtures computes the same value ----

FAMILY = ("macros_", "pipes_", "recursive_", "rules_mutate_")


def _fixture_cases() -> list[Any]:
    from tests.oracle import fixture_configs, fixture_paths

    return [
        pytest.param(path, fixture_configs(path)[-1], id=path.stem)
        for path in fixture_paths()
        if path.stem.startswith(FAMILY)
    ]


@pytest.mark.parametrize(("path", "config"), _fixture_cases())
def test_fixture_values_equal_hamiltons(path: Any, config: dict[str, Any]) -> None:
    import pandas as pd
    from hamilton import driver as hamilton_driver
    from hamilton import telemetry
    from hamilton.function_modifiers.dependencies import SingleDependency
    from livedag.engine import driver as livedag_driver

    from tests.oracle import load_module, to_livedag_source

    telemetry.disable_telemetry()  # else the first Driver waits on the network
    samples = {
        int: 2,
        float: 1.5,
        str: "abcd",
        pd.Series: pd.Series([1.0, 2.0]),
        pd.DataFrame: pd.DataFrame({"spend": [1.0, 4.0], "signups": [2.0, 2.0]}),
    }
    ham = hamilton_driver.Builder().with_modules(load_module(path, prefix="hx"))
    ham_dr = ham.with_config(config).build()
    ours = livedag_driver.Builder().with_modules(
        load_module(path, to_livedag_source(path.read_text()), prefix="lx")
    )
    our_dr = ours.with_config(config).build()
    variables = [v for v in ham_dr.list_available_variables() if v.name not in config]
    inputs = {v.name: samples.get(v.type, 1) for v in variables if v.is_external_input}
    outputs = [v.name for v in variables if not v.is_external_input]
    expected, actual = (
        ham_dr.execute(outputs, inputs=inputs),
        our_dr.execute(outputs, inputs=inputs),
    )
    for name in outputs:
        if isinstance(expected[name], SingleDependency):
            continue  # Hamilton hands a subdag's configuration(...) marker through as a value
        same = (
            expected[name].equals(actual[name])
            if hasattr(expected[name], "equals")
            else (expected[name] == actual[name])
        )
        assert same, f"{name}: Hamilton {expected[name]!r}, livedag {actual[name]!r}"


def test_misused_mutate_on_a_private_mutator_is_reported() -> None:
    from livedag.engine.rules import expand_module
    from livedag.engine.specs import Call, FunctionSpec, Parameter, TypeRef

    target = FunctionSpec("total", "m", (Parameter("x", TypeRef("int")),), TypeRef("int"))
    mutator = FunctionSpec(
        "_double",
        "m",
        (Parameter("total", TypeRef("int")),),
        TypeRef("int"),
        decorators=(Call("mutate", ("not a function",)),),
    )
    out = expand_module([target, mutator], {})
    assert [n.name for n in out.nodes] == ["total"]
    assert [p.code for p in out.problems] == [Code.DECORATOR_MISUSE]
