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

if TYPE_CHECKING:
    from livedag.engine.dataflow import Dataflow

PII_KEYS = frozenset({"pii", "contains_pii", "is_pii"})
_TRUE = frozenset({"true", "yes", "1", "y"})

LocationToJson = Callable[[Location], dict[str, Any] | None]


def is_pii(tags: Mapping[str, Any]) -> bool:
    """A node is personal data when tagged `pii=true` (or `data_classification="pii"` and alike)."""
    for key, value in tags.items():
        text = str(value).strip().lower()
        if key.lower() in PII_KEYS and (value is True or text in _TRUE):
            return True
        if text == "pii":
            return True
    return False


@dataclass(frozen=True)
class Facts:
    """What hover shows about one node."""

    node: NodeSpec
    upstream: list[str]  # direct
    downstream: list[str]  # direct
    sources: list[NodeSpec]  # inputs, config values and loaders it ultimately depends on
    pii: list[str]  # PII-tagged nodes that reach it (itself included)


def facts(graph: Dataflow, node: NodeSpec) -> Facts:
    g = graph.graph
    name = node.name
    if name not in g:
        return Facts(node, [d.name for d in node.dependencies], [], [], [])
    ancestors = graph.upstream_of(name)
    roots = sorted(n for n in ancestors if g.in_degree(n) == 0)
    sources = [graph.node(n) for n in roots]
    pii = sorted(
        n for n in ancestors | {name} if (spec := graph.node(n)) is not None and is_pii(spec.tags)
    )
    return Facts(
        node,
        sorted(g.predecessors(name)),
        sorted(g.successors(name)),
        [s for s in sources if s is not None],
        pii,
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


def edges_json(graph: Dataflow, names: Iterable[str]) -> list[dict[str, Any]]:
    """The edges among `names`, each marked optional when the consumer has a default for it."""
    chosen = set(names)
    out = []
    for source, target in graph.graph.edges():
        if source in chosen and target in chosen:
            consumer = graph.node(target)
            optional = any(
                d.optional for d in (consumer.dependencies if consumer else ()) if d.name == source
            )
            out.append({"source": source, "target": target, "optional": optional})
    return out


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
