"""A dataflow as docs/design.md's JSON contract, and as DOT or Mermaid text for pictures."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from livedag.engine import visualize
from livedag.engine.dataflow import Dataflow
from livedag.engine.specs import NodeSpec, Problem


def display_path(path: str | None, cwd: Path | None = None) -> str | None:
    """`path` relative to the working folder when it lies inside it, else absolute."""
    if path is None:
        return None
    base = (cwd or Path.cwd()).resolve()
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return str(absolute)


def node_json(node: NodeSpec, cwd: Path | None = None) -> dict[str, Any]:
    """One node: where it is defined is 1-based (line and column of the name that defines it)."""
    loc = node.location
    return {
        "name": node.name,
        "kind": node.kind.value,
        "type": node.type.text if node.type is not None else None,
        "dependencies": list(node.dependency_names),
        "tags": node.user_tags,
        "doc": node.doc,
        "module": node.module,
        "path": display_path(loc.path, cwd) if loc else None,
        "line": loc.line if loc else None,
        "column": loc.column + 1 if loc else None,
        "function": node.function,
    }


def problem_json(problem: Problem, cwd: Path | None = None) -> dict[str, Any]:
    loc = problem.location
    return {
        "code": problem.code.value,
        "severity": problem.severity.value,
        "message": problem.message,
        "path": display_path(loc.path, cwd) if loc else None,
        "line": loc.line if loc else None,
        "column": loc.column + 1 if loc else None,
    }


def problem_order(problem: Problem, cwd: Path | None = None) -> tuple[Any, ...]:
    """Sort key for reports: file, position, code, message — stable across runs."""
    loc = problem.location
    return (
        display_path(loc.path, cwd) or "" if loc else "",
        loc.line if loc else 0,
        loc.column if loc else 0,
        problem.code.value,
        problem.message,
    )


def graph_json(
    dataflow: Dataflow, problems: Iterable[Problem], cwd: Path | None = None
) -> dict[str, Any]:
    """docs/design.md's `livedag graph --format json` document."""
    nodes = sorted(dataflow.nodes.values(), key=lambda n: n.name)
    return {
        "nodes": [node_json(n, cwd) for n in nodes],
        "problems": [
            problem_json(p, cwd) for p in sorted(problems, key=lambda p: problem_order(p, cwd))
        ],
    }


def to_dot(dataflow: Dataflow) -> str:
    """Graphviz text, drawn by the engine's renderer so every picture of a dataflow looks alike."""
    return visualize.to_dot(dataflow).rstrip("\n") + "\n"


def to_mermaid(dataflow: Dataflow) -> str:
    return visualize.to_mermaid(dataflow).rstrip("\n") + "\n"
