"""The dataflow: NodeSpecs linked into a graph, its problems, and the lineage questions it answers.

Both front ends end here: the runtime driver builds one from imported modules, the language server
from source text on every keystroke, so `Dataflow.build` is kept linear and cheap (a Kahn pass finds
whether there is a cycle at all; only the nodes it cannot order go through SCC analysis), and
`Dataflow.updated` re-links a new version from an old one, re-validating only what the changed
nodes can affect (`relink`).

Hamilton semantics kept here:
- every key of the config is a node (kind CONFIG), whether a function asks for it or not; one a
  function also makes replaces that function's node (`graph.create_function_graph` does both);
- a dependency nobody produces is an external input (kind INPUT) unless the config has it; an
  input every consumer may omit (parameter default) is optional;
- duplicate names keep every definition (`definitions`), the first one is the graph's node.
"""

from __future__ import annotations

import difflib
import functools
import heapq
import weakref
from collections.abc import Callable, Collection, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import graph_checks, traversal
from .adjacency import Adjacency, edge_data, networkx_view
from .codes import Code
from .external import OPTIONAL_TAG, config_node, input_node
from .link_state import Checks, Linked, LinkState, identity_diff
from .node_sequence import NodeSequence
from .relink import relink
from .specs import Dependency, FunctionSpec, NodeKind, NodeSpec, Problem

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["OPTIONAL_TAG", "Dataflow", "config_node", "input_node"]

# `changed_since` follows a chain of versions while the names that changed stay this few; past
# that, a reader is as well off starting over.
MAX_CHANGED_SINCE = 2_000
# Up to this many nodes, "did you mean" asks difflib about every name (see `closest_names`).
_DIFFLIB_ALL_UP_TO = 2_000
CLOSE_MATCHES_PER_STEP = 20  # names compared in one step of `closest_names_steps` (~0.5 ms)


