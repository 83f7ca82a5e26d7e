"""The two sides of `livedag diff`: a git revision's files, or a folder, as a folder to read.

A revision is read from git's object store (`git ls-tree` lists it, `git cat-file --batch` reads
every blob in one process) into a temporary folder: the work tree, the index and HEAD are never
touched, and nothing is run.  Only what the analysis reads is copied: `.py` files and
`pyproject.toml`; the work tree's `.venv` (or `venv`) is linked in, so both sides see the same
installed packages (livedag lists their folders; it never imports them).  Where the command
runs inside the repository (a subfolder), the same subfolder of the revision is compared.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .console import UsageError


@dataclass(frozen=True)
class Side:
    """One side of a diff: what the user named it, and the folder that holds its files."""

    label: str  # "main", "HEAD~1", "old/" or "working tree"
    folder: Path  # the compared folder (inside `root`)
    root: Path  # where paths are shown relative to (the repository's top, or the folder)
    # A revision read into a temporary folder: its paths never come back, so entries of the
    # on-disk analysis cache written for them could never be used again.
    temporary: bool = False


class DiffSources:
    """Opens the sides; temporary folders are removed by `close` (use it as a context)."""

    def __init__(self, cwd: Path | None = None) -> None:
        self.cwd = (cwd or Path.cwd()).resolve()
        self._temporary: list[tempfile.TemporaryDirectory[str]] = []

    def __enter__(self) -> DiffSources:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for folder in self._temporary:
            folder.cleanup()
        self._temporary.clear()

    def side(self, given: str | None, other_is_folder: bool = False) -> Side:
        """`given` as a folder (when one exists by that name) or a git revision; None: the work
        tree (the files on disk)."""
        if given is None:
            return Side("working tree", self.cwd, self._top() or self.cwd)
        candidate = (self.cwd / given).resolve()
        if candidate.is_dir():
            return Side(given, candidate, candidate)
        if other_is_folder:
            raise UsageError(
                f"{given!r} is no folder; compare two folders (livedag diff OLD_DIR NEW_DIR) or "
                "two git revisions (livedag diff main HEAD)"
            )
        return self._revision(given)

    def _top(self) -> Path | None:
        done = self._git("rev-parse", "--show-toplevel", check=False)
        return Path(done.stdout.strip()).resolve() if done.returncode == 0 else None

    def _git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.cwd, capture_output=True, text=True, check=False
            )
        except FileNotFoundError:
            raise UsageError(
                "git is not installed (or not on PATH); to compare folders, give two folders"
            ) from None
        if check and done.returncode != 0:
            raise UsageError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
        return done

    def _revision(self, revision: str) -> Side:
        top = self._top()
        if top is None:
            raise UsageError(
                f"{revision!r} is no folder, and {self.cwd} is not inside a git repository, so "
                "it cannot be a revision either; give two folders or run inside the repository"
            )
        verified = self._git(
            "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False
        )
        if verified.returncode != 0:
            raise UsageError(
                f"{revision!r} is neither a folder nor a git revision of {top} "
                "(try a branch, a tag, a commit or HEAD~1)"
            )
        commit = verified.stdout.strip()
        listing = self._git("ls-tree", "-r", "-z", "--full-tree", commit).stdout
        wanted: list[tuple[str, str]] = []  # (blob id, path)
        for entry in listing.split("\0"):
            if not entry:
                continue
            meta, _, path = entry.partition("\t")
            mode, kind, blob = meta.split()
            name = PurePosixPath(path).name
            if (
                kind == "blob"
                and mode != "120000"
                and (name.endswith(".py") or name == "pyproject.toml")
            ):
                wanted.append((blob, path))
        holder = tempfile.TemporaryDirectory(prefix="livedag-diff-")
        self._temporary.append(holder)
        root = Path(holder.name).resolve() / "tree"
        root.mkdir()
        for path, data in zip(
            (p for _, p in wanted), self._blobs([b for b, _ in wanted]), strict=True
        ):
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for venv in (".venv", "venv"):  # the same environment as the work tree (plugins)
            if (top / venv / "pyvenv.cfg").is_file() and not (root / venv).exists():
                (root / venv).symlink_to(top / venv, target_is_directory=True)
        inside = self.cwd.relative_to(top)
        folder = root / inside
        if not folder.is_dir():
            raise UsageError(
                f"{inside.as_posix()} does not exist at {revision} ({commit[:12]}); nothing to "
                "compare there"
            )
        return Side(revision, folder, root, temporary=True)

    def _blobs(self, blobs: list[str]) -> list[bytes]:
        """The contents of `blobs`, read by one `git cat-file --batch`."""
        if not blobs:
            return []
        done = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=self.cwd,
            input=("\n".join(blobs) + "\n").encode(),
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise UsageError(f"git cat-file: {done.stderr.decode(errors='replace').strip()}")
        out, data, at = [], done.stdout, 0
        for _ in blobs:
            header_end = data.index(b"\n", at)
            size = int(data[at:header_end].split()[2])
            start = header_end + 1
            out.append(data[start : start + size])
            at = start + size + 1  # the newline after each blob
        return out
