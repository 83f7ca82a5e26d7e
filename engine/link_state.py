"""What a built `Dataflow` keeps so that its next version can be re-linked from it (`relink`).

Problems are filed by what they depend on (`Checks`), so an update replaces only the entries the
change can affect; the rest, like the graph's dicts, is shared between versions and never
mutated once a dataflow is published.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from . import graph_checks
from .specs import Dependency, NodeSpec, Problem

if TYPE_CHECKING:
    from .adjacency import Adjacency

# For a name no function produces: who asks for it, in node order.
Asking = list[tuple[NodeSpec, Dependency]]
# Every name's askers (its consumers and the dependency that asks), in node order.
Consumers = dict[str, list[tuple[NodeSpec, Dependency]]]


@dataclass(frozen=True)
class Checks:
    """A dataflow's own problems, filed by what they depend on, so an update can keep most."""

    duplicates: dict[str, list[Problem]]  # LD003 by name
    cycles: dict[frozenset[str], list[Problem]]  # LD001 by cyclic component
    unknown: dict[str, list[Problem]]  # LD002 by the input's name
    edge_types: dict[str, list[Problem]]  # LD004 by consuming node
    input_types: dict[str, list[Problem]]  # LD004 by input or config name

    def problems(self) -> list[Problem]:
        return [
            p
            for table in (
                self.duplicates,
                self.cycles,
                self.unknown,
                self.edge_types,
                self.input_types,
            )
            for found in table.values()
            for p in found
        ]


def identity_diff(
    before: Sequence[NodeSpec], after: Sequence[NodeSpec]
) -> tuple[list[NodeSpec], list[NodeSpec]] | None:
    """(removed, added) by object identity, or None when kept nodes changed their order."""
    old = dict(zip(map(id, before), range(len(before)), strict=True))
    new = dict(zip(map(id, after), range(len(after)), strict=True))
    if len(old) != len(before) or len(new) != len(after):
        return None  # one object listed twice: no identity to go by
    removed = [spec for spec in before if id(spec) not in new]
    added = [spec for spec in after if id(spec) not in old]
    kept = [new[id(spec)] for spec in before if id(spec) in new]
    if any(a > b for a, b in zip(kept, kept[1:], strict=False)):
        return None
    return removed, added


@dataclass
class LinkState:
    """What a Dataflow keeps so that the next version can be made from it by `relink`."""

    sequence: Sequence[NodeSpec]  # the nodes as given, in order (a tuple or a NodeSequence)
    # every definition of each name, in node order (a dict, or a `Layered` one after a re-link)
    definitions: Mapping[str, list[NodeSpec]]
    unproduced: dict[str, Asking]  # inputs and config values → who asks, in node order
    checks: Checks
    typos: graph_checks.NameIndex | None  # over function names and config keys, once needed
    # A topological order kept up to date, when acyclic (a new node may get a fraction): a dict,
    # or a `Layered` one after a re-link.
    position: Mapping[str, float] | None
    acyclic: bool
    bounds: tuple[int, int] = (0, 0)  # the lowest and highest position given out
    # Every position given out since `position` was made from an order (a superset of its
    # values: restoring the order only permutes them), shared by the versions re-linked from
    # it, so a new node's slot is checked without a set of 20,000 positions per keystroke.
    # None until a slot was first sought.
    taken: set[float] | None = None
    consumers: Consumers | None = None  # the consumer index, once a query built it


class Relinkable(Protocol):
    """What `relink` reads of the dataflow it starts from (a `Dataflow`)."""

    @property
    def succ(self) -> Adjacency: ...
    @property
    def pred(self) -> Adjacency: ...
    @property
    def nodes(self) -> Mapping[str, NodeSpec]: ...
    @property
    def config(self) -> Mapping[str, Any]: ...
    @property
    def declared_inputs(self) -> Collection[str] | None: ...
    @property
    def link_state(self) -> LinkState: ...
    def topological_positions(self) -> Mapping[str, float] | None: ...
    def typo_index(self) -> graph_checks.NameIndex: ...


@dataclass(frozen=True)
class Linked:
    """What linking makes, and a `Dataflow` is made of (with its config and declared inputs)."""

    # successors and predecessors (networkx's storage, so a DiGraph can be made over them)
    succ: Adjacency
    pred: Adjacency
    nodes: dict[str, NodeSpec]
    problems: list[Problem]
    order: list[str] | None  # a topological order, when one is known
    state: LinkState
    # After a re-link: the names whose node differs from the old dataflow's (gone, new or
    # replaced); None after a cold build.
    changed: frozenset[str] | None = None
