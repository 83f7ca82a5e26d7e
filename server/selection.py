"""What a command works on: the dataflows `lint` and the editor see, named as users name them.

Every `livedag` command reads its paths into one `Workspace` (drivers, `[tool.livedag]` and config
decide the dataflows, exactly as for `lint` and the editor) and then works on some of them:

- the dataflows *of the given paths*: every dataflow with a module or driver under a given
  folder, the dataflows a given driver script builds (even when it is a module of another
  too), and those a given module file belongs to;
- a driver script given as a file brings its folder along (Python finds its modules there when
  it runs) and modules it imports from a package above it, up to the project root; a module it
  names that no file read stands for is `missing`, and said so;
- `--dataflow NAME` picks one of them by its user-facing name: a `[tool.livedag]` dataflow's
  name, a driver script's path relative to the project root (`path:line` when one script builds
  several), or the module of a module's own dataflow.  A driver's or a module's path (relative
  to the working folder) and the server's internal id (`driver:/abs/run.py`) are understood too.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from livedag.engine.specs import Problem

    from .workspace import DataflowView, Snapshot, Workspace

ALL = "all"
SHOWN_IN_ERRORS = 8  # names a one-line error lists before "and N more"


class SelectionError(Exception):
    """The paths or `--dataflow` do not say what to work on; the message says how to."""


@dataclass(frozen=True)
class NamedDataflow:
    """One dataflow and the name users see and type for it."""

    name: str
    kind: str  # "pyproject", "driver" or "module"
    view: DataflowView

    @property
    def id(self) -> str:
        """The internal id (what the language server reports as `dataflow`)."""
        return self.view.name


def user_names(views: Sequence[DataflowView], root: Path) -> list[NamedDataflow]:
    """The user-facing name of each view, in the same order."""
    drivers_of: dict[Path, int] = {}
    for view in views:
        if _kind(view) == "driver" and view.drivers:
            script = view.drivers[0][0]
            drivers_of[script] = drivers_of.get(script, 0) + 1
    named: list[NamedDataflow] = []
    taken: set[str] = set()
    for view in views:
        kind = _kind(view)
        name = view.name.partition(":")[2] or view.name
        if kind == "driver" and view.drivers:
            script, use = view.drivers[0]
            name = relative(script, root)
            if drivers_of[script] > 1:  # the script builds several: tell them apart by line
                name = f"{name}:{use.location.line}"
        if name in taken:  # two modules of one name (loose scripts): keep them apart
            name = view.name
        taken.add(name)
        named.append(NamedDataflow(name, kind, view))
    return named


def relative(path: Path | str, root: Path) -> str:
    """`path` relative to `root` when it lies under it (POSIX separators), else absolute."""
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(absolute)


def _kind(view: DataflowView) -> str:
    return view.name.partition(":")[0]


@dataclass
class Scope:
    """The workspace of a command's paths, and the dataflows of those paths."""

    given: tuple[Path, ...]
    workspace: Workspace
    snapshot: Snapshot
    dataflows: list[NamedDataflow]
    # Modules a driver script names that no file read stands for: its dataflow lacks their
    # nodes (or, when it lacks them all, there is none).  By script, in the order named.
    missing: dict[Path, tuple[str, ...]] = field(default_factory=dict)
    searched_up_to: Path | None = None  # the highest folder a driver's modules were looked for in

    @property
    def root(self) -> Path:
        return self.workspace.project.root

    @property
    def shown_paths(self) -> str:
        return " ".join(_shown(p) for p in self.given)

    def files(self) -> list[Path]:
        """Files whose problems `lint` reports: under the given paths, or in their dataflows."""
        wanted = set(self.snapshot.paths())
        found = {path for path in wanted if any(_under(path, g) for g in self.given)}
        for flow in self.dataflows:
            found.update(flow.view.paths)
            found.update(p for p, _ in flow.view.drivers)
        return sorted(found & wanted)

    def pick(self, name: str | None, *, allow_all: bool = False) -> list[NamedDataflow]:
        """The dataflows `--dataflow NAME` means (all of them when `name` is None)."""
        if name is None:
            return list(self.dataflows)
        if name == ALL:
            if not allow_all:
                raise SelectionError("--dataflow all is for `graph`; here, name one dataflow")
            return list(self.dataflows)
        for flow in self.dataflows:
            if name in (flow.name, flow.id):
                return [flow]
        by_path = self._by_path(name)
        if by_path is not None:
            return by_path
        close = difflib.get_close_matches(name, [f.name for f in self.dataflows], n=3)
        if close:
            hint = f"did you mean {' or '.join(map(repr, close))}?"
        else:
            hint = f"the dataflows there: {self.listing()}"
        raise SelectionError(f"no dataflow named {name!r} in {self.shown_paths}; {hint}")

    def one(self, name: str | None, command: str) -> NamedDataflow:
        """Exactly one dataflow, or a SelectionError that lists them and asks to pick."""
        flows = self.pick(name)
        if not flows:
            raise SelectionError(self.no_dataflow())
        if len(flows) > 1:
            raise SelectionError(self.ambiguous(flows, command))
        return flows[0]

    def ambiguous(self, flows: Sequence[NamedDataflow], command: str) -> str:
        more = ", or --dataflow all for each" if command == "graph" else ""
        return (
            f"{len(flows)} dataflows in {self.shown_paths}: {self.listing(flows)}; "
            f"pick one with --dataflow NAME{more}"
        )

    def no_dataflow(self) -> str:
        for script in self.given:
            if self.missing.get(script):
                return self.not_found(script) + "; give the folder that holds them too"
        return (
            f"the Python files in {self.shown_paths} make no dataflow: livedag looks for "
            "driver scripts, [tool.livedag] dataflows and modules of Hamilton functions"
        )

    def not_found(self, script: Path) -> str:
        names = ", ".join(self.missing.get(script, ()))
        top = self.searched_up_to or script.parent
        return (
            f"{_shown(script)} uses module(s) {names}, found neither next to it nor in the "
            f"folders above it (up to {_shown(top)})"
        )

    def missing_for(self, flow: NamedDataflow) -> list[Path]:
        """The flow's driver scripts that name modules no file read stands for."""
        return [p for p in dict.fromkeys(p for p, _ in flow.view.drivers) if self.missing.get(p)]

    def listing(self, flows: Sequence[NamedDataflow] | None = None) -> str:
        names = [f.name for f in (self.dataflows if flows is None else flows)]
        if not names:
            return "none"
        shown = ", ".join(names[:SHOWN_IN_ERRORS])
        if len(names) > SHOWN_IN_ERRORS:
            shown += f" and {len(names) - SHOWN_IN_ERRORS} more (`livedag dataflows` lists them)"
        return shown

    def _by_path(self, text: str) -> list[NamedDataflow] | None:
        """`--dataflow path/to/run.py[:LINE]`: the dataflow that script builds (or that a
        module belongs to), the path taken from the working folder or the project root."""
        raw, line = text, None
        head, sep, tail = text.rpartition(":")
        if sep and tail.isdigit():
            raw, line = head, int(tail)
        path = next(
            (
                c.resolve()
                for c in (Path(raw), self.root / raw)
                if c.suffix == ".py" and c.is_file()
            ),
            None,
        )
        if path is None:
            return None
        built = [
            f
            for f in self.dataflows
            if any(
                p == path and (line is None or use.location.line == line)
                for p, use in f.view.drivers
            )
        ]
        if built:
            return built
        holding = [f for f in self.dataflows if path in f.view.paths]
        return holding or None

    def problems_of(self, flow: NamedDataflow) -> list[Problem]:
        """The dataflow's problems: its graph's, its drivers', its policies' and its files' own."""
        view = flow.view
        found: list[Problem] = []
        for path in dict.fromkeys([*view.paths, *(p for p, _ in view.drivers)]):
            analysis = self.snapshot.module(path)
            if analysis is not None:
                found.extend(analysis.problems)
        found.extend(view.graph.problems)
        if view.driver_checks is not None:
            found.extend(view.driver_checks.problems)
        found.extend(view.policies.problems)  # [[tool.livedag.policies]]: LD011
        return list({id(p): p for p in found}.values())


