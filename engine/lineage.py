"""Lineage questions over a dataflow graph (edges run producer → consumer).

Plain functions over networkx adjacency so the Dataflow, the driver and the server share one
answer to "what feeds this", "what does this feed" and "which inputs does it need".
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping

import networkx as nx

from .specs import NodeKind, NodeSpec


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
