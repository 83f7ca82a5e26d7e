"""Symbols: the nodes a document defines, and a search over every node of the workspace.

`textDocument/documentSymbol` is hierarchical where the client allows it: each public function,
with the nodes its decorators make from it as children (`@extract_columns` columns,
`@parameterize` outputs, `@config.when` variants under their node name, ...).
"""

from __future__ import annotations

import json
import operator
import re
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import FunctionSpec, Location, NodeKind, NodeSpec
from lsprotocol import types

from .convert import EncodedJson, JsonArray, SourceLines, uri_to_path
from .session import Session

if TYPE_CHECKING:
    from livedag.server.analyzer import ModuleAnalysis
    from livedag.server.workspace import DataflowView, Snapshot
    from pygls.lsp.server import LanguageServer

MAX_WORKSPACE_SYMBOLS = 500
# A module with more functions than this gets a flat outline: one symbol per function,
# the other nodes it makes (`@extract_columns` columns, `@parameterize` outputs) named in its
# detail rather than nested as children.  Its outline is sent after every keystroke, and a
# client pays for every object in it: at 4,000 functions the children were a third of the answer.
# Every node is still found by workspace symbols, hover and go to definition.
FLAT_OUTLINE_FUNCTIONS = 2000
FLAT_DETAIL_NAMES = 8  # names shown in a flat outline's detail before "… (n more)"
_ASCII = "ascii"  # the text key of every ASCII file: its columns need no conversion
_FUNCTION = int(types.SymbolKind.Function)
_VARIABLE = int(types.SymbolKind.Variable)


def _span(spec: FunctionSpec) -> Location | None:
    """From the outermost decorator to the end of the function's body (or its name, when the
    front end does not know the body): the `range` a client uses to tell which symbol the cursor
    is in, so it holds every node the function names."""
    loc = spec.location
    if loc is None:
        return None
    last = spec.extent
    if last is None or (last.end_line, last.end_column) < (loc.end_line, loc.end_column):
        last = loc
    # From the `def` (or `async def`) keyword, or the `@` of the outermost decorator (one
    # column before its expression: the parser does not say where the `@` is).
    start = (last.line, last.column) if last is not loc and last.line <= loc.line else None
    first_line, first_column = start if start is not None else (loc.line, loc.column)
    for call in spec.decorators:
        at = call.location
        if at is not None and at.path == loc.path and (at.line, at.column) < (first_line, 0):
            first_line, first_column = at.line, max(at.column - 1, 0)
    return Location(loc.path, first_line, first_column, last.end_line, last.end_column)


def _inside(inner: Location, outer: Location) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and (
        inner.end_line,
        inner.end_column,
    ) <= (outer.end_line, outer.end_column)


def _type_text(node: NodeSpec) -> str | None:
    return node.type.text if node.type is not None else None


def nodes_by_function(
    session: Session, snapshot: Snapshot, path: Path, module: str
) -> Callable[[str], Sequence[NodeSpec]]:
    """The nodes each function of a module makes, in the file's primary dataflow.

    Read from the module's own nodes (`DataflowView.nodes_by_path`), each kept when the graph
    holds it: the work follows the file, not the workspace (an outline is asked for after every
    keystroke).  The same nodes `GraphIndex.made_by` finds by walking the whole graph.
    """
    views = snapshot.dataflows_for(path)
    if not views:
        return lambda function: ()
    return nodes_by_function_in(views[0], path, module)


def nodes_by_function_in(
    view: DataflowView, path: Path, module: str
) -> Callable[[str], Sequence[NodeSpec]]:
    """`nodes_by_function` in one dataflow `view` of the file (kept per graph and file: code
    lenses ask once per lens shown)."""
    graph = view.graph
    memo = _BY_FUNCTION.get(graph)
    if memo is None:
        memo = _BY_FUNCTION[graph] = {}
    key = (str(path), module)
    own = view.nodes_by_path.get(key[0])
    found = memo.get(key)
    if found is None or found[0] is not own:
        found = memo[key] = (own, _nodes_by_function_in(view, path, module))
    return found[1]