def open_scope(
    paths: Sequence[Path],
    config: dict[str, Any] | None,
    resolve_imports: str,
    *,
    cache: bool = True,
) -> Scope:
    """Read `paths` as `lint` does and find the dataflows of those paths (`cache=False`: without
    the on-disk analysis cache, for files that will not be read again).

    Raises SelectionError when there is nothing to read.  Unreadable files are left to the
    caller (`workspace.unreadable`).
    """
    given = tuple(p.resolve() for p in paths)
    workspace, snapshot = _index(given, config, resolve_imports, cache)
    if not snapshot.paths() and not workspace.unreadable:
        raise SelectionError(
            f"no Python files in {' '.join(_shown(p) for p in given)}; "
            "give the folder that holds your dataflow's modules (or their .py files)"
        )
    project = workspace.project
    stop = project.root if project.pyproject is not None else Path.cwd().resolve()
    context = _driver_context(given, snapshot, stop)
    if context:
        workspace, snapshot = _index((*given, *context), config, resolve_imports)
    named = user_names(snapshot.dataflows, workspace.project.root)
    # A module of its own with no node (a helper, a data generator) is no dataflow to anyone:
    # it would only make every command ask which one was meant.  A driver or [tool.livedag]
    # says a dataflow is there, nodes or not (an empty one is worth seeing, and its problems).
    builders = {p for view in snapshot.dataflows for p, _ in view.drivers}
    chosen = [
        f
        for f in named
        if _belongs(f.view, given, builders) and (f.kind != "module" or _makes_nodes(f.view))
    ]
    missing = _missing_modules(given, snapshot, chosen)
    return Scope(given, workspace, snapshot, chosen, missing, stop)


