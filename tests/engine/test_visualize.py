"""DOT and Mermaid text, and rendering with or without the Graphviz binary."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path

import pytest
from livedag.engine import driver, visualize
from livedag.engine.dataflow import Dataflow
from livedag.engine.specs import Dependency, NodeSpec, TypeRef

ModuleFactory = Callable[[str], types.ModuleType]  # the `make_module` fixture (conftest.py)


def node(name: str, *deps: str | Dependency, doc: str = "") -> NodeSpec:
    return NodeSpec(
        name=name,
        type=TypeRef("pd.Series"),
        dependencies=tuple(
            d if isinstance(d, Dependency) else Dependency(d, TypeRef("pd.Series")) for d in deps
        ),
        doc=doc,
        function=name,
        module="m",
    )


@pytest.fixture
def flow() -> Dataflow:
    return Dataflow.build(
        [
            node("age_normalized", "age", "age_mean", doc='Zero "mean" age.'),
            node("age_mean", "age"),
            node("end", "age_normalized", Dependency("weight", optional=True)),
            node("fn.raw", "region"),
        ],
        config={"region": "eu"},
    )


def test_dot_text_styles_kinds_and_escapes_labels(flow: Dataflow) -> None:
    dot = visualize.to_dot(flow, outputs=["end"], focus="age_mean")
    assert dot.startswith("digraph dataflow {")
    assert '"age" -> "age_normalized";' in dot
    assert '"weight" -> "end" [style=dashed];' in dot  # optional dependency
    assert 'tooltip="Zero \\"mean\\" age."' in dot
    assert "shape=note" in dot  # the config value
    assert '"end" [label="end\\npd.Series"' in dot


def test_dot_of_a_subset_keeps_only_edges_inside_it(flow: Dataflow) -> None:
    dot = visualize.to_dot(flow, ["age", "age_mean"])
    assert '"age" -> "age_mean";' in dot
    assert "age_normalized" not in dot


def test_mermaid_ids_are_safe_and_shapes_follow_kinds(flow: Dataflow) -> None:
    text = visualize.to_mermaid(flow, outputs=["end"])
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  end_["end<br/><i>pd.Series</i>"]' in lines  # `end` is a Mermaid keyword
    assert '  fn_raw["fn.raw<br/><i>pd.Series</i>"]' in lines
    assert '  age(["age<br/><i>pd.Series</i>"])' in lines  # input
    assert any(line.startswith("  region[/") for line in lines)  # config
    assert "  weight -.-> end_" in lines
    assert "  class end_ output" in lines


def test_render_without_graphviz_writes_dot_and_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flow: Dataflow
) -> None:
    monkeypatch.setattr(visualize.shutil, "which", lambda _: None)
    with pytest.warns(visualize.GraphvizMissingWarning, match="apt install graphviz"):
        written = visualize.render(visualize.to_dot(flow), tmp_path / "out" / "graph.png")
    assert written == tmp_path / "out" / "graph.dot"
    assert written.read_text().startswith("digraph")


def test_render_to_a_dot_file_needs_no_graphviz(tmp_path: Path, flow: Dataflow) -> None:
    written = visualize.render(visualize.to_dot(flow), tmp_path / "graph.dot")
    assert written.read_text() == visualize.to_dot(flow)


def test_driver_pictures_without_the_binary(
    make_module: ModuleFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = make_module(
        """
        def b(a: int) -> int:
            return a

        def c(b: int, unused: int) -> int:
            return b

        def d(a: int) -> int:
            return a
        """
    )
    monkeypatch.setattr(visualize.shutil, "which", lambda _: None)
    dr = driver.Builder().with_modules(module).build()
    dot = dr.display_all_functions()
    assert '"a" -> "d";' in dot
    with pytest.warns(visualize.GraphvizMissingWarning):
        dot = dr.visualize_execution(["b"], tmp_path / "exec.png", {}, inputs={"a": 1})
    assert (tmp_path / "exec.dot").read_text() == dot
    assert '"a" -> "b";' in dot and '"d"' not in dot
    with pytest.raises(ValueError, match="'a' is a required input"):
        dr.visualize_execution(["b"])
    assert '"b"' in dr.visualize_execution(["b"], bypass_validation=True)


def test_an_optional_input_has_one_style_attribute() -> None:
    """Dotted instead of dashed, said once (two `style=` attributes left it to Graphviz's
    last-one-wins)."""
    consumer = NodeSpec(
        name="end",
        type=None,
        dependencies=(Dependency("weight", None, optional=True),),
        module="m",
        function="end",
    )
    dot = visualize.to_dot(Dataflow.build([consumer]))
    line = next(text for text in dot.splitlines() if text.strip().startswith('"weight" ['))
    assert line.count("style=") == 1 and 'style="rounded,dotted"' in line
