"""Walks over a dataflow graph (edges run producer → consumer): topological order, reachability,
paths, required inputs; the lineage questions rest on them.

Plain functions over networkx adjacency so the Dataflow, the driver and the server share one
answer to "what feeds this", "what does this feed" and "which inputs does it need".
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

from .specs import NodeKind, NodeSpec

if TYPE_CHECKING:
    import networkx as nx


def reachable(
    adjacency: Mapping[str, Iterable[str]], starts: Iterable[str], depth: int | None = None
) -> set[str]:
    """Nodes reachable from `starts` in at most `depth` steps (any number when None).

    The starting nodes themselves are not part of the answer; names not in the graph are ignored.
    """
    origins = [s for s in starts if s in adjacency]
    seen = set(origins)
    found: set[str] = set()
    frontier = deque((s, 0) for s in origins)
    while frontier:
        current, steps = frontier.popleft()
        if depth is not None and steps >= depth:
            continue
        for nxt in adjacency[current]:
            found.add(nxt)
            if nxt not in seen:
                seen.add(nxt)
                frontier.append((nxt, steps + 1))
    return found - set(origins)


def paths_between(graph: nx.DiGraph, source: str, target: str, limit: int = 100) -> list[list[str]]:
    """Simple paths source ⇝ target, shortest first, at most `limit` of them."""
    import networkx as nx  # imported when first needed (see adjacency.digraph_from)

    if source not in graph or target not in graph:
        return []
    if source == target:
        return [[source]]
    between = (nx.descendants(graph, source) & nx.ancestors(graph, target)) | {source, target}
    sub = graph.subgraph(between)
    found = list(itertools.islice(nx.all_simple_paths(sub, source, target), limit))
    found.sort(key=lambda path: (len(path), path))
    return found


def required_inputs(
    nodes: Mapping[str, NodeSpec],
    outputs: Iterable[str],
    *,
    provided: Callable[[str], bool] = lambda name: False,
) -> set[str]:
    """External inputs the outputs cannot be computed without.

    An input reached only through optional parameters is not required, and traversal stops at
    anything `provided` says is already given (overrides, runtime inputs).
    """
    needed: set[str] = set()
    seen: set[str] = set()
    stack = [o for o in outputs if o in nodes]
    for output in stack:
        if nodes[output].kind is NodeKind.INPUT and not provided(output):
            needed.add(output)
    while stack:
        current = stack.pop()
        if current in seen or provided(current):
            continue
        seen.add(current)
        for dep in nodes[current].dependencies:
            upstream = nodes.get(dep.name)
            if upstream is None or provided(dep.name):
                continue
            if upstream.kind is NodeKind.INPUT:
                if not dep.optional:
                    needed.add(dep.name)
            elif upstream.kind is NodeKind.FUNCTION:
                stack.append(dep.name)
    return needed


def topological_order(
    nodes: Iterable[str],
    successors: Mapping[str, Iterable[str]],
    predecessors: Mapping[str, Collection[str]],
) -> list[str]:
    """Kahn's order of `nodes`; nodes caught in or behind a cycle are left out."""
    indegree = {name: len(predecessors[name]) for name in nodes}
    ready = [name for name, count in indegree.items() if count == 0]
    ready.reverse()
    order = []
    while ready:
        current = ready.pop()
        order.append(current)
        for nxt in successors[current]:
            count = indegree[nxt] - 1
            indegree[nxt] = count
            if count == 0:
                ready.append(nxt)
    return order


class Positions(Protocol):
    """Positions that can be read and changed in place (a dict, or a `Layered` one being made)."""

    def __getitem__(self, key: str, /) -> float: ...

    def __setitem__(self, key: str, value: float, /) -> None: ...


def restore_order(
    position: Positions,
    successors: Mapping[str, Iterable[str]],
    predecessors: Mapping[str, Iterable[str]],
    added_edges: Iterable[tuple[str, str]],
) -> bool:
    """Keep `position` a topological order after `added_edges` joined an acyclic graph.

    Pearce and Kelly's dynamic ordering: an edge u -> v that already points forward costs
    nothing; one pointing backward reorders only the nodes whose positions lie between v and u
    and that are reachable from v or reach u.  `position` is updated in place.  Returns False,
    leaving `position` unusable, when an edge closes a cycle.
    """
    pending = set(added_edges)
    for u, v in list(pending):
        pending.discard((u, v))
        lower, upper = position[v], position[u]
        if lower > upper:
            continue
        if u == v:
            return False
        forward = _bounded_search(v, successors, position, (lower, upper), pending, True)
        if u in forward:
            return False
        backward = _bounded_search(u, predecessors, position, (lower, upper), pending, False)
        moved = sorted(backward, key=position.__getitem__) + sorted(
            forward, key=position.__getitem__
        )
        pool = sorted(position[name] for name in moved)
        for name, slot in zip(moved, pool, strict=True):
            position[name] = slot
    return True


