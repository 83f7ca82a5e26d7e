"""From analyzed modules to a `Dataflow`: expansion with a cache and incremental re-linking (the
driver checks are in `driver_checks`).

Expansion is the costly part of linking, and after a keystroke only one function has changed.
The analyzer hands back the *same* FunctionSpec object for a block it did not re-parse, so the
cache is keyed by object identity (not equality: equality ignores locations, and a function whose
lines moved must be re-expanded to move its problems).  `expand_module` itself runs the
module-wide rewrites, with the cache as its function expander, so the nodes are the ones the
runtime makes.  What a module's expansion was before and is now (`ModuleChange`) tells
`Dataflow.updated` which nodes to re-link.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, count
from operator import attrgetter, is_not
from typing import Any

from livedag.engine.dataflow import Dataflow
from livedag.engine.node_sequence import NodeSequence
from livedag.engine.rules import (
    Expansion,
    expand_function,
    expand_module,
    takes_part_in_rewrites,
)
from livedag.engine.rules.plugins import PluginDependency
from livedag.engine.specs import (
    FunctionSpec,
    NodeSpec,
    Problem,
    same_place,
)


def config_key(config: Mapping[str, Any]) -> str:
    """A stable key for a config (values may be unhashable)."""
    return repr(sorted((str(k), repr(v)) for k, v in config.items()))


@dataclass
class _ModuleEntry:
    config: str
    source: Sequence[FunctionSpec]  # the analyzer's tuple: the same object while nothing changed
    result: Expansion
    # id(spec) -> (spec, its expansion, its place among the module's public functions); built
    # from `aligned` only when a module rewrite takes part
    functions: dict[int, tuple[FunctionSpec, Expansion, int]] | None
    # when no function takes part in a module rewrite: each source function's expansion, in
    # order (None for a private function), so an edit patches it instead of walking them all
    aligned: list[Expansion | None] | None

    def by_id(self) -> dict[int, tuple[FunctionSpec, Expansion, int]]:
        if self.functions is None:
            assert self.aligned is not None
            public = [
                (spec, expansion)
                for spec, expansion in zip(self.source, self.aligned, strict=True)
                if expansion is not None
            ]
            self.functions = {id(s): (s, e, i) for i, (s, e) in enumerate(public)}
        return self.functions


@dataclass(frozen=True)
class ModuleChange:
    """A module whose nodes or rule problems differ from the last time its dataflow was linked.

    `removed` and `added` are the nodes that differ, by identity; `relinkable` is False when they
    do not say it all (the module is new to the dataflow, or kept functions changed places), and
    the dataflow must be built cold.
    """

    module_key: str
    removed: list[NodeSpec]
    added: list[NodeSpec]
    relinkable: bool


@dataclass
class ExpansionCache:
    """Expansions of each module's functions, per dataflow, reused while the spec object is.

    Entries are kept per dataflow (`scope`) so that "did this module's nodes change since this
    dataflow was last linked" has an answer even when a module is in several dataflows.
    """

    _entries: dict[tuple[str, str], _ModuleEntry] = field(default_factory=dict)
    # The last config seen and its key: a dataflow's modules are expanded with one config
    # object, and its key (a sorted repr) is not worth making once per module per keystroke.
    # The object is held, so `is` cannot match a new dict at a recycled address.
    _config_key: tuple[Mapping[str, Any], str] | None = None

    def expand_module(
        self,
        scope: str,
        module_key: str,
        functions: Sequence[FunctionSpec],
        config: Mapping[str, Any],
    ) -> tuple[Expansion, ModuleChange | None]:
        """What `expand_module(functions, config)` gives, and how it differs from last time.

        Only functions whose spec object is new are expanded again, and a re-expansion equal to
        the one its function had (a body edit) is replaced by that one, so the nodes keep their
        identity and nothing downstream sees a change.  "Equal" includes locations: problems
        must follow their lines even when the graph's shape is the same.
        """
        key = (scope, module_key)
        known = self._config_key
        if known is not None and known[0] is config:
            ckey = known[1]
        else:
            ckey = config_key(config)
            self._config_key = (config, ckey)
        entry = self._entries.get(key)
        if entry is not None and entry.config != ckey:
            entry = None
        if entry is not None and entry.source is functions:
            return entry.result, None
        patched = None
        if entry is not None and entry.aligned is not None:
            patched = _patch(module_key, entry, functions, config)
        if patched is None:
            patched = _expand_all(module_key, entry, functions, config, ckey)
        self._entries[key] = patched[0]
        return patched[0].result, patched[1]

    def forget(self, module_key: str) -> None:
        for key in [k for k in self._entries if k[1] == module_key]:
            del self._entries[key]


def _expand_all(
    module_key: str,
    entry: _ModuleEntry | None,
    functions: Sequence[FunctionSpec],
    config: Mapping[str, Any],
    ckey: str,
) -> tuple[_ModuleEntry, ModuleChange | None]:
    """The whole module through the module rewrites, with the cache as function expander."""
    old = entry.by_id() if entry is not None else {}
    fresh: dict[int, tuple[FunctionSpec, Expansion, int]] = {}
    by_name: dict[str, int] | None = None  # function name -> its old key
    added: list[NodeSpec] = []
    places: list[int] = []  # where each kept expansion stood last time, in today's order
    reused: set[int] = set()  # old keys whose expansion an equal re-expansion took over

    def expand_cached(spec: FunctionSpec, config: Mapping[str, Any]) -> Expansion:
        nonlocal by_name
        hit = old.get(id(spec))
        if hit is not None and hit[0] is spec:  # the keystroke path: keep it cheap
            places.append(hit[2])
            index = len(fresh)
            fresh[id(spec)] = hit if hit[2] == index else (spec, hit[1], index)
            return hit[1]
        expansion = expand_function(spec, config)
        if by_name is None:  # the old functions whose spec object is gone, by name
            by_name = {old[k][0].name: k for k in old.keys() - set(map(id, functions))}
        was_key = by_name.pop(spec.name, None)
        was = old[was_key] if was_key is not None else None
        if was_key is not None and was is not None and same_expansion(was[1], expansion):
            places.append(was[2])
            reused.add(was_key)
            expansion = was[1]
        else:
            added.extend(expansion.nodes)
        fresh[id(spec)] = (spec, expansion, len(fresh))
        return expansion

    out = expand_module(functions, config, expand=expand_cached)
    removed: list[NodeSpec] = []
    if len(places) < len(old):  # some old expansion was not reused: its nodes are gone
        gone = old.keys() - fresh.keys() - reused
        removed = [node for key in gone for node in old[key][1].nodes]
    change = None
    in_order = entry is not None and places == sorted(places)
    if (
        not in_order
        or removed
        or added
        or entry is None
        or not same_problems(out.problems, entry.result.problems)
    ):
        change = ModuleChange(module_key, removed, added, in_order)
    aligned: list[Expansion | None] | None = None
    if not any(map(takes_part_in_rewrites, functions)):  # the rewrites left every spec alone
        aligned = [fresh[id(s)][1] if s.is_public else None for s in functions]
    return _ModuleEntry(ckey, functions, out, fresh, aligned), change


def _patch(
    module_key: str,
    entry: _ModuleEntry,
    functions: Sequence[FunctionSpec],
    config: Mapping[str, Any],
) -> tuple[_ModuleEntry, ModuleChange | None] | None:
    """The keystroke path when no module rewrite takes part: only the functions between the
    unchanged head and tail (by identity) are looked at, and the module's nodes are re-joined
    from the per-function expansions.  None when an edited function takes part in a rewrite."""
    assert entry.aligned is not None
    source = entry.source
    shortest = min(len(source), len(functions))
    head = next(compress(count(), map(is_not, functions, source)), shortest)
    tail = next(compress(count(), map(is_not, reversed(functions), reversed(source))), shortest)
    tail = min(tail, shortest - head)
    old_end, new_end = len(source) - tail, len(functions) - tail
    edited = functions[head:new_end]
    if any(map(takes_part_in_rewrites, edited)):
        return None
    before = source[head:old_end]
    before_expansions = entry.aligned[head:old_end]
    at = {id(spec): i for i, spec in enumerate(before)}
    kept = {at[id(s)] for s in edited if id(s) in at and before[at[id(s)]] is s}
    by_name = {s.name: i for i, s in enumerate(before) if i not in kept and s.is_public}
    taken: set[int] = set()  # old places whose expansion is kept or taken over
    places: list[int] = []
    added: list[NodeSpec] = []
    middle: list[Expansion | None] = []
    for spec in edited:
        if not spec.is_public:
            middle.append(None)
            continue
        i = at.get(id(spec))
        if i is not None and i in kept and before_expansions[i] is not None:
            expansion = before_expansions[i]
        else:
            expansion = expand_function(spec, config)
            i = by_name.pop(spec.name, None)
            was = before_expansions[i] if i is not None else None
            if was is not None and same_expansion(was, expansion):
                expansion = was
            else:
                i = None
                added.extend(expansion.nodes)
        if i is not None:
            places.append(i)
            taken.add(i)
        middle.append(expansion)
    removed = [
        node
        for i, was in enumerate(before_expansions)
        if was is not None and i not in taken
        for node in was.nodes
    ]
    aligned = entry.aligned[:head] + middle + entry.aligned[old_end:]
    spliced = _Splice(entry.aligned, head, old_end, middle)
    out = Expansion(spliced(entry.result.nodes, _NODES), spliced(entry.result.problems, _PROBLEMS))
    change = None
    in_order = places == sorted(places)
    if not in_order or removed or added or not same_problems(out.problems, entry.result.problems):
        change = ModuleChange(module_key, removed, added, in_order)
    return _ModuleEntry(entry.config, functions, out, None, aligned), change


_NODES = attrgetter("nodes")
_PROBLEMS = attrgetter("problems")


@dataclass(frozen=True)
class _Splice:
    """Replaces the part of a module-wide list (its nodes, or its problems) that came from the
    functions `aligned[head:end]` with what `middle` makes of them.  Where that part starts is
    counted from the nearer end of the module, so an edit near either end stays cheap."""

    aligned: list[Expansion | None]
    head: int
    end: int
    middle: list[Expansion | None]

    def __call__(self, whole: list[Any], part: Callable[[Expansion], list[Any]]) -> list[Any]:
        def size(expansions: Iterable[Expansion | None]) -> int:
            return sum(map(len, map(part, filter(None, expansions))))

        old_middle = size(self.aligned[self.head : self.end])
        if self.head <= len(self.aligned) - self.end:
            start = size(self.aligned[: self.head])
            stop = start + old_middle
        else:
            stop = len(whole) - size(self.aligned[self.end :])
            start = stop - old_middle
        return [
            *whole[:start],
            *chain.from_iterable(map(part, filter(None, self.middle))),
            *whole[stop:],
        ]


def same_problems(before: Sequence[Problem], after: Sequence[Problem]) -> bool:
    """Equal problems at locations that will stay equal."""
    return before == after and all(
        same_place(a.location, b.location) for a, b in zip(before, after, strict=True)
    )


def same_expansion(before: Expansion, after: Expansion) -> bool:
    """Equal nodes and problems, at locations that will stay equal (NodeSpec equality leaves
    locations out; an edited block keeps its anchor, a different block does not)."""
    if len(before.nodes) != len(after.nodes) or not same_problems(before.problems, after.problems):
        return False
    for old, new in zip(before.nodes, after.nodes, strict=True):
        if old is new:
            continue
        if old != new or not same_place(old.location, new.location):
            return False
        if not all(
            same_place(a.location, b.location)
            for a, b in zip(old.dependencies, new.dependencies, strict=True)
        ):
            return False
    return True


@dataclass
class Expanded:
    """Every module's nodes and rule problems, in module order, and which modules changed."""

    problems: list[Problem]
    changes: list[ModuleChange]
    # each module's own nodes (the cache's list, not a copy), for answers about one file
    by_module: dict[str, Sequence[NodeSpec]] = field(default_factory=dict)

    @functools.cached_property
    def nodes(self) -> NodeSequence:
        """Every module's nodes in module order: the modules' own lists joined, not copied (a
        keystroke re-links a graph whose unchanged modules' parts are the same objects)."""
        return NodeSequence(list(self.by_module.values()))


