"""The one place that knows how networkx stores a directed graph.

`Dataflow.build` and `relink` run on every keystroke, and networkx's public way to make a graph
(`add_edges_from`) costs more than the whole link step.  So both build the three tables networkx
keeps (node attributes, successors, predecessors; edge attribute dicts shared by both directions,
as networkx does itself) and hand them over here; `relink` reads an old graph's tables back to copy
them on write.  `tests/engine/test_adjacency.py` checks that a graph made here is the graph
networkx's public API makes, so a networkx release that stores graphs differently fails there.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

NodeData = dict[str, dict[str, Any]]
Adjacency = dict[str, dict[str, dict[str, Any]]]


# Edge attributes: one dict per kind of edge, shared by every edge of that kind (a graph of
# 20,000 nodes has some 90,000 edges; a dict each was 8 MB).  networkx reads them; nothing
# changes them once a graph is made, like the rest of its tables.
_EDGES = ({"optional": False}, {"optional": True})


def edge_data(optional: bool) -> dict[str, Any]:
    """The attribute dict of an edge (shared: never change it)."""
    return _EDGES[1 if optional else 0]


def digraph_from(node_data: NodeData, succ: Adjacency, pred: Adjacency) -> nx.DiGraph[str]:
    """A DiGraph over these tables (taken, not copied: they must not change afterwards)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph._node = node_data  # type: ignore[attr-defined]
    graph._adj = succ  # type: ignore[attr-defined]
    graph._pred = pred  # type: ignore[attr-defined]
    return graph


def tables_of(graph: nx.DiGraph[str]) -> tuple[NodeData, Adjacency, Adjacency]:
    """The (node data, successors, predecessors) tables of `graph`, to be copied, never changed."""
    return graph._node, graph._adj, graph._pred  # type: ignore[attr-defined]
