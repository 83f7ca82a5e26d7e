"""A minimal WorkspaceResolver over files on disk, for analyzer tests (the real one is the
workspace's): module `a.b` is `<root>/a/b.py`, analyzed statically and cached."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from livedag.engine.specs import FunctionSpec, Unknown
from livedag.server.analyzer import ModuleAnalysis, analyze_source


class DiskResolver:
    def __init__(self, root: Path, overrides: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.overrides = dict(overrides or {})
        self._cache: dict[str, ModuleAnalysis | None] = {}

    def analysis(self, module: str) -> ModuleAnalysis | None:
        if module not in self._cache:
            self._cache[module] = None  # guards against import cycles
            text = self.overrides.get(module)
            path = self.root.joinpath(*module.split(".")).with_suffix(".py")
            if text is None and path.is_file():
                text = path.read_text()
            if text is not None:
                self._cache[module] = analyze_source(
                    text, module=module, path=str(path), resolver=self
                )
        return self._cache[module]

    def module_functions(self, module: str) -> Sequence[FunctionSpec] | None:
        found = self.analysis(module)
        return None if found is None else found.functions

    def module_constant(self, module: str, name: str) -> Any:
        from livedag.server.analyzer.module import ModuleSource

        text = self.overrides.get(module)
        path = self.root.joinpath(*module.split(".")).with_suffix(".py")
        if text is None and path.is_file():
            text = path.read_text()
        if text is None:
            return Unknown(f"module {module} is not in the workspace")
        source = ModuleSource(module, str(path), self)
        source.update(text)
        return source.constant(name)

    def resolve_name(self, module: str, name: str) -> str | None:
        found = self.analysis(module)
        if found is None:
            return None
        return found.imports.get(name)
