"""Graphs made from tables (`adjacency`) are the graphs networkx's public API makes."""

from __future__ import annotations

import networkx as nx
from livedag.engine.adjacency import digraph_from, tables_of


def _tables() -> tuple[dict, dict, dict]:
    nodes = {"a": {"spec": 1}, "b": {"spec": 2}, "c": {"spec": 3}, "lonely": {"spec": 4}}
    succ: dict = {name: {} for name in nodes}
    pred: dict = {name: {} for name in nodes}
    for u, v, optional in [("a", "b", False), ("a", "c", True), ("b", "c", False)]:
        edge = {"optional": optional}
        succ[u][v] = edge
        pred[v][u] = edge
    return nodes, succ, pred


def _public() -> nx.DiGraph:
    graph: nx.DiGraph = nx.DiGraph()
    for name, spec in [("a", 1), ("b", 2), ("c", 3), ("lonely", 4)]:
        graph.add_node(name, spec=spec)
    graph.add_edge("a", "b", optional=False)
    graph.add_edge("a", "c", optional=True)
    graph.add_edge("b", "c", optional=False)
    return graph


def test_a_graph_from_tables_answers_as_one_built_in_public() -> None:
    made, public = digraph_from(*_tables()), _public()
    assert dict(made.nodes(data=True)) == dict(public.nodes(data=True))
    assert sorted(made.edges(data=True)) == sorted(public.edges(data=True))
    for name in public:
        assert set(made.successors(name)) == set(public.successors(name))
        assert set(made.predecessors(name)) == set(public.predecessors(name))
        assert made.in_degree(name) == public.in_degree(name)
    assert list(nx.topological_sort(made)) == list(nx.topological_sort(public))
    assert nx.ancestors(made, "c") == {"a", "b"} and nx.descendants(made, "a") == {"b", "c"}
    assert nx.is_isomorphic(made.subgraph(["a", "c"]), public.subgraph(["a", "c"]))
    copied = made.copy()
    copied.add_edge("c", "lonely")
    assert not made.has_edge("c", "lonely")  # a copy owns its tables


def test_tables_read_back_are_what_networkx_keeps() -> None:
    nodes, succ, pred = tables_of(_public())
    assert (nodes, succ, pred) == _tables()
    graph = digraph_from(*_tables())
    assert succ["a"]["c"] is pred["c"]["a"]  # one edge dict, seen from both ends
    assert graph.edges["a", "c"] is graph.pred["c"]["a"]
