"""Rename a node everywhere its name is written: `prepareRename` and `rename`.

The edits come from `rename_plan` (where the name is written, from the graphs the diagnostics
use) and the refusals from `rename_checks` (what is not renamed, and why); this module answers
the protocol.  A rename that also renames a key of the data (`@extract_columns("age")` takes the
column `age`) is sent as `documentChanges` whose edits carry a change annotation that needs the
user's confirmation, labelled with what must be renamed too; a client without change annotation
support gets a refusal saying so.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from livedag.server.analyzer import document_lines
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from . import rename_checks, rename_warmup
from .convert import EncodedJson, JsonObject
from .function_source import source_at
from .locate import Locator, Role, Target
from .rename_checks import Refused, check_definitions, definition_span, name_span, views_with
from .rename_plan import Plan, plan_rename, rename_parameter
from .session import Session
from .text_edits import Span, edit_json, range_json

if TYPE_CHECKING:
    from livedag.server.workspace import DataflowView, Snapshot
    from pygls.lsp.server import LanguageServer

    from .plain_consumers import FileEdits

__all__ = ["Plan", "Refused", "apply", "plan_rename", "prepare", "rename_parameter"]

REQUEST_FAILED = -32803  # the protocol's RequestFailed


class RenameRefused(JsonRpcException):
    """A refusal as the protocol answers it (RequestFailed, with the reason as the message)."""

    CODE = REQUEST_FAILED


class _RefusalsAreAnswers(logging.Filter):
    """pygls logs every error a handler raises with its traceback; a refused rename is an
    answer, not a failure, so its record is dropped (other errors are still logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, RenameRefused)


def prepare(snapshot: Snapshot, target: Target, view: DataflowView) -> tuple[str, Span]:
    """The node a rename at `target` renames and the span to edit, or `Refused`."""
    if target.role is Role.FUNCTION:
        made = list(target.nodes)
        base = target.name.split("__", 1)[0] if "__" in target.name[1:] else target.name
        if base not in made:
            listed = ", ".join(f"`{n}`" for n in made) or "none"
            raise Refused(
                f"the function `{target.name}` names no node itself (its nodes: {listed}); "
                "rename a node where its name is written"
            )
        name = base
    else:
        name = target.name
    span = (
        definition_span(snapshot, target.location, name)
        if target.role is Role.NODE
        else name_span(snapshot, target.location, name)
    )
    if span is None:
        raise Refused(
            f"`{name}` is not written here as it is (the code computes it); rename it where it "
            "is written"
        )
    check_definitions(snapshot, name, views_with(snapshot, name))
    return name, span


def workspace_edit(session: Session, plan: Plan) -> dict[str, Any]:
    """The plan as a `WorkspaceEdit`: plain `changes`, or when some edits rename a key of the
    data, `documentChanges` with those edits annotated (`changeAnnotations`, confirmation
    needed)."""
    if not plan.confirm:
        changes: dict[str, list[dict[str, Any]]] = {}
        for path, edits in plan.edits.items():
            lines = session.lines(path)
            changes[session.uri_of(path)] = [
                edit_json(session.positions, lines, span, text) for span, text in _ordered(edits)
            ]
        return {"changes": changes}
    annotations: dict[str, dict[str, Any]] = {}
    document_changes = []
    for path, edits in plan.edits.items():
        lines = session.lines(path)
        confirm = plan.confirm.get(path, {})
        out = []
        for span, text in _ordered(edits):
            edit = edit_json(session.positions, lines, span, text)
            data_key = confirm.get(span)
            if data_key is not None:
                annotations.setdefault(
                    data_key.label,
                    {
                        "label": data_key.label,
                        "description": data_key.description,
                        "needsConfirmation": True,
                    },
                )
                edit["annotationId"] = data_key.label
            out.append(edit)
        uri = session.uri_of(path)
        document_changes.append(
            {"textDocument": {"uri": uri, "version": session.version_of(path)}, "edits": out}
        )
    return {"documentChanges": document_changes, "changeAnnotations": annotations}


def workspace_edit_text(session: Session, plan: Plan) -> str:
    """`workspace_edit` encoded as JSON text, written directly: a rename of an input that 400
    functions take is 800 edits, and building their dictionaries and encoding them cost more
    than planning them."""
    if plan.confirm:
        return json.dumps(workspace_edit(session, plan), separators=(",", ":"))
    positions = session.positions
    texts: dict[str, str] = {}
    files = []
    for path, edits in plan.edits.items():
        # The session's text of the file is ASCII (known per analysis): columns as they are.
        source = source_at(session.snapshot, path) if session.snapshot is not None else None
        lines = None if source is not None and source.ascii else session.lines(path)
        plain = lines is None or lines.ascii
        share = plan.shares.get(path)
        if plain and share is not None:
            # The plain consumers' edits (their keys are among the edits): their pieces,
            # encoded once, with the new text; any other edit of the file merged in order.
            keys = share.keys
            news = {edits[span] for span in keys}
            if len(news) == 1:
                new_text = json.dumps(news.pop())
                if len(keys) == len(edits):
                    written = f"{new_text}}},".join(share.pieces()) + new_text + "}"
                else:
                    others = [(s, t) for s, t in edits.items() if s not in keys]
                    written = _merged(share, new_text, others, texts)
                files.append(f"{json.dumps(session.uri_of(path))}:[{written}]")
                continue
        out = []
        for span, text in _ordered(edits):
            line, column, end_line, end_column = (
                span.line,
                span.column,
                span.end_line,
                span.end_column,
            )
            if not plain:
                column = positions.to_client(lines, line - 1, column)
                end_column = positions.to_client(lines, end_line - 1, end_column)
            encoded = texts.get(text)
            if encoded is None:
                encoded = texts[text] = json.dumps(text)
            out.append(_edit_text(line, column, end_line, end_column, encoded))
        files.append(f"{json.dumps(session.uri_of(path))}:[{','.join(out)}]")
    return f'{{"changes":{{{",".join(files)}}}}}'


