"""What is under the cursor: a node's definition, a parameter asking for a node, a driver string.

Hover, definition and references all start by asking what names a node at a position.  The answer
comes from the locations the graph rules already record (a node's `location` is its `def` name or
the decorator string that names it; a dependency's `location` is the parameter or the `source(...)`
string that asks for it), so nothing here knows any decorator.  A file's spans are indexed per
snapshot and dataflow, one function at a time as requests reach it (a bisection finds the
function under the cursor), so a lookup costs a dictionary access and a short scan.
"""

from __future__ import annotations

import bisect
import enum
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from livedag.engine.specs import FunctionSpec, Location

from . import idle
from .graph_index import GraphIndex, GraphIndexes

if TYPE_CHECKING:
    from livedag.server.analyzer import ModuleAnalysis
    from livedag.server.workspace import DataflowView, Snapshot
    from lsprotocol.types import Position

    from .session import Cursor, Session


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


def _start_line(spec: FunctionSpec) -> int:
    """The first line of a function's header: its outermost decorator, or else its `def`."""
    loc = spec.location
    line = loc.line if loc is not None else 0
    for call in spec.decorators:
        if call.location is not None and call.location.line < line:
            line = call.location.line
    return line


def _key(location: Location) -> tuple[int, int, int, int]:
    return (location.line, location.column, location.end_line, location.end_column)


class FileIndex:
    """The spans of one file that name nodes, for one dataflow, built a function at a time.

    A request only ever asks about the function under the cursor, so that function's targets are
    built when first asked for (functions are in source order: a bisection finds it), and a
    keystroke in a 4,000-function module costs the next hover one function, not the module.
    """

    def __init__(self, path: Path, module: ModuleAnalysis | None, index: GraphIndex) -> None:
        self.path = path
        self._path_str = str(path)
        self._module = module
        self._graph_index = index
        self._functions: tuple[FunctionSpec, ...] = module.functions if module else ()
        self._by_function: dict[int, dict[int, list[Target]]] = {}
        self._drivers: dict[int, list[Target]] = {}
        for target in _driver_targets(module):
            self._add(self._drivers, target)

    @staticmethod
    def _add(by_line: dict[int, list[Target]], target: Target) -> None:
        for line in range(target.location.line, target.location.end_line + 1):
            by_line.setdefault(line, []).append(target)

    def at(self, line: int, column: int) -> Target | None:
        """The narrowest target at a 1-based line and code-point column."""
        candidates = list(self._drivers.get(line, ()))
        position = bisect.bisect_right(self._functions, line, key=_start_line) - 1
        if position >= 0:
            candidates += self._function_targets(position).get(line, ())
        found = [t for t in candidates if _contains(t.location, line, column)]
        if not found:
            return None
        return min(found, key=lambda t: _width(t.location))

    def targets(self) -> Iterator[Target]:
        """Every target of the file (builds them all; for tests and tools, not requests)."""
        tables = [self._drivers] + [self._function_targets(i) for i in range(len(self._functions))]
        seen: set[int] = set()
        for table in tables:
            for targets in table.values():
                for target in targets:
                    if id(target) not in seen:
                        seen.add(id(target))
                        yield target

    def _function_targets(self, position: int) -> dict[int, list[Target]]:
        built = self._by_function.get(position)
        if built is None:
            built = self._by_function[position] = self._build(self._functions[position])
        return built

    def _build(self, spec: FunctionSpec) -> dict[int, list[Target]]:
        """The targets of one function: its name, the nodes it names, what it asks for."""
        by_line: dict[int, list[Target]] = {}
        path_str = self._path_str
        module_name = self._module.module if self._module is not None else None
        made = self._graph_index.made_by(module_name, spec.name)
        def_key = _key(spec.location) if spec.location is not None else None
        if spec.location is not None:
            nodes = tuple(n.name for n in made)
            self._add(by_line, Target(Role.FUNCTION, spec.name, spec.location, nodes, spec))
        consumers: dict[tuple[tuple[int, int, int, int], str], list[str]] = {}
        for node in made:
            loc = node.location
            if loc is not None and _same_path(loc.path, path_str) and _key(loc) != def_key:
                self._add(by_line, Target(Role.NODE, node.name, loc, (node.name,), spec))
            for dep in node.dependencies:
                dep_loc = dep.location
                if dep_loc is not None and _same_path(dep_loc.path, path_str):
                    consumers.setdefault((_key(dep_loc), dep.name), []).append(node.name)
        asked: set[tuple[int, int, int, int]] = set()
        for (key, name), who in consumers.items():
            asked.add(key)
            location = Location(path_str, *key)
            self._add(
                by_line, Target(Role.PARAMETER, name, location, tuple(dict.fromkeys(who)), spec)
            )
        # Parameters no node asks for (a function switched off by config, a private helper): the
        # parameter name is still the node it would ask for.
        for param in spec.parameters:
            if param.location is not None and _key(param.location) not in asked:
                self._add(by_line, Target(Role.PARAMETER, param.name, param.location, (), spec))
        return by_line


