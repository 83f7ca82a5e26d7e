"""Garbage collection off the keystroke path, in pieces a keystroke can wait behind.

With a 4,000-function module indexed, the heap holds millions of objects, and CPython's automatic
collector runs whenever enough objects have been allocated, which a keystroke does: a young
collection then costs 5–40 ms and a full one over 100 ms, inside whichever keystroke tripped it.
Reference counting frees almost everything anyway; the collector is only needed for cycles (on
the benchmark workspaces, a young collection finds none).

So once the workspace is indexed, the server freezes the indexed heap (`gc.freeze`: those
objects are never scanned again), turns automatic collection off, and collects itself when the
user pauses (no message from the client for a while: requests count as activity too):

- a young collection (generations 0 and 1) right after each analysis' diagnostics went out,
  or in a pause once the young generation holds `YOUNG_MIN` objects, or at the start of the
  pause's idle work (`young_first`);
- after several of those, a collection of everything allocated since the last freeze, which is
  then frozen too (after many more, in a short pause as well: a day may have no long one);
- rarely, after a longer pause, a collection of the whole heap (unfrozen for it), so cycles
  among frozen objects (replaced blocks of an edited module) do not pile up over a day.

A young collection costs about its objects and, above all, their references (each one a look at
the object referred to, mostly cold in the cache): 0.25–0.5 us per young object on the server's
tables.  The idle work's own results (the warmer's per-graph indexes, graph signatures) were
most of it, 20,000 objects and 5–15 ms per keystroke at 4,000 functions, scanned for cycles they
never hold.  So that work runs inside `lasting`: the young generation is collected just before
(a handful of objects; more get a turn of their own, `young_first`) and frozen just after, so
its results are never scanned and are freed by reference counting with their graph.  That
freeze also freezes what survived earlier young collections, as the collection of everything
since the last freeze does: cycles those objects form later wait for the whole-heap collection.
A keystroke's own young objects (a few hundred holding ~90,000 references at 4,000 functions,
2–3 ms) are still collected once, in one piece: CPython cannot split a collection.

A burst of allocations with no pause (a script hammering the server) still gets young
collections once they pass `HARD_YOUNG`, so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from . import idle

if TYPE_CHECKING:
    from livedag.server.workspace import Snapshot

    from .session import Session

log = logging.getLogger(__name__)

TICK_S = 0.1  # how often the collector looks
QUIET_S = 0.03  # no analysis for this long (between two keystrokes): collect the young
YOUNG_MIN = 4_000  # objects in the young generation worth a collection (~1 ms of scanning)
HARD_YOUNG = 500_000  # this many allocations are collected even while typing
# Young objects collected in the same turn as lasting work: a few (a few big lists and dicts
# of a keystroke's are milliseconds), more are collected in a turn of their own first.
LASTING_YOUNG_MAX = 100
RECENT_EVERY = 20  # young collections before everything since the last freeze is collected
RECENT_QUIET_S = 2.0
# Young collections after which everything since the last freeze is collected in a short pause
# too: without it, a day of typing with no 2 s pause never looked at generation 2 again, and
# whatever cycles reached it (the server's own per-message objects) stayed for good.
HARD_RECENT_EVERY = 5 * RECENT_EVERY
WHOLE_EVERY_S = 300.0  # the whole heap, at most this often
WHOLE_QUIET_S = 5.0  # and only after a pause this long


_active: IdleCollector | None = None  # the installed collector: there is one `gc`


def young_first() -> bool:
    """Called before a slice of lasting work: when the young generation holds more than
    `lasting` collects within the slice, it is collected now (the young collection of the pause,
    at the start of the idle work), and True says the caller's turn is used up: its slice runs
    in the next turn of the loop, so a message that came meanwhile goes first."""
    if _active is None or len(gc.get_objects(0)) <= LASTING_YOUNG_MAX:
        return False
    gc.collect(1)
    _active.counted_young()
    return True


@contextlib.contextmanager
def lasting() -> Iterator[None]:
    """Around idle work whose results are kept and hold no cycles (the warmer's indexes, graph
    signatures): the young generation is collected before it and frozen after it, so what the
    work made is never scanned; reference counting frees it with its graph.

    Without this, those tables were most of every young collection (5-15 ms at 4,000 functions).
    When the young generation holds too much to collect within the slice (`young_first` was not
    asked), nothing changes: the next young collection scans both."""
    if _active is None or len(gc.get_objects(0)) > LASTING_YOUNG_MAX:
        yield
        return
    gc.collect(1)
    yield
    gc.freeze()


class IdleCollector:
    """A snapshot listener that schedules garbage collection into the user's pauses."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.installed = False
        self._last_activity = time.monotonic()
        self._young_runs = 0
        self._last_whole = time.monotonic()
        self._handle: asyncio.TimerHandle | None = None
        self._after_answer: asyncio.Handle | None = None
        self._deferral = idle.Deferral(session)
        self._messages = self._messages_seen = 0  # messages received; as of the last look
        self.runs = {"young": 0, "recent": 0, "whole": 0}  # for tests and logs

    def __call__(self, before: Snapshot | None, after: Snapshot, changed: set[Path]) -> None:
        self._last_activity = time.monotonic()
        if not self.installed:
            self.install()
        elif self._after_answer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop (a test calling the listener directly)
                return
            self._after_answer = loop.call_soon(self.young_after_answer)
            self._messages_seen = self._messages

    def young_after_answer(self) -> None:
        """The keystroke's young collection, in the turn right after its diagnostics went out:
        the next keystroke is then furthest away (idle work starts 0.1 s after an edit, about
        when a fast typist's next key comes)."""
        # A request that came with the edit goes first, read or not: one read meanwhile has
        # its handler queued behind this.
        arrived, self._messages_seen = self._messages != self._messages_seen, self._messages
        if self._deferral.wait(also=arrived):
            self._after_answer = asyncio.get_running_loop().call_later(
                idle.WAIT_S, self.young_after_answer
            )
            return
        self._after_answer = None
        young_first()

    def touch(self) -> None:
        """A message arrived: the user is not pausing (requests count, not only edits)."""
        self._last_activity = time.monotonic()
        self._messages += 1

    def install(self) -> None:
        """Freeze what indexing built and take collection over from the interpreter."""
        global _active
        self.installed = True
        _active = self
        gc.collect()
        gc.freeze()
        gc.disable()
        self._last_whole = time.monotonic()
        self._schedule()

    def uninstall(self) -> None:
        global _active
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self.installed:
            gc.unfreeze()
            gc.enable()
            self.installed = False
            if _active is self:
                _active = None

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
        # The allocation count is cheap but not the generation's size (freeing an old object
        # counts against it): in a pause, the young objects are counted (~10 ns each).
        if gc.get_count()[0] >= HARD_YOUNG or (
            quiet >= QUIET_S and len(gc.get_objects(0)) >= YOUNG_MIN
        ):
            gc.collect(1)
            return self.counted_young()
        return None

    def counted_young(self) -> str:
        """Count a young collection (made here or by `young_first`)."""
        self._young_runs += 1
        return self._ran("young")

    def _ran(self, kind: str) -> str:
        self.runs[kind] += 1
        return kind


def register(session: Session) -> IdleCollector:
    collector = IdleCollector(session)
    session.listeners.append(collector)
    return collector
