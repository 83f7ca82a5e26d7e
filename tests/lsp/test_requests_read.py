"""Requests read, notifications write (docs/design.md, "Requests and notifications").

A request that arrives while an edit waits for analysis answers against the edited text, but it
publishes nothing: the edit's diagnostics come from the notification side.  The debounce is set
to ten minutes so that nothing but a request or a notification can flush the edit while the test
runs: a diagnostic that reaches the client before the notification must have come from a request.
The server writes whatever a request publishes before the request's answer, and the client
handles messages in order, so checking right after each answer is enough (no waiting, no sleep).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.lsp_harness import FEATURES, diagnostics_until, open_file, position, replace_text

pytestmark = pytest.mark.asyncio

NEVER_MS = 600_000  # no debounced flush while the test runs


def _added(name: str) -> str:
    """A function without annotations: LD005 names it once it is analysed and published."""
    return f"\n\ndef {name}(income):\n    return income\n"


def _published_about(client: LanguageClient, uri: str, name: str) -> bool:
    return any(name in d.message for d in client.diagnostics.get(uri, ()))


@pytest.mark.options({"debounceMs": NEVER_MS})
async def test_requests_answer_the_latest_text_without_publishing(
    client: LanguageClient, workspace: Path
) -> None:
    # Wait for the first indexing (it publishes, as a notification would) before editing.
    await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="people"))
    uri = open_file(client, workspace / "features.py")
    document = types.TextDocumentIdentifier(uri=uri)

    async def hover(name: str, at: types.Position) -> bool:
        found = await client.text_document_hover_async(types.HoverParams(document, at))
        return found is not None and name in str(found.contents)

    async def definition(name: str, at: types.Position) -> bool:
        found = await client.text_document_definition_async(types.DefinitionParams(document, at))
        lines = [loc.range.start.line for loc in found or [] if isinstance(loc, types.Location)]
        return at.line in lines

    async def graph(name: str, at: types.Position) -> bool:
        found = await client.protocol.send_request_async("livedag/graph", {"uri": uri})
        return name in {node.name for node in found.nodes}

    requests: list[tuple[str, Callable[[str, types.Position], Awaitable[bool]]]] = [
        ("added_by_hover", hover),
        ("added_by_definition", definition),
        ("added_by_graph", graph),
    ]
    text = FEATURES
    for version, (name, request) in enumerate(requests, start=2):
        text += _added(name)
        replace_text(client, uri, text, version=version)
        assert await request(name, position(text, f"def {name}", offset=5)), (
            f"the answer reflects the edit adding {name}, which the request arrived after"
        )
        assert not _published_about(client, uri, name), (
            f"a request published diagnostics: {name}'s appeared before any notification"
        )

    # A notification publishes whatever is pending (this one changes no setting).
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"livedag": {"debounceMs": NEVER_MS}})
    )
    found = await diagnostics_until(
        client, uri, lambda ds: all(_published_about(client, uri, n) for n, _ in requests)
    )
    assert {str(d.code) for d in found if any(n in d.message for n, _ in requests)} == {"LD005"}
