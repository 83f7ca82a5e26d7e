"""Parallelizable/Collect: which annotations mark a node's role, as each front end writes them."""

from __future__ import annotations

from typing import Annotated

import pytest
from hamilton import htypes as hamilton_htypes
from livedag.engine import htypes
from livedag.engine.compatibility import runtime_types_match, types_compatible
from livedag.engine.function_modifiers import source, subdag, tag
from livedag.engine.introspect import function_spec
from livedag.engine.rules import expand_function
from livedag.engine.rules.parallel import dynamic_marker, node_role
from livedag.engine.specs import (
    Call,
    FunctionRef,
    FunctionSpec,
    NodeRole,
    Parameter,
    TypeRef,
)


@pytest.mark.parametrize(
    ("text", "qualified", "marker"),
    [
        # static front end: as written, and resolved through the imports
        ("Parallelizable[int]", "hamilton.htypes.Parallelizable[int]", "Parallelizable"),
        ("htypes.Parallelizable[int]", "hamilton.htypes.Parallelizable[int]", "Parallelizable"),
        ("P[list[int]]", "hamilton.htypes.Parallelizable[list[int]]", "Parallelizable"),
        ("ht.Collect[Row]", "hamilton.htypes.Collect[m.Row]", "Collect"),
        ("Collect[int]", "livedag.engine.htypes.Collect[int]", "Collect"),
        ("'Collect[int]'", None, "Collect"),  # a string annotation nothing resolved
        ("Parallelizable[Missing]", None, "Parallelizable"),  # a name nothing defines
        ("Collect[Literal[']']]", None, "Collect"),  # a bracket inside a string argument
        # runtime front end: the live type's repr
        ("hamilton.htypes.Collect[int]", "hamilton.htypes.Collect[int]", "Collect"),
        # not a dynamic type at the outside, or not Hamilton's
        ("Parallelizable", "hamilton.htypes.Parallelizable", None),
        ("Annotated[Collect[int], 1]", "Annotated[hamilton.htypes.Collect[int], 1]", None),
        ("Optional[Collect[int]]", "Optional[hamilton.htypes.Collect[int]]", None),
        ("Collect[int] | list[int]", "hamilton.htypes.Collect[int] | list[int]", None),
        ("Parallelizable[int]", "mylib.streams.Parallelizable[int]", None),
        ("list[int]", "list[int]", None),
        ("Collect[int", None, None),
    ],
)
def test_dynamic_marker(text: str, qualified: str | None, marker: str | None) -> None:
    assert dynamic_marker(TypeRef(text, qualified)) == marker


def _spec(returns: str, *params: str) -> FunctionSpec:
    return FunctionSpec(
        "f",
        "m",
        tuple(Parameter(f"p{i}", TypeRef(t)) for i, t in enumerate(params)),
        TypeRef(returns),
    )


@pytest.mark.parametrize(
    ("returns", "params", "role"),
    [
        ("Parallelizable[int]", ("int",), NodeRole.EXPAND),
        ("int", ("int", "Collect[int]"), NodeRole.COLLECT),
        ("Collect[int]", (), NodeRole.COLLECT),  # Hamilton looks at the return type too
        ("Parallelizable[int]", ("Collect[int]",), NodeRole.COLLECT),  # collect wins
        ("int", ("Parallelizable[int]",), NodeRole.STANDARD),  # only a return expands
        ("int", ("int",), NodeRole.STANDARD),
    ],
)
def test_node_role(returns: str, params: tuple[str, ...], role: NodeRole) -> None:
    assert node_role(_spec(returns, *params)) is role


def test_function_without_annotations_is_standard() -> None:
    assert node_role(FunctionSpec("f", "m", (Parameter("x"),))) is NodeRole.STANDARD


# --- live functions (the runtime front end) ---------------------------------------------------
# This file's `from __future__ import annotations` makes every annotation below a string, which
# the runtime front end resolves as Hamilton does.


def _ids(count: int) -> htypes.Parallelizable[int]:
    yield from range(count)


def _total(values: hamilton_htypes.Collect[int]) -> int:
    return sum(values)


def _kept(values: Annotated[htypes.Collect[int], "x"]) -> int:
    return 0


@pytest.mark.parametrize(
    ("fn", "role"),
    [
        (_ids, NodeRole.EXPAND),
        (_total, NodeRole.COLLECT),
        (_kept, NodeRole.STANDARD),
    ],
)
def test_live_functions_of_either_library(fn: object, role: NodeRole) -> None:
    (node,) = expand_function(function_spec(fn), {}).nodes  # type: ignore[arg-type]
    assert node.role is role


def test_decorated_nodes_keep_the_role_and_subdags_copy_it() -> None:
    def _gather(_ids: htypes.Collect[int]) -> int:
        return sum(_ids)

    @tag(owner="me")
    @subdag(_ids, _gather, inputs={"count": source("n")})
    def summary(_gather: int) -> int:
        return _gather

    out = expand_function(function_spec(summary), {})
    assert not out.problems
    roles = {n.name: n.role for n in out.nodes}
    assert roles == {
        "summary._ids": NodeRole.EXPAND,
        "summary._gather": NodeRole.COLLECT,
        "summary.count": NodeRole.STANDARD,
        "summary": NodeRole.STANDARD,
    }


def test_static_spec_through_a_subdag() -> None:
    inner = FunctionSpec("ids", "m", (), TypeRef("P[int]", "hamilton.htypes.Parallelizable[int]"))
    outer = FunctionSpec(
        "outer",
        "m",
        (Parameter("ids", TypeRef("int")),),
        TypeRef("Collect[int]", "hamilton.htypes.Collect[int]"),
        decorators=(Call("subdag", (FunctionRef("ids", "m", spec=inner),)),),
    )
    roles = {n.name: n.role for n in expand_function(outer, {}).nodes}
    assert roles == {"outer.ids": NodeRole.EXPAND, "outer": NodeRole.COLLECT}


# --- edges: what flows through an expand or into a collect (LD004) ----------------------------


@pytest.mark.parametrize(
    ("produced", "requested", "fits"),
    [
        ("hamilton.htypes.Parallelizable[int]", "int", True),  # each element flows on
        ("hamilton.htypes.Parallelizable[int]", "str", False),
        ("livedag.engine.htypes.Parallelizable[str]", "hamilton.htypes.Collect[str]", True),
        ("int", "hamilton.htypes.Collect[int]", True),  # each run's result is collected
        ("str", "livedag.engine.htypes.Collect[int]", False),
    ],
)
def test_static_edges_through_dynamic_types(produced: str, requested: str, fits: bool) -> None:
    assert types_compatible(TypeRef(produced, produced), TypeRef(requested, requested)) is fits


@pytest.mark.parametrize(
    ("produced", "requested", "fits"),
    [
        (htypes.Parallelizable[int], int, True),
        (htypes.Parallelizable[int], str, False),
        (int, htypes.Collect[int], True),
        (str, hamilton_htypes.Collect[int], False),
    ],
)
def test_live_edges_through_dynamic_types(produced: object, requested: object, fits: bool) -> None:
    assert runtime_types_match(produced, requested) is fits