class Dataflow:
    """A built dataflow.  Construct with `build` or `from_functions`; treat as immutable."""

    succ: Adjacency
    pred: Adjacency
    nodes: Mapping[str, NodeSpec]
    problems: list[Problem]
    config: Mapping[str, Any]
    declared_inputs: Collection[str] | None

    def __init__(
        self,
        linked: Linked,
        config: Mapping[str, Any],
        declared_inputs: Collection[str] | None = None,
    ):
        # Each node's successors and predecessors: {name: {name: edge data}}, never changed.
        self.succ = linked.succ
        self.pred = linked.pred
        self.nodes = linked.nodes
        self.problems = linked.problems
        self.config = config
        self.declared_inputs = declared_inputs
        self._order = linked.order
        # What the next version is re-linked from (`relink` reads it; nothing changes it but
        # the caches it fills: typo index, positions, consumer index).
        self.link_state = linked.state
        # An earlier version (held weakly) and the names whose node differs from it, so a
        # reader that knew that version can update what it derived instead of starting over.
        self._since: tuple[weakref.ref[Dataflow], frozenset[str]] | None = None

    @functools.cached_property
    def graph(self) -> nx.DiGraph[str]:
        """The graph as a networkx DiGraph (each node's spec under "spec"), made on first use:
        the keystroke path reads `succ`/`pred`, and a view per version would cost a table of
        every node."""
        return networkx_view(self.nodes, self.succ, self.pred)

    # --- construction ---------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        nodes: Iterable[NodeSpec],
        *,
        config: Mapping[str, Any] | None = None,
        declared_inputs: Collection[str] | None = None,
        problems: Iterable[Problem] = (),
    ) -> Dataflow:
        """Link nodes by name and validate the result (LD001–LD004 added to `problems`)."""
        config = dict(config or {})
        sequence = nodes if isinstance(nodes, NodeSequence) else tuple(nodes)
        definitions: dict[str, list[NodeSpec]] = {}
        for spec in sequence:
            found = definitions.get(spec.name)
            if found is None:
                definitions[spec.name] = [spec]
            else:
                found.append(spec)
        tables = _link(definitions, config)
        by_name = tables.nodes
        order: list[str] | None = traversal.topological_order(by_name, *tables.adj)
        cycles: dict[frozenset[str], list[Problem]] = {}
        if len(order or ()) != len(by_name):
            ordered = set(order or ())
            stuck = [n for n in by_name if n not in ordered]
            graph = networkx_view(by_name, *tables.adj)
            for component in graph_checks.cyclic_components(graph, stuck):
                cycles[frozenset(component)] = graph_checks.cycle_problems(
                    graph, by_name, [component]
                )
            order = None
        checks, typos = _checks(tables, definitions, config, declared_inputs, cycles)
        state = LinkState(
            sequence=sequence,
            definitions=definitions,
            unproduced=tables.unproduced,
            checks=checks,
            typos=typos,
            position=None,
            acyclic=order is not None,
        )
        succ, pred = tables.adj
        linked = Linked(succ, pred, by_name, [*problems, *checks.problems()], order, state)
        return cls(linked, config, declared_inputs)

    def updated(
        self,
        nodes: Sequence[NodeSpec],
        *,
        problems: Iterable[Problem] = (),
        removed: Collection[NodeSpec] | None = None,
        added: Collection[NodeSpec] | None = None,
    ) -> Dataflow:
        """What `build(nodes, problems=problems)` with this config gives, re-validating only
        what changed since this dataflow (see `relink`); this dataflow is left as it is.

        `removed` and `added` say which nodes differ from this dataflow's, by identity, when the
        caller knows it (the workspace does); otherwise the node lists are compared.  Nodes in
        both must keep their relative order.
        """
        if removed is None or added is None:
            diff = identity_diff(self.link_state.sequence, nodes)
            if diff is None:
                return Dataflow.build(
                    nodes,
                    config=self.config,
                    declared_inputs=self.declared_inputs,
                    problems=problems,
                )
            removed, added = diff
        elif any(
            not any(spec is mine for mine in self.link_state.definitions.get(spec.name, ()))
            for spec in removed
        ):  # told to remove a node this dataflow does not hold: trust nothing, build cold
            return Dataflow.build(
                nodes, config=self.config, declared_inputs=self.declared_inputs, problems=problems
            )
        linked = relink(self, nodes, problems, removed, added)
        result = Dataflow(linked, self.config, self.declared_inputs)
        if linked.changed is not None:
            earlier = self.changed_since()
            if earlier is not None and len(earlier[1]) + len(linked.changed) <= MAX_CHANGED_SINCE:
                result._since = (weakref.ref(earlier[0]), earlier[1] | linked.changed)
            else:
                result._since = (weakref.ref(self), linked.changed)
        return result

    def changed_since(self) -> tuple[Dataflow, frozenset[str]] | None:
        """An earlier version this one was re-linked from, directly or through versions since
        gone, while it is still alive; and the names whose node differs from it (every name
        whose `nodes` entry is not the same object in both).  None after a cold build, or when
        that version is gone."""
        if self._since is None:
            return None
        earlier = self._since[0]()
        return None if earlier is None else (earlier, self._since[1])

    def nodes_on_cycles(self) -> set[str]:
        """Every node of a cyclic component (LD001); empty when the graph is acyclic."""
        return {name for component in self.link_state.checks.cycles for name in component}

    def unproduced_names(self) -> Collection[str]:
        """Names no function produces: the external inputs and the config values asked for."""
        return self.link_state.unproduced.keys()

    def topological_positions(self) -> Mapping[str, float] | None:
        """Each node's place in a topological order (None with a cycle), for `relink`."""
        state = self.link_state
        if state.position is None and self._order is not None:
            state.position = dict(zip(self._order, range(len(self._order)), strict=True))
            state.bounds = (0, len(self._order) - 1)
            state.taken = None  # a fresh order: the slots given out before do not apply
        return state.position

    def typo_index(self) -> graph_checks.NameIndex:
        """The "did you mean" index over function names and config keys, for `relink`."""
        state = self.link_state
        if state.typos is None:
            state.typos = graph_checks.name_index(_typo_targets(self.nodes, self.config))
        return state.typos

    @classmethod
    def from_functions(
        cls,
        modules: Mapping[str, Sequence[FunctionSpec]],
        *,
        config: Mapping[str, Any] | None = None,
        declared_inputs: Collection[str] | None = None,
    ) -> Dataflow:
        """Expand each module's functions with the graph rules, then build."""
        from .rules import expand_module  # the rules import the specs only; keep the edge one-way

        config = dict(config or {})
        nodes: list[NodeSpec] = []
        problems: list[Problem] = []
        for functions in modules.values():
            expansion = expand_module(functions, config)
            nodes.extend(expansion.nodes)
            problems.extend(expansion.problems)
        return cls.build(nodes, config=config, declared_inputs=declared_inputs, problems=problems)

    # --- lookups --------------------------------------------------------------------------------

    def node(self, name: str) -> NodeSpec | None:
        return self.nodes.get(name)

    def definitions(self, name: str) -> list[NodeSpec]:
        """Every node defining `name` (more than one when duplicated, LD003).

        For an external input or config value, the one node synthesized for it.
        """
        found = self.link_state.definitions.get(name)
        if found:
            return list(found)
        spec = self.nodes.get(name)
        return [spec] if spec is not None else []

    def consumers(self, name: str) -> list[tuple[NodeSpec, Dependency]]:
        """Every node that asks for `name`, with the dependency (and so the place) that asks.

        Duplicate definitions ask too; functions replaced by a config value do not.  In the
        order the nodes were given.
        """
        state = self.link_state
        if isinstance(state.sequence, NodeSequence):  # per part, shared between versions
            config = self.config
            return [e for e in state.sequence.askers(name) if e[0].name not in config]
        if state.consumers is None:  # built on first use; `updated` carries it over once built
            index: dict[str, list[tuple[NodeSpec, Dependency]]] = {}
            config = self.config
            for spec in state.sequence:
                if spec.name not in config:
                    for dep in spec.dependencies:
                        index.setdefault(dep.name, []).append((spec, dep))
            state.consumers = index
        return list(state.consumers.get(name, ()))

    def closest_names(self, name: str, n: int = 3) -> list[str]:
        """Node names resembling `name`, best first, for "did you mean" messages.

        First the likely typos among functions and config keys, from the index the LD002 check
        keeps up to date (no index of every name per question), then difflib's close matches.
        The inputs (few) are looked at too.  On a large graph difflib looks only at them and at
        the functions and config keys sharing `name`'s first or last three letters: against all
        20,000 names it took some 200 ms, on the quick-fix path.
        """
        steps = self.closest_names_steps(name, n)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                found: list[str] = done.value
                return found

    def closest_names_steps(
        self, name: str, n: int = 3, per_step: int = CLOSE_MATCHES_PER_STEP
    ) -> Generator[None, None, list[str]]:
        """`closest_names`, pausing after every `per_step` names compared (for an editor's
        idle time: the names sharing three letters with a typo can be hundreds, ~30 ms)."""
        index = self.typo_index()
        inputs = [u for u in self.unproduced_names() if u in self.nodes and u != name]
        typos = [t for t in index.likely_typos(name) if t in self.nodes]
        typos += [u for u in inputs if u not in typos and graph_checks.may_be_typo_of(name, u)]
        if len(typos) >= n:
            return typos[:n]
        candidates: Iterable[str] = self.nodes
        if len(self.nodes) > _DIFFLIB_ALL_UP_TO:
            near = index.near(name).union(inputs)
            candidates = sorted(c for c in near if c in self.nodes)
        rest = yield from _close_matches_steps(name, list(candidates), n, 0.6, per_step)
        return (typos + [r for r in rest if r not in typos and r != name])[:n]

    @property
    def is_acyclic(self) -> bool:
        return self.link_state.acyclic

    def topological_order(self) -> list[str]:
        """Every node, producers before consumers.  Raises ValueError if the graph has a cycle."""
        if self._order is None and self.link_state.position is not None:
            position = self.link_state.position
            self._order = sorted(position, key=position.__getitem__)
        if self._order is None:
            cycles = [p.message for p in self.problems if p.code is Code.CYCLE]
            raise ValueError(
                "the dataflow has a cycle, so it has no execution order: "
                + (cycles[0] if cycles else "see the LD001 problems")
            )
        return list(self._order)

    # --- lineage --------------------------------------------------------------------------------

    def upstream_of(self, *names: str, depth: int | None = None) -> set[str]:
        """Everything the named nodes depend on, directly or not (within `depth` steps).

        The named nodes themselves are not included; unknown names are ignored.
        """
        return traversal.reachable(self.pred, names, depth)

    def downstream_of(self, *names: str, depth: int | None = None) -> set[str]:
        """Everything that depends on the named nodes (within `depth` steps), excluding them."""
        return traversal.reachable(self.succ, names, depth)

    def paths_between(self, source: str, target: str, *, limit: int = 100) -> list[list[str]]:
        """Paths from `source` down to `target`, shortest first (at most `limit`)."""
        return traversal.paths_between(self.graph, source, target, limit)

    def tagged(self, predicate: Callable[[Mapping[str, Any]], bool]) -> list[NodeSpec]:
        """Nodes whose user tags satisfy `predicate`, in graph order."""
        return [spec for spec in self.nodes.values() if predicate(spec.user_tags)]

    def required_inputs(self, outputs: Iterable[str]) -> set[str]:
        """External inputs that computing `outputs` cannot do without (config values excluded)."""
        return traversal.required_inputs(self.nodes, outputs)

    def __repr__(self) -> str:
        return (
            f"<Dataflow {len(self.nodes)} nodes, {self.graph.number_of_edges()} edges, "
            f"{len(self.problems)} problems>"
        )


