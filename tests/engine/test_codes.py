"""The code catalogue: one member per code, read back from its spelling, and documented."""

from __future__ import annotations

import re
from pathlib import Path

from livedag.engine.codes import Code

DESIGN = Path(__file__).resolve().parents[2] / "docs" / "design.md"


def test_each_code_is_spelled_once_and_parses_back() -> None:
    spellings = [code.value for code in Code]
    assert len(set(spellings)) == len(spellings)
    for code in Code:
        assert re.fullmatch(r"LD\d{3}", code.value)
        assert Code.parse(code.value) is code and str(code) == code.value
    assert Code.parse("LD013") is None  # no such code
    assert Code.parse("ld001") is None and Code.parse("CYCLE") is None


def test_codes_sort_by_number() -> None:
    assert sorted([Code.ANALYSIS_FAILURE, Code.UNKNOWABLE, Code.CYCLE]) == [
        Code.CYCLE,
        Code.UNKNOWABLE,
        Code.ANALYSIS_FAILURE,
    ]


def test_design_doc_lists_every_code_with_its_name_and_severity() -> None:
    rows = {}
    for line in DESIGN.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\| (LD\d{3}) \| `(\w+)` \| ([^|]+) \|", line)
        if found:
            rows[found[1]] = (found[2], found[3].strip())
    assert set(rows) == {code.value for code in Code}
    for code in Code:
        name, severity = rows[code.value]
        assert name == code.name
        assert code.severity.value in severity
