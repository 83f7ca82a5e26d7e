"""Each cache test gets its own cache folder, and helpers to index a workspace with it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from livedag.server.analysis_cache import AnalysisCache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AnalysisCache:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LIVEDAG_CACHE_DIR", str(folder))
    monkeypatch.delenv("LIVEDAG_NO_CACHE", raising=False)  # off for the rest of the suite
    return AnalysisCache(folder)


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """`write(name=source, ...)` writes dedented modules under tmp_path/project
    (`pkg__mod` → `pkg/mod.py`, `pyproject` → pyproject.toml); the project folder."""
    root = tmp_path / "project"

    def make(**files: str) -> Path:
        for name, text in files.items():
            if name == "pyproject":
                path = root / "pyproject.toml"
            else:
                path = root / (name.replace("__", "/") + ".py")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip())
        return root

    return make
