"""One module's source, analyzed incrementally: `ModuleSource.update(text)` re-parses only the
top-level blocks an edit touched, shifts the blocks below it, and re-analyzes the blocks whose
inputs (module-level names they read) changed.  Unchanged blocks keep their FunctionSpec objects,
so caches keyed on them downstream keep hitting.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import gc
import itertools
import logging
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from operator import attrgetter
from pathlib import PurePath
from typing import Any

from livedag.engine.codes import Code
from livedag.engine.rules import takes_part_in_rewrites
from livedag.engine.specs import FunctionSpec, Problem, Related, Severity

from .anchors import AnchoredLocation
from .blocks import (
    MAX_MERGE,
    MAX_STRING_LINES,
    MAX_STRINGS,
    Block,
    normalize_newlines,
    parse_region,
    reparse,
    split_lines,
)
from .changes import changed_lines, first_change_only
from .context import BlockContext
from .definitions import function_definitions
from .drivers import driver_facts, link_drivers, might_use_driver
from .external import ExternalNames
from .failures import analysis_failure, statement_location
from .functions import function_name_location, function_spec, left_out_problem
from .lexical import has_triple_quote
from .model import DriverUse, ModuleAnalysis, WorkspaceResolver
from .module_values import ModuleValues
from .scope import Binding, BindingKind, SourceMap, statement_bindings

logger = logging.getLogger(__name__)
_versions = itertools.count(1)


class ModuleSource(ModuleValues):
    """The analysis of one module, kept up to date with its text."""

    def __init__(
        self,
        module: str,
        path: str | None,
        resolver: WorkspaceResolver | None = None,
        *,
        external: ExternalNames | None = None,
    ) -> None:
        self.module = module
        self.path = path
        self.resolver = resolver
        self.external = external
        self.is_package = path is not None and PurePath(path).name == "__init__.py"
        self._text: str | None = None
        self._lines: list[str] = []
        self._normalized = ""
        self._blocks: list[Block] = []
        self._bindings: dict[str, list[Binding]] = {}
        self._readers: dict[str, dict[int, Block]] = {}  # name -> blocks that read it
        # Blocks with problems, drivers or imports, and how many blocks wait for each outside
        # name: what `_collect` gathers besides functions, kept current as blocks are analyzed
        # so that a keystroke does not scan every block.
        self._notable: dict[int, Block] = {}
        self._pending: Counter[str] = Counter()
        self._pending_of: dict[int, frozenset[str]] = {}
        # Every block's functions in order, as last collected; an edit splices its region in
        # (None: gather them from every block again).
        self._functions: tuple[FunctionSpec, ...] | None = None
        self._redefined: set[str] = set()  # functions defined again in a later block
        # The LD003 of each function a later one replaces: its spec, the kept spec, the problem.
        self._shadowed: dict[int, tuple[FunctionSpec, FunctionSpec | None, Problem]] = {}
        # How many broken blocks left a string (by delimiter) or a bracket (`(`) open.
        self._unfinished: Counter[str] = Counter()
        self._analysis: ModuleAnalysis | None = None

    # --- public API ------------------------------------------------------------------------------

    def update(self, text: str) -> ModuleAnalysis:
        """The analysis of `text`, reusing what the previous text's analysis still holds."""
        if self._analysis is not None and text == self._text:
            return self._analysis
        collecting = gc.isenabled()
        gc.disable()  # an analysis allocates many small, long-lived objects: collect afterwards
        try:
            return self._update(text)
        finally:
            if collecting:
                gc.enable()

    def _update(self, text: str) -> ModuleAnalysis:
        # A failure inside one function or statement costs only that piece (LD012, see
        # `failures.py`); these catch what is left: the splitting and bookkeeping around them.
        failure: Exception | None = None
        try:
            if self._analysis is None or not self._blocks:
                self._cold(text)
            else:
                self._incremental(text)
        except Exception:  # the analyzer must never take the editor down; start over instead
            logger.exception("incremental analysis of %s failed; re-analyzing it whole", self.path)
            try:
                self._cold(text)
            except Exception as exc:
                failure = exc
                self._blocks, self._bindings, self._notable = [], {}, {}
                self._functions, self._redefined, self._unfinished = None, set(), Counter()
                self._pending, self._pending_of = Counter(), {}
        self._text = text
        self._analysis = self._collect_or_fail(text, failure)
        return self._analysis

    def _collect_or_fail(self, text: str, failure: Exception | None) -> ModuleAnalysis:
        """The module's analysis, or, when even that fails, one that says so on line 1."""
        if failure is None:
            try:
                return self._collect(text)
            except Exception as exc:
                failure = exc
        location = AnchoredLocation(self.path, 1, 0, 1, 0)
        problem = analysis_failure("this module", location, failure, self.path)
        return ModuleAnalysis(self.module, self.path, text, (), (problem,), {}, ())

    def refresh(self, modules: Collection[str] | None = None) -> ModuleAnalysis | None:
        """Re-analyze blocks that used other workspace modules (all, or those in `modules`) and
        blocks waiting for names jedi has resolved since."""
        if self._analysis is None or self._text is None:
            return None
        wanted = set(modules or ())
        stale = [
            b
            for b in self._blocks
            if (
                (b.workspace_modules or b.value_modules)
                and (
                    modules is None or not wanted.isdisjoint(b.workspace_modules | b.value_modules)
                )
            )
            or (b.pending and self.external is not None and self.external.knows_any(b.pending))
        ]
        if not stale:
            return self._analysis
        self._reanalyze(stale, set())
        self._functions = None
        self._analysis = self._collect_or_fail(self._text, None)
        return self._analysis

    # --- building ------------------------------------------------------------------------------

    def _cold(self, text: str) -> None:
        self._normalized = normalize_newlines(text)
        self._lines = split_lines(text)
        _release(self._blocks)
        self._blocks, _ = parse_region(self._lines, 0, len(self._lines), self.path)
        self._unfinished = Counter(b.unfinished for b in self._blocks if b.unfinished)
        self._bindings, self._readers, self._notable = {}, {}, {}
        self._functions = None
        self._pending, self._pending_of = Counter(), {}
        for block in self._blocks:
            self._structure(block)
        for block in self._blocks:
            for binding in block.bindings:
                self._bindings.setdefault(binding.name, []).append(binding)
        self._redefined = {
            name for name, found in self._bindings.items() if _defined_in_several_blocks(found)
        }
        for block in self._blocks:
            self._analyze(block)

    def _incremental(self, text: str, splits: int = 0) -> None:
        """Bring the analysis to `text` by re-parsing only the blocks the edit touched."""
        old_lines = self._lines
        old_text, new_text = self._normalized, normalize_newlines(text)
        prefix, suffix, new_lines, start = changed_lines(old_text, new_text, old_lines)
        old_end = len(old_lines) - suffix
        delta = len(new_lines) - len(old_lines)
        blocks = self._blocks

        first = _block_index(blocks, min(prefix, len(old_lines) - 1))
        last = max(_block_index(blocks, max(old_end - 1, prefix)), first)
        if last - first > SPLIT_BLOCKS and splits < MAX_SPLITS:
            # Changes far apart (a replace-all, an edit plus an undo elsewhere): take the first
            # alone, then the rest, rather than re-parse every block between them.
            between = first_change_only(old_text, new_text, blocks[first + 1 : last], start)
            if between is not None:
                self._incremental(between, splits + 1)
                self._incremental(new_text, splits + 1)
                return
        first, last, fresh = self._reparse_region(first, last, new_lines, delta)
        old_region = blocks[first : last + 1]
        replaced, removed, added = _reuse_unchanged(old_region, fresh)
        self._unfinished.update(b.unfinished for b in added if b.unfinished)
        self._unfinished.subtract(b.unfinished for b in removed if b.unfinished)
        _hand_over_anchors(removed, added)

        if delta:
            for block in blocks[last + 1 :]:
                block.anchor.start += delta  # every location in the block moves with it

        before = self._rebind_region(removed, added)
        self._blocks = blocks[:first] + replaced + blocks[last + 1 :]
        self._lines = new_lines
        self._normalized = new_text
        for block in added:
            self._analyze(block)
        changed = {name for name in before if self._meanings(name) != before[name]}
        _release(removed)
        old_functions, self._functions = self._functions, None
        if self._reanalyze([], changed) or old_functions is None:
            return  # blocks outside the region changed too: gather every block's functions
        self._functions = _spliced_functions(old_functions, blocks, first, last, replaced)

    def _reparse_region(
        self, first: int, last: int, new_lines: Sequence[str], delta: int
    ) -> tuple[int, int, list[Block]]:
        """Widen the edited blocks `first..last` to every block the edit may join or split, and
        parse that region of the new text: the region's bounds and its fresh blocks."""
        blocks = self._blocks
        first, last = max(first - 1, 0), min(last + 1, len(blocks) - 1)
        first = self._unfinished_before(first, new_lines, last, delta)
        while first > 0 and blocks[first - 1].syntax_error is not None:
            first -= 1
        while True:
            while last + 1 < len(blocks) and blocks[last + 1].syntax_error is not None:
                last += 1
            region_start, region_end = blocks[first].start, blocks[last].end
            fresh, reach = parse_region(new_lines, region_start, region_end + delta, self.path)
            if reach <= region_end + delta or last + 1 >= len(blocks):
                break
            # A string or bracket left open in the region may close below it: take the
            # blocks up to there, as the whole text would be split.
            last = max(last + 1, _block_index(blocks, reach - 1 - delta))
        return first, last, fresh

    def _rebind_region(
        self, removed: Sequence[Block], added: Sequence[Block]
    ) -> dict[str, tuple[Any, ...]]:
        """Forget the removed blocks' bindings and reads, index the added blocks' bindings; what
        each name some block reads meant before (a change there spreads to its readers)."""
        touched = {bd.name for b in (*removed, *added) for bd in b.bindings}
        for block in added:
            self._structure(block)
        touched |= {bd.name for b in added for bd in b.bindings}
        # Only names some block reads can make a change spread (a name defined 800 times over
        # costs nothing to edit when nothing reads it).
        before = {name: self._meanings(name) for name in touched if self._readers.get(name)}
        removed_ids = {id(b) for b in removed}
        for block in removed:
            block.removed = True
            self._notable.pop(id(block), None)
            self._count_pending(block, frozenset())
            for name in block.reads | block.value_reads:
                self._readers.get(name, {}).pop(id(block), None)
        for name in touched:
            survivors = [
                bd for bd in self._bindings.get(name, ()) if id(bd.block) not in removed_ids
            ]
            survivors.extend(bd for b in added for bd in b.bindings if bd.name == name)
            survivors.sort(key=lambda bd: bd.block.start)
            if survivors:
                self._bindings[name] = survivors
            else:
                self._bindings.pop(name, None)
            if survivors and _defined_in_several_blocks(survivors):
                self._redefined.add(name)
            else:
                self._redefined.discard(name)
        return before

    def _unfinished_before(
        self, first: int, new_lines: Sequence[str], last: int, delta: int
    ) -> int:
        """Where the edited region must start so that a broken block above it, which left a
        string or a bracket open, is split again with it: what the edit wrote may now close it
        (a whole-text analysis would join them).  A bracket is looked for across MAX_MERGE
        pieces; a string across the lines strings in a row may span, and only when the edit
        has or had a triple quote."""
        if not any(count > 0 for count in self._unfinished.values()):
            return first
        blocks = self._blocks
        start = first
        strings = any(count > 0 for kind, count in self._unfinished.items() if kind != "(")
        quoted: bool | None = None  # whether the region's old or new text has a triple quote
        for index in range(first - 1, -1, -1):
            steps = first - index
            block = blocks[index]
            far = blocks[first].start - block.start > MAX_STRINGS * MAX_STRING_LINES
            if steps > MAX_MERGE and (not strings or far):
                break  # beyond a bracket's reach, and every string's
            if not block.unfinished:
                continue
            if steps <= MAX_MERGE:
                start = index
            elif block.unfinished != "(" and not far:
                if quoted is None:  # a string is only closed by text with a triple quote
                    old = "".join(b.text for b in blocks[first : last + 1])
                    begin, end = blocks[first].start, blocks[last].end + delta
                    quoted = has_triple_quote(old + "".join(new_lines[begin:end]))
                if quoted:
                    start = index
        return start

    def _reanalyze(self, stale: Iterable[Block], changed: set[str]) -> int:
        """Re-analyze `stale` and every block reading a name in `changed`, until nothing moves;
        how many blocks were analyzed again."""
        queue = list(stale)
        seen: set[int] = set()
        while queue or changed:
            if changed:
                for name in changed:
                    for block in list(self._readers.get(name, {}).values()):
                        if not block.removed and id(block) not in seen:
                            queue.append(block)
            changed = set()
            for block in queue:  # first forget every cached value the changes may have fed
                if id(block) not in seen:
                    block.constants.clear()
            for block in queue:
                if id(block) in seen:
                    continue
                seen.add(id(block))
                before = {bd.name: bd.meaning() for bd in block.bindings}
                if block.statements is None:
                    block.statements = reparse(block, self.path)
                    if block.statements is None:
                        continue
                    block.bindings = []
                    self._structure(block)
                    self._rebind(block)
                block.analyzed = False
                block.constants.clear()
                self._analyze(block)
                changed |= {bd.name for bd in block.bindings if before.get(bd.name) != bd.meaning()}
            queue = []
        return len(seen)

    def _rebind(self, block: Block) -> None:
        """Point the binding index at `block`'s freshly made bindings."""
        for binding in block.bindings:
            entries = self._bindings.get(binding.name, [])
            self._bindings[binding.name] = [
                binding if (bd.block is block) else bd for bd in entries
            ] or [binding]

    def _meanings(self, name: str) -> tuple[Any, ...]:
        return tuple(bd.meaning() for bd in self._bindings.get(name, ()))

    def _structure(self, block: Block) -> None:
        """The names a block binds (no evaluation yet)."""
        if block.statements is None or block.source is None:
            return
        bindings: list[Binding] = []
        failures: list[Problem] = []
        for stmt in block.statements:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                try:
                    bindings.extend(
                        statement_bindings(stmt, block, block.source, self.module, self.is_package)
                    )
                except Exception as exc:  # that statement binds nothing; the rest carry on
                    location = statement_location(stmt, block.source)
                    failures.append(analysis_failure("this statement", location, exc, self.path))
        block.structure_failures = tuple(failures)
        # A `def` (also one inside `if`/`try`/`with`) wins over an assignment on another path.
        for index, node in enumerate(block.function_nodes()):
            bindings = [b for b in bindings if b.name != node.name]
            bindings.append(Binding(node.name, BindingKind.FUNCTION, block, index=index))
        block.bindings = bindings

    def _analyze(self, block: Block) -> None:
        if block.analyzed or block.statements is None or block.source is None:
            block.analyzed = True
            self._note(block)
            return
        ctx = BlockContext(self)
        block.ctx = ctx
        try:
            block.problems = self._analyze_block(block, ctx, block.source)
        finally:
            block.ctx = None
        block.version = next(_versions)
        for name in block.reads - ctx.reads - block.value_reads:
            self._readers.get(name, {}).pop(id(block), None)
        block.reads = frozenset(ctx.reads)
        for name in block.reads:
            self._readers.setdefault(name, {})[id(block)] = block
        # A module only named counts for functions (a `@subdag(module)` keeps its functions),
        # not for a driver script's `with_modules(...)`, which keeps its name only.
        used = ctx.workspace_modules | ctx.module_refs if block.functions else ctx.workspace_modules
        block.workspace_modules = frozenset(used)
        block.pending = frozenset(ctx.pending)
        block.analyzed = True
        self._note(block)
        if not any(bd.kind is BindingKind.CONSTANT for bd in block.bindings):
            block.statements = None  # keep memory low; re-parsed if needed again

    def _analyze_block(
        self, block: Block, ctx: BlockContext, source: SourceMap
    ) -> tuple[Problem, ...]:
        """Set the block's functions and driver facts; its problems.  Whatever fails costs its
        own function (or, outside functions, the block's functions or drivers) and an LD012."""
        assert block.statements is not None
        failures: list[Problem] = []
        left_out: tuple[Problem, ...] = ()
        try:
            found = function_definitions(block.statements)
            specs: list[FunctionSpec | None] = []
            for node in found.kept:
                try:
                    specs.append(function_spec(node, ctx, source, block.start))
                except Exception as exc:  # costs this function only
                    location = function_name_location(node, source)
                    failures.append(analysis_failure("this function", location, exc, self.path))
                    specs.append(None)
            block.functions = tuple(spec for spec in specs if spec is not None)
            block.by_index = tuple(specs) if failures else None
            left_out = tuple(
                left_out_problem(item.node, item.reason, source)
                for item in found.left_out
                if item.reason is not None
            )
        except Exception as exc:
            block.functions, block.by_index = (), None
            failures.append(self._block_failure(block, exc))
        try:
            block.drivers = (
                driver_facts(block.statements, ctx, source)
                if might_use_driver(block.text)
                else None
            )
        except Exception as exc:
            block.drivers = None
            failures.append(self._block_failure(block, exc))
        return (*left_out, *block.structure_failures, *failures)

    def _block_failure(self, block: Block, exc: Exception) -> Problem:
        """LD012 on the first statement of a block whose analysis failed outside a function."""
        if block.statements and block.source is not None:
            location = statement_location(block.statements[0], block.source)
        else:  # its statements are not kept: the first line of code in its text
            lines = block.text.splitlines()
            index = next((n for n, line in enumerate(lines) if line.strip() and line[:1] != "#"), 0)
            code = lines[index].rstrip() if lines else ""
            location = AnchoredLocation(self.path, index + 1, 0, index + 1, len(code), block.anchor)
        return analysis_failure("this statement", location, exc, self.path)

    def _note(self, block: Block) -> None:
        """Keep `_notable` and the outside-name counts current for a block just analyzed."""
        if (
            block.problems
            or block.value_failures
            or block.drivers is not None
            or any(bd.kind is BindingKind.IMPORT for bd in block.bindings)
        ):
            self._notable[id(block)] = block
        else:
            self._notable.pop(id(block), None)
        self._count_pending(block, block.pending)

    def _count_pending(self, block: Block, pending: frozenset[str]) -> None:
        counted = self._pending_of.get(id(block), frozenset())
        if counted is pending:
            return
        if counted:
            self._pending.subtract(counted)
        if pending:
            self._pending.update(pending)
            self._pending_of[id(block)] = pending
        else:
            self._pending_of.pop(id(block), None)

    def _without_shadowed(
        self, functions: tuple[FunctionSpec, ...]
    ) -> tuple[tuple[FunctionSpec, ...], tuple[Problem, ...]]:
        """`functions` without those a later `def` of the same name replaces (Python keeps the
        last, so Hamilton never sees the others), and an LD003 at each one left out.  One whose
        decorators change other functions (a module rewrite's, such as `@mutate`) stays, marked
        `shadowed`: its decorators ran on import all the same."""
        dropped: set[int] = set()
        shadowed: dict[int, FunctionSpec] = {}
        problems: list[Problem] = []
        # An LD003 is kept while its function and the one Python keeps are the same objects:
        # editing one of many definitions makes one new problem, not one per definition.
        known, self._shadowed = self._shadowed, {}
        for name in sorted(self._redefined):
            found = [bd for bd in self._bindings.get(name, ()) if bd.kind is BindingKind.FUNCTION]
            if not found:
                continue
            kept = found[-1]
            kept_spec = self._spec_of(kept)
            related: tuple[Related, ...] = ()
            if kept_spec is not None and kept_spec.location is not None:
                related = (Related(kept_spec.location, "the definition Python keeps"),)
            for binding in found:
                spec = self._spec_of(binding)
                if binding.block is kept.block or spec is None:
                    continue
                if takes_part_in_rewrites(spec):
                    shadowed[id(spec)] = dataclasses.replace(spec, shadowed=True)
                    continue
                dropped.add(id(spec))
                if not spec.is_public:
                    continue  # a private helper is no node: redefining it changes no graph
                cached = known.get(id(spec))
                if cached is not None and cached[0] is spec and cached[1] is kept_spec:
                    problem = cached[2]
                else:
                    problem = Problem(
                        Code.DUPLICATE_NODE,
                        Severity.ERROR,
                        f"`{name}` is defined again further down; Python keeps only the last "
                        "definition, so this one is not in the graph. Remove or rename one.",
                        spec.location,
                        related,
                        node=name,
                    )
                self._shadowed[id(spec)] = (spec, kept_spec, problem)
                problems.append(problem)
        kept_functions = (shadowed.get(id(f), f) for f in functions if id(f) not in dropped)
        return tuple(kept_functions), tuple(problems)

    @staticmethod
    def _spec_of(binding: Binding) -> FunctionSpec | None:
        return binding.block.function_at(binding.index)

    def _collect(self, text: str) -> ModuleAnalysis:
        functions = self._functions
        if functions is None:
            functions = tuple(itertools.chain.from_iterable(map(_FUNCTIONS, self._blocks)))
            self._functions = functions
        blocks = sorted(self._notable.values(), key=_block_start)  # the few that have more
        problems = tuple(itertools.chain.from_iterable(map(_problems_of, blocks)))
        if self._redefined:
            functions, shadowed = self._without_shadowed(functions)
            problems += shadowed
        facts = [b.drivers for b in blocks if b.drivers is not None]
        pending = frozenset(name for name, count in self._pending.items() if count > 0)
        imports = {
            bd.name: bd.qualified
            for b in blocks
            if b.bindings
            for bd in b.bindings
            if bd.kind is BindingKind.IMPORT and bd.qualified
        }
        drivers: tuple[DriverUse, ...] = ()
        if facts:
            try:
                drivers = link_drivers(facts)
            except Exception as exc:  # costs the driver uses only, said where the first one is
                first = next(b for b in blocks if b.drivers is not None)
                problems += (self._block_failure(first, exc),)
        return ModuleAnalysis(
            self.module, self.path, text, functions, problems, imports, drivers, pending
        )


