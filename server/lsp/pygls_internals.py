"""The one place that touches pygls's internals, behind names of our own.

`LivedagProtocol` reads its messages itself, checks them before pygls does, answers some without
pygls, and writes JSON it encoded already: it needs parts of pygls's protocol that pygls does not
publish (underscored attributes, the methods it overrides, the generator convention of its
built-in handlers).  They are all used here and nowhere else, so a pygls release that changes
them breaks this module only, and `tests/lsp/test_pygls_internals.py` says which part changed
(pygls is pinned below its next major version in pyproject.toml).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol

# What each public name below stands for in pygls (checked by the test).
PROTOCOL_ATTRIBUTES = (
    "_shutdown",
    "_converter",
    "_request_futures",
    "_result_types",
    "writer",
    "_include_headers",
    "fm",
)
PROTOCOL_METHODS = (
    "_send_data",
    "_send_response",
    "_handle_response",
    "_execute_handler",
    "handle_message",
)
# The built-in handlers `LivedagProtocol` replaces by defining a method of the same name.
REPLACED_BUILTINS = {
    types.EXIT: "lsp_exit",
    types.TEXT_DOCUMENT_DID_OPEN: "lsp_text_document__did_open",
    types.TEXT_DOCUMENT_DID_CHANGE: "lsp_text_document__did_change",
    types.TEXT_DOCUMENT_DID_CLOSE: "lsp_text_document__did_close",
}


class PyglsProtocol(LanguageServerProtocol):
    """pygls's protocol, with the internals livedag needs under public names and two hooks.

    Subclasses override `prepared_send` (send a message some other way) and `outgoing_error`
    (reword an error response) instead of pygls's `_send_data` and `_send_response`.
    """

    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        self.language_server = server
        # The client request being dispatched (set by the subclass around pygls's dispatch): the
        # one handler future pygls must keep filed, see `_execute_handler`.
        self.answering: Any = None

    # --- state -----------------------------------------------------------------------------------

    @property
    def shutdown_received(self) -> bool:
        """Whether the client sent `shutdown` (only `exit` may follow)."""
        return bool(self._shutdown)

    def structure(self, message: Any, kind: Any) -> Any:
        """`message` as an instance of `kind`, with the converter pygls structures messages with."""
        return self._converter.structure(message, kind)

    def take_result_type(self, msg_id: Any) -> Any | None:
        """The result type of the server's request `msg_id`, forgotten now that it is answered."""
        return self._result_types.pop(msg_id, None)

    def fail_request(self, msg_id: Any, error: types.ResponseError) -> bool:
        """Fail the server's pending request `msg_id` with `error`; False if none is pending."""
        if msg_id not in self._request_futures:
            return False
        self._handle_response(msg_id, None, error)
        return True

    def user_handler(self, method: str, args: tuple[Any, ...]) -> Iterator[Any]:
        """For a replaced built-in handler: run the handler registered with `@server.feature`
        for `method` (pygls's built-ins call it by yielding it)."""
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, args, None

    # --- writing ---------------------------------------------------------------------------------

    def write_frame(self, body: str) -> bool:
        """Write one message body, with headers when the transport wants them; False when there
        is no writer yet.  Raises BrokenPipeError when the client has gone."""
        writer = self.writer
        if writer is None:
            return False
        data = body.encode("utf-8")
        if self._include_headers:
            data = f"Content-Length: {len(data)}\r\n\r\n".encode("ascii") + data
        written = writer.write(data)
        if inspect.isawaitable(written):
            asyncio.ensure_future(written)
        return True

    def prepared_send(self, data: Any) -> bool:
        """Send `data` (a response or notification) some other way; False: pygls sends it."""
        return False

    def outgoing_error(self, error: types.ResponseError) -> types.ResponseError:
        """The error a response carries (reworded, say)."""
        return error

    def _send_data(self, data: Any) -> None:
        if not self.prepared_send(data):
            super()._send_data(data)

    def _execute_handler(
        self, msg_id: Any, handler: Any, callback: Any, *args: Any, **kw: Any
    ) -> Any:
        """pygls's handler call, without filing futures no response will ever pop.

        pygls (2.1) files every handler's future in `_request_futures`: a client request's under
        its id (popped when answered, found there by `$/cancelRequest`), but also a notification's
        and each step of its generator handlers (didOpen, didChange, ...) under a fresh uuid that
        nothing ever pops: two futures with their locks, about 1.2 KB, per edit for the whole
        session.  Only the request being answered needs filing; the handlers still complete the
        others, and cancelling a request still reaches its generator through the request's own
        future.
        """
        result = super()._execute_handler(msg_id, handler, callback, *args, **kw)
        if msg_id != self.answering:
            self._request_futures.pop(msg_id, None)
        return result

    def filed_futures(self) -> int:
        """How many handler futures pygls holds (pending client requests only, when all is well)."""
        return len(self._request_futures)

    def _send_response(
        self, msg_id: Any, result: Any | None = None, error: types.ResponseError | None = None
    ) -> None:
        if error is not None:
            error = self.outgoing_error(error)
        super()._send_response(msg_id, result, error)
