"""Re-linking a dataflow after a few of its nodes changed, without re-validating the rest.

A keystroke that changes a function's parameters changes a handful of edges in a graph of
thousands of nodes.  `relink` makes the new `Dataflow`'s parts from the old one: the graph's
dicts are copied shallowly and only the entries of changed nodes are replaced (copy on write), so
the old dataflow, which readers may still hold, never changes.  Problems are kept by what they
depend on (`Checks`) and only those the change can affect are found again:

- LD003 for the names whose definitions changed;
- LD001 only when an added edge points against the kept topological order and closes a cycle
  (Pearce–Kelly, `traversal.restore_order`), or when the graph already had one;
- LD002 for inputs whose askers changed, or that are one typo away from a name that came or went;
- LD004 for changed consumers, the consumers of changed producers, and inputs whose askers changed.

The result is the one `Dataflow.build` gives for the same nodes (nodes, definitions, edges and
problems; `tests/engine/test_incremental.py` checks it on random edit sequences).  Only iteration
orders may differ: a node that appears is added at the end of `nodes`, and the topological order
is a valid one, not necessarily the same.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from . import graph_checks, traversal
from .adjacency import edge_data, networkx_view
from .external import config_node, input_node
from .layered import Layered
from .link_state import Asking, Checks, Consumers, Linked, LinkState, Relinkable
from .node_sequence import NodeSequence
from .specs import Dependency, NodeKind, NodeSpec, Problem, same_place

Edge = dict[str, Any]


def relink(
    old: Relinkable,
    nodes: Sequence[NodeSpec],
    problems: Iterable[Problem],
    removed: Collection[NodeSpec],
    added: Collection[NodeSpec],
) -> Linked:
    """`old` with `removed` nodes taken out and `added` ones linked in (see the module doc)."""
    sequence = nodes if isinstance(nodes, NodeSequence) else tuple(nodes)
    if isinstance(sequence, NodeSequence) and isinstance(old.link_state.sequence, NodeSequence):
        sequence.inherit(old.link_state.sequence)
    return _Relinker(old, sequence).run(removed, added, tuple(problems))


class _Relinker:
    """One update: copy-on-write views of the old dataflow's tables, then the new parts."""

    def __init__(self, old: Relinkable, sequence: Sequence[NodeSpec]):
        self.old = old
        self.config = old.config
        self.sequence = sequence
        self._index_of: dict[int, int] | None = None
        self._ids: list[int] | None = None
        self._lookups = 0
        self.state = old.link_state
        self.definitions = Layered.of(self.state.definitions).edited()
        self.nodes = dict(old.nodes)
        self.succ: dict[str, dict[str, Edge]] = dict(old.succ)
        self.pred: dict[str, dict[str, Edge]] = dict(old.pred)
        self._own_succ: set[str] = set()
        self._stuck: list[str] | None = []
        self.bounds = (0, 0)
        self.taken: set[float] | None = None
        self.typos: graph_checks.NameIndex | None = None
        self.removed: Collection[NodeSpec] = ()
        self.added: Collection[NodeSpec] = ()
        self.unproduced: dict[str, Asking] = dict(self.state.unproduced)

    # --- helpers ------------------------------------------------------------------------------

    def position(self, spec: NodeSpec) -> int:
        """Where `spec` stands in the new node sequence (the order a cold build would see).

        A sequence made of parts finds it in its part; otherwise a few lookups search a list
        of ids (in C), and many build an index once.
        """
        if isinstance(self.sequence, NodeSequence):
            return self.sequence.position(spec)
        if self._index_of is not None:
            return self._index_of[id(spec)]
        self._lookups += 1
        if self._lookups > 32:
            seq = self.sequence
            self._index_of = dict(zip(map(id, seq), range(len(seq)), strict=True))
            return self._index_of[id(spec)]
        if self._ids is None:
            self._ids = list(map(id, self.sequence))
        return self._ids.index(id(spec))

    def asking_order(self, entry: tuple[NodeSpec, Dependency]) -> tuple[int, int]:
        spec, dep = entry
        index = next(i for i, d in enumerate(spec.dependencies) if d is dep)
        return self.position(spec), index

    def writable_succ(self, name: str) -> dict[str, Edge]:
        if name not in self._own_succ:
            self._own_succ.add(name)
            self.succ[name] = dict(self.succ.get(name, {}))
            self.pred.setdefault(name, {})
        return self.succ[name]

    def head(self, name: str, definitions: Mapping[str, list[NodeSpec]]) -> NodeSpec | None:
        """The spec whose dependencies are `name`'s edges (none for config values)."""
        specs = definitions.get(name)
        return specs[0] if specs and name not in self.config else None

    # --- the update ---------------------------------------------------------------------------

    def run(
        self,
        removed: Collection[NodeSpec],
        added: Collection[NodeSpec],
        problems: tuple[Problem, ...],
    ) -> Linked:
        self.removed, self.added = removed, added
        touched = self._redefine(removed, added)
        relinked = {
            name: (self.head(name, self.state.definitions), self.head(name, self.definitions))
            for name in touched
        }
        relinked = {name: heads for name, heads in relinked.items() if heads[0] is not heads[1]}
        added_edges, removed_edges, asked = self._relink_edges(relinked)
        changed_nodes, asking_changed = self._resolve_nodes(touched | asked, relinked)
        position, order = self._order(added_edges, removed_edges, changed_nodes, relinked)
        checks = self._checks(touched, relinked, changed_nodes, asking_changed)
        if position is None and order is None:  # a cycle: find the components again
            dirty = changed_nodes | relinked.keys()
            checks = replace(checks, cycles=self._cycles(dirty))
        return self._linked(problems, checks, position, order, changed_nodes)

    def _redefine(self, removed: Collection[NodeSpec], added: Collection[NodeSpec]) -> set[str]:
        """New definition lists for every name a removed or added node has; those names."""
        gone = {id(spec) for spec in removed}
        arriving: dict[str, list[NodeSpec]] = {}
        for spec in added:
            arriving.setdefault(spec.name, []).append(spec)
        touched = {spec.name for spec in removed} | arriving.keys()
        for name in touched:
            specs = [s for s in self.state.definitions.get(name, ()) if id(s) not in gone]
            new = arriving.get(name)
            if new:
                specs.extend(new)
                if len(specs) > 1:
                    specs.sort(key=self.position)
            if specs:
                self.definitions.set(name, specs)
            else:
                self.definitions.remove(name)
        return touched

    def _relink_edges(
        self, relinked: dict[str, tuple[NodeSpec | None, NodeSpec | None]]
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]], set[str]]:
        """Replace the incoming edges of nodes whose head changed; added/removed edges, and
        every name those heads ask for (their askers changed)."""
        added: list[tuple[str, str]] = []
        removed: list[tuple[str, str]] = []
        asked: set[str] = set()
        for name, (before, after) in relinked.items():
            incoming_before = self.pred.get(name, {}) if before is not None else {}
            incoming: dict[str, Edge] = {}
            for dep in after.dependencies if after is not None else ():
                incoming[dep.name] = edge_data(dep.optional)
            for dep_name in incoming_before.keys() - incoming.keys():
                self.writable_succ(dep_name).pop(name, None)
                removed.append((dep_name, name))
            for dep_name, edge in incoming.items():
                kept = incoming_before.get(dep_name)
                if kept is not None and kept == edge:
                    incoming[dep_name] = kept  # both directions share one edge dict
                    continue
                self.writable_succ(dep_name)[name] = edge
                if kept is None:
                    added.append((dep_name, name))
            self.pred[name] = incoming
            self.succ.setdefault(name, {})
            asked.update(incoming_before)
            asked.update(incoming)
        return added, removed, asked

    def _resolve_nodes(
        self, names: set[str], relinked: dict[str, tuple[NodeSpec | None, NodeSpec | None]]
    ) -> tuple[set[str], set[str]]:
        """The node each name now stands for; names whose node changed, and names whose askers
        (the consumers of an input or config value) changed."""
        changed: set[str] = set()
        asking_changed: set[str] = set()
        old_nodes = self.old.nodes
        for name in names:
            before = old_nodes.get(name)
            asking = self._asking(name, relinked)
            if asking is not self.unproduced.get(name):
                asking_changed.add(name)
                if asking is None:
                    self.unproduced.pop(name, None)
                else:
                    self.unproduced[name] = asking
            node: NodeSpec | None
            if name in self.config:  # a config key is a node whether asked for or not
                node = config_node(name, [d for _, d in asking or ()])
            elif name in self.definitions:
                node = self.definitions[name][0]
            elif asking:
                node = input_node(name, [d for _, d in asking])
            else:
                node = None
            if before is not None and node is not None and before is not node:
                if (
                    before.kind is node.kind
                    and before == node
                    and same_place(before.location, node.location)
                ):
                    node = before  # an equal synthesized node: keep the object, nothing changed
            if node is before:
                continue
            changed.add(name)
            if node is None:
                del self.nodes[name], self.succ[name], self.pred[name]
                self._own_succ.discard(name)
            else:
                self.nodes[name] = node
                self.succ.setdefault(name, {})
                self.pred.setdefault(name, {})
        return changed, asking_changed

    def _asking(
        self, name: str, relinked: dict[str, tuple[NodeSpec | None, NodeSpec | None]]
    ) -> Asking | None:
        """Who asks for `name` when no function produces it (None when one does).

        Returns the old list object itself when nothing about it changed.
        """
        if self.head(name, self.definitions) is not None:
            return None
        previous = self.unproduced.get(name)
        if previous is None or self.head(name, self.state.definitions) is not None:
            # it was produced before: everyone consuming it now asks
            fresh: Asking = []
            for consumer in self.succ.get(name, ()):
                head = self.head(consumer, self.definitions)
                if head is not None:
                    fresh.extend((head, d) for d in head.dependencies if d.name == name)
        else:
            gone = {id(before) for before, _ in relinked.values() if before is not None}
            fresh = [entry for entry in previous if id(entry[0]) not in gone]
            arrived = False
            for _, after in relinked.values():
                if after is not None:
                    for dep in after.dependencies:
                        if dep.name == name:
                            fresh.append((after, dep))
                            arrived = True
            if not arrived and len(fresh) == len(previous):
                return previous
        if len(fresh) > 1:
            fresh.sort(key=self.asking_order)
        return fresh or None

    def _order(
        self,
        added_edges: list[tuple[str, str]],
        removed_edges: list[tuple[str, str]],
        changed: set[str],
        relinked: dict[str, tuple[NodeSpec | None, NodeSpec | None]],
    ) -> tuple[Layered[str, float] | None, list[str] | None]:
        """A topological order of the new graph: positions kept up to date when the old graph
        was acyclic, else a full Kahn pass; (None, None) when the new graph has a cycle."""
        previous = self.old.topological_positions()
        if previous is not None:
            position = Layered.of(previous).edited()
            low, high = self.state.bounds
            # every position given out (see `LinkState.taken`), when a slot is sought
            taken = self.state.taken
            for name in changed | relinked.keys():
                if name not in self.nodes:
                    position.remove(name)  # (`taken` may keep its value: merely unused)
                elif name not in position:
                    between = _slot_between(name, position, self.pred, self.succ)
                    if between is not None:
                        if taken is None:
                            taken = set(position.values())
                        if between in taken:  # positions must stay distinct
                            between = None
                    if between is not None:  # after what feeds it, before what it feeds
                        position[name] = between
                        assert taken is not None
                        taken.add(between)
                        # The bounds stay outside every position, so `low - 1` and
                        # `high + 1` are never taken.
                        low, high = min(low, math.floor(between)), max(high, math.ceil(between))
                    elif self.pred.get(name):
                        high += 1
                        position[name] = high
                    else:  # nothing feeds it: it can go first
                        low -= 1
                        position[name] = low
                    if taken is not None:
                        taken.add(position[name])
            if traversal.restore_order(position, self.succ, self.pred, added_edges):
                self.bounds, self.taken = (low, high), taken
                return position, None
        elif self._same_components(added_edges, removed_edges):
            self._stuck = None  # the old cyclic components stand as they are
            return None, None
        order = traversal.topological_order(self.nodes, self.succ, self.pred)
        if len(order) == len(self.nodes):
            return None, order
        ordered = set(order)
        self._stuck = [n for n in self.nodes if n not in ordered]
        return None, None

    def _same_components(
        self, added_edges: list[tuple[str, str]], removed_edges: list[tuple[str, str]]
    ) -> bool:
        """Whether the old graph's cyclic components are the new graph's too, by cheap tests:
        no removed edge lay inside one, and no added edge can close a cycle because its source
        has no producer or its target no consumer.  (A cycle appears or disappears only
        through a changed edge.)"""
        component_of = {n: key for key in self.state.checks.cycles for n in key}
        for u, v in removed_edges:
            if u in component_of and component_of[u] is component_of.get(v):
                return False
        return all(
            u != v and (not self.pred.get(u) or not self.succ.get(v)) for u, v in added_edges
        )

    def _checks(
        self,
        touched: set[str],
        relinked: dict[str, tuple[NodeSpec | None, NodeSpec | None]],
        changed: set[str],
        asking_changed: set[str],
    ) -> Checks:
        old = self.state.checks
        duplicates = dict(old.duplicates)
        for name in touched:
            found = graph_checks.duplicates_of(name, self.definitions.get(name, ()))
            _file(duplicates, name, found)
        return Checks(
            duplicates=duplicates,
            cycles={},
            unknown=self._unknown(changed, asking_changed),
            edge_types=self._edge_types(relinked, changed),
            input_types=self._input_types(asking_changed),
        )

    def _cycles(self, dirty: set[str]) -> dict[frozenset[str], list[Problem]]:
        """LD001 for every cyclic component; the problems of one no changed node touches are
        kept from the old dataflow."""
        graph = networkx_view(self.nodes, self.succ, self.pred)
        previous = self.state.checks.cycles
        cycles: dict[frozenset[str], list[Problem]] = {}
        if self._stuck is None:
            components = [sorted(key) for key in previous]
        else:
            components = graph_checks.cyclic_components(graph, self._stuck)
        for component in components:
            key = frozenset(component)
            kept = previous.get(key)
            if kept is None or not key.isdisjoint(dirty):
                kept = graph_checks.cycle_problems(graph, self.nodes, [component])
            cycles[key] = kept
        return cycles

    def _unknown(self, changed: set[str], asking_changed: set[str]) -> dict[str, list[Problem]]:
        """LD002: inputs whose askers changed, and inputs a name that came or went may be a typo
        of."""
        old = self.old
        unknown = dict(self.state.checks.unknown)
        came = [n for n in changed if self._is_function(n) and not _is_function(old.nodes, n)]
        went = [n for n in changed if _is_function(old.nodes, n) and not self._is_function(n)]
        self.typos = self.state.typos
        if came or went:
            self.typos = old.typo_index().changed(came, went)
        recheck = {n for n in asking_changed | changed if n in unknown or n in self.unproduced}
        if came or went:
            for name in self.unproduced:
                if any(graph_checks.may_be_typo_of(name, other) for other in (*came, *went)):
                    recheck.add(name)
        for name in recheck:
            node = self.nodes.get(name)
            found: list[Problem] = []
            if node is not None and node.kind is NodeKind.INPUT:
                if self.typos is None:
                    self.typos = old.typo_index()
                found = graph_checks.unknown_input_problems(
                    name, self.unproduced[name], self.typos, old.declared_inputs
                )
            _file(unknown, name, found)
        return unknown

    def _is_function(self, name: str) -> bool:
        return _is_function(self.nodes, name)

    def _edge_types(
        self,
        relinked: dict[str, tuple[NodeSpec | None, NodeSpec | None]],
        changed: set[str],
    ) -> dict[str, list[Problem]]:
        """LD004 on edges: consumers whose head changed, and consumers of changed producers."""
        edge_types = dict(self.state.checks.edge_types)
        consumers = set(relinked)
        old_nodes = self.old.nodes
        for name in changed:
            before, after = old_nodes.get(name), self.nodes.get(name)
            if not _same_producer(before, after):
                consumers.update(self.succ.get(name, ()))
        for consumer in consumers:
            head = self.head(consumer, self.definitions)
            found: list[Problem] = []
            if head is not None:
                for dep in head.dependencies:
                    producer = self.nodes.get(dep.name)
                    if (
                        producer is not None
                        and producer.kind is NodeKind.FUNCTION
                        and dep.type is not None
                        and producer.type is not None
                        and dep.type.key != producer.type.key
                    ):
                        found.extend(graph_checks.edge_type_problems(head, dep, producer))
            _file(edge_types, consumer, found)
        return edge_types

    def _input_types(self, asking_changed: set[str]) -> dict[str, list[Problem]]:
        input_types = dict(self.state.checks.input_types)
        for name in asking_changed:
            asking = self.unproduced.get(name)
            _file(input_types, name, graph_checks.input_type_problems(name, asking or ()))
        return input_types

    def _linked(
        self,
        problems: tuple[Problem, ...],
        checks: Checks,
        position: Layered[str, float] | None,
        order: list[str] | None,
        changed: set[str],
    ) -> Linked:
        before = self.state.consumers
        state = LinkState(
            sequence=self.sequence,
            definitions=self.definitions,
            unproduced=self.unproduced,
            checks=checks,
            typos=self.typos,
            position=position,
            acyclic=position is not None or order is not None,
            bounds=self.bounds,
            taken=self.taken,
            consumers=None if before is None else self._consumers(before),
        )
        problems_now = [*problems, *checks.problems()]
        return Linked(
            self.succ, self.pred, self.nodes, problems_now, order, state, frozenset(changed)
        )

    def _consumers(self, before: Consumers) -> Consumers:
        """The old dataflow's consumer index with the removed and added nodes' asks changed, in
        the order a fresh index has (node order, then dependency order)."""
        index = dict(before)
        gone = {id(spec) for spec in self.removed}
        asked = {d.name for spec in (*self.removed, *self.added) for d in spec.dependencies}
        for name in asked:
            entries = [e for e in index.get(name, ()) if id(e[0]) not in gone]
            arrived = [
                (spec, d)
                for spec in self.added
                if spec.name not in self.config
                for d in spec.dependencies
                if d.name == name
            ]
            if arrived:
                entries.extend(arrived)
                entries.sort(key=self._consumer_order)
            if entries:
                index[name] = entries
            else:
                index.pop(name, None)
        return index

    def _consumer_order(self, entry: tuple[NodeSpec, Dependency]) -> tuple[int, int]:
        spec, dep = entry
        return self.position(spec), next(i for i, d in enumerate(spec.dependencies) if d is dep)


