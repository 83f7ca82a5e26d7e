"""Between livedag's locations and the protocol's: paths and URIs, code points and client units.

livedag's `Location` counts 1-based lines and 0-based code-point columns; the protocol counts
0-based lines and columns in the negotiated position encoding (UTF-16 unless the client asked for
another).  Lines that are pure ASCII need no conversion, which is nearly every line of Python, so
the conversion only looks at a line's text when it has to.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from livedag.engine.specs import Location
from lsprotocol import types

UTF8 = types.PositionEncodingKind.Utf8
UTF16 = types.PositionEncodingKind.Utf16
UTF32 = types.PositionEncodingKind.Utf32


def uri_to_path(uri: str) -> Path | None:
    """The absolute file path of a `file:` URI; None for other schemes (untitled buffers, ...)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if parsed.netloc and parsed.netloc != "localhost":
        path = f"//{parsed.netloc}{path}"
    return Path(path)


def path_to_uri(path: str | Path) -> str:
    return Path(path).absolute().as_uri()


class SourceLines:
    """One text's lines, split only when a non-ASCII line forces a column conversion."""

    __slots__ = ("text", "ascii", "_lines")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self._lines: list[str] | None = None

    def line(self, index: int) -> str:
        """Line `index` (0-based) without its line break, or "" past the end."""
        if self._lines is None:
            self._lines = self.text.split("\n")
        if 0 <= index < len(self._lines):
            return self._lines[index].rstrip("\r")
        return ""

    def line_count(self) -> int:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return len(self._lines)


class Positions:
    """Converts columns between code points and the client's position encoding."""

    def __init__(self, encoding: str = UTF16) -> None:
        self.encoding = encoding

    def to_client(self, lines: SourceLines | None, line: int, column: int) -> int:
        """Client column of code-point `column` on 0-based `line`."""
        if lines is None or lines.ascii or self.encoding == UTF32 or line >= lines.line_count():
            return column
        prefix = lines.line(line)[:column]
        if self.encoding == UTF8:
            return len(prefix.encode("utf-8"))
        return len(prefix.encode("utf-16-le")) // 2

    def from_client(self, lines: SourceLines | None, line: int, character: int) -> int:
        """Code-point column of a client column on 0-based `line`."""
        if lines is None or lines.ascii or self.encoding == UTF32:
            return character
        text = lines.line(line)
        if self.encoding == UTF8:
            return len(text.encode("utf-8")[:character].decode("utf-8", errors="ignore"))
        units = 0
        for index, char in enumerate(text):
            if units >= character:
                return index
            units += 2 if ord(char) > 0xFFFF else 1
        return len(text)

    def range(self, location: Location, lines: SourceLines | None) -> types.Range:
        start_line = max(location.line - 1, 0)
        end_line = max(location.end_line - 1, start_line)
        start = self.to_client(lines, start_line, max(location.column, 0))
        end = self.to_client(lines, end_line, max(location.end_column, 0))
        if end_line == start_line and end < start:
            end = start
        return types.Range(
            start=types.Position(line=start_line, character=start),
            end=types.Position(line=end_line, character=end),
        )


def location_uri(location: Location) -> str | None:
    return path_to_uri(location.path) if location.path else None


EMPTY_RANGE = types.Range(
    start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
)
