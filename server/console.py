"""How the `livedag` command talks to its terminal, shared by its commands.

- Output survives a reader that stops early (`livedag graph | head`): the rest is dropped and
  the command ends with the status it would have had, as ripgrep does, not with a traceback.
- Every mistake is one line on stderr that says what to do, and exit status 2: bad arguments
  (argparse's own errors included), missing or unreadable paths, no Python file to read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from .selection import Scope


class UsageError(Exception):
    """The command cannot run as asked; the message says what to change."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors as one line that points at `--help` (not the whole usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


_closed: list[IO[str]] = []  # streams whose reader went away: written to no more


def out(text: str) -> None:
    """Write to stdout; when the reader has gone, drop this and everything after it."""
    _write(sys.stdout, text)


def note(text: str) -> None:
    """One line for the user on stderr (never mixed into the answer on stdout)."""
    _write(sys.stderr, text.rstrip("\n") + "\n")


def out_json(document: Any) -> None:
    out(json.dumps(document, indent=2) + "\n")


def _write(stream: IO[str], text: str) -> None:
    if any(stream is gone for gone in _closed):
        return
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        _closed.append(stream)
        _silence(stream)


def _silence(stream: IO[str]) -> None:
    """Point the stream's file at /dev/null, so the flush at exit cannot fail again."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a real file (a test's capture): nothing will flush it at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


# --- arguments -----------------------------------------------------------------------------------


def parse_config(items: Sequence[str] | None) -> dict[str, Any]:
    """`KEY=VALUE` pairs; VALUE is JSON when it parses as JSON (`true`, `3`), else a string."""
    config: dict[str, Any] = {}
    for item in items or ():
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--config expects KEY=VALUE (e.g. --config region=eu), got {item!r}")
        try:
            config[key.strip()] = json.loads(raw)
        except ValueError:
            config[key.strip()] = raw
    return config


def existing_paths(paths: Sequence[str]) -> list[Path]:
    """The paths, each an existing folder or `.py` file (else a UsageError saying which)."""
    found = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"cannot read {raw}: no such file or directory")
        if path.is_file() and path.suffix != ".py":
            raise UsageError(f"{raw} is not a Python file; give .py files or folders")
        found.append(path)
    return found


def refuse_unreadable(unreadable: Mapping[Path, str]) -> None:
    if unreadable:
        path, reason = next(iter(sorted(unreadable.items())))
        more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
        raise UsageError(f"cannot read {path}: {reason}{more}; fix it or leave it out of the paths")


def scope_of(args: argparse.Namespace) -> Scope:
    """The workspace of the command's paths and config, read as `lint` reads it."""
    from .selection import open_scope

    scope = open_scope(
        existing_paths(args.paths),
        parse_config(args.config),
        resolve_imports=args.resolve_imports,
    )
    refuse_unreadable(scope.workspace.unreadable)
    return scope
