# ruff: noqa: E501  (the case tables keep one case to a line)
"""The wire under bad input: raw bytes on `livedag serve`'s stdin, the answer each must get.

Each case is bytes sent exactly as they are, the responses they must get (an id and an error code,
or a result), and optionally a line the server's log must then hold.  A probe follows every case in
the same write (a hover that must name the right node), so a case that left the server deaf, or
out of step with the stream, fails at once.  The cases that keep the stream trustworthy share one
server; the ones that end the process (lifecycle, a lost edit) get their own.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

TIMEOUT = 30.0
FLOW = """def raw(path: str) -> int:
    return len(path)


def doubled(raw: int) -> int:
    return raw * 2
"""
DOUBLED = {"line": 4, "character": 5}  # on the name `doubled`
LIVEDAG = Path(sys.executable).with_name("livedag")
SERVE = (
    [str(LIVEDAG), "serve"]
    if LIVEDAG.exists()
    else [sys.executable, "-m", "livedag.server.cli", "serve"]
)
RESULT = None  # the expected "code" of a response that is a result, not an error
CASE_ID = 1000  # the id a case's own request uses (the probe's ids come from a counter)
# The shared server's workspace: a path known when the cases are built, so their bytes (and
# Content-Length headers) hold the real document URI.
ROOT = Path(tempfile.gettempdir()) / f"livedag-wire-{os.getpid()}"
URI = (ROOT / "flow.py").as_uri()
PYTHON_TEXT = re.compile(r"Traceback|\b\w+(Error|Exception)\b|object has no attribute|\bNoneType\b")


# --- a raw client ------------------------------------------------------------------------------


class RawServer:
    """`livedag serve` over pipes: bytes in as they are, messages out as parsed JSON."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log_path = root / "server.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            SERVE, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log
        )
        self.messages: queue.Queue[Any] = queue.Queue()
        self.ids = itertools.count(1)
        threading.Thread(target=self._read, daemon=True).start()

    @property
    def uri(self) -> str:
        return (self.root / "flow.py").as_uri()

    def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        while True:
            length = None
            while (line := stdout.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line or length is None:
                self.messages.put(None)  # the server's output ended
                return
            message = json.loads(stdout.read(length))
            for one in message if isinstance(message, list) else [message]:
                if "method" in one and "id" in one:  # a request to the client: say nothing useful
                    self.send(frame({"jsonrpc": "2.0", "id": one["id"], "result": None}))
                self.messages.put(one)

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def responses_until(self, wanted: Callable[[list[Any]], bool]) -> list[Any]:
        """Responses (not notifications) received until `wanted(responses)` holds."""
        responses: list[Any] = []
        while not wanted(responses):
            message = self.messages.get(timeout=TIMEOUT)
            assert message is not None, f"the server stopped; its log:\n{self.log()[-3000:]}"
            if "method" not in message:
                responses.append(message)
        return responses

    def notification(self, method: str) -> Any:
        while True:
            message = self.messages.get(timeout=TIMEOUT)
            assert message is not None, f"the server stopped; its log:\n{self.log()[-3000:]}"
            if message.get("method") == method:
                return message

    def call(self, method: str, params: Any) -> Any:
        msg_id = next(self.ids)
        self.send(frame(request(msg_id, method, params)))
        found = self.responses_until(lambda got: any(r.get("id") == msg_id for r in got))
        return next(r for r in found if r.get("id") == msg_id)

    def initialize(self) -> None:
        answer = self.call("initialize", initialize_params(self.root))
        assert "result" in answer, answer
        self.send(notify("initialized", {}))

    def exit_status(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=TIMEOUT)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=TIMEOUT)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self._log.close()


def frame(message: Any, header: bytes | None = None) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return (b"Content-Length: %d\r\n\r\n" % len(body) if header is None else header) + body


def request(msg_id: Any, method: str, params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}


def notify(method: str, params: Any) -> bytes:
    return frame({"jsonrpc": "2.0", "method": method, "params": params})


def did_open(uri: str, text: str) -> bytes:
    document = {"uri": uri, "languageId": "python", "version": 1, "text": text}
    return notify("textDocument/didOpen", {"textDocument": document})


def did_change(uri: str, version: Any, changes: list[Any]) -> bytes:
    document = {"uri": uri, "version": version}
    return notify("textDocument/didChange", {"textDocument": document, "contentChanges": changes})


