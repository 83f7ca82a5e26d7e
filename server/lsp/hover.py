"""Hover: a node's lineage where its name is written.

On a function's name, a decorator string that names a node, a parameter, or a driver string, the
hover shows the node's type, docstring and tags, what feeds it directly and what it feeds, the
external inputs and loaders it ultimately rests on with their `source`/`owner` tags, whether
personal data reaches it, and for a parameter which node satisfies it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from livedag.engine.specs import NodeKind, NodeSpec
from lsprotocol import types

from ..data_sources import hover_lineage
from ..policy_views import policies_markdown
from .convert import JsonObject
from .graph_index import GraphIndex
from .locate import Locator, Role, Target
from .node_facts import facts
from .session import Session

if TYPE_CHECKING:
    from livedag.server.workspace import DataflowView
    from pygls.lsp.server import LanguageServer

MAX_LISTED = 12


def _names(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:MAX_LISTED])
    more = len(names) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "") if names else "none"


def _tags(tags: dict[str, object]) -> str:
    return ", ".join(f"`{k}={v}`" for k, v in sorted(tags.items()))


def _where(node: NodeSpec) -> str:
    if node.kind is NodeKind.INPUT:
        return "external input"
    if node.kind is NodeKind.CONFIG:
        return "config value"
    loc = node.location
    place = f"{Path(loc.path).name}:{loc.line}" if loc is not None and loc.path else "?"
    made = f" (made by `{node.function}`)" if node.function and node.function != node.name else ""
    return f"defined in `{node.module}` at {place}{made}"


def node_markdown(index: GraphIndex, node: NodeSpec) -> str:
    """Everything hover says about one node."""
    f = facts(index, node)
    upstream, downstream, sources = hover_lineage(index.graph, node)
    type_text = node.type.text if node.type is not None else "?"
    lines = [f"```python\n{node.name}: {type_text}\n```", f"*{_where(node)}*"]
    if node.doc:
        lines.append(node.doc.strip())
    tags = node.user_tags
    if tags:
        lines.append(f"**Tags** {_tags(tags)}")
    lines.append(f"**Upstream** {_names(upstream)}  \n**Downstream** {_names(downstream)}")
    if sources:
        parts = []
        for src in sources[:MAX_LISTED]:
            kind = "loader" if src.kind is NodeKind.FUNCTION else src.kind.value
            owners = {k: v for k, v in src.user_tags.items() if k in ("source", "owner")}
            extra = f", {_tags(owners)}" if owners else ""
            parts.append(f"`{src.name}` ({kind}{extra})")
        more = len(sources) - MAX_LISTED
        lines.append(
            "**Depends on** " + ", ".join(parts) + (f" and {more} more" if more > 0 else "")
        )
    if f.pii:
        lines.append(f"**PII** reaches it from {_names(f.pii)}")
    else:
        lines.append("**PII** no PII-tagged node reaches it")
    return "\n\n".join(lines)


def target_markdown(index: GraphIndex, view: DataflowView, target: Target) -> str | None:
    graph = view.graph
    if target.role is Role.FUNCTION:
        made = [n for n in (graph.node(name) for name in target.nodes) if n is not None]
        if not made:
            return (
                f"`{target.name}` makes no node in dataflow `{view.name}` "
                "(private, or switched off by its config)"
            )
        main = next((n for n in made if n.name == target.name), made[0])
        text = node_markdown(index, main)
        others = [n.name for n in made if n is not main]
        if others:
            text += f"\n\n**Also makes** {_names(others)}"
        return text
    node = graph.node(target.name)
    if target.role in (Role.PARAMETER, Role.DRIVER_OUTPUT, Role.DRIVER_INPUT):
        if node is None:
            close = index.closest_names(target.name)
            hint = f"; did you mean {_names(close)}?" if close else ""
            return f"No node produces `{target.name}` in dataflow `{view.name}`{hint}"
        header = f"**`{target.name}`** is satisfied by: {_where(node)}\n\n"
        return header + node_markdown(index, node)
    return node_markdown(index, node) if node is not None else None


def register(server: LanguageServer, session: Session, locator: Locator) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: LanguageServer, params: types.HoverParams) -> JsonObject | None:
        pointed = await locator.at_cursor(session, params.text_document.uri, params.position)
        if pointed is None or not pointed[1]:
            return None
        cursor, ((view, target), *_) = pointed
        text = target_markdown(session.indexes.of(view.graph), view, target)
        if text is None:
            return None
        governed = policies_markdown(view.policies, target.name)  # [[tool.livedag.policies]]
        if governed:
            text += "\n\n" + governed
        if len(cursor.snapshot.dataflows_for(cursor.path)) > 1:
            text += f"\n\n---\ndataflow `{view.name}`"
        return JsonObject(  # a `Hover`, already in its JSON form (see `convert.JsonObject`)
            contents={"kind": "markdown", "value": text},
            range=session.positions.range_json(target.location, session.lines(cursor.path)),
        )
