"""apache-hamilton as the oracle: the graph a fixture module makes, per Hamilton and per livedag.

Fixture modules in tests/fixtures/dataflows are written against `hamilton` exactly as users write
them.  For livedag's runtime side the imports are mapped textually onto `livedag.engine`, the module
is loaded, our rules expand it and a `Dataflow` links the nodes.  Both sides are reduced to
`NodeSummary` (kind, dependencies and user tags) per node name, external inputs and config keys
included, which is what "the same graph" means in the differential tests.
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
# `# livedag-requires: pandera, pydantic`: libraries a fixture imports beyond the test extras'
# core; without them its cases are skipped, and pytest says so.
REQUIRES_HEADER = re.compile(r"^#\s*livedag-requires:\s*(.+?)\s*$", re.MULTILINE)

# hamilton import path -> livedag import path, applied in order to fixture sources.
IMPORT_MAP: tuple[tuple[str, str], ...] = (
    (
        r"\bhamilton\.function_modifiers"
        r"(\.(adapters|base|configuration|delayed|dependencies|expanders|macros|metadata"
        r"|recursive|validation)\b)?",
        "livedag.engine.function_modifiers",
    ),
    (r"\bhamilton\.plugins\.h_pandas\b", "livedag.engine.function_modifiers"),
    (r"\bhamilton\.data_quality\.base\b", "livedag.engine.validators"),
    (
        r"\bfrom hamilton import function_modifiers\b",
        "from livedag.engine import function_modifiers",
    ),
    (r"\bfrom hamilton import driver\b", "from livedag.engine import driver"),
    (r"\bhamilton\.htypes\b", "livedag.engine.htypes"),
    (r"\bhamilton\.lifecycle(\.default)?\b", "livedag.engine.lifecycle"),
    (r"\bfrom hamilton import htypes\b", "from livedag.engine import htypes"),
)

_counter = itertools.count()


@dataclass(frozen=True)
class NodeSummary:
    kind: str  # "function", "input" or "config" (livedag's NodeKind values)
    dependencies: frozenset[str]
    tags: Mapping[str, Any]

    def __repr__(self) -> str:
        return f"{self.kind} deps={sorted(self.dependencies)} tags={dict(self.tags)}"


def fixture_paths() -> list[Path]:
    return sorted(FIXTURES.glob("*.py"))


def fixture_configs(path: Path) -> list[dict[str, Any]]:
    """The configs a fixture is checked under (its `# livedag-config:` lines, else `{}`)."""
    found = [json.loads(m.group(1)) for m in CONFIG_HEADER.finditer(path.read_text())]
    return found or [{}]


def fixture_requirements(path: Path) -> list[str]:
    """The libraries a fixture's `# livedag-requires:` line names."""
    return [
        name.strip()
        for found in REQUIRES_HEADER.finditer(path.read_text())
        for name in found.group(1).split(",")
        if name.strip()
    ]


def fixture_cases(known_gaps: Mapping[str, str] | None = None) -> list[Any]:
    """One pytest param per (fixture, config).  A fixture whose libraries are missing is
    skipped, with the reason shown; one in `known_gaps` (stem → why) is a strict xfail."""
    import importlib.util

    import pytest

    cases = []
    for path in fixture_paths():
        missing = [n for n in fixture_requirements(path) if importlib.util.find_spec(n) is None]
        marks = [pytest.mark.skip(reason=f"needs {', '.join(missing)}")] if missing else []
        if known_gaps and path.stem in known_gaps:
            marks.append(pytest.mark.xfail(reason=known_gaps[path.stem], strict=True))
        for i, config in enumerate(fixture_configs(path)):
            cases.append(pytest.param(path, config, id=f"{path.stem}[{i}]", marks=marks))
    return cases


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


def hamilton_kind(node: Any, config: Mapping[str, Any]) -> str:
    """A Hamilton node's kind in livedag's terms.  Hamilton makes both inputs and config keys
    EXTERNAL (`user_defined`) nodes and tells them apart by whether the config has the name."""
    if not node.user_defined:
        return "function"
    return "config" if node.name in config else "input"