def initialize_params(root: Path) -> dict[str, Any]:
    uri = root.as_uri()
    return {
        "processId": None,
        "rootUri": uri,
        "capabilities": {},
        "workspaceFolders": [{"uri": uri, "name": root.name}],
    }


def hover_params(uri: str = URI) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": dict(DOUBLED)}


def probe(server: RawServer) -> None:
    """The server answers a hover on `doubled` correctly."""
    answer = server.call("textDocument/hover", hover_params(server.uri))
    assert "doubled: int" in answer["result"]["contents"]["value"], answer


# --- the cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """Bytes to send, the (id, code) of each response they must get (code None for a result),
    and a line the server's log must hold afterwards."""

    name: str
    data: bytes
    replies: tuple[tuple[Any, int | None], ...] = ()
    log: str | None = None


HOVER = json.dumps(request(CASE_ID, "textDocument/hover", hover_params())).encode()
ANSWERED = ((CASE_ID, RESULT),)


def headed(header: bytes, body: bytes = HOVER) -> bytes:
    return header.replace(b"N", str(len(body)).encode()) + body


# fmt: off
FRAMING = [
    Case("lower-case header name", headed(b"content-length: N\r\n\r\n"), ANSWERED),
    Case("no space after the colon", headed(b"Content-Length:N\r\n\r\n"), ANSWERED),
    Case("LF-only lines", headed(b"Content-Length: N\n\n"), ANSWERED),
    Case("Content-Type first", headed(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: N\r\n\r\n"), ANSWERED),
    Case("the same length twice", headed(b"Content-Length: N\r\nContent-Length: N\r\n\r\n"), ANSWERED),
    Case("no blank line after the header", headed(b"Content-Length: N\r\n"), ANSWERED, "no blank line"),
    Case("two different lengths", headed(b"Content-Length: N\r\nContent-Length: 3\r\n\r\n"), ANSWERED, "twice, differently"),
    Case("non-numeric length", headed(b"Content-Length: many\r\n\r\n"), ANSWERED, "not a number"),
    Case("negative length", headed(b"Content-Length: -12\r\n\r\n"), ANSWERED, "not a number"),
    Case("zero length", headed(b"Content-Length: 0\r\n\r\n"), ANSWERED, "Content-Length is 0"),
    Case("no length", headed(b"Content-Type: application/vscode-jsonrpc\r\n\r\n"), ANSWERED, "no Content-Length"),
    Case("no header at all", HOVER, ANSWERED, "without a header"),
    Case("length 2**40", headed(b"Content-Length: %d\r\n\r\n" % 2**40), ANSWERED, "above the limit"),
    Case("length 10**20", headed(b"Content-Length: %d\r\n\r\n" % 10**20), ANSWERED, "above the limit"),
    Case("body shorter than declared", frame(HOVER, b"Content-Length: %d\r\n\r\n" % (len(HOVER) + 9)), ANSWERED, "the message had"),
    Case("body much shorter than declared", frame(HOVER, b"Content-Length: %d\r\n\r\n" % (len(HOVER) + 900)), ANSWERED, "the message had"),
    Case("body longer than declared", frame(HOVER, b"Content-Length: %d\r\n\r\n" % (len(HOVER) - 9)), ANSWERED, "the message had"),
    Case("body not JSON", frame(b'{"jsonrpc": "2.0", "id": 1000,,}'), ((None, -32700),)),
    Case("body not UTF-8", frame(b'{"jsonrpc": "2.0", "id": "\xff\xfe"}'), ((None, -32700),)),
    Case("JSON nested too deeply", frame(b"[" * 100_000 + b"]" * 100_000), ((None, -32700),), "nested too deeply"),
    Case("an empty message", b"Content-Length: 0\r\n\r\n", ((None, -32700),)),
    Case("a line of garbage", b"\x00\x01 hello\r\n", ((None, -32700),)),
    Case("a 100 kB line of garbage", b"x" * 100_000, ((None, -32700),)),
]
# fmt: on


def mutated(method: str, params: dict[str, Any], path: str, value: Any) -> bytes:
    """A request to `method` whose params have `value` at the dotted `path`."""
    changed = json.loads(json.dumps(params))
    *parents, last = path.split(".")
    target = changed
    for key in parents:
        target = target[key]
    target[last] = value
    return frame(request(CASE_ID, method, changed))


POSITION = {"textDocument": {"uri": URI}, "position": dict(DOUBLED)}
REQUESTS: dict[str, dict[str, Any]] = {
    "textDocument/hover": POSITION,
    "textDocument/definition": POSITION,
    "textDocument/references": {**POSITION, "context": {"includeDeclaration": True}},
    "textDocument/documentSymbol": {"textDocument": {"uri": URI}},
    "workspace/symbol": {"query": "dou"},
}
WRONG: dict[str, list[Any]] = {  # values of the wrong type (or range) for a field of that kind
    "uri": [5, None, [], {"a": 1}, True],
    "int": [-1, 2**31, 1.5, "3", None, True],
    "bool": ["yes", 1, None],
    "str": [5, None, []],
    "object": ["text", [], None, 7],
}
# fmt: off
POSITION_FIELDS = [
    ("textDocument", "object"), ("textDocument.uri", "uri"), ("position", "object"),
    ("position.line", "int"), ("position.character", "int"),
]
FIELDS: dict[str, list[tuple[str, str]]] = {
    "textDocument/hover": POSITION_FIELDS,
    "textDocument/definition": POSITION_FIELDS,
    "textDocument/references": [*POSITION_FIELDS, ("context", "object"), ("context.includeDeclaration", "bool")],
    "textDocument/documentSymbol": [("textDocument", "object"), ("textDocument.uri", "uri")],
    "workspace/symbol": [("query", "str")],
}
# fmt: on

# fmt: off
PARAMS = [
    Case(f"{method} {path} = {json.dumps(value)}", mutated(method, REQUESTS[method], path, value),
         ((CASE_ID, -32602),))
    for method, fields in FIELDS.items()
    for path, kind in fields
    for value in WRONG[kind]
] + [
    Case(f"{method} params null", frame(request(CASE_ID, method, None)), ((CASE_ID, -32602),))
    for method in REQUESTS
] + [
    Case(f"{method} params an array", frame(request(CASE_ID, method, [1])), ((CASE_ID, -32602),))
    for method in [*REQUESTS, "livedag/graph", "livedag/lineage"]
] + [
    Case("livedag/graph uri a number", frame(request(CASE_ID, "livedag/graph", {"uri": 5})), ((CASE_ID, -32602),)),
    Case("livedag/lineage without a question", frame(request(CASE_ID, "livedag/lineage", {"uri": URI})), ((CASE_ID, -32602),)),
]
# fmt: on

BAD_URIS = {
    "a NUL byte": b'"file:///tmp/a\\u0000b.py"',
    "an encoded NUL": b'"file:///tmp/a%00b.py"',
    "a lone surrogate": b'"file:///tmp/a\\ud800b.py"',
}
# fmt: off
URIS = [
    Case(f"{method}: a URI with {what}",
         frame(b'{"jsonrpc": "2.0", "id": 1000, "method": "%s", "params": {%s"uri": %s%s, %s}}'
               % (method.encode(), b'"textDocument": {' if nested else b"", uri,
                  b"}" if nested else b"", extra)),
         ((CASE_ID, -32602),))
    for what, uri in BAD_URIS.items()
    for method, nested, extra in [
        ("textDocument/hover", True, b'"position": {"line": 4, "character": 5}'),
        ("livedag/graph", False, b'"depth": 1'),
        ("livedag/lineage", False, b'"question": "upstream", "node": "doubled"'),
    ]
]
# fmt: on

# fmt: off
ENVELOPE = [
    Case('"jsonrpc": "1.0"', frame({**request(CASE_ID, "textDocument/hover", hover_params()), "jsonrpc": "1.0"}), ((CASE_ID, -32600),)),
    Case('no "jsonrpc"', frame({"id": CASE_ID, "method": "textDocument/hover", "params": hover_params()}), ((CASE_ID, -32600),)),
    Case("method a number", frame(request(CASE_ID, 7, hover_params())), ((CASE_ID, -32600),)),
    Case("params a string", frame(request(CASE_ID, "textDocument/hover", "bar")), ((CASE_ID, -32600),)),
    Case("params a string, to livedag/graph", frame(request(CASE_ID, "livedag/graph", "bar")), ((CASE_ID, -32600),)),
    Case("id an object", frame(request({"a": 1}, "textDocument/hover", hover_params())), ((None, -32600),)),
    Case("id an array", frame(request([1], "textDocument/hover", hover_params())), ((None, -32600),)),
    Case("id true", frame(request(True, "textDocument/hover", hover_params())), ((None, -32600),)),
    Case("id a fraction", frame(request(1.5, "textDocument/hover", hover_params())), ((None, -32600),)),
    Case("id null", frame(request(None, "textDocument/hover", hover_params())), ((None, -32600),)),
    Case("a batch", frame([request(CASE_ID, "textDocument/hover", hover_params()), {"jsonrpc": "2.0", "method": "initialized", "params": {}}, 5]), ((CASE_ID, -32600), (None, -32600))),
    Case("an empty batch", frame(b"[]"), ((None, -32600),)),
    Case("a string", frame(b'"hello"'), ((None, -32600),)),
    Case("an empty object", frame(b"{}"), ((None, -32600),)),
    Case("a notification with jsonrpc 1.0", frame({"jsonrpc": "1.0", "method": "initialized"}), ((None, -32600),)),
    Case("a notification's method with an id", frame(request(CASE_ID, "initialized", {})), ((CASE_ID, -32600),)),
    Case("a request's method without an id", frame({"jsonrpc": "2.0", "method": "textDocument/hover", "params": hover_params()}), (), "is a request: send it with an id"),
    Case("an unknown method", frame(request(CASE_ID, "livedag/nothing", {})), ((CASE_ID, -32601),)),
    Case("a response nobody asked for", frame({"jsonrpc": "2.0", "id": 99, "result": None}), (), "unknown message id"),
    Case("a response with both result and error", frame({"jsonrpc": "2.0", "id": 98, "result": 1, "error": {"code": 1, "message": "x"}}), (), "exactly one of"),
]
# fmt: on

# fmt: off
NOTIFICATIONS = [
    Case(f"notification {method} with {what}", frame({"jsonrpc": "2.0", "method": method, "params": params}), (), "notification dropped")
    for method, what, params in [
        ("textDocument/didSave", "an array", [1]),
        ("textDocument/didClose", "no document", {}),
        ("$/cancelRequest", "an object id", {"id": {"a": 1}}),
        ("workspace/didChangeWatchedFiles", "changes a number", {"changes": 5}),
        ("workspace/didChangeConfiguration", "no settings key", {"other": 1}),
    ]
] + [
    Case("notification with a NUL in its URI", frame(b'{"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///a\\u0000"}}}'), (), "NUL character"),
]
# fmt: on

TRUSTWORTHY = FRAMING + ENVELOPE + PARAMS + URIS + NOTIFICATIONS


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    """One server for every case that leaves the stream trustworthy."""
    ROOT.mkdir()
    (ROOT / "flow.py").write_text(FLOW)
    running = RawServer(ROOT)
    try:
        running.initialize()
        probe(running)
        yield running
    finally:
        running.close()
        shutil.rmtree(ROOT, ignore_errors=True)


@pytest.mark.parametrize("case", TRUSTWORTHY, ids=[case.name for case in TRUSTWORTHY])
def test_each_bad_message_gets_its_answer_and_the_server_answers_the_next(
    server: RawServer, case: Case
) -> None:
    logged = len(server.log())
    probe_id = next(server.ids)
    server.send(case.data + frame(request(probe_id, "textDocument/hover", hover_params())))
    expected = Counter(case.replies)

    def complete(got: list[Any]) -> bool:
        seen = Counter(_reply(r) for r in got)
        return any(r.get("id") == probe_id for r in got) and all(
            seen[reply] >= count for reply, count in expected.items()
        )

    got = server.responses_until(complete)
    answer = next(r for r in got if r.get("id") == probe_id)
    assert "doubled: int" in answer["result"]["contents"]["value"], answer
    assert Counter(_reply(r) for r in got if r is not answer) == expected, got
    for response in got:
        if "error" in response:
            assert not PYTHON_TEXT.search(response["error"]["message"]), response
            assert "data" not in response["error"], response
    if case.log is not None:
        assert case.log in server.log()[logged:]


def _reply(response: dict[str, Any]) -> tuple[Any, int | None]:
    error = response.get("error")
    return response.get("id"), error["code"] if error is not None else RESULT


# --- documents: apply what can be applied, never diverge silently --------------------------------


def test_edits_with_unusable_versions_or_positions_are_applied_as_far_as_they_can_be(
    server: RawServer,
) -> None:
    uri = (server.root / "edited.py").as_uri()
    text = "def first() -> int:\n    return 1\n"
    server.send(did_open(uri, text))

    def edit(start: tuple[int, int], end: tuple[int, int], new: str) -> dict[str, Any]:
        points = {"start": start, "end": end}
        edit_range = {k: {"line": v[0], "character": v[1]} for k, v in points.items()}
        return {"range": edit_range, "text": new}

    second = "\ndef second(first: int) -> int:\n    return first\n"
    zeroth = "def zeroth() -> int:\n    return 0\n\n\n"
    third = "\n\ndef third(second: int) -> int:\n    return 3\n"
    server.send(
        did_change(uri, None, [edit((2, 0), (2, 0), second)])
        + did_change(uri, 2**31, [edit((-3, -1), (-1, 0), zeroth)])
        + did_change(uri, 5, [edit((2**31, 0), (2**40, 2**40), third)])
    )
    lines = (zeroth + text + second + third).splitlines()
    symbols = server.call("textDocument/documentSymbol", {"textDocument": {"uri": uri}})["result"]
    assert {s["name"]: s["location"]["range"]["start"]["line"] for s in symbols} == {
        name: next(i for i, line in enumerate(lines) if line.startswith(f"def {name}("))
        for name in ("zeroth", "first", "second", "third")
    }
    log = server.log()
    assert "version null is not a 32-bit integer" in log
    assert "clamped to 0" in log and "clamped to 2147483647" in log
    probe(server)


def test_an_edit_that_cannot_be_applied_is_told_to_the_user(server: RawServer) -> None:
    uri = (server.root / "told.py").as_uri()
    server.send(did_open(uri, "x = 1\n") + did_change(uri, 2, [{"range": "everywhere"}]))
    shown = server.notification("window/showMessage")
    assert "told.py" in shown["params"]["message"] and "reopen" in shown["params"]["message"]
    probe(server)


# --- lifecycle: each ends its server -----------------------------------------------------------


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[RawServer]:
    (tmp_path / "flow.py").write_text(FLOW)
    running = RawServer(tmp_path)
    try:
        yield running
    finally:
        running.close()


def test_lifecycle_before_initialize_after_shutdown_and_exit(fresh: RawServer) -> None:
    assert _code(fresh.call("textDocument/hover", hover_params(fresh.uri))) == -32002
    assert _code(fresh.call("livedag/graph", {"uri": fresh.uri})) == -32002
    assert _code(fresh.call("initialize", None)) == -32602
    assert _code(fresh.call("initialize", {})) == -32602
    fresh.initialize()
    assert _code(fresh.call("initialize", initialize_params(fresh.root))) == -32600
    probe(fresh)
    assert _code(fresh.call("shutdown", None)) == RESULT
    assert _code(fresh.call("textDocument/hover", hover_params(fresh.uri))) == -32600
    assert _code(fresh.call("shutdown", None)) == -32600
    fresh.send(notify("exit", None))
    assert fresh.proc.wait(timeout=TIMEOUT) == 0


def test_exit_without_shutdown_exits_with_status_1(fresh: RawServer) -> None:
    fresh.initialize()
    probe(fresh)
    fresh.send(notify("exit", None))
    assert fresh.proc.wait(timeout=TIMEOUT) == 1


def test_end_of_input_without_shutdown_exits_with_status_1(fresh: RawServer) -> None:
    fresh.initialize()
    assert fresh.exit_status() == 1


def test_a_lost_edit_ends_the_server_for_the_client_to_restart_it(fresh: RawServer) -> None:
    fresh.initialize()
    probe(fresh)
    broken = frame(b'{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"text')
    fresh.send(broken + frame(request(99, "textDocument/hover", hover_params(fresh.uri))))
    assert [_code(r) for r in fresh.responses_until(bool)] == [-32700]
    assert fresh.proc.wait(timeout=TIMEOUT) == 3
    assert "can no longer be trusted" in fresh.log()


def _code(response: dict[str, Any]) -> int | None:
    error = response.get("error")
    if error is not None:
        assert not PYTHON_TEXT.search(error["message"]), error
    return error["code"] if error is not None else RESULT
