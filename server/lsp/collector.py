"""Garbage collection off the keystroke path.

With a 4,000-function module indexed, the heap holds millions of objects, and CPython's automatic
collector runs whenever enough objects have been allocated, which a keystroke does: a young
collection then costs 5–40 ms and a full one over 100 ms, inside whichever keystroke tripped it.
Reference counting frees almost everything anyway; the collector is only needed for cycles.

So once the workspace is indexed, the server freezes the indexed heap (`gc.freeze`: those
objects are never scanned again), turns automatic collection off, and collects itself when the
user pauses (no message from the client for a while: requests count as activity too):

- a young collection (generations 0 and 1) after each pause in typing;
- after several of those, a collection of everything allocated since the last freeze, which is
  then frozen too (after many more, in a short pause as well: a day may have no long one);
- rarely, after a longer pause, a collection of the whole heap (unfrozen for it), so cycles
  among frozen objects (replaced blocks of an edited module) do not pile up over a day.

A burst of allocations with no pause (a script hammering the server) still gets young
collections once they pass `HARD_YOUNG`, so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from livedag.server.workspace import Snapshot

    from .session import Session

log = logging.getLogger(__name__)

TICK_S = 0.1  # how often the collector looks
QUIET_S = 0.03  # no analysis for this long (between two keystrokes): collect the young
YOUNG_MIN = 20_000  # fewer new objects than this are not worth a collection
HARD_YOUNG = 500_000  # this many new objects are collected even while typing
RECENT_EVERY = 20  # young collections before everything since the last freeze is collected
RECENT_QUIET_S = 2.0
# Young collections after which everything since the last freeze is collected in a short pause
# too: without it, a day of typing with no 2 s pause never looked at generation 2 again, and
# whatever cycles reached it (the server's own per-message objects) stayed for good.
HARD_RECENT_EVERY = 5 * RECENT_EVERY
WHOLE_EVERY_S = 300.0  # the whole heap, at most this often
WHOLE_QUIET_S = 5.0  # and only after a pause this long


class IdleCollector:
    """A snapshot listener that schedules garbage collection into the user's pauses."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.installed = False
        self._last_activity = time.monotonic()
        self._young_runs = 0
        self._last_whole = time.monotonic()
        self._handle: asyncio.TimerHandle | None = None
        self.runs = {"young": 0, "recent": 0, "whole": 0}  # for tests and logs

    def __call__(self, before: Snapshot | None, after: Snapshot, changed: set[Path]) -> None:
        self._last_activity = time.monotonic()
        if not self.installed:
            self.install()

    def touch(self) -> None:
        """A message arrived: the user is not pausing (requests count, not only edits)."""
        self._last_activity = time.monotonic()

    def install(self) -> None:
        """Freeze what indexing built and take collection over from the interpreter."""
        self.installed = True
        gc.collect()
        gc.freeze()
        gc.disable()
        self._last_whole = time.monotonic()
        self._schedule()

    def uninstall(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self.installed:
            gc.unfreeze()
            gc.enable()
            self.installed = False

    def _schedule(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a test calling the listener directly)
            return
        self._handle = loop.call_later(TICK_S, self.tick)

    def tick(self) -> None:
        self._schedule()
        try:
            self.collect_if_due(time.monotonic())
        except Exception:
            log.warning("garbage collection failed", exc_info=True)

    def collect_if_due(self, now: float) -> str | None:
        """Collect what is due at `now`; which collection ran, if any."""
        quiet = now - self._last_activity
        young = gc.get_count()[0]
        if (
            now - self._last_whole >= WHOLE_EVERY_S
            and quiet >= WHOLE_QUIET_S
            and self._last_activity > self._last_whole
        ):
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._last_whole, self._young_runs = now, 0
            return self._ran("whole")
        if (self._young_runs >= RECENT_EVERY and quiet >= RECENT_QUIET_S) or (
            self._young_runs >= HARD_RECENT_EVERY and quiet >= QUIET_S
        ):
            gc.collect()  # frozen objects are left out: only what came since the last freeze
            gc.freeze()
            self._young_runs = 0
            return self._ran("recent")
        if young >= HARD_YOUNG or (young >= YOUNG_MIN and quiet >= QUIET_S):
            gc.collect(1)
            self._young_runs += 1
            return self._ran("young")
        return None

    def _ran(self, kind: str) -> str:
        self.runs[kind] += 1
        return kind


def register(session: Session) -> IdleCollector:
    collector = IdleCollector(session)
    session.listeners.append(collector)
    return collector