_ByFunction = Callable[[str], Sequence[NodeSpec]]
_BY_FUNCTION: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], tuple[Any, _ByFunction]]] = (
    weakref.WeakKeyDictionary()
)


def _nodes_by_function_in(
    view: DataflowView, path: Path, module: str
) -> Callable[[str], Sequence[NodeSpec]]:
    graph = view.graph
    in_graph = graph.nodes
    definitions = graph.link_state.definitions
    table: dict[str, list[NodeSpec]] = {}
    function_kind = NodeKind.FUNCTION
    for node in view.nodes_by_path.get(str(path), ()):
        if node.kind is not function_kind or not node.function or node.module != module:
            continue
        name = node.name
        if in_graph.get(name) is not node:
            same_name = definitions.get(name, ())
            # a duplicated name (LD003): every definition is shown; otherwise the node is not
            # the graph's (a config value replaces it, or a later module overrides it)
            if len(same_name) < 2 or not any(d is node for d in same_name):
                continue
        found = table.get(node.function)
        if found is None:
            table[node.function] = [node]
        else:
            found.append(node)
    return lambda function: table.get(function, ())


_LINE = re.compile(r'\{"line":(\d+)')  # a position's line: `{` starts it, never a JSON string


class _Entry:
    """One function's symbol as JSON text, and what it was made from."""

    __slots__ = (
        "spec",
        "nodes",
        "line",
        "no_lines",
        "encoding",
        "flat",
        "text",
        "template",
        "offsets",
    )

    def __init__(
        self,
        spec: FunctionSpec,
        nodes: tuple[NodeSpec, ...],
        line: int,
        no_lines: bool,
        encoding: str,
        flat: bool,
        text: str,
    ) -> None:
        self.spec, self.nodes, self.line = spec, nodes, line
        self.no_lines, self.encoding, self.flat, self.text = no_lines, encoding, flat, text
        self.template: str | None = None  # made the first time the function moves
        self.offsets: tuple[int, ...] = ()

    def moved_to(self, line: int) -> None:
        """The same symbol with the function's `def` on `line`: every line in it moves by the
        same amount (the block's locations all move together), its columns stay."""
        if self.template is None:
            self.offsets = tuple(int(m.group(1)) - self.line for m in _LINE.finditer(self.text))
            self.template = _LINE.sub('{"line":%d', self.text.replace("%", "%%"))
        self.text = self.template % tuple(line + offset for offset in self.offsets)
        self.line = line


