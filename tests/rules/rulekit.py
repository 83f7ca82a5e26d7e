"""Helpers for the rule suites: hand-built FunctionSpecs, a tiny executor, Hamilton side by side."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from livedag.engine.rules import expand_function, expand_module
from livedag.engine.specs import (
    Call,
    FunctionSpec,
    LocatedStr,
    Location,
    NodeSpec,
    Parameter,
    TypeRef,
    Unknown,
)

HERE = Location("m.py", 1, 4, 1, 5)


def at(text: str, line: int = 1) -> LocatedStr:
    """A decorator string as the static front end hands it over, with its location."""
    return LocatedStr(text, Location("m.py", line, 10, line, 10 + len(text)))


def unknown(why: str = "a name") -> Unknown:
    return Unknown(why, Location("m.py", 1, 20, 1, 25))


def spec(
    *decorators: Call,
    name: str = "f",
    params: Sequence[str | tuple[str, str] | Parameter] = ("a",),
    returns: str | None = "int",
    doc: str = "",
) -> FunctionSpec:
    """A static FunctionSpec: parameters are `name` (int), `(name, type)` or Parameters."""
    parameters = []
    for p in params:
        if isinstance(p, Parameter):
            parameters.append(p)
        elif isinstance(p, tuple):
            parameters.append(Parameter(p[0], TypeRef(p[1]), location=HERE))
        else:
            parameters.append(Parameter(p, TypeRef("int"), location=HERE))
    return FunctionSpec(
        name=name,
        module="m",
        parameters=tuple(parameters),
        returns=TypeRef(returns) if returns else None,
        doc=doc,
        decorators=decorators,
        location=HERE,
    )


def expand(fn: FunctionSpec, config: Mapping[str, Any] | None = None) -> dict[str, NodeSpec]:
    """Nodes by name; fails the test on any problem."""
    out = expand_function(fn, config or {})
    assert not out.problems, out.problems
    return {n.name: n for n in out.nodes}


def problems(fn: FunctionSpec, config: Mapping[str, Any] | None = None) -> list[str]:
    return [p.code for p in expand_function(fn, config or {}).problems]


def deps(node: NodeSpec) -> list[str]:
    return list(node.dependency_names)


def execute(nodes: Sequence[NodeSpec], output: str, inputs: Mapping[str, Any]) -> Any:
    """Evaluate `output` from `inputs` with the nodes' compute functions (no driver needed)."""
    by_name = {n.name: n for n in nodes}
    cache: dict[str, Any] = dict(inputs)

    def value(name: str) -> Any:
        if name not in cache:
            node = by_name[name]
            assert node.compute is not None, f"{name} has no compute"
            kwargs = {
                d.name: value(d.name)
                for d in node.dependencies
                if not d.optional or d.name in cache or d.name in by_name
            }
            cache[name] = node.compute(**kwargs)
        return cache[name]

    return value(output)


def module_source(body: str, header: str = "") -> str:
    return header + textwrap.dedent(body)


def hamilton_rejects(tmp_path: Path, body: str, config: Mapping[str, Any] | None = None) -> str:
    """The error apache-hamilton raises for this module ('' if it builds)."""
    from hamilton import graph

    from tests.oracle import load_module

    path = tmp_path / "ham_case.py"
    path.write_text(textwrap.dedent(body))
    try:
        module = load_module(path, prefix="ham")
        graph.FunctionGraph.from_modules(module, config=dict(config or {}))
    except Exception as exc:  # any refusal counts: that is what the user would see
        return f"{type(exc).__name__}: {exc}" or "error"
    return ""


def livedag_codes(tmp_path: Path, body: str, config: Mapping[str, Any] | None = None) -> list[str]:
    """Problem codes livedag's rules report for the same module, imported with livedag's names."""
    from livedag.engine.introspect import module_functions

    from tests.oracle import load_module, to_livedag_source

    path = tmp_path / "ld_case.py"
    text = textwrap.dedent(body)
    path.write_text(text)
    module = load_module(path, to_livedag_source(text), prefix="ld")
    return [p.code for p in expand_module(module_functions(module), dict(config or {})).problems]


def live_nodes(
    tmp_path: Path, body: str, config: Mapping[str, Any] | None = None
) -> list[NodeSpec]:
    from livedag.engine.introspect import module_functions

    from tests.oracle import load_module, to_livedag_source

    path = tmp_path / "live_case.py"
    text = textwrap.dedent(body)
    path.write_text(text)
    module = load_module(path, to_livedag_source(text), prefix="live")
    out = expand_module(module_functions(module), dict(config or {}))
    assert not [p for p in out.problems if p.severity.value == "error"], out.problems
    return out.nodes
