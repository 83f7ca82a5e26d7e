"""The editor's saves reach the on-disk analysis cache: a saved module's analysis is written a
moment after the save, and at shutdown every module edited since indexing whose buffer is what
the file holds (edited, then saved by another program, say) is written too."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from livedag.server.analysis_cache import AnalysisCache
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.lsp_harness import MODEL, open_file, replace_text

pytestmark = pytest.mark.asyncio

SAVED = MODEL + "\n\ndef saved_today(age_normalized: float) -> float:\n    return age_normalized\n"
SHUT = MODEL + "\n\ndef edited_today(age_normalized: float) -> float:\n    return age_normalized\n"


@pytest.fixture
def cache_folder(
    workspace: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The cache on, in a folder of this test's (set before the server starts).  After the
    server has shut down: the module edited but never saved through the editor was kept."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("LIVEDAG_CACHE_DIR", str(folder))
    monkeypatch.delenv("LIVEDAG_NO_CACHE", raising=False)
    yield folder
    model = str((workspace / "model.py").resolve())
    kept = AnalysisCache(folder).load("model", model, SHUT)
    assert kept is not None, "the module edited today was not written to the cache at shutdown"


async def test_a_save_and_the_shutdown_write_analyses(
    cache_folder: Path, client: LanguageClient, workspace: Path
) -> None:
    model = workspace / "model.py"
    uri = open_file(client, model)
    replace_text(client, uri, SAVED, 2)
    model.write_text(SAVED)  # what the editor does on a save, then it says so
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    cache = AnalysisCache(cache_folder)
    for _ in range(200):  # the write comes a moment after the save: wait for it, not a sleep
        entry = cache.load("model", str(model.resolve()), SAVED)
        if entry is not None:
            break
        await asyncio.sleep(0.05)
    assert entry is not None and entry.analysis.text == SAVED
    # edited in the editor, then written by another program: kept at shutdown (see fixture)
    replace_text(client, uri, SHUT, 3)
    model.write_text(SHUT)
