"""The graph problems a Dataflow finds on its own: LD001 cycles, LD002 unknown dependencies,
LD003 duplicate definitions, LD004 type mismatches.

Every check reports all it finds (never only the first), each problem at the place the user has to
edit: the parameter (or decorator string) that asks for a node, or the name that defines one.
"""

from __future__ import annotations

import difflib
import functools
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from .codes import Code
from .compatibility import types_compatible
from .specs import Dependency, Location, NodeSpec, Problem, Related, Severity, TypeRef

if TYPE_CHECKING:
    import networkx as nx


def _where(spec: NodeSpec, dep: Dependency | None = None) -> Location | None:
    return (dep.location if dep is not None else None) or spec.location


# --- LD003 --------------------------------------------------------------------------------------


MAX_RELATED = 20  # other definitions an LD003 points at; the rest are counted


def duplicates_of(name: str, specs: Sequence[NodeSpec]) -> list[Problem]:
    """LD003 for one name: empty unless `specs` holds more than one definition.

    Each problem names and points at the first MAX_RELATED other definitions and counts the
    rest, so n definitions cost O(n), not O(n²), in time and in what is published."""
    if len(specs) < 2:
        return []
    problems = []
    head = specs[: MAX_RELATED + 1]
    for spec in specs:
        others = [s for s in head if s is not spec][:MAX_RELATED]
        rest = len(specs) - 1 - len(others)
        where = ", ".join(_origin(s) for s in others)
        if rest:
            where += f" and {rest} more"
        problems.append(
            Problem(
                Code.DUPLICATE_NODE,
                Severity.ERROR,
                f"'{name}' is defined more than once (also by {where}); Hamilton refuses "
                f"duplicate nodes. Rename one of them or remove it from the dataflow",
                spec.location,
                tuple(
                    Related(s.location, f"'{name}' is also defined here")
                    for s in others
                    if s.location is not None
                ),
                node=name,
            )
        )
    return problems


def _origin(spec: NodeSpec) -> str:
    function = f"{spec.module}.{spec.function}" if spec.module else (spec.function or spec.name)
    return f"{function}()"


# --- LD001 --------------------------------------------------------------------------------------


def cyclic_components(graph: nx.DiGraph, candidates: Collection[str]) -> list[list[str]]:
    """Strongly connected components among `candidates` that contain a cycle."""
    import networkx as nx  # imported when first needed (see adjacency.digraph_from)

    sub = graph.subgraph(candidates)
    found = []
    for component in nx.strongly_connected_components(sub):
        if len(component) > 1:
            found.append(sorted(component))
        else:
            (only,) = component
            if sub.has_edge(only, only):
                found.append([only])
    found.sort()
    return found


def _shortest_path(graph: nx.DiGraph, start: str, goal: str, allowed: set[str]) -> list[str]:
    """Breadth-first path start ⇝ goal inside `allowed` (it exists: both are in one SCC)."""
    if start == goal:
        return [start]
    parents: dict[str, str] = {start: start}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        # sorted, so the cycle named does not depend on the order edges were added in
        for nxt in sorted(n for n in graph.succ[current] if n in allowed):
            if nxt not in parents:
                parents[nxt] = current
                if nxt == goal:
                    path = [goal]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return path[::-1]
                queue.append(nxt)
    return [start, goal]  # unreachable for a true SCC; keeps the message well-formed


def _rotated(cycle: list[str]) -> list[str]:
    """The same cycle starting at its smallest name, so every edge names it identically."""
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]


def cycle_problems(
    graph: nx.DiGraph, nodes: Mapping[str, NodeSpec], components: Iterable[list[str]]
) -> list[Problem]:
    """LD001 at every edge inside each cyclic component, naming a whole cycle through it."""
    problems = []
    for component in components:
        members = set(component)
        cycle_of: dict[tuple[str, str], list[str]] = {}
        edges = [(u, v) for u in sorted(component) for v in sorted(graph.succ[u]) if v in members]
        for u, v in edges:
            if (u, v) in cycle_of:
                continue
            # the edge u -> v closes a cycle with the shortest way back from v to u
            back = _shortest_path(graph, v, u, members)
            cycle = _rotated([u, *back[:-1]]) if u != v else [u]
            ring = list(zip(cycle, cycle[1:] + cycle[:1], strict=True))
            for edge in ring:
                cycle_of.setdefault(edge, cycle)
        for u, v in edges:
            cycle = cycle_of[(u, v)]
            named = " -> ".join([*cycle, cycle[0]])
            ring = list(zip(cycle, cycle[1:] + cycle[:1], strict=True))
            consumer = nodes[v]
            dep = _dependency(consumer, u)
            related = []
            for a, b in ring:
                if (a, b) == (u, v):
                    continue
                other = nodes[b]
                where = _where(other, _dependency(other, a))
                if where is not None:
                    related.append(Related(where, f"{a} -> {b}: '{b}' depends on '{a}'"))
            problems.append(
                Problem(
                    Code.CYCLE,
                    Severity.ERROR,
                    f"cycle {named}: '{v}' depends on '{u}', which depends back on '{v}'. "
                    f"Break the cycle by removing or renaming one of these dependencies",
                    _where(consumer, dep),
                    tuple(related),
                    node=v,
                )
            )
    return problems