def hamilton_nodes(path: Path, config: Mapping[str, Any]) -> dict[str, NodeSummary]:
    """Every node apache-hamilton makes of the fixture, external ones included."""
    from hamilton import graph

    module = load_module(path, prefix="ham")
    fg = graph.FunctionGraph.from_modules(module, config=dict(config))
    return {
        name: NodeSummary(
            hamilton_kind(node, fg.config), frozenset(node.input_types), user_tags(node.tags)
        )
        for name, node in fg.nodes.items()
    }


def livedag_module(path: Path) -> types.ModuleType:
    """The fixture imported with livedag's decorators in place of Hamilton's."""
    return load_module(path, to_livedag_source(path.read_text()), prefix="ld")


IMPORTS = ("livedag", "hamilton")


def imported(path: Path, imports: str = "livedag") -> types.ModuleType:
    """The fixture imported with livedag's decorators (`imports="livedag"`), or as written,
    with Hamilton's (`"hamilton"`), for livedag's runtime front end to read."""
    return livedag_module(path) if imports == "livedag" else load_module(path, prefix="ldh")


def runtime_nodes(
    path: Path, config: Mapping[str, Any], imports: str = "livedag"
) -> dict[str, NodeSummary]:
    """Nodes livedag's rules make of the fixture, imported as `imports` says, linked."""
    from livedag.engine.introspect import module_functions
    from livedag.engine.rules import expand_module

    expansion = expand_module(module_functions(imported(path, imports)), config)
    return linked(expansion.nodes, config, expansion.problems)


def driver_nodes(
    path: Path, config: Mapping[str, Any], imports: str = "livedag"
) -> dict[str, NodeSummary]:
    """The graph livedag's runtime driver (`driver.Builder`) builds of the fixture."""
    from livedag.engine import driver

    module = imported(path, imports)
    built = driver.Builder().with_modules(module).with_config(dict(config)).build()
    return summarize(built.flow.nodes.values())


def linked(nodes: Any, config: Mapping[str, Any], problems: Any = ()) -> dict[str, NodeSummary]:
    """`nodes` linked into a Dataflow under `config`, summarized; Hamilton accepts every fixture,
    so no error may come of it."""
    from livedag.engine.dataflow import Dataflow

    flow = Dataflow.build(nodes, config=config, problems=problems)
    errors = [p for p in flow.problems if p.severity.value == "error"]
    assert not errors, f"livedag reported problems on a fixture Hamilton accepts: {errors}"
    return summarize(flow.nodes.values())


def summarize(nodes: Any) -> dict[str, NodeSummary]:
    out: dict[str, NodeSummary] = {}
    for node in nodes:
        assert node.name not in out, f"node {node.name!r} made twice"
        out[node.name] = NodeSummary(
            node.kind.value, frozenset(node.dependency_names), node.user_tags
        )
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


# --- Results: what running a fixture gives --------------------------------------------------------
# `# livedag-inputs: {...}` is a Python dict display of input values, read with `pd`, `np` and
# `write(name, text)` (writes a file in a fresh directory and returns its path).  Inputs it does
# not name are made from their annotation (`int` → 3, ...); one that cannot be made is left out,
# so the nodes needing it fail on every side alike.
INPUTS_HEADER = re.compile(r"^#\s*livedag-inputs:\s*(\{.*\})\s*$", re.MULTILINE)
_SAMPLES: dict[Any, Any] = {int: 3, float: 2.5, str: "text", bool: True, list: [1, 2, 3]}


def fixture_inputs(path: Path, directory: Path, needed: Mapping[str, Any]) -> dict[str, Any]:
    """Input values for running the fixture: its header's, else samples by annotation."""
    import numpy as np
    import pandas as pd

    def write(name: str, text: str) -> str:
        target = directory / name
        target.write_text(text)
        return str(target)

    given: dict[str, Any] = {}
    for found in INPUTS_HEADER.finditer(path.read_text()):
        given.update(eval(found.group(1), {"pd": pd, "np": np, "write": write}))  # noqa: S307
    out: dict[str, Any] = {}
    for name, annotation in needed.items():
        if name in given:
            out[name] = given[name]
        elif annotation in _SAMPLES:
            out[name] = _SAMPLES[annotation]
        elif annotation is dict:
            out[name] = {"a": 1, "b": 2}
        elif annotation is pd.Series:
            out[name] = pd.Series([1.0, 2.0, 4.0])
    return out


