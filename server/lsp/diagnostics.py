"""Problems → `textDocument/publishDiagnostics`, for every file whose problems changed.

A cycle or a duplicate spans files, so after any change every file of each relinked dataflow is
checked: a file whose problems in that dataflow are unchanged is skipped without further work; the
others are compared with what was last published for them, and only those that differ are
published again (the edited document always is, so its diagnostics carry its newest version).  A
file that no longer has problems gets an empty list, which is how the client learns they are
fixed.  Diagnostics are built directly in their JSON form: converting hundreds of protocol
objects per keystroke cost more than finding the problems.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import Location, Problem, Severity
from lsprotocol import types

from .convert import JsonArray, SourceLines
from .session import Session

if TYPE_CHECKING:
    from livedag.server.workspace import DataflowView, Snapshot
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

SOURCE = "livedag"
NOWHERE = Location(None, 1, 0, 1, 0)  # the file's start, for notes about the whole file
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


class DiagnosticsPublisher:
    """Remembers what each file was last published with, to publish only differences."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.published: dict[Path, tuple[Any, ...]] = {}
        # Each problem's diagnostic (and its JSON text), by problem identity: relinking keeps
        # the problems of what an edit did not touch, so a keystroke converts and encodes only
        # the problems it changed or moved.
        self._converted: dict[int, tuple[Problem, tuple[Any, ...], dict[str, Any], str]] = {}
        self._epoch: tuple[Any, ...] | None = None  # what every conversion depends on

    def __call__(self, before: Snapshot | None, after: Snapshot, changed: set[Path]) -> None:
        candidates = changed | set(self.session.file_notes)
        if before is None:
            candidates |= set(after.paths()) | set(self.published)
        else:
            candidates |= _touched_files(before, after)
        for path in candidates:
            try:
                self.publish(after, path, force=path in changed)
            except Exception:
                log.error("publishing diagnostics for %s failed", path, exc_info=True)
        live = sum(len(key[0]) for key in self.published.values())
        if len(self._converted) > 2 * live + 1000:  # forget problems no file has any more
            kept = {id(p) for key in self.published.values() for p in key[0]}
            self._converted = {k: v for k, v in self._converted.items() if k in kept}

    def republish_all(self) -> None:
        """Publish every file whose diagnostics read differently now (the severities changed)."""
        snapshot = self.session.snapshot
        if snapshot is None:
            return
        for path in set(snapshot.paths()) | set(self.published):
            self.publish(snapshot, path, force=False)

    def publish(self, snapshot: Snapshot, path: Path, *, force: bool) -> None:
        problems = snapshot.problems_for(path)  # each once, in position order
        note = self.session.file_notes.get(path)
        key = (tuple(problems), note, self.session.settings.severities)
        previous = self.published.get(path)
        version = self.session.version_of(path)
        # An open document's new version is always published, so the client knows the
        # diagnostics it holds are current; other files only when their problems changed.
        force = force and version is not None
        if not force and previous == key:
            return
        if previous is None and not problems and note is None and not force:
            return
        self.published[path] = key
        overrides = self.session.settings.severities
        self._check_epoch()
        converted = [
            self.converted(p)
            for p in problems
            if p.code not in overrides or overrides[p.code] is not None
        ]
        if note is not None:
            diagnostic = {
                "range": self.session.positions.range_json(NOWHERE, None),
                "message": note,
                "severity": int(types.DiagnosticSeverity.Warning),
                "source": SOURCE,
            }
            converted.append((diagnostic, json.dumps(diagnostic, separators=(",", ":"))))
        uri = self.session.uri_of(path)
        protocol = getattr(self.session.server, "protocol", None)
        send_encoded = getattr(protocol, "send_encoded", None)
        if send_encoded is not None:  # the JSON text of each diagnostic, joined
            version_json = "" if version is None else f',"version":{int(version)}'
            params = (
                f'{{"uri":{json.dumps(uri)}{version_json},"diagnostics":['
                + ",".join(text for _, text in converted)
                + "]}"
            )
            if send_encoded(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params):
                return
        self.session.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, diagnostics=JsonArray(d for d, _ in converted), version=version
            )
        )

    def _check_epoch(self) -> None:
        """Forget every conversion when what they all depend on changed."""
        session = self.session
        epoch = (session.positions.encoding, session.uri_generation, session.settings.severities)
        if epoch != self._epoch:
            self._epoch = epoch
            self._converted.clear()

    def converted(self, problem: Problem) -> tuple[dict[str, Any], str]:
        """`diagnostic(problem)` and its JSON text, reused while the problem and where it
        points are unchanged (call `_check_epoch` first)."""
        session = self.session
        location = problem.location
        fingerprint = (
            (location.line, location.column, location.end_line, location.end_column)
            if location is not None
            else None,
            tuple(
                (
                    r.location.path,
                    r.location.line,
                    r.location.column,
                    r.location.end_line,
                    r.location.end_column,
                    _text_key(session.lines(r.location.path)),
                )
                for r in problem.related
                if r.location.path
            )
            if problem.related
            else (),
            _text_key(session.lines(location.path)) if location and location.path else None,
        )
        known = self._converted.get(id(problem))
        if known is not None and known[0] is problem and known[1] == fingerprint:
            return known[2], known[3]
        made = self.diagnostic(problem)
        text = json.dumps(made, separators=(",", ":"))
        self._converted[id(problem)] = (problem, fingerprint, made, text)
        return made, text

    def diagnostic(self, problem: Problem) -> dict[str, Any]:
        """A problem as a protocol `Diagnostic`, in its JSON form (see `convert.JsonArray`)."""
        session = self.session
        severity = _SEVERITY.get(problem.severity, types.DiagnosticSeverity.Error)
        severity = session.settings.severities.get(problem.code) or severity
        location = problem.location
        out: dict[str, Any] = {
            "range": session.positions.range_json(location, session.lines(location.path))
            if location is not None and location.path
            else session.positions.range_json(NOWHERE, None),
            "message": problem.message,
            "severity": int(severity),
            "code": problem.code.value,
            "source": SOURCE,
        }
        related = [
            {
                "location": {
                    "uri": session.uri_of(r.location.path),
                    "range": session.positions.range_json(
                        r.location, session.lines(r.location.path)
                    ),
                },
                "message": r.message,
            }
            for r in problem.related
            if r.location.path
        ]
        if related:
            out["relatedInformation"] = related
        return out


