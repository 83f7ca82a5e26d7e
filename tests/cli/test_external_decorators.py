"""A team's installed helper package re-exporting Hamilton's decorators: resolved with jedi."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FLOW = """
import pandas as pd
from teamdq import ec, tag


@tag(owner="x")
@ec("a", "b")
def frame(path: str) -> pd.DataFrame:
    return pd.read_csv(path)


def total(a: pd.Series, b: pd.Series) -> pd.Series:
    return a + b
"""


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    site = tmp_path / "site" / "teamdq"  # installed elsewhere: outside the linted folder
    site.mkdir(parents=True)
    (site / "__init__.py").write_text(
        "from hamilton.function_modifiers import extract_columns as ec, tag\n"
    )
    flow = tmp_path / "flow"
    flow.mkdir()
    (flow / "flow.py").write_text(FLOW)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    return flow, env


def kinds(flow: Path, env: dict[str, str], *options: str) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "livedag.server.cli", "graph", *options, str(flow)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    return {n["name"]: n["kind"] for n in json.loads(out.stdout)["nodes"]}


def test_re_exported_decorators_shape_the_graph_by_default(project: tuple[Path, dict]) -> None:
    flow, env = project
    assert kinds(flow, env) == {
        "frame": "function",
        "a": "function",  # made by the re-exported extract_columns
        "b": "function",
        "total": "function",
        "path": "input",
    }


def test_without_resolution_they_are_unknown_decorators(project: tuple[Path, dict]) -> None:
    flow, env = project
    # named as a file: without resolution nothing says the module is a dataflow of its own
    found = kinds(flow / "flow.py", env, "--resolve-imports", "none")
    assert found["a"] == "input" and found["b"] == "input"