@dataclass(frozen=True)
class Outcome:
    """What computing one node gave: its value, or that it raised (with the error's type)."""

    value: Any = None
    error: str | None = None

    def __repr__(self) -> str:
        return f"raised {self.error}" if self.error else f"value {self.value!r}"


def hamilton_inputs(path: Path, config: Mapping[str, Any]) -> dict[str, Any]:
    """External inputs Hamilton's graph of the fixture has, with their annotations."""
    from hamilton import graph

    fg = graph.FunctionGraph.from_modules(load_module(path, prefix="ham_in"), config=dict(config))
    return {
        name: node.type
        for name, node in fg.nodes.items()
        if node.user_defined and name not in config
    }


def run_each(
    driver_module: Any, module: types.ModuleType, config: Mapping[str, Any], inputs: Any
) -> dict[str, Outcome]:
    """Every function node computed on its own (one failure spoils no other), by the driver
    module given (`hamilton.driver` or `livedag.engine.driver`)."""
    import warnings

    built = driver_module.Builder().with_modules(module).with_config(dict(config)).build()
    names = [v.name for v in built.list_available_variables() if not v.is_external_input]
    out: dict[str, Outcome] = {}
    for name in sorted(names):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                value = built.execute([name], inputs=dict(inputs))[name]
            except Exception as exc:  # noqa: BLE001 -- an outcome to compare, not a test failure
                out[name] = Outcome(error=_root_error(exc))
                continue
        out[name] = Outcome(value=value)
    return out


def _root_error(exc: BaseException) -> str:
    """The error a node raised, looking through wrappers that carry it as their cause."""
    while exc.__cause__ is not None and type(exc).__name__ in ("NodeExecutionError",):
        exc = exc.__cause__
    return type(exc).__name__


# In loaders' and savers' file metadata: when the file was written or read, which no two runs
# share (two of Hamilton's own included).
_WHEN_KEYS = frozenset({"timestamp", "last_modified"})


def same_value(a: Any, b: Any) -> bool:
    import numpy as np
    import pandas as pd

    if type(a).__name__ == "ValidationResult" and type(b).__name__ == "ValidationResult":
        # Hamilton's and livedag's validators word their messages differently: the verdict
        # is what a run depends on.
        return bool(a.passes) == bool(b.passes)
    if type(a) is not type(b):
        # A class of the fixture itself: each side imported the fixture afresh.
        same_class = type(a).__qualname__ == type(b).__qualname__ and hasattr(a, "__dict__")
        return same_class and same_value(vars(a), vars(b))
    if hasattr(a, "__next__"):  # an iterator (a Parallelizable run without dynamic execution)
        return True
    if isinstance(a, (pd.Series, pd.DataFrame, pd.Index)):
        return bool(a.equals(b))
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(k in _WHEN_KEYS or same_value(a[k], b[k]) for k in a)
    if isinstance(a, float) and a != a:
        return b != b
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 -- values that do not compare: equal types must do
        return True


def outcome_diff(expected: Mapping[str, Outcome], actual: Mapping[str, Outcome]) -> str:
    """How two runs differ ('' when every node gave the same value, or both raised)."""
    lines = []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name), actual.get(name)
        if want is None or got is None:
            lines.append(f"{name}: only {'livedag' if want is None else 'Hamilton'} has it")
        elif (want.error is None) != (got.error is None):
            lines.append(f"{name}: Hamilton {want!r}, livedag {got!r}")
        elif want.error is None and not same_value(want.value, got.value):
            lines.append(f"{name}: Hamilton {want!r}, livedag {got!r}")
    return "\n".join(lines)
