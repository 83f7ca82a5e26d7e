"""livedag's side of the wire: every message checked, every request answered exactly once.

`LivedagProtocol` is pygls's protocol with three changes:

- messages arrive through `receive` (from `framing.FrameReader`), which checks them as JSON-RPC
  2.0 and LSP 3.17 say before pygls sees them (see `jsonrpc`): a request answers -32700, -32600,
  -32602, -32002 (before `initialize`) or -32600 (after `shutdown`) instead of waiting forever; a
  notification with bad params is logged and dropped, except a document edit, which is repaired
  and applied (see `edit_repair`);
- open documents are kept in `OpenTexts` (see `open_texts`) instead of pygls's workspace, whose
  incremental change is a pass over every line in Python;
- an internal failure answers -32603 with a sentence for a person (the traceback goes to the log),
  and `exit` ends the loop with status 0 after `shutdown` and 1 without, as LSP asks.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import attrs
from lsprotocol import types
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    lsp_method,
)

from . import edit_repair, jsonrpc
from .convert import EncodedJson
from .framing import ChunkSource, FrameReader, Received
from .jsonrpc import Envelope, Kind, MsgId, Rejected
from .pygls_internals import PyglsProtocol

if TYPE_CHECKING:
    from .open_texts import OpenTexts

log = logging.getLogger("livedag.server.lsp")

# The status when the stream lost a message that may have been an edit: the client restarts the
# server, which then gets every open document again.
STREAM_LOST_STATUS = 3
INTERNAL_ERROR_MESSAGE = (
    "livedag failed on this request (an internal error); the server log has the details"
)
_EDIT_MARKERS = (b"Document/did", b"Document\\/did")  # a lost message naming a document event


class LivedagProtocol(PyglsProtocol):
    """pygls's protocol, receiving through `receive`, with open documents in `OpenTexts`.

    What it needs of pygls's internals it reaches through `PyglsProtocol` (`pygls_internals`).
    """

    def __init__(self, server: Any, converter: Any) -> None:
        super().__init__(server, converter)
        self.exit_status: int | None = None  # set when the server must stop reading
        self.initialize_received = False
        self.texts: OpenTexts = server.texts
        self.message_listeners: list[Callable[[], None]] = server.message_listeners
        # Whether a message is already here or on its way, unread (set by `serve`): idle work
        # waits for it (`idle.Deferral`).
        self.input_waiting: Callable[[], bool] = lambda: False

    # --- receiving -----------------------------------------------------------------------------

    def receive(self, received: Received) -> None:
        """Handle one message as the reader delivered it."""
        for listener in self.message_listeners:
            listener()
        if received.lost is not None:
            self._lost(received)
            return
        if received.problem is not None:
            log.warning("a message from the client was misframed: %s", received.problem)
        value = received.value
        if isinstance(value, list):
            self._batch(value)
            return
        try:
            found = jsonrpc.envelope(value)
        except Rejected as rejected:
            log.warning("invalid message from the client: %s", rejected.message)
            self.reply_error(rejected.msg_id, rejected.code, rejected.message)
            return
        if found.kind is Kind.REQUEST:
            self._request(value, found)
        elif found.kind is Kind.NOTIFICATION:
            self._notification(value, found)
        else:
            self._response(value, found)

    def _request(self, message: dict[str, Any], found: Envelope) -> None:
        method, msg_id = found.method, found.msg_id
        assert msg_id is not None
        try:
            if not self.initialize_received and method != types.INITIALIZE:
                raise Rejected(
                    jsonrpc.SERVER_NOT_INITIALIZED,
                    f"livedag is not initialized yet: send 'initialize' before {method!r}",
                )
            if self.shutdown_received:
                raise Rejected(
                    jsonrpc.INVALID_REQUEST,
                    f"livedag is shutting down (it received 'shutdown'): {method!r} is refused; "
                    "only 'exit' is accepted now",
                )
            if method == types.INITIALIZE:
                if self.initialize_received:
                    raise Rejected(jsonrpc.INVALID_REQUEST, "'initialize' may be sent only once")
            typed = self._structure(message, method, JsonRPCRequestMessage)
        except Rejected as rejected:
            log.warning("request %r (%s) refused: %s", msg_id, method, rejected.message)
            self.reply_error(msg_id, rejected.code, rejected.message)
            return
        if method == types.INITIALIZE:
            self.initialize_received = True
        self.answering = msg_id
        try:
            self._dispatch(typed, found)
        finally:
            self.answering = None

    def _notification(self, message: dict[str, Any], found: Envelope) -> None:
        method = found.method
        if method != types.EXIT:
            if not self.initialize_received:
                log.warning("%s before 'initialize': dropped, as LSP asks", method)
                return
            if self.shutdown_received:
                log.info("%s after 'shutdown': dropped", method)
                return
        try:
            typed = self._structure(message, method, JsonRPCNotification)
        except Rejected as rejected:
            typed = self._repaired(message, method, rejected.message)
            if typed is None:
                return
        self._dispatch(typed, found)

    def _dispatch(self, typed: Any, found: Envelope) -> None:
        """pygls's dispatch; a failure in it is logged, and a request still gets its answer."""
        try:
            self.handle_message(typed)
        except Exception:
            log.error("handling %s failed", found.method or "a response", exc_info=True)
            if found.kind is Kind.REQUEST:
                self.reply_error(found.msg_id, jsonrpc.INTERNAL_ERROR, INTERNAL_ERROR_MESSAGE)

    def _structure(self, message: dict[str, Any], method: str, generic: type) -> Any:
        """The message as the protocol's type for `method`; `Rejected` (-32602) if it is not one."""
        problem = jsonrpc.uri_problem(message.get("params"))
        if problem is not None:
            raise Rejected(jsonrpc.INVALID_PARAMS, f"invalid params for {method}: {problem}")
        kind = self.get_message_type(method)
        if kind is None:
            kind = generic
            if "params" not in message:
                message = {**message, "params": None}
        elif _is_request_type(kind) != ("id" in message):
            if "id" in message:
                wanted = "a notification: send it without an id"
            else:
                wanted = "a request: send it with an id"
            raise Rejected(jsonrpc.INVALID_REQUEST, f"{method!r} is {wanted}")
        try:
            return self.structure(message, kind)
        except Exception as exc:
            log.debug("structuring %s failed", method, exc_info=True)
            why = jsonrpc.params_problem(exc)
            raise Rejected(jsonrpc.INVALID_PARAMS, f"invalid params for {method}: {why}") from None

    def _repaired(self, message: dict[str, Any], method: str, problem: str) -> Any | None:
        """A notification that failed its type: repaired if it is an edit, else dropped (None)."""
        if method not in edit_repair.REPAIRABLE:
            log.warning("notification dropped: %s", problem)
            return None
        params = message.get("params")
        document = params.get("textDocument") if isinstance(params, dict) else None
        uri = document.get("uri") if isinstance(document, dict) else None
        last = self.texts.version(uri) if isinstance(uri, str) else None
        try:
            if jsonrpc.uri_problem(params) is not None:
                raise edit_repair.Unrepairable(problem)
            repaired = edit_repair.repair(method, params, last)
        except edit_repair.Unrepairable as unusable:
            self._edit_lost(method, uri, str(unusable))
            return None
        try:
            kind = self.get_message_type(method)
            assert kind is not None  # a document notification has a protocol type
            typed = self.structure({**message, "params": repaired.params}, kind)
        except Exception as exc:
            self._edit_lost(method, uri, jsonrpc.params_problem(exc))
            return None
        log.warning("%s for %s repaired (%s): %s", method, uri, problem, "; ".join(repaired.notes))
        return typed

    def _edit_lost(self, method: str, uri: Any, why: str) -> None:
        """An edit that cannot be applied: the server's text may now differ from the editor's."""
        log.error("%s for %s could not be applied: %s", method, uri, why)
        if method == types.TEXT_DOCUMENT_DID_CHANGE and isinstance(uri, str) and uri in self.texts:
            self.language_server.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning,
                    message=(
                        f"livedag could not apply an edit to {unquote(uri.rsplit('/', 1)[-1])} "
                        f"({why}); "
                        "its view of the file may differ from yours until you close and reopen it."
                    ),
                )
            )

    def _response(self, message: dict[str, Any], found: Envelope) -> None:
        """An answer from the client to one of the server's requests."""
        msg_id = found.msg_id
        problem = found.problem
        typed = None
        if problem is None:
            result_type = self.take_result_type(msg_id) if msg_id is not None else None
            kind = types.ResponseErrorMessage if "error" in message else result_type
            try:
                typed = self.structure(message, kind or JsonRPCResponseMessage)
            except Exception as exc:
                problem = jsonrpc.params_problem(exc)
        if typed is not None:
            self._dispatch(typed, found)
            return
        log.warning("invalid response from the client to %r: %s", msg_id, problem)
        if msg_id is not None:
            error = types.ResponseError(code=jsonrpc.INVALID_REQUEST, message=str(problem))
            self.fail_request(msg_id, error)

    def _batch(self, batch: list[Any]) -> None:
        """A JSON array of messages: LSP has no batches; each request gets -32600 in one array."""
        if not batch:
            self.reply_error(None, jsonrpc.INVALID_REQUEST, "an empty batch (an empty JSON array)")
            return
        message = (
            "batches are not part of the Language Server Protocol: send each message on its own"
        )
        replies = []
        for item in batch:
            if isinstance(item, dict) and ("method" not in item) != ("id" not in item):
                continue  # a notification or a response: nothing to answer
            msg_id = item.get("id") if isinstance(item, dict) else None
            replies.append(
                jsonrpc.error_json(
                    msg_id if jsonrpc.is_id(msg_id) else None, jsonrpc.INVALID_REQUEST, message
                )
            )
        log.warning("a batch of %d messages refused: %s", len(batch), message)
        if replies:
            self._write_body(f"[{','.join(replies)}]", "the answer to a batch")

    def _lost(self, received: Received) -> None:
        """Bytes that were no message: answer -32700; stop when an edit may have been lost."""
        lost = received.lost or b""
        log.warning("could not read a message: %s; it began %r", received.problem, lost[:200])
        self.reply_error(None, jsonrpc.PARSE_ERROR, f"could not read a message: {received.problem}")
        if not received.complete or any(marker in lost for marker in _EDIT_MARKERS):
            log.error(
                "the lost bytes may have held a document change, so livedag's copy of the open "
                "documents can no longer be trusted: exiting (status %d) for the client to "
                "restart the server, which then receives every open document again",
                STREAM_LOST_STATUS,
            )
            self.exit_status = STREAM_LOST_STATUS

    # --- lifecycle and documents ---------------------------------------------------------------

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Any:
        """Stop reading: status 0 after `shutdown`, 1 without (the loop's caller exits with it)."""
        yield from self.user_handler(types.EXIT, args)
        self.exit_status = 0 if self.shutdown_received else 1
        if self.exit_status:
            log.warning("'exit' without 'shutdown': exiting with status 1, as LSP asks")

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        document = params.text_document
        self.texts.open(document.uri, document.text, document.version)
        yield from self.user_handler(types.TEXT_DOCUMENT_DID_OPEN, (params,))

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        document = params.text_document
        if not self.texts.change(document.uri, document.version, params.content_changes):
            log.warning("didChange for %s, which was never opened: ignored", document.uri)
            return
        yield from self.user_handler(types.TEXT_DOCUMENT_DID_CHANGE, (params,))

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        self.texts.close(params.text_document.uri)
        yield from self.user_handler(types.TEXT_DOCUMENT_DID_CLOSE, (params,))

    # --- sending -------------------------------------------------------------------------------

    def reply_error(self, msg_id: MsgId | None, code: int, message: str) -> None:
        self._write_body(jsonrpc.error_json(msg_id, code, message), "an error response")

    def outgoing_error(self, error: types.ResponseError) -> types.ResponseError:
        """An internal error says so in words, not Python's (the traceback is in the log)."""
        if error.code == jsonrpc.INTERNAL_ERROR:
            return types.ResponseError(code=jsonrpc.INTERNAL_ERROR, message=INTERNAL_ERROR_MESSAGE)
        return error

    def send_encoded(self, method: str, params_json: str) -> bool:
        """Send a notification whose params are JSON text already (diagnostics whose JSON is
        cached per problem: a keystroke encodes only the new ones).  False when this transport
        cannot; the caller then sends it the usual way."""
        body = f'{{"jsonrpc":"2.0","method":{json.dumps(method)},"params":{params_json}}}'
        return self._write_body(body, method)

    def prepared_send(self, data: Any) -> bool:
        """A response whose result is `EncodedJson` is sent as it is."""
        result = getattr(data, "result", None)
        if isinstance(result, EncodedJson) and getattr(data, "error", None) is None:
            body = f'{{"jsonrpc":"2.0","id":{json.dumps(data.id)},"result":{result.text}}}'
            return self._write_body(body, "a response")
        return False

    def _write_body(self, body: str, what: str) -> bool:
        try:
            return self.write_frame(body)
        except BrokenPipeError:
            log.error("the client has gone: could not send %s", what)
        return True


_REQUEST_TYPES: dict[type, bool] = {}


def _is_request_type(kind: type) -> bool:
    """Whether the protocol's type for a method is a request's (it has an id)."""
    known = _REQUEST_TYPES.get(kind)
    if known is None:
        known = _REQUEST_TYPES[kind] = attrs.has(kind) and "id" in attrs.fields_dict(kind)
    return known


async def serve(source: ChunkSource, protocol: LivedagProtocol) -> int:
    """Read and handle messages until `exit` or the end of the stream; the exit status."""
    reader = FrameReader(source)
    protocol.input_waiting = reader.holds_input
    while protocol.exit_status is None:
        received = await reader.receive()
        if received is None:
            status = 0 if protocol.shutdown_received else 1
            if status:
                log.warning("the client closed the connection without 'shutdown': status 1")
            return status
        protocol.receive(received)
        await asyncio.sleep(0)  # let the handlers this message started run before the next one
    return protocol.exit_status
