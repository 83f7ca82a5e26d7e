"""A dataflow's nodes in order, as consecutive parts that versions share.

Re-linking after a keystroke needs to know where a few nodes stand in the new order (the askers of
an input and the consumers of a node are kept in node order, as a cold build lists them).  In one
flat tuple of 20,000 nodes that is a scan per lookup, or an index of every node per keystroke.
The workspace makes a dataflow's nodes module by module, and a keystroke changes one module's
part; so the sequence keeps the parts, and where a node stands is found in its own part, with an
index per part that the next version inherits for every part it shares (by identity).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from itertools import accumulate, chain
from typing import overload

from .specs import Dependency, NodeSpec

Asker = tuple[NodeSpec, Dependency]


class NodeSequence(Sequence[NodeSpec]):
    """The concatenation of `parts` (never changed afterwards), with `position` by identity."""

    __slots__ = ("parts", "_starts", "_length", "_indexes", "_by_module", "_askers")

    def __init__(self, parts: Sequence[Sequence[NodeSpec]]):
        self.parts: tuple[Sequence[NodeSpec], ...] = tuple(parts)
        self._starts = [0, *accumulate(map(len, self.parts))]
        self._length = self._starts[-1]
        # id(part) -> (part, {id(node): index in the part}); built when first asked
        self._indexes: dict[int, tuple[Sequence[NodeSpec], dict[int, int]]] = {}
        self._by_module: dict[str | None, list[int]] | None = None
        # id(part) -> (part, {name: [node]} of the part's nodes that ask for it)
        self._askers: dict[int, tuple[Sequence[NodeSpec], dict[str, list[NodeSpec]]]] = {}

    def inherit(self, earlier: NodeSequence) -> None:
        """Share `earlier`'s part indexes: an entry holds its part and is good for any sequence
        holding that very part, so the two versions fill one table (the warmer may index the
        old version after the new one was made).  Pruned to this sequence's parts when it holds
        others: the entries left out go with the earlier version, one part's at a time (freeing
        ten stale indexes of a 4,000-function module at once was a 12 ms pause)."""
        mine = {id(part) for part in self.parts}
        for name in ("_indexes", "_askers"):
            table = getattr(earlier, name)
            if not mine.issuperset(table):
                table = {k: v for k, v in table.items() if k in mine}
            setattr(self, name, table)

    def askers(self, name: str) -> list[Asker]:
        """Every (node, dependency) asking for `name`, in node order: each part's own index
        (made when first asked, inherited like the positions), so a version costs the parts
        that changed, not a table of every name."""
        found: list[Asker] = []
        for number in range(len(self.parts)):
            asked = self.part_askers(number).get(name)
            if asked:
                last = None
                for spec in asked:  # a node is listed once per dependency named `name`
                    if spec is not last:
                        last = spec
                        found.extend((spec, dep) for dep in spec.dependencies if dep.name == name)
        return found

    def part_askers(self, number: int) -> dict[str, list[NodeSpec]]:
        """The nodes of part `number` asking for each name, once per dependency so named (made
        once per part object; the pairs `askers` returns are made when asked: kept for every
        part of a 20,000-node dataflow, they cost 2 MB)."""
        part = self.parts[number]
        entry = self._askers.get(id(part))
        if entry is None or entry[0] is not part:
            for _ in self.part_askers_steps(number):
                pass
            entry = self._askers[id(part)]
        return entry[1]

    def part_askers_steps(self, number: int, per_step: int = 1000) -> Iterator[None]:
        """Makes `part_askers(number)`, pausing after every `per_step` nodes (for warming in
        slices: a 4,000-function module's part is milliseconds)."""
        part = self.parts[number]
        index: dict[str, list[NodeSpec]] = {}
        for count, spec in enumerate(part, 1):
            for dep in spec.dependencies:
                index.setdefault(dep.name, []).append(spec)
            if count % per_step == 0:
                yield
        entry = self._askers.get(id(part))
        if entry is None or entry[0] is not part:  # not made meanwhile, by a request
            self._askers[id(part)] = (part, index)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[NodeSpec]:
        return chain.from_iterable(self.parts)

    @overload
    def __getitem__(self, index: int) -> NodeSpec: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[NodeSpec]: ...

    def __getitem__(self, index: int | slice) -> NodeSpec | Sequence[NodeSpec]:
        if isinstance(index, slice):
            return tuple(self)[index]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("node sequence index out of range")
        part = bisect.bisect_right(self._starts, index) - 1
        return self.parts[part][index - self._starts[part]]

    def position(self, spec: NodeSpec) -> int:
        """Where `spec` (this very object) stands; ValueError when it is not in the sequence."""
        if self._by_module is None:
            by_module: dict[str | None, list[int]] = {}
            for number, part in enumerate(self.parts):
                if part:
                    by_module.setdefault(part[0].module, []).append(number)
            self._by_module = by_module
        likely = self._by_module.get(spec.module, [])
        for number in chain(likely, (n for n in range(len(self.parts)) if n not in likely)):
            found = self._index(number).get(id(spec))
            if found is not None and self.parts[number][found] is not spec:
                # the part was changed after it was indexed (against the contract): index it again
                found = self._index(number, fresh=True).get(id(spec))
            if found is not None:
                return self._starts[number] + found
        raise ValueError(f"node {spec.name!r} is not in this sequence")

    def _index(self, number: int, *, fresh: bool = False) -> dict[int, int]:
        part = self.parts[number]
        entry = self._indexes.get(id(part))
        if fresh or entry is None or entry[0] is not part:
            entry = self._indexes[id(part)] = (part, {id(s): i for i, s in enumerate(part)})
        return entry[1]
