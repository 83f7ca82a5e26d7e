"""Idle work gives way to a client message that is already here.

A didChange is often followed at once by requests (an editor asks for the outline, code lenses,
inlay hints of the new text): they are in the reader's buffer, or on their way from the stdin
thread, when the analysis has just finished.  Idle work (a young collection, a warming slice, a
graph-changed check) started then would be paid by those requests, so it waits a little and looks
again; at most `MAX_WAIT_S` in a row, so a client that stops in the middle of a message does not
stop the idle work.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .session import Session

WAIT_S = 0.002  # how soon idle work that gave way looks again
MAX_WAIT_S = 0.05


def message_waiting(session: Session | None) -> bool:
    """Whether the client's next message is already here or on its way, unread."""
    protocol = getattr(getattr(session, "server", None), "protocol", None)
    waiting = getattr(protocol, "input_waiting", None)
    return waiting is not None and bool(waiting())


class Deferral:
    """For one kind of idle work: whether to give way to a waiting message now."""

    def __init__(self, session: Session | None) -> None:
        self.session = session
        self._since: float | None = None  # when this work first gave way, in a row

    def wait(self, also: bool = False) -> bool:
        """True: a message is waiting (or `also`: the caller knows of one not handled yet), the
        work should look again in `WAIT_S`."""
        if not also and not message_waiting(self.session):
            self._since = None
            return False
        now = time.monotonic()
        if self._since is None:
            self._since = now
        if now - self._since >= MAX_WAIT_S:
            self._since = None  # gave way long enough: run now, give way again next time
            return False
        return True


class IdleJob:
    """Work for the user's pauses: scheduled a while after each new snapshot (a newer one
    schedules it again), and giving way to a client message that is waiting (`Deferral`).
    Subclasses do their work in `_run`, which starts with `if self.gave_way(): return`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._handle: asyncio.TimerHandle | asyncio.Handle | None = None
        self._deferral = Deferral(session)

    def schedule(self, delay: float) -> None:
        """Run `_run` in `delay` seconds, instead of whenever it was due."""
        if self._handle is not None:
            self._handle.cancel()
        self._handle = asyncio.get_running_loop().call_later(delay, self._run)

    def gave_way(self) -> bool:
        """True when a message is waiting: `_run` looks again in `WAIT_S`."""
        if self._deferral.wait():
            self._handle = asyncio.get_running_loop().call_later(WAIT_S, self._run)
            return True
        return False

    def _run(self) -> None:
        raise NotImplementedError
