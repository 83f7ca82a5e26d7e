"""`livedag report`: per tagged source, what it reaches, whose, and the policies in force."""

from __future__ import annotations

import json
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.policies.sample_project import FEATURES, LOADING, REPORTS, write

Run = Callable[..., Any]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    reports = REPORTS.replace("domain: pd.Series)", "age_bucket: pd.Series)")
    write(tmp_path, loading=LOADING, features=FEATURES, reports=reports)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_json_per_source(livedag: Run, project: Path) -> None:
    result = livedag("report", "--format", "json")
    assert result.code == 0, result.err
    (flow,) = json.loads(result.out)["dataflows"]
    assert flow["dataflow"] == "flow"
    by_node = {s["node"]: s for s in flow["sources"]}
    assert set(by_node) == {"age", "email"}  # the PII-tagged columns
    age = by_node["age"]
    assert age["pii"] and age["artifacts"] == ["public_report"] and age["owners"] == ["bi"]
    assert age["reaches"] == 2  # age_bucket, public_report
    assert age["policies"] == ["pii-stays-internal (its data must not reach)"]
    assert [p["name"] for p in flow["policies"]] == ["pii-stays-internal"]
    (violation,) = flow["violations"]
    assert violation["path"] == "features.py" and "pii-stays-internal" in violation["message"]


def test_markdown_and_html(livedag: Run, project: Path) -> None:
    text = livedag("report").out
    assert text.startswith("# Lineage compliance report")
    assert "| `age` | yes | PII=true | 2 nodes | public_report | bi |" in text
    assert "**Policy violations (1)**" in text
    page = livedag("report", "--format", "html").out

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.cells: list[str] = []

        def handle_data(self, data: str) -> None:
            self.cells.append(data)

    parser = Cells()
    parser.feed(page)
    assert "age" in parser.cells and "public_report" in parser.cells
    assert page.rstrip().endswith("</html>")
