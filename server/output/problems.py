"""Problems as `livedag lint` prints them: text, JSON, and GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from livedag.engine.specs import Problem, Severity

from .graph import display_path, problem_json


def to_text(problems: Sequence[Problem], cwd: Path | None = None) -> str:
    """One `path:line:col: LD001 message` line per problem (columns 1-based)."""
    lines = []
    for p in problems:
        loc = p.location
        where = (
            f"{display_path(loc.path, cwd) or '<unknown>'}:{loc.line}:{loc.column + 1}"
            if loc
            else "<no location>"
        )
        lines.append(f"{where}: {p.code} {_one_line(p.message)}")
    return "".join(line + "\n" for line in lines)


def to_json(problems: Sequence[Problem], cwd: Path | None = None) -> str:
    return json.dumps({"problems": [problem_json(p, cwd) for p in problems]}, indent=2) + "\n"


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def to_github(problems: Sequence[Problem], cwd: Path | None = None) -> str:
    """`::error file=...,line=...::message` lines, which GitHub Actions shows on the diff."""
    lines = []
    for p in problems:
        props = [f"title={_property(f'livedag {p.code}')}"]
        loc = p.location
        if loc is not None:
            path = display_path(loc.path, cwd)
            if path:
                props.insert(0, f"file={_property(path)}")
            props[1:1] = [
                f"line={loc.line}",
                f"col={loc.column + 1}",
                f"endLine={loc.end_line}",
                f"endColumn={loc.end_column + 1}",
            ]
        lines.append(f"::{_GITHUB_LEVEL[p.severity]} {','.join(props)}::{_data(p.message)}")
    return "".join(line + "\n" for line in lines)


def summary(problems: Sequence[Problem]) -> str:
    """`3 problems (2 errors, 1 warning)`, for the terminal."""
    if not problems:
        return "No problems found."
    counts = {s: sum(1 for p in problems if p.severity is s) for s in Severity}
    parts = [f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
    noun = "problem" if len(problems) == 1 else "problems"
    return f"Found {len(problems)} {noun} ({', '.join(parts)})."


def _one_line(text: str) -> str:
    return " ".join(text.split("\n"))


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