def _typo_targets(nodes: Mapping[str, NodeSpec], config: Mapping[str, Any]) -> frozenset[str]:
    """Names an unknown dependency may be a typo of: functions' and config keys."""
    functions = [n for n, s in nodes.items() if s.kind is NodeKind.FUNCTION]
    return frozenset(functions).union(config)


@dataclass
class _Tables:
    """One linking pass over the definitions: the nodes, both adjacency tables, and what
    validation needs, so it never walks the edges again."""

    nodes: dict[str, NodeSpec]
    adj: tuple[Adjacency, Adjacency]  # successors, predecessors
    unproduced: dict[str, list[tuple[NodeSpec, Dependency]]]  # names nobody makes → askers
    differing: list[tuple[NodeSpec, Dependency, NodeSpec]]  # edges whose annotations differ


def _link(definitions: dict[str, list[NodeSpec]], config: Mapping[str, Any]) -> _Tables:
    """Nodes by name and edges by dependency; inputs and config values synthesized."""
    by_name: dict[str, NodeSpec] = {}
    for name, specs in definitions.items():
        by_name[name] = config_node(name, ()) if name in config else specs[0]

    # Adjacency is built straight into the tables networkx keeps (edge data shared by both
    # directions, see `adjacency`): the keystroke path cannot afford add_edges_from.
    succ: Adjacency = {name: {} for name in by_name}
    pred: Adjacency = {name: {} for name in by_name}
    unproduced: dict[str, list[tuple[NodeSpec, Dependency]]] = {}
    differing: list[tuple[NodeSpec, Dependency, NodeSpec]] = []
    for name, specs in definitions.items():
        if name in config:
            continue
        spec = specs[0]
        incoming = pred[name]
        for dep in spec.dependencies:
            dep_name = dep.name
            producer = by_name.get(dep_name)
            if producer is None or producer.kind is not NodeKind.FUNCTION:
                asking = unproduced.get(dep_name)
                if asking is None:
                    unproduced[dep_name] = [(spec, dep)]
                    if producer is None:
                        succ[dep_name] = {}
                        pred[dep_name] = {}
                else:
                    asking.append((spec, dep))
            elif dep.type is not None and producer.type is not None:
                if dep.type.key != producer.type.key:
                    differing.append((spec, dep, producer))
            edge = edge_data(dep.optional)
            succ[dep_name][name] = edge
            incoming[dep_name] = edge

    for name, asking in unproduced.items():
        deps = [dep for _, dep in asking]
        if name in config:  # typed by its consumers, as in Hamilton
            by_name[name] = config_node(name, deps)
        elif name not in by_name:
            by_name[name] = input_node(name, deps)
    for name in config:  # the keys nobody asks for and no function makes
        if name not in by_name:
            by_name[name] = config_node(name, ())
            succ[name] = {}
            pred[name] = {}
    return _Tables(by_name, (succ, pred), unproduced, differing)


