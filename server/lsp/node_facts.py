"""Lineage facts about a node, shared by hover and the custom graph and lineage requests.

The questions people ask of lineage: what feeds this node directly, which external inputs and
loaders it ultimately rests on (and who owns them), whether personal data reaches it, what it feeds.
Everything is read from the `Dataflow` graph; tags are the user's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import Location, NodeSpec

from .graph_index import PII_KEYS, GraphIndex, is_pii

if TYPE_CHECKING:
    from livedag.engine.dataflow import Dataflow

    from .session import Session

__all__ = ["PII_KEYS", "Facts", "NodeJsonCache", "edges_json", "facts", "is_pii", "node_json"]

LocationToJson = Callable[[Location], dict[str, Any] | None]
MAX_CACHED_NODES = 50_000


@dataclass(frozen=True)
class Facts:
    """What hover shows about one node."""

    node: NodeSpec
    upstream: list[str]  # direct
    downstream: list[str]  # direct
    sources: list[NodeSpec]  # inputs, config values and loaders it ultimately depends on
    pii: list[str]  # PII-tagged nodes that reach it (itself included)


def facts(index: GraphIndex, node: NodeSpec) -> Facts:
    """The node's lineage facts, from the graph's memoised index (cheap after the first asks)."""
    graph = index.graph
    name = node.name
    if name not in graph.nodes:
        return Facts(node, [d.name for d in node.dependencies], [], [], [])
    sources = [graph.nodes[n] for n in index.sources(name)]
    return Facts(
        node,
        sorted(graph.pred[name]),
        sorted(graph.succ[name]),
        sources,
        index.pii_reaching(name),
    )


def node_json(node: NodeSpec, location_json: LocationToJson) -> dict[str, Any]:
    """A node as the custom requests return it (see docs/lsp.md)."""
    return {
        "id": node.name,
        "name": node.name,
        "kind": node.kind.value,
        "type": node.type.text if node.type is not None else None,
        "tags": {k: _jsonable(v) for k, v in node.user_tags.items()},
        "doc": node.doc or "",
        "function": node.function,
        "module": node.module,
        "location": location_json(node.location) if node.location is not None else None,
    }


class NodeJsonCache:
    """`node_json` answers, reused while the node and its file's text are the ones they came from.

    Relinking keeps the NodeSpec of every unchanged function, and a node's location can only move
    when its own file's text changes, so a whole-graph request after a keystroke converts only
    the nodes of the edited file.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._known: dict[int, tuple[NodeSpec, object, object, dict[str, Any]]] = {}

    def one(self, node: NodeSpec) -> dict[str, Any]:
        session = self.session
        loc = node.location
        lines = session.lines(loc.path) if loc is not None and loc.path else None
        way = (session.positions.encoding, session.uri_generation)
        entry = self._known.get(id(node))
        if entry is not None and entry[0] is node and entry[1] is lines and entry[2] == way:
            return entry[3]
        made = node_json(node, session.location_json)
        self._known[id(node)] = (node, lines, way, made)
        return made

    def many(self, nodes: Iterable[NodeSpec]) -> list[dict[str, Any]]:
        asked = list(nodes)
        out = [self.one(n) for n in asked]
        if len(self._known) > MAX_CACHED_NODES:  # mostly nodes of graphs long gone: start afresh
            self._known = {id(n): self._known[id(n)] for n in asked}
        return out


def edges_json(graph: Dataflow, names: Iterable[str]) -> list[dict[str, Any]]:
    """The edges among `names`, each marked optional when the consumer has a default for it."""
    order = list(names)  # callers give them in graph order
    chosen = set(order)
    succ = graph.succ
    out = []
    for source in order:
        for target, data in succ.get(source, {}).items():
            if target in chosen:
                out.append(
                    {"source": source, "target": target, "optional": bool(data.get("optional"))}
                )
    return out


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
