"""Decorators re-exported by an installed package: published at once, refined when jedi answers."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.lsp_harness import TIMEOUT, open_file, start

# A package the server's Python can import but that lies outside the workspace, as an installed
# team helper package would.  Made at import time: the server's environment is fixed per fixture.
SITE = Path(tempfile.mkdtemp(prefix="livedag-site-"))
(SITE / "teamdq").mkdir()
(SITE / "teamdq" / "__init__.py").write_text(
    "from hamilton.function_modifiers import extract_columns as ec, tag\n"
)

FLOW = """import pandas as pd
from teamdq import ec, tag


@tag(owner="x")
@ec("a", "b")
def frame(path: str) -> pd.DataFrame:
    return pd.read_csv(path)


def total(a: pd.Series, b: pd.Series) -> pd.Series:
    return a + b
"""

pytestmark = pytest.mark.asyncio

SERVER = [sys.executable, "-m", "livedag.server.lsp.server"]
ENV = {**os.environ, "PYTHONPATH": str(SITE)}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=ENV))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    (tmp_path / "flow.py").write_text(FLOW)
    await start(lsp_client, tmp_path, "visual_studio_code")
    yield
    await lsp_client.shutdown_session()


async def test_re_exported_decorators_are_resolved_in_the_background(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_file(client, tmp_path / "flow.py")
    changed = asyncio.Event()

    @client.feature("livedag/graphChanged")
    def on_change(params: Any) -> None:
        changed.set()

    async def kinds() -> dict[str, str]:
        graph = await client.protocol.send_request_async("livedag/graph", {"uri": uri})
        if graph is None:  # until jedi answers, nothing marks flow.py as a dataflow
            return {}
        return {n.name: n.kind for n in graph.nodes}  # pygls hands JSON objects as namedtuples

    found: dict[str, str] = {}
    for _ in range(10):
        changed.clear()
        found = await kinds()
        if found.get("a") == "function":
            break
        await asyncio.wait_for(changed.wait(), TIMEOUT)
    assert found["a"] == "function" and found["b"] == "function"  # made by teamdq's `ec`
    assert found["path"] == "input"
