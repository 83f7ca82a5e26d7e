"""`livedag graph --format html`: one self-contained interactive page of a dataflow.

The page is the VS Code extension's lineage preview (built from vscode-client/ into
`page/graph.html` by `vscode-client/scripts/build-page.mjs`), with the graph written into it in
the shape the extension receives from the server (`livedag/graph`, see docs/lsp.md) plus the
dataflow's problems.  It needs no network and no server: open it in any browser.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from livedag.engine.dataflow import Dataflow
from livedag.engine.specs import Location, NodeSpec, Problem

from .graph import problem_order

GRAPH_PLACEHOLDER = "/*LIVEDAG_GRAPH_JSON*/null"
TITLE_PLACEHOLDER = "LIVEDAG_TITLE"


class PageMissing(RuntimeError):
    """The page template is not installed (a source checkout whose page was never built)."""


def _location(loc: Location | None, length: int) -> dict[str, Any] | None:
    if loc is None or not loc.path:
        return None
    line = max(loc.line - 1, 0)  # LSP positions are 0-based
    start = {"line": line, "character": loc.column}
    end = {"line": line, "character": loc.column + length}
    return {"uri": Path(loc.path).resolve().as_uri(), "range": {"start": start, "end": end}}


def _node(node: NodeSpec) -> dict[str, Any]:
    return {
        "id": node.name,
        "name": node.name,
        "kind": node.kind.value,
        "type": node.type.text if node.type is not None else None,
        "tags": node.user_tags,
        "doc": node.doc,
        "function": node.function,
        "module": node.module,
        "location": _location(node.location, len(node.name)),
    }


def page_graph(
    name: str, dataflow: Dataflow, problems: Iterable[Problem], title: str | None = None
) -> dict[str, Any]:
    """The graph as the page reads it: `livedag/graph`'s result with `problems` and `title`."""
    nodes = list(dataflow.nodes.values())
    names = {n.name for n in nodes}
    edges = [
        {"source": dep.name, "target": node.name, "optional": dep.optional}
        for node in nodes
        for dep in node.dependencies
        if dep.name in names
    ]
    return {
        "dataflow": name,
        "title": title or name,
        "version": 0,
        "focus": None,
        "nodes": [_node(n) for n in nodes],
        "edges": edges,
        "problems": [
            {
                "code": p.code.value,
                "severity": p.severity.value,
                "message": p.message,
                "location": _location(p.location, 1),
            }
            for p in sorted(problems, key=problem_order)
        ],
    }


def template() -> str:
    """The page template ($LIVEDAG_PAGE_TEMPLATE names another: the client tests a fresh build)."""
    override = os.environ.get("LIVEDAG_PAGE_TEMPLATE")
    if override:
        try:
            return Path(override).read_text(encoding="utf-8")
        except OSError as exc:
            raise PageMissing(f"LIVEDAG_PAGE_TEMPLATE={override}: {exc.strerror or exc}") from None
    page = resources.files("livedag.server.output").joinpath("page/graph.html")
    try:
        return page.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PageMissing(
            "the HTML page template is missing from this livedag install; in a source checkout "
            "build it with: cd vscode-client && npm ci && node esbuild.mjs --production && "
            "node scripts/build-page.mjs"
        ) from None


def page_html(document: dict[str, Any]) -> str:
    """The page with `document` (from `page_graph`) written into it."""
    text = template()
    if GRAPH_PLACEHOLDER not in text:
        raise PageMissing("the HTML page template has no place for the graph; rebuild it")
    # inside <script>: `<` escaped so no name or docstring can end the script element
    data = json.dumps(document, ensure_ascii=False).replace("<", "\\u003c")
    data = data.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    text = text.replace(TITLE_PLACEHOLDER, html.escape(f"Lineage: {document['title']}"), 1)
    return text.replace(GRAPH_PLACEHOLDER, data, 1)
