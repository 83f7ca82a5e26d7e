"""Which files are modules, what they are called, and which dataflow each belongs to.

Module names follow Python's import rules: a file's name is dotted up through the folders that hold
an `__init__.py`, so `src/shop/features.py` in package `shop` is `shop.features` (src layouts need
nothing special) and a loose `scripts/run.py` is `run`.  A driver script names modules as *it*
imports them, so a name is resolved first next to the script (its folder is on `sys.path` when it
runs), then by that import name, then as a dotted path from the project root.

Membership.  A module belongs to a dataflow because something says so, or because it looks like
one:

1. `[tool.livedag] dataflows`, when the project declares them, are the dataflows (their drivers
   are checked against them).
2. Otherwise each driver script (`driver.Builder().with_modules(...)`,
   `driver.Driver(config, *modules)`) makes a dataflow of its modules, with its literal config.
3. Otherwise a module no driver uses is a dataflow of its own when it *looks like one*
   (`looks_like_dataflow`):
   - it speaks Hamilton's dataflow vocabulary: it imports the decorators or types
     (`hamilton.function_modifiers` and its submodules, `from hamilton import
     function_modifiers`, `hamilton.htypes`, `livedag.engine.function_modifiers`, the plugins'
     `with_columns`), or one of its functions carries such a decorator; or
   - its functions consume each other: a public function has a parameter named after another
     public function of the module, neither of the two carrying a decorator livedag does not know
     (`@app.get`, `@st.cache_data`, `@asset` and `@pytest.fixture` belong to other frameworks).
   Importing only `hamilton.driver`, `hamilton.base`, `hamilton.io`, `hamilton.registry` or an
   adapter is not enough: that is a driver script, an app or a plugin, not a dataflow.
   A module that builds a driver is a driver script, never a dataflow of its own, and neither is
   a pytest module (`test_*.py`, `*_test.py`, `conftest.py`): its parameters are fixtures.
   A module file named explicitly (`livedag graph features.py`) is one because the user says so.
   Anything else (apps, DAG files of other schedulers, helpers) is in no dataflow: livedag
   reports only its syntax errors.

`[tool.livedag] exclude` removes files from all of this: an excluded file is not read at all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from livedag.engine.specs import FunctionSpec, LocatedStr, Location, Unknown

from .linking import config_key
from .project import ProjectConfig

# Folders that never hold the user's own dataflow code.
SKIP_DIRS = frozenset(
    {
        "node_modules",
        "site-packages",
        "dist-packages",
        "__pycache__",
        "venv",
        "env",
        "build",
        "dist",
    }
)


class DriverLike(Protocol):
    """What membership needs of the analyzer's `DriverUse`."""

    @property
    def modules(self) -> tuple[str, ...]: ...
    @property
    def config(self) -> Mapping[str, Any]: ...
    @property
    def outputs(self) -> tuple[LocatedStr, ...]: ...
    @property
    def inputs(self) -> tuple[LocatedStr, ...]: ...
    @property
    def location(self) -> Location: ...


class AnalysisLike(Protocol):
    """What membership needs of the analyzer's `ModuleAnalysis`."""

    @property
    def drivers(self) -> Sequence[Any]: ...
    @property
    def imports(self) -> Mapping[str, str]: ...
    @property
    def functions(self) -> Sequence[FunctionSpec]: ...


def is_skipped_dir(name: str) -> bool:
    """Hidden folders (.git, .venv, .tox), virtualenvs, vendored and build output."""
    return name.startswith(".") or name in SKIP_DIRS or name.endswith(".egg-info")


def python_files(
    roots: Iterable[Path], excluded: Callable[[Path], bool] | None = None
) -> list[Path]:
    """Every `.py` file under `roots`, absolute, sorted, once each; files and folders for which
    `excluded` says so are left out, except a root file (named explicitly: taken as given)."""
    found: set[Path] = set()
    for root in roots:
        root = root.resolve()
        if root.is_file():
            if root.suffix == ".py":
                found.add(root)
            continue
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            dirs[:] = sorted(
                d
                for d in dirs
                if not is_skipped_dir(d) and not (excluded is not None and excluded(here / d))
            )
            found.update(
                here / f
                for f in files
                if f.endswith(".py") and not (excluded is not None and excluded(here / f))
            )
    return sorted(found)


def module_name(path: Path) -> str:
    """The name Python imports `path` by: dotted through the packages (`__init__.py`) above it."""
    path = path.resolve()
    parts = [] if path.stem == "__init__" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.append(folder.name)
        folder = folder.parent
    return ".".join(reversed(parts)) or path.parent.name