def expand_all(
    scope: str,
    modules: Iterable[tuple[str, Sequence[FunctionSpec]]],
    config: Mapping[str, Any],
    cache: ExpansionCache,
    has_package: Callable[[str], bool] | None = None,
) -> Expanded:
    """Every module's nodes and rule problems, and the modules whose nodes changed.

    With `has_package` (the project's environment), what the rules relied on of a Hamilton
    plugin is reported only when the plugin's libraries are not there (`without_installed`).
    """
    expanded = Expanded([], [])
    for module_key, functions in modules:
        expansion, change = cache.expand_module(scope, module_key, functions, config)
        if change is not None:
            expanded.changes.append(change)
        expanded.by_module[module_key] = expansion.nodes
        if has_package is None:
            expanded.problems.extend(expansion.problems)
        else:
            expanded.problems.extend(without_installed(expansion.problems, has_package))
    return expanded


def without_installed(
    problems: Sequence[Problem], has_package: Callable[[str], bool]
) -> Sequence[Problem]:
    """`problems` less the plugin notices whose libraries the environment has."""
    if not any(isinstance(p, PluginDependency) for p in problems):
        return problems
    return [
        p
        for p in problems
        if not (isinstance(p, PluginDependency) and all(map(has_package, p.libraries)))
    ]