def _is_function(nodes: dict[str, NodeSpec] | Any, name: str) -> bool:
    node = nodes.get(name)
    return node is not None and node.kind is NodeKind.FUNCTION


def _slot_between(
    name: str,
    position: Mapping[str, float],
    pred: Mapping[str, Mapping[str, Any]],
    succ: Mapping[str, Mapping[str, Any]],
) -> float | None:
    """A position for a new node between the last node it depends on and the first that
    depends on it, when there is room: then none of its edges points backward, and ordering
    costs nothing (a node put at the end instead makes every consumer edge a backward one,
    each a search through the order).  None when it has no consumer yet or no room."""
    after = [position[p] for p in pred.get(name, ()) if p in position]
    before = [position[s] for s in succ.get(name, ()) if s in position]
    if not before:
        return None
    low, high = (max(after) if after else min(before) - 1), min(before)
    middle = (low + high) / 2
    return middle if low < middle < high else None


def _same_producer(before: NodeSpec | None, after: NodeSpec | None) -> bool:
    """Whether edge checks against this producer would read the same (kind, type, location)."""
    if before is None or after is None:
        return before is after
    if before.kind is not after.kind or not same_place(before.location, after.location):
        return False
    if before.type is None or after.type is None:
        return before.type is after.type
    return before.type == after.type and before.type.obj is after.type.obj


def _file(table: dict[str, list[Problem]], key: str, found: list[Problem]) -> None:
    if found:
        table[key] = found
    else:
        table.pop(key, None)
