"""Column conversions.  Locations count code points; the parser counts UTF-8 bytes; LSP counts
UTF-16 code units.  ASCII lines (nearly all) take the fast path: the three agree.

Lines end at `\r\n`, `\r` or `\n` for the parser and for the protocol alike; a location's line
is only right when everyone who reads it counts lines that way.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import overload


def to_utf16_column(line_text: str, codepoint_col: int) -> int:
    """The LSP character offset of code-point column `codepoint_col` in `line_text`."""
    prefix = line_text[: max(codepoint_col, 0)]
    if prefix.isascii():
        return codepoint_col
    return codepoint_col + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def from_utf16_column(line_text: str, utf16_col: int) -> int:
    """The code-point column of LSP character offset `utf16_col` (clamped to the line)."""
    if line_text.isascii():
        return min(max(utf16_col, 0), len(line_text))
    units = 0
    for index, ch in enumerate(line_text):
        if units >= utf16_col:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line_text)


def byte_to_codepoint_column(line_text: str, byte_col: int) -> int:
    """The code-point column of the parser's UTF-8 byte offset `byte_col` in `line_text`."""
    if line_text.isascii():
        return byte_col
    return len(line_text.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))


def document_lines(text: str) -> list[str]:
    """The lines of `text` without their breaks, split where the parser and the protocol split
    them (`\r\n`, a lone `\r`, `\n`; never at other characters `str.splitlines` breaks at)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


class TextLines(Sequence[str]):
    """`document_lines(text)` as a sequence that holds the text and where each line starts,
    not the lines: a line is sliced from the text when read.  Kept per analysed module for
    rename and quick fixes, separate line strings cost about as much again as the text
    (8 MB across a 20,000-function workspace); the starts are made on first read."""

    __slots__ = ("text", "_starts")

    def __init__(self, text: str) -> None:
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.text = text  # with `\n` breaks only
        self._starts: array[int] | None = None

    def _offsets(self) -> array[int]:
        """Where each line starts, then one past the end (len(text) + 1)."""
        if self._starts is None:
            lengths = map(len, self.text.split("\n"))
            self._starts = array("q", accumulate(map((1).__add__, lengths), initial=0))
        return self._starts

    def __len__(self) -> int:
        return len(self._offsets()) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        starts = self._offsets()
        count = len(starts) - 1
        if isinstance(index, slice):
            start, stop, step = index.indices(count)
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self.join(start, stop).split("\n") if start < stop else []
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("line index out of range")
        return self.text[starts[index] : starts[index + 1] - 1]

    def join(self, start: int, stop: int | None = None) -> str:
        """`"\\n".join(self[start:stop])`, sliced at once (0-based, `stop` exclusive)."""
        start, stop, _ = slice(start, stop).indices(len(self))
        if start >= stop:
            return ""
        starts = self._offsets()
        return self.text[starts[start] : starts[stop] - 1]

    def __iter__(self) -> Iterator[str]:
        return iter(self.text.split("\n"))


def line_count(text: str) -> int:
    """`len(document_lines(text))`, without splitting."""
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1
