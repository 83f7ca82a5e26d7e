"""Preparing per-graph answers while the user pauses, so the first request after an edit is fast.

After an edit, the dataflows containing the edited file have new graphs, and the first hover,
definition or references on them would pay for the graph's indexes (which function makes which
node, who consumes what, each node's ancestors).  Shortly after the diagnostics are out, this
builds them in small slices of work, each about a millisecond, so messages that arrive meanwhile
(the next keystroke) wait at most one slice; the work per edit is capped, and a newer edit
abandons the work for older graphs.  What a slice makes is kept with its graph and holds no
cycles, so the garbage collector freezes it rather than scanning it (`collector.lasting`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from livedag.engine.codes import Code
from livedag.engine.node_sequence import NodeSequence
from livedag.engine.specs import same_place

from . import collector, idle
from .session import Session

if TYPE_CHECKING:
    from livedag.engine.dataflow import Dataflow
    from livedag.server.workspace import Snapshot

log = logging.getLogger(__name__)

DELAY_S = 0.1  # quiet time after an analysis before warming starts (typing bursts warm once)
# Longest stretch of warming before other messages get their turn; a slice ends after the step
# that passes it, and every step is well under a millisecond.
SLICE_S = 0.001
NODES_PER_STEP = 500  # nodes per step when making the per-module tables (~0.3 ms)
BUDGET_S = 0.04  # most warming per edit; requests compute whatever is left, lazily
BIG_MODULE = 1_000  # functions from which a module's rename tables get a slice each
UPSTREAM_PER_STEP = 16  # nodes whose ancestors are found in one step (a deep first one ~1 ms)
MAX_TYPOS_WARMED = 5  # LD002 names per edit whose quick-fix suggestions are made ahead


class Warmer(idle.IdleJob):
    """A snapshot listener that warms the graphs of the dataflows an edit touched."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._steps: Iterator[bool | None] | None = None
        self._touched: set[Path] = set()
        self._everything = False
        self._spent = 0.0  # warming done for the current plan

    def __call__(self, before: Snapshot | None, after: Snapshot, changed: set[Path]) -> None:
        self._touched |= changed
        self._everything = self._everything or before is None
        self._steps = None
        self.schedule(DELAY_S)

    def _run(self) -> None:
        self._handle = None
        snapshot = self.session.snapshot
        if snapshot is None or self.gave_way():  # a waiting message goes first
            return
        if collector.young_first():  # the pause's young collection was this turn's work
            self._handle = asyncio.get_running_loop().call_soon(self._run)
            return
        if self._steps is None:
            self._steps = self._plan(snapshot, self._touched, self._everything)
            self._touched, self._everything = set(), False
            self._spent = 0.0
        started = time.perf_counter()
        deadline = started + SLICE_S
        try:
            with collector.lasting():  # the indexes live with their graph: frozen, not scanned
                for end_here in self._steps:
                    if self.session.snapshot is not snapshot:
                        self._steps = None  # a newer edit: its own notification plans again
                        return
                    now = time.perf_counter()
                    if self._spent + (now - started) > BUDGET_S:
                        break
                    if end_here or now >= deadline:
                        self._spent += now - started
                        self._handle = asyncio.get_running_loop().call_soon(self._run)
                        return
        except Exception:
            log.warning("warming the graph indexes failed; requests build them", exc_info=True)
        self._steps = None

    def _plan(
        self, snapshot: Snapshot, touched: set[Path], everything: bool
    ) -> Iterator[bool | None]:
        """The steps of work: per dataflow touched, its indexes, then the per-module tables
        rename reads, then its nodes' ancestors.  A step yields True when the next one is big:
        the slice ends there, so that one starts a slice of its own."""
        views = [v for v in snapshot.dataflows if everything or touched.intersection(v.paths)]
        for view in views:
            yield from self._warm(view.graph, None if everything else _in(touched), rest=False)
        yield from _rename_tables(snapshot, None if everything else touched)
        for view in views:
            yield from self._warm(view.graph, None if everything else _in(touched), rest=True)

    def _warm(
        self, graph: Dataflow, wanted: Callable[[str | None], bool] | None, rest: bool
    ) -> Iterator[None]:
        """`rest=False`: the graph's indexes; `rest=True`: its nodes' ancestors."""
        index = self.session.indexes.of(graph)
        if not rest:
            yield
            if wanted is not None:  # after an edit: what Ctrl+. on its typos offers, first
                for name in _unknown_names(graph, wanted):
                    yield from index.closest_names_steps(name)
                    yield
            yield from index.made_by_steps(NODES_PER_STEP)
            yield
            sequence = graph.link_state.sequence
            if isinstance(sequence, NodeSequence):  # who consumes what, module by module
                for number in range(len(sequence.parts)):
                    yield from sequence.part_askers_steps(number, NODES_PER_STEP)
                    yield
            else:
                graph.consumers("")  # the engine builds its consumer index on first use
            yield
            return
        yield from index.numbering_steps()  # the bit numbers every ancestor set is made of
        done = 0
        for count, (name, node) in enumerate(graph.nodes.items(), 1):
            location = node.location
            if wanted is None or (location is not None and wanted(location.path)):
                yield from index.upstream_steps(name)  # the first may walk thousands of nodes
                done += 1
                if done % UPSTREAM_PER_STEP == 0:
                    yield
            if count % NODES_PER_STEP == 0:  # passing over the nodes of untouched modules
                yield


def _unknown_names(graph: Dataflow, wanted: Callable[[str | None], bool]) -> list[str]:
    """The names the LD002 problems of the wanted files are about (a parameter no function
    produces, with likely typos): Ctrl+. on one asks for `closest_names`, ~30 ms at 20,000
    nodes when difflib compares hundreds of names."""
    found: dict[str, None] = {}
    for problem in graph.problems:
        at = problem.location
        if problem.code is not Code.UNKNOWN_DEPENDENCY or at is None or not wanted(at.path):
            continue
        node = graph.nodes.get(problem.node) if problem.node else None
        for dep in node.dependencies if node is not None else ():
            if dep.location is not None and same_place(dep.location, at):
                found[dep.name] = None
        if len(found) >= MAX_TYPOS_WARMED:
            break
    return list(found)


def _rename_tables(snapshot: Snapshot, paths: set[Path] | None) -> Iterator[bool | None]:
    """Per module, what rename reads of it (config variants, functions that step(...) and
    subdags bind): kept per analysis, so only edited modules are made again."""
    from .rename_checks import module_refs
    from .rename_plan import config_variants

    for path in snapshot.paths() if paths is None else sorted(paths):
        analysis = snapshot.module(path)
        if analysis is not None:  # each a millisecond or two at 4,000 functions: a slice each
            big = len(analysis.functions) >= BIG_MODULE
            yield big
            module_refs(analysis)
            yield big
            config_variants(analysis)
        yield None


def _in(paths: set[Path]) -> Callable[[str | None], bool]:
    names = {str(p) for p in paths}
    return lambda path: path in names


def register(session: Session) -> Warmer:
    warmer = Warmer(session)
    session.listeners.append(warmer)
    return warmer
