"""Lineage queries of a Dataflow, on a small hand-built graph.

raw ──> cleaned ──> features ──> model ──> report
         │                         ^
         └──────> audit            threshold (optional input)
"""

from __future__ import annotations

import pytest
from livedag.engine.dataflow import Dataflow
from livedag.engine.specs import Dependency, NodeSpec, TypeRef

INT = TypeRef("int")


def node(name: str, *deps: str | Dependency, tags: dict[str, str] | None = None) -> NodeSpec:
    return NodeSpec(
        name=name,
        type=INT,
        dependencies=tuple(d if isinstance(d, Dependency) else Dependency(d, INT) for d in deps),
        tags={"module": "m", **(tags or {})},
        function=name,
        module="m",
    )


@pytest.fixture
def flow() -> Dataflow:
    return Dataflow.build(
        [
            node("cleaned", "raw", tags={"owner": "data"}),
            node("features", "cleaned", tags={"owner": "ds", "pii": "true"}),
            node("model", "features", Dependency("threshold", INT, optional=True)),
            node("report", "model", tags={"owner": "ds"}),
            node("audit", "cleaned"),
        ]
    )


def test_upstream_and_downstream_exclude_the_start(flow: Dataflow) -> None:
    assert flow.upstream_of("model") == {"features", "cleaned", "raw", "threshold"}
    assert flow.downstream_of("cleaned") == {"features", "model", "report", "audit"}
    assert flow.upstream_of("report", "audit") == {"model", "features", "cleaned", "raw"} | {
        "threshold"
    }


def test_depth_limits_the_neighbourhood(flow: Dataflow) -> None:
    assert flow.upstream_of("model", depth=1) == {"features", "threshold"}
    assert flow.downstream_of("raw", depth=2) == {"cleaned", "features", "audit"}
    assert flow.downstream_of("raw", depth=0) == set()


def test_unknown_names_are_ignored(flow: Dataflow) -> None:
    assert flow.upstream_of("nope") == set()
    assert flow.downstream_of("nope", "model") == {"report"}


def test_paths_between_shortest_first() -> None:
    flow = Dataflow.build([node("b", "a"), node("c", "b"), node("d", "c", "a")])
    assert flow.paths_between("a", "d") == [["a", "d"], ["a", "b", "c", "d"]]
    assert flow.paths_between("d", "a") == []
    assert flow.paths_between("a", "a") == [["a"]]
    assert flow.paths_between("a", "missing") == []


def test_paths_between_is_bounded() -> None:
    # a ladder of 12 diamonds has 4096 paths; the answer stops at the limit
    nodes = []
    previous = "start"
    for i in range(12):
        nodes += [node(f"l{i}", previous), node(f"r{i}", previous), node(f"j{i}", f"l{i}", f"r{i}")]
        previous = f"j{i}"
    flow = Dataflow.build(nodes)
    assert len(flow.paths_between("start", previous, limit=50)) == 50


def test_tagged_by_user_tags(flow: Dataflow) -> None:
    owned_by_ds = flow.tagged(lambda tags: tags.get("owner") == "ds")
    assert [n.name for n in owned_by_ds] == ["features", "report"]
    # bookkeeping tags such as `module` are not user tags
    assert flow.tagged(lambda tags: "module" in tags) == []


def test_required_inputs_skip_optional_ones(flow: Dataflow) -> None:
    assert flow.required_inputs(["report"]) == {"raw"}
    assert flow.required_inputs(["audit", "threshold"]) == {"raw", "threshold"}
    assert flow.required_inputs(["nope"]) == set()


def test_required_inputs_leave_out_config() -> None:
    flow = Dataflow.build([node("a", "region", "raw")], config={"region": "eu"})
    assert flow.required_inputs(["a"]) == {"raw"}


def test_consumers_say_who_asks_and_where(flow: Dataflow) -> None:
    asking = flow.consumers("cleaned")
    assert [(spec.name, dep.name) for spec, dep in asking] == [
        ("features", "cleaned"),
        ("audit", "cleaned"),
    ]
    assert [dep.optional for _, dep in flow.consumers("threshold")] == [True]
    assert flow.consumers("report") == []


def test_definitions_of_functions_and_inputs(flow: Dataflow) -> None:
    assert flow.definitions("model") == [flow.nodes["model"]]
    assert flow.definitions("raw") == [flow.nodes["raw"]]
    assert flow.definitions("nope") == []


def test_closest_names(flow: Dataflow) -> None:
    assert flow.closest_names("featrues")[0] == "features"
    assert flow.closest_names("modle", n=1) == ["model"]
    assert flow.closest_names("zzzzzz") == []
