"""Code lens commands: `↑ n upstream` and `↓ m downstream` are two lenses, each with a command.

The commands are the server's (`executeCommandProvider`): the VS Code extension runs them itself
(graph preview, references peek), any other client sends them back and the server answers with a
message naming the nodes, so clicking a lens never ends in "command not supported".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.lsp_harness import (
    FEATURES,
    diagnostics_until,
    open_file,
    position,
    replace_text,
)

pytestmark = pytest.mark.asyncio

COMMANDS = ["livedag.focusNode", "livedag.showConsumers"]


async def lenses_at(
    client: LanguageClient, uri: str, start: types.Position
) -> list[types.CodeLens]:
    """The resolved lenses of the function whose name starts at `start`, upstream first."""
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert lenses is not None
    here = [lens for lens in lenses if lens.range.start == start]
    assert all(lens.command is None for lens in here), "lenses are resolved lazily"
    return [await client.code_lens_resolve_async(lens) for lens in here]


def _target(command: types.Command) -> dict[str, Any]:
    assert command.arguments is not None and len(command.arguments) == 1
    target = command.arguments[0]
    assert isinstance(target, dict)
    return target


async def test_the_server_offers_the_lens_commands(client: LanguageClient) -> None:
    result: types.InitializeResult = client.initialize_result  # type: ignore[attr-defined]
    provider = result.capabilities.execute_command_provider
    assert provider is not None
    assert sorted(provider.commands) == COMMANDS


async def test_downstream_lens_carries_the_consumers_and_upstream_lens_the_node(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "features.py")
    start = position(FEATURES, "def contact", offset=4)
    up, down = await lenses_at(client, uri, start)
    assert up.command is not None and down.command is not None
    # contact <- email <- people_columns <- people <- people_path; -> age_normalized -> score
    assert up.command.title == "↑ 4 upstream"
    assert down.command.title == "↓ 2 downstream"
    assert up.command.command == "livedag.focusNode"
    assert down.command.command == "livedag.showConsumers"
    focus = _target(up.command)
    assert (focus["uri"], focus["node"]) == (uri, "contact")
    assert focus["position"] == {"line": start.line, "character": start.character}
    consumers = _target(down.command)
    assert (consumers["uri"], consumers["node"]) == (uri, "contact")
    # the one direct consumer: age_normalized's parameter `contact`
    assert consumers["locations"] == [
        {
            "uri": uri,
            "range": {
                "start": _json(
                    position(FEATURES, 'contact: pd.Series) -> pd.Series:\n    """Zero')
                ),
                "end": _json(position(FEATURES, ': pd.Series) -> pd.Series:\n    """Zero')),
            },
        }
    ]


def _json(at: types.Position) -> dict[str, int]:
    return {"line": at.line, "character": at.character}


async def test_lens_commands_run_on_the_server_for_other_clients(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "features.py")
    up, down = await lenses_at(client, uri, position(FEATURES, "def contact", offset=4))
    assert up.command is not None and down.command is not None
    client.messages.clear()
    where = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=down.command.command, arguments=down.command.arguments)
    )
    assert where == _target(down.command)["locations"]
    line = position(FEATURES, "def age_normalized").line + 1
    assert [m.message for m in client.messages] == [
        f"contact is used by 1: age_normalized (features.py:{line})"
    ]
    client.messages.clear()
    names = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=up.command.command, arguments=up.command.arguments)
    )
    assert names == ["email", "people", "people_columns", "people_path"]
    assert [m.message for m in client.messages] == [
        "contact depends on 4: email, people, people_columns, people_path "
        "(the tree: livedag lineage upstream contact)"
    ]


async def test_a_lens_command_on_a_node_that_is_gone_says_so(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "features.py")
    _, down = await lenses_at(client, uri, position(FEATURES, "def contact", offset=4))
    assert down.command is not None
    edited = FEATURES.replace("def contact(", "def reach(").replace(", contact:", ", reach:")
    replace_text(client, uri, edited, 2)
    await diagnostics_until(client, uri, lambda ds: True)
    client.messages.clear()
    where = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=down.command.command, arguments=down.command.arguments)
    )
    assert where == []
    (message,) = client.messages
    assert message.type == types.MessageType.Warning
    assert "'contact' is no longer a node" in message.message


VARIANTS = """from hamilton.function_modifiers import config


def region() -> str:
    return "eu"


@config.when(market="eu")
def weight__eu(region: str) -> float:
    return 2.0


@config.when_not(market="eu")
def weight__global(region: str) -> float:
    return 1.0
"""


@pytest.mark.files({"flow.py": VARIANTS})
async def test_a_variant_not_chosen_has_one_lens_that_says_so(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "flow.py")
    await diagnostics_until(client, uri, lambda ds: True)
    chosen = await lenses_at(client, uri, position(VARIANTS, "def weight__global", offset=4))
    assert [lens.command.title for lens in chosen if lens.command] == [
        "↑ 1 upstream",
        "↓ 0 downstream",
    ]
    (other,) = await lenses_at(client, uri, position(VARIANTS, "def weight__eu", offset=4))
    assert other.command is not None
    assert (other.command.title, other.command.command) == ("makes no node in this dataflow", "")
