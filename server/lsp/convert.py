"""Between livedag's locations and the protocol's: paths and URIs, code points and client units.

livedag's `Location` counts 1-based lines and 0-based code-point columns; the protocol counts
0-based lines and columns in the negotiated position encoding (UTF-16 unless the client asked for
another).  Lines that are pure ASCII need no conversion, which is nearly every line of Python, so
the conversion only looks at a line's text when it has to.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import cattrs
from livedag.engine.specs import Location
from livedag.server.analyzer import TextLines, from_utf16_column, line_count
from lsprotocol import types
from pygls.protocol import default_converter

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

    __slots__ = ("text", "ascii", "_lines", "_count")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self._lines: TextLines | None = None
        self._count: int | None = None

    def line(self, index: int) -> str:
        """Line `index` (0-based) without its line break, or "" past the end."""
        if self._lines is None:
            self._lines = TextLines(self.text)  # a lone \r ends a line, as for the parser
        if 0 <= index < len(self._lines):
            return self._lines[index]
        return ""

    def line_count(self) -> int:
        if self._count is None:
            self._count = len(self._lines) if self._lines is not None else line_count(self.text)
        return self._count


def code_points(line: str, character: int, encoding: str) -> int:
    """How many code points of `line` (without its line break) come before client column
    `character`: the line's length past its end, and a column inside a character (half a
    surrogate pair, the middle of a UTF-8 sequence) counts as after that character."""
    if line.isascii() or encoding == UTF32:
        return min(character, len(line))
    if encoding == UTF8:
        encoded = line.encode("utf-8")[:character]
        count = len(encoded.decode("utf-8", errors="ignore"))
        if count < len(line) and len(line[:count].encode("utf-8")) < len(encoded):
            count += 1
        return count
    return from_utf16_column(line, character)


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
        return code_points(lines.line(line), character, self.encoding)

    def span(self, location: Location, lines: SourceLines | None) -> tuple[int, int, int, int]:
        """Start line, start character, end line, end character, as the client counts them."""
        start_line = max(location.line - 1, 0)
        end_line = max(location.end_line - 1, start_line)
        start = max(location.column, 0)
        end = max(location.end_column, 0)
        if lines is not None and not lines.ascii and self.encoding != UTF32:
            start = self.to_client(lines, start_line, start)
            end = self.to_client(lines, end_line, end)
        if end_line == start_line and end < start:
            end = start
        return start_line, start, end_line, end

    def range_json(self, location: Location, lines: SourceLines | None) -> dict[str, Any]:
        """`range` as plain JSON, for results sent without the protocol's object model."""
        start_line, start, end_line, end = self.span(location, lines)
        return {
            "start": {"line": start_line, "character": start},
            "end": {"line": end_line, "character": end},
        }


class JsonObject(dict[str, Any]):
    """A result that is plain JSON already: sent as it is, not walked by the protocol converter.

    pygls hands every result to cattrs, which visits each value of a plain dict in Python; for a
    graph of thousands of nodes that costs more than building the result.
    """


class JsonArray(list[Any]):
    """A list result that is plain JSON already (see `JsonObject`)."""


class EncodedJson:
    """A result encoded as JSON text already: the server's protocol writes it out as it is.

    For large answers asked again and again (a 4,000-function module's document symbols are
    1.5 MB of JSON, 80 ms to encode), whose parts are encoded once and joined.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def json_converter() -> cattrs.Converter:
    """pygls's converter, passing `JsonObject` and `JsonArray` through untouched, and taking
    integers, strings and booleans only as themselves.

    `PublishDiagnosticsParams` whose `diagnostics` is a `JsonArray` (of diagnostics already in
    their JSON form) is sent as it is too; the protocol's own objects are converted as usual.
    cattrs would turn `"includeDeclaration": "false"` into True and a line of 1.5 into 1: a
    request of the wrong type then gets a wrong answer instead of -32602.
    """
    converter = default_converter()
    for kind, accepted in _STRICT.items():
        converter.register_structure_hook(kind, _strictly(accepted))
    converter.register_unstructure_hook_func(_is_enum, _enum_value)
    converter.register_unstructure_hook(JsonObject, _as_is)
    converter.register_unstructure_hook(JsonArray, _as_is)
    # Only where a result does not go through `LivedagProtocol.prepared_send` (it never should).
    converter.register_unstructure_hook(EncodedJson, lambda value: json.loads(value.text))
    usual = converter.get_unstructure_hook(types.PublishDiagnosticsParams)

    def publish_params(params: types.PublishDiagnosticsParams) -> Any:
        if not isinstance(params.diagnostics, JsonArray):
            return usual(params)
        out: dict[str, Any] = {"uri": params.uri, "diagnostics": params.diagnostics}
        if params.version is not None:
            out["version"] = params.version
        return out

    converter.register_unstructure_hook(types.PublishDiagnosticsParams, publish_params)
    return converter


def _as_is(value: Any) -> Any:
    return value


def _is_enum(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, enum.Enum)


def _enum_value(value: Any) -> Any:
    """An enum field's value; one kept as it came (not a member) is sent as it is."""
    return value.value if isinstance(value, enum.Enum) else value


# The JSON values each primitive field (and lsprotocol's few primitive unions, which it takes
# as they come) accepts; True and False are not integers.
_STRICT: dict[Any, tuple[type, ...]] = {
    int: (int,),
    float: (int, float),
    str: (str,),
    bool: (bool,),
    int | str: (int, str),
    int | str | None: (int, str, type(None)),
    str | bool | None: (str, bool, type(None)),
}
_JSON_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _strictly(accepted: tuple[type, ...]) -> Any:
    """A structure hook accepting only JSON values of the `accepted` types."""
    integers = bool not in accepted
    wanted = " or ".join(_JSON_NAMES[kind] for kind in accepted if kind in _JSON_NAMES)

    def structure(value: Any, target: Any) -> Any:
        if isinstance(value, accepted) and not (integers and isinstance(value, bool)):
            # The hook registered for int is found for lsprotocol's IntEnums too (subclasses):
            # give them their member, as an item sent back (completionItem/resolve) is sent on.
            if isinstance(target, type) and issubclass(target, enum.Enum):
                try:
                    return target(value)
                except ValueError:
                    return value  # a value newer than lsprotocol: kept as it came
            return value
        raise ValueError(f"expected {wanted}")

    return structure
