"""Open documents follow `didChange` as the protocol describes it, at the cost of the change.

A reference applies each change the slow, obvious way (split the text into protocol lines, convert
the columns, join); `OpenText` must give the same text, and line starts equal to counting them
afresh, after any sequence of edits, with mixed line endings, non-ASCII text, and positions past
the end of a line or of the document.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from livedag.server.lsp.open_texts import OpenText, OpenTexts
from lsprotocol import types

ENCODINGS = ["utf-16", "utf-8", "utf-32"]
PIECES = ["a", "def f(x):", "é", "😀", "\n", "\r\n", "\r", " ", "ß\n", "x\r"]


def _lines(text: str) -> list[str]:
    """Protocol lines with their endings (the last one may be empty)."""
    return re.split(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)", text)


def _units(text: str, encoding: str) -> int:
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text)


def _reference_offset(text: str, line: int, character: int, encoding: str) -> int:
    lines = _lines(text)
    if line >= len(lines):
        return len(text)
    before = sum(len(x) for x in lines[:line])
    content = lines[line].rstrip("\r\n")
    # The first code point boundary at or past the column: a column inside a character (half
    # a surrogate pair, or inside a UTF-8 sequence) counts as after it, as `convert` reads it.
    for index in range(len(content) + 1):
        if _units(content[:index], encoding) >= character:
            return before + index
    return before + len(content)


def _position(text: str, offset: int, encoding: str) -> tuple[int, int]:
    lines = _lines(text)
    for number, line in enumerate(lines):
        if offset <= len(line.rstrip("\r\n")):
            return number, _units(line[:offset], encoding)
        offset -= len(line)
        if offset < 0:
            return number, _units(line.rstrip("\r\n"), encoding)
    return len(lines) - 1, _units(lines[-1], encoding)


def _starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]


def _change(
    line: int, char: int, end_line: int, end_char: int, new: str
) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=line, character=char),
            end=types.Position(line=end_line, character=end_char),
        ),
        text=new,
    )


texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
edits = st.lists(
    st.tuples(
        st.integers(0, 60),
        st.integers(0, 60),
        texts,
        st.booleans(),  # also a position past the end of its line or of the document
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(start=texts, history=edits, encoding=st.sampled_from(ENCODINGS))
def test_changes_apply_as_the_protocol_says(
    start: str, history: list[tuple[int, int, str, bool]], encoding: str
) -> None:
    document = OpenText(start)
    expected = start
    for a, b, new, overshoot in history:
        a, b = sorted((min(a, len(expected)), min(b, len(expected))))
        (line, char), (end_line, end_char) = (
            _position(expected, a, encoding),
            _position(expected, b, encoding),
        )
        if overshoot:
            end_char += 5
        lo = _reference_offset(expected, line, char, encoding)
        hi = max(_reference_offset(expected, end_line, end_char, encoding), lo)
        expected = expected[:lo] + new + expected[hi:]
        document.apply(_change(line, char, end_line, end_char, new), encoding)
        assert document.text == expected
        assert document.starts() == _starts(expected)


def test_a_line_past_the_end_means_the_end_of_the_document() -> None:
    document = OpenText("a\nb")
    document.apply(_change(7, 0, 9, 3, "!"), "utf-16")
    assert document.text == "a\nb!"


def test_a_carriage_return_pairs_with_an_inserted_line_feed() -> None:
    document = OpenText("x\ry\n")
    document.apply(_change(1, 0, 1, 0, "\n"), "utf-16")  # "x\r\ny\n": the CR now ends a CRLF
    assert document.text == "x\r\ny\n"
    assert document.starts() == [0, 3, 5]


def test_a_whole_text_change_replaces_everything() -> None:
    texts = OpenTexts()
    texts.open("file:///m.py", "old\n", 1)
    texts.change("file:///m.py", 2, [types.TextDocumentContentChangeWholeDocument(text="new")])
    assert texts.text("file:///m.py") == "new"
    assert not texts.change("file:///other.py", 1, [])  # never opened: nothing to change