def _problems_of(block: Block) -> tuple[Problem, ...]:
    if block.value_failures:
        return (*block.problems, *block.value_failures.values())
    return block.problems


def _defined_in_several_blocks(bindings: Sequence[Binding]) -> bool:
    """Whether functions of this name are defined in more than one top-level block."""
    blocks = {id(bd.block) for bd in bindings if bd.kind is BindingKind.FUNCTION}
    return len(blocks) > 1


_FUNCTIONS = attrgetter("functions")
SPLIT_BLOCKS = 4  # a changed region spanning more blocks than this is split if it can be
MAX_SPLITS = 16


def _block_index(blocks: Sequence[Block], line: int) -> int:
    """The index of the block holding 0-based `line` (the first block for lines above it)."""
    return max(bisect.bisect_right(blocks, line, key=_block_start) - 1, 0)


def _reuse_unchanged(
    old_region: Sequence[Block], fresh: Sequence[Block]
) -> tuple[list[Block], list[Block], list[Block]]:
    """The region's blocks after the edit, an old block kept wherever its text is unchanged
    (with its analysis), and which old blocks went and which new ones came."""
    reusable: dict[str, list[Block]] = {}
    for block in old_region:
        if block.syntax_error is None:
            reusable.setdefault(block.text, []).append(block)
    replaced: list[Block] = []
    for block in fresh:
        candidates = reusable.get(block.text)
        if candidates:
            old = candidates.pop(0)
            old.anchor.start = block.start  # same text, maybe moved: its locations follow
            replaced.append(old)
        else:
            replaced.append(block)
    kept = {id(b) for b in replaced}
    removed = [b for b in old_region if id(b) not in kept]
    added = [b for b in replaced if not b.analyzed]
    return replaced, removed, added


