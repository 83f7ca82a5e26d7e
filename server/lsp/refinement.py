"""Names imported from installed packages, placed by jedi in the background.

A decorator imported from a package outside the workspace (a re-export of Hamilton's, say) is
unknown to the analyzer until jedi says where it comes from, which takes about a second.  The
graph is published first with such names unknown; when jedi answers, the affected modules are
re-analysed and whatever changed is published again.  A keystroke never waits for jedi.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .session import Session

log = logging.getLogger(__name__)


class ExternalNameRefiner:
    """Asks jedi about names from installed packages, each name once, one question at a time."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._task: asyncio.Task[None] | None = None
        self._asked: set[str] = set()
        self.seen: set[str] = set()  # outside names already looked at (keystrokes skip)

    def soon(self) -> None:
        """Start asking, unless a question is under way (it asks again when done)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._refine())

    async def _refine(self) -> None:
        session = self.session
        while True:
            workspace = session.workspace
            if workspace is None:
                return
            snapshot = workspace.snapshot
            for path in snapshot.paths():
                module = snapshot.module(path)
                if module is not None:
                    self.seen |= module.pending_names
            wanted = workspace.external_decorator_names() - self._asked
            if not wanted:
                return
            self._asked |= wanted  # a name jedi cannot place is not asked again
            try:
                refined = await asyncio.to_thread(workspace.resolve_external_names, wanted)
            except Exception:
                log.error("resolving %s with jedi failed", sorted(wanted), exc_info=True)
                return
            if session.workspace is not workspace:
                return  # re-indexed meanwhile: that indexing refines itself
            if refined is None:
                continue
            session.install_refined(refined)
