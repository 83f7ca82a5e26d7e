"""Small helpers for analyzer tests: analyze a source string, pick functions by name."""

from __future__ import annotations

import textwrap

from livedag.engine.specs import Call, FunctionSpec
from livedag.server.analyzer import ModuleAnalysis, WorkspaceResolver, analyze_source


def analyze(
    source: str, resolver: WorkspaceResolver | None = None, module: str = "m"
) -> ModuleAnalysis:
    return analyze_source(
        textwrap.dedent(source), module=module, path="/ws/m.py", resolver=resolver
    )


def functions(source: str, resolver: WorkspaceResolver | None = None) -> dict[str, FunctionSpec]:
    return {f.name: f for f in analyze(source, resolver).functions}


def decorator(source: str, function: str = "f", index: int = 0) -> Call:
    return functions(source)[function].decorators[index]
