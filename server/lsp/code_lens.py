"""Code lens above each function that makes nodes: `↑ n upstream | ↓ m downstream`.

Two lenses per function, each clickable: `↑ n upstream` runs `livedag.focusNode`, `↓ m downstream`
runs `livedag.showConsumers`.  The VS Code extension runs both on its side (the graph preview on the
node; the references peek of the consumers, whose locations the lens carries); any other client
sends them back as `workspace/executeCommand` and the server answers with a message naming the
nodes and where they are, so clicking a lens never fails.

The lenses of a file are listed without counts (from the analysis); each is resolved when the
client shows it, from the graph's memoised ancestor and descendant bit sets (`graph_index`), so a
4,000-function module costs its visible lenses, not all of them.  A lens resolved after an edit
reads the latest graph, so its counts follow the code.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .convert import EncodedJson, JsonArray, JsonObject
from .graph_index import GraphIndex
from .session import Session
from .symbols import nodes_by_function_in

if TYPE_CHECKING:
    from livedag.engine.specs import NodeSpec
    from livedag.server.analyzer import ModuleAnalysis
    from livedag.server.workspace import DataflowView
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


SHOW_CONSUMERS = "livedag.showConsumers"
FOCUS_NODE = "livedag.focusNode"
UP, DOWN, NONE = "up", "down", "none"
NO_NODE = "makes no node in this dataflow"
LISTED = 12  # names a message lists before "and n more"


def upstream_title(upstream: int) -> str:
    return f"↑ {upstream} upstream"


def downstream_title(downstream: int, artifacts: int) -> str:
    title = f"↓ {downstream} downstream"
    if artifacts:
        title += f" · reaches {artifacts} artifact{'s' if artifacts != 1 else ''}"
    return title


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


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


def _lens_list(
    session: Session, uri: str, path: Path, module: ModuleAnalysis, views: list[DataflowView]
) -> str:
    """The document's lenses, unresolved, as JSON text: two per function that makes a node
    (one when it makes none in these dataflows: a `@config.when` variant not chosen)."""
    lines = session.lines(path)
    # What each function makes, from the file's own nodes: right after an edit the new
    # graph's whole-graph table (`GraphIndex.made_by`) is not made yet, and making it for
    # 20,000 nodes cost the lens list ~10 ms.
    made = [nodes_by_function_in(view, path, module.module) for view in views]
    span = session.positions.span
    uri_json = json.dumps(uri)
    out: list[str] = []
    for spec in module.functions:
        if spec.location is None or spec.name.startswith("_"):
            continue
        start_line, start, end_line, end = span(spec.location, lines)
        head = (
            f'{{"range":{{"start":{{"line":{start_line},"character":{start}}},'
            f'"end":{{"line":{end_line},"character":{end}}}}},'
            f'"data":{{"uri":{uri_json},"function":{json.dumps(spec.name)},"lens":'
        )
        makes = any(nodes(spec.name) for nodes in made)
        for kind in (UP, DOWN) if makes else (NONE,):
            out.append(f'{head}"{kind}"}}}}')
    return f"[{','.join(out)}]"


def register(server: LanguageServer, session: Session) -> None:
    session.listeners.append(LensRefresher(server, session))

    # Per document: the last list sent, with (weak references to) what it was made from, so
    # the same version's list asked again (a scroll, a refresh of another file's edit) is
    # sent as it is.
    listed: dict[str, tuple[weakref.ref[Any], tuple[weakref.ref[Any], ...], str]] = {}

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=True))
    async def code_lens(ls: LanguageServer, params: types.CodeLensParams) -> EncodedJson | None:
        snapshot = await session.current_when_ready()
        uri = params.text_document.uri
        path = session.path_of(uri)
        if snapshot is None or path is None:
            return None
        module = snapshot.module(path)
        views = snapshot.dataflows_for(path) if module is not None else []
        if module is None or not views:
            listed.pop(uri, None)
            return None
        known = listed.get(uri)
        if (
            known is not None
            and known[0]() is module
            and len(known[1]) == len(views)
            and all(ref() is view.graph for ref, view in zip(known[1], views, strict=True))
        ):
            return EncodedJson(known[2])
        text = _lens_list(session, uri, path, module, views)
        for gone in [u for u, entry in listed.items() if entry[0]() is None]:
            del listed[gone]  # a document whose analysis is gone (closed, edited since)
        listed[uri] = (weakref.ref(module), tuple(weakref.ref(v.graph) for v in views), text)
        return EncodedJson(text)

    def main_node(path: Any, function: str) -> tuple[DataflowView, NodeSpec] | None:
        """The node a function's lens is about (the one named like it), in its first dataflow."""
        snapshot = session.current()
        module = snapshot.module(path) if snapshot is not None else None
        if snapshot is None or module is None:
            return None
        for view in snapshot.dataflows_for(path):
            made = nodes_by_function_in(view, path, module.module)(function)
            if made:
                return view, next((n for n in made if n.name == function), made[0])
        return None

    def consumer_locations(view: DataflowView, name: str) -> list[dict[str, Any]]:
        """Where the node's consumers ask for it (their parameters), one per consumer."""
        out = []
        for _, dep in view.graph.consumers(name):
            located = session.location_json(dep.location) if dep.location is not None else None
            if located is not None and located not in out:
                out.append(located)
        return out

    @server.feature(types.CODE_LENS_RESOLVE)
    async def resolve(ls: LanguageServer, lens: types.CodeLens) -> JsonObject:
        await session.current_when_ready()
        data = lens.data if isinstance(lens.data, dict) else {}
        path = session.path_of(str(data.get("uri", "")))
        found = main_node(path, str(data.get("function"))) if path is not None else None
        start = {"line": lens.range.start.line, "character": lens.range.start.character}
        command: dict[str, Any] = {"title": NO_NODE, "command": ""}
        if found is not None and data.get("lens") in (UP, DOWN):
            view, node = found
            index = session.indexes.of(view.graph)
            target = {"uri": data["uri"], "position": start, "dataflow": view.name}
            target["node"] = node.name
            if data.get("lens") == UP:
                up = index.upstream_bits(node.name).bit_count()
                command = {
                    "title": upstream_title(up),
                    "command": FOCUS_NODE,
                    "arguments": [target],
                }
            else:
                down = index.downstream_bits(node.name)
                artifacts = (down & artifact_bits(index)).bit_count()
                target["locations"] = consumer_locations(view, node.name)
                title = downstream_title(down.bit_count(), artifacts)
                command = {"title": title, "command": SHOW_CONSUMERS, "arguments": [target]}
        return JsonObject(
            range={
                "start": start,
                "end": {"line": lens.range.end.line, "character": lens.range.end.character},
            },
            command=command,
            data=lens.data,
        )

    def lens_node(
        ls: LanguageServer, args: tuple[Any, ...]
    ) -> tuple[DataflowView, NodeSpec] | None:
        """The node a lens command names, from the latest graph (the lens may be older)."""
        target = args[0] if args and isinstance(args[0], dict) else {}
        snapshot = session.current()
        for view in snapshot.dataflows if snapshot is not None else ():
            if view.name == target.get("dataflow"):
                node = view.graph.node(str(target.get("node")))
                if node is not None:
                    return view, node
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"livedag: {target.get('node')!r} is no longer a node of its dataflow; "
                "click the lens again once it has refreshed.",
            )
        )
        return None

    def tell(ls: LanguageServer, message: str) -> None:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Info, message=message)
        )

    # Commands' parameters are typed `Any`: pygls evaluates their annotations when called, and
    # LanguageServer is imported for the type checker only.
    @server.command(SHOW_CONSUMERS)
    async def show_consumers(ls: Any, *args: Any) -> JsonArray:
        """A client without the extension's command: name the consumers and where they ask for
        the node; the answer is their locations, for clients that use it."""
        await session.current_when_ready()
        found = lens_node(ls, args)
        if found is None:
            return JsonArray([])
        view, node = found
        places = []
        for consumer, dep in view.graph.consumers(node.name):
            where = dep.location
            at = f" ({Path(where.path).name}:{where.line})" if where and where.path else ""
            places.append(f"{consumer.name}{at}")
        if places:
            tell(ls, f"{node.name} is used by {len(places)}: {_listed(places)}")
        else:
            tell(ls, f"{node.name} is used by no other node")
        return JsonArray(consumer_locations(view, node.name))

    @server.command(FOCUS_NODE)
    async def focus_node(ls: Any, *args: Any) -> JsonArray:
        """A client without the graph preview: name what the node depends on; the answer is
        those names, sorted."""
        await session.current_when_ready()
        found = lens_node(ls, args)
        if found is None:
            return JsonArray([])
        view, node = found
        upstream = sorted(session.indexes.of(view.graph).upstream(node.name))
        if upstream:
            tell(
                ls,
                f"{node.name} depends on {len(upstream)}: {_listed(upstream)} "
                f"(the tree: livedag lineage upstream {node.name})",
            )
        else:
            tell(ls, f"{node.name} depends on nothing")
        return JsonArray(upstream)
