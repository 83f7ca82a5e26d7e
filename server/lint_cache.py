"""A whole `livedag lint` answer, kept for a run on an unchanged repository (pre-commit, CI).

The per-module analysis cache (`analysis_cache.py`) spares the analysis; linking 20,000 nodes
still takes a second or two.  A lint run whose every input is as it was gives the same answer,
so that answer is kept too, beside the analyses: what it printed (stdout and stderr) and its exit
status, under a key of everything that decides it.

- In the key: livedag's version and the digest of all its code, the Python version, the
  working folder (paths are printed relative to it) and every argument.
- Checked on load: every file the run read (text hash), the list of Python files under the
  folders it read (a new file is a miss), pyproject.toml (found again from the same folder, its
  hash), and the top-level packages of the project's environment (plugins shape the graph).
- Never kept: a run that asked jedi about an imported name (installed packages decide that
  answer, and they can change in place), one with unreadable files, one whose driver names
  modules that were not found (a file appearing above the given folder could be one), one that
  ended in an error or whose output could not be written.

Entries are JSON (nothing is unpickled), written atomically as analysis entries are, counted
in the same folder bound, removed by `livedag cache clear`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .analysis_cache import FORMAT, AnalysisCache, default_cache, livedag_version, text_hash

if TYPE_CHECKING:
    from .selection import Scope

log = logging.getLogger(__name__)

SUFFIX = ".ldlint"


def package_digest() -> str:
    """A digest of all of livedag's code (a lint answer depends on every part of it)."""
    from livedag import engine, server

    return _digest_of(Path(server.__file__ or "").parent, Path(engine.__file__ or "").parent)


_digests: dict[tuple[Path, ...], str] = {}


def _digest_of(*roots: Path) -> str:
    if roots not in _digests:
        digest = hashlib.blake2b(digest_size=16)
        for root in roots:
            for file in sorted(root.rglob("*")):
                if file.suffix in (".py", ".html", ".js", ".json") and file.is_file():
                    digest.update(str(file.relative_to(root)).encode())
                    digest.update(file.read_bytes())
        _digests[roots] = digest.hexdigest()
    return _digests[roots]


def _key(args: argparse.Namespace) -> str:
    arguments = sorted((k, repr(v)) for k, v in vars(args).items() if k != "run")
    fields = (
        FORMAT,
        "lint",
        livedag_version(),
        package_digest(),
        sys.version_info[:2],
        os.getcwd(),
        arguments,
    )
    return hashlib.blake2b(repr(fields).encode(), digest_size=20).hexdigest()


def _environment(root: Path) -> str:
    from .project import _top_level_names, project_environment

    names = sorted(_top_level_names(project_environment(root).folders))
    return hashlib.blake2b("\n".join(names).encode(), digest_size=16).hexdigest()


def _file_hash(path: Path) -> str | None:
    try:
        return text_hash(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def _listing(roots: list[Path]) -> tuple[list[str], str | None, str]:
    """The Python files under `roots`, the pyproject.toml that applies and the environment."""
    from .discovery import python_files
    from .project import load_project_config

    project = load_project_config(roots[0])
    files = [str(p) for p in python_files(roots, project.is_excluded)]
    pyproject = None if project.pyproject is None else str(project.pyproject)
    return files, pyproject, _environment(project.root)


def _holds(record: dict[str, Any]) -> bool:
    roots = [Path(r) for r in record["roots"]]
    files, pyproject, environment = _listing(roots)
    if sorted(files) != sorted(record["listing"]) or pyproject != record["pyproject"]:
        return False
    if environment != record["environment"]:
        return False
    return all(_file_hash(Path(path)) == hashed for path, hashed in record["files"])


class _Tee:
    """A stream that also keeps what is written to it."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.kept: list[str] = []

    def write(self, text: str) -> int:
        written = self.stream.write(text)
        self.kept.append(text)
        return written

    def flush(self) -> None:
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()


def lint_with_cache(
    args: argparse.Namespace, lint: Callable[[argparse.Namespace], tuple[int, Scope]]
) -> int:
    """Replay the kept answer for this run when every input is as it was; else run `lint`
    (which returns its status and the scope it read) and keep its answer when that is sound."""
    cache = default_cache()
    if cache is None:
        return lint(args)[0]
    try:
        key = _key(args)
    except OSError as exc:  # the code cannot be read: no answer can be known to hold
        log.debug("lint cache: no key (%s)", exc)
        return lint(args)[0]
    record = _load(cache, key)
    if record is not None:
        sys.stdout.write(record["stdout"])
        sys.stdout.flush()
        sys.stderr.write(record["stderr"])
        sys.stderr.flush()
        return int(record["status"])
    out, err = _Tee(sys.stdout), _Tee(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        status, scope = lint(args)
    finally:
        sys.stdout, sys.stderr = out.stream, err.stream
    from . import console

    tees: tuple[object, ...] = (out, err)
    if any(gone is tee for gone in console._closed for tee in tees):
        return status  # the reader went away: the answer was not all written
    try:
        _keep(cache, key, scope, status, "".join(out.kept), "".join(err.kept))
    except Exception:  # keeping the answer is a saving, never a failure of the command
        log.debug("lint cache: answer not kept", exc_info=True)
    return status


def _load(cache: AnalysisCache, key: str) -> dict[str, Any] | None:
    data = cache.load_bytes(key, SUFFIX)
    if data is None:
        return None
    try:
        record = json.loads(data)
        return record if isinstance(record, dict) and _holds(record) else None
    except (ValueError, KeyError, TypeError, OSError) as exc:
        log.debug("lint cache: entry %s unusable (%s); linting", key, exc)
        return None


def _keep(
    cache: AnalysisCache, key: str, scope: Scope, status: int, stdout: str, stderr: str
) -> None:
    workspace = scope.workspace
    if workspace.asked_jedi or workspace.unreadable or scope.missing:
        return
    roots = list(workspace.roots)
    listing, pyproject, environment = _listing(roots)
    snapshot = workspace.snapshot
    read = snapshot.paths()
    if sorted(str(p) for p in read) != sorted(listing):
        return  # the files changed while linting: this answer may speak of neither version
    files: list[tuple[str, str | None]] = []
    for path in read:
        analysis = snapshot.module(path)
        if analysis is None:
            return
        files.append((str(path), text_hash(analysis.text)))
    if pyproject is not None:
        files.append((pyproject, _file_hash(Path(pyproject))))
    record = {
        "roots": [str(r) for r in roots],
        "listing": listing,
        "pyproject": pyproject,
        "environment": environment,
        "files": files,
        "stdout": stdout,
        "stderr": stderr,
        "status": status,
    }
    cache.store_bytes(key, SUFFIX, json.dumps(record).encode())