def _dependency(spec: NodeSpec, name: str) -> Dependency | None:
    for dep in spec.dependencies:
        if dep.name == name:
            return dep
    return None


# --- LD002 --------------------------------------------------------------------------------------


OVERLAY_MAX = 256  # names a typo index keeps aside before copying its tables (see `changed`)


class NameIndex:
    """Finds likely typos fast: names one edit (or a case/underscore change) away from a query.

    A one-character edit leaves either the first or the last three characters of a name of four
    or more intact, so such names are bucketed by both; a query compares only against its two
    buckets.  Building costs two dict probes per name, which the keystroke path can afford.
    When names share a prefix (`customer_...`) a bucket holds most of them; the query then
    spells out its own one-edit variants instead (a few hundred set probes, however many names
    there are).  Shorter names are matched by spelling out their variants: a three-letter name
    is a likely typo of a name one insertion, deletion or swap away (`lft` → `left`), not of
    every three-letter name one letter off (`age` is not a typo of `ago`).
    """

    def __init__(self, names: Iterable[str]):
        self._by_prefix: dict[str, list[str]] = {}
        self._by_suffix: dict[str, list[str]] = {}
        self._folded: dict[str, list[str]] = {}
        self._names: set[str] = set()
        for name in names:
            self._by_prefix.setdefault(name[:3], []).append(name)
            self._by_suffix.setdefault(name[-3:], []).append(name)
            self._folded.setdefault(_fold(name), []).append(name)
            self._names.add(name)
        self._alphabet = "".join(sorted(set().union(*self._names))) if self._names else ""
        # Names added to and removed from the tables above since they were made: `changed`
        # shares the tables (never changing them) and records only what it was told, so a
        # keystroke costs the names it touched, not a copy of 20,000 entries.  The names are
        # (tables - removed) | added.
        self._added: frozenset[str] = frozenset()
        self._removed: frozenset[str] = frozenset()

    def changed(self, added: Iterable[str], removed: Iterable[str]) -> NameIndex:
        """A new index with `added` names in and `removed` ones out; this one is left as it is.

        The new index shares this one's tables and keeps the difference aside; once that grows
        past `OVERLAY_MAX` names it is folded into copies of the tables (only the buckets the
        names fall in are copied), so queries stay as cheap as on a fresh index.
        """
        added, removed = list(added), list(removed)
        fresh = NameIndex(())
        fresh._by_prefix, fresh._by_suffix = self._by_prefix, self._by_suffix
        fresh._folded, fresh._names = self._folded, self._names
        fresh._alphabet = self._alphabet
        if added:
            fresh._alphabet = "".join(sorted(set(self._alphabet).union(*added)))
        gone = set(removed)
        fresh._removed = self._removed | gone.intersection(self._names)
        fresh._added = (self._added - gone) | frozenset(added)
        if len(fresh._added) + len(fresh._removed) > OVERLAY_MAX:
            fresh._fold_overlay()
        return fresh

    def _fold_overlay(self) -> None:
        """Apply the recorded difference to copies of the tables."""
        self._by_prefix = dict(self._by_prefix)
        self._by_suffix = dict(self._by_suffix)
        self._folded = dict(self._folded)
        self._names = (self._names - self._removed) | self._added
        for name in self._removed:
            for table, key in self._keys(name):
                bucket = [n for n in table.get(key, ()) if n != name]
                if bucket:
                    table[key] = bucket
                else:
                    table.pop(key, None)
        for name in self._added:
            for table, key in self._keys(name):
                table[key] = [*table.get(key, ()), name]
        self._added, self._removed = frozenset(), frozenset()

    def _keys(self, name: str) -> list[tuple[dict[str, list[str]], str]]:
        return [
            (self._by_prefix, name[:3]),
            (self._by_suffix, name[-3:]),
            (self._folded, _fold(name)),
        ]

    def __contains__(self, name: str) -> bool:
        return name in self._added or (name in self._names and name not in self._removed)

    def _present(self, candidates: Iterable[str]) -> set[str]:
        """The candidates that are names of the index (set operations, in C: hundreds each)."""
        wanted = set(candidates)
        present = wanted & self._names
        if self._removed:
            present -= self._removed
        if self._added:
            present |= wanted & self._added
        return present

    def _bucket(
        self, table: dict[str, list[str]], key: str, key_of: Callable[[str], str]
    ) -> list[str]:
        """A table's bucket as the recorded difference leaves it."""
        bucket = table.get(key, [])
        if self._removed:
            bucket = [n for n in bucket if n not in self._removed]
        if self._added:
            bucket = [*bucket, *(n for n in self._added if key_of(n) == key)]
        return bucket

    def near(self, name: str) -> set[str]:
        """Names sharing `name`'s first three or last three letters (what a slower, fuzzier
        matcher is worth running on, out of a large graph's names)."""
        return {
            *self._bucket(self._by_prefix, name[:3], _head),
            *self._bucket(self._by_suffix, name[-3:], _tail),
        }

    def likely_typos(self, name: str, exclude: Collection[str] = ()) -> list[str]:
        """Existing names the user probably meant when writing `name`, best first (may be
        empty); never `name` itself, nor a name in `exclude` (the asking node's own name:
        following that hint would make a node depend on itself)."""
        found = set(self._bucket(self._folded, _fold(name), _fold))
        if len(name) >= 4:
            buckets = (
                self._bucket(self._by_prefix, name[:3], _head),
                self._bucket(self._by_suffix, name[-3:], _tail),
            )
            variants = (2 * len(name) + 1) * len(self._alphabet)
            if (len(buckets[0]) + len(buckets[1])) * 8 > variants:  # spelling them out is cheaper
                head, tail = name[:3], name[-3:]
                found.update(
                    c
                    for c in self._present(_one_edit_variants(name, self._alphabet))
                    if c[:3] == head or c[-3:] == tail
                )
            else:
                for bucket in buckets:
                    found.update(c for c in bucket if _one_edit_apart(name, c))
        if 3 <= len(name) <= 4:  # the buckets miss what is one edit from a three-letter name
            found.update(
                c
                for c in self._present(
                    _one_edit_variants(name, self._alphabet, substitutions=False)
                )
                if len(c) >= 3
            )
        found.discard(name)
        found.difference_update(exclude)
        found = {c for c in found if not _distinct_by_design(name, c)}
        return sorted(found, key=lambda c: (-difflib.SequenceMatcher(None, name, c).ratio(), c))