def _merged(
    share: FileEdits, new_text: str, others: list[tuple[Span, str]], texts: dict[str, str]
) -> str:
    """A plain-consumers share's edits (pieces encoded once, then `new_text`) and `others`
    (edits of the same ASCII file, encoded one by one), as one JSON list in the file's order."""
    out: list[str] = []
    pieces = share.pieces()
    spans = share.ordered()
    others.sort(key=_start_of)
    i = 0
    for span, text in others:
        at = (span.line, span.column)
        while i < len(spans) and (spans[i].line, spans[i].column) < at:
            out.append(f"{pieces[i]}{new_text}}}")
            i += 1
        encoded = texts.get(text)
        if encoded is None:
            encoded = texts[text] = json.dumps(text)
        out.append(_edit_text(span.line, span.column, span.end_line, span.end_column, encoded))
    out.extend(f"{piece}{new_text}}}" for piece in pieces[i:])
    return ",".join(out)


def _edit_text(line: int, column: int, end_line: int, end_column: int, encoded: str) -> str:
    """A `TextEdit` as JSON text (1-based `line`s; `encoded`: the new text, JSON already)."""
    return (
        f'{{"range":{{"start":{{"line":{line - 1},"character":{column}}},'
        f'"end":{{"line":{end_line - 1},"character":{end_column}}}}},'
        f'"newText":{encoded}}}'
    )


def _start_of(kv: tuple[Span, str]) -> tuple[int, int]:
    return kv[0].line, kv[0].column


def _ordered(edits: dict[Span, str]) -> list[tuple[Span, str]]:
    return sorted(edits.items(), key=lambda kv: (kv[0].line, kv[0].column))


def confirms_edits(server: LanguageServer) -> bool:
    """Whether the client shows annotated edits for confirmation (and takes documentChanges)."""
    workspace = server.client_capabilities.workspace
    edit = workspace.workspace_edit if workspace is not None else None
    if edit is None or not edit.document_changes:
        return False
    support = edit.change_annotation_support
    return support is not None


def apply(text: str, edits: dict[Span, str]) -> str:
    """`edits` applied to `text` (for tests and tools): spans in code points, 1-based lines."""
    lines = [line + "\n" for line in document_lines(text)]
    lines[-1] = lines[-1][:-1]
    for span, new in sorted(edits.items(), key=lambda kv: (kv[0].line, kv[0].column), reverse=True):
        assert span.line == span.end_line
        line = lines[span.line - 1]
        lines[span.line - 1] = line[: span.column] + new + line[span.end_column :]
    return "".join(lines)


def register(server: LanguageServer, session: Session, locator: Locator) -> None:
    rename_checks.INDEXES = session.indexes
    rename_warmup.register(session)  # consumers of much-consumed nodes, read while idle
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_RefusalsAreAnswers())

    async def _target(uri: str, position: types.Position) -> tuple[Snapshot, Target, DataflowView]:
        pointed = await locator.at_cursor(session, uri, position)
        if pointed is None or not pointed[1]:
            raise RenameRefused("livedag: there is no node name here to rename")
        cursor, ((view, target), *_) = pointed
        return cursor.snapshot, target, view

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(
        ls: LanguageServer, params: types.PrepareRenameParams
    ) -> JsonObject | None:
        snapshot, target, view = await _target(params.text_document.uri, params.position)
        try:
            name, span = prepare(snapshot, target, view)
        except Refused as refused:
            raise RenameRefused(f"livedag: {refused}") from None
        lines = session.lines(target.location.path or "")
        return JsonObject(range=range_json(session.positions, lines, span), placeholder=name)

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def rename(ls: LanguageServer, params: types.RenameParams) -> EncodedJson | None:
        snapshot, target, view = await _target(params.text_document.uri, params.position)
        try:
            name, _ = prepare(snapshot, target, view)
            plan = plan_rename(snapshot, name, params.new_name, data_keys=confirms_edits(ls))
        except Refused as refused:
            raise RenameRefused(f"livedag: {refused}") from None
        return EncodedJson(workspace_edit_text(session, plan))
