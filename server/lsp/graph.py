"""The graph preview protocol: `livedag/graph`, `livedag/lineage`, `livedag/graphChanged`.

`livedag/graph` returns the dataflow a document belongs to (or one node's neighbourhood) as nodes
and edges, with DOT and Mermaid text of the same graph; `livedag/lineage` answers the four lineage
questions; `livedag/graphChanged` tells the client to redraw whenever a change alters a dataflow's
nodes, edges, types, tags or docs (not when only a function body or a position moved).  The shapes
are documented in docs/lsp.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine import visualize
from livedag.engine.specs import NodeSpec
from pygls.exceptions import JsonRpcInvalidParams

from .. import lineage_questions
from ..policy_views import policies_json
from . import collector, idle
from .convert import JsonObject, uri_to_path
from .node_facts import edges_json
from .session import Session

if TYPE_CHECKING:
    from livedag.engine.dataflow import Dataflow
    from livedag.server.workspace import DataflowView, Snapshot
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

GRAPH = "livedag/graph"
LINEAGE = "livedag/lineage"
GRAPH_CHANGED = "livedag/graphChanged"
DIRECTIONS = ("both", "upstream", "downstream")


def plain(value: Any) -> Any:
    """Request params as plain JSON values (pygls hands custom params over as namedtuples)."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _param(params: Mapping[str, Any], key: str, kind: type, required: bool = False) -> Any:
    value = params.get(key)
    if value is None:
        if required:
            raise JsonRpcInvalidParams(f"{key!r} is required")
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise JsonRpcInvalidParams(f"{key!r} must be a {kind.__name__}, got {value!r}")
    return value


def _views(snapshot: Snapshot | None, uri: str) -> list[DataflowView]:
    path = uri_to_path(uri)
    if snapshot is None or path is None:
        return []
    return list(snapshot.dataflows_for(path))


def _view(snapshot: Snapshot | None, uri: str, name: str | None = None) -> DataflowView | None:
    """The dataflow `name` when the document is in it, else the document's first dataflow."""
    views = _views(snapshot, uri)
    chosen = [v for v in views if v.name == name]
    return (chosen or views)[0] if views else None


def _require_node(graph: Dataflow, name: str) -> NodeSpec:
    node = graph.node(name)
    if node is None:
        raise JsonRpcInvalidParams(
            str(lineage_questions.UnknownNode(name, graph.closest_names(name)))
        )
    return node


def neighbourhood(graph: Dataflow, focus: str, depth: int | None, direction: str) -> list[str]:
    names = {focus}
    if direction in ("both", "upstream"):
        names |= graph.upstream_of(focus, depth=depth)
    if direction in ("both", "downstream"):
        names |= graph.downstream_of(focus, depth=depth)
    return [n for n in graph.nodes if n in names]


def render(
    session: Session, graph: Dataflow, names: list[str], focus: str | None
) -> dict[str, str]:
    """DOT and Mermaid text of the chosen nodes (drawn by the engine, as everywhere else).

    Kept while the picture stays the same: an edit inside a function body draws nothing new.
    """

    def draw() -> dict[str, str]:
        return {
            "dot": visualize.to_dot(graph, names, focus=focus),
            "mermaid": visualize.to_mermaid(graph, names, focus=focus),
        }

    return session.indexes.render(graph, (tuple(names), focus), draw)


def graph_result(session: Session, view: DataflowView, params: Mapping[str, Any]) -> dict[str, Any]:
    graph = view.graph
    focus = _param(params, "node", str)
    depth = _param(params, "depth", int)
    direction = _param(params, "direction", str) or "both"
    if direction not in DIRECTIONS:
        raise JsonRpcInvalidParams(f"'direction' must be one of {', '.join(DIRECTIONS)}")
    if depth is not None and depth < 0:
        raise JsonRpcInvalidParams("'depth' must be 0 or more")
    if focus is not None:
        _require_node(graph, focus)
        names = neighbourhood(graph, focus, depth, direction)
    else:
        names = list(graph.nodes)
    snapshot = session.snapshot
    result = JsonObject(
        dataflow=view.name,
        # every dataflow the document is in: a client offers a choice when there are several
        dataflows=[v.name for v in _views(snapshot, params["uri"])] or [view.name],
        version=session.snapshot.version if session.snapshot else 0,
        focus=focus,
        nodes=session.node_json.many(graph.nodes[n] for n in names),
        edges=edges_json(graph, names),
        policies=policies_json(view.policies, names),  # [[tool.livedag.policies]] (policy_views)
    )
    result.update(render(session, graph, names, focus))
    return result