def _one_edit_variants(name: str, alphabet: str, *, substitutions: bool = True) -> Iterator[str]:
    """Every string one deletion, insertion, adjacent swap (or substitution) away from `name`."""
    for i in range(len(name) + 1):
        head, tail = name[:i], name[i:]
        if tail:
            yield head + tail[1:]
            if len(tail) > 1:
                yield head + tail[1] + tail[0] + tail[2:]
        for char in alphabet:
            yield head + char + tail
            if tail and substitutions:
                yield head + char + tail[1:]


def may_be_typo_of(name: str, target: str) -> bool:
    """Whether `target` could be among `name`'s likely typos (a cheap over-approximation)."""
    return _fold(name) == _fold(target) or _one_edit_apart(name, target)


def _one_edit_apart(a: str, b: str) -> bool:
    """Levenshtein distance 1, or one swap of adjacent characters."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1 or a == b:
        return False
    low, high = 0, len(a)  # longest common prefix, by slice comparisons (done in C)
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    i = low
    if len(a) != len(b):
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :]


def _distinct_by_design(a: str, b: str) -> bool:
    """Names one edit apart that name different things on purpose, not by a slip: they differ
    in a digit or in the character after one (`season_1` / `season_12`, `param1` / `param1b`),
    or in a one-letter word (`X_train` / `y_train`, `v1.e` / `v1.c`).  Names that are equal but
    for case and underscores are always slips."""
    if _fold(a) == _fold(b):
        return False
    if len(a) != len(b):
        longer, shorter = (a, b) if len(a) > len(b) else (b, a)
        i = next((k for k in range(len(shorter)) if shorter[k] != longer[k]), len(shorter))
        return _numbered_at(longer, i)
    differing = [k for k in range(len(a)) if a[k] != b[k]]
    if len(differing) != 1:
        return False  # a swap of two neighbours is a slip
    (i,) = differing
    if _numbered_at(a, i) and _numbered_at(b, i):
        return True
    return _word_length(a, i) == 1 and _word_length(b, i) == 1


def _numbered_at(name: str, i: int) -> bool:
    """Whether position `i` of `name` is a digit or follows one."""
    return name[i].isdigit() or (i > 0 and name[i - 1].isdigit())


_WORD_BREAKS = "_."


def _word_length(name: str, i: int) -> int:
    """The length of the word of `name` (between `_` or `.`) that holds position `i`."""
    start = max(name.rfind(c, 0, i) for c in _WORD_BREAKS) + 1
    ends = [e for e in (name.find(c, i) for c in _WORD_BREAKS) if e >= 0]
    return min(ends, default=len(name)) - start


def _fold(name: str) -> str:
    return name.replace("_", "").lower()


@functools.lru_cache(maxsize=4)
def _head(name: str) -> str:
    return name[:3]


def _tail(name: str) -> str:
    return name[-3:]


def name_index(names: frozenset[str]) -> NameIndex:
    """The index for one set of names; cached because a keystroke rarely renames a node."""
    return NameIndex(names)


def unknown_input_problems(
    name: str,
    asking: Sequence[tuple[NodeSpec, Dependency]],
    index: NameIndex,
    declared_inputs: Collection[str] | None,
) -> list[Problem]:
    """LD002 for one name nobody produces, at every place that asks for it.

    A parameter with a default needs no producer (the default applies), so even with declared
    inputs it is only flagged when it looks like a typo of a node.
    """
    if declared_inputs is not None and name in declared_inputs:
        return []
    found = index.likely_typos(name)
    strict = declared_inputs is not None and any(not dep.optional for _, dep in asking)
    if not strict and not found:
        return []
    problems = []
    for spec, dep in asking:
        guesses = [g for g in found if g != spec.name]  # never the asking node itself
        hint = f"did you mean {' or '.join(repr(g) for g in guesses[:3])}?" if guesses else ""
        if declared_inputs is not None and not dep.optional:
            severity = Severity.ERROR
            message = (
                f"'{spec.name}' depends on '{name}', which is neither produced by a function, "
                f"nor a declared input, nor in the config. "
                + (hint[0].upper() + hint[1:] + " " if hint else "")
                + f"Define '{name}' or add it to the declared inputs"
            )
        elif guesses:
            severity = Severity.WARNING
            message = (
                f"'{spec.name}' depends on '{name}', which no function produces: {hint} "
                f"If '{name}' is meant to be an external input, ignore this"
            )
        else:
            continue  # an optional parameter beside a required one: its default applies
        problems.append(
            Problem(Code.UNKNOWN_DEPENDENCY, severity, message, _where(spec, dep), node=spec.name)
        )
    return problems


# --- LD004 --------------------------------------------------------------------------------------


def _type_text(tp: TypeRef | None) -> str:
    return tp.text if tp is not None else "unannotated"


def edge_type_problems(spec: NodeSpec, dep: Dependency, producer: NodeSpec) -> list[Problem]:
    """LD004 for one edge, when the consumer's annotation cannot accept the producer's."""
    produced = producer.type
    if types_compatible(produced, dep.type):
        return []
    name = producer.name
    related: tuple[Related, ...] = ()
    if producer.location is not None and produced is not None:
        related = (Related(producer.location, f"'{name}' returns {produced.text} here"),)
    return [
        Problem(
            Code.TYPE_MISMATCH,
            Severity.ERROR,
            f"'{spec.name}' expects '{name}' to be {_type_text(dep.type)}, but "
            f"'{name}' returns {_type_text(produced)}; Hamilton refuses to connect them. "
            f"Make the two annotations agree",
            _where(spec, dep),
            related,
            node=spec.name,
        )
    ]


def input_type_problems(name: str, asking: Sequence[tuple[NodeSpec, Dependency]]) -> list[Problem]:
    """LD004 where the consumers of an input or config value `name` disagree on its type:
    Hamilton takes the first one's type and tightens it with each compatible one."""
    current: tuple[NodeSpec, Dependency] | None = None
    problems = []
    for spec, dep in asking:
        if dep.type is None:
            continue
        if current is None:
            current = (spec, dep)
            continue
        held = current[1].type
        if types_compatible(held, dep.type):
            continue
        if types_compatible(dep.type, held):
            current = (spec, dep)  # the tighter type wins, as in Hamilton
            continue
        first, first_dep = current
        where = _where(first, first_dep)
        problems.append(
            Problem(
                Code.TYPE_MISMATCH,
                Severity.ERROR,
                f"'{spec.name}' asks for input '{name}' as {_type_text(dep.type)}, but "
                f"'{first.name}' asks for it as {_type_text(held)}; Hamilton refuses inputs "
                f"requested with incompatible types. Make the annotations agree",
                _where(spec, dep),
                (Related(where, f"'{first.name}' asks for '{name}' here"),) if where else (),
                node=spec.name,
            )
        )
    return problems
