"""Helpers for engine tests: turn source text into a real imported module."""

from __future__ import annotations

import importlib.util
import itertools
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_counter = itertools.count()


@pytest.fixture
def make_module(tmp_path: Path) -> Iterator[Callable[[str], types.ModuleType]]:
    """`make_module(source)` writes the source to a file and imports it under a fresh name."""
    made: list[str] = []

    def make(source: str) -> types.ModuleType:
        name = f"livedag_engine_test_{next(_counter)}"
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        made.append(name)
        spec.loader.exec_module(module)
        return module

    yield make
    for name in made:
        sys.modules.pop(name, None)
