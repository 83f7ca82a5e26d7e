"""Call hierarchy as lineage: incoming calls are a node's consumers, outgoing calls its
dependencies, across files and through decorators (the lineage tree in any LSP client).

Items carry the dataflow and node they stand for; each step reads the latest snapshot's graph, so
an item kept by the client across an edit still answers from the current code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import Location, NodeKind, NodeSpec
from lsprotocol import types

from .convert import JsonArray
from .locate import Locator, Role
from .session import Session

if TYPE_CHECKING:
    from livedag.engine.dataflow import Dataflow
    from livedag.server.workspace import DataflowView
    from pygls.lsp.server import LanguageServer


def _anchor(graph: Dataflow, node: NodeSpec) -> Location | None:
    """Where a node is written; for an external input, the first parameter that asks for it."""
    if node.location is not None and node.location.path:
        return node.location
    for _, dep in graph.consumers(node.name):
        if dep.location is not None and dep.location.path:
            return dep.location
    return None


def _detail(node: NodeSpec) -> str:
    type_text = node.type.text if node.type is not None else "?"
    if node.kind is NodeKind.INPUT:
        return f"{type_text} · external input"
    if node.kind is NodeKind.CONFIG:
        return f"{type_text} · config"
    return f"{type_text} · {node.module}"


def nodes_at(view: DataflowView, role: Role, name: str, made: Iterable[str]) -> list[str]:
    """The nodes a call hierarchy at a target is about."""
    if role is Role.FUNCTION:
        return [n for n in made if n in view.graph.nodes]
    return [name] if name in view.graph.nodes else []


def register(server: LanguageServer, session: Session, locator: Locator) -> None:
    def item(view: DataflowView, node: NodeSpec) -> dict[str, Any] | None:
        where = _anchor(view.graph, node)
        located = session.location_json(where) if where is not None else None
        if located is None:
            return None
        kind = (
            types.SymbolKind.Function
            if node.kind is NodeKind.FUNCTION
            else types.SymbolKind.Variable
        )
        return {
            "name": node.name,
            "kind": int(kind),
            "detail": _detail(node),
            "uri": located["uri"],
            "range": located["range"],
            "selectionRange": located["range"],
            "data": {"dataflow": view.name, "node": node.name},
        }

    def find(data: Any) -> tuple[DataflowView, NodeSpec] | None:
        snapshot = session.current()
        if snapshot is None or not isinstance(data, dict):
            return None
        for view in snapshot.dataflows:
            if view.name == data.get("dataflow"):
                node = view.graph.node(str(data.get("node")))
                return (view, node) if node is not None else None
        return None

    def ranges(locations: Iterable[Location | None]) -> list[dict[str, Any]]:
        out = []
        for loc in locations:
            located = session.location_json(loc) if loc is not None else None
            if located is not None:
                out.append(located["range"])
        return out

    @server.feature(types.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY)
    async def prepare(
        ls: LanguageServer, params: types.CallHierarchyPrepareParams
    ) -> JsonArray | None:
        pointed = await locator.at_cursor(session, params.text_document.uri, params.position)
        if pointed is None or not pointed[1]:
            return None
        _, ((view, target), *_) = pointed
        made = target.nodes if target.role is Role.FUNCTION else ()
        found = []
        for name in nodes_at(view, target.role, target.name, made):
            node = view.graph.node(name)
            made_item = item(view, node) if node is not None else None
            if made_item is not None:
                found.append(made_item)
        return JsonArray(found) or None

    @server.feature(types.CALL_HIERARCHY_INCOMING_CALLS)
    async def incoming(
        ls: LanguageServer, params: types.CallHierarchyIncomingCallsParams
    ) -> JsonArray | None:
        await session.current_when_ready()
        found = find(params.item.data)
        if found is None:
            return None
        view, node = found
        by_consumer: dict[str, list[Location | None]] = {}
        for consumer, dep in view.graph.consumers(node.name):
            by_consumer.setdefault(consumer.name, []).append(dep.location)
        calls = []
        for name, locations in by_consumer.items():
            found_consumer = view.graph.node(name)
            made = item(view, found_consumer) if found_consumer is not None else None
            if made is not None:
                calls.append({"from": made, "fromRanges": ranges(locations)})
        return JsonArray(calls)

    @server.feature(types.CALL_HIERARCHY_OUTGOING_CALLS)
    async def outgoing(
        ls: LanguageServer, params: types.CallHierarchyOutgoingCallsParams
    ) -> JsonArray | None:
        await session.current_when_ready()
        found = find(params.item.data)
        if found is None:
            return None
        view, node = found
        calls = []
        for dep in node.dependencies:
            producer = view.graph.node(dep.name)
            made = item(view, producer) if producer is not None else None
            if made is not None:
                calls.append({"to": made, "fromRanges": ranges([dep.location])})
        return JsonArray(calls)
