"""Completion of node names where code names nodes.

- In a `def`'s parameter list: the nodes of the module's dataflows, inserted as `name: Type` with
  the producer's annotation, plus the import of that type when the module lacks it (an additional
  edit), documented with the producer's docstring, module and tags.  Names already in the
  signature, and the nodes the function itself makes (a cycle), are left out.
- In strings that name nodes: a driver's `execute([...])` / `final_vars`, `inputs={...}` and
  `overrides={...}` keys (external inputs first), the lineage calls, `source("...")`.
- In `@tag(...)`: the tag keys, and a key's values, already used in the workspace; in
  `@config.when(...)` (and `when_not`, `when_in`, ...): the keys of the dataflows' config; in
  `@tag_outputs(...)`: the nodes the decorated function makes (`@extract_columns` targets).

Where the cursor is comes from `token_context` (the text being typed rarely parses); what to offer
comes from the graphs the diagnostics use.  Names are matched by prefix in the graph's sorted name
list (a bisection), then by substring, and at most `MAX_ITEMS` are sent: with 20,000 nodes the
list is marked incomplete, so the client asks again as the user types.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import NodeKind, NodeSpec
from livedag.server.data_sources import checked_node
from lsprotocol import types

from . import token_context
from .convert import JsonObject
from .session import Session
from .text_edits import Span, edit_json, import_edit, import_insert_line

if TYPE_CHECKING:
    from livedag.engine.dataflow import Dataflow
    from livedag.server.workspace import DataflowView, Snapshot
    from pygls.lsp.server import LanguageServer

MAX_ITEMS = 100
TRIGGERS = ['"', "'", "(", ",", " "]
_KIND = {
    NodeKind.FUNCTION: types.CompletionItemKind.Function,
    NodeKind.INPUT: types.CompletionItemKind.Variable,
    NodeKind.CONFIG: types.CompletionItemKind.Constant,
}


def _matching(names: list[str], prefix: str, limit: int) -> tuple[list[str], bool]:
    """Names starting with `prefix` (from the sorted list), then containing it; and whether
    more matched than `limit`."""
    start = bisect.bisect_left(names, prefix)
    found: list[str] = []
    for index in range(start, len(names)):
        name = names[index]
        if not name.startswith(prefix):
            break
        found.append(name)
        if len(found) > limit:
            return found[:limit], True
    if prefix:
        lowered = prefix.lower()
        chosen = set(found)
        for name in names:
            if lowered in name.lower() and name not in chosen:
                found.append(name)
                if len(found) > limit:
                    return found[:limit], True
    return found, False


def node_documentation(node: NodeSpec) -> str:
    """What completion shows beside a node: type, producer, docstring, tags."""
    type_text = node.type.text if node.type is not None else "?"
    parts = [f"```python\n{node.name}: {type_text}\n```"]
    if node.kind is NodeKind.INPUT:
        parts.append("*external input*")
    elif node.kind is NodeKind.CONFIG:
        parts.append("*config value*")
    else:
        made = f" by `{node.function}`" if node.function and node.function != node.name else ""
        parts.append(f"*made in `{node.module}`{made}*")
    if node.doc:
        parts.append(node.doc.strip())
    tags = node.user_tags
    if tags:
        parts.append("**Tags** " + ", ".join(f"`{k}={v}`" for k, v in sorted(tags.items())))
    return "\n\n".join(parts)


class TagVocabulary:
    """Tag keys and values used by each graph's nodes, kept while the graph lives."""

    def __init__(self) -> None:
        self._by_graph: weakref.WeakKeyDictionary[Dataflow, dict[str, set[str]]] = (
            weakref.WeakKeyDictionary()
        )

    def of(self, graph: Dataflow) -> dict[str, set[str]]:
        found = self._by_graph.get(graph)
        if found is None:
            found = {}
            for node in graph.nodes.values():
                if node.tags:
                    for key, value in node.user_tags.items():
                        found.setdefault(key, set()).add(str(value))
            self._by_graph[graph] = found
        return found


