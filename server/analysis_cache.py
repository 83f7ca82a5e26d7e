"""Each module's analysis kept on disk between runs, so a restart on unchanged files is quick.

An entry holds one `ModuleAnalysis`, keyed by what decides it: the module's name and path, the
hash of its text, the Python version (the grammar) and livedag's own code (version and a digest of
the analyzer's and engine's source, so an edited checkout never reads entries an older analyzer
wrote).  What else an analysis read is recorded in the entry and checked on load: every other
workspace module it asked about (a constant, its functions, a re-export), transitively, as the
path the name resolved to and the hash of that module's text.  An entry whose analysis used an
answer from jedi is never written: the one written is the analysis a fresh process makes, with
those names still pending, which the workspace then resolves as it would cold.

Safety: a write goes to a temporary file in the same folder and is renamed over the entry
(`os.replace`, atomic), so a reader sees the old entry or the new one, never half of one, with any
number of servers and `livedag lint` runs sharing the folder.  Every entry starts with a magic
number, the format number and a digest of the rest; anything that does not check out (truncated,
garbage, another format, another key) is a miss, logged at debug level, and is overwritten by the
fresh analysis.  The folder is bounded (`LIVEDAG_CACHE_MAX_MB`, in MiB, default 256): after
writing, the least recently used entries go until it is under 80 % of the bound.  `livedag cache
clear` empties it; `LIVEDAG_CACHE_DIR` moves it; `LIVEDAG_NO_CACHE=1` or `--no-cache` turns it
off.  Only plain data is stored (specs, problems, driver uses): an analysis holding anything else
(a lambda read from a decorator keeps its evaluator) is analysed at every start, and an entry
that names any other class or callable is not loaded (a pickle may name `os.system`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import logging
import os
import pickle
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import Location, TypeRef

if TYPE_CHECKING:
    from .analyzer import ModuleAnalysis

log = logging.getLogger(__name__)

# Bump when the stored shape changes (the entry tuple, or how an analysis is pickled).
FORMAT = 1
MAGIC = b"LDAC"
_HEADER = len(MAGIC) + 2 + 16  # magic, format (2 bytes), blake2b-128 of the payload
DEFAULT_MAX_MB = 256
_TEMP_SUFFIX = ".ldtmp"  # only files livedag names so are ever removed
_STALE_TEMP_S = 3600  # a temporary file this old was left by a process that died mid-write

_enabled = True


def set_enabled(enabled: bool) -> None:
    """Turn the cache on or off for this process (`--no-cache`)."""
    global _enabled
    _enabled = enabled


def cache_folder() -> Path:
    """Where entries live: $LIVEDAG_CACHE_DIR, else the user cache folder's livedag/analysis."""
    explicit = os.environ.get("LIVEDAG_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "livedag" / "analysis"


def default_cache() -> AnalysisCache | None:
    """The cache this process uses, or None when it is turned off."""
    if not _enabled or os.environ.get("LIVEDAG_NO_CACHE", "") not in ("", "0"):
        return None
    try:
        max_mb = float(os.environ.get("LIVEDAG_CACHE_MAX_MB", DEFAULT_MAX_MB))
    except ValueError:
        log.warning("LIVEDAG_CACHE_MAX_MB is not a number; using %s", DEFAULT_MAX_MB)
        max_mb = DEFAULT_MAX_MB
    return AnalysisCache(cache_folder(), max_bytes=int(max_mb * 1024 * 1024))


def livedag_version() -> str:
    """livedag's version (a function, so tests can pretend another one)."""
    return _installed_version()


@functools.cache
def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("livedag")
    except PackageNotFoundError:
        return "unknown"


@functools.cache
def code_digest() -> str:
    """A digest of the code that decides an analysis: the analyzer's and the engine's sources.

    The version alone would not do in a checkout, where the code changes under one version."""
    from livedag import engine

    from . import analyzer

    digest = hashlib.blake2b(digest_size=16)
    for package in (analyzer, engine):
        root = Path(package.__file__ or "").parent
        for file in sorted(root.rglob("*.py")):
            digest.update(str(file.relative_to(root)).encode())
            try:
                digest.update(file.read_bytes())
            except OSError:
                digest.update(b"?")
    return digest.hexdigest()


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Read:
    """One question an analysis asked about another workspace module: `module` as written, seen
    from the file at `near`, resolved to `path` (None: not in the workspace), whose text then
    hashed to `text_hash` (None: it could not be read)."""

    module: str
    near: str
    path: str | None
    text_hash: str | None


@dataclass(frozen=True)
class Entry:
    """One module's analysis and what it depends on besides its own text."""

    module: str
    path: str
    text_hash: str
    reads: tuple[Read, ...]
    analysis: ModuleAnalysis

    def modules_read(self) -> frozenset[str]:
        """The module names this module's own blocks asked about (not those of its reads)."""
        return frozenset(r.module for r in self.reads if r.near == self.path)


class AnalysisCache:
    """The folder of entries (see the module docstring)."""

    def __init__(self, folder: Path, *, max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self._usable: bool | None = None

    # --- keys ------------------------------------------------------------------------------

    def key(self, module: str, path: str, text: str) -> tuple[str, str]:
        """(the entry's file stem, the text's hash)."""
        hashed = text_hash(text)
        fields = (
            FORMAT,
            livedag_version(),
            code_digest(),
            sys.version_info[:2],
            module,
            path,
            hashed,
        )
        stem = hashlib.blake2b(repr(fields).encode(), digest_size=20).hexdigest()
        return stem, hashed

    def _file(self, stem: str) -> Path:
        return self.folder / f"{stem}.ldac"

    # --- reading ---------------------------------------------------------------------------

    def load(self, module: str, path: str, text: str) -> Entry | None:
        """The entry for this text of this module, when there is a sound one (its reads are
        the caller's to check)."""
        stem, hashed = self.key(module, path, text)
        file = self._file(stem)
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.debug("analysis cache: cannot read %s (%s); analysing %s", file, exc, path)
            return None
        entry = _decode(data, file)
        if entry is None:
            return None
        if (entry.module, entry.path, entry.text_hash) != (module, path, hashed):
            log.debug("analysis cache: %s belongs to another module; analysing %s", file, path)
            return None
        try:
            os.utime(file)  # recently used: eviction takes the oldest first
        except OSError:
            pass
        analysis = dataclasses.replace(entry.analysis, text=text)
        return dataclasses.replace(entry, analysis=analysis)

    # --- writing ---------------------------------------------------------------------------

    def store(self, entry: Entry) -> bool:
        """Write `entry` atomically; False when it could not be written (said at debug)."""
        if not self._ensure_folder():
            return False
        stem, hashed = self.key(entry.module, entry.path, entry.analysis.text)
        if hashed != entry.text_hash:
            raise ValueError("entry's text_hash does not match its analysis text")
        try:
            payload = _encode(entry)
        except Exception as exc:  # an unpicklable value in an analysis: that module stays cold
            log.debug("analysis cache: cannot store %s (%s)", entry.path, exc)
            return False
        return self._write(self._file(stem), _sealed(payload))

    def store_bytes(self, stem: str, suffix: str, payload: bytes) -> bool:
        """Keep `payload` (another kind of entry, `lint_cache`'s) under `stem + suffix`."""
        return self._ensure_folder() and self._write(
            self.folder / (stem + suffix), _sealed(payload)
        )

    def load_bytes(self, stem: str, suffix: str) -> bytes | None:
        """What `store_bytes` kept, when it is whole; else None (said at debug)."""
        file = self.folder / (stem + suffix)
        try:
            data = file.read_bytes()
        except OSError:
            return None
        payload = _unsealed(data, file)
        if payload is not None:
            try:
                os.utime(file)
            except OSError:
                pass
        return payload

    def _write(self, file: Path, data: bytes) -> bool:
        """Write `data` to `file` atomically: a temporary file renamed over it."""
        try:
            fd, temp = tempfile.mkstemp(
                prefix=file.stem + ".", suffix=_TEMP_SUFFIX, dir=self.folder
            )
            try:
                with os.fdopen(fd, "wb") as stream:
                    stream.write(data)
                os.replace(temp, file)
            except BaseException:
                _unlink(Path(temp))
                raise
        except OSError as exc:
            log.debug("analysis cache: cannot write %s (%s)", file, exc)
            return False
        return True

    def _ensure_folder(self) -> bool:
        if self._usable is None:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._usable = os.access(self.folder, os.W_OK)
            except OSError as exc:
                self._usable = False
                log.warning(
                    "livedag: cannot use the analysis cache folder %s (%s); set "
                    "LIVEDAG_CACHE_DIR to a writable folder, or LIVEDAG_NO_CACHE=1",
                    self.folder,
                    exc.strerror or exc,
                )
        return self._usable

    # --- size ------------------------------------------------------------------------------

    def prune(self) -> int:
        """Evict the least recently used entries while the folder is over its bound (down to
        80 % of it), and temporary files a crashed writer left; how many files went."""
        files = self._files()
        now = time.time()
        gone = 0
        entries = []
        total = 0
        for file, size, mtime in files:
            if file.name.endswith(_TEMP_SUFFIX):
                if now - mtime > _STALE_TEMP_S and _unlink(file):
                    gone += 1
                continue
            entries.append((mtime, size, file))
            total += size
        if total <= self.max_bytes:
            return gone
        entries.sort()
        target = self.max_bytes * 0.8
        for _mtime, size, file in entries:
            if total <= target:
                break
            if _unlink(file):
                gone += 1
            total -= size  # gone already (another process pruning) counts as gone too
        return gone

    def clear(self) -> int:
        """Remove every entry; how many went."""
        return sum(1 for file, _, _ in self._files() if _unlink(file))

    def info(self) -> dict[str, Any]:
        files = [f for f in self._files() if not f[0].name.endswith(_TEMP_SUFFIX)]
        return {
            "folder": str(self.folder),
            "entries": sum(1 for f in files if f[0].suffix == ".ldac"),
            "lint_answers": sum(1 for f in files if f[0].suffix == ".ldlint"),
            "bytes": sum(size for _, size, _ in files),
            "max_bytes": self.max_bytes,
        }

    def _files(self) -> list[tuple[Path, int, float]]:
        found = []
        try:
            with os.scandir(self.folder) as scan:
                for item in scan:
                    if not item.name.endswith((".ldac", ".ldlint", _TEMP_SUFFIX)):
                        continue  # never touch what livedag did not write
                    try:
                        stat = item.stat()
                    except OSError:
                        continue
                    found.append((Path(item.path), stat.st_size, stat.st_mtime))
        except OSError:
            return []
        return found


def _unlink(file: Path) -> bool:
    try:
        file.unlink()
        return True
    except OSError:
        return False


# --- the bytes of an entry ------------------------------------------------------------------


class _Pickler(pickle.Pickler):
    """Pickles an entry so that it loads quickly: equal type annotations shared (a module says
    `pd.Series` hundreds of times), anchored locations without their anchors (see below), and
    the specs' slotted dataclasses as a call of their class with
    their field values (pickle's own way for those calls `dataclasses.fields` once per object on
    load, several times slower)."""

    def __init__(self, stream: io.BytesIO) -> None:
        super().__init__(stream, protocol=5)
        self._types: dict[tuple[Any, ...], TypeRef] = {}

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
            module = getattr(obj, "__module__", None)
            if obj is _same or (isinstance(obj, type) and _ours(module)):
                return NotImplemented  # pickled by reference (`_Unpickler` takes these only)
            raise pickle.PicklingError(f"{obj!r} is not part of an analysis")
        if not _ours(kind.__module__):
            # An analyzer object that holds its evaluator (a lambda read from a decorator) or
            # anything else that is not plain data: that module is analysed at every start.
            raise pickle.PicklingError(f"a {kind.__qualname__} is not plain data")
        if kind is TypeRef and obj.obj is None:
            key = (obj.text, obj.qualified, obj.fields)
            first = self._types.setdefault(key, obj)
            if first is not obj:
                return _same, (first,)
        elif isinstance(obj, Location) and kind is not Location:
            # An editor's location moves with its block; loaded, it is where the block was
            # written, bound to no block: an anchored location without an anchor.  (A plain
            # `Location` would claim to stay with an equal anchored one, and an expansion cache
            # would keep a node whose lines no longer follow the text.)
            values = (obj.path, obj.line, obj.column, obj.end_line, obj.end_column)
            return _anchored_location(), values
        names = _slotted_fields(kind)
        if names is None:
            return NotImplemented
        return kind, tuple([getattr(obj, name) for name in names])


# Where the classes of an analysis come from: a value of another kind is not stored, and an
# entry that names anything else is not loaded (a pickle can name any callable: this one may
# only name these classes, `_same`, and a few builtins).
_OURS = frozenset(
    {
        "builtins",
        "livedag.engine.specs",
        "livedag.engine.codes",
        "livedag.server.analyzer.model",
        "livedag.server.analyzer.anchors",
        "livedag.server.analysis_cache",
    }
)
_BUILTINS = frozenset(
    {"frozenset", "set", "complex", "bytearray", "slice", "range", "Ellipsis", "NotImplemented"}
)


def _ours(module: str | None) -> bool:
    return module in _OURS


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "builtins" and name in _BUILTINS:
            return super().find_class(module, name)
        if module in _OURS and module != "builtins":
            found = super().find_class(module, name)
            if isinstance(found, type) or found is _same:
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of an analysis")


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _slotted_fields(kind: type) -> tuple[str, ...] | None:
    """The field names of a slotted dataclass whose `__init__` is the one dataclasses wrote, so
    that calling the class with its field values in order makes an equal object; else None."""
    if kind in _FIELDS:
        return _FIELDS[kind]
    names = None
    if (
        dataclasses.is_dataclass(kind)
        and "__slots__" in kind.__dict__
        # not when it says how it pickles, or its __init__ does more
        and not any(n in kind.__dict__ for n in ("__reduce__", "__reduce_ex__", "__post_init__"))
    ):
        init = getattr(kind.__dict__.get("__init__"), "__code__", None)
        fields = dataclasses.fields(kind)
        if init is not None and init.co_filename == "<string>" and all(f.init for f in fields):
            names = tuple(f.name for f in fields)
    _FIELDS[kind] = names
    return names


def _same(obj: Any) -> Any:
    return obj


@functools.cache
def _anchored_location() -> type[Location]:
    from .analyzer.anchors import AnchoredLocation

    return AnchoredLocation


def _encode(entry: Entry) -> bytes:
    stream = io.BytesIO()
    # The text is the module's file: it is not stored again, only its hash (in the key).
    stored = dataclasses.replace(entry, analysis=dataclasses.replace(entry.analysis, text=""))
    _Pickler(stream).dump(stored)
    return stream.getvalue()


def _sealed(payload: bytes) -> bytes:
    digest = hashlib.blake2b(payload, digest_size=16).digest()
    return MAGIC + FORMAT.to_bytes(2, "big") + digest + payload


def _unsealed(data: bytes, file: Path) -> bytes | None:
    """The payload, when `data` is a whole entry of this format; else None (said at debug)."""
    if len(data) < _HEADER or not data.startswith(MAGIC):
        log.debug("analysis cache: %s is not an entry; it will be replaced", file)
        return None
    if int.from_bytes(data[len(MAGIC) : len(MAGIC) + 2], "big") != FORMAT:
        log.debug("analysis cache: %s has another format; it will be replaced", file)
        return None
    payload = data[_HEADER:]
    if hashlib.blake2b(payload, digest_size=16).digest() != data[len(MAGIC) + 2 : _HEADER]:
        log.debug("analysis cache: %s is damaged (digest); it will be replaced", file)
        return None
    return payload


def _decode(data: bytes, file: Path) -> Entry | None:
    payload = _unsealed(data, file)
    if payload is None:
        return None
    try:
        entry = _Unpickler(io.BytesIO(payload)).load()
    except Exception as exc:  # written by a livedag whose classes differ: a miss
        log.debug("analysis cache: cannot load %s (%s); it will be replaced", file, exc)
        return None
    if not isinstance(entry, Entry):
        log.debug("analysis cache: %s holds no entry; it will be replaced", file)
        return None
    return entry
