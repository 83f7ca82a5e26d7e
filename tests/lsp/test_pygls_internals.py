"""pygls's internals that `server/lsp/pygls_internals.py` stands on, checked against pygls itself.

When one of these fails after a pygls upgrade, the message names the internal that changed: adapt
`PyglsProtocol` (the only module that uses them), not the rest of the server.
"""

from __future__ import annotations

import inspect
import re
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from livedag.server.lsp import pygls_internals
from livedag.server.lsp.protocol import INTERNAL_ERROR_MESSAGE, LivedagProtocol
from livedag.server.lsp.pygls_internals import PyglsProtocol
from livedag.server.lsp.server import build_server
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol


class _Writer:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        pass


def _plain_protocol() -> LanguageServerProtocol:
    return LanguageServer("probe", "0").protocol


@pytest.mark.parametrize("name", pygls_internals.PROTOCOL_ATTRIBUTES)
def test_pygls_protocol_has_the_attributes_we_rely_on(name: str) -> None:
    protocol = _plain_protocol()
    assert hasattr(protocol, name), f"pygls's protocol no longer has `{name}`"


def test_pygls_protocol_attributes_have_the_shapes_we_rely_on() -> None:
    protocol = _plain_protocol()
    assert protocol._shutdown is False
    assert isinstance(protocol._request_futures, dict)
    assert isinstance(protocol._result_types, dict)
    assert isinstance(protocol.fm.features, dict)
    assert callable(protocol._converter.structure)
    writer = _Writer()
    protocol.set_writer(writer)
    assert protocol.writer is writer and protocol._include_headers is True
    protocol.set_writer(writer, include_headers=False)
    assert protocol._include_headers is False


@pytest.mark.parametrize("name", pygls_internals.PROTOCOL_METHODS)
def test_pygls_protocol_has_the_methods_we_rely_on(name: str) -> None:
    assert callable(getattr(LanguageServerProtocol, name, None)), f"pygls has no `{name}` now"


@pytest.mark.parametrize(
    ("name", "parameters"),
    [
        ("_send_data", ["self", "data"]),
        ("_send_response", ["self", "msg_id", "result", "error"]),
        ("_handle_response", ["self", "msg_id", "result", "error"]),
        ("_execute_handler", ["self", "msg_id", "handler", "callback", "args", "kwargs"]),
    ],
)
def test_pygls_methods_take_the_parameters_we_pass(name: str, parameters: list[str]) -> None:
    found = list(inspect.signature(getattr(LanguageServerProtocol, name)).parameters)
    assert found == parameters, f"pygls's `{name}` now takes {found}"


def test_shutdown_sets_the_flag_shutdown_received_reads() -> None:
    protocol = build_server().protocol
    assert protocol.shutdown_received is False
    for _ in protocol.lsp_shutdown():
        pass  # no user handler for shutdown: nothing is yielded
    assert protocol._shutdown is True and protocol.shutdown_received is True


@pytest.mark.parametrize(("method", "name"), sorted(pygls_internals.REPLACED_BUILTINS.items()))
def test_our_builtin_handlers_replace_pygls_own(method: str, name: str) -> None:
    theirs = getattr(LanguageServerProtocol, name, None)
    assert getattr(theirs, "method_name", None) == method, (
        f"pygls's built-in handler for {method} is no longer `{name}`: ours would not replace it"
    )
    registered = build_server().protocol.fm.builtin_features[method]
    assert registered.__func__ is getattr(LivedagProtocol, name)


def test_user_handler_follows_pygls_generator_convention() -> None:
    theirs = inspect.getsource(LanguageServerProtocol.lsp_exit)
    assert "yield user_handler, args, None" in theirs, (
        "pygls's built-in handlers no longer call the user's handler by yielding "
        "(handler, args, None): PyglsProtocol.user_handler must follow the new convention"
    )
    protocol = build_server().protocol
    assert list(protocol.user_handler(types.TEXT_DOCUMENT_HOVER, ())) != []  # hover registered
    assert list(protocol.user_handler("livedag/never-registered", ())) == []


def test_responses_pass_through_our_hooks() -> None:
    protocol = build_server().protocol
    writer = _Writer()
    protocol.set_writer(writer)
    protocol._send_response(
        7, None, types.ResponseError(code=-32603, message="KeyError: 'python words'")
    )
    (sent,) = writer.written
    assert INTERNAL_ERROR_MESSAGE.encode() in sent and b"KeyError" not in sent
    assert sent.startswith(b"Content-Length: ")


def test_write_frame_follows_the_writer_and_its_headers() -> None:
    protocol = build_server().protocol
    assert protocol.write_frame("{}") is False  # no writer yet
    writer = _Writer()
    protocol.set_writer(writer, include_headers=False)
    assert protocol.write_frame('{"a":1}') is True
    assert writer.written == [b'{"a":1}']


def test_requests_to_the_client_are_tracked_where_we_look() -> None:
    protocol = build_server().protocol
    protocol.set_writer(_Writer())
    future: Future[Any] = protocol.send_request(types.WORKSPACE_CONFIGURATION, None, msg_id=41)
    assert protocol.take_result_type(41) is not None
    assert protocol.take_result_type(41) is None  # forgotten once taken
    error = types.ResponseError(code=-32600, message="bad answer")
    assert protocol.fail_request(41, error) is True
    with pytest.raises(JsonRpcException):
        future.result(timeout=0)
    assert protocol.fail_request(41, error) is False  # no longer pending


def test_only_the_seam_subclasses_pygls_protocol() -> None:
    assert issubclass(LivedagProtocol, PyglsProtocol)
    assert LivedagProtocol.__bases__ == (PyglsProtocol,)


def test_no_other_module_touches_pygls_internals() -> None:
    import livedag.server as server_package

    root = Path(server_package.__file__).parent
    internal = [name for name in pygls_internals.PROTOCOL_ATTRIBUTES if name.startswith("_")]
    internal += [name for name in pygls_internals.PROTOCOL_METHODS if name.startswith("_")]
    internal += ["fm.features", "_server"]
    offenders = [
        f"{path.relative_to(root)}: {name}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "pygls_internals.py"
        for name in internal
        if re.search(rf"\.{re.escape(name)}\b", path.read_text())
    ]
    assert offenders == [], "pygls internals outside server/lsp/pygls_internals.py"