def _bounded_search(
    start: str,
    adjacency: Mapping[str, Iterable[str]],
    position: Positions,
    within: tuple[float, float],
    skipped: Collection[tuple[str, str]],
    forward: bool,
) -> list[str]:
    """Nodes reachable from `start` through nodes whose position lies `within` (inclusive).

    Edges in `skipped` (added but not yet ordered) are not followed: the order they would be
    judged against does not account for them yet.
    """
    low, high = within
    found = [start]
    seen = {start}
    stack = [start]
    while stack:
        current = stack.pop()
        for nxt in adjacency[current]:
            if nxt in seen or not low <= position[nxt] <= high:
                continue
            if skipped and ((current, nxt) if forward else (nxt, current)) in skipped:
                continue
            seen.add(nxt)
            found.append(nxt)
            stack.append(nxt)
    return found


class RequiredInputs:
    """`required_inputs(nodes, outputs)` kept up to date across versions of an acyclic graph.

    Counts, for every name, how many dependencies of the functions the outputs need (and the
    outputs themselves) ask for it, and how many of those are not optional.  The functions
    needed are those asked for at least once; the inputs required, those asked for without a
    default.  After an edit only the changed nodes and what their counts reach are revisited,
    where a full walk visits everything upstream of the outputs.  Counting alone could let a
    cycle nobody needs any more keep itself counted; `updated` walks afresh when a node on a
    cycle is still counted.
    """

    def __init__(self, outputs: Iterable[str], nodes: Mapping[str, NodeSpec]):
        self.outputs = tuple(outputs)
        self._asked: dict[str, int] = {}
        self._strictly: dict[str, int] = {}
        self._counted: set[str] = set()  # functions whose dependencies are in the counts
        for output in self.outputs:
            self._ask(output, 1, strict=True)
        self._settle(nodes, list(self.outputs))

    def needed(
        self, nodes: Mapping[str, NodeSpec], inputs: Iterable[str] | None = None
    ) -> set[str]:
        """The inputs required (not provided by the config or the caller: that is for them).

        `inputs`, the names no function produces when the caller knows them, spares a pass
        over every name counted.
        """
        candidates = self._strictly if inputs is None else inputs
        strictly = self._strictly
        return {
            name
            for name in candidates
            if strictly.get(name, 0) > 0
            and (node := nodes.get(name)) is not None
            and node.kind is NodeKind.INPUT
        }

    def updated(
        self,
        before: Mapping[str, NodeSpec],
        after: Mapping[str, NodeSpec],
        changed: Collection[str],
        on_cycles: Iterable[str] = (),
    ) -> RequiredInputs:
        """The counts for `after`, which differs from `before` only in the `changed` nodes.

        `on_cycles` names the nodes on `after`'s cycles.  Nodes counted but no longer needed
        can only hold each other up around a cycle; when none of them is counted, the counts
        are exact, else they are found by a fresh walk.
        """
        fresh = RequiredInputs((), {})
        fresh.outputs = self.outputs
        fresh._asked = dict(self._asked)
        fresh._strictly = dict(self._strictly)
        fresh._counted = set(self._counted)
        worklist = []
        for name in changed:
            if name in fresh._counted:  # take back what its old definition asked for
                fresh._counted.discard(name)
                worklist.extend(fresh._ask_for_all(before[name], -1))
            worklist.append(name)
        fresh._settle(after, worklist)
        if any(name in fresh._counted for name in on_cycles):
            return RequiredInputs(self.outputs, after)
        return fresh

    def _ask(self, name: str, step: int, strict: bool) -> bool:
        """Count one ask; True when `name` went from asked to not asked or back."""
        count = self._asked.get(name, 0) + step
        self._asked[name] = count
        if strict:
            self._strictly[name] = self._strictly.get(name, 0) + step
        return count == 0 or (count == 1 and step > 0)

    def _ask_for_all(self, node: NodeSpec, step: int) -> list[str]:
        return [d.name for d in node.dependencies if self._ask(d.name, step, not d.optional)]

    def _settle(self, nodes: Mapping[str, NodeSpec], worklist: list[str]) -> None:
        while worklist:
            name = worklist.pop()
            node = nodes.get(name)
            wanted = (
                node is not None and node.kind is NodeKind.FUNCTION and self._asked.get(name, 0) > 0
            )
            if wanted and name not in self._counted:
                self._counted.add(name)
                worklist.extend(self._ask_for_all(node, 1))  # type: ignore[arg-type]
            elif not wanted and name in self._counted:
                self._counted.discard(name)
                worklist.extend(self._ask_for_all(node, -1))  # type: ignore[arg-type]
