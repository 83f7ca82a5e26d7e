"""Each file's analysed text as lines, for converting columns to the client's units.

Requests and diagnostics convert many positions of the same file; the lines are split once per
snapshot and file.  The snapshot they were read from is held weakly: a strong reference pinned a
stale snapshot (every module's analysis and every graph of that version) per file not looked at
since, for as long as the server ran.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .convert import SourceLines

if TYPE_CHECKING:
    from livedag.server.workspace import Snapshot


def _no_snapshot() -> None:
    """The cache's reference for "read before any snapshot" (never a dead one)."""
    return None


class AnalysedLines:
    """The lines of each file as a snapshot analysed it, cached until the snapshot changes."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Callable[[], Snapshot | None], SourceLines | None]] = {}

    def of(self, snapshot: Snapshot | None, path: str | Path) -> SourceLines | None:
        """The lines of `path` in `snapshot`; None when the snapshot has no such module."""
        key = str(path)
        cached = self._cache.get(key)
        if (
            cached is not None
            and cached[0]() is snapshot
            and (snapshot is not None or cached[0] is _no_snapshot)  # not a dead reference
        ):
            return cached[1]
        module = snapshot.module(Path(path)) if snapshot is not None else None
        lines = None
        if module is not None:
            known = cached[1] if cached is not None else None
            lines = known if known is not None and known.text is module.text else None
            lines = lines or SourceLines(module.text)
        self._cache[key] = (
            _no_snapshot if snapshot is None else weakref.ref(snapshot),
            lines,
        )
        return lines
