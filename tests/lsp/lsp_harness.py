"""End-to-end harness: the real server over stdio, driven with VS Code's and Neovim's capabilities.

Imported by name (`from lsp_harness import ...`); conftest.py only registers its fixtures.

A test's workspace is written to a temporary folder (the files of `@pytest.mark.files(...)`, or the
standard three-file dataflow below); the client fixture starts `livedag serve`, initializes it on
that folder and shuts it down afterwards.  Waiting is always for a notification, never a sleep.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = [sys.executable, "-m", "livedag.server.lsp.server"]
CLIENTS = ["visual_studio_code", "neovim"]
TIMEOUT = 20.0

FEATURES = '''"""Features of people."""

import pandas as pd
from hamilton.function_modifiers import extract_columns, parameterize, source, tag, value


@tag(source="crm", owner="data-eng")
def people(people_path: str) -> pd.DataFrame:
    """People as loaded from the CRM export."""
    return pd.read_csv(people_path)


@extract_columns("age", "income", "email")
def people_columns(people: pd.DataFrame) -> pd.DataFrame:
    """The columns we use."""
    return people


@tag(pii="true")
def contact(email: pd.Series) -> pd.Series:
    """How to reach a person."""
    return email


@tag(owner="data-science")
def age_normalized(age: pd.Series, contact: pd.Series) -> pd.Series:
    """Zero mean unit variance age."""
    return (age - age.mean()) / age.std()


@parameterize(income_scaled=dict(x=source("income"), k=value(2)))
def scaled(x: pd.Series, k: int) -> pd.Series:
    """Scaled {x}."""
    return x * k
'''

MODEL = '''"""The model."""

import pandas as pd


def score(age_normalized: pd.Series, income_scaled: pd.Series) -> pd.Series:
    """The churn score."""
    return age_normalized + income_scaled
'''

RUN = """from hamilton import driver

import features
import model

dr = driver.Builder().with_modules(features, model).build()
print(dr.execute(["score", "age"], inputs={"people_path": "people.csv"}))
"""

STANDARD = {"features.py": FEATURES, "model.py": MODEL, "run.py": RUN}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "files(mapping): the workspace files of an LSP test")
    config.addinivalue_line("markers", "options(value): initializationOptions of an LSP test")


@pytest.fixture
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    marker = request.node.get_closest_marker("files")
    files: dict[str, str] = marker.args[0] if marker else STANDARD
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return tmp_path


def initialize_params(workspace: Path, client: str, options: Any = None) -> types.InitializeParams:
    uri = workspace.as_uri()
    return types.InitializeParams(
        capabilities=client_capabilities(client),
        root_uri=uri,
        workspace_folders=[types.WorkspaceFolder(uri=uri, name=workspace.name)],
        initialization_options=options,
    )


async def start(
    lsp_client: LanguageClient, workspace: Path, client_name: str, options: Any = None
) -> None:
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        """Accept the server's file watcher, as editors do."""

    # Refresh requests are accepted, as editors do, and noted for the tests that wait for one.
    refreshed = {
        types.WORKSPACE_CODE_LENS_REFRESH: asyncio.Event(),
        types.WORKSPACE_INLAY_HINT_REFRESH: asyncio.Event(),
    }
    lsp_client.refreshed = refreshed  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(params: None) -> None:
        refreshed[types.WORKSPACE_CODE_LENS_REFRESH].set()

    @lsp_client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def inlay_hint_refresh(params: None) -> None:
        refreshed[types.WORKSPACE_INLAY_HINT_REFRESH].set()

    result = await lsp_client.initialize_session(initialize_params(workspace, client_name, options))
    lsp_client.initialize_result = result  # type: ignore[attr-defined]  (the server's capabilities)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), params=CLIENTS)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest, workspace: Path):
    """A fresh server on this test's workspace (for tests that change things)."""
    marker = request.node.get_closest_marker("options")
    await start(lsp_client, workspace, request.param, marker.args[0] if marker else None)
    yield
    await lsp_client.shutdown_session()


@pytest.fixture(scope="module")
def shared_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    for name, text in STANDARD.items():
        (root / name).write_text(text)
    return root


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER), params=CLIENTS, scope="module"
)
async def shared_client(
    lsp_client: LanguageClient, request: pytest.FixtureRequest, shared_workspace: Path
):
    """One server per module and client on the standard workspace (for read-only tests)."""
    await start(lsp_client, shared_workspace, request.param)
    yield
    await lsp_client.shutdown_session()


# --- helpers ---------------------------------------------------------------------------------


def position(text: str, needle: str, nth: int = 0, offset: int = 0) -> types.Position:
    """The position of the `nth` occurrence of `needle` in `text`, plus `offset` characters."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    index += offset
    line = text.count("\n", 0, index)
    return types.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


def open_file(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text or path.read_text()
            )
        )
    )
    return uri


def replace_text(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def until(
    client: LanguageClient,
    method: str,
    done: Callable[[], bool],
    timeout: float = TIMEOUT,
) -> None:
    """Wait for notifications of `method` until `done()` holds."""

    async def wait() -> None:
        while not done():
            await client.wait_for_notification(method)

    await asyncio.wait_for(wait(), timeout)


async def diagnostics_until(
    client: LanguageClient,
    uri: str,
    done: Callable[[Sequence[types.Diagnostic]], bool],
) -> Sequence[types.Diagnostic]:
    await until(
        client,
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        lambda: uri in client.diagnostics and done(client.diagnostics[uri]),
    )
    return client.diagnostics[uri]


def codes(diagnostics: Sequence[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)
