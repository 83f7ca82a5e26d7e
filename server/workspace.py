"""The live model of a workspace: every module's analysis and every dataflow's graph.

Writers (`index`, `update`, `remove`, `set_config_override`) run one at a time and end by
publishing a new immutable `Snapshot`; readers (hover, lint, the graph view) take `snapshot` and
never wait for analysis.  An update re-analyzes the changed blocks of one file (the analyzer's
`ModuleSource`), re-expands only the functions whose spec changed (`linking.ExpansionCache`), and
re-links only the dataflows that contain the file: incrementally from the previous graph
(`Dataflow.updated`, which leaves the previous one as readers saw it), or not at all when the
nodes came out the same (a body edit).  Membership is planned again only when a file comes or
goes, a driver script changes, a module starts or stops looking like a dataflow
(`discovery.looks_like_dataflow`), or pyproject.toml changes; those, and config changes, build
cold.
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from livedag.engine.codes import Code
from livedag.engine.dataflow import Dataflow
from livedag.engine.specs import FunctionSpec, NodeSpec, Problem, Unknown

from . import analysis_cache
from .analysis_cache import AnalysisCache, Read, text_hash
from .cached_source import AnsweredNames, CachedSource, reads_closure, reads_hold
from .discovery import (
    DataflowPlan,
    ModuleIndex,
    looks_like_dataflow,
    plan_dataflows,
    python_files,
)
from .driver_checks import DriverChecks, check_drivers, possible_names, without_config_made
from .linking import ExpansionCache, expand_all, updated_dataflow, without_overridden
from .policy_check import NO_POLICIES, PolicyCheck, check_policies
from .project import ProjectConfig, load_project_config, project_environment

if TYPE_CHECKING:
    from .analyzer import DriverUse, ExternalNames, ModuleAnalysis, ModuleSource

log = logging.getLogger(__name__)

# The analyzer's findings that speak of a dataflow's nodes: a function defined twice (LD003, a
# duplicate node) and a `def` the graph leaves out (LD008).  In a file that is no dataflow's
# module there are no nodes, so they are not reported there; syntax errors (LD007) always are.
DATAFLOW_ONLY = frozenset({Code.DUPLICATE_NODE, Code.UNKNOWABLE})


@dataclass(frozen=True)
class DataflowView:
    """One dataflow of the workspace as readers see it."""

    name: str  # "pyproject:<name>", "driver:<path>", or "module:<module>"
    modules: tuple[str, ...]
    paths: tuple[Path, ...]
    config: Mapping[str, Any]
    graph: Dataflow
    drivers: tuple[tuple[Path, DriverUse], ...] = ()
    # The graph's problems by the file they are located in (absolute path string).
    problems_by_path: Mapping[str, tuple[Problem, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # LD009/LD010 with what the next version needs to update them (the keystroke path).
    driver_checks: DriverChecks | None = field(default=None, compare=False, repr=False)
    # [[tool.livedag.policies]] over this graph (LD011), and what the next version starts from.
    policies: PolicyCheck = field(default=NO_POLICIES, compare=False, repr=False)
    # Each module's nodes as its expansion made them (absolute path string -> nodes), so an
    # answer about one file (its outline) costs that file, not the whole graph.
    nodes_by_path: Mapping[str, Sequence[NodeSpec]] = field(
        default_factory=dict, compare=False, repr=False
    )


class Snapshot:
    """The workspace at one version; never changes once published."""

    def __init__(
        self,
        version: int,
        dataflows: Sequence[DataflowView],
        analyses: Mapping[Path, ModuleAnalysis],
    ):
        self.version = version
        self.dataflows: tuple[DataflowView, ...] = tuple(dataflows)
        self._analyses = MappingProxyType(dict(analyses))
        members: dict[Path, list[DataflowView]] = {}
        modules: set[Path] = set()
        for view in self.dataflows:
            modules.update(view.paths)
            for path in dict.fromkeys([*view.paths, *(p for p, _ in view.drivers)]):
                members.setdefault(path, []).append(view)
        self._members = members
        self._dataflow_modules = modules
        self._problems: dict[Path, list[Problem]] = {}

    def dataflows_for(self, path: Path) -> list[DataflowView]:
        """Dataflows a module or driver script belongs to."""
        path = Path(path)
        found = self._members.get(path)
        if found is None:
            found = self._members.get(path.resolve(), [])
        return list(found)

    def module(self, path: Path | str) -> ModuleAnalysis | None:
        # Most callers pass a path the analysis recorded (already resolved): a dictionary hit
        # without the filesystem calls `resolve` makes (a rename asks thousands of times).
        path = Path(path)
        found = self._analyses.get(path)
        return found if found is not None else self._analyses.get(path.resolve())

    def paths(self) -> list[Path]:
        return sorted(self._analyses)

    def problems_for(self, path: Path) -> list[Problem]:
        """Every problem located in `path`, once, even when its module is in several dataflows.

        A file that is no dataflow's module (a driver script, an app, a helper) gets its syntax
        errors and the analyzer's other findings, but not what only matters to a graph
        (`DATAFLOW_ONLY`), and from the dataflows only what its drivers asked (LD009/LD010).
        """
        path = Path(path).resolve()
        cached = self._problems.get(path)
        if cached is None:
            found: list[Problem] = []
            analysis = self._analyses.get(path)
            if analysis is not None:
                if path in self._dataflow_modules:
                    found.extend(analysis.problems)
                else:
                    found.extend(p for p in analysis.problems if p.code not in DATAFLOW_ONLY)
            key = str(path)
            views = self._members.get(path, ())
            for view in views:
                found.extend(view.problems_by_path.get(key, ()))
            # Several dataflows holding this module report its problems once each; one
            # dataflow's problems are distinct objects already (comparing them costs more).
            once = _unique(found) if len(views) > 1 else list({id(p): p for p in found}.values())
            cached = self._problems[path] = sorted(once, key=_problem_order)
        return list(cached)

    def all_problems(self) -> list[Problem]:
        """Every problem of every file, in path and position order."""
        return [p for path in self.paths() for p in self.problems_for(path)]


class Workspace:
    """Files under `roots`, analyzed without running them, grouped into dataflows."""

    def __init__(
        self,
        roots: Sequence[Path],
        *,
        config_override: Mapping[str, Any] | None = None,
        cache: AnalysisCache | bool = True,
    ):
        """`cache`: the on-disk analysis cache to use (`analysis_cache`); True for the user's
        (unless turned off), False for none."""
        self._disk = analysis_cache.default_cache() if cache is True else (cache or None)
        self._roots = [Path(r).resolve() for r in roots] or [Path.cwd().resolve()]
        self._override: dict[str, Any] = dict(config_override or {})
        self._lock = threading.RLock()
        self._project = load_project_config(self._roots[0])
        self._modules = ModuleIndex((), self._project.root)
        self._sources: dict[Path, ModuleSource | CachedSource] = {}
        self._analyses: dict[Path, ModuleAnalysis] = {}
        self._plans: dict[str, DataflowPlan] = {}
        self._views: dict[str, DataflowView] = {}
        self._cache = ExpansionCache()
        # path -> (analysis, whether it looks like a dataflow of its own)
        self._alone: dict[Path, tuple[ModuleAnalysis, bool]] = {}
        # path -> (analysis, the modules it imports from): see `_imported_by`
        self._imports: dict[Path, tuple[ModuleAnalysis, frozenset[str]]] = {}
        self._external = _external_names(self._project.root)
        self._environment = project_environment(self._project.root)
        self._loading: set[Path] = set()
        # While indexing: the texts read from disk and their hashes ("" for unreadable).
        self._texts: dict[Path, str | None] = {}
        self._hashes: dict[str, str] = {}
        self._version = 0
        self._snapshot = Snapshot(0, (), {})
        # Files found under the roots that could not be read, with the reason (for `lint`).
        self.unreadable: dict[Path, str] = {}
        # Whether jedi was asked about some name (installed packages then shape the answer).
        self.asked_jedi = False

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def project(self) -> ProjectConfig:
        return self._project

    @property
    def roots(self) -> tuple[Path, ...]:
        return tuple(self._roots)

    def index(
        self, on_progress: Callable[[int, int], None] | None = None, *, freeze: bool = False
    ) -> Snapshot:
        """Analyze every module under the roots from disk and build every dataflow.

        Indexing allocates millions of long-lived objects and next to no cyclic garbage, so the
        automatic collector is off meanwhile (it re-scanned the growing heap over and over: a
        sixth of the CPU on 20,000 nodes).  Turned on again, it would scan everything made since
        at the next allocation; `freeze=True` (for a process that keeps the model for good: the
        server, the command line) freezes the heap first (`gc.freeze`), so it never does.
        """
        with self._lock:
            collecting = gc.isenabled()
            gc.disable()
            try:
                self._read_all(on_progress)
                snapshot = self._replan(force=True)
                self._store(
                    [p for p, s in self._sources.items() if not isinstance(s, CachedSource)]
                )
                return snapshot
            finally:
                if freeze:
                    gc.freeze()
                if collecting:
                    gc.enable()

    def update(self, path: Path, text: str | None) -> Snapshot:
        """`path` now reads `text` (an unsaved buffer); None means: back to the file on disk."""
        path = Path(path).resolve()
        with self._lock:
            if path.name == "pyproject.toml":
                self._project = load_project_config(path)
                self._environment = project_environment(self._project.root)
                self._follow_exclude()
                return self._replan(force=True)
            if self._project.is_excluded(path):
                return self._snapshot  # `[tool.livedag] exclude`: not read, even when open
            from_disk = text is None
            if text is None:
                text = _read(path, {})
                if text is None:
                    return self.remove(path)
            old = self._analyses.get(path)
            analysis = self._analyze(path, text)
            if from_disk and analysis is not old:
                self._store([path])  # a file written outside the editor: the next start has it
            changed = {path} | self._refresh_readers_of(self._modules.name_of[path])
            if (
                old is None
                or old.drivers != analysis.drivers
                or self._stands_alone(path, old) != self._stands_alone(path, analysis)
            ):
                return self._replan(force=False, changed=changed)
            for name, plan in self._plans.items():
                if changed.intersection(plan.paths):
                    self._views[name] = self._link(plan)
            return self._publish()

    def store_saved(self, paths: Iterable[Path] | None = None) -> None:
        """Write to the on-disk analysis cache the modules (of `paths`, or all) whose analysed
        text is what their file holds: for the editor after a save, or when it shuts down, so
        the next start finds what was edited today.  Reads those files: not for keystrokes."""
        with self._lock:
            chosen = self._analyses if paths is None else [Path(p).resolve() for p in paths]
            saved = []
            for path in chosen:
                analysis = self._analyses.get(path)
                source = self._sources.get(path)
                if analysis is None or (isinstance(source, CachedSource) and source.real is None):
                    continue  # not analysed here, or its entry is the one it came from
                if _read(path, {}) == analysis.text:
                    saved.append(path)
            self._store(saved)

    def resolve_external_names(self, names: Collection[str] | None = None) -> Snapshot | None:
        """Ask jedi about names imported from outside the workspace (slow: call it when idle).

        `names` limits it to those (e.g. `external_decorator_names()`).  jedi runs without the
        workspace lock, so updates from keystrokes go on meanwhile.  Returns the new snapshot
        when some module's analysis changed because of it, else None.
        """
        with self._lock:
            pending = self._pending_names(names)
        if not pending:
            return None
        self.asked_jedi = True
        self._external.resolve(pending)
        with self._lock:
            changed = self._refresh_external(pending)
            return self._replan(force=False, changed=changed) if changed else None

    def external_decorator_names(self) -> set[str]:
        """Unresolved names that stand where a decorator does: they decide the graph's shape.

        (A team's installed helper package re-exporting `extract_columns`, say.)  The other
        pending names are types, which only refine the LD004 comparison.
        """
        with self._lock:
            return {
                call.name
                for analysis in self._analyses.values()
                if analysis.pending_names
                for spec in analysis.functions
                for call in spec.decorators
                if not call.known and call.name in analysis.pending_names
            }

    def _pending_names(self, names: Collection[str] | None) -> set[str]:
        pending = {n for a in self._analyses.values() for n in a.pending_names}
        return pending & set(names) if names is not None else pending

    def _refresh_external(self, resolved: set[str]) -> set[Path]:
        """Re-analyse the modules that were waiting on `resolved` names; the paths that changed."""
        changed = set()
        for path, source in self._sources.items():
            if self._analyses[path].pending_names & resolved:
                fresh = source.refresh()
                if fresh is not None and fresh is not self._analyses[path]:
                    self._analyses[path] = fresh
                    changed.add(path)
        return changed

    def remove(self, path: Path) -> Snapshot:
        """Forget `path` (deleted, or closed and gone from disk)."""
        path = Path(path).resolve()
        with self._lock:
            if not self._forget(path):
                return self._snapshot
            return self._replan(force=False, changed={path})

    def _forget(self, path: Path) -> bool:
        if self._analyses.pop(path, None) is None:
            return False
        self._sources.pop(path, None)
        self._alone.pop(path, None)
        self._imports.pop(path, None)
        self._cache.forget(str(path))
        self._modules.remove(path)
        return True

    def set_config_override(self, config: Mapping[str, Any] | None) -> Snapshot:
        """Build every dataflow with `config` laid over its own (the editor's setting)."""
        with self._lock:
            self._override = dict(config or {})
            return self._replan(force=True)

    # --- internals --------------------------------------------------------------------------

    def _read_all(self, on_progress: Callable[[int, int], None] | None = None) -> None:
        files = python_files(self._roots, self._project.is_excluded)
        self._modules = ModuleIndex(files, self._project.root)
        self._sources.clear()
        self._analyses.clear()
        self._alone.clear()
        self._imports.clear()
        self.unreadable.clear()
        self._cache = ExpansionCache()
        # Read first: an entry of the on-disk cache is checked against the texts of the modules
        # its analysis read.
        self._texts = {path: _read(path, self.unreadable) for path in files}
        try:  # (the collector is off: `index` turned it off for all of indexing)
            for done, path in enumerate(files, 1):
                text = self._texts[path]
                # (else analyzed already, on a reader's demand)
                if path not in self._sources and text is not None:
                    if not self._from_disk_cache(path, text):
                        self._analyze(path, text)
                if on_progress is not None:
                    on_progress(done, len(files))
        finally:
            self._texts, self._hashes = {}, {}

    def _from_disk_cache(self, path: Path, text: str) -> bool:
        """Take the module's analysis from the on-disk cache when it holds a sound one."""
        if self._disk is None:
            return False
        name = self._modules.add(path)
        entry = self._disk.load(name, str(path), text)
        if entry is None or not reads_hold(entry.reads, self._resolve_str, self._hash_of):
            return False
        resolver = _Resolver(self, path)
        self._sources[path] = CachedSource(
            entry, lambda: _new_source(name, str(path), resolver, self._external), self._external
        )
        self._analyses[path] = entry.analysis
        return True

    def _hash_of(self, path: str) -> str | None:
        """The hash of the text the workspace has (or, not analysed yet, will have) for `path`."""
        known = self._hashes.get(path)
        if known is None:
            analysis = self._analyses.get(Path(path))
            if analysis is not None:
                return text_hash(analysis.text)  # may change: not remembered
            text = self._texts[Path(path)] if Path(path) in self._texts else _read(Path(path), {})
            known = self._hashes[path] = "" if text is None else text_hash(text)
        return known or None

    def _resolve_str(self, module: str, near: str) -> str | None:
        found = self._modules.resolve(module, Path(near))
        return None if found is None else str(found)

    def _store(self, paths: Iterable[Path]) -> None:
        """Write the analyses of `paths` to the on-disk cache, with what each one read."""
        if self._disk is None:
            return
        stored = 0
        for path in paths:
            analysis = self._analyses.get(path)
            reads = reads_closure(str(path), self._reads_of)
            if analysis is None or reads is None or analysis.path is None:
                continue  # it used an answer from jedi: a fresh process would not have it
            entry = analysis_cache.Entry(
                analysis.module, analysis.path, text_hash(analysis.text), reads, analysis
            )
            stored += self._disk.store(entry)
        if stored:
            self._disk.prune()

    def _reads_of(self, near: str) -> Iterable[Read] | None:
        """What the module at `near` asked of other modules (None: jedi answered some)."""
        source = self._sources.get(Path(near))
        if source is None:
            return ()
        if isinstance(source, CachedSource):
            if source.real is None:
                return source.entry.reads
            source = source.real
        resolver, external = source.resolver, source.external
        if not isinstance(resolver, _Resolver) or getattr(external, "answered", False):
            return None
        reads = []
        for module, path in resolver.reads.items():
            analysis = None if path is None else self._analyses.get(path)
            hashed = None if analysis is None else text_hash(analysis.text)
            reads.append(Read(module, near, None if path is None else str(path), hashed))
        return reads

    def _follow_exclude(self) -> None:
        """After pyproject.toml changed: forget the files now excluded, read the ones no longer."""
        for path in [p for p in self._analyses if self._project.is_excluded(p)]:
            self._forget(path)
        for path in python_files(self._roots, self._project.is_excluded):
            if path not in self._analyses:
                self._modules.add(path)
                text = _read(path, self.unreadable)
                if text is not None:
                    self._analyze(path, text)

    def _stands_alone(self, path: Path, analysis: ModuleAnalysis) -> bool:
        """`looks_like_dataflow`, remembered per analysis (a keystroke asks it again).  A module
        file given as a root (`livedag graph features.py`) is one because the user says so."""
        known = self._alone.get(path)
        if known is not None and known[0] is analysis:
            return known[1]
        if path in self._roots:
            verdict = not analysis.drivers
        else:
            verdict = looks_like_dataflow(path, analysis)
        if path in self._analyses and self._analyses[path] is analysis:
            self._alone[path] = (analysis, verdict)
        return verdict

    def _source_of(self, path: Path) -> ModuleSource | CachedSource | None:
        """The module's source, analyzing it first when a module read earlier asks for it."""
        source = self._sources.get(path)
        if source is None and path not in self._loading and path in self._modules.name_of:
            self._loading.add(path)  # an import cycle between modules must not recurse forever
            try:
                text = self._texts[path] if path in self._texts else _read(path, self.unreadable)
                if text is not None and not self._from_disk_cache(path, text):
                    self._analyze(path, text)
            finally:
                self._loading.discard(path)
            source = self._sources.get(path)
        return source

    def _refresh_readers_of(self, module: str) -> set[Path]:
        """Re-analyze the blocks of other modules that use `module`'s names; their paths."""
        changed: set[Path] = set()
        for path, source in self._sources.items():
            analysis = self._analyses.get(path)
            if analysis is None or module not in self._imported_by(path, analysis):
                continue  # only a module that imports from `module` can read its names
            fresh = source.refresh({module})
            if fresh is not None and fresh is not analysis:
                self._analyses[path] = fresh
                changed.add(path)
        return changed

    def _imported_by(self, path: Path, analysis: ModuleAnalysis) -> frozenset[str]:
        """Every module `analysis` imports names from, with the packages above them (`a.b.c`
        gives `a`, `a.b` and `a.b.c`), remembered per analysis: a keystroke asks it of every
        module."""
        known = self._imports.get(path)
        if known is None or known[0] is not analysis:
            modules: set[str] = set()
            for qualified in analysis.imports.values():
                parts = qualified.split(".")
                modules.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
            known = self._imports[path] = (analysis, frozenset(modules))
        return known[1]

    def _analyze(self, path: Path, text: str) -> ModuleAnalysis:
        source = self._sources.get(path)
        if source is None:
            name = self._modules.add(path)
            source = self._sources[path] = _new_source(
                name, str(path), _Resolver(self, path), self._external
            )
        analysis = source.update(text)
        self._analyses[path] = analysis
        return analysis

    def _replan(self, *, force: bool, changed: Iterable[Path] = ()) -> Snapshot:
        changed = set(changed)
        plans = {
            p.name: p
            for p in plan_dataflows(
                self._project,
                self._analyses,
                self._modules,
                stands_alone=lambda path: self._stands_alone(path, self._analyses[path]),
            )
        }
        views: dict[str, DataflowView] = {}
        for name, plan in plans.items():
            previous = self._views.get(name)
            if (
                not force
                and previous is not None
                and self._plans.get(name) == plan
                and not changed.intersection(plan.paths)
            ):
                views[name] = previous
            else:
                views[name] = self._link(plan)
        self._plans, self._views = plans, views
        return self._publish()

    def _link(self, plan: DataflowPlan) -> DataflowView:
        """The plan's dataflow: the previous one as it is when none of its nodes changed,
        re-linked from it when some did, built cold when the plan or config changed."""
        config = {**plan.config, **self._override}
        present = [p for p in plan.paths if p in self._analyses]
        expanded = expand_all(
            plan.name,
            ((str(p), self._analyses[p].functions) for p in present),
            config,
            self._cache,
            self._environment.has,
        )
        previous = self._views.get(plan.name)
        comparable = (
            previous is not None
            and self._plans.get(plan.name) == plan
            and previous.paths == tuple(present)
            and dict(previous.config) == config
            and previous.policies.policies == self._project.policies  # policies: checked again
        )
        if comparable and not expanded.changes:
            assert previous is not None
            return previous
        changed: set[str] | None = None
        if comparable and not plan.allow_module_overrides:
            assert previous is not None
            graph, changed = updated_dataflow(
                previous.graph, expanded, config=config, declared_inputs=plan.declared_inputs
            )
        else:  # overridden nodes are dropped before building, so such a plan is built cold
            nodes: Sequence[NodeSpec] = expanded.nodes
            if plan.allow_module_overrides:
                nodes = without_overridden(nodes)
            graph = Dataflow.build(
                nodes,
                config=config,
                declared_inputs=plan.declared_inputs,
                problems=expanded.problems,
            )
        possible = functools.cache(
            lambda: possible_names(
                plan.name,
                ((str(p), self._analyses[p].functions) for p in present),
                config,
                self._cache,
            )
        )
        drivers = check_drivers(
            graph,
            plan.drivers,
            previous.driver_checks if comparable and previous else None,
            changed,
            possible,
            plan.elsewhere,
        )
        graph_problems: Sequence[Problem] = graph.problems
        if any(key not in self._override for key in plan.config_unknown):
            graph_problems = without_config_made(graph, graph_problems, possible)
        # --- policies (server/policy_check.py): LD011, incrementally from the previous check ---
        policies = check_policies(
            self._project.policies,
            graph,
            previous.policies if comparable and previous is not None else None,
            changed,
        )
        # ---
        by_path: dict[str, list[Problem]] = {}
        for problem in [*graph_problems, *drivers.problems, *policies.problems]:
            if problem.location is not None and problem.location.path:
                by_path.setdefault(problem.location.path, []).append(problem)
        return DataflowView(
            name=plan.name,
            modules=tuple(self._modules.name_of[p] for p in present),
            paths=tuple(present),
            config=MappingProxyType(config),
            graph=graph,
            drivers=plan.drivers,
            problems_by_path={k: tuple(v) for k, v in by_path.items()},
            driver_checks=drivers,
            policies=policies,
            nodes_by_path=expanded.by_module,
        )

    def _publish(self) -> Snapshot:
        self._version += 1
        self._snapshot = Snapshot(self._version, list(self._views.values()), self._analyses)
        return self._snapshot


class _Resolver:
    """What the analyzer may ask of the rest of the workspace (cross-module names), on behalf of
    the module at `near`: a top-level name is first looked for next to it, as Python finds it
    when that folder is the script's (several examples may each have their own `features.py`)."""

    def __init__(self, workspace: Workspace, near: Path | None = None):
        self._workspace = workspace
        self._near = near
        # module name -> its file, while the module index's files stay the same: annotations
        # ask about `pandas`, `typing`, ... for every parameter, tens of thousands of times
        # when a workspace is indexed.
        self._paths: dict[str, Path | None] = {}
        self._generation = -1
        # Every module asked about and the file it resolved to (what the analysis depends on,
        # recorded for the on-disk cache).
        self.reads: dict[str, Path | None] = {}

    def _resolve(self, module: str) -> Path | None:
        index = self._workspace._modules
        if index.generation != self._generation:
            self._paths.clear()
            self._generation = index.generation
        try:
            path = self._paths[module]
        except KeyError:
            path = self._paths[module] = index.resolve(module, self._near)
        self.reads[module] = path
        return path

    def _analysis(self, module: str) -> ModuleAnalysis | None:
        ws = self._workspace
        path = self._resolve(module)
        if path is None or ws._source_of(path) is None:
            return None
        return ws._analyses.get(path)

    def module_constant(self, module: str, name: str) -> Any:
        path = self._resolve(module)
        source = None if path is None else self._workspace._source_of(path)
        if source is None:
            return Unknown(f"{module}.{name}: module {module} cannot be read")
        return source.constant(name)

    def module_functions(self, module: str) -> Sequence[FunctionSpec] | None:
        analysis = self._analysis(module)
        return None if analysis is None else analysis.functions

    def resolve_name(self, module: str, name: str) -> str | None:
        analysis = self._analysis(module)
        return None if analysis is None else analysis.imports.get(name)


def _new_source(
    module: str, path: str, resolver: _Resolver, external: ExternalNames
) -> ModuleSource:
    from .analyzer import ModuleSource

    answered = cast("ExternalNames", AnsweredNames(external))
    return ModuleSource(module, path, resolver, external=answered)


def _external_names(root: Path) -> ExternalNames:
    from .analyzer import ExternalNames

    return ExternalNames(str(root))


def _read(path: Path, failures: dict[Path, str]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        failures[path] = reason
        log.warning("livedag: cannot read %s (%s); it is left out of the graph", path, reason)
        return None


def _problem_key(problem: Problem) -> tuple[Any, ...]:
    return (problem.code, problem.severity, problem.message, problem.location, problem.node)


def _problem_order(problem: Problem) -> tuple[Any, ...]:
    loc = problem.location
    return (loc.line if loc else 0, loc.column if loc else 0, problem.code.value, problem.message)


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    return list({_problem_key(p): p for p in problems}.values())
