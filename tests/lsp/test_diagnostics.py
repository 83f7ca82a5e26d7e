"""Diagnostics end to end: a cycle typed across two files appears in both and clears when fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.lsp_harness import (
    RUN,
    STANDARD,
    codes,
    diagnostics_until,
    open_file,
    position,
    replace_text,
    until,
)

pytestmark = pytest.mark.asyncio

A = "def a_node(b_input: int) -> int:\n    return b_input\n"
A_CYCLE = "def a_node(b_node: int) -> int:\n    return b_node\n"
B = "def b_node(a_node: int) -> int:\n    return a_node\n"
CYCLE_RUN = """from hamilton import driver

import a
import b

dr = driver.Builder().with_modules(a, b).build()
dr.execute(["b_node"], inputs={"b_input": 1})
"""


@pytest.mark.files({"a.py": A, "b.py": B, "run.py": CYCLE_RUN})
async def test_cycle_across_two_files_appears_and_clears(
    client: LanguageClient, workspace: Path
) -> None:
    a = open_file(client, workspace / "a.py")
    b = (workspace / "b.py").as_uri()
    await diagnostics_until(client, a, lambda ds: "LD001" not in codes(ds))

    replace_text(client, a, A_CYCLE, version=2)
    in_a = await diagnostics_until(client, a, lambda ds: "LD001" in codes(ds))
    in_b = await diagnostics_until(client, b, lambda ds: "LD001" in codes(ds))

    cycle = next(d for d in in_a if d.code == "LD001")
    assert cycle.source == "livedag"
    assert cycle.severity == types.DiagnosticSeverity.Error
    assert "a_node" in cycle.message and "b_node" in cycle.message
    assert cycle.range.start == position(A_CYCLE, "b_node")  # the edge: a_node asks for b_node
    assert cycle.related_information
    assert any(r.location.uri == b for r in cycle.related_information)
    edge_in_b = next(d for d in in_b if d.code == "LD001")
    assert edge_in_b.range.start == position(B, "a_node:")
    if client.capabilities and _versioned(client.capabilities):
        assert client.diagnostics[a] is in_a

    replace_text(client, a, A, version=3)
    await diagnostics_until(client, a, lambda ds: "LD001" not in codes(ds))
    await diagnostics_until(client, b, lambda ds: "LD001" not in codes(ds))


def _versioned(capabilities: types.ClientCapabilities) -> bool:
    text = capabilities.text_document
    return bool(text and text.publish_diagnostics and text.publish_diagnostics.version_support)


TYPO_RUN = RUN.replace('"score", "age"', '"score", "agee"')


@pytest.mark.files({**STANDARD, "run.py": TYPO_RUN})
async def test_driver_problems_are_published_for_files_never_opened(
    client: LanguageClient, workspace: Path
) -> None:
    run = (workspace / "run.py").as_uri()
    found = await diagnostics_until(client, run, lambda ds: "LD009" in codes(ds))
    missing = next(d for d in found if d.code == "LD009")
    assert missing.range.start == position(TYPO_RUN, '"agee"', offset=1) or (
        missing.range.start == position(TYPO_RUN, '"agee"')
    )
    assert "age" in missing.message  # did you mean


@pytest.mark.files({**STANDARD, "run.py": TYPO_RUN})
@pytest.mark.options({"severities": {"LD009": "off", "LD002": "loud"}, "maxFileBytes": -1})
async def test_settings_are_validated_and_applied(client: LanguageClient, workspace: Path) -> None:
    await until(client, types.WINDOW_SHOW_MESSAGE, lambda: len(client.messages) >= 2)
    said = " ".join(m.message for m in client.messages)
    assert "livedag.severities.LD002" in said and "'loud'" in said
    assert "livedag.maxFileBytes" in said

    uri = open_file(client, workspace / "run.py")
    found = await diagnostics_until(client, uri, lambda ds: True)
    assert "LD009" not in codes(found)

    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"livedag": {"severities": {}}})
    )
    await diagnostics_until(client, uri, lambda ds: "LD009" in codes(ds))


async def test_indexing_reports_work_done_progress(client: LanguageClient, workspace: Path) -> None:
    caps = client.capabilities
    if not (caps and caps.window and caps.window.work_done_progress):
        pytest.skip("this client does not take server-initiated progress")

    def ended() -> bool:
        return any(
            isinstance(r[-1], types.WorkDoneProgressEnd)
            for r in client.progress_reports.values()
            if r
        )

    await until(client, types.PROGRESS, ended)
    (reports,) = [r for r in client.progress_reports.values() if r]
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert "livedag" in reports[0].title
    assert "3 files" in str(reports[-1].message)
