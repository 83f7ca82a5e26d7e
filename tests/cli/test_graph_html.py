"""`livedag graph --format html`: one self-contained page with the graph written into it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from livedag.server.output import graph_page

EXAMPLE = Path(__file__).parent.parent.parent / "examples"
Run = Callable[..., Any]


def embedded(page: str) -> dict[str, Any]:
    """The graph document the page carries (the JSON after `graphDocument =`)."""
    start = page.index("const graphDocument = ") + len("const graphDocument = ")
    document, _ = json.JSONDecoder().raw_decode(page[start:])
    assert isinstance(document, dict)
    return document


def test_the_page_carries_the_whole_dataflow(livedag: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE.parent)
    result = livedag("graph", "--format", "html", "examples/")
    assert result.code == 0, result.err
    page = result.out
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>Lineage: examples/run.py</title>" in page
    doc = embedded(page)
    as_json = json.loads(livedag("graph", "examples/").out)
    assert doc["dataflow"] == as_json["dataflow"]
    assert sorted(n["id"] for n in doc["nodes"]) == sorted(n["name"] for n in as_json["nodes"])
    edges = {(e["source"], e["target"]) for e in doc["edges"]}
    assert edges == {(d, n["name"]) for n in as_json["nodes"] for d in n["dependencies"]}
    customers = next(n for n in doc["nodes"] if n["id"] == "customers")
    assert customers["tags"]["source"] == "crm_db"
    assert customers["location"]["uri"].endswith("/examples/loading.py")
    line = next(n["line"] for n in as_json["nodes"] if n["name"] == "customers")
    assert customers["location"]["range"]["start"]["line"] == line - 1  # LSP lines are 0-based


def test_the_page_needs_no_network(livedag: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE.parent)
    page = livedag("graph", "--format", "html", "examples/").out
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert csp is not None
    assert "default-src 'none'" in csp.group(1)
    assert "http" not in csp.group(1)
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?https?:""", page)


def test_problems_go_into_the_page(
    livedag: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "flow.py").write_text(
        "def customers(data_dir: str) -> int:\n    return 1\n\n\n"
        "def typo_node(custmers: int) -> int:\n    return custmers\n\n\n"
        "def cyc_a(cyc_b: int) -> int:\n    return cyc_b\n\n\n"
        "def cyc_b(cyc_a: int) -> int:\n    return cyc_a\n"
    )
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "lineage.html"
    result = livedag("graph", "--format", "html", "-o", str(out), ".")
    assert result.code == 0, result.err
    assert result.out == ""
    assert "wrote" in result.err and "browser" in result.err
    doc = embedded(out.read_text())
    by_code = {p["code"]: p for p in doc["problems"]}
    assert "did you mean 'customers'" in by_code["LD002"]["message"]
    assert by_code["LD002"]["location"]["range"]["start"]["line"] == 4
    assert by_code["LD001"]["location"]["uri"] == (tmp_path / "flow.py").resolve().as_uri()


def test_names_cannot_end_the_script(tmp_path: Path) -> None:
    """A docstring with `</script>` stays inside the embedded JSON."""
    document = {"title": "t", "nodes": [{"doc": "</script><script>alert(1)</script>"}]}
    page = graph_page.page_html(document)
    assert "</script><script>alert(1)" not in page
    assert embedded(page)["nodes"][0]["doc"] == "</script><script>alert(1)</script>"


def test_every_dataflow_at_once_is_refused(livedag: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE.parent)
    result = livedag("graph", "--format", "html", "--dataflow", "all", "examples/")
    assert result.code != 0
    assert "--dataflow" in result.err


def test_a_missing_template_says_how_to_build_it(
    livedag: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A source checkout without the built page: a usage error that says what to run."""
    real = graph_page.resources.files

    class Absent:
        def __init__(self, package: str) -> None:
            self.root = real(package)

        def joinpath(self, name: str) -> Any:
            return self.root.joinpath(name + ".absent")

    monkeypatch.setattr(graph_page.resources, "files", Absent)
    monkeypatch.chdir(EXAMPLE.parent)
    result = livedag("graph", "--format", "html", "examples/")
    assert result.code != 0
    assert "build-page.mjs" in result.err
    assert result.out == ""
