"""`livedag dataflows`: each dataflow with the name `--dataflow` takes, its modules, config and
drivers, as text for people or JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import Problem, Severity

from .graph import display_path

if TYPE_CHECKING:
    from livedag.server.selection import NamedDataflow

Listed = Sequence[tuple["NamedDataflow", Sequence[Problem]]]
HOW = {
    "pyproject": "declared in [tool.livedag]",
    "driver": "built by a driver script",
    "module": "a module of its own (no driver or [tool.livedag] names it)",
}


def dataflow_json(flow: NamedDataflow, problems: Sequence[Problem], root: Path) -> dict[str, Any]:
    view = flow.view
    inputs = view.graph.declared_inputs
    return {
        "name": flow.name,
        "kind": flow.kind,
        "id": flow.id,
        "modules": [
            {"module": module, "path": display_path(str(path))}
            for module, path in zip(view.modules, view.paths, strict=True)
        ],
        "config": {str(k): _jsonable(v) for k, v in view.config.items()},
        "drivers": [_driver(path, use) for path, use in view.drivers],
        "inputs": None if inputs is None else sorted(inputs),
        "nodes": len(view.graph.nodes),
        "problems": _counts(problems),
    }


def to_json(listed: Listed, root: Path) -> str:
    document = {"dataflows": [dataflow_json(flow, problems, root) for flow, problems in listed]}
    return json.dumps(document, indent=2) + "\n"


def to_text(listed: Listed, root: Path) -> str:
    """A block per dataflow: its name on the first line, what it is made of below."""
    blocks = []
    for flow, problems in listed:
        doc = dataflow_json(flow, problems, root)
        counts = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in doc["problems"].items())
        lines = [
            f"{flow.name}  ({HOW.get(flow.kind, flow.kind)}; {doc['nodes']} nodes"
            f"{', ' + counts if counts else ''})",
            "  modules: " + (", ".join(m["module"] for m in doc["modules"]) or "none found"),
        ]
        if doc["config"]:
            lines.append("  config:  " + json.dumps(doc["config"]))
        if doc["inputs"] is not None:
            lines.append("  inputs:  " + (", ".join(doc["inputs"]) or "none"))
        if doc["drivers"]:
            lines.append("  drivers: " + ", ".join(doc["drivers"]))
        blocks.append("\n".join(lines) + "\n")
    return "".join(blocks)


def _driver(path: Path, use: Any) -> str:
    return f"{display_path(str(path))}:{use.location.line}"


def _counts(problems: Sequence[Problem]) -> dict[str, int]:
    out: dict[str, int] = {}
    for severity in Severity:
        n = sum(1 for p in problems if p.severity is severity)
        if n:
            out[severity.value] = n
    return out


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value
