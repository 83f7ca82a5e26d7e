"""Inlay hints: after a parameter, where its value comes from when the file does not say:
`← input`, `← config`, or `← module.node` for a node made in another module.  A parameter whose
producer is in the same file gets none.  `livedag.inlayHints` = `all` (default), `inputs` (only
inputs and config) or `off`."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import NodeKind
from lsprotocol import types

from .convert import JsonArray
from .session import Session

if TYPE_CHECKING:
    from livedag.engine.specs import NodeSpec
    from pygls.lsp.server import LanguageServer


def hint_label(producer: NodeSpec, module: str, mode: str) -> str | None:
    """What a parameter satisfied by `producer` shows in a function of `module`."""
    if producer.kind is NodeKind.INPUT:
        return "← input"
    if producer.kind is NodeKind.CONFIG:
        return "← config"
    if mode == "inputs" or producer.module == module:
        return None
    return f"← {producer.module}.{producer.name}"


def register(server: LanguageServer, session: Session) -> None:
    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
    async def inlay_hints(ls: LanguageServer, params: types.InlayHintParams) -> JsonArray | None:
        mode = getattr(session.settings, "inlay_hints", "all")
        if mode == "off":
            return None
        snapshot = await session.current_when_ready()
        path = session.path_of(params.text_document.uri)
        if snapshot is None or path is None:
            return None
        module = snapshot.module(path)
        views = snapshot.dataflows_for(path)
        if module is None or not views:
            return None
        graph = views[0].graph
        first, last = params.range.start.line + 1, params.range.end.line + 1
        lines = session.lines(path)
        out: list[dict[str, Any]] = []
        functions = module.functions
        start = bisect.bisect_left(
            functions, first - 50, key=lambda f: f.location.line if f.location else 0
        )  # a signature starts at most this far above its parameters
        for spec in functions[start:]:
            if spec.location is not None and spec.location.line > last:
                break
            for param in spec.parameters:
                loc = param.location
                if loc is None or not first <= loc.line <= last:
                    continue
                producer = graph.node(param.name)
                label = hint_label(producer, module.module, mode) if producer is not None else None
                if label is None:
                    continue
                character = session.positions.to_client(lines, loc.end_line - 1, loc.end_column)
                out.append(
                    {
                        "position": {"line": loc.end_line - 1, "character": character},
                        "label": label,
                        "kind": int(types.InlayHintKind.Parameter),
                        "paddingLeft": True,
                    }
                )
        return JsonArray(out)
