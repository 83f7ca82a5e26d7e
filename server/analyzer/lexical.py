"""Where string literals begin and end, without the parser.

A module with a syntax error is split at column-0 lines (`blocks.py`).  A triple-quoted string
may hold column-0 lines (a docstring's example, a module-level SQL query): split there, it would
be torn into statements, and text inside it would show up as functions.  These scans tell the
splitter that a piece of text ends inside such a string and where the string closes.  They know
comments, single-quoted strings (which end at the line end at the latest) and backslash escapes;
that is all the lexical knowledge a string's extent needs.
"""

from __future__ import annotations

import re

_LEXEME = re.compile(r"#|\"\"\"|'''|\"|'")


def closing_quote(text: str, pos: int, delimiter: str, end: int | None = None) -> int:
    """The offset just past the unescaped `delimiter` that closes a string whose body starts at
    `pos`, or -1 when it is not closed before `end` (the end of `text`)."""
    end = len(text) if end is None else end
    at = text.find(delimiter, pos, end)
    while at >= 0:
        backslashes = 0
        while at - backslashes - 1 >= pos and text[at - backslashes - 1] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return at + len(delimiter)
        at = text.find(delimiter, at + 1, end)
    return -1


def open_triple_quote(text: str, pos: int = 0) -> int:
    """The offset of a triple-quoted string's opening delimiter when `text`, read from `pos`
    (outside any string), ends inside that string; -1 when it ends outside strings."""
    while True:
        match = _LEXEME.search(text, pos)
        if match is None:
            return -1
        lexeme, start = match.group(), match.end()
        if lexeme == "#":
            pos = text.find("\n", start)
            if pos < 0:
                return -1
            continue
        if len(lexeme) == 3:
            pos = closing_quote(text, start, lexeme)
            if pos < 0:
                return match.start()
            continue
        pos = _single_quote_end(text, start, lexeme)


def _single_quote_end(text: str, pos: int, quote: str) -> int:
    """Past the end of a single-quoted string whose body starts at `pos`: its closing quote, or
    the end of its line when it is never closed (the parser reports that; it tears nothing)."""
    line_end = text.find("\n", pos)
    if line_end < 0:
        line_end = len(text)
    at = closing_quote(text, pos, quote, line_end)
    return at if at >= 0 else line_end


def has_triple_quote(text: str) -> bool:
    return '"""' in text or "'''" in text