def lineage_result(
    session: Session, view: DataflowView, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The command's own answer (`livedag.server.lineage_questions`), with the server's node
    objects."""
    graph = view.graph
    try:
        question = lineage_questions.Question.make(
            _param(params, "question", str, required=True),
            node=_param(params, "node", str),
            target=_param(params, "target", str),
            depth=_param(params, "depth", int),
            tag=_param(params, "tag", str),
            reaching=_param(params, "reaching", str),
        )
        found = lineage_questions.answer(graph, question, session.indexes.of(graph))
    except (lineage_questions.BadQuestion, lineage_questions.UnknownNode) as exc:
        raise JsonRpcInvalidParams(str(exc)) from None
    return JsonObject(found.json(lambda name: session.node_json.one(graph.nodes[name])))


GRAPH_CHANGED_DELAY_S = 0.1  # a preview redraws at most ten times a second while typing
CHECK_SLICE_S = 0.001  # longest stretch of checking before other messages get their turn
EAGER_NAMES = 64  # a new graph's signature is taken at once when this few of its nodes changed


class GraphWatcher:
    """Sends `livedag/graphChanged` shortly after diagnostics, once for a burst of edits.

    The check runs in slices of about a millisecond, so a keystroke waits behind one slice at
    most: after indexing it signs every node (60 ms at 20,000 nodes).  After that, each graph a
    keystroke makes is signed from the version it was re-linked from, a few nodes' work, as soon
    as it is announced: a later version re-linked from it then finds its signature even when it
    is gone by the time of the check.  When no earlier signature is known (versions a request
    analysed and nobody kept), every node is summed again, in slices, each node's signature
    looked up (~60 ns) unless the node is new."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.signatures: dict[str, tuple[object, int]] = {}
        self.changed_paths: set[Path] = set()
        self._scheduled = False
        self._steps: Iterator[bool | None] | None = None
        self._checking: Snapshot | None = None  # the snapshot `_steps` checks
        self._deferral = idle.Deferral(session)

    def __call__(self, before: Snapshot | None, after: Snapshot, changed: set[Path]) -> None:
        self.changed_paths |= changed
        if before is not None:
            indexes = self.session.indexes
            for view in after.dataflows:
                indexes.known_signature(view.graph, EAGER_NAMES)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_later(GRAPH_CHANGED_DELAY_S, self.check)

    def check(self) -> None:
        """One slice of the check; the next is scheduled when there is more to do."""
        self._scheduled = False
        snapshot = self.session.announced  # not a newer one a request analysed: not told yet
        if snapshot is None:
            return
        if self._deferral.wait():  # a message is waiting: it goes first
            self._scheduled = True
            asyncio.get_running_loop().call_later(idle.WAIT_S, self.check)
            return
        if collector.young_first():  # the pause's young collection was this turn's work
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self.check)
            return
        if self._steps is None or self._checking is not snapshot:
            self._steps, self._checking = self._check_steps(snapshot), snapshot
        try:
            with collector.lasting():  # signatures are kept: nothing to scan for cycles
                deadline = time.perf_counter() + CHECK_SLICE_S
                for end_here in self._steps:
                    if end_here or time.perf_counter() >= deadline:
                        self._scheduled = True
                        asyncio.get_running_loop().call_soon(self.check)
                        return
        except Exception:
            log.error("graphChanged failed", exc_info=True)
        self._steps = self._checking = None

    def _check_steps(self, snapshot: Snapshot) -> Iterator[bool | None]:
        """The check's steps; True ends a slice before a big step (a graph let go)."""
        altered = []
        names = set()
        indexes = self.session.indexes
        retired: list[Any] = []  # the graphs checked before, emptied in steps at the end
        for view in snapshot.dataflows:
            names.add(view.name)
            known = self.signatures.get(view.name)
            if known is not None and known[0] is view.graph:
                continue
            signature = yield from indexes.signature_steps(view.graph)
            if known is None or known[1] != signature:
                altered.append(view)
            if known is not None:
                retired.append(known[0])
            self.signatures[view.name] = (view.graph, signature)
        for gone in set(self.signatures) - names:
            retired.append(self.signatures.pop(gone)[0])
        live = sum(len(view.graph.nodes) for view in snapshot.dataflows)
        if len(indexes.signatures) > 2 * live + 1000:
            yield from indexes.signatures.keep_only_steps(v.graph for v in snapshot.dataflows)
        uris = sorted({self.session.uri_of(p) for p in self.changed_paths})
        self.changed_paths = set()
        if altered:
            self.session.server.protocol.notify(
                GRAPH_CHANGED,
                {
                    "uris": uris,
                    "dataflows": [v.name for v in altered],
                    "version": snapshot.version,
                },
            )
        while retired:
            yield from indexes.forget_steps(retired[-1])
            yield True
            retired.pop()  # what is left of the graph goes: ~1 ms at 4,000 functions
            yield None


def register(server: LanguageServer, session: Session) -> GraphWatcher:
    watcher = GraphWatcher(session)
    session.listeners.append(watcher)

    async def answer(params: Any, build: Callable[..., dict[str, Any]]) -> dict[str, Any] | None:
        """`build(session, view, args)` for the dataflow of the request's `uri`, if any."""
        args = plain(params) or {}
        if not isinstance(args, dict):
            raise JsonRpcInvalidParams(
                'the params must be an object naming the document, like {"uri": "file:///..."}, '
                "not an array (see docs/lsp.md)"
            )
        uri = _param(args, "uri", str, required=True)
        view = _view(await session.current_when_ready(), uri, _param(args, "dataflow", str))
        return build(session, view, args) if view is not None else None

    @server.feature(GRAPH)
    async def livedag_graph(ls: LanguageServer, params: Any) -> dict[str, Any] | None:
        return await answer(params, graph_result)

    @server.feature(LINEAGE)
    async def livedag_lineage(ls: LanguageServer, params: Any) -> dict[str, Any] | None:
        return await answer(params, lineage_result)

    return watcher