def _driver_targets(module: ModuleAnalysis | None) -> Iterator[Target]:
    """The strings of the module's driver scripts that request or supply nodes."""
    if module is None:
        return
    for use in module.drivers:
        for output in use.outputs:
            loc = getattr(output, "location", None)
            if loc is not None:
                yield Target(Role.DRIVER_OUTPUT, str(output), loc)
        for given in use.inputs:
            loc = getattr(given, "location", None)
            if loc is not None:
                yield Target(Role.DRIVER_INPUT, str(given), loc)


def build_index(path: Path, module: ModuleAnalysis | None, index: GraphIndex) -> FileIndex:
    """Index the node-naming spans of `path` within one dataflow (lazily, per function)."""
    return FileIndex(path, module, index)


def _same_path(a: str | None, b: str) -> bool:
    return a is not None and (a == b or Path(a) == Path(b))


class Locator:
    """Per-snapshot cache of file indexes, so repeated requests on a file cost a lookup."""

    def __init__(self, indexes: GraphIndexes) -> None:
        self._indexes = indexes
        self._cache: dict[tuple[str, Path], tuple[object, object, FileIndex]] = {}
        self._pruned_for: Callable[[], Snapshot | None] = lambda: None

    def index(self, snapshot: Snapshot, view: DataflowView, path: Path) -> FileIndex:
        module = snapshot.module(path)
        key = (view.name, path)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is view.graph and cached[1] is module:
            return cached[2]
        if self._pruned_for() is not snapshot:
            self._prune(snapshot)
        built = build_index(path, module, self._indexes.of(view.graph))
        self._cache[key] = (view.graph, module, built)
        return built

    def _prune(self, snapshot: Snapshot) -> None:
        """Forget indexes of graphs or modules `snapshot` no longer has: each entry holds its
        graph and module, so an entry for a file not asked about since would pin that version
        (every node of its dataflow) for the rest of the day."""
        graphs = {view.name: view.graph for view in snapshot.dataflows}
        self._cache = {
            (name, path): entry
            for (name, path), entry in self._cache.items()
            if entry[0] is graphs.get(name) and entry[1] is snapshot.module(path)
        }
        self._pruned_for = weakref.ref(snapshot)

    def listen(self, session: Session) -> LocatorPruner:
        """Prune while the user pauses after each new snapshot (`LocatorPruner`)."""
        pruner = LocatorPruner(self, session)
        session.listeners.append(pruner)
        return pruner

    async def at_cursor(
        self, session: Session, uri: str, position: Position
    ) -> tuple[Cursor, list[tuple[DataflowView, Target]]] | None:
        """A request's position and what it points at, against the latest text; None when the
        position is outside the document."""
        await session.current_when_ready()
        cursor = session.cursor(uri, position)
        if cursor is None:
            return None
        return cursor, self.at(cursor.snapshot, cursor.path, cursor.line, cursor.column)

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


PRUNE_DELAY_S = 0.1  # quiet time after an analysis before the locator lets old versions go


class LocatorPruner(idle.IdleJob):
    """A snapshot listener that prunes the locator in idle time.

    The cache holds the graph an edit replaced until the locator is pruned.  When that is the
    last reference, the old graph is freed during the prune: its tables and every weak
    table's entry for it.  At 20,000 nodes that takes about 3 ms, and the first request after
    an edit (F2, a hover) used to pay it.  Pruning shortly after the analysis, while the user
    pauses, moves that cost out of the request.  It waits while a client message is already
    waiting (`idle.Deferral`).  A request that comes first still prunes, as before."""

    def __init__(self, locator: Locator, session: Session) -> None:
        super().__init__(session)
        self.locator = locator

    def __call__(self, before: Snapshot | None, after: Snapshot, changed: set[Path]) -> None:
        self.schedule(PRUNE_DELAY_S)

    def _run(self) -> None:
        self._handle = None
        snapshot = self.session.snapshot
        if snapshot is None or self.locator._pruned_for() is snapshot or self.gave_way():
            return
        self.locator._prune(snapshot)
