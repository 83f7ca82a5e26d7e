"""Where a node's data comes from, as a reader of the dataflow means it.

A node's *sources* are the loaders it rests on: a node tagged `source=...` (unless it comes from a
node with the same tag, as a loader's `@extract_columns` columns do), a `@load_from` /
`@dataloader` loader, or a function with no node parameters (it reads a path or a connection it
is given) — and the external inputs reached without passing one.  `@check_output` splits a
function `fn` into `fn_raw`, one validator node per check, and `fn`; those internals are part of
`fn`: `fn`'s upstream is what `fn_raw` reads, and whatever reads `fn_raw` reads `fn`.

Used by hover (and the same rules are applied to the graph JSON by the VS Code preview).
"""

from __future__ import annotations

from collections.abc import Mapping

from livedag.engine.dataflow import Dataflow
from livedag.engine.rules.adapters import LOADER_TAG
from livedag.engine.rules.check_output import CHECKED_NODE_TAG
from livedag.engine.specs import NodeKind, NodeSpec


def checked_node(graph: Dataflow, name: str) -> str | None:
    """The node `name` is a `@check_output` internal of (`fn_raw` or a validator), else None."""
    node = graph.nodes.get(name)
    if node is None:
        return None
    owner = node.tags.get(CHECKED_NODE_TAG)
    if isinstance(owner, str) and owner in graph.nodes:
        return owner
    if name.endswith("_raw"):
        checked = graph.nodes.get(name[: -len("_raw")])
        if (
            checked is not None
            and checked.function == node.function
            and name in checked.dependency_names
            and any(
                isinstance(d, str) and graph.nodes[d].tags.get(CHECKED_NODE_TAG) == checked.name
                for d in checked.dependency_names
                if d in graph.nodes
            )
        ):
            return checked.name
    return None


def _fold(
    graph: Dataflow, names: list[str], step: Mapping[str, Mapping[str, object]], of: str
) -> list[str]:
    out: list[str] = []
    seen = {of}
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.add(name)
        owner = checked_node(graph, name)
        if owner is None:
            out.append(name)
        elif owner == of:  # our own internals: look through them
            todo.extend(step.get(name, {}))
        else:
            todo.append(owner)
    return sorted(out)


def upstream(graph: Dataflow, name: str) -> list[str]:
    """Direct upstream of `name`, `@check_output` internals replaced by what they read."""
    pred = graph.pred
    return _fold(graph, list(pred.get(name, {})), pred, name)


def downstream(graph: Dataflow, name: str) -> list[str]:
    """Direct downstream of `name`, `@check_output` internals replaced by their function."""
    succ = graph.succ
    return _fold(graph, list(succ.get(name, {})), succ, name)


def is_source(graph: Dataflow, node: NodeSpec) -> bool:
    """A loader: tagged `source=`, made by `@load_from`/`@dataloader`, or a function with no
    node parameters."""
    if checked_node(graph, node.name) is not None:
        return False
    if node.tags.get(LOADER_TAG):
        return True
    ups = [graph.nodes[u] for u in upstream(graph, node.name) if u in graph.nodes]
    if node.kind is NodeKind.FUNCTION and all(u.kind is not NodeKind.FUNCTION for u in ups):
        return True
    # a tagged node is a source unless it comes from one with the same tag (a loader's columns)
    tag = node.user_tags.get("source")
    return tag is not None and not any(u.user_tags.get("source") == tag for u in ups)


def sources(graph: Dataflow, name: str) -> list[NodeSpec]:
    """The loaders `name` rests on (nearest first; a loader ends the walk), and the external
    inputs and config values reached without passing one."""
    out: list[NodeSpec] = []
    seen = {name}
    frontier = [name]
    while frontier:
        following: list[str] = []
        for current in frontier:
            for up in upstream(graph, current):
                if up in seen or up not in graph.nodes:
                    continue
                seen.add(up)
                node = graph.nodes[up]
                if node.kind is not NodeKind.FUNCTION or is_source(graph, node):
                    out.append(node)
                else:
                    following.append(up)
        frontier = following
    return out


def hover_lineage(graph: Dataflow, node: NodeSpec) -> tuple[list[str], list[str], list[NodeSpec]]:
    """What hover lists for `node`: direct upstream, direct downstream, sources."""
    if node.name not in graph.nodes:
        return [d.name for d in node.dependencies], [], []
    name = node.name
    return upstream(graph, name), downstream(graph, name), sources(graph, name)