def _index(
    roots: Sequence[Path],
    config: dict[str, Any] | None,
    resolve_imports: str,
    cache: bool = True,
) -> tuple[Workspace, Snapshot]:
    from .workspace import Workspace

    workspace = Workspace(list(roots), config_override=config or None, cache=cache)
    snapshot = workspace.index(freeze=True)  # a command: the model lives until it exits
    if resolve_imports != "none":
        wanted = None if resolve_imports == "all" else workspace.external_decorator_names()
        if wanted is None or wanted:
            snapshot = workspace.resolve_external_names(wanted) or snapshot
    return workspace, snapshot


def _makes_nodes(view: DataflowView) -> bool:
    """Whether a function of the dataflow makes a node (config keys alone are no dataflow)."""
    from livedag.engine.specs import NodeKind

    return any(spec.kind is NodeKind.FUNCTION for spec in view.graph.nodes.values())


def _driver_context(given: Sequence[Path], snapshot: Snapshot, stop: Path) -> list[Path]:
    """What a driver script given as a file needs read besides itself.

    Its folder: Python puts it first on `sys.path`, so its modules sit there.  And a module it
    imports from a package above it (`from shop import features`, run with the project root on
    the path), looked for in the folders from its own up to `stop` (the project root).
    """
    folders = [p for p in given if p.is_dir()]
    found: list[Path] = []

    def add(path: Path) -> None:
        if not any(_under(path, f) for f in folders) and path not in found:
            found.append(path)

    for script in given:
        analysis = snapshot.module(script) if script.is_file() else None
        if analysis is None or not analysis.drivers:
            continue
        add(script.parent)
        above = (
            [f for f in script.parent.parents if _under(f, stop)] if _under(script, stop) else []
        )
        for use in analysis.drivers:
            for name in use.modules:
                if _module_file(script.parent, name) is not None:
                    continue
                hit = next((m for f in above if (m := _module_file(f, name)) is not None), None)
                if hit is not None:
                    add(hit)
    return found


def _module_file(folder: Path, name: str) -> Path | None:
    """The file module `name` is, imported with `folder` on the path, if there is one."""
    base = folder.joinpath(*name.split("."))
    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


def _missing_modules(
    given: Sequence[Path], snapshot: Snapshot, chosen: Sequence[NamedDataflow]
) -> dict[Path, tuple[str, ...]]:
    """For the given driver scripts and those of the chosen dataflows: module names they use
    that no member of their dataflow stands for."""
    built: list[tuple[Path, Any, DataflowView]] = [
        (path, use, view) for view in snapshot.dataflows for path, use in view.drivers
    ]
    scripts = [p for p in given if p.is_file()]
    scripts += [p for flow in chosen for p, _ in flow.view.drivers]
    missing: dict[Path, tuple[str, ...]] = {}
    resolved: dict[str, frozenset[Path]] = {}  # each view's files, symlinks resolved, once
    for script in dict.fromkeys(scripts):
        analysis = snapshot.module(script)
        if analysis is None:
            continue
        lost: list[str] = []
        for use in analysis.drivers:
            # equal, not the same object: a re-analysis keeps a dataflow whose plan is equal
            view = next((v for p, u, v in built if p == script and u == use), None)
            if view is not None and view.name not in resolved:
                resolved[view.name] = frozenset(p.resolve() for p in view.paths)
            lost += [
                n
                for n in use.modules
                if view is None or not _member(n, script, view, resolved[view.name])
            ]
        if lost:
            missing[script] = tuple(dict.fromkeys(lost))
    return missing


def _member(named: str, script: Path, view: DataflowView, files: Collection[Path]) -> bool:
    """Whether module `named` (as `script` imports it) is one of the view's: the file next to
    the script (a symlink counts as its target), or a module of that name or dotted tail
    (`shop.features` imported as `features`).  `files` are the view's paths, resolved."""
    near = _module_file(script.parent, named)
    if near is not None and near in files:
        return True
    return any(
        named == member or member.endswith("." + named) or named.endswith("." + member)
        for member in view.modules
    )


def _belongs(view: DataflowView, given: Sequence[Path], builders: set[Path]) -> bool:
    """Whether the view is a dataflow of the given paths: it has a file under a given folder,
    or a given file builds it, or (a given file that builds none) holds it."""
    drivers = [p for p, _ in view.drivers]
    files = [*view.paths, *drivers]
    for path in given:
        if path.is_dir():
            if any(_under(f, path) for f in files):
                return True
        elif path in builders:  # a driver script means what it builds, not what it is part of
            if path in drivers:
                return True
        elif path in files:
            return True
    return False


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _shown(path: Path) -> str:
    """A path as the user most likely typed it: relative to the working folder when inside."""
    try:
        shown = path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
    return shown or "."