def updated_dataflow(
    previous: Dataflow,
    expanded: Expanded,
    *,
    config: Mapping[str, Any],
    declared_inputs: Collection[str] | None,
) -> tuple[Dataflow, set[str] | None]:
    """The dataflow of `expanded`, re-linked from `previous` when only some modules' nodes
    changed (the keystroke path), else built cold; and the names of the nodes re-linked (None
    after a cold build)."""
    removed: list[NodeSpec] = []
    added: list[NodeSpec] = []
    for change in expanded.changes:
        if not change.relinkable:
            graph = Dataflow.build(
                expanded.nodes,
                config=config,
                declared_inputs=declared_inputs,
                problems=expanded.problems,
            )
            return graph, None
        removed.extend(change.removed)
        added.extend(change.added)
    graph = previous.updated(
        expanded.nodes, problems=expanded.problems, removed=removed, added=added
    )
    return graph, {spec.name for spec in (*removed, *added)}


def without_overridden(nodes: Sequence[NodeSpec]) -> list[NodeSpec]:
    """Hamilton's `allow_module_overrides`: of the nodes of one name, the last one made (its
    module named later) is the one in the graph; the earlier ones are gone, not duplicates."""
    last = {node.name: index for index, node in enumerate(nodes)}
    return [node for index, node in enumerate(nodes) if last[node.name] == index]
