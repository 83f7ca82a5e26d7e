"""Client columns are found on the line the analyzer means, whatever ends the lines before it."""

from __future__ import annotations

from livedag.server.analyzer import analyze_source
from livedag.server.lsp.convert import Positions, SourceLines


def test_a_syntax_error_after_a_lone_carriage_return_has_its_utf16_column() -> None:
    text = "s = 'é'\rdef f(a: int) -> int:\n    return {a]\n"
    (problem,) = analyze_source(text, module="m").problems
    assert problem.location is not None
    rng = Positions("utf-16").range_json(problem.location, SourceLines(text))
    assert (rng["start"]["line"], rng["start"]["character"]) == (2, 13)


def test_columns_after_crlf_and_lone_cr_lines() -> None:
    text = "a = 'é'\r\nb = '😀'\rc = '😀'; d = 1\n"
    lines = SourceLines(text)
    assert lines.line_count() == 4
    column = "c = '😀'; d".index("d")
    assert Positions("utf-16").to_client(lines, 2, column) == column + 1
    assert Positions("utf-16").from_client(lines, 2, column + 1) == column
