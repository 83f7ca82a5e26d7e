"""Answers about one dataflow graph, computed once per graph and shared by every request.

A `Dataflow` never changes once built, and after a keystroke only the dataflows that contain the
edited file get a new one, so anything a request derives from a graph can be kept for as long as
that graph lives.  Hover, the lineage requests and the graph preview read from here:

- ancestors and descendants of a node as bit sets (one bit per node, names in sorted order), filled
  lazily and memoised: in an acyclic graph a node's set is the union of its neighbours' sets, so
  every node shares the work already done for the nodes it builds on;
- which ancestors are roots (inputs, config values, loaders) and which are tagged as personal data;
- the nodes each function of each module makes;
- a signature of what a preview draws, for "did the picture change" checks and render caching.
"""

from __future__ import annotations

import bisect
import itertools
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from livedag.engine.codes import Code
from livedag.engine.specs import NodeKind, NodeSpec

if TYPE_CHECKING:
    from livedag.engine.dataflow import Dataflow

PII_KEYS = frozenset({"pii", "contains_pii", "is_pii"})
_TRUE = frozenset({"true", "yes", "1", "y"})
_FLAGS = bytes.maketrans(b"01", b"\x00\x01")
MAX_RENDER_CHARS = 8_000_000  # DOT and Mermaid text kept (a 4,000-node graph draws ~2 MB)


def is_pii(tags: Mapping[str, Any]) -> bool:
    """A node is personal data when tagged `pii=true` (or `data_classification="pii"` and alike)."""
    for key, value in tags.items():
        text = str(value).strip().lower()
        if key.lower() in PII_KEYS and (value is True or text in _TRUE):
            return True
        if text == "pii":
            return True
    return False


def node_signature(node: NodeSpec) -> int:
    """What a preview draws of one node; positions are left out (moving code redraws nothing)."""
    return hash(
        (
            node.name,
            node.kind,
            node.type.text if node.type is not None else None,
            tuple((d.name, d.optional) for d in node.dependencies),
            repr(sorted(node.user_tags.items(), key=lambda kv: kv[0])),
            node.doc,
        )
    )


_SIGNATURE = itemgetter(1)
_MASK = 0xFFFFFFFFFFFFFFFF
# Idle work per step (see the graph-changed check): signing a node never seen is ~3 us, looking
# one up ~60 ns, so a step stays well under a millisecond.
TOTAL_PER_STEP = 100
FORGET_PER_STEP = 1_000
DIFF_PER_STEP = 200
CLOSURE_PER_STEP = 50  # nodes met or completed in one step of a walk (~0.5 ms at 20,000 nodes)
MAX_CHAIN = 64  # versions walked back for a known total before summing every node instead
NUMBERING_PER_STEP = 4_000  # names numbered in one step (~0.3 ms)
MAX_NAMES_PATCHED = 500  # changed names up to which a version's sorted names are patched


def signature_of(count: int, total: int) -> int:
    """A graph's signature from its node count and the sum of its node signatures."""
    return hash((count, total))


