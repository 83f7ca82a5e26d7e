"""`livedag/graph` for a module in several dataflows: it lists them, and draws the one asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import LanguageClient

from tests.lsp.lsp_harness import open_file

pytestmark = pytest.mark.asyncio

SHARED = """
def base(raw: int) -> int:
    return raw
"""
DRIVER = """
from hamilton import driver
import shared, {extra}

dr = driver.Builder().with_modules(shared, {extra}).build()
"""
EXTRA = """
def {name}(base: int) -> int:
    return base
"""
FILES = {
    "shared.py": SHARED,
    "extra_a.py": EXTRA.format(name="only_in_a"),
    "extra_b.py": EXTRA.format(name="only_in_b"),
    "run_a.py": DRIVER.format(extra="extra_a"),
    "run_b.py": DRIVER.format(extra="extra_b"),
}


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.mark.files(FILES)
async def test_a_shared_module_lists_its_dataflows_and_draws_the_chosen_one(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "shared.py")
    first = _plain(await client.protocol.send_request_async("livedag/graph", {"uri": uri}))
    a = f"driver:{(workspace / 'run_a.py').resolve()}"
    b = f"driver:{(workspace / 'run_b.py').resolve()}"
    assert sorted(first["dataflows"]) == sorted([a, b])
    other = b if first["dataflow"] == a else a
    chosen = _plain(
        await client.protocol.send_request_async("livedag/graph", {"uri": uri, "dataflow": other})
    )
    assert chosen["dataflow"] == other
    names = {n["name"] for n in chosen["nodes"]}
    assert ("only_in_b" if other == b else "only_in_a") in names
    assert ("only_in_a" if other == b else "only_in_b") not in names
    # a name the document is not in: its first dataflow, as without the parameter
    unknown = _plain(
        await client.protocol.send_request_async(
            "livedag/graph", {"uri": uri, "dataflow": "driver:/elsewhere.py"}
        )
    )
    assert unknown["dataflow"] == first["dataflow"]
