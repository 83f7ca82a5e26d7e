"""A policy violation typed in a consumer module lights up the parameter that made it (LD011)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.lsp_harness import codes, diagnostics_until, open_file, position, replace_text
from tests.policies.sample_project import FEATURES, LOADING, PII_POLICY, REPORTS

pytestmark = pytest.mark.asyncio

PYPROJECT = (
    '[[tool.livedag.dataflows]]\nname = "flow"\nmodules = ["loading", "features", "reports"]\n'
    + textwrap.dedent(PII_POLICY)
)
FILES = {
    "pyproject.toml": PYPROJECT,
    "loading.py": textwrap.dedent(LOADING).lstrip(),
    "features.py": textwrap.dedent(FEATURES).lstrip(),
    "reports.py": textwrap.dedent(REPORTS).lstrip(),
}


@pytest.mark.files(FILES)
async def test_a_new_parameter_in_a_consumer_module_is_flagged_there(
    client: LanguageClient, workspace: Path
) -> None:
    features = open_file(client, workspace / "features.py")
    await diagnostics_until(client, features, lambda ds: "LD011" not in codes(ds))

    typed = FILES["features.py"].replace(
        "def domain(city: pd.Series)", "def domain(city: pd.Series, email: pd.Series)"
    )
    replace_text(client, features, typed, version=2)
    found = await diagnostics_until(client, features, lambda ds: "LD011" in codes(ds))
    (violation,) = [d for d in found if d.code == "LD011"]
    assert violation.range.start == position(typed, "email: pd.Series)", nth=1)  # in domain()
    assert "policy pii-stays-internal" in violation.message
    assert "`email` (PII=true) reaches `public_report`" in violation.message
    related = violation.related_information or []
    assert [r.location.uri.rsplit("/", 1)[1] for r in related] == [
        "loading.py",
        "features.py",
        "reports.py",
    ]

    replace_text(client, features, FILES["features.py"], version=3)
    await diagnostics_until(client, features, lambda ds: "LD011" not in codes(ds))


def plain(value: Any) -> Any:
    """pygls's answer objects as dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


@pytest.mark.files(FILES)
async def test_hover_and_the_graph_say_which_policies_a_node_is_subject_to(
    client: LanguageClient, workspace: Path
) -> None:
    reports = open_file(client, workspace / "reports.py")
    text = FILES["reports.py"]
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=reports),
            position=position(text, "def public_report", offset=5),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert (
        "**Policies** `pii-stays-internal` (must_not_reach): PII=true must not reach "
        "visibility=public unless through anonymizer=true" in hover.contents.value
    )
    graph = plain(await client.protocol.send_request_async("livedag/graph", {"uri": reports}))
    (policy,) = graph["policies"]
    nodes = policy["nodes"]
    assert policy["name"] == "pii-stays-internal" and policy["kind"] == "must_not_reach"
    assert nodes["public_report"] == ["must_not_reach"]
    assert nodes["email"] == ["from"] and nodes["email_hash"] == ["unless_through"]
    assert "age_bucket" not in nodes