def dotted_from(path: Path, root: Path) -> str | None:
    """`path` as a dotted name from `root` (`src/` stripped), when it lies under `root`."""
    try:
        rel = path.resolve().relative_to(root.resolve()).with_suffix("")
    except ValueError:
        return None
    parts = list(rel.parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    if parts and parts[0] == "src":
        parts.pop(0)
    return ".".join(parts) or None


class ModuleIndex:
    """Module names of the workspace's files, both ways."""

    def __init__(self, paths: Iterable[Path], root: Path):
        self.root = root
        self.name_of: dict[Path, str] = {}
        self._by_name: dict[str, list[Path]] = {}
        self._by_dotted: dict[str, Path] = {}
        # resolve()'s answers, forgotten whenever a file comes or goes (the analyzer asks the
        # same few names on every keystroke; each answer builds paths)
        self._resolved: dict[tuple[str, Path | None], Path | None] = {}
        # Bumped whenever a file comes or goes: callers caching `resolve` answers compare it.
        self.generation = 0
        for path in sorted(paths):
            self.add(path)

    def add(self, path: Path) -> str:
        name = self.name_of.get(path) or module_name(path)
        if path not in self.name_of:
            self._resolved.clear()
            self.generation += 1
            self.name_of[path] = name
            self._by_name.setdefault(name, []).append(path)
            dotted = dotted_from(path, self.root)
            if dotted is not None:
                self._by_dotted.setdefault(dotted, path)
        return name

    def remove(self, path: Path) -> None:
        name = self.name_of.pop(path, None)
        if name is None:
            return
        self._resolved.clear()
        self.generation += 1
        self._by_name[name].remove(path)
        if not self._by_name[name]:
            del self._by_name[name]
        dotted = dotted_from(path, self.root)
        if dotted is not None and self._by_dotted.get(dotted) == path:
            del self._by_dotted[dotted]

    def resolve(self, name: str, near: Path | None = None) -> Path | None:
        """The file module `name` is, as imported by a script at `near`."""
        key = (name, None if near is None else near.parent)
        if key in self._resolved:
            return self._resolved[key]
        found = self._resolve(name, near)
        self._resolved[key] = found
        return found

    def _resolve(self, name: str, near: Path | None) -> Path | None:
        if near is not None:
            local = near.parent.joinpath(*name.split("."))
            for candidate in (local.with_suffix(".py"), local / "__init__.py"):
                if candidate in self.name_of:
                    return candidate
        paths = self._by_name.get(name)
        if paths:
            return paths[0]
        return self._by_dotted.get(name)


@dataclass(frozen=True)
class DataflowPlan:
    """Which modules make one dataflow, built with which config and declared inputs."""

    name: str
    paths: tuple[Path, ...]
    config: Mapping[str, Any]
    declared_inputs: tuple[str, ...] | None = None
    drivers: tuple[tuple[Path, Any], ...] = ()
    # Config keys the drivers set to values livedag cannot know (`**name`: a part it cannot
    # read at all); the dataflow is built as if they were unset.
    config_unknown: tuple[str, ...] = ()
    # A later module's node replaces an earlier one's of the same name (Hamilton's
    # `allow_module_overrides`), so `paths` are in the order the driver names them.
    allow_module_overrides: bool = False
    # Per driver in `drivers`: the modules it names that no workspace file stands for (its
    # outputs cannot be judged, since those modules' functions cannot be seen).
    elsewhere: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class _Driven:
    """A driver use found in a script, with the module names it uses from outside."""

    path: Path
    use: Any
    elsewhere: tuple[str, ...]


def plan_dataflows(
    project: ProjectConfig,
    analyses: Mapping[Path, AnalysisLike],
    index: ModuleIndex,
    *,
    stands_alone: Callable[[Path], bool] | None = None,
) -> list[DataflowPlan]:
    """The workspace's dataflows: declared in pyproject, else one per driver, else one per
    module that looks like a dataflow (`stands_alone`, by default `looks_like_dataflow`; the
    workspace passes a remembered answer)."""
    declared = [_declared_plan(flow, index) for flow in project.dataflows]
    driver_groups: dict[tuple[tuple[Path, ...], str, bool], list[_Driven]] = {}
    for path in sorted(analyses):
        for use in analyses[path].drivers:
            members, elsewhere = _driver_members(use, path, index)
            if members:
                overrides = bool(getattr(use, "allow_module_overrides", False))
                key = (members, config_key(use.config), overrides)
                driver_groups.setdefault(key, []).append(_Driven(path, use, elsewhere))

    plans: list[DataflowPlan] = []
    attached: dict[int, list[_Driven]] = {i: [] for i in range(len(declared))}
    names_used: set[str] = set()
    for (members, _, overrides), uses in driver_groups.items():
        target = next(
            (i for i, plan in enumerate(declared) if set(members) <= set(plan.paths)), None
        )
        if target is not None:  # a driver of a declared dataflow is checked against it
            attached[target].extend(uses)
            continue
        first = uses[0]
        name = f"driver:{first.path}"
        if name in names_used:
            name = f"{name}:{first.use.location.line}"
        names_used.add(name)
        unknown = tuple(str(k) for k, v in first.use.config.items() if isinstance(v, Unknown))
        plans.append(
            DataflowPlan(
                name,
                members,
                literal_config(first.use.config),
                None,
                tuple((d.path, d.use) for d in uses),
                unknown,
                overrides,
                tuple(d.elsewhere for d in uses),
            )
        )
    plans = [
        replace(
            p,
            drivers=tuple((d.path, d.use) for d in attached[i]),
            elsewhere=tuple(d.elsewhere for d in attached[i]),
        )
        for i, p in enumerate(declared)
    ] + plans

    if not declared:
        if stands_alone is None:
            stands_alone = lambda path: looks_like_dataflow(path, analyses[path])  # noqa: E731
        covered = {path for plan in plans for path in plan.paths}
        for path in sorted(analyses):
            if path not in covered and stands_alone(path):
                plans.append(DataflowPlan(f"module:{index.name_of[path]}", (path,), {}))
    return plans


# Where Hamilton's dataflow vocabulary (decorators, types) is imported from; importing any name
# from these, or the module itself, marks a dataflow.  `hamilton.driver`, `hamilton.base`,
# `hamilton.io` and the plugins' adapters are what driver scripts and apps import.
_VOCABULARY_MODULES = (
    "hamilton.function_modifiers",
    "hamilton.function_modifiers_base",
    "hamilton.htypes",
    "livedag.engine.function_modifiers",
)


def looks_like_dataflow(path: Path, analysis: AnalysisLike) -> bool:
    """Whether a module no driver and no pyproject names is a dataflow of its own (see the
    module docstring for the rule)."""
    if analysis.drivers or is_test_module(path):
        return False
    return speaks_hamilton(analysis) or functions_consume_each_other(analysis.functions)


def is_test_module(path: Path) -> bool:
    """A module pytest collects (its default patterns) or its `conftest.py`."""
    name = path.name
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


def speaks_hamilton(analysis: AnalysisLike) -> bool:
    """Whether the module imports Hamilton's (or livedag's) decorators or types, or uses one of
    the decorators (`import hamilton.function_modifiers` binds only `hamilton`)."""
    from .analyzer.names import canonical_name

    for qualified in analysis.imports.values():
        if any(qualified == m or qualified.startswith(m + ".") for m in _VOCABULARY_MODULES):
            return True
        if canonical_name(qualified) is not None:  # a plugin's `with_columns`
            return True
    return any(call.known for spec in analysis.functions for call in spec.decorators)


def functions_consume_each_other(functions: Sequence[FunctionSpec]) -> bool:
    """Whether a public function takes another one's result by naming it as a parameter.

    A function carrying a decorator livedag does not know is left out: its parameters are some
    other framework's business (FastAPI's request fields, pytest's fixtures, Dagster's assets).
    """
    plain = {
        spec.name: spec
        for spec in functions
        if spec.is_public and all(call.known for call in spec.decorators)
    }
    return any(
        parameter.name in plain and parameter.name != spec.name
        for spec in plain.values()
        for parameter in spec.parameters
    )


def _declared_plan(flow: Any, index: ModuleIndex) -> DataflowPlan:
    members: list[Path] = []
    for name in flow.modules:
        path = index.resolve(name)
        if path is not None:
            members.append(path)
    for given in flow.paths:
        members.extend(p for p in python_files([given]) if p in index.name_of)
    unique = tuple(dict.fromkeys(members))
    return DataflowPlan(
        f"pyproject:{flow.name}",
        unique,
        dict(flow.config),
        flow.inputs,
        allow_module_overrides=flow.allow_module_overrides,
    )


def _driver_members(
    use: DriverLike, script: Path, index: ModuleIndex
) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """The files of the driver's modules, and the names of those that are no workspace file."""
    found = [(name, index.resolve(name, near=script)) for name in use.modules]
    paths = tuple(dict.fromkeys(p for _, p in found if p is not None))
    return paths, tuple(name for name, p in found if p is None)


def literal_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """A driver's config as far as it is literal.

    A value computed at run time (`{"region": args.region}`) is left out, so the dataflow is
    built as if that key were unset, which is what Hamilton does with a missing key: exactly one of
    `@config.when(region=...)` / `@config.when_not(region=...)` applies, rather than both (a false
    duplicate).  Pin it with `[tool.livedag]` or the editor's `livedag.config` setting.
    """
    return {key: value for key, value in config.items() if not isinstance(value, Unknown)}
