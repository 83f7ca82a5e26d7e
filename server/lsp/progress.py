"""Indexing the workspace when the client is ready, with work-done progress where supported.

The first analysis of every module runs in a worker thread so the server keeps reading messages
(edits queue up and are analysed right after); the client sees `$/progress` begin, reports of
files analysed, and end, when it advertised `window.workDoneProgress`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import uuid
from typing import TYPE_CHECKING

from livedag.server.workspace import Snapshot, Workspace
from lsprotocol import types

from .session import Session

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

REPORT_EVERY_S = 0.1


def supports_progress(server: LanguageServer) -> bool:
    window = server.client_capabilities.window
    return bool(window and window.work_done_progress)


class IndexProgress:
    """Forwards the workspace's (done, total) callbacks from the worker thread to the client."""

    def __init__(self, server: LanguageServer, token: str | None) -> None:
        self.server = server
        self.token = token
        self.loop = asyncio.get_running_loop()
        self._last = 0.0

    def begin(self) -> None:
        if self.token is not None:
            self.server.work_done_progress.begin(
                self.token,
                types.WorkDoneProgressBegin(
                    title="livedag: indexing dataflows", percentage=0, cancellable=False
                ),
            )

    def __call__(self, done: int, total: int) -> None:  # called from the worker thread
        now = time.monotonic()
        if self.token is None or (now - self._last < REPORT_EVERY_S and done < total):
            return
        self._last = now
        self.loop.call_soon_threadsafe(self._report, done, total)

    def _report(self, done: int, total: int) -> None:
        assert self.token is not None
        self.server.work_done_progress.report(
            self.token,
            types.WorkDoneProgressReport(
                message=f"{done}/{total} files", percentage=int(100 * done / max(total, 1))
            ),
        )

    def end(self, message: str) -> None:
        if self.token is not None:
            self.server.work_done_progress.end(
                self.token, types.WorkDoneProgressEnd(message=message)
            )
            # pygls keeps every token's cancellation future until told otherwise (each re-index
            # would add one for the session).
            self.server.work_done_progress.tokens.pop(self.token, None)


async def index_workspace(server: LanguageServer, session: Session) -> None:
    """Build the workspace model from disk, then let every listener publish."""
    token: str | None = None
    if supports_progress(server):
        token = f"livedag-index-{uuid.uuid4().hex[:8]}"
        try:
            await server.work_done_progress.create_async(token)
        except Exception:
            log.warning("client refused a progress token; indexing without progress", exc_info=True)
            token = None
    progress = IndexProgress(server, token)
    progress.begin()
    started = time.perf_counter()
    roots = session.roots()
    config = session.settings.config

    def build() -> tuple[Workspace, Snapshot]:
        workspace = Workspace(roots, config_override=config)
        return workspace, workspace.index(progress, freeze=True)

    try:
        workspace, snapshot = await asyncio.to_thread(build)
    except Exception as exc:
        log.error("indexing %s failed", roots, exc_info=True)
        progress.end("failed")
        server.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Error,
                message=f"livedag could not index the workspace ({exc}); see the server log. "
                "Fix the cause and restart the server.",
            )
        )
        session.indexed.set()
        return
    files = len(snapshot.paths())
    # The indexed model lives as long as the server: keep the collector from re-scanning it
    # after every keystroke (full collections otherwise dominate the tail latency).  No
    # collection first: it would hold up the first diagnostics by 100-400 ms on a large
    # workspace, and indexing leaves next to no cyclic garbage (none on the benchmark
    # workspaces); whatever little there is stays frozen with the model.
    gc.freeze()
    progress.end(f"{files} files in {time.perf_counter() - started:.1f}s")
    session.replace_workspace(workspace, snapshot)