class SignatureMemo:
    """Node signatures by NodeSpec identity: relinking keeps the specs of unchanged functions."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[NodeSpec, int]] = {}

    def of(self, node: NodeSpec) -> int:
        """One node's signature."""
        entry = self._known.get(id(node))
        if entry is None:
            entry = self._known[id(node)] = (node, node_signature(node))
        return entry[1]

    def graph_total(self, graph: Dataflow) -> int:
        """The sum of the graph's node signatures (modulo 2**64)."""
        return _finish(self.graph_total_steps(graph))

    def graph_total_steps(
        self, graph: Dataflow, per_step: int = TOTAL_PER_STEP
    ) -> Generator[None, None, int]:
        """`graph_total` in steps of `per_step` nodes: the first total of a 20,000-node graph
        signs every node, 60 ms, which a keystroke should not wait behind."""
        nodes = list(graph.nodes.values())
        total = 0
        for start in range(0, len(nodes), per_step):
            total += self._sum(nodes[start : start + per_step])
            yield
        return total & _MASK

    def _sum(self, nodes: list[NodeSpec]) -> int:
        # An entry keeps its node alive, so an id found here is that node: the lookups run
        # in C, and only nodes not seen before are hashed in Python.
        known = self._known
        entries: list[Any] = list(map(known.get, map(id, nodes)))
        i = 0
        while True:
            try:
                i = entries.index(None, i)
            except ValueError:
                break
            node = nodes[i]
            entries[i] = known[id(node)] = (node, node_signature(node))
        total: int = sum(map(_SIGNATURE, entries))
        return total

    def graph_signature(self, graph: Dataflow) -> int:
        return signature_of(len(graph.nodes), self.graph_total(graph))

    def keep_only_steps(
        self, graphs: Iterable[Dataflow], per_step: int = FORGET_PER_STEP
    ) -> Iterator[None]:
        """Forget specs no longer in any of `graphs` (called when the memo grows), in steps.

        Entries added meanwhile are kept: they were signed for a graph newer than `graphs`."""
        known = self._known
        ids = list(known)
        alive: set[int] = set()
        for graph in graphs:
            nodes = list(graph.nodes.values())
            for start in range(0, len(nodes), per_step):
                alive.update(map(id, nodes[start : start + per_step]))
                yield
        for start in range(0, len(ids), per_step):
            for key in ids[start : start + per_step]:
                if key not in alive:
                    del known[key]
            yield

    def keep_only(self, graphs: Iterable[Dataflow]) -> None:
        """`keep_only_steps` at once."""
        for _ in self.keep_only_steps(graphs):
            pass

    def __len__(self) -> int:
        return len(self._known)


