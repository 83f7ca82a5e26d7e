"""The server's state between messages: the workspace model, open documents, pending analysis.

The keystroke path is split the way ruff's server splits it: a document notification only records
the new text and schedules analysis (latest text wins, so a burst of keystrokes is analysed once);
analysis runs when the server is idle and produces a new immutable `Snapshot`; every listener
(diagnostics, graph changes) then sees the snapshot it was last told about and the new one.

Requests read, notifications write (docs/design.md, "Requests and notifications"): a request that
arrives while analysis is pending runs that analysis first (it is fast), so answers always reflect
the latest text, but it never tells the listeners: the analysed changes wait for the scheduled
flush, which publishes them as if the request had not come.  All of this happens on the event
loop; only the first indexing of the workspace runs in a thread, and nothing touches the workspace
model until it is done.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import Location
from lsprotocol.types import Position

from .analysed_lines import AnalysedLines
from .convert import Positions, SourceLines, uri_to_path
from .graph_index import GraphIndexes
from .node_facts import NodeJsonCache
from .refinement import ExternalNameRefiner
from .settings import Settings
from .uri_map import UriMap

if TYPE_CHECKING:
    from livedag.server.workspace import Snapshot, Workspace
    from pygls.lsp.server import LanguageServer

    from .open_texts import OpenTexts

log = logging.getLogger(__name__)

KEEP_AFTER_SAVE_S = 1.0  # a save's analysis is written to the on-disk cache this much later


class Change(enum.Enum):
    """Where a changed file's new text comes from."""

    BUFFER = "buffer"  # the open document
    DISK = "disk"  # the file on disk (closed, or changed by another program)
    DELETED = "deleted"


# A listener gets the snapshot before the change (None after indexing) and the new one, and the
# files whose text changed.
SnapshotListener = Callable[["Snapshot | None", "Snapshot", set[Path]], None]


