"""A long day of edits keeps no stale version alive: caches that remember the last answer per
file must not pin the snapshot (every analysis and graph of that version) they came from."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from livedag.server.lsp.graph_index import GraphIndexes
from livedag.server.lsp.locate import Locator
from livedag.server.lsp.session import Session
from livedag.server.lsp.symbols import SymbolCache, encoded_document_symbols
from livedag.server.workspace import Snapshot, Workspace

from tests.lsp.lsp_harness import STANDARD


def _session(root: Path) -> tuple[Session, Workspace]:
    for name, text in STANDARD.items():
        (root / name).write_text(text)
    workspace = Workspace([root])
    session = Session(None)  # no client: nothing is sent
    session.workspace, session.snapshot = workspace, workspace.index()
    return session, workspace


def _live_snapshots() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Snapshot)


def test_lines_cache_does_not_pin_old_snapshots(tmp_path: Path) -> None:
    session, workspace = _session(tmp_path)
    model, features = (tmp_path / "model.py").resolve(), (tmp_path / "features.py").resolve()
    assert session.lines(features) is not None  # read once, then never again
    first = weakref.ref(session.snapshot)
    for k in range(20):  # only model.py is edited and read from now on
        session.snapshot = workspace.update(model, STANDARD["model.py"] + "\n" * (k % 3))
        assert session.lines(model) is not None
    assert first() is None
    assert _live_snapshots() <= 2  # the current one (and the workspace's own reference)
    lines = session.lines(features)  # still right after its snapshot went away
    assert lines is not None and lines.text == session.snapshot.module(features).text


def test_lines_before_any_snapshot_are_read_again_once_there_is_one(tmp_path: Path) -> None:
    session, workspace = _session(tmp_path)
    model = (tmp_path / "model.py").resolve()
    current = session.snapshot
    session.snapshot = None
    assert session.lines(model) is None
    session.snapshot = current
    assert session.lines(model) is not None


def test_locator_forgets_indexes_of_versions_gone(tmp_path: Path) -> None:
    session, workspace = _session(tmp_path)
    model, features = (tmp_path / "model.py").resolve(), (tmp_path / "features.py").resolve()
    locator = Locator(GraphIndexes())
    snapshot = session.snapshot
    view = snapshot.dataflows_for(features)[0]
    locator.index(snapshot, view, features)
    first, first_graph = weakref.ref(snapshot), weakref.ref(view.graph)
    del snapshot, view
    for k in range(20):  # requests on model.py only; features.py's index is of version 1
        extra = f"\n\ndef extra_{k}(people: int) -> int:\n    return people\n"
        session.snapshot = workspace.update(model, STANDARD["model.py"] + extra)
        current = session.snapshot
        locator.index(current, current.dataflows_for(model)[0], model)
    del current
    assert first() is None
    assert first_graph() is None  # the index of features.py no longer holds version 1's graph
    assert len(locator._cache) <= 2  # one per (dataflow, file) of the current version


def test_symbol_cache_does_not_pin_old_graphs(tmp_path: Path) -> None:
    session, workspace = _session(tmp_path)
    model, features = (tmp_path / "model.py").resolve(), (tmp_path / "features.py").resolve()
    cache = SymbolCache()
    before = encoded_document_symbols(session, session.snapshot, features, cache)
    first_graph = weakref.ref(session.snapshot.dataflows_for(features)[0].graph)
    assert encoded_document_symbols(session, session.snapshot, features, cache) is before
    for k in range(20):  # only model.py is edited and asked about from now on
        extra = f"\n\ndef extra_{k}(people: int) -> int:\n    return people\n"
        session.snapshot = workspace.update(model, STANDARD["model.py"] + extra)
        encoded_document_symbols(session, session.snapshot, model, cache)
    assert first_graph() is None
    again = encoded_document_symbols(session, session.snapshot, features, cache)
    assert again is not before and again.text == before.text  # the graph changed: same answer