class Completer:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.tags = TagVocabulary()
        # The client resolves an item's documentation when it shows it (VS Code): then the list
        # carries only what finds the node again, and the answer stays small at 20,000 nodes.
        self.lazy_documentation = False

    def _documentation(self, node: NodeSpec, views: list[DataflowView]) -> dict[str, Any]:
        if self.lazy_documentation:
            view = next((v for v in views if v.graph.nodes.get(node.name) is node), views[0])
            return {"data": {"dataflow": view.name, "node": node.name}}
        return {"documentation": {"kind": "markdown", "value": node_documentation(node)}}

    def resolve(self, item: types.CompletionItem) -> types.CompletionItem:
        """An item with its documentation, found again from `data` in the latest snapshot."""
        data = item.data
        snapshot = self.session.current()
        if isinstance(data, dict) and snapshot is not None:
            for view in snapshot.dataflows:
                if view.name == data.get("dataflow"):
                    node = view.graph.nodes.get(str(data.get("node")))
                    if node is not None:
                        item.documentation = types.MarkupContent(
                            kind=types.MarkupKind.Markdown, value=node_documentation(node)
                        )
                    break
        return item

    def complete(self, snapshot: Snapshot, path: Path, line: int, column: int) -> JsonObject | None:
        """Completion at 0-based `line`, code-point `column` of `path`, as `CompletionList` JSON."""
        module = snapshot.module(path)
        if module is None:
            return None
        found = token_context.at(module.text, line, column)
        if found is None:
            return None
        views = snapshot.dataflows_for(path) or list(snapshot.dataflows)
        span = Span(line + 1, found.start, line + 1, found.end)
        if found.context is token_context.Context.PARAMETER:
            items, more = self._parameters(snapshot, path, views, found, span)
        elif found.context in (token_context.Context.TAG_KEY, token_context.Context.TAG_VALUE):
            items, more = self._tags(path, views, found, span)
        elif found.context is token_context.Context.CONFIG_KEY:
            items, more = self._config_keys(path, views, found, span)
        elif found.context is token_context.Context.OUTPUT_KEY:
            items, more = self._outputs(snapshot, path, views, found, span, line + 1)
        else:
            items, more = self._strings(path, views, found, span)
        return JsonObject(isIncomplete=more, items=items)

    def _nodes(
        self, views: Iterable[DataflowView], prefix: str, skip: set[str]
    ) -> tuple[list[NodeSpec], bool]:
        nodes: dict[str, NodeSpec] = {}
        more = False
        for view in views:
            names = self.session.indexes.of(view.graph).names
            chosen, capped = _matching(names, prefix, MAX_ITEMS + len(skip))
            more = more or capped
            for name in chosen:
                if name not in skip and name not in nodes:
                    node = view.graph.nodes.get(name)
                    # `@check_output`'s `fn_raw` and validators are part of `fn` (the preview and
                    # hover show them so): offered, they would be picked for `fn` by mistake
                    if node is not None and checked_node(view.graph, name) is None:
                        nodes[name] = node
        if len(nodes) > MAX_ITEMS:
            more = True
        return list(nodes.values())[:MAX_ITEMS], more

    def _parameters(
        self,
        snapshot: Snapshot,
        path: Path,
        views: list[DataflowView],
        found: token_context.Found,
        span: Span,
    ) -> tuple[list[dict[str, Any]], bool]:
        module = snapshot.module(path)
        assert module is not None
        spec = next((f for f in module.functions if f.name == found.function), None)
        skip = {found.function or ""}
        if spec is not None:
            skip |= {p.name for p in spec.parameters}
        for view in views:
            made = self.session.indexes.of(view.graph).made_by(module.module, found.function or "")
            skip |= {n.name for n in made}
        nodes, more = self._nodes(views, found.prefix, skip)
        session = self.session
        lines = session.lines(path)
        insert_at = None
        producers: dict[str, Any] = {}  # path -> its analysis (resolving a path costs syscalls)
        items = []
        for index, node in enumerate(nodes):
            type_text = node.type.text if node.type is not None else None
            item: dict[str, Any] = {
                "label": node.name,
                "kind": int(_KIND.get(node.kind, types.CompletionItemKind.Field)),
                "detail": type_text or "",
                "sortText": f"{index:05d}",
                "filterText": node.name,
                **self._documentation(node, views),
                "textEdit": edit_json(
                    session.positions,
                    lines,
                    span,
                    f"{node.name}: {type_text}" if type_text else node.name,
                ),
            }
            if type_text:
                needed = self._import_for(snapshot, module.imports, node, type_text, producers)
                if needed is not None:
                    if insert_at is None:
                        insert_at = import_insert_line(module.text)
                    at = Span(insert_at + 1, 0, insert_at + 1, 0)
                    item["additionalTextEdits"] = [
                        edit_json(session.positions, lines, at, needed + "\n")
                    ]
            items.append(item)
        return items, more

    def _import_for(
        self,
        snapshot: Snapshot,
        imports: Any,
        node: NodeSpec,
        type_text: str,
        producers: dict[str, Any],
    ) -> str | None:
        head = type_text.split(".", 1)[0].split("[", 1)[0].strip()
        if not head.isidentifier():
            return None
        producer = None
        loc = node.location
        if loc is not None and loc.path:
            if loc.path not in producers:
                producers[loc.path] = snapshot.module(Path(loc.path))
            producer = producers[loc.path]
        if producer is None:
            return None  # an input or config value: no module says where its type comes from
        producer_imports = producer.imports
        return import_edit(imports, head, producer_imports, node.module)

    def _strings(
        self, path: Path, views: list[DataflowView], found: token_context.Found, span: Span
    ) -> tuple[list[dict[str, Any]], bool]:
        nodes, more = self._nodes(views, found.prefix, set())
        if found.context is token_context.Context.INPUT_KEY:
            rank = {NodeKind.INPUT: 0, NodeKind.CONFIG: 1}
            nodes.sort(key=lambda n: rank.get(n.kind, 2))
        lines = self.session.lines(path)
        items = [
            {
                "label": node.name,
                "kind": int(_KIND.get(node.kind, types.CompletionItemKind.Field)),
                "detail": node.type.text if node.type is not None else "",
                "sortText": f"{index:05d}",
                **self._documentation(node, views),
                "textEdit": edit_json(self.session.positions, lines, span, node.name),
            }
            for index, node in enumerate(nodes)
        ]
        return items, more

    def _outputs(
        self,
        snapshot: Snapshot,
        path: Path,
        views: list[DataflowView],
        found: token_context.Found,
        span: Span,
        line: int,
    ) -> tuple[list[dict[str, Any]], bool]:
        """The nodes the decorated function makes (for `@tag_outputs(name=...)`)."""
        module = snapshot.module(path)
        if module is None:
            return [], False
        # The decorated function: the first `def` below the decorator being written.
        spec = next(
            (f for f in module.functions if f.location is not None and f.location.line > line),
            None,
        )
        if spec is None:
            return [], False
        names: dict[str, NodeSpec] = {}
        for view in views:
            for node in self.session.indexes.of(view.graph).made_by(module.module, spec.name):
                names.setdefault(node.name, node)
        lines = self.session.lines(path)
        items = [
            {
                "label": name,
                "kind": int(types.CompletionItemKind.Field),
                "detail": node.type.text if node.type is not None else "",
                "textEdit": edit_json(self.session.positions, lines, span, name),
            }
            for name, node in sorted(names.items())
            if name.startswith(found.prefix) and name.isidentifier()
        ]
        return items[:MAX_ITEMS], len(items) > MAX_ITEMS

    def _config_keys(
        self, path: Path, views: list[DataflowView], found: token_context.Found, span: Span
    ) -> tuple[list[dict[str, Any]], bool]:
        """The config keys of the file's dataflows (the driver's or [tool.livedag]'s config)."""
        keys = sorted({str(k) for view in views for k in view.config})
        lines = self.session.lines(path)
        items = [
            {
                "label": key,
                "kind": int(types.CompletionItemKind.Constant),
                "detail": "config key",
                "textEdit": edit_json(self.session.positions, lines, span, key),
            }
            for key in keys
            if key.startswith(found.prefix)
        ]
        return items[:MAX_ITEMS], len(items) > MAX_ITEMS

    def _tags(
        self, path: Path, views: list[DataflowView], found: token_context.Found, span: Span
    ) -> tuple[list[dict[str, Any]], bool]:
        vocabulary: dict[str, set[str]] = {}
        for view in views:
            for key, values in self.tags.of(view.graph).items():
                vocabulary.setdefault(key, set()).update(values)
        if found.context is token_context.Context.TAG_KEY:
            words: Iterator[str] = iter(sorted(vocabulary))
            kind = types.CompletionItemKind.Property
        else:
            key = found.keyword or ""
            words = iter(sorted(vocabulary.get(key, ())))
            kind = types.CompletionItemKind.Value
        lines = self.session.lines(path)
        items = [
            {
                "label": word,
                "kind": int(kind),
                "textEdit": edit_json(self.session.positions, lines, span, word),
            }
            for word in words
            if word.startswith(found.prefix)
        ]
        return items[:MAX_ITEMS], len(items) > MAX_ITEMS


def register(server: LanguageServer, session: Session) -> None:
    completer = Completer(session)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=TRIGGERS, resolve_provider=True),
    )
    async def completion(ls: LanguageServer, params: types.CompletionParams) -> JsonObject | None:
        completer.lazy_documentation = _resolves_documentation(ls)
        await session.current_when_ready()
        cursor = session.cursor(params.text_document.uri, params.position)
        if cursor is None:
            return None
        return completer.complete(cursor.snapshot, cursor.path, cursor.line - 1, cursor.column)

    @server.feature(types.COMPLETION_ITEM_RESOLVE)
    async def resolve(ls: LanguageServer, item: types.CompletionItem) -> types.CompletionItem:
        await session.current_when_ready()
        return completer.resolve(item)


def _resolves_documentation(server: LanguageServer) -> bool:
    text = server.client_capabilities.text_document
    completion = text.completion if text is not None else None
    item = completion.completion_item if completion is not None else None
    support = item.resolve_support if item is not None else None
    return bool(support and "documentation" in support.properties)
