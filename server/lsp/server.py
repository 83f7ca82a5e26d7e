"""`livedag serve`: the language server, with every feature registered in this one place.

Each feature lives in its own module and registers its handlers here.  A handler that fails is
logged with its traceback; a request then answers with an error, a notification is dropped, and the
server carries on serving.  The server never imports or runs the code it analyses.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from . import collector, diagnostics, documents, graph, hover, navigation, symbols, warmup
from .convert import EncodedJson, json_converter
from .diagnostics import DiagnosticsPublisher
from .locate import Locator
from .progress import index_workspace
from .session import Session
from .settings import Settings, parse_settings
from .texts import OpenTexts

log = logging.getLogger("livedag.server.lsp")
F = TypeVar("F", bound=Callable[..., Any])


def _version() -> str:
    try:
        return version("livedag")
    except PackageNotFoundError:
        return "0"


def _logged(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn`, logging any failure with its traceback (requests still answer with the error)."""
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            except (JsonRpcException, asyncio.CancelledError):
                raise
            except Exception:
                log.error("%s failed", name, exc_info=True)
                raise

        return run_async

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except JsonRpcException:
            raise
        except Exception:
            log.error("%s failed", name, exc_info=True)
            raise

    return run


class LivedagProtocol(LanguageServerProtocol):
    """pygls's protocol, with open documents kept in `OpenTexts` (see `texts`) instead of
    pygls's workspace, whose incremental change is a pass over every line in Python."""

    _server: LivedagServer

    def handle_message(self, message: Any) -> Any:
        for listener in self._server.message_listeners:
            listener()
        return super().handle_message(message)

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        document = params.text_document
        self._server.texts.open(document.uri, document.text, document.version)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        document = params.text_document
        if not self._server.texts.change(document.uri, document.version, params.content_changes):
            log.warning("didChange for %s, which was never opened: ignored", document.uri)
            return
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        self._server.texts.close(params.text_document.uri)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def send_encoded(self, method: str, params_json: str) -> bool:
        """Send a notification whose params are JSON text already (diagnostics whose JSON is
        cached per problem: a keystroke encodes only the new ones).  False when this transport
        cannot; the caller then sends it the usual way."""
        body = f'{{"jsonrpc":"2.0","method":{json.dumps(method)},"params":{params_json}}}'
        return self._write_body(body, method)

    def _send_data(self, data: Any) -> None:
        """pygls's, except that a response whose result is `EncodedJson` is sent as it is."""
        result = getattr(data, "result", None)
        if isinstance(result, EncodedJson) and getattr(data, "error", None) is None:
            body = f'{{"jsonrpc":"2.0","id":{json.dumps(data.id)},"result":{result.text}}}'
            if self._write_body(body, "a response"):
                return
        super()._send_data(data)

    def _write_body(self, body: str, what: str) -> bool:
        writer = getattr(self, "writer", None)
        if writer is None:
            return False
        data = body.encode("utf-8")
        if getattr(self, "_include_headers", True):
            data = f"Content-Length: {len(data)}\r\n\r\n".encode("ascii") + data
        try:
            written = writer.write(data)
            if inspect.isawaitable(written):
                asyncio.ensure_future(written)
        except BrokenPipeError:
            log.error("the client has gone: could not send %s", what)
        return True


class LivedagServer(LanguageServer):
    """pygls's server, with every registered handler isolated and logged."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.texts = OpenTexts()
        self.message_listeners: list[Callable[[], None]] = []  # told of every message received
        kwargs.setdefault("protocol_cls", LivedagProtocol)
        super().__init__(*args, **kwargs)

    def feature(self, feature_name: str, options: Any | None = None) -> Callable[[F], F]:
        register = super().feature(feature_name, options)

        def decorator(fn: F) -> F:
            register(_logged(feature_name, fn))
            return fn

        return decorator


def build_server() -> LivedagServer:
    server = LivedagServer("livedag", _version(), converter_factory=json_converter)
    session = Session(server)
    locator = Locator(session.indexes)
    publisher = diagnostics.register(server, session)
    graph.register(server, session)
    warmup.register(session)
    idle = collector.register(session)
    server.message_listeners.append(idle.touch)
    documents.register(server, session)
    hover.register(server, session, locator)
    navigation.register(server, session, locator)
    symbols.register(server, session)
    _register_lifecycle(server, session, publisher)
    return server


def _register_lifecycle(
    server: LivedagServer, session: Session, publisher: DiagnosticsPublisher
) -> None:
    tasks: set[asyncio.Task[None]] = set()

    def in_background(coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def tell(errors: list[str]) -> None:
        for message in errors:
            server.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Warning, message=message)
            )

    def apply(settings: Settings, errors: list[str]) -> None:
        previous = session.settings
        session.settings = settings
        tell(errors)
        if settings.config != previous.config:
            session.set_config(dict(settings.config) if settings.config is not None else None)
        if settings.severities != previous.severities:
            publisher.republish_all()

    pending_errors: list[str] = []

    @server.feature(types.INITIALIZE)
    def initialize(ls: LivedagServer, params: types.InitializeParams) -> None:
        session.settings, errors = parse_settings(params.initialization_options)
        pending_errors.extend(errors)

    @server.feature(types.INITIALIZED)
    def initialized(ls: LivedagServer, params: types.InitializedParams) -> None:
        session.positions.encoding = str(
            ls.server_capabilities.position_encoding or types.PositionEncodingKind.Utf16
        )
        ls.texts.encoding = session.positions.encoding
        tell(pending_errors)
        pending_errors.clear()
        in_background(index_workspace(ls, session))
        if documents.supports_watcher_registration(ls):
            in_background(_quietly(documents.register_watcher(ls), "registering file watchers"))

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: LivedagServer, params: types.DidChangeConfigurationParams
    ) -> None:
        raw = params.settings
        if not raw and _can_pull_configuration(ls):
            pulled = await ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="livedag")])
            )
            raw = pulled[0] if pulled else None
        await session.current_when_ready()
        apply(*parse_settings(raw))


def _can_pull_configuration(server: LanguageServer) -> bool:
    workspace = server.client_capabilities.workspace
    return bool(workspace and workspace.configuration)


async def _quietly(coro: Any, what: str) -> None:
    try:
        await coro
    except Exception:
        log.warning("%s failed; carrying on without it", what, exc_info=True)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="livedag serve", description="Run the livedag language server (stdio by default)."
    )
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead, for debugging")
    parser.add_argument(
        "--log-level",
        default=os.environ.get("LIVEDAG_LOG", "WARNING"),
        help="log level on stderr (default WARNING; also $LIVEDAG_LOG)",
    )
    parser.add_argument("--stdio", action="store_true", help="use stdio (the default)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    server = build_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            print(f"livedag serve: --tcp wants HOST:PORT, got {args.tcp!r}", file=sys.stderr)
            return 2
        server.start_tcp(host, int(port))
    else:
        server.start_io()
    return 0


if __name__ == "__main__":
    sys.exit(main())
