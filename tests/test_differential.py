"""livedag's runtime graph equals apache-hamilton's on every fixture, under every fixture config,
with the fixture's decorators imported from `livedag.engine` and, as written, from `hamilton`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.oracle import (
    IMPORTS,
    diff,
    driver_nodes,
    fixture_cases,
    fixture_paths,
    hamilton_nodes,
    runtime_nodes,
)

CASES = fixture_cases()


@pytest.mark.parametrize("imports", IMPORTS)
@pytest.mark.parametrize(("path", "config"), CASES)
def test_runtime_graph_equals_hamilton(path: Path, config: dict[str, Any], imports: str) -> None:
    expected = hamilton_nodes(path, config)
    assert expected, "a fixture must make at least one node"
    problems = diff(expected, runtime_nodes(path, config, imports))
    assert not problems, "\n" + problems


@pytest.mark.parametrize("imports", IMPORTS)
@pytest.mark.parametrize(("path", "config"), CASES)
def test_driver_graph_equals_hamilton(path: Path, config: dict[str, Any], imports: str) -> None:
    """The graph that runs (the driver's, modules linked as `Builder` links them) is the same."""
    problems = diff(hamilton_nodes(path, config), driver_nodes(path, config, imports))
    assert not problems, "\n" + problems


def test_there_are_fixtures() -> None:
    assert len(fixture_paths()) >= 1
