"""Sources for hover and the graph panel: loaders, not the paths they read; `@check_output`'s
internal nodes are part of their function, not its upstream."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from livedag.engine.dataflow import Dataflow
from livedag.server import data_sources
from livedag.server.lsp.graph_index import GraphIndex
from livedag.server.lsp.hover import node_markdown
from livedag.server.workspace import Workspace

Project = Callable[..., Path]

FLOW = """
import pandas as pd
from hamilton.function_modifiers import check_output, dataloader, load_from, source, tag


@tag(source="crm_db", owner="data-eng")
def customers(data_dir: str) -> pd.DataFrame:
    return pd.read_csv(data_dir)


def events(events_path: str) -> pd.DataFrame:
    return pd.read_csv(events_path)


@dataloader()
def plans(plans_path: str) -> tuple[pd.DataFrame, dict]:
    return pd.read_csv(plans_path), {}


@tag(source="crm_db")
def age(customers: pd.DataFrame) -> pd.Series:
    return customers["age"]


@check_output(range=(0.0, 120.0), importance="warn")
def age_clean(age: pd.Series, events: pd.DataFrame) -> pd.Series:
    return age


def report(age_clean: pd.Series, plans: pd.DataFrame, region: str) -> pd.Series:
    return age_clean
"""


def _graph(project: Project) -> Dataflow:
    root = project(flow=FLOW)
    (view,) = Workspace([root]).index().dataflows
    return view.graph


def test_loaders_are_the_sources_not_the_paths_they_read(project: Project) -> None:
    graph = _graph(project)
    names = [n.name for n in data_sources.sources(graph, "report")]
    assert sorted(names) == ["customers", "events", "plans", "region"]
    assert data_sources.is_source(graph, graph.nodes["customers"])  # source= tag
    assert data_sources.is_source(graph, graph.nodes["events"])  # no node parameters
    assert data_sources.is_source(graph, graph.nodes["plans"])  # @dataloader
    # tagged like the loader it comes from: part of that source, not another one
    assert not data_sources.is_source(graph, graph.nodes["age"])


def test_check_output_internals_belong_to_their_function(project: Project) -> None:
    graph = _graph(project)
    assert "age_clean_raw" in graph.nodes  # the engine does make them
    assert data_sources.checked_node(graph, "age_clean_raw") == "age_clean"
    validators = [n for n in graph.nodes if n.startswith("age_clean_") and n != "age_clean_raw"]
    assert validators and all(
        data_sources.checked_node(graph, v) == "age_clean" for v in validators
    )
    assert data_sources.checked_node(graph, "age") is None
    assert data_sources.upstream(graph, "age_clean") == ["age", "events"]
    assert data_sources.downstream(graph, "age") == ["age_clean"]


def test_hover_lists_loaders_with_their_tags_and_the_real_upstream(project: Project) -> None:
    graph = _graph(project)
    text = node_markdown(GraphIndex(graph), graph.nodes["age_clean"])
    assert "**Upstream** `age`, `events`" in text
    assert "_raw" not in text and "validator" not in text
    assert "`customers` (loader, `owner=data-eng`, `source=crm_db`)" in text
    assert "data_dir" not in text
