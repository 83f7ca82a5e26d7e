"""Symbols: the nodes a document defines, and a search over every node of the workspace.

`textDocument/documentSymbol` is hierarchical where the client allows it: each public function,
with the nodes its decorators make from it as children (`@extract_columns` columns,
`@parameterize` outputs, `@config.when` variants under their node name, ...).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from livedag.engine.specs import FunctionSpec, Location, NodeKind, NodeSpec
from lsprotocol import types

from .convert import uri_to_path
from .session import Session

if TYPE_CHECKING:
    from livedag.server.workspace import Snapshot
    from pygls.lsp.server import LanguageServer

MAX_WORKSPACE_SYMBOLS = 500


def _span(spec: FunctionSpec) -> Location | None:
    """From the outermost decorator to the function's name: contains every node it names."""
    loc = spec.location
    if loc is None:
        return None
    starts = [c.location for c in spec.decorators if c.location is not None]
    first = min(starts, key=lambda s: (s.line, s.column), default=loc)
    if (first.line, first.column) > (loc.line, loc.column) or first.path != loc.path:
        first = loc
    return Location(loc.path, first.line, first.column, loc.end_line, loc.end_column)


def _inside(inner: Location, outer: Location) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and (
        inner.end_line,
        inner.end_column,
    ) <= (outer.end_line, outer.end_column)


def _type_text(node: NodeSpec) -> str | None:
    return node.type.text if node.type is not None else None


def nodes_by_function(snapshot: Snapshot, path: Path, module: str) -> dict[str, list[NodeSpec]]:
    """The nodes each function of a module makes, in the file's primary dataflow."""
    views = snapshot.dataflows_for(path)
    out: dict[str, list[NodeSpec]] = {}
    if not views:
        return out
    for node in views[0].graph.nodes.values():
        if node.module == module and node.function and node.kind is NodeKind.FUNCTION:
            out.setdefault(node.function, []).append(node)
    return out


def document_symbols(
    session: Session, snapshot: Snapshot, path: Path
) -> list[types.DocumentSymbol]:
    analysis = snapshot.module(path)
    if analysis is None:
        return []
    lines = session.lines(path)
    made = nodes_by_function(snapshot, path, analysis.module)
    out = []
    for spec in analysis.functions:
        span = _span(spec)
        if not spec.is_public or span is None or spec.location is None:
            continue
        nodes = made.get(spec.name, [])
        children = []
        if [n.name for n in nodes] != [spec.name]:
            for node in nodes:
                loc = node.location if node.location and _inside(node.location, span) else None
                rng = session.positions.range(loc or spec.location, lines)
                children.append(
                    types.DocumentSymbol(
                        name=node.name,
                        kind=types.SymbolKind.Variable,
                        range=rng,
                        selection_range=rng,
                        detail=_type_text(node),
                    )
                )
        own = next((n for n in nodes if n.name == spec.name), None)
        detail = _type_text(own) if own else ("no node under this config" if not nodes else None)
        out.append(
            types.DocumentSymbol(
                name=spec.name,
                kind=types.SymbolKind.Function,
                range=session.positions.range(span, lines),
                selection_range=session.positions.range(spec.location, lines),
                detail=detail,
                children=children or None,
            )
        )
    return out


def _flatten(
    symbols: Sequence[types.DocumentSymbol], uri: str, container: str | None = None
) -> Iterator[types.SymbolInformation]:
    for s in symbols:
        yield types.SymbolInformation(
            name=s.name,
            kind=s.kind,
            location=types.Location(uri=uri, range=s.selection_range),
            container_name=container,
        )
        yield from _flatten(s.children or [], uri, s.name)


def _matches(query: str, name: str) -> bool:
    """Case-insensitive subsequence match, as editors' symbol pickers expect."""
    it = iter(name.lower())
    return all(ch in it for ch in query.lower())


def register(server: LanguageServer, session: Session) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(
        ls: LanguageServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol] | list[types.SymbolInformation] | None:
        snapshot = await session.current_when_ready()
        path = uri_to_path(params.text_document.uri)
        if snapshot is None or path is None:
            return None
        symbols = document_symbols(session, snapshot, path)
        caps = ls.client_capabilities.text_document
        hierarchical = bool(
            caps
            and caps.document_symbol
            and caps.document_symbol.hierarchical_document_symbol_support
        )
        if hierarchical:
            return symbols
        return list(_flatten(symbols, params.text_document.uri))

    @server.feature(types.WORKSPACE_SYMBOL)
    async def workspace_symbol(
        ls: LanguageServer, params: types.WorkspaceSymbolParams
    ) -> list[types.SymbolInformation] | None:
        snapshot = await session.current_when_ready()
        if snapshot is None:
            return None
        out: list[types.SymbolInformation] = []
        seen: set[tuple[str, object]] = set()
        for view in snapshot.dataflows:
            for node in view.graph.nodes.values():
                if node.location is None or not _matches(params.query, node.name):
                    continue
                key = (node.name, (node.location.path, node.location.line, node.location.column))
                location = session.location(node.location)
                if key in seen or location is None:
                    continue
                seen.add(key)
                out.append(
                    types.SymbolInformation(
                        name=node.name,
                        kind=types.SymbolKind.Function
                        if node.function == node.name
                        else types.SymbolKind.Variable,
                        location=location,
                        container_name=node.module,
                    )
                )
                if len(out) >= MAX_WORKSPACE_SYMBOLS:
                    return out
        return out