def _finish(steps: Generator[None, None, int]) -> int:
    """Run `steps` to the end; their result."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: int = done.value
            return result


class GraphIndex:
    """Lazily computed, memoised facts about one graph (see the module docstring)."""

    def __init__(
        self, graph: Dataflow, earlier: tuple[list[str], frozenset[str]] | None = None
    ) -> None:
        self._graph = weakref.ref(graph)
        # Bit numbering (sorted names), made on the first lineage question: a keystroke makes a
        # new graph, and most graphs are never asked one.  Bits are made from positions when
        # needed; a table of 20,000 ready-made masks of up to 20,000 bits was 27 MB and 14 ms.
        # `earlier`: the sorted names of the version this one was re-linked from, and the names
        # changed since, when known: a few insertions instead of sorting 20,000 names (3 ms).
        self._names: list[str] | None = None
        self._earlier = earlier
        self._position: dict[str, int] | None = None
        self.acyclic = graph.is_acyclic
        self._up: dict[str, int] = {}
        self._down: dict[str, int] = {}
        # Roots and PII-tagged nodes among the nodes whose ancestors are known (which include
        # every ancestor of such a node).
        self._roots = 0
        self._pii = 0
        self._made_by: dict[tuple[str | None, str], list[NodeSpec]] | None = None
        self._closest: dict[str, list[str]] = {}

    @property
    def graph(self) -> Dataflow:
        graph = self._graph()
        assert graph is not None, "a GraphIndex outlived its graph"
        return graph

    # --- bit sets ------------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """Every node name, sorted: bit i of a set stands for names[i]."""
        if self._names is None:
            nodes = self.graph.nodes
            earlier, self._earlier = self._earlier, None
            if earlier is not None and len(earlier[1]) <= MAX_NAMES_PATCHED:
                names = list(earlier[0])
                for name in earlier[1]:
                    at = bisect.bisect_left(names, name)
                    there = at < len(names) and names[at] == name
                    if name in nodes and not there:
                        names.insert(at, name)
                    elif there and name not in nodes:
                        del names[at]
                self._names = names
            else:
                self._names = sorted(nodes)
        return self._names

    @property
    def position(self) -> dict[str, int]:
        """Each name's bit number."""
        if self._position is None:
            for _ in self.numbering_steps():
                pass
        assert self._position is not None
        return self._position

    def numbering_steps(self, per_step: int = NUMBERING_PER_STEP) -> Iterator[None]:
        """Makes `names` and `position`, the latter in steps of `per_step` names (for warming
        in slices: 2 ms at 20,000 nodes)."""
        if self._position is not None:
            return
        names = self.names
        yield
        position: dict[str, int] = {}
        for start in range(0, len(names), per_step):
            chunk = names[start : start + per_step]
            position.update(zip(chunk, range(start, start + len(chunk)), strict=True))
            yield
        if self._position is None:  # not made meanwhile, by a request
            self._position = position

    def bit_of(self, name: str) -> int:
        return 1 << self.position[name]

    def names_of(self, bits: int) -> list[str]:
        """The names in a bit set, sorted (decoded in C: sets of thousands are common)."""
        if not bits:
            return []
        flags = bin(bits)[:1:-1].encode("ascii").translate(_FLAGS)  # bit i -> byte i, 0 or 1
        return list(itertools.compress(self.names, flags))

    def _note(self, name: str) -> None:
        """Record whether a node is a root and whether it is personal data."""
        graph = self.graph
        bit = self.bit_of(name)
        if not graph.pred[name]:
            self._roots |= bit
        spec = graph.nodes.get(name)
        if spec is not None and spec.tags and is_pii(spec.tags):
            self._pii |= bit

    def _closure(self, name: str, memo: dict[str, int], upward: bool) -> int:
        """Bits of every node reachable from `name` against (upward) or along the edges."""
        found = memo.get(name)
        if found is not None:
            return found
        graph = self.graph
        succ, pred = graph.succ, graph.pred
        adjacency: dict[str, dict[str, Any]] = pred if upward else succ
        position = self.position
        if not self.acyclic:  # a cycle: no shared work, just a walk per node
            if upward:
                self._note(name)
            seen = {name}
            stack = [name]
            total = 0
            while stack:
                for nxt in adjacency[stack.pop()]:
                    if nxt not in seen:
                        if upward:
                            self._note(nxt)
                        total |= 1 << position[nxt]
                        seen.add(nxt)
                        stack.append(nxt)
            memo[name] = total  # never the node itself, even when it is on a cycle
            return total
        for _ in self._closure_steps(name, memo, upward, None):
            pass
        return memo[name]

    def _closure_steps(
        self, name: str, memo: dict[str, int], upward: bool, per_step: int | None
    ) -> Iterator[None]:
        """`_closure` of an acyclic graph, pausing after every `per_step` nodes met or completed
        when given.

        Depth first: a node's set is made once all its neighbours' sets are known, so whatever
        is in `memo` is complete, and a request that fills it meanwhile only shortens the walk.
        """
        graph = self.graph
        adjacency: dict[str, dict[str, Any]] = graph.pred if upward else graph.succ
        position = self.position
        nodes = graph.nodes
        expanding: set[str] = set()
        work = [name]
        done = 0
        while work:
            current = work[-1]
            if current in memo:
                work.pop()
                continue
            neighbours = adjacency[current]
            if current in expanding:
                work.pop()
                total = 0
                for nxt in neighbours:
                    total |= memo[nxt] | 1 << position[nxt]
                memo[current] = total
                done += 1
                if per_step is not None and done % per_step == 0:
                    yield
                continue
            expanding.add(current)
            if upward:  # each node is expanded once: note what it is on the way
                if not neighbours:
                    self._roots |= 1 << position[current]
                spec = nodes.get(current)
                if spec is not None and spec.tags and is_pii(spec.tags):
                    self._pii |= 1 << position[current]
            work.extend(nxt for nxt in neighbours if nxt not in memo)
            done += 1  # the way down counts too: it can be thousands of nodes long
            if per_step is not None and done % per_step == 0:
                yield

    def upstream_steps(self, name: str, per_step: int = CLOSURE_PER_STEP) -> Iterator[None]:
        """Makes `upstream_bits(name)` in steps of `per_step` nodes met or completed (for
        warming in slices: a
        node deep in a new 20,000-node graph has thousands of ancestors, ~30 ms at once)."""
        if name not in self.position or name in self._up:
            return
        if not self.acyclic:
            self._closure(name, self._up, upward=True)
            return
        yield from self._closure_steps(name, self._up, True, per_step)

    def upstream_bits(self, name: str) -> int:
        return self._closure(name, self._up, upward=True) if name in self.position else 0

    def downstream_bits(self, name: str) -> int:
        return self._closure(name, self._down, upward=False) if name in self.position else 0

    def upstream(self, name: str) -> list[str]:
        return self.names_of(self.upstream_bits(name))

    def downstream(self, name: str) -> list[str]:
        return self.names_of(self.downstream_bits(name))

    def sources(self, name: str) -> list[str]:
        """The roots `name` rests on (inputs, config values, loaders), sorted."""
        return self.names_of(self.upstream_bits(name) & self._roots)

    def pii_reaching(self, name: str) -> list[str]:
        """PII-tagged nodes that reach `name`, itself included, sorted."""
        if name not in self.position:
            return []
        return self.names_of((self.upstream_bits(name) | self.bit_of(name)) & self._pii)

    # --- per-graph tables ----------------------------------------------------------------------

    def made_by(self, module: str | None, function: str) -> list[NodeSpec]:
        """Every node definition (duplicates too) that `function` of `module` makes."""
        return self.made_by_table().get((module, function), [])

    def made_by_table(self) -> dict[tuple[str | None, str], list[NodeSpec]]:
        """`made_by` for every function at once: (module, function) -> its nodes."""
        if self._made_by is None:
            for _ in self.made_by_steps():
                pass
        assert self._made_by is not None
        return self._made_by

    def made_by_steps(self, per_step: int = 1000) -> Iterator[None]:
        """Builds the `made_by` table, pausing after every `per_step` nodes (for warming in
        slices: the whole table is milliseconds at 20,000 nodes)."""
        table: dict[tuple[str | None, str], list[NodeSpec]] = {}
        function_kind = NodeKind.FUNCTION
        for count, node in enumerate(all_definitions(self.graph), 1):
            if node.kind is function_kind and node.function:
                key = (node.module, node.function)
                found = table.get(key)
                if found is None:
                    table[key] = [node]
                else:
                    found.append(node)
            if count % per_step == 0:
                yield
                if self._made_by is not None:  # built meanwhile, by a request
                    return
        self._made_by = table

    def forget_steps(self, per_step: int = FORGET_PER_STEP) -> Iterator[None]:
        """Empties the memoised tables in steps: a graph that is going (its index goes with
        it) would otherwise free them all in one piece, ~1 ms at 4,000 functions."""
        made_by, self._made_by = self._made_by, None
        for table in (self._up, self._down, made_by or {}):
            while table:
                for _ in range(min(per_step, len(table))):
                    table.popitem()
                yield

    def closest_names(self, name: str) -> list[str]:
        """The graph's "did you mean" names for `name`, asked of the engine once per graph."""
        found = self._closest.get(name)
        if found is None:
            found = self._closest[name] = self.graph.closest_names(name)
        return found

    def closest_names_steps(self, name: str) -> Iterator[None]:
        """Makes `closest_names(name)` in steps (for warming: a quick fix asks for it)."""
        if name in self._closest:
            return
        found = yield from self.graph.closest_names_steps(name)
        self._closest.setdefault(name, found)


