"""Names from outside the workspace, resolved with jedi against the project's environment.

A team's helper package may re-export Hamilton's decorators (`from team_utils import ec`) or alias
types (`from team_utils.types import Frame`).  Only something that reads installed packages can see
through that, and it is slow, so it never runs on the keystroke path: analysis consults the cache
(`lookup`) and lists what it missed in `ModuleAnalysis.pending_names`; the workspace calls
`resolve` in the background and then `ModuleSource.refresh()`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from .names import canonical_name

logger = logging.getLogger(__name__)


class ExternalNames:
    """A cache of what qualified names in installed packages really are."""

    def __init__(self, project_root: str | None = None, environment: str | None = None) -> None:
        self._project_root = project_root
        self._environment_path = environment
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()
        self._jedi: tuple[Any, Any, Any] | None = None

    def lookup(self, qualified: str) -> str | None:
        """What `qualified` points at, if resolved already (never blocks)."""
        return self._cache.get(qualified)

    def knows_any(self, names: Iterable[str]) -> bool:
        return any(n in self._cache for n in names)

    def resolve(self, names: Iterable[str]) -> dict[str, str]:
        """Resolve `names` with jedi (slow: call it off the keystroke path)."""
        out: dict[str, str] = {}
        for name in names:
            found = self._cache.get(name)
            if found is None:
                try:
                    found = self._resolve(name) or name
                except Exception:  # jedi can fail on odd environments; keep the name as written
                    logger.debug("jedi could not resolve %s", name, exc_info=True)
                    found = name
                with self._lock:
                    self._cache[name] = found
            out[name] = found
        return out

    def _setup(self) -> tuple[Any, Any, Any]:
        if self._jedi is None:
            import jedi

            project = jedi.Project(self._project_root) if self._project_root else None
            environment = (
                jedi.create_environment(self._environment_path, safe=False)
                if self._environment_path
                else None
            )
            self._jedi = (jedi, project, environment)
        return self._jedi

    def _names(self, code: str, goto: bool) -> list[Any]:
        jedi, project, environment = self._setup()
        script = jedi.Script(code, project=project, environment=environment)
        lines = code.splitlines()
        line, column = len(lines), len(lines[-1])
        if goto:
            return list(script.goto(line, column, follow_imports=True))
        return list(script.infer(line, column))

    def _resolve(self, qualified: str) -> str | None:
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            code = f"from {'.'.join(parts[:cut])} import {parts[cut]}\n{'.'.join(parts[cut:])}"
            for goto in (True, False):
                names = self._names(code, goto)
                full = next((n.full_name for n in names if n.full_name), None)
                if full is None:
                    continue
                if canonical_name(full) is not None:
                    return str(full)
                if not goto and names[0].type == "class":
                    return self._shortest(str(full))
        return None

    def _shortest(self, full: str) -> str:
        """`pandas.core.frame.DataFrame` → `pandas.DataFrame` when the package exports it."""
        parts = full.split(".")
        if len(parts) <= 2:
            return full
        short = f"{parts[0]}.{parts[-1]}"
        names = self._names(f"from {parts[0]} import {parts[-1]}\n{parts[-1]}", goto=False)
        if any(n.full_name == full for n in names):
            return short
        return full
