"""Reading messages off the wire: `Content-Length` framing that survives a client's mistakes.

pygls's reader trusts every header: a lower-case name, a missing space, `\\n` line ends, a length
that is missing, zero, negative or wrong leave it waiting for a header that never comes (the
server alive but deaf), and a length of 2**40 ends the process.  This reader is lenient where the
meaning is plain (header names in any case, any spacing, `\\n` or `\\r\\n`, a repeated equal
length, a missing blank line) and otherwise resynchronises: a message whose length cannot be
trusted is delimited by what follows it instead, the next `Content-Length:` header or the end of
a complete JSON value.  Header lines cannot occur inside JSON text (a JSON string holds no raw line
break), so a header found that way is always a real one.  Only bytes that are not JSON at all are
lost, and the caller is told.

The common case (`Content-Length: N\\r\\n\\r\\n` then N bytes of JSON) takes one regular-expression
match and one slice.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import os
import re
import select
import stat
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

# No message is this large (a 20 MB module is a 20 MB message); a larger length is not believed.
MAX_CONTENT_LENGTH = 256 * 1024 * 1024
MAX_HEADER_LINE = 8 * 1024  # a "header line" longer than this is not a header
CHUNK = 64 * 1024

_COMMON = re.compile(rb"Content-Length: ([0-9]{1,10})\r\n(?:Content-Type: [^\r\n]*\r\n)?\r\n")
_HEADER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?\n")
_BLANK_LINE = re.compile(rb"[ \t]*\r?\n")
# A `Content-Length:` header line anywhere (its name may follow garbage on the same line).
_LENGTH_LINE = re.compile(rb"(?i:content-length)[ \t]*:[^\r\n]*\r?\n")
_LENGTH_LINE_SPAN = 128  # how far before a line break such a header can start

ChunkSource = Callable[[], Awaitable[bytes]]  # the next bytes received; b"" at the end
_NOT_BLANK = re.compile(rb"\S")  # a message's bytes, not the blank lines between messages


@dataclass(frozen=True)
class Received:
    """One message as read: its JSON value, or why it was lost.

    `problem` says what was wrong with the framing (the message was then delimited by its JSON);
    when `lost` is set nothing could be read and `problem` says why; `lost` holds the bytes that
    were skipped (for the log, and to tell whether an edit may have been among them), all of them
    unless `complete` is false (more than `MAX_CONTENT_LENGTH` bytes: only their beginning).
    """

    value: Any = None
    problem: str | None = None
    lost: bytes | None = None
    complete: bool = True


class FrameReader:
    """Messages from a byte stream framed with `Content-Length` headers (the LSP base protocol)."""

    def __init__(self, source: ChunkSource) -> None:
        self._source = source
        self._buffer = bytearray()
        self._eof = False

    def holds_input(self) -> bool:
        """Whether bytes of a message not handed out yet are here or on their way from the
        stream (idle work waits for them: `idle.Deferral`)."""
        if _NOT_BLANK.search(self._buffer) is not None:
            return True
        waiting = getattr(self._source, "waiting", None)
        return waiting is not None and bool(waiting())

    async def receive(self) -> Received | None:
        """The next message; None once the stream has ended and everything was read."""
        buffer = self._buffer
        while True:
            common = _COMMON.match(buffer)
            if common is not None:
                declared = int(common.group(1))
                if 0 < declared <= MAX_CONTENT_LENGTH:
                    del buffer[: common.end()]
                    return await self._body(declared, None)
            if not await self._skip_blank_lines():
                return None
            first = _HEADER_LINE.match(buffer)
            if first is None or _garbage_before_length(buffer, first.end()):
                if not self._eof and _maybe_header(buffer):
                    await self._fill()
                    continue
                return self._delimited(*await self._until_next_message(), "bytes without a header")
            length, problem = await self._headers()
            if length is not None:
                return await self._body(length, problem)
            return self._delimited(*await self._until_next_message(), problem)

    # --- headers ---------------------------------------------------------------------------

    async def _skip_blank_lines(self) -> bool:
        """Skip empty lines between messages; False at the end of the stream."""
        buffer = self._buffer
        while True:
            blank = _BLANK_LINE.match(buffer)
            if blank is not None:
                del buffer[: blank.end()]
                continue
            if buffer and (b"\n" in buffer or buffer.strip(b" \t\r")):
                return True
            if self._eof:
                buffer.clear()
                return False
            await self._fill()

    async def _headers(self) -> tuple[int | None, str | None]:
        """Read a header block: the body's length (None when it cannot be believed) and what was
        wrong with the headers, if anything."""
        buffer = self._buffer
        lengths: list[bytes] = []
        problem: str | None = None
        while True:
            newline = buffer.find(b"\n")
            if newline < 0:
                if self._eof or len(buffer) > MAX_HEADER_LINE:
                    problem = "the headers end without a blank line"
                    break
                await self._fill()
                continue
            if _BLANK_LINE.fullmatch(buffer, 0, newline + 1):
                del buffer[: newline + 1]
                break
            header = _HEADER_LINE.fullmatch(buffer, 0, newline + 1)
            if header is None:  # the body follows the headers without a blank line
                problem = "no blank line after the headers"
                break
            if header.group(1).lower() == b"content-length":
                lengths.append(header.group(2))
            del buffer[: newline + 1]
        length, wrong = _length(lengths)
        return length, wrong or problem

    # --- bodies ----------------------------------------------------------------------------

    async def _body(self, length: int, problem: str | None) -> Received:
        """The body of a message whose headers gave its length (checked against what follows)."""
        buffer = self._buffer
        scanned = 0
        while len(buffer) < length:
            # Shorter than declared: the next message may already have begun inside it.
            header = _find_length_line(buffer, scanned)
            if header is not None and _is_json(buffer[:header]):
                body = bytes(buffer[:header])
                del buffer[:header]
                return self._parse(body, _wrong_length(length, header))
            scanned = max(len(buffer) - _LENGTH_LINE_SPAN, 0)
            if self._eof:
                body = bytes(buffer)
                buffer.clear()
                ended = f"the stream ended inside a {length}-byte message"
                return Received(problem=ended, lost=body)
            await self._fill()
        body = bytes(buffer[:length])
        del buffer[:length]
        try:
            return Received(json.loads(body), problem)
        except (ValueError, RecursionError):
            pass
        return await self._misframed(body, length)

    async def _misframed(self, body: bytes, length: int) -> Received:
        """A body of the declared length that is not JSON: is its length wrong, or its JSON?"""
        buffer = self._buffer
        text = body.decode("utf-8", "surrogateescape")  # byte for byte, whatever it holds
        try:
            json.loads(text)
        except RecursionError:
            return Received(problem="the JSON is nested too deeply", lost=body)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data":  # shorter: a whole message, then what follows it
                rest = text[exc.pos :].encode("utf-8", "surrogateescape")
                buffer[:0] = rest
                head = len(body) - len(rest)
                return self._parse(body[:head], _wrong_length(length, head))
            if _truncated(exc, text):  # longer: the JSON goes on past the declared length
                if not buffer and not self._eof:
                    await self._fill()
                if buffer and _HEADER_LINE.match(buffer) is None:
                    buffer[:0] = body
                    whole, overflow = await self._until_next_message()
                    if overflow is not None:
                        return Received(problem=overflow, lost=whole, complete=False)
                    received = self._parse(whole, None)
                    if received.lost is not None:
                        return received
                    return Received(received.value, _wrong_length(length, len(whole)))
        return self._parse(body, None)

    async def _until_next_message(self) -> tuple[bytes, str | None]:
        """The bytes before the next header, or up to the end of a complete JSON value (for a
        message whose length is unknown), and a note when they were too many to keep.

        More than `MAX_CONTENT_LENGTH` bytes without a header are skipped; only their beginning
        is kept, to say what was lost.
        """
        buffer = self._buffer
        scanned = 0
        skipped: bytes | None = None
        while True:
            header = _find_length_line(buffer, scanned)
            if header is not None or self._eof or (skipped is None and _is_json(buffer)):
                end = len(buffer) if header is None else header
                piece = bytes(buffer[:end])
                del buffer[:end]
                if skipped is None:
                    return piece, None
                return skipped, f"more than {MAX_CONTENT_LENGTH} bytes without a header: skipped"
            scanned = max(len(buffer) - _LENGTH_LINE_SPAN, 0)
            if len(buffer) > MAX_CONTENT_LENGTH:
                if skipped is None:
                    skipped = bytes(buffer[:1024])
                del buffer[: len(buffer) - _LENGTH_LINE_SPAN]
                scanned = 0
            await self._fill()

    def _delimited(self, body: bytes, overflow: str | None, problem: str | None) -> Received:
        """A message read without a length it could trust."""
        if overflow is not None:
            problem = f"{problem}; {overflow}" if problem else overflow
            return Received(problem=problem, lost=body, complete=False)
        return self._parse(body, problem, recovered=True)

    def _parse(self, body: bytes, problem: str | None, recovered: bool = False) -> Received:
        """`body` as JSON, or lost: `problem` says what was wrong with its framing."""
        if not body.strip():
            return Received(problem=problem or "an empty message", lost=body)
        try:
            value = json.loads(body)
        except RecursionError:
            return Received(problem="the JSON is nested too deeply", lost=body)
        except ValueError as exc:
            reason = f"{problem}; " if problem else ""
            return Received(problem=f"{reason}not JSON ({_json_error(exc)})", lost=body)
        if problem is not None and recovered:
            problem = f"{problem}: the message was read up to the end of its JSON instead"
        return Received(value, problem)

    async def _fill(self) -> None:
        chunk = await self._source()
        if chunk:
            self._buffer += chunk
        else:
            self._eof = True


def _length(values: list[bytes]) -> tuple[int | None, str | None]:
    """The body length the `Content-Length` values give, or None and why none can be believed."""
    if not values:
        return None, "no Content-Length header"
    if len(set(values)) > 1:
        shown = ", ".join(v.decode("ascii", "replace") for v in values)
        return None, f"Content-Length given twice, differently ({shown})"
    text = values[0].decode("ascii", "replace")
    if not text.isascii() or not text.isdigit():
        return None, f"Content-Length {text!r} is not a number of bytes"
    length = int(text)
    if length == 0:
        return None, "Content-Length is 0 (a message is never empty)"
    if length > MAX_CONTENT_LENGTH:
        return None, f"Content-Length {text} is above the limit of {MAX_CONTENT_LENGTH} bytes"
    return length, None


def _truncated(error: json.JSONDecodeError, text: str) -> bool:
    """Whether `text` failed as JSON only because it stops early (in a string, or at the end,
    or inside a number or literal)."""
    if error.msg.startswith("Unterminated string"):
        return True
    rest = text[error.pos :].rstrip()
    return len(rest) < 8 and all(c in _LITERAL_START for c in rest)


_LITERAL_START = set("truefalsn0123456789.-+E")


def _wrong_length(declared: int, actual: int) -> str:
    return f"Content-Length said {declared} bytes, the message had {actual}"


def _find_length_line(data: bytes | bytearray, start: int) -> int | None:
    """Where the first `Content-Length:` header line at or after `start` begins.

    Only lines are looked at (a header ends with a line break, and valid JSON text never has one
    inside a string), so a long body without line breaks costs one `find`.
    """
    newline = data.find(b"\n", start)
    while newline >= 0:
        header = _LENGTH_LINE.search(data, max(start, newline + 1 - _LENGTH_LINE_SPAN), newline + 1)
        if header is not None:
            return header.start()
        newline = data.find(b"\n", newline + 1)
    return None


def _garbage_before_length(data: bytes | bytearray, line_end: int) -> bool:
    """Whether a `Content-Length:` header follows other bytes on the first line (garbage that
    happens to look like a header name, then the real header)."""
    header = _LENGTH_LINE.search(data, 0, line_end)
    return header is not None and header.start() > 0


def _maybe_header(data: bytes | bytearray) -> bool:
    """Whether `data` (no complete line yet) may still become a header line."""
    return b"\n" not in data and len(data) <= MAX_HEADER_LINE and not _is_json(data)


def _is_json(data: bytes | bytearray) -> bool:
    """Whether `data` is one complete JSON value (only tried when it could end one)."""
    end = data.rstrip()
    if not end or end[-1:] not in (b"}", b"]"):
        return False
    try:
        json.loads(bytes(end))
    except (ValueError, RecursionError):
        return False
    return True


def _json_error(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at byte {exc.pos}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 at byte {exc.start}"
    return str(exc)


class StdinChunks:
    """The chunks `stdin_source`'s thread reads, awaited one at a time, and whether one is on its
    way.  Each count is written by one thread only: the reading thread counts what it handed
    over, the loop what it took."""

    def __init__(self, queue: asyncio.Queue[bytes], room: threading.Semaphore | None = None):
        self._queue = queue
        self._room = room  # released for each chunk taken: the reader may hand over another
        self.handed = 0
        self.taken = 0

    async def __call__(self) -> bytes:
        chunk = await self._queue.get()
        self.taken += 1
        if self._room is not None:
            self._room.release()
        return chunk

    def waiting(self) -> bool:
        return self.handed > self.taken


BACKLOG = 8  # chunks read ahead of the loop at most


class PipeChunks:
    """The chunks of a pipe or socket, read by the loop itself whenever the descriptor is
    readable: no thread, so a message costs no hand-over between threads (~0.4 ms a request
    through `StdinChunks`), and nothing blocks at exit.  At most `BACKLOG` chunks are read
    ahead of the reader; then the descriptor is left until it catches up."""

    def __init__(self, descriptor: int, loop: asyncio.AbstractEventLoop) -> None:
        self._descriptor = descriptor
        self._loop = loop
        self._chunks: collections.deque[bytes] = collections.deque()
        self._arrived: asyncio.Future[None] | None = None
        self._watching = False
        self._ended = False
        os.set_blocking(descriptor, False)
        self._watch()

    def _watch(self) -> None:
        if not self._watching and not self._ended:
            self._loop.add_reader(self._descriptor, self._readable)
            self._watching = True

    def _readable(self) -> None:
        try:
            chunk = os.read(self._descriptor, CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        self._chunks.append(chunk)
        if not chunk or len(self._chunks) >= BACKLOG:
            self._ended = self._ended or not chunk
            self._loop.remove_reader(self._descriptor)
            self._watching = False
        if self._arrived is not None and not self._arrived.done():
            self._arrived.set_result(None)

    async def __call__(self) -> bytes:
        while not self._chunks:
            if self._ended:
                return b""
            self._arrived = self._loop.create_future()
            await self._arrived
        chunk = self._chunks.popleft()
        self._watch()
        return chunk

    def waiting(self) -> bool:
        """Whether a chunk was read and not taken, or the descriptor has bytes unread."""
        if self._chunks:
            return True
        if self._ended:
            return False
        try:
            readable, _, _ = select.select([self._descriptor], [], [], 0)
        except (OSError, ValueError):
            return False
        return bool(readable)


def _pollable(descriptor: int, loop: asyncio.AbstractEventLoop) -> bool:
    """Whether the loop can watch `descriptor` (a pipe or socket, on a selector loop)."""
    if not isinstance(loop, asyncio.SelectorEventLoop):
        return False
    try:
        mode = os.fstat(descriptor).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def stdin_source(stream: BinaryIO, loop: asyncio.AbstractEventLoop) -> StdinChunks | PipeChunks:
    """Chunks of `stream`: a pipe or socket (as an editor starts the server) is read by the loop
    itself (`PipeChunks`); anything else by a daemon thread, so a read blocked on a silent
    client never holds up the server's exit (pygls reads in a pool thread the interpreter waits
    for).  A real file descriptor is read directly: a daemon thread blocked inside a buffered
    reader makes the interpreter abort at exit.

    The thread hands a chunk over with one callback into the loop and goes back to reading at
    once (at most `BACKLOG` chunks ahead)."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        descriptor = -1
    if descriptor >= 0 and _pollable(descriptor, loop):
        return PipeChunks(descriptor, loop)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    room = threading.Semaphore(BACKLOG)
    chunks = StdinChunks(queue, room)
    if descriptor < 0:
        read: Callable[[int], bytes] = getattr(stream, "read1", stream.read)
    else:
        read = functools.partial(os.read, descriptor)

    def pump() -> None:
        while True:
            room.acquire()
            try:
                chunk = read(CHUNK)
            except (OSError, ValueError):
                chunk = b""
            chunks.handed += 1
            try:
                loop.call_soon_threadsafe(queue.put_nowait, chunk)
            except RuntimeError:  # the loop has gone: nobody listens any more
                return
            if not chunk:
                return

    threading.Thread(target=pump, name="livedag-stdin", daemon=True).start()
    return chunks
