"""config.when*, hamilton_exclude and resolve: which functions become nodes, under which names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from livedag.engine.codes import Code
from livedag.engine.rules import expand_function
from livedag.engine.rules.configuration import POWER_USER_MODE, function_name_for_config
from livedag.engine.specs import Call, FunctionRef, FunctionSpec, Severity, Symbol

from tests.rules.rulekit import (
    at,
    expand,
    hamilton_rejects,
    live_nodes,
    livedag_codes,
    problems,
    spec,
    unknown,
)

POWER = {POWER_USER_MODE: True}


def names(fn: FunctionSpec, config: dict[str, object]) -> list[str]:
    return [n.name for n in expand_function(fn, config).nodes]


@pytest.mark.parametrize(
    ("decorator", "config", "expected"),
    [
        (Call("config.when", kwargs={"region": "US"}), {"region": "US"}, ["total"]),
        (Call("config.when", kwargs={"region": "US"}), {"region": "EU"}, []),
        (Call("config.when", kwargs={"region": "US"}), {}, []),
        (Call("config.when_not", kwargs={"region": "US"}), {}, ["total"]),
        (Call("config.when_not", kwargs={"region": "US"}), {"region": "US"}, []),
        (Call("config.when_in", kwargs={"tier": ["a", "b"]}), {"tier": "b"}, ["total"]),
        (Call("config.when_in", kwargs={"tier": ["a", "b"]}), {"tier": "c"}, []),
        (Call("config.when_not_in", kwargs={"tier": ["a"]}), {"tier": "c"}, ["total"]),
        (Call("config.when_not_in", kwargs={"tier": ["a"]}), {"tier": "a"}, []),
        (Call("config.when", kwargs={"a": 1, "b": 2}), {"a": 1, "b": 2}, ["total"]),
        (Call("config.when", kwargs={"a": 1, "b": 2}), {"a": 1, "b": 3}, []),
    ],
)
def test_conditions_keep_or_drop_and_strip_the_suffix(
    decorator: Call, config: dict[str, object], expected: list[str]
) -> None:
    assert names(spec(decorator, name="total__variant"), config) == expected


def test_suffix_is_cut_at_the_last_double_underscore() -> None:
    assert function_name_for_config("a__b__c") == "a__b"
    assert function_name_for_config("plain") == "plain"


def test_stacked_conditions_must_all_hold() -> None:
    fn = spec(
        Call("config.when", kwargs={"region": "US"}),
        Call("config.when_in", kwargs={"tier": ["gold"]}),
        name="perk__us_gold",
    )
    assert names(fn, {"region": "US", "tier": "gold"}) == ["perk"]
    assert names(fn, {"region": "US", "tier": "silver"}) == []


def test_name_argument_names_the_node_at_its_string() -> None:
    target = at("fitted")
    fn = spec(Call("config.when", kwargs={"name": target, "model": "linear"}), name="fit_linear")
    (node,) = expand_function(fn, {"model": "linear"}).nodes
    assert node.name == "fitted" and node.location == target.location


def test_name_is_an_ordinary_key_for_when_not_in() -> None:
    fn = spec(Call("config.when_not_in", kwargs={"name": ["x"]}), name="f__v")
    assert names(fn, {"name": "y"}) == ["f"]
    assert names(fn, {"name": "x"}) == []


def test_function_name_ending_in_double_underscore_is_ld006() -> None:
    assert problems(spec(Call("config.when", kwargs={"a": 1}), name="f__"), {"a": 1}) == [
        Code.DECORATOR_MISUSE
    ]


def test_when_in_needs_a_list() -> None:
    assert problems(spec(Call("config.when_in", kwargs={"a": 1})), {"a": 1}) == [
        Code.DECORATOR_MISUSE
    ]


def test_unknown_condition_keeps_the_node_and_says_so() -> None:
    fn = spec(Call("config.when", kwargs={"region": unknown()}), name="tax__x")
    out = expand_function(fn, {"region": "US"})
    assert [n.name for n in out.nodes] == ["tax"]
    assert [(p.code, p.severity) for p in out.problems] == [(Code.UNKNOWABLE, Severity.INFO)]


def test_a_certainly_false_clause_wins_over_an_unknown_one() -> None:
    fn = spec(Call("config.when", kwargs={"region": unknown(), "tier": "gold"}))
    assert expand_function(fn, {"tier": "silver"}).nodes == []


def test_unknown_config_value_is_ld008() -> None:
    fn = spec(Call("config.when_in", kwargs={"region": ["US"]}))
    assert problems(fn, {"region": unknown()}) == [Code.UNKNOWABLE]


def test_hamilton_exclude_drops_the_function() -> None:
    assert names(spec(Call("hamilton_exclude")), {}) == []


# --- resolve -------------------------------------------------------------------------------------


def _decorate_with(fn: object) -> FunctionRef:
    return FunctionRef("<lambda>", obj=fn)


WHEN = Symbol("ResolveAt.CONFIG_AVAILABLE")


def test_resolve_applies_the_decorator_the_config_chooses() -> None:
    ref = _decorate_with(lambda cols: Call("extract_columns", tuple(cols)))
    fn = spec(Call("resolve", kwargs={"when": WHEN, "decorate_with": ref}), returns="pd.DataFrame")
    nodes = expand(fn, {**POWER, "cols": ["x", "y"]})
    assert sorted(nodes) == ["f", "x", "y"]


def test_resolve_from_config_passes_optional_parameters_only_when_configured() -> None:
    ref = _decorate_with(lambda owner="nobody": Call("tag", kwargs={"owner": owner}))
    fn = spec(Call("resolve_from_config", kwargs={"decorate_with": ref}))
    assert expand(fn, POWER)["f"].user_tags == {"owner": "nobody"}
    assert expand(fn, {**POWER, "owner": "ml"})["f"].user_tags == {"owner": "ml"}


def test_resolve_needs_power_user_mode() -> None:
    ref = _decorate_with(lambda: Call("tag", kwargs={"k": "v"}))
    fn = spec(Call("resolve_from_config", kwargs={"decorate_with": ref}))
    out = expand_function(fn, {})
    assert [p.code for p in out.problems] == [Code.DECORATOR_MISUSE]
    assert POWER_USER_MODE in out.problems[0].message


@pytest.mark.parametrize(
    ("kwargs", "config", "code"),
    [
        (
            {"decorate_with": _decorate_with(lambda k: Call("tag", kwargs={"k": k}))},
            POWER,
            Code.DECORATOR_MISUSE,
        ),
        ({"decorate_with": _decorate_with(lambda *a: Call("tag"))}, POWER, Code.DECORATOR_MISUSE),
        ({"decorate_with": _decorate_with(lambda: 3)}, POWER, Code.DECORATOR_MISUSE),
        ({"decorate_with": unknown()}, POWER, Code.UNKNOWABLE),
        ({"decorate_with": FunctionRef("g")}, POWER, Code.UNKNOWABLE),
        (
            {"decorate_with": _decorate_with(lambda k: Call("tag"))},
            {**POWER, "k": unknown()},
            Code.UNKNOWABLE,
        ),
        (
            {"decorate_with": _decorate_with(lambda: Call("tag")), "extra": 1},
            POWER,
            Code.DECORATOR_MISUSE,
        ),
    ],
)
def test_resolve_misuse_and_unknowns(
    kwargs: dict[str, object], config: dict[str, object], code: str
) -> None:
    fn = spec(Call("resolve_from_config", kwargs=kwargs))
    assert problems(fn, config) == [code]


def test_resolve_when_must_be_config_available() -> None:
    ref = _decorate_with(lambda: Call("tag", kwargs={"k": "v"}))
    bad = spec(Call("resolve", kwargs={"when": Symbol("ResolveAt.LATER"), "decorate_with": ref}))
    assert problems(bad, POWER) == [Code.DECORATOR_MISUSE]


def test_resolve_with_live_decorators(tmp_path: Path) -> None:
    body = """
        import pandas as pd
        from hamilton.function_modifiers import extract_columns, resolve_from_config
        @resolve_from_config(decorate_with=lambda cols: extract_columns(*cols))
        def frame(raw: pd.DataFrame) -> pd.DataFrame:
            return raw
    """
    nodes = live_nodes(tmp_path, body, {**POWER, "cols": ["a"]})
    assert sorted(n.name for n in nodes) == ["a", "frame"]


HAMILTON_REFUSES: dict[str, tuple[str, dict[str, Any]]] = {
    "no_power_user_mode": (
        """
        from hamilton.function_modifiers import resolve_from_config, tag
        @resolve_from_config(decorate_with=lambda: tag(k="v"))
        def f(a: int) -> int:
            return a
        """,
        {},
    ),
    "missing_config": (
        """
        from hamilton.function_modifiers import resolve_from_config, tag
        @resolve_from_config(decorate_with=lambda owner: tag(owner=owner))
        def f(a: int) -> int:
            return a
        """,
        POWER,
    ),
    "trailing_dunder": (
        """
        from hamilton.function_modifiers import config
        @config.when(a=1)
        def f__(a: int) -> int:
            return a
        """,
        {"a": 1},
    ),
}


@pytest.mark.parametrize("case", sorted(HAMILTON_REFUSES))
def test_what_hamilton_refuses_is_ld006(tmp_path: Path, case: str) -> None:
    body, config = HAMILTON_REFUSES[case]
    assert hamilton_rejects(tmp_path, body, config)
    assert livedag_codes(tmp_path, body, config) == [Code.DECORATOR_MISUSE]


def test_static_evaluator_that_gives_up_is_ld008_not_an_error() -> None:
    def evaluator(k: str) -> Call:
        raise NameError("k is not a literal")

    fn = spec(Call("resolve_from_config", kwargs={"decorate_with": _decorate_with(evaluator)}))
    assert problems(fn, {**POWER, "k": "v"}) == [Code.UNKNOWABLE]
