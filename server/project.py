"""`[tool.livedag]` in pyproject.toml: which modules form a dataflow, and how lint reports.

```toml
[tool.livedag]
select = ["LD001", "LD002"]      # codes to report (default: all)
ignore = ["LD008"]               # codes never to report
severity = "warning"             # lint fails at or above this: error | warning | info
exclude = ["scripts/*.py", "legacy"]   # never read these (globs, relative to pyproject.toml)

[[tool.livedag.dataflows]]
name = "features"
modules = ["features", "pkg.cleaning"]   # module names, or
paths = ["src/features.py", "src/pkg"]   # files or folders, relative to pyproject.toml
config = { region = "US" }               # the config it is built with (`@config.when`)
inputs = ["raw_df"]                      # declared inputs: any other unknown name is an error
allow_module_overrides = true            # a later module's node replaces an earlier one's

[[tool.livedag.policies]]                # rules over tags and lineage (policies.py): LD011
name = "pii-stays-internal"
from = { PII = "true" }
must_not_reach = { visibility = "public" }
```

`dataflows` may also be a table keyed by name (`[tool.livedag.dataflows.features]`).

`exclude` patterns are globs: one without `/` matches a file or folder name at any depth
(`"test_*.py"`, `"legacy"`); one with `/` is anchored at the folder of pyproject.toml
(`"src/gen/**/*.py"`, `"./legacy"`; `**` is any number of folders).  A matching folder excludes
all it holds.  An excluded file is not read at all: it is in no dataflow, its drivers are not
seen, a driver naming it finds nothing there.  Only a file given explicitly (`livedag lint
path/file.py`) is read anyway.

Every mistake is reported as a `ProjectConfigError` naming the key and what is expected there,
since a silently ignored key would make the editor and CI disagree with what the user wrote.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import Severity

if TYPE_CHECKING:
    from .policies import Policy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib

CODE_PATTERN = re.compile(r"^LD\d{3}$")
SEVERITY_ORDER = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
DEFAULT_SEVERITY = Severity.WARNING


class ProjectConfigError(ValueError):
    """`[tool.livedag]` is not what livedag understands; the message names the key."""


@dataclass(frozen=True)
class DataflowConfig:
    """One dataflow the user declared: its modules (by name or path), config and inputs."""

    name: str
    modules: tuple[str, ...] = ()
    paths: tuple[Path, ...] = ()
    config: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[str, ...] | None = None
    allow_module_overrides: bool = False


@dataclass(frozen=True)
class ProjectConfig:
    """Everything `[tool.livedag]` says; `root` is the folder of pyproject.toml (or the roots')."""

    root: Path
    pyproject: Path | None = None
    dataflows: tuple[DataflowConfig, ...] = ()
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    severity: Severity = DEFAULT_SEVERITY
    exclude: tuple[str, ...] = ()
    policies: tuple[Policy, ...] = ()  # [[tool.livedag.policies]] (policies.py)

    @cached_property
    def _exclude_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(exclude_pattern(p) for p in self.exclude)

    def is_excluded(self, path: Path) -> bool:
        """Whether `[tool.livedag] exclude` matches `path` or a folder above it (under `root`)."""
        if not self.exclude:
            return False
        try:
            parts = path.resolve().relative_to(self.root.resolve()).parts
        except ValueError:
            return False  # outside the project: no pattern speaks of it
        patterns = self._exclude_patterns
        for end in range(1, len(parts) + 1):
            relative = "/".join(parts[:end])
            if any(p.fullmatch(relative) for p in patterns):
                return True
        return False


def exclude_pattern(glob: str) -> re.Pattern[str]:
    """A regular expression for one `exclude` glob, matched against a path relative to the root.

    `*` and `?` stay within one folder name, `**` spans folders, `[...]` is a character class; a
    glob without `/` (but for a trailing one) may match at any depth; `./name` is at the root.
    """
    glob = glob.strip()
    anchored = glob.startswith("./")
    glob = glob.removeprefix("./").rstrip("/")
    anchored = anchored or "/" in glob
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in glob[i + 2 :]:
            end = glob.index("]", i + 2)
            body = glob[i + 1 : end]
            negate = body.startswith("!")
            members = body.removeprefix("!").replace("\\", "\\\\")
            if members.startswith("^"):
                members = "\\" + members
            out.append("[" + ("^" if negate else "") + members + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(char))
        i += 1
    body = "".join(out)
    return re.compile(body if anchored else f"(?:.*/)?{body}")


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` (a file or a folder)."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_project_config(start: Path) -> ProjectConfig:
    """`[tool.livedag]` of the project `start` lies in; defaults when there is none."""
    pyproject = find_pyproject(start)
    if pyproject is None:
        root = start.resolve()
        return ProjectConfig(root=root if root.is_dir() else root.parent)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectConfigError(f"cannot read {pyproject}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProjectConfigError(f"{pyproject} is not valid TOML: {exc}") from exc
    section = data.get("tool", {}).get("livedag", {})
    return parse_project_config(section, root=pyproject.parent, pyproject=pyproject)


def parse_project_config(
    section: Any, *, root: Path, pyproject: Path | None = None
) -> ProjectConfig:
    """Validate the `[tool.livedag]` table and turn it into a ProjectConfig."""
    where = f"{pyproject or 'pyproject.toml'} [tool.livedag]"
    if not isinstance(section, Mapping):
        raise ProjectConfigError(f"{where}: expected a table, got {_kind(section)}")
    from .policies import parse_policies  # it reads this module's errors and severities

    known = {"dataflows", "select", "ignore", "severity", "exclude", "policies"}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ProjectConfigError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"expected one of {', '.join(sorted(known))}"
        )
    select = section.get("select")
    return ProjectConfig(
        root=root,
        pyproject=pyproject,
        dataflows=_dataflows(section.get("dataflows", ()), root, where),
        select=None if select is None else frozenset(_codes(select, f"{where} select")),
        ignore=frozenset(_codes(section.get("ignore", ()), f"{where} ignore")),
        severity=parse_severity(
            section.get("severity", DEFAULT_SEVERITY.value), f"{where} severity"
        ),
        exclude=_exclude(section.get("exclude", ()), f"{where} exclude"),
        policies=parse_policies(section.get("policies", ()), f"{where} policies"),
    )


def parse_severity(value: Any, where: str = "severity") -> Severity:
    """`error`, `warning` or `info`, as a Severity."""
    try:
        return Severity(value)
    except ValueError:
        raise ProjectConfigError(
            f"{where}: expected one of error, warning, info; got {value!r}"
        ) from None


def parse_codes(values: Sequence[str], where: str) -> list[str]:
    """LD codes from a list such as ["LD001", "ld002"] (also comma-separated items)."""
    codes: list[str] = []
    for value in values:
        for part in str(value).split(","):
            code = part.strip().upper()
            if not code:
                continue
            if not CODE_PATTERN.match(code):
                raise ProjectConfigError(f"{where}: {part.strip()!r} is not an LD code like LD001")
            codes.append(code)
    return codes


def _codes(value: Any, where: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ProjectConfigError(
            f'{where}: expected a list of LD codes such as ["LD001"], got {_kind(value)}'
        )
    return parse_codes(value, where)


def _exclude(value: Any, where: str) -> tuple[str, ...]:
    globs = _strings(value, where, 'globs such as "scripts/*.py"')
    for glob in globs:
        path = PurePosixPath(glob.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or Path(glob).is_absolute():
            raise ProjectConfigError(
                f"{where}: {glob!r} must be relative to the folder of pyproject.toml "
                f'(e.g. "scripts/*.py"), without ".."'
            )
    return globs


def _dataflows(value: Any, root: Path, where: str) -> tuple[DataflowConfig, ...]:
    entries: list[tuple[str | None, Any, str]]
    if isinstance(value, Mapping):
        entries = [(name, body, f"{where} dataflows.{name}") for name, body in value.items()]
    elif isinstance(value, Sequence) and not isinstance(value, str):
        entries = [(None, body, f"{where} dataflows[{i}]") for i, body in enumerate(value)]
    else:
        raise ProjectConfigError(
            f"{where} dataflows: expected an array of tables ([[tool.livedag.dataflows]]) "
            f"or a table keyed by dataflow name, got {_kind(value)}"
        )
    out: list[DataflowConfig] = []
    seen: set[str] = set()
    for name, body, here in entries:
        flow = _dataflow(name, body, root, here)
        if flow.name in seen:
            raise ProjectConfigError(f"{here}: a dataflow named {flow.name!r} is declared twice")
        seen.add(flow.name)
        out.append(flow)
    return tuple(out)


def _dataflow(name: str | None, body: Any, root: Path, where: str) -> DataflowConfig:
    if not isinstance(body, Mapping):
        raise ProjectConfigError(f"{where}: expected a table, got {_kind(body)}")
    known = {"name", "modules", "paths", "config", "inputs", "allow_module_overrides"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise ProjectConfigError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"expected {', '.join(sorted(known))}"
        )
    name = body.get("name", name)
    if not isinstance(name, str) or not name:
        raise ProjectConfigError(f"{where} name: expected a non-empty string, got {_kind(name)}")
    modules = _strings(body.get("modules", ()), f"{where} modules", "module names")
    paths = tuple(
        (root / p).resolve() for p in _strings(body.get("paths", ()), f"{where} paths", "paths")
    )
    if not modules and not paths:
        raise ProjectConfigError(
            f"{where}: dataflow {name!r} needs `modules` (module names) or `paths` "
            f"(files or folders relative to pyproject.toml)"
        )
    config = body.get("config", {})
    if not isinstance(config, Mapping):
        raise ProjectConfigError(
            f'{where} config: expected a table such as {{ region = "US" }}, got {_kind(config)}'
        )
    inputs = body.get("inputs")
    overrides = body.get("allow_module_overrides", False)
    if not isinstance(overrides, bool):
        raise ProjectConfigError(
            f"{where} allow_module_overrides: expected true or false, got {_kind(overrides)}"
        )
    return DataflowConfig(
        name=name,
        modules=modules,
        paths=paths,
        config=dict(config),
        inputs=None if inputs is None else _strings(inputs, f"{where} inputs", "input names"),
        allow_module_overrides=overrides,
    )


def _strings(value: Any, where: str, what: str) -> tuple[str, ...]:
    if (
        isinstance(value, str)
        or not isinstance(value, Sequence)
        or not all(isinstance(v, str) and v for v in value)
    ):
        raise ProjectConfigError(f"{where}: expected a list of {what} (strings), got {value!r}")
    return tuple(value)


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


# --- the project's environment -------------------------------------------------------------------


class Environment:
    """The Python environment the project's code runs in, seen from outside: which top-level
    packages its site-packages folders hold.  Nothing is imported (an import would run the
    package's code); the folders are only listed, once, when first asked.

    Which environment: the active virtualenv (`$VIRTUAL_ENV`), else a `.venv` or `venv` folder
    of the project, else the interpreter livedag runs in (its `sys.path`).  A `.pth` file's
    folders are listed too (editable installs).
    """

    def __init__(self, folders: Sequence[Path]):
        self.folders = tuple(folders)
        self._packages: frozenset[str] | None = None

    def has(self, package: str) -> bool:
        """Whether top-level package `package` (an import name: `yaml`, `sklearn`) is there."""
        if self._packages is None:
            self._packages = frozenset(_top_level_names(self.folders))
        return package.split(".")[0] in self._packages


def project_environment(root: Path) -> Environment:
    """The environment of the project at `root` (see `Environment`)."""
    virtualenv = os.environ.get("VIRTUAL_ENV")
    candidates = [Path(virtualenv)] if virtualenv else []
    candidates += [root / ".venv", root / "venv"]
    for prefix in candidates:
        if (prefix / "pyvenv.cfg").is_file():
            return Environment(_site_packages(prefix))
    return Environment([Path(p) for p in sys.path if p and Path(p).is_dir()])


def _site_packages(prefix: Path) -> list[Path]:
    found = sorted(prefix.glob("lib*/python3*/site-packages"))
    found += [prefix / "Lib" / "site-packages"]  # Windows
    return [p for p in found if p.is_dir()]


def _top_level_names(folders: Sequence[Path]) -> set[str]:
    """Importable top-level names in `folders` and in the folders their `.pth` files add."""
    names: set[str] = set()
    added: list[Path] = []
    for folder in folders:
        added.extend(_list_folder(folder, names, pth=True))
    for folder in added:
        _list_folder(folder, names, pth=False)
    return names


def _list_folder(folder: Path, names: set[str], *, pth: bool) -> list[Path]:
    """Adds the packages and modules in `folder` to `names`; the folders its `.pth` files add."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    more: list[Path] = []
    for entry in entries:
        name = entry.name
        if entry.is_dir():
            if name.isidentifier():
                names.add(name)  # a package, or a namespace package
        elif name.endswith((".py", ".so", ".pyd")):
            names.add(name.split(".")[0])
        elif pth and name.endswith(".pth"):
            more.extend(_pth_folders(Path(entry.path)))
    return more


def _pth_folders(pth: Path) -> list[Path]:
    """The folders a `.pth` file adds to `sys.path` (its `import` lines are not run)."""
    try:
        lines = pth.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    out = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith(("#", "import ", "import\t")):
            folder = (pth.parent / line).resolve()
            if folder.is_dir():
                out.append(folder)
    return out
