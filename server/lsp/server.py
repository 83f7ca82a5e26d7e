"""`livedag serve`: the language server, with every feature registered in this one place.

Each feature lives in its own module and registers its handlers here.  A handler that fails is
logged with its traceback; a request then answers with an error, a notification is dropped, and the
server carries on serving.  Messages are read by `framing` and checked by `protocol` before any
handler sees them.  The server never imports or runs the code it analyses.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, BinaryIO, TypeVar

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer

from . import (
    call_hierarchy,
    change_notifications,
    code_actions,
    code_lens,
    collector,
    completion,
    diagnostics,
    graph,
    highlights,
    hover,
    inlay_hints,
    navigation,
    rename,
    symbols,
    warmup,
)
from .convert import json_converter
from .diagnostics import DiagnosticsPublisher
from .framing import CHUNK, stdin_source
from .locate import Locator
from .open_texts import OpenTexts
from .progress import index_workspace
from .protocol import LivedagProtocol, serve
from .session import Session
from .settings import Settings, parse_settings

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


class LivedagServer(LanguageServer):
    """pygls's server, with every registered handler isolated and logged, reading its messages
    through `framing` and `LivedagProtocol.receive` instead of pygls's reader."""

    protocol: LivedagProtocol

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

    def command(self, command_name: str) -> Callable[[F], F]:
        register = super().command(command_name)

        def decorator(fn: F) -> F:
            register(_logged(command_name, fn))
            return fn

        return decorator

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Tell the user that something failed outside a request, in words, not Python's (pygls
        shows the exception text); the traceback is in the log already."""
        if source is FeatureRequestError:
            return
        self.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Error,
                message="livedag hit an internal error; the server log has the details.",
            )
        )

    def serve_stdio(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> int:
        """Serve over stdio until `exit` or the end of input; the process's exit status."""
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

        async def run() -> int:
            source = stdin_source(stdin or sys.stdin.buffer, asyncio.get_running_loop())
            return await serve(source, self.protocol)

        return self._run(run())

    def serve_tcp(self, host: str, port: int) -> int:
        """Serve one client over TCP (for debugging), as over stdio."""
        done: asyncio.Future[int] | None = None

        async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)
            status = await serve(lambda: reader.read(CHUNK), self.protocol)
            if done is not None and not done.done():
                done.set_result(status)

        async def run() -> int:
            nonlocal done
            done = asyncio.get_running_loop().create_future()
            server = await asyncio.start_server(connected, host, port)
            log.info("serving on %s:%s", host, port)
            async with server:
                return await done

        return self._run(run())

    def _run(self, main: Coroutine[Any, Any, int]) -> int:
        try:
            return asyncio.run(main)
        except BrokenPipeError:
            log.error("the connection to the client is lost: stopping")
            return 1
        except KeyboardInterrupt:
            return 130  # interrupted from a terminal: the shell's status for SIGINT
        finally:
            self.shutdown()


def build_server() -> LivedagServer:
    server = LivedagServer("livedag", _version(), converter_factory=json_converter)
    session = Session(server)
    locator = Locator(session.indexes)
    locator.listen(session)
    publisher = diagnostics.register(server, session)
    graph.register(server, session)
    warmup.register(session)
    idle = collector.register(session)
    server.message_listeners.append(idle.touch)
    change_notifications.register(server, session)
    hover.register(server, session, locator)
    navigation.register(server, session, locator)
    symbols.register(server, session)
    completion.register(server, session)
    rename.register(server, session, locator)
    code_actions.register(server, session, locator)
    call_hierarchy.register(server, session, locator)
    code_lens.register(server, session)
    inlay_hints.register(server, session)
    highlights.register(server, session, locator)
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
        if change_notifications.supports_watcher_registration(ls):
            in_background(
                _quietly(change_notifications.register_watcher(ls), "registering file watchers")
            )

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: LivedagServer, params: Any) -> None:
        # what was edited today is analysed already: the next start reads it
        session.keep_analyses(everything=True)

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
        await session.flushed_when_ready()  # a notification: pending edits are published
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
        return server.serve_tcp(host, int(port))
    return server.serve_stdio()


if __name__ == "__main__":
    sys.exit(main())