class Session:
    """Everything the features share; one per server."""

    def __init__(self, server: LanguageServer) -> None:
        self.server = server
        self.settings = Settings()
        self.positions = Positions()
        self.indexes = GraphIndexes()  # per-graph answers shared by every request
        self.node_json = NodeJsonCache(self)
        self.workspace: Workspace | None = None
        self.snapshot: Snapshot | None = None  # the latest analysis: what requests read
        # What the listeners were last told about, and the files analysed since (by requests)
        # that they have not been told about yet: the next flush tells them.
        self.announced: Snapshot | None = None
        self._unannounced: set[Path] = set()
        self.indexed = asyncio.Event()
        self.listeners: list[SnapshotListener] = []
        self.open_versions: dict[str, int] = {}  # uri -> version of the text last analysed
        self.file_notes: dict[Path, str] = {}  # files analysis skipped or failed on, and why
        self.uris = UriMap()
        self._pending: dict[Path, Change] = {}  # what to read each changed file from
        self._to_keep: set[Path] = set()  # saved files whose analysis goes to the disk cache
        self._edited: set[Path] = set()  # files analysed again since indexing (for shutdown)
        self._keeping: asyncio.TimerHandle | None = None
        self._scheduled: asyncio.TimerHandle | asyncio.Handle | None = None
        self.analysed_lines = AnalysedLines()
        self.refiner = ExternalNameRefiner(self)  # jedi, for names from installed packages

    # --- documents ---------------------------------------------------------------------------

    def path_of(self, uri: str) -> Path | None:
        """The file behind `uri`; answers go back to the client under `uri` (`UriMap.path_of`)."""
        return self.uris.path_of(uri)

    def uri_of(self, path: str | Path) -> str:
        """The URI the client knows a file by (the one it opened it with, when it did)."""
        return self.uris.uri_of(path)

    @property
    def uri_generation(self) -> int:
        """Bumped whenever `uri_of` may answer differently (for caches of converted locations)."""
        return self.uris.generation

    def document_text(self, uri: str) -> str | None:
        """The text of an open document, or None when the client has not opened it."""
        if uri not in self.open_versions:
            return None
        texts: OpenTexts | None = getattr(self.server, "texts", None)
        return texts.text(uri) if texts is not None else None

    def version_of(self, path: str | Path) -> int | None:
        """Version of the open document's text the current snapshot reflects; None if not open."""
        return self.open_versions.get(self.uri_of(path))

    def lines(self, path: str | Path) -> SourceLines | None:
        """The analysed text of a file, for converting columns to the client's units."""
        return self.analysed_lines.of(self.snapshot, path)

    def text_changed(self, uri: str, version: int | None) -> None:
        """A document's text changed (opened, edited, closed): analyse it soon."""
        path = self.path_of(uri)
        if path is None:
            return
        if version is None:
            self.open_versions.pop(uri, None)
            self._pending[path] = Change.DISK
        else:
            self.open_versions[uri] = version
            self._pending[path] = Change.BUFFER
        self.schedule()

    def file_changed_on_disk(self, path: Path, deleted: bool) -> None:
        """A watched file changed; an open buffer's text still wins over the disk."""
        self.uris.links_may_have_changed()
        path = Path(os.path.realpath(path))
        if self.open_versions.get(self.uri_of(path)) is not None:
            return
        self._pending[path] = Change.DELETED if deleted else Change.DISK
        self.schedule()

    # --- analysis ------------------------------------------------------------------------------

    def schedule(self) -> None:
        if self._scheduled is not None or not self.is_indexed:
            return
        loop = asyncio.get_running_loop()
        delay = self.settings.debounce_ms / 1000
        if delay > 0:
            self._scheduled = loop.call_later(delay, self.flush)
        else:
            self._scheduled = loop.call_soon(self.flush)

    @property
    def is_indexed(self) -> bool:
        return self.indexed.is_set()

    def flush(self) -> None:
        """Analyse every pending change now, then tell the listeners."""
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        if self.workspace is None or not self.is_indexed:
            return
        if not self._pending and not self._unannounced:
            return
        changed = self._analyse_pending() | self._unannounced
        self._unannounced = set()
        if self.snapshot is not None:
            self.notify(self.announced, self.snapshot, changed)
            seen = self.refiner.seen
            if any(
                (m := self.snapshot.module(p)) is not None and not m.pending_names <= seen
                for p in changed
            ):
                self.refine_soon()  # an edit imported something new from outside the workspace

    def refine_soon(self) -> None:
        """Ask jedi, in the background, about decorators imported from installed packages."""
        self.refiner.soon()

    def install_refined(self, refined: Snapshot) -> None:
        """The model with jedi's answers: edits that arrived meanwhile first, then publish."""
        self.flush()
        latest = (
            refined
            if self.snapshot is None
            else max((refined, self.snapshot), key=lambda snap: snap.version)
        )
        before = self.announced
        if before is not latest:
            self.snapshot = latest
            self.notify(before, latest, set())

    def _analyse_pending(self) -> set[Path]:
        """Bring the model up to every recorded change; the files whose text changed."""
        pending, self._pending = self._pending, {}
        changed: set[Path] = set()
        for path, change in pending.items():
            changed.add(path)
            self._edited.add(path)
            try:
                self._analyse(path, change)
            except Exception as exc:
                log.error("analysis of %s failed", path, exc_info=True)
                self.file_notes[path] = (
                    f"livedag could not analyse this file ({type(exc).__name__}: {exc}); "
                    "its lineage is left out. The server log has the details."
                )
        return changed

    def _analyse(self, path: Path, change: Change) -> None:
        assert self.workspace is not None
        if change is Change.DELETED:
            self.snapshot = self.workspace.remove(path)
            self.file_notes.pop(path, None)
            return
        uri = self.uri_of(path) if change is Change.BUFFER else None
        text = self.document_text(uri) if uri is not None else None
        if text is not None and len(text) > self.settings.max_file_bytes:
            self.file_notes[path] = (
                f"livedag skipped this file: it has {len(text):,} characters, more than "
                f"livedag.maxFileBytes ({self.settings.max_file_bytes:,}). Raise that setting "
                "to analyse it."
            )
            return
        self.snapshot = self.workspace.update(path, text)
        self.file_notes.pop(path, None)

    def keep_analysis_soon(self, path: Path) -> None:
        """Write `path`'s analysis to the on-disk cache in a moment (after a save: the next
        start then finds what was edited today), once for a burst of saves."""
        self._to_keep.add(Path(os.path.realpath(path)))
        if self._keeping is None:
            loop = asyncio.get_running_loop()
            self._keeping = loop.call_later(KEEP_AFTER_SAVE_S, self.keep_analyses)

    def keep_analyses(self, everything: bool = False) -> None:
        """Write the saved modules' analyses (at shutdown: every module edited today) whose
        text is the file's; never fails the caller (the cache is an optimisation)."""
        if self._keeping is not None:
            self._keeping.cancel()
            self._keeping = None
        paths, self._to_keep = self._to_keep, set()
        if everything:
            paths |= self._edited
        if self.workspace is None or not self.is_indexed or not paths:
            return
        try:
            self.workspace.store_saved(paths)
        except Exception:
            log.warning("could not write analyses to the on-disk cache", exc_info=True)

    def notify(self, before: Snapshot | None, after: Snapshot, changed: set[Path]) -> None:
        """Tell every listener (the notification side only: never called for a request)."""
        self.announced = after
        for listener in self.listeners:
            try:
                listener(before, after, changed)
            except Exception:
                log.error("listener %r failed", listener, exc_info=True)

    def current(self) -> Snapshot | None:
        """The snapshot reflecting every edit received so far, for a request.

        Pending analysis runs first, but nothing is published: the listeners hear of it from the
        flush the notification scheduled (requests read, notifications write).
        """
        if self._pending and self.is_indexed and self.workspace is not None:
            self._unannounced |= self._analyse_pending()
        return self.snapshot

    async def current_when_ready(self) -> Snapshot | None:
        """`current()`, once the first indexing of the workspace has finished (for requests)."""
        if not self.indexed.is_set():
            await self.indexed.wait()
        return self.current()

    async def flushed_when_ready(self) -> None:
        """Once indexed, analyse and publish every pending change (for notifications)."""
        if not self.indexed.is_set():
            await self.indexed.wait()
        self.flush()

    def replace_workspace(self, workspace: Workspace, snapshot: Snapshot) -> None:
        """Install a freshly indexed workspace, analyse what was edited meanwhile, then publish.

        Buffers opened during indexing are analysed before anyone is told, so the first
        diagnostics of an open document already reflect (and carry the version of) its text.
        """
        before = self.announced
        self.workspace = workspace
        self.snapshot = snapshot
        self.indexed.set()
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        changed = self._analyse_pending() if self._pending else set()
        changed |= self._unannounced
        self._unannounced = set()
        self.notify(before, self.snapshot, set(self.snapshot.paths()) | changed)
        self.refine_soon()

    def set_config(self, config: dict[str, object] | None) -> None:
        if self.workspace is None or not self.is_indexed:
            return
        self.flush()
        before = self.announced
        self.snapshot = self.workspace.set_config_override(config)
        self.notify(before, self.snapshot, set())

    def roots(self) -> list[Path]:
        """The folders the client opened; the workspace model indexes these."""
        folders: Iterable[str] = ()
        try:
            folders = [f.uri for f in self.server.workspace.folders.values()]
            if not folders and self.server.workspace.root_uri:
                folders = [self.server.workspace.root_uri]
        except RuntimeError:
            folders = ()
        roots = [p for p in (uri_to_path(uri) for uri in folders) if p is not None]
        return roots

    def cursor(self, uri: str, position: Position) -> Cursor | None:
        """The latest snapshot and the file position a request points at; None if out of range."""
        path = self.path_of(uri)
        snapshot = self.current()
        if path is None or snapshot is None or position.line < 0 or position.character < 0:
            return None
        lines = self.lines(path)
        if lines is None or position.line >= lines.line_count():
            return None
        column = self.positions.from_client(lines, position.line, position.character)
        return Cursor(snapshot, path, position.line + 1, column)

    def location_json(self, location: Location) -> dict[str, Any] | None:
        """A livedag location as a protocol `Location` object in JSON."""
        if not location.path:
            return None
        return {
            "uri": self.uri_of(location.path),
            "range": self.positions.range_json(location, self.lines(location.path)),
        }


@dataclass(frozen=True)
class Cursor:
    snapshot: Snapshot
    path: Path
    line: int  # 1-based
    column: int  # code points
