"""Small projects on disk for the workspace tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """`project(name=source, ...)` writes dedented files (`pkg__mod` → `pkg/mod.py`)."""

    def make(**files: str) -> Path:
        for name, text in files.items():
            if name == "pyproject":
                path = tmp_path / "pyproject.toml"
            else:
                path = tmp_path / (name.replace("__", "/") + ".py")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip())
        return tmp_path

    return make
