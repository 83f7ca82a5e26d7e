"""Bad input never crashes or hangs the server, and workspace code never runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.lsp_harness import FEATURES, diagnostics_until, open_file, position, replace_text

pytestmark = pytest.mark.asyncio


def _hover_params(uri: str, line: int, character: int) -> types.HoverParams:
    return types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
    )


async def _still_serving(client: LanguageClient, uri: str) -> None:
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position(FEATURES, "def contact", offset=5),
        )
    )
    assert hover is not None


async def test_out_of_range_unseen_and_closed_documents_get_empty_answers(
    client: LanguageClient, workspace: Path
) -> None:
    features = open_file(client, workspace / "features.py")
    assert await client.text_document_hover_async(_hover_params(features, 10_000, 0)) is None
    assert await client.text_document_hover_async(_hover_params(features, 3, 10_000)) is None
    unseen = (workspace / "nowhere.py").as_uri()
    assert await client.text_document_hover_async(_hover_params(unseen, 0, 0)) is None
    assert (
        await client.text_document_definition_async(
            types.DefinitionParams(
                text_document=types.TextDocumentIdentifier(uri="untitled:Untitled-1"),
                position=types.Position(line=0, character=0),
            )
        )
        is None
    )
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=features))
    )
    await _still_serving(client, features)  # closed: answered from the file on disk


async def test_binary_huge_and_deeply_nested_files_are_survived(
    client: LanguageClient, workspace: Path
) -> None:
    features = (workspace / "features.py").as_uri()

    binary = open_file(client, workspace / "blob.py", "\x00\x01\x02PK\x03\x04" * 100)
    await diagnostics_until(client, binary, lambda ds: True)
    await _still_serving(client, features)

    nested = "x = " + "(" * 500 + "1" + ")" * 500 + "\n\ndef deep() -> int:\n    return x\n"
    deep = open_file(client, workspace / "deep.py", nested)
    await diagnostics_until(client, deep, lambda ds: True)
    await _still_serving(client, features)

    huge_text = "def f() -> int:\n    return 1\n" + "# padding\n" * 1_100_000
    huge = open_file(client, workspace / "huge.py", huge_text)
    found = await diagnostics_until(client, huge, lambda ds: len(ds) > 0)
    assert "livedag.maxFileBytes" in found[0].message
    replace_text(client, huge, huge_text + "# more\n", version=2)
    await _still_serving(client, features)


CREATES_A_FILE = '''"""A module that must never be imported by the editor."""
import pathlib
import sys

pathlib.Path(__file__).with_name("IMPORTED").write_text("side effect")
sys.exit(3)


def value() -> int:
    return 1


def doubled(value: int) -> int:
    return value * 2
'''


@pytest.mark.files({"effects.py": CREATES_A_FILE})
async def test_workspace_code_is_never_run(client: LanguageClient, workspace: Path) -> None:
    uri = open_file(client, workspace / "effects.py")
    await diagnostics_until(client, uri, lambda ds: True)
    replace_text(client, uri, CREATES_A_FILE + "\n\ndef tripled(value: int) -> int:\n", 2)
    await diagnostics_until(client, uri, lambda ds: any(d.code == "LD007" for d in ds))
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position(CREATES_A_FILE, "def doubled", offset=5),
        )
    )
    assert hover is not None and "doubled: int" in str(hover.contents)
    assert not (workspace / "IMPORTED").exists()