class SymbolCache:
    """Each function's symbol as JSON text, reused while the function and its nodes are the same.

    The analyzer keeps the FunctionSpec of an unchanged block (so the same lines, and the same
    columns in any encoding) and relinking keeps its nodes: those identities say whether last
    time's text still holds.  A block that moved (lines added above it) keeps its FunctionSpec
    with its `def` on another line; its text is then re-rendered from a template, not rebuilt
    (an Enter above 2,000 functions moves all of them).
    """

    def __init__(self) -> None:
        self._by_path: dict[Path, dict[int, _Entry]] = {}
        # the last answer per path: what it was made from (the graph weakly) and its text
        self._answers: dict[Path, tuple[tuple[Any, ...], EncodedJson]] = {}

    def encoded(
        self, session: Session, snapshot: Snapshot, path: Path, lines: SourceLines | None
    ) -> EncodedJson:
        """The module's document symbols as JSON text, joined from each function's text."""
        analysis = snapshot.module(path)
        if analysis is None:
            self._answers.pop(path, None)
            self._by_path.pop(path, None)
            return EncodedJson("[]")
        views = snapshot.dataflows_for(path)
        # The same analysis, graph and text as last time: the same answer, as it is.  The graph
        # is held weakly: a file not asked about again would otherwise pin that version's whole
        # dataflow for the rest of the day.
        graph = views[0].graph if views else None
        asked = (analysis, lines, session.positions.encoding)
        last = self._answers.get(path)
        if last is not None and all(map(operator.is_, last[0][:3], asked)):
            held_graph = last[0][3]
            if (
                held_graph is None
                if graph is None
                else held_graph is not None and held_graph() is graph
            ):
                return last[1]
        texts = self._build(session, snapshot, path, lines, analysis)
        answer = EncodedJson(f"[{','.join(texts)}]")
        self._answers[path] = ((*asked, None if graph is None else weakref.ref(graph)), answer)
        return answer

    def symbols(
        self, session: Session, snapshot: Snapshot, path: Path, lines: SourceLines | None
    ) -> JsonArray:
        """The same symbols as JSON values (for clients without hierarchical symbols)."""
        return JsonArray(json.loads(self.encoded(session, snapshot, path, lines).text))

    def _build(
        self,
        session: Session,
        snapshot: Snapshot,
        path: Path,
        lines: SourceLines | None,
        analysis: ModuleAnalysis,
    ) -> list[str]:
        texts: list[str] = []
        made = nodes_by_function(session, snapshot, path, analysis.module)
        no_lines = lines is None
        encoding = session.positions.encoding
        known = self._by_path.get(path, {})
        kept: dict[int, _Entry] = {}
        functions = analysis.functions
        flat = len(functions) > FLAT_OUTLINE_FUNCTIONS
        for spec in functions:
            loc = spec.location
            if loc is None or spec.name.startswith("_"):
                continue
            nodes = made(spec.name)
            entry = known.get(id(spec))
            if (
                entry is None
                or entry.spec is not spec
                or entry.no_lines is not no_lines
                or entry.encoding != encoding
                or entry.flat is not flat
                or len(entry.nodes) != len(nodes)
                or not all(map(operator.is_, entry.nodes, nodes))
            ):
                symbol = _symbol(session, spec, nodes, lines, flat)
                if symbol is None:
                    continue
                text = json.dumps(symbol, separators=(",", ":"))
                entry = _Entry(spec, tuple(nodes), loc.line, no_lines, encoding, flat, text)
            elif entry.line != loc.line:
                entry.moved_to(loc.line)
            kept[id(spec)] = entry
            texts.append(entry.text)
        self._by_path[path] = kept
        return texts


def _symbol(
    session: Session,
    spec: FunctionSpec,
    nodes: Sequence[NodeSpec],
    lines: SourceLines | None,
    flat: bool = False,
) -> dict[str, Any] | None:
    """One public function's `DocumentSymbol`, with the other nodes it makes as children (or,
    when `flat`, named in its detail).

    Kept small, since a 4,000-function module's outline is sent after every keystroke: the
    function's own node is the symbol itself (not a child too), a child carries no detail,
    and a function that makes one node under another name (a `@config.when` variant) names it
    in its detail instead of in a child.
    """
    span = _span(spec)
    if span is None or spec.location is None:
        return None
    range_json = session.positions.range_json
    own = next((n for n in nodes if n.name == spec.name), None)
    others = [n for n in nodes if n is not own]
    symbol: dict[str, Any] = {
        "name": spec.name,
        "kind": _FUNCTION,
        "range": range_json(span, lines),
        "selectionRange": range_json(spec.location, lines),
    }
    if own is not None:
        detail = _type_text(own)
    elif not nodes:
        detail = "no node under this config"
    elif len(others) == 1 and spec.name.startswith(others[0].name + "__"):
        made = others[0]  # `name__variant` makes `name`
        detail = f"node {made.name}" + (f": {made.type.text}" if made.type is not None else "")
        others = []
    else:
        detail = None
    if others and flat:
        detail = f"{detail} · {_made_names(others)}" if detail else _made_names(others)
        others = []
    if detail is not None:
        symbol["detail"] = detail
    if others:
        children = []
        for node in others:
            loc = node.location if node.location and _inside(node.location, span) else None
            rng = range_json(loc or spec.location, lines)
            children.append(
                {"name": node.name, "kind": _VARIABLE, "range": rng, "selectionRange": rng}
            )
        symbol["children"] = children
    return symbol


