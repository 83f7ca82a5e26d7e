"""Locations count code points; LSP counts UTF-16 units; the converters agree on any text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from livedag.server.analyzer import (
    TextLines,
    analyze_source,
    document_lines,
    from_utf16_column,
    line_count,
    to_utf16_column,
)

from tests.analyzer.helpers import functions


def test_ascii_is_identity() -> None:
    assert to_utf16_column("def f(x):", 4) == 4
    assert from_utf16_column("def f(x):", 4) == 4


def test_astral_characters_count_twice_in_utf16() -> None:
    line = "x = '😀😀'; y"
    assert to_utf16_column(line, line.index("y")) == line.index("y") + 2
    assert from_utf16_column(line, line.index("y") + 2) == line.index("y")


@given(st.text(max_size=30), st.integers(min_value=0, max_value=30))
def test_round_trip(line: str, column: int) -> None:
    column = min(column, len(line))
    assert from_utf16_column(line, to_utf16_column(line, column)) == column


def test_names_after_non_ascii_text_have_code_point_columns() -> None:
    spec = functions(
        "from hamilton.function_modifiers import extract_columns\n"
        "@extract_columns('äge', '😀x')\ndef f(é: int, b: int) -> int:\n    return b\n"
    )["f"]
    first, second = spec.decorators[0].args
    assert (first.location.column, second.location.column) == (17, 24)
    assert second.location.end_column == 28
    assert [p.location.column for p in spec.parameters] == [6, 14]
    assert (spec.location.line, spec.location.column, spec.location.end_column) == (3, 4, 5)


def test_lines_end_where_the_parser_ends_them() -> None:
    text = "s = 'é'\rdef f(a: int) -> int:\r\n    return {a]\n\x0cx = '\u2028'\n"
    assert document_lines(text) == [
        "s = 'é'",
        "def f(a: int) -> int:",
        "    return {a]",
        "\x0cx = '\u2028'",
        "",
    ]
    assert line_count(text) == 5 and line_count("") == 1 and line_count("a\r") == 2


def test_a_syntax_error_after_a_lone_carriage_return_and_non_ascii_text() -> None:
    text = "s = 'é'\rdef f(a: int) -> int:\n    return {a]\n"
    (problem,) = analyze_source(text, module="m").problems
    assert (problem.location.line, problem.location.column) == (3, 13)
    line = document_lines(text)[problem.location.line - 1]
    assert to_utf16_column(line, problem.location.column) == 13


_LINE_TEXTS = st.lists(st.sampled_from(["a", "é", "😀", " ", "\n", "\r", "\r\n", "#"])).map("".join)


@given(_LINE_TEXTS, st.integers(-12, 12), st.integers(-12, 12), st.sampled_from([None, 1, 2, -1]))
def test_text_lines_reads_as_the_split_lines_do(
    text: str, a: int, b: int, step: int | None
) -> None:
    """`TextLines` slices each line from the text: every read equals `document_lines`'."""
    split = document_lines(text)
    lines = TextLines(text)
    assert len(lines) == len(split) == line_count(text)
    assert list(lines) == split
    assert [lines[i] for i in range(len(split))] == split
    assert [lines[-i] for i in range(1, len(split) + 1)] == [
        split[-i] for i in range(1, len(split) + 1)
    ]
    assert lines[a:b:step] == split[a:b:step]
    assert lines.join(a, b) == "\n".join(split[a:b])
    assert lines.join(a) == "\n".join(split[a:])
    for bad in (len(split), -len(split) - 1):
        try:
            lines[bad]
        except IndexError:
            pass
        else:
            raise AssertionError(f"line {bad} of {len(split)} did not raise")
