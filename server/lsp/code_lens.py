"""Code lens above each function that makes nodes: `↑ n upstream · ↓ m downstream`.

The lenses of a file are listed without counts (one per function, from the analysis); each is
resolved when the client shows it, from the graph's memoised ancestor and descendant bit sets
(`graph_index`), so a 4,000-function module costs its visible lenses, not all of them.  A lens
resolved after an edit reads the latest graph, so its counts follow the code.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .convert import JsonArray, JsonObject
from .graph_index import GraphIndex
from .session import Session

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer


log = logging.getLogger(__name__)
_ARTIFACTS: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_TRUE = frozenset({"true", "1", "yes"})


def artifact_bits(index: GraphIndex) -> int:
    """The nodes tagged `artifact=true`, as a bit set of the index (once per graph)."""
    graph = index.graph
    found = _ARTIFACTS.get(graph)
    if found is None:
        found = 0
        for name, node in graph.nodes.items():
            if node.tags and str(node.tags.get("artifact", "")).lower() in _TRUE:
                found |= index.bit_of(name)
        _ARTIFACTS[graph] = found
    return found


def counts_title(upstream: int, downstream: int, artifacts: int) -> str:
    title = f"↑ {upstream} upstream · ↓ {downstream} downstream"
    if artifacts:
        title += f" · reaches {artifacts} artifact{'s' if artifacts != 1 else ''}"
    return title


REFRESH_DELAY_S = 0.3


class LensRefresher:
    """Asks the client to re-request lenses and inlay hints (`workspace/codeLens/refresh`,
    `workspace/inlayHint/refresh`) a moment after a change alters a graph: counts in other open
    files follow an edit here.  Only when the client supports it; never inside a keystroke (the
    listener only schedules; the check compares graph identities)."""

    def __init__(self, server: LanguageServer, session: Session) -> None:
        self.server = server
        self.session = session
        self.graphs: dict[str, object] = {}
        self._scheduled = False

    def __call__(self, before: Any, after: Any, changed: Any) -> None:
        if not self._scheduled and self._supported():
            self._scheduled = True
            asyncio.get_running_loop().call_later(REFRESH_DELAY_S, self.check)

    def _supported(self) -> bool:
        workspace = self.server.client_capabilities.workspace
        lens = workspace.code_lens if workspace is not None else None
        hints = workspace.inlay_hint if workspace is not None else None
        return bool((lens and lens.refresh_support) or (hints and hints.refresh_support))

    def check(self) -> None:
        self._scheduled = False
        snapshot = self.session.announced
        if snapshot is None:
            return
        graphs = {view.name: view.graph for view in snapshot.dataflows}
        previous, self.graphs = self.graphs, dict(graphs)
        if previous and all(previous.get(name) is graph for name, graph in graphs.items()):
            return
        workspace = self.server.client_capabilities.workspace
        try:
            if workspace and workspace.code_lens and workspace.code_lens.refresh_support:
                self.server.workspace_code_lens_refresh(None)
            if workspace and workspace.inlay_hint and workspace.inlay_hint.refresh_support:
                self.server.workspace_inlay_hint_refresh(None)
        except Exception:
            log.warning("asking the client to refresh lenses failed", exc_info=True)


def register(server: LanguageServer, session: Session) -> None:
    session.listeners.append(LensRefresher(server, session))

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=True))
    async def code_lens(ls: LanguageServer, params: types.CodeLensParams) -> JsonArray | None:
        snapshot = await session.current_when_ready()
        path = session.path_of(params.text_document.uri)
        if snapshot is None or path is None:
            return None
        module = snapshot.module(path)
        if module is None or not snapshot.dataflows_for(path):
            return None
        lines = session.lines(path)
        out: list[dict[str, Any]] = []
        for spec in module.functions:
            if spec.location is None or spec.name.startswith("_"):
                continue
            out.append(
                {
                    "range": session.positions.range_json(spec.location, lines),
                    "data": {"uri": params.text_document.uri, "function": spec.name},
                }
            )
        return JsonArray(out)

    @server.feature(types.CODE_LENS_RESOLVE)
    async def resolve(ls: LanguageServer, lens: types.CodeLens) -> JsonObject:
        snapshot = await session.current_when_ready()
        data = lens.data if isinstance(lens.data, dict) else {}
        path = session.path_of(str(data.get("uri", "")))
        module = snapshot.module(path) if snapshot is not None and path is not None else None
        title = "no node"
        if snapshot is not None and path is not None and module is not None:
            function = str(data.get("function"))
            for view in snapshot.dataflows_for(path):
                index = session.indexes.of(view.graph)
                made = index.made_by(module.module, function)
                if not made:
                    continue
                main = next((n for n in made if n.name == function), made[0])
                up = index.upstream_bits(main.name)
                down = index.downstream_bits(main.name)
                artifacts = (down & artifact_bits(index)).bit_count()
                title = counts_title(up.bit_count(), down.bit_count(), artifacts)
                break
        return JsonObject(
            range=lens.range
            and {
                "start": {"line": lens.range.start.line, "character": lens.range.start.character},
                "end": {"line": lens.range.end.line, "character": lens.range.end.character},
            },
            command={"title": title, "command": ""},
            data=lens.data,
        )
