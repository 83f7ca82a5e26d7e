"""Node roles in dynamic execution (`Parallelizable`/`Collect`): apache-hamilton's `node_role` ==
livedag's runtime role == livedag's static role, on every fixture under every fixture config.

The other differential tests compare names, dependencies and tags; a role makes no node of its
own, so it gets its own comparison here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from livedag.engine.introspect import module_functions
from livedag.engine.rules import expand_module
from livedag.engine.specs import NodeSpec
from livedag.server.analyzer import analyze_source

from tests.analyzer.workspace_stub import DiskResolver
from tests.oracle import IMPORTS, fixture_configs, fixture_paths, imported, load_module

ROOT = Path(__file__).parent.parent  # fixtures import each other as tests.fixtures.dataflows.*
CASES = [
    pytest.param(path, config, id=f"{path.stem}[{i}]")
    for path in fixture_paths()
    for i, config in enumerate(fixture_configs(path))
]


def hamilton_roles(path: Path, config: dict[str, Any]) -> dict[str, str]:
    from hamilton import graph

    module = load_module(path, prefix="ham_roles")
    fg = graph.FunctionGraph.from_modules(module, config=dict(config))
    return {
        name: node.node_role.name.lower()
        for name, node in fg.nodes.items()
        if not node.user_defined
    }


def _roles(nodes: Iterable[NodeSpec]) -> dict[str, str]:
    return {node.name: node.role.value for node in nodes}


def runtime_roles(path: Path, config: dict[str, Any], imports: str) -> dict[str, str]:
    return _roles(expand_module(module_functions(imported(path, imports)), config).nodes)


def static_roles(path: Path, config: dict[str, Any]) -> dict[str, str]:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    analysis = analyze_source(
        path.read_text(), module=module, path=str(path), resolver=DiskResolver(ROOT)
    )
    return _roles(expand_module(analysis.functions, config).nodes)


@pytest.mark.parametrize(("path", "config"), CASES)
def test_roles_equal_hamiltons(path: Path, config: dict[str, Any]) -> None:
    expected = hamilton_roles(path, config)
    # A function whose node is a config key gives way to the config value (no role of its own).
    for imports in IMPORTS:
        assert _made(runtime_roles(path, config, imports), config) == expected, imports
    assert _made(static_roles(path, config), config) == expected


def _made(roles: dict[str, str], config: dict[str, Any]) -> dict[str, str]:
    return {name: role for name, role in roles.items() if name not in config}


def test_the_fixtures_have_every_role() -> None:
    """Guards the test above against passing only because every node is standard."""
    seen = {
        role
        for path in fixture_paths()
        if path.stem.startswith("parallel_")
        for role in hamilton_roles(path, fixture_configs(path)[0]).values()
    }
    assert seen == {"standard", "expand", "collect"}