def _checks(
    tables: _Tables,
    definitions: dict[str, list[NodeSpec]],
    config: Mapping[str, Any],
    declared_inputs: Collection[str] | None,
    cycles: dict[frozenset[str], list[Problem]],
) -> tuple[Checks, graph_checks.NameIndex | None]:
    """LD002–LD004 of a fresh link (LD001, `cycles`, comes with the order), and the typo index
    if LD002 needed one."""
    by_name, unproduced = tables.nodes, tables.unproduced
    typos: graph_checks.NameIndex | None = None
    unknown: dict[str, list[Problem]] = {}
    for name, asking in unproduced.items():
        if by_name[name].kind is not NodeKind.INPUT:
            continue
        if declared_inputs is not None and name in declared_inputs:
            continue
        if typos is None:
            typos = graph_checks.name_index(_typo_targets(by_name, config))
        reported = graph_checks.unknown_input_problems(name, asking, typos, declared_inputs)
        if reported:
            unknown[name] = reported
    edge_types: dict[str, list[Problem]] = {}
    for spec, dep, producer in tables.differing:
        reported = graph_checks.edge_type_problems(spec, dep, producer)
        if reported:
            edge_types.setdefault(spec.name, []).extend(reported)
    input_types: dict[str, list[Problem]] = {}
    for name, asking in unproduced.items():
        reported = graph_checks.input_type_problems(name, asking)
        if reported:
            input_types[name] = reported
    duplicates = {
        name: graph_checks.duplicates_of(name, specs)
        for name, specs in definitions.items()
        if len(specs) > 1
    }
    return Checks(duplicates, cycles, unknown, edge_types, input_types), typos


def _close_matches_steps(
    word: str, names: list[str], n: int, cutoff: float, per_step: int
) -> Generator[None, None, list[str]]:
    """The `n` names most like `word` with a similarity of at least `cutoff`, best first: what
    `difflib.get_close_matches` answers (its cheap upper bounds first, then the ratio; ties by
    the larger name), pausing after every `per_step` names."""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    scored: list[tuple[float, str]] = []
    for count, candidate in enumerate(names, 1):
        matcher.set_seq1(candidate)
        if (
            matcher.real_quick_ratio() >= cutoff
            and matcher.quick_ratio() >= cutoff
            and matcher.ratio() >= cutoff
        ):
            scored.append((matcher.ratio(), candidate))
        if count % per_step == 0:
            yield
    return [candidate for _, candidate in heapq.nlargest(n, scored)]
