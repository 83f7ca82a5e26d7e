"""Column conversions.  Locations count code points; the parser counts UTF-8 bytes; LSP counts
UTF-16 code units.  ASCII lines (nearly all) take the fast path: the three agree.

Lines end at `\r\n`, `\r` or `\n` for the parser and for the protocol alike; a location's line
is only right when everyone who reads it counts lines that way.
"""

from __future__ import annotations


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


def line_count(text: str) -> int:
    """`len(document_lines(text))`, without splitting."""
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1
