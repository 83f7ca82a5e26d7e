"""A workspace in full (locations included), to compare a cold index with a warm one."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from livedag.engine.specs import LocatedStr, Location
from livedag.server.cached_source import CachedSource
from livedag.server.output.graph import graph_json
from livedag.server.workspace import Snapshot, Workspace


def canonical(obj: Any) -> Any:
    """`obj` as plain tuples, every field and location included (equality leaves locations
    out), sets in sorted order (their iteration order depends on how they were built)."""
    if obj is None or isinstance(obj, (bool, int, float, enum.Enum)):
        return obj
    if isinstance(obj, LocatedStr):
        return ("LocatedStr", str(obj), canonical(obj.location))
    if isinstance(obj, str):
        return obj
    if isinstance(obj, Location):
        return ("Location", obj.path, obj.line, obj.column, obj.end_line, obj.end_column)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (
            type(obj).__qualname__,
            tuple(
                (f.name, canonical(getattr(obj, f.name)))
                for f in dataclasses.fields(obj)
                if f.name not in ("obj", "compute")  # live objects: the runtime's only
            ),
        )
    if isinstance(obj, (set, frozenset)):
        return ("set", tuple(sorted((canonical(x) for x in obj), key=repr)))
    if isinstance(obj, Mapping):
        return ("map", tuple((canonical(k), canonical(v)) for k, v in obj.items()))
    if isinstance(obj, (tuple, list)):
        return tuple(canonical(x) for x in obj)
    return ("object", type(obj).__qualname__)  # an evaluator's lambda, say: compared by kind


def everything(snapshot: Snapshot) -> dict[str, Any]:
    """Every analysis and every dataflow's graph and problems, in full (see `canonical`)."""
    analyses = {str(p): canonical(snapshot.module(p)) for p in snapshot.paths()}
    flows = {
        view.name: (
            graph_json(view.graph, view.graph.problems),
            # (a key keeps the first name object a node had: its location is not the node's)
            canonical(sorted((str(k), v) for k, v in view.graph.nodes.items())),
            canonical(view.graph.problems),
            sorted((a, b) for a, b in view.graph.graph.edges),
            canonical(sorted(view.problems_by_path.items())),
        )
        for view in snapshot.dataflows
    }
    problems = {str(p): canonical(snapshot.problems_for(p)) for p in snapshot.paths()}
    return {"analyses": analyses, "dataflows": flows, "problems": problems}


def from_cache(workspace: Workspace) -> set[Path]:
    """The modules whose analysis the workspace took from the on-disk cache."""
    return {p for p, s in workspace._sources.items() if isinstance(s, CachedSource)}
