"""A long day of notifications leaves nothing behind in the protocol: pygls files a future for
every handler it runs, and only a request's is ever popped (when it is answered)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from livedag.server.lsp.server import build_server


def _framed(*messages: dict[str, Any]) -> bytes:
    out = b""
    for message in messages:
        body = json.dumps(message).encode()
        out += b"Content-Length: %d\r\n\r\n" % len(body) + body
    return out


def test_notifications_and_answered_requests_leave_no_future_filed(tmp_path: Path) -> None:
    module = tmp_path / "flow.py"
    module.write_text("def a(x: int) -> int:\n    return x\n")
    uri = module.as_uri()
    edits = [
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": {"uri": uri, "version": v},
                "contentChanges": [{"text": f"def a(x: int) -> int:\n    return x + {v}\n"}],
            },
        }
        for v in range(2, 42)
    ]
    stream = _framed(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}},
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {
                    "uri": uri,
                    "languageId": "python",
                    "version": 1,
                    "text": module.read_text(),
                }
            },
        },
        *edits,
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "textDocument/hover",
            "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 4}},
        },
        {"jsonrpc": "2.0", "id": 3, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    )
    server = build_server()
    out = io.BytesIO()
    assert server.serve_stdio(io.BytesIO(stream), out) == 0
    answered = {m.get("id") for m in _messages(out.getvalue())}
    assert {1, 2, 3} <= answered  # the requests were answered
    assert server.protocol.filed_futures() == 0  # and nothing else stayed filed


def _messages(data: bytes) -> list[dict[str, Any]]:
    found = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        fields = dict(line.split(b":", 1) for line in head.split(b"\r\n"))
        length = int(fields[b"Content-Length"])
        found.append(json.loads(rest[:length]))
        data = rest[length:]
    return found
