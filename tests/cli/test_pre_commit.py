"""The `livedag-lint` hook under the real pre-commit: a commit with a cycle and an unknown
dependency is refused; once fixed, it passes.

`pre-commit try-repo` installs livedag from a clone of this repository into a fresh virtualenv
(about half a minute), so the broken and the fixed repository are checked in parallel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # pre-commit builds a virtualenv with livedag in it

REPO = Path(__file__).resolve().parent.parent.parent
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")

PYPROJECT = """
[[tool.livedag.dataflows]]
name = "orders"
modules = ["orders"]
inputs = ["raw_orders"]
"""
FIXED = """
def orders(raw_orders: list) -> list:
    return raw_orders


def total(orders: list) -> float:
    return float(sum(orders))


def average(total: float, orders: list) -> float:
    return total / len(orders)
"""
# `total` now asks for `average`, which asks for `total`; `count` asks for an undeclared name.
BROKEN = (
    FIXED.replace("def total(orders: list)", "def total(orders: list, average: float)")
    + """

def count(ordrs: list) -> int:
    return len(ordrs)
"""
)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _project(path: Path, orders: str) -> Path:
    path.mkdir()
    _git(path, "init", "-q")
    (path / "pyproject.toml").write_text(PYPROJECT)
    (path / "orders.py").write_text(FIXED)
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "a working dataflow")
    (path / "orders.py").write_text(orders)
    _git(path, "add", "orders.py")  # the commit being made: pre-commit checks staged files
    return path


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_hook_refuses_a_cycle_and_an_unknown_dependency_then_passes(tmp_path: Path) -> None:
    hooks = tmp_path / "livedag"
    # try-repo takes a repository; a clone holds exactly the committed hook and package.
    subprocess.run(["git", "clone", "-q", str(REPO), str(hooks)], check=True)
    broken = _project(tmp_path / "broken", BROKEN)
    fixed = _project(tmp_path / "fixed", FIXED.replace("return total /", "return 1.0 * total /"))
    runs = {
        name: subprocess.Popen(
            [str(PRE_COMMIT), "try-repo", str(hooks), "livedag-lint"],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / f"{name}-cache")},
        )
        for name, project in (("broken", broken), ("fixed", fixed))
    }
    out = {name: run.communicate(timeout=540)[0] for name, run in runs.items()}
    assert runs["broken"].returncode == 1, out["broken"]
    assert "livedag lint" in out["broken"] and "Failed" in out["broken"]
    assert "orders.py:6:" in out["broken"] and "LD001" in out["broken"]
    assert "LD002" in out["broken"] and "'ordrs'" in out["broken"]
    assert runs["fixed"].returncode == 0, out["fixed"]
    assert "Passed" in out["fixed"]