def all_definitions(graph: Dataflow) -> Iterable[NodeSpec]:
    """Every node definition, including the second definition of a duplicated name."""
    duplicated = {p.node for p in graph.problems if p.code is Code.DUPLICATE_NODE and p.node}
    if not duplicated:
        return graph.nodes.values()
    found: list[NodeSpec] = []
    for name, node in graph.nodes.items():
        if name in duplicated:
            found.extend(graph.definitions(name))
        else:
            found.append(node)
    return found


class GraphIndexes:
    """One `GraphIndex` per live graph; an index goes away with its graph."""

    def __init__(self) -> None:
        self._by_graph: weakref.WeakKeyDictionary[Dataflow, GraphIndex] = (
            weakref.WeakKeyDictionary()
        )
        self.signatures = SignatureMemo()
        # Kept apart from the indexes: the graph-changed check needs a signature after every
        # edit, and building an index (names, bit masks) just to hold it cost milliseconds.
        self._signature_of: weakref.WeakKeyDictionary[Dataflow, int] = weakref.WeakKeyDictionary()
        # Each signed graph's sum of node signatures: the next version's is this one's, less
        # the nodes that changed since and plus their replacements (`Dataflow.changed_since`),
        # so a keystroke signs the nodes it changed, not 20,000.
        self._totals: weakref.WeakKeyDictionary[Dataflow, int] = weakref.WeakKeyDictionary()
        self._renders: dict[tuple[Any, ...], dict[str, str]] = {}

    def of(self, graph: Dataflow) -> GraphIndex:
        index = self._by_graph.get(graph)
        if index is None:
            since = graph.changed_since()
            before = self._by_graph.get(since[0]) if since is not None else None
            names = before._names if before is not None else None
            earlier = (names, since[1]) if since is not None and names is not None else None
            index = self._by_graph[graph] = GraphIndex(graph, earlier)
        return index

    def forget_steps(self, graph: Dataflow) -> Iterator[None]:
        """Empties `graph`'s index in steps (`GraphIndex.forget_steps`), for a graph going."""
        index = self._by_graph.get(graph)
        if index is not None:
            yield from index.forget_steps()

    def signature(self, graph: Dataflow) -> int:
        """What a preview of `graph` draws, as a number (equal pictures, equal numbers)."""
        return _finish(self.signature_steps(graph))

    def signature_steps(self, graph: Dataflow) -> Generator[None, None, int]:
        """`signature` in steps of well under a millisecond each."""
        signature = self._signature_of.get(graph)
        if signature is None:
            total = yield from self._total_steps(graph)
            signature = self._signature_of[graph] = signature_of(len(graph.nodes), total)
        return signature

    def known_signature(self, graph: Dataflow, most: int) -> int | None:
        """`graph`'s signature when it is known or an earlier version's total is, with at most
        `most` nodes changed since; else None (nothing is computed then).

        Called for every graph a keystroke makes, so that each version's total is known while
        the version is alive: a later version, re-linked from one that is gone by the time it
        is checked, would otherwise need a sum over every node."""
        if graph not in self._totals:
            chain = self._chain(graph)
            if chain is None or sum(len(names) for _, _, names in chain) > most:
                return None
        return _finish(self.signature_steps(graph))

    def _total_steps(self, graph: Dataflow) -> Generator[None, None, int]:
        total = self._totals.get(graph)
        if total is not None:
            return total
        chain = self._chain(graph)
        if chain is None:
            total = yield from self.signatures.graph_total_steps(graph)
            self._totals[graph] = total
            return total
        # Forward from the newest version whose total is known, each version's total from the
        # one before it, remembered for any later version re-linked from it.
        total = self._totals[chain[-1][1]]
        for later, earlier, names in reversed(chain):
            total = yield from self._diff_steps(total, earlier, later, names)
            self._totals[later] = total
        return total

    def _chain(self, graph: Dataflow) -> list[tuple[Dataflow, Dataflow, frozenset[str]]] | None:
        """Versions from `graph` back to the first whose total is known, each with the earlier
        version it was re-linked from and the names changed since (`Dataflow.changed_since`);
        None when the chain ends (a cold build, or a version gone) before a known total."""
        chain: list[tuple[Dataflow, Dataflow, frozenset[str]]] = []
        current = graph
        while len(chain) < MAX_CHAIN:
            earlier = current.changed_since()
            if earlier is None:
                return None
            chain.append((current, earlier[0], earlier[1]))
            if earlier[0] in self._totals:
                return chain
            current = earlier[0]
        return None

    def _diff_steps(
        self, total: int, earlier: Dataflow, later: Dataflow, names: Iterable[str]
    ) -> Generator[None, None, int]:
        """`earlier`'s total made `later`'s: less the changed nodes, plus their replacements."""
        before, after = earlier.nodes, later.nodes
        sign = self.signatures.of
        for count, name in enumerate(names, 1):
            old, new = before.get(name), after.get(name)
            if old is not new:
                if old is not None:
                    total -= sign(old)
                if new is not None:
                    total += sign(new)
            if count % DIFF_PER_STEP == 0:
                yield
        return total & _MASK

    def render(
        self, graph: Dataflow, key: tuple[Any, ...], draw: Callable[[], dict[str, str]]
    ) -> dict[str, str]:
        """`draw()`, reused while the picture (and `key`) stays the same, across graphs too."""
        full = (self.signature(graph), *key)
        found = self._renders.pop(full, None)
        if found is None:
            found = draw()
        self._renders[full] = found  # most recently used last
        size = sum(len(text) for texts in self._renders.values() for text in texts.values())
        while size > MAX_RENDER_CHARS and len(self._renders) > 1:
            oldest = next(iter(self._renders))
            size -= sum(len(text) for text in self._renders.pop(oldest).values())
        return found