def _made_names(nodes: Sequence[NodeSpec]) -> str:
    """`makes a, b, c`: the other nodes a function makes, for a flat outline's detail."""
    names = [node.name for node in nodes[:FLAT_DETAIL_NAMES]]
    more = len(nodes) - len(names)
    return "makes " + ", ".join(names) + (f", … ({more} more)" if more > 0 else "")


def document_symbols(
    session: Session, snapshot: Snapshot, path: Path, cache: SymbolCache | None = None
) -> JsonArray:
    """Each public function with the nodes it makes, as `DocumentSymbol`s in JSON form."""
    return (cache or SymbolCache()).symbols(session, snapshot, path, session.lines(path))


def encoded_document_symbols(
    session: Session, snapshot: Snapshot, path: Path, cache: SymbolCache
) -> EncodedJson:
    """`document_symbols` as JSON text: built per function only when it changed (a 4,000-function
    module otherwise spends most of the request in the protocol's object model) and sent as it
    is."""
    return cache.encoded(session, snapshot, path, session.lines(path))


def _flatten(
    symbols: Sequence[dict[str, Any]], uri: str, container: str | None = None
) -> Iterator[dict[str, Any]]:
    for s in symbols:
        info: dict[str, Any] = {
            "name": s["name"],
            "kind": s["kind"],
            "location": {"uri": uri, "range": s["selectionRange"]},
        }
        if container is not None:
            info["containerName"] = container
        yield info
        yield from _flatten(s.get("children") or [], uri, s["name"])


def _matches(query: str, name: str) -> bool:
    """Case-insensitive subsequence match, as editors' symbol pickers expect (`query` lowered)."""
    if not query:
        return True
    it = iter(name.lower())
    return all(ch in it for ch in query)


def register(server: LanguageServer, session: Session) -> None:
    cache = SymbolCache()

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(
        ls: LanguageServer, params: types.DocumentSymbolParams
    ) -> JsonArray | EncodedJson | None:
        snapshot = await session.current_when_ready()
        path = uri_to_path(params.text_document.uri)
        if snapshot is None or path is None:
            return None
        caps = ls.client_capabilities.text_document
        hierarchical = bool(
            caps
            and caps.document_symbol
            and caps.document_symbol.hierarchical_document_symbol_support
        )
        if hierarchical:
            return encoded_document_symbols(session, snapshot, path, cache)
        symbols = document_symbols(session, snapshot, path, cache)
        return JsonArray(_flatten(symbols, params.text_document.uri))

    @server.feature(types.WORKSPACE_SYMBOL)
    async def workspace_symbol(
        ls: LanguageServer, params: types.WorkspaceSymbolParams
    ) -> JsonArray | None:
        snapshot = await session.current_when_ready()
        if snapshot is None:
            return None
        out = JsonArray()
        seen: set[tuple[str, object]] = set()
        query = params.query.lower()
        for view in snapshot.dataflows:
            for node in view.graph.nodes.values():
                loc = node.location
                if loc is None or not loc.path or not _matches(query, node.name):
                    continue
                key = (node.name, (loc.path, loc.line, loc.column))
                if key in seen:
                    continue
                seen.add(key)
                symbol: dict[str, Any] = {
                    "name": node.name,
                    "kind": _FUNCTION if node.function == node.name else _VARIABLE,
                    "location": session.location_json(loc),
                }
                if node.module is not None:
                    symbol["containerName"] = node.module
                out.append(symbol)
                if len(out) >= MAX_WORKSPACE_SYMBOLS:
                    return out
        return out
