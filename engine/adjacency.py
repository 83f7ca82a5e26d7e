"""The one place that knows how networkx stores a directed graph.

`Dataflow.build` and `relink` run on every keystroke, and networkx's public way to make a graph
(`add_edges_from`) costs more than the whole link step.  So both build the successor and
predecessor tables networkx keeps (edge attribute dicts shared by both directions, as networkx
does itself), a `Dataflow` holds them as `succ`/`pred`, and `relink` copies them on write.  A
networkx DiGraph over them (with the node attribute table it needs) is made here only when someone
asks for `Dataflow.graph`: that table would be one more copy of every node per keystroke.
`tests/engine/test_adjacency.py` checks that a graph made here is the graph networkx's public API
makes, so a networkx release that stores graphs differently fails there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    import networkx as nx  # only here: importing networkx costs ~90 ms and ~8 MB

    graph: nx.DiGraph[str] = nx.DiGraph()
    graph._node = node_data  # type: ignore[attr-defined]
    graph._adj = succ  # type: ignore[attr-defined]
    graph._pred = pred  # type: ignore[attr-defined]
    return graph


def networkx_view(nodes: Mapping[str, Any], succ: Adjacency, pred: Adjacency) -> nx.DiGraph[str]:
    """A DiGraph over the successor and predecessor tables (taken, not copied), each node's
    spec under "spec"."""
    return digraph_from({name: {"spec": spec} for name, spec in nodes.items()}, succ, pred)


def tables_of(graph: nx.DiGraph[str]) -> tuple[NodeData, Adjacency, Adjacency]:
    """The (node data, successors, predecessors) tables of `graph`, to be copied, never changed."""
    return graph._node, graph._adj, graph._pred  # type: ignore[attr-defined]
