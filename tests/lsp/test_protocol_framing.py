# ruff: noqa: E501  (the stream table keeps one stream to a line)
"""The frame reader on byte streams, whole and cut into small reads: what it delivers, what it loses.

The end-to-end table (test_protocol.py) shows the server's answers; here the reader alone, fast,
on every way a stream can be cut, including cuts inside headers and inside a message.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from livedag.server.lsp import framing
from livedag.server.lsp.framing import FrameReader, Received

MESSAGE = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "x", "params": {"a": [1, 2]}}).encode()
NEXT = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "y"}).encode()
ACCENTED = json.dumps({"jsonrpc": "2.0", "id": 1, "params": {"text": "café"}}, ensure_ascii=False)


def framed(body: bytes, length: int | None = None) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body


def read_all(data: bytes, chunk: int | None) -> list[Received]:
    pieces = [data] if chunk is None else [data[i : i + chunk] for i in range(0, len(data), chunk)]
    source = iter(pieces)

    async def next_piece() -> bytes:
        return next(source, b"")

    async def run() -> list[Received]:
        reader = FrameReader(next_piece)
        found = []
        while (received := await reader.receive()) is not None:
            found.append(received)
        return found

    return asyncio.run(run())


def outcome(received: Received) -> Any:
    """The id of a message that was read, or "lost"."""
    return "lost" if received.lost is not None else received.value["id"]


# fmt: off
STREAMS: dict[str, tuple[bytes, list[Any], str | None]] = {
    # name: (bytes, what is delivered, a problem the first delivery reports)
    "well framed": (framed(MESSAGE) + framed(NEXT), [1, 2], None),
    "lower-case name, no space": (b"content-length:%d\r\n\r\n" % len(MESSAGE) + MESSAGE + framed(NEXT), [1, 2], None),
    "LF line ends": (b"Content-Length: %d\n\n" % len(MESSAGE) + MESSAGE + framed(NEXT), [1, 2], None),
    "blank lines between messages": (framed(MESSAGE) + b"\r\n\r\n" + framed(NEXT), [1, 2], None),
    "two different lengths": (b"Content-Length: %d\r\nContent-Length: 2\r\n\r\n" % len(MESSAGE) + MESSAGE + framed(NEXT), [1, 2], "twice"),
    "a length that is no number": (b"Content-Length: x1\r\n\r\n" + MESSAGE + framed(NEXT), [1, 2], "not a number"),
    "zero length": (framed(MESSAGE, 0) + framed(NEXT), [1, 2], "is 0"),
    "no header": (MESSAGE + framed(NEXT), [1, 2], "without a header"),
    "no header, last in the stream": (framed(NEXT) + MESSAGE, [2, 1], None),
    "above the limit": (framed(MESSAGE, 2**40) + framed(NEXT), [1, 2], "above the limit"),
    "shorter than declared": (framed(MESSAGE, len(MESSAGE) + 5) + framed(NEXT), [1, 2], "the message had"),
    "longer than declared": (framed(MESSAGE, len(MESSAGE) - 5) + framed(NEXT), [1, 2], "the message had"),
    "garbage between messages": (framed(MESSAGE) + b"garbage\r\n" + framed(NEXT), [1, "lost", 2], None),
    "garbage glued to the next header": (framed(MESSAGE) + b"junk" + framed(NEXT), [1, "lost", 2], None),
    "non-ASCII, length counted in characters": (framed(ACCENTED.encode(), len(ACCENTED)) + framed(NEXT), [1, 2], "the message had"),
    "a body that is not JSON": (framed(b"{nope}") + framed(NEXT), ["lost", 2], "not JSON"),
    "the stream ends inside a body": (framed(MESSAGE, len(MESSAGE) + 50), ["lost"], "ended inside"),
    "the stream ends inside a header": (framed(MESSAGE) + b"Content-Len", [1, "lost"], None),
}
# fmt: on


@pytest.mark.parametrize("chunk", [None, 1, 7], ids=["whole", "bytewise", "by-7"])
@pytest.mark.parametrize("name", list(STREAMS))
def test_a_stream_delivers_what_can_be_read_and_loses_only_what_cannot(
    name: str, chunk: int | None
) -> None:
    data, expected, problem = STREAMS[name]
    found = read_all(data, chunk)
    assert [outcome(r) for r in found] == expected
    if problem is not None:
        assert problem in (found[0].problem or "")
    if 2 in expected:  # back in step after the bad message
        assert next(r for r in found if r.lost is None and r.value["id"] == 2).problem is None


def test_header_text_inside_a_json_string_is_no_header() -> None:
    """A header line needs a real line break, which JSON strings never hold."""
    text = "Content-Length: 5\r\n\r\nhello\nContent-Length: 99\n"
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "params": {"text": text}}).encode()
    for chunk in (None, 3):
        found = read_all(framed(body) + framed(NEXT), chunk)
        assert [(r.value["params"]["text"] if r.value["id"] == 1 else 2) for r in found] == [
            text,
            2,
        ]
        assert all(r.problem is None for r in found)


def test_pretty_printed_json_is_read_by_its_length() -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "x"}, indent=2).encode()
    assert b"\n" in body
    assert [outcome(r) for r in read_all(framed(body) + framed(NEXT), 4)] == [1, 2]


def test_more_than_the_limit_without_a_header_is_skipped_in_bounded_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(framing, "MAX_CONTENT_LENGTH", 1000)
    found = read_all(b"x" * 20_000 + framed(NEXT), 64)
    assert [outcome(r) for r in found] == ["lost", 2]
    assert not found[0].complete and len(found[0].lost or b"") <= 1024
    assert "without a header" in (found[0].problem or "")


def test_a_lost_message_keeps_its_bytes_to_say_what_it_was() -> None:
    lost = b'{"jsonrpc":"2.0","method":"textDocument/didChange","params":{'
    (received,) = read_all(framed(lost), 5)
    assert received.lost == lost and received.complete
