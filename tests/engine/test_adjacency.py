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


def test_networkx_is_imported_only_once_a_networkx_graph_is_needed(tmp_path) -> None:
    """The editor and `livedag lint` never need networkx on an acyclic dataflow: importing it
    costs ~90 ms and ~8 MB of a server's memory.  A cycle (LD001) or `Dataflow.graph` imports it."""
    import subprocess
    import sys
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "examples"
    cyclic = tmp_path / "cyclic.py"
    cyclic.write_text(
        "def a(b: int) -> int:\n    return b\n\n\ndef b(a: int) -> int:\n    return a\n"
    )
    script = f"""
import contextlib, io, sys
from livedag.server.cli import main
def loaded():
    return any(m == "networkx" or m.startswith("networkx.") for m in sys.modules)
with contextlib.redirect_stdout(io.StringIO()):
    main(["lint", {str(examples)!r}, "--no-cache"])
assert not loaded(), "linting an acyclic dataflow imported networkx"
with contextlib.redirect_stdout(io.StringIO()):
    main(["lint", {str(cyclic)!r}, "--no-cache"])
assert loaded(), "a cycle's LD001 needs networkx"
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
