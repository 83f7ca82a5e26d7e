"""Reading, while the user pauses, the consumers a rename of a much-consumed node would parse.

A rename parses each consumer of the node once (`function_facts`); an input that 400 functions
take would make its first rename parse 400 functions (~40 ms).  Shortly after an analysis, this
reads the functions that take such a parameter (one that at least `HOT` functions of the
workspace take), in slices of at most `SLICE_S`, none started while a client message is waiting
(`idle.Deferral`), so the next keystroke waits at most one slice; a newer analysis adds its
changed files to the work left.  What is read is kept by function text, so after an edit only
the edited functions are read again; a node with fewer consumers costs its first rename at most
`HOT` parses, unwarmed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from . import idle
from .function_source import source_of
from .session import Session
from .warmup import DELAY_S

if TYPE_CHECKING:
    from livedag.server.analyzer import ModuleAnalysis
    from livedag.server.workspace import Snapshot

log = logging.getLogger(__name__)

HOT = 32  # functions taking one parameter name, from which its consumers are read ahead
SLICE_S = 0.001  # longest stretch of reading before other messages get their turn (as warmup.py)


class ConsumerWarmer(idle.IdleJob):
    """A snapshot listener reading the consumers of much-consumed nodes (module docstring)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.takers: Counter[str] = Counter()  # functions taking each parameter name
        self.hot: set[str] = set()  # the names at least `HOT` functions take
        self._counted: dict[Path, Counter[str]] = {}  # what each file added to `takers`
        self._pending: set[Path] = set()  # files whose functions are to be counted and read
        self._steps: Iterator[None] | None = None

    def __call__(self, before: Snapshot | None, after: Snapshot, changed: set[Path]) -> None:
        self._pending |= set(after.paths()) if before is None else changed
        self._steps = None  # planned again from the newest snapshot
        self.schedule(DELAY_S)

    def _run(self) -> None:
        self._handle = None
        snapshot = self.session.snapshot
        if snapshot is None or self.gave_way():  # a waiting message goes first
            return
        if self._steps is None:
            self._steps = self._plan(snapshot)
        started = time.perf_counter()
        try:
            for _ in self._steps:
                if self.session.snapshot is not snapshot:
                    self._steps = None
                    return  # the newer snapshot's notification plans again
                if time.perf_counter() - started > SLICE_S:
                    self._handle = asyncio.get_running_loop().call_soon(self._run)
                    return
        except Exception:
            log.warning(
                "reading consumers ahead of a rename failed; renames read them", exc_info=True
            )
        self._steps = None

    def _plan(self, snapshot: Snapshot) -> Iterator[None]:
        """Count the pending files' parameters, then read their functions that take a
        much-taken name (and, after the first analysis, every file's)."""
        pending = sorted(self._pending)
        for path in pending:
            self._count(path, snapshot.module(path))
            yield
        for path in pending:
            analysis = snapshot.module(path)
            if analysis is not None:
                yield from self.read_hot(analysis)
            self._pending.discard(path)
        yield from self.plain_consumers(snapshot)

    def plain_consumers(self, snapshot: Snapshot) -> Iterator[None]:
        """What a rename of a much-taken name reads per consumer and per snapshot, made ahead
        (kept per analysis: after an edit only the edited file's consumers are new)."""
        from .plain_consumers import consumer_block, consumer_block_steps
        from .rename_checks import module_refs, rewriter_refs
        from .rename_plan import config_variants, variant_paths

        for count, path in enumerate(snapshot.paths()):  # kept per analysis: the edited ones
            analysis = snapshot.module(path)
            if analysis is not None:
                module_refs(analysis)
            if count % 8 == 7:
                yield
        rewriter_refs(snapshot)
        yield
        hot = sorted(self.hot)
        for view in snapshot.dataflows:
            for count, path in enumerate(view.paths):  # kept per analysis: the edited ones
                analysis = snapshot.module(path)
                if analysis is not None:
                    config_variants(analysis)
                if count % 16 == 15:
                    yield
            variant_paths(snapshot, view)
            yield
            for name in hot:
                yield from consumer_block_steps(snapshot, view, name)  # per snapshot
                block = consumer_block(snapshot, view, name)
                block.checked(snapshot, name)
                yield
                for count, share in enumerate(block.files.values()):
                    share.pieces()
                    if count % 16 == 15:
                        yield

    def _count(self, path: Path, analysis: ModuleAnalysis | None) -> None:
        counted: Counter[str] = Counter()
        for spec in analysis.functions if analysis is not None else ():
            counted.update({parameter.name for parameter in spec.parameters})
        before = self._counted.pop(path, Counter())
        self.takers.subtract(before)
        self.takers.update(counted)
        self._counted[path] = counted
        for name in before.keys() | counted.keys():
            if self.takers[name] >= HOT:
                self.hot.add(name)
            else:
                self.hot.discard(name)

    def read_hot(self, analysis: ModuleAnalysis) -> Iterator[None]:
        """Read each function of `analysis` that takes a parameter `HOT` functions take."""
        source = source_of(analysis)
        hot = self.hot
        for spec, line in zip(analysis.functions, source.starts(), strict=True):
            if not any(p.name in hot for p in spec.parameters):
                continue  # not looked up: a function's entry is kept once made
            found = source.function_at(line)
            if found is not None:
                source.facts(found)
                yield


def register(session: Session) -> ConsumerWarmer:
    warmer = ConsumerWarmer(session)
    session.listeners.append(warmer)
    return warmer
