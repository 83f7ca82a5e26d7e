"""What is under the cursor: a node's definition, a parameter asking for a node, a driver string.

Hover, definition and references all start by asking what names a node at a position.  The answer
comes from the locations the graph rules already record (a node's `location` is its `def` name or
the decorator string that names it; a dependency's `location` is the parameter or the `source(...)`
string that asks for it), so nothing here knows any decorator.  Each file's spans are indexed once
per snapshot and dataflow, by line, so a lookup costs a dictionary access and a short scan.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from livedag.engine.specs import FunctionSpec, Location, NodeKind, NodeSpec

if TYPE_CHECKING:
    from livedag.engine.dataflow import Dataflow
    from livedag.server.analyzer import ModuleAnalysis
    from livedag.server.workspace import DataflowView, Snapshot


class Role(enum.Enum):
    FUNCTION = "function"  # a `def` name: the nodes the function makes
    NODE = "node"  # a decorator string naming a node the function makes
    PARAMETER = "parameter"  # a parameter, or a decorator string, asking for a node
    DRIVER_OUTPUT = "driver output"  # a string in a driver's execute([...]) / final_vars
    DRIVER_INPUT = "driver input"  # a key of a driver's inputs={...}


@dataclass(frozen=True)
class Target:
    """A span that names a node.

    `name` is the node it is about (for a FUNCTION, the function's name); `nodes` are the nodes
    involved: those a FUNCTION makes, the node a NODE string names, or the consumers of a
    PARAMETER.
    """

    role: Role
    name: str
    location: Location
    nodes: tuple[str, ...] = ()
    function: FunctionSpec | None = None


def _contains(location: Location, line: int, column: int) -> bool:
    if (line, column) < (location.line, location.column):
        return False
    # The end is exclusive, but a cursor just after a name still means that name.
    return (line, column) <= (location.end_line, location.end_column)


def _width(location: Location) -> tuple[int, int]:
    return (location.end_line - location.line, location.end_column - location.column)


@dataclass
class FileIndex:
    """The spans of one file that name nodes, for one dataflow."""

    path: Path
    by_line: dict[int, list[Target]] = field(default_factory=dict)

    def add(self, target: Target) -> None:
        for line in range(target.location.line, target.location.end_line + 1):
            self.by_line.setdefault(line, []).append(target)

    def at(self, line: int, column: int) -> Target | None:
        """The narrowest target at a 1-based line and code-point column."""
        found = [t for t in self.by_line.get(line, ()) if _contains(t.location, line, column)]
        if not found:
            return None
        return min(found, key=lambda t: _width(t.location))

    def targets(self) -> Iterator[Target]:
        seen: set[int] = set()
        for targets in self.by_line.values():
            for target in targets:
                if id(target) not in seen:
                    seen.add(id(target))
                    yield target


def _key(location: Location) -> tuple[int, int, int, int]:
    return (location.line, location.column, location.end_line, location.end_column)


def build_index(path: Path, view: DataflowView, module: ModuleAnalysis | None) -> FileIndex:
    """Index the node-naming spans of `path` within `view`'s dataflow."""
    index = FileIndex(path)
    graph = view.graph
    path_str = str(path)
    module_name = module.module if module is not None else None
    made_by: dict[str, list[str]] = {}  # function name -> nodes it makes (in this file)
    consumers: dict[tuple[tuple[int, int, int, int], str], list[str]] = {}
    nodes_here: list[NodeSpec] = []

    for node in _all_definitions(graph):
        if node.kind is not NodeKind.FUNCTION:
            continue
        if module_name is not None and node.module != module_name:
            continue
        nodes_here.append(node)
        if node.function:
            made_by.setdefault(node.function, []).append(node.name)
        for dep in node.dependencies:
            loc = dep.location
            if loc is not None and _same_path(loc.path, path_str):
                consumers.setdefault((_key(loc), dep.name), []).append(node.name)

    functions = {f.name: f for f in module.functions} if module is not None else {}
    def_keys: set[tuple[int, int, int, int]] = set()
    for spec in functions.values():
        if spec.location is None:
            continue
        def_keys.add(_key(spec.location))
        index.add(
            Target(Role.FUNCTION, spec.name, spec.location, tuple(made_by.get(spec.name, ())), spec)
        )
    for node in nodes_here:
        loc = node.location
        if loc is None or not _same_path(loc.path, path_str) or _key(loc) in def_keys:
            continue
        index.add(
            Target(Role.NODE, node.name, loc, (node.name,), functions.get(node.function or ""))
        )

    asked: set[tuple[int, int, int, int]] = set()
    for (key, name), who in consumers.items():
        asked.add(key)
        loc = _location_at(path_str, key)
        owner = _function_of(graph, who[0], functions)
        index.add(Target(Role.PARAMETER, name, loc, tuple(dict.fromkeys(who)), owner))
    # Parameters no node asks for (a function switched off by config, a private helper): the
    # parameter name is still the node it would ask for.
    for spec in functions.values():
        for param in spec.parameters:
            if param.location is not None and _key(param.location) not in asked:
                index.add(Target(Role.PARAMETER, param.name, param.location, (), spec))

    if module is not None:
        for use in module.drivers:
            for output in use.outputs:
                loc = getattr(output, "location", None)
                if loc is not None:
                    index.add(Target(Role.DRIVER_OUTPUT, str(output), loc))
            for given in use.inputs:
                loc = getattr(given, "location", None)
                if loc is not None:
                    index.add(Target(Role.DRIVER_INPUT, str(given), loc))
    return index


def _all_definitions(graph: Dataflow) -> Iterator[NodeSpec]:
    """Every node definition, including the second definition of a duplicated name."""
    duplicated = {p.node for p in graph.problems if p.code == "LD003" and p.node}
    for name, node in graph.nodes.items():
        if name in duplicated:
            yield from graph.definitions(name)
        else:
            yield node


def _function_of(
    graph: Dataflow, node_name: str, functions: dict[str, FunctionSpec]
) -> FunctionSpec | None:
    node = graph.node(node_name)
    return functions.get(node.function or "") if node is not None else None


def _location_at(path: str, key: tuple[int, int, int, int]) -> Location:
    return Location(path, key[0], key[1], key[2], key[3])


def _same_path(a: str | None, b: str) -> bool:
    return a is not None and (a == b or Path(a) == Path(b))


class Locator:
    """Per-snapshot cache of file indexes, so repeated requests on a file cost a lookup."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, Path], tuple[object, object, FileIndex]] = {}

    def index(self, snapshot: Snapshot, view: DataflowView, path: Path) -> FileIndex:
        module = snapshot.module(path)
        key = (view.name, path)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is view.graph and cached[1] is module:
            return cached[2]
        built = build_index(path, view, module)
        self._cache[key] = (view.graph, module, built)
        return built

    def at(
        self, snapshot: Snapshot, path: Path, line: int, column: int
    ) -> list[tuple[DataflowView, Target]]:
        """The target at a position in each dataflow the file belongs to (first: the primary)."""
        found: list[tuple[DataflowView, Target]] = []
        for view in snapshot.dataflows_for(path):
            target = self.index(snapshot, view, path).at(line, column)
            if target is not None:
                found.append((view, target))
        return found
