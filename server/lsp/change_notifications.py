"""The notifications that say what changed: documents opened, edited, saved or closed, and files
changed on disk (watched-file events).

These handlers only record what changed and return; the session analyses and publishes when the
server is idle, so a burst of keystrokes costs one analysis (a request that needs the answer
sooner analyses, but never publishes: docs/design.md, "Requests and notifications").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from .convert import uri_to_path
from .session import Session

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

WATCHED_GLOBS = ("**/*.py", "**/pyproject.toml")
WATCHER_ID = "livedag-watched-files"


def supports_watcher_registration(server: LanguageServer) -> bool:
    workspace = server.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    return bool(watched and watched.dynamic_registration)


async def register_watcher(server: LanguageServer) -> None:
    """Ask the client to tell us when Python files or pyproject.toml change on disk."""
    await server.client_register_capability_async(
        types.RegistrationParams(
            registrations=[
                types.Registration(
                    id=WATCHER_ID,
                    method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=types.DidChangeWatchedFilesRegistrationOptions(
                        watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHED_GLOBS]
                    ),
                )
            ]
        )
    )


def register(server: LanguageServer, session: Session) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        session.text_changed(params.text_document.uri, params.text_document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        session.text_changed(params.text_document.uri, params.text_document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        # The buffer already holds what was saved: its analysis is kept on disk for the next
        # start (soon, not inside the save).  A save of a file we never saw open (some clients
        # save files they did not open) is a change on disk.
        path = uri_to_path(params.text_document.uri)
        if path is None:
            return
        if params.text_document.uri in session.open_versions:
            session.keep_analysis_soon(path)
        else:
            session.file_changed_on_disk(path, deleted=False)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        session.text_changed(params.text_document.uri, None)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: LanguageServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        for event in params.changes:
            path = uri_to_path(event.uri)
            if path is not None:
                session.file_changed_on_disk(
                    path, deleted=event.type == types.FileChangeType.Deleted
                )