def _text_key(lines: SourceLines | None) -> object:
    """What a column conversion depends on: nothing for ASCII text, else the text itself."""
    return None if lines is None or lines.ascii else lines


def _touched_files(before: Snapshot, after: Snapshot) -> set[Path]:
    """Files whose graph problems may differ: those of relinked dataflows whose problems did.

    Comparing each file's problems per dataflow needs no file-system access, so a keystroke in
    one module of a large dataflow publishes that module and whatever its change reached.
    """
    old = {view.name: view for view in before.dataflows}
    new = {view.name: view for view in after.dataflows}
    touched: set[Path] = set()
    for view in _relinked(before, after):
        previous, current = old.get(view.name), new.get(view.name)
        paths = {*view.paths, *(path for path, _ in view.drivers)}
        if previous is None or current is None:
            touched |= paths
            continue
        paths |= {*previous.paths, *(path for path, _ in previous.drivers)}
        for path in paths:
            key = str(path)
            if previous.problems_by_path.get(key, ()) != current.problems_by_path.get(key, ()):
                touched.add(path)
    return touched


def _relinked(before: Snapshot, after: Snapshot) -> list[DataflowView]:
    """Dataflows whose graph (and so whose problems) may differ between two snapshots."""
    old = {view.name: view for view in before.dataflows}
    new = {view.name: view for view in after.dataflows}
    out = [v for name, v in old.items() if name not in new]
    for name, view in new.items():
        previous = old.get(name)
        if previous is None or not (
            previous is view or (previous.graph is view.graph and previous.drivers == view.drivers)
        ):
            out.append(view)
    return out


def register(server: LanguageServer, session: Session) -> DiagnosticsPublisher:
    publisher = DiagnosticsPublisher(session)
    session.listeners.append(publisher)
    return publisher


__all__: Sequence[str] = ("DiagnosticsPublisher", "register")
