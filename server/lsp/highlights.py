"""`textDocument/documentHighlight`: a node's other occurrences in the file: where it is defined
(a write), the parameters and decorator strings that ask for it and the driver strings that
request or supply it (reads)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import Location
from lsprotocol import types

from .convert import JsonArray
from .locate import Locator, Role
from .session import Session

if TYPE_CHECKING:
    from livedag.server.workspace import DataflowView
    from pygls.lsp.server import LanguageServer


def occurrences(
    view: DataflowView, path: Path, names: tuple[str, ...]
) -> list[tuple[Location, bool]]:
    """(location, is the definition) of every occurrence of `names` in `path`."""
    key = str(path)
    graph = view.graph
    found: list[tuple[Location, bool]] = []

    def here(loc: Location | None) -> Location | None:
        if loc is not None and loc.path is not None and (loc.path == key or Path(loc.path) == path):
            return loc
        return None

    for name in names:
        for node in graph.definitions(name):
            if (loc := here(node.location)) is not None:
                found.append((loc, True))
        for _, dep in graph.consumers(name):
            if (loc := here(dep.location)) is not None:
                found.append((loc, False))
        for _, use in view.drivers:
            for written in (*use.outputs, *use.inputs):
                if written == name and (loc := here(getattr(written, "location", None))):
                    found.append((loc, False))
    return found


def register(server: LanguageServer, session: Session, locator: Locator) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    async def highlight(
        ls: LanguageServer, params: types.DocumentHighlightParams
    ) -> JsonArray | None:
        pointed = await locator.at_cursor(session, params.text_document.uri, params.position)
        if pointed is None or not pointed[1]:
            return None
        cursor, ((view, target), *_) = pointed
        names = target.nodes if target.role is Role.FUNCTION else (target.name,)
        lines = session.lines(cursor.path)
        seen: set[tuple[int, int]] = set()
        out: list[dict[str, Any]] = []
        if target.role is Role.FUNCTION:
            out.append(
                {
                    "range": session.positions.range_json(target.location, lines),
                    "kind": int(types.DocumentHighlightKind.Write),
                }
            )
            seen.add((target.location.line, target.location.column))
        for loc, is_definition in occurrences(view, cursor.path, names):
            if (loc.line, loc.column) in seen:
                continue
            seen.add((loc.line, loc.column))
            kind = (
                types.DocumentHighlightKind.Write
                if is_definition
                else types.DocumentHighlightKind.Read
            )
            out.append({"range": session.positions.range_json(loc, lines), "kind": int(kind)})
        return JsonArray(out) or None
