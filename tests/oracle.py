"""apache-hamilton as the oracle: the graph a fixture module makes, per Hamilton and per livedag.

Fixture modules in tests/fixtures/dataflows are written against `hamilton` exactly as users write
them.  For livedag's runtime side the imports are mapped textually onto `livedag.engine`, the module
is loaded, and our rules expand it.  Both sides are reduced to `NodeSummary` (dependencies and user
tags) per node name, which is what "the same graph" means in the differential tests.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "dataflows"
CONFIG_HEADER = re.compile(r"^#\s*livedag-config:\s*(\{.*\})\s*$", re.MULTILINE)

# hamilton import path -> livedag import path, applied in order to fixture sources.
IMPORT_MAP: tuple[tuple[str, str], ...] = (
    (r"\bhamilton\.function_modifiers(\.\w+)?\b", "livedag.engine.function_modifiers"),
    (r"\bhamilton\.plugins\.h_pandas\b", "livedag.engine.function_modifiers"),
    (r"\bhamilton\.data_quality\.base\b", "livedag.engine.validators"),
    (
        r"\bfrom hamilton import function_modifiers\b",
        "from livedag.engine import function_modifiers",
    ),
    (r"\bfrom hamilton import driver\b", "from livedag.engine import driver"),
    (r"\bhamilton\.htypes\b", "livedag.engine.htypes"),
    (r"\bfrom hamilton import htypes\b", "from livedag.engine import htypes"),
)

_counter = itertools.count()


@dataclass(frozen=True)
class NodeSummary:
    dependencies: frozenset[str]
    tags: Mapping[str, Any]

    def __repr__(self) -> str:
        return f"deps={sorted(self.dependencies)} tags={dict(self.tags)}"


def fixture_paths() -> list[Path]:
    return sorted(FIXTURES.glob("*.py"))


def fixture_configs(path: Path) -> list[dict[str, Any]]:
    """The configs a fixture is checked under (its `# livedag-config:` lines, else `{}`)."""
    found = [json.loads(m.group(1)) for m in CONFIG_HEADER.finditer(path.read_text())]
    return found or [{}]


def to_livedag_source(text: str) -> str:
    for pattern, replacement in IMPORT_MAP:
        text = re.sub(pattern, replacement, text)
    return text


def load_module(path: Path, text: str | None = None, prefix: str = "fx") -> types.ModuleType:
    """Import a fixture under a fresh name, registered in sys.modules (Hamilton needs that)."""
    name = f"{prefix}_{path.stem}_{next(_counter)}"
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(path))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[name] = module
    # dont_inherit: our own `from __future__ import annotations` must not leak into fixtures.
    code = compile(
        text if text is not None else path.read_text(), str(path), "exec", dont_inherit=True
    )
    exec(code, module.__dict__)
    return module


def user_tags(tags: Mapping[str, Any]) -> dict[str, Any]:
    internal = ("hamilton.", "livedag.")
    return {k: v for k, v in tags.items() if k != "module" and not k.startswith(internal)}


def hamilton_nodes(path: Path, config: Mapping[str, Any]) -> dict[str, NodeSummary]:
    """Nodes apache-hamilton makes of the fixture (external inputs left out)."""
    from hamilton import graph

    module = load_module(path, prefix="ham")
    fg = graph.FunctionGraph.from_modules(module, config=dict(config))
    return {
        name: NodeSummary(frozenset(node.input_types), user_tags(node.tags))
        for name, node in fg.nodes.items()
        if not node.user_defined
    }


def runtime_nodes(path: Path, config: Mapping[str, Any]) -> dict[str, NodeSummary]:
    """Nodes livedag's rules make of the fixture, imported with livedag's decorators."""
    from livedag.engine.introspect import module_functions
    from livedag.engine.rules import expand_module

    module = load_module(path, to_livedag_source(path.read_text()), prefix="ld")
    expansion = expand_module(module_functions(module), config)
    errors = [p for p in expansion.problems if p.severity.value == "error"]
    assert not errors, f"livedag reported problems on a fixture Hamilton accepts: {errors}"
    return summarize(expansion.nodes)


def summarize(nodes: Any) -> dict[str, NodeSummary]:
    out: dict[str, NodeSummary] = {}
    for node in nodes:
        assert node.name not in out, f"node {node.name!r} made twice"
        out[node.name] = NodeSummary(frozenset(node.dependency_names), node.user_tags)
    return out


def diff(expected: Mapping[str, NodeSummary], actual: Mapping[str, NodeSummary]) -> str:
    """A readable account of how two graphs differ ('' when they are equal)."""
    lines = []
    for name in sorted(set(expected) - set(actual)):
        lines.append(f"missing node {name}: {expected[name]!r}")
    for name in sorted(set(actual) - set(expected)):
        lines.append(f"extra node {name}: {actual[name]!r}")
    for name in sorted(set(expected) & set(actual)):
        if expected[name] != actual[name]:
            lines.append(f"node {name}: expected {expected[name]!r}, got {actual[name]!r}")
    return "\n".join(lines)