def _spliced_functions(
    old_functions: tuple[Any, ...],
    blocks: Sequence[Block],
    first: int,
    last: int,
    replaced: Sequence[Block],
) -> tuple[Any, ...]:
    """The module's functions when only the region `blocks[first..last]` changed (to
    `replaced`): the region's new functions spliced in, counting the functions before (or
    after) it from the nearer end of the module."""
    region = sum(map(len, map(_FUNCTIONS, blocks[first : last + 1])))
    if first <= len(blocks) - 1 - last:
        start = sum(map(len, map(_FUNCTIONS, blocks[:first])))
    else:
        start = len(old_functions) - region - sum(map(len, map(_FUNCTIONS, blocks[last + 1 :])))
    middle = tuple(itertools.chain.from_iterable(map(_FUNCTIONS, replaced)))
    return old_functions[:start] + middle + old_functions[start + region :]


def _block_start(block: Block) -> int:
    return block.anchor.start


def analyze_source(
    text: str, *, module: str, path: str | None = None, resolver: WorkspaceResolver | None = None
) -> ModuleAnalysis:
    """Analyze `text` once (for repeated analysis of an edited buffer, keep a `ModuleSource`)."""
    return ModuleSource(module, path, resolver).update(text)


def _hand_over_anchors(removed: Sequence[Block], added: Sequence[Block]) -> None:
    """A re-parsed block takes over the anchor of the block it replaces (the same definition,
    edited), so locations made from the old block, still held by nodes an equal re-expansion
    kept, keep moving with the text.  Blocks are paired by the names they define; a lone
    replacement (a rename) is paired as it stands.  Broken blocks keep their own anchors."""
    old = [b for b in removed if b.syntax_error is None]
    new = [b for b in added if b.syntax_error is None and b.source is not None]
    if not old or not new:
        return
    by_name: dict[str, Block] = {}
    for block in old:
        for binding in block.bindings:
            by_name.setdefault(binding.name, block)
    pairs: list[tuple[Block, Block]] = []
    taken: set[int] = set()
    for block in new:
        for stmt in block.statements or ():
            match = by_name.get(getattr(stmt, "name", ""))
            if match is not None and id(match) not in taken:
                taken.add(id(match))
                pairs.append((match, block))
                break
    rest_old = [b for b in old if id(b) not in taken]
    rest_new = [b for b in new if all(b is not n for _, n in pairs)]
    if len(rest_old) == 1 and len(rest_new) == 1:
        pairs.append((rest_old[0], rest_new[0]))
    for was, block in pairs:
        anchor = was.anchor
        anchor.start = block.anchor.start
        block.anchor = anchor
        assert block.source is not None
        block.source = dataclasses.replace(block.source, anchor=anchor)


def _release(blocks: Iterable[Block]) -> None:
    """Break each dropped block's cycle with its bindings (`Binding.block` points back), so
    reference counting frees the block, its functions and their locations as soon as nothing
    else holds them.  Left cyclic, every replaced block waited for a full collection, which the
    server only runs in long pauses: memory grew with every keystroke of a day without one."""
    for block in blocks:
        block.bindings = []
