"""An entry is used only while everything its analysis read is as it was: the file's text, the
modules it read names from (transitively, and which file a name resolves to), livedag's version
and code; whatever else is in the folder (garbage, a truncated entry, another format, another
module's entry) is a miss that the fresh analysis replaces."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from livedag.server import analysis_cache
from livedag.server.analysis_cache import FORMAT, MAGIC, AnalysisCache
from livedag.server.workspace import Workspace

from .compare import everything, from_cache

CONSTANTS = """
    BASE = "a"
"""
COLUMNS = """
    from constants import BASE

    COLUMNS = [BASE, "b"]
"""
FEATURES = """
    import pandas as pd
    from hamilton.function_modifiers import extract_columns

    from columns import COLUMNS


    @extract_columns(*COLUMNS)
    def frame(raw: pd.DataFrame) -> pd.DataFrame:
        return raw


    def rows(raw: pd.DataFrame) -> int:
        return len(raw) + 1
"""


def _index(root: Path, cache: AnalysisCache | bool = True) -> Workspace:
    workspace = Workspace([root], cache=cache)
    workspace.index()
    return workspace


def _names(workspace: Workspace) -> set[str]:
    return {str(n) for view in workspace.snapshot.dataflows for n in view.graph.nodes}


@pytest.fixture
def project(write: Callable[..., Path], cache: AnalysisCache) -> Path:
    root = write(constants=CONSTANTS, columns=COLUMNS, features=FEATURES)
    _index(root)  # fills the cache
    warm = _index(root)
    assert from_cache(warm) == set(warm.snapshot.paths())
    return root


def _same_as_cold(root: Path) -> Workspace:
    warm = _index(root)
    assert everything(warm.snapshot) == everything(_index(root, False).snapshot)
    return warm


def test_an_edited_file_is_analysed_again(project: Path) -> None:
    features = project / "features.py"
    features.write_text(features.read_text().replace("+ 1", "+ 2"))
    warm = _same_as_cold(project)
    assert from_cache(warm) == {project / "constants.py", project / "columns.py"}
    assert from_cache(_index(project)) == set(warm.snapshot.paths())  # and stored again


def test_a_module_that_read_an_edited_constant_is_analysed_again(project: Path) -> None:
    (project / "columns.py").write_text('from constants import BASE\n\nCOLUMNS = [BASE, "c"]\n')
    warm = _same_as_cold(project)
    assert "c" in _names(warm) and "b" not in _names(warm)
    assert from_cache(warm) == {project / "constants.py"}


def test_a_change_two_modules_away_is_seen(project: Path) -> None:
    """features reads COLUMNS from columns, whose value reads BASE from constants."""
    (project / "constants.py").write_text('BASE = "z"\n')
    warm = _same_as_cold(project)
    assert "z" in _names(warm) and "a" not in _names(warm)
    assert from_cache(warm) == set()  # columns read constants; features read both


def test_a_module_appearing_where_a_name_resolved_elsewhere(
    write: Callable[..., Path], cache: AnalysisCache
) -> None:
    """`from columns import COLUMNS` near a package: a new `columns.py` next to features
    changes what the name means, though no file the entry read has changed."""
    root = write(
        pkg__constants=CONSTANTS,
        lib__columns=COLUMNS.replace("from constants", "from pkg.constants"),
        pkg__features=FEATURES.replace("from columns", "from lib.columns"),
    )
    _index(root)
    assert from_cache(_index(root)) == set(_index(root).snapshot.paths())
    write(lib__columns='COLUMNS = ["x", "y"]\n')
    warm = _same_as_cold(root)
    assert {"x", "y"} <= _names(warm)


def test_another_livedag_version_reads_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analysis_cache, "livedag_version", lambda: "99.0")
    warm = _same_as_cold(project)
    assert from_cache(warm) == set()
    assert from_cache(_index(project)) == set(warm.snapshot.paths())


def test_other_analyzer_code_reads_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis_cache, "code_digest", lambda: "edited checkout")
    assert from_cache(_same_as_cold(project)) == set()


def _entries(cache: AnalysisCache) -> list[Path]:
    return sorted(cache.folder.glob("*.ldac"))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"\x00garbage" * 50, id="garbage"),
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:10], id="header-only"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(
            lambda data: MAGIC + (FORMAT + 1).to_bytes(2, "big") + data[len(MAGIC) + 2 :],
            id="other-format",
        ),
        pytest.param(lambda data: data[:-1] + bytes([data[-1] ^ 1]), id="one-bit"),
    ],
)
def test_a_damaged_entry_is_a_miss_and_is_replaced(
    project: Path, cache: AnalysisCache, damage: Callable[[bytes], bytes]
) -> None:
    entries = _entries(cache)
    assert len(entries) == 3
    for entry in entries:
        entry.write_bytes(damage(entry.read_bytes()))
    assert from_cache(_same_as_cold(project)) == set()
    assert from_cache(_index(project)) == {
        project / n for n in ("constants.py", "columns.py", "features.py")
    }


def test_another_modules_entry_under_this_key_is_a_miss(
    project: Path, cache: AnalysisCache
) -> None:
    entries = _entries(cache)
    first = entries[0].read_bytes()
    for entry in entries[1:]:
        entry.write_bytes(first)  # a sound entry, of the wrong module
    warm = _same_as_cold(project)
    assert len(from_cache(warm)) == 1


def test_a_pickle_of_something_else_is_a_miss(project: Path, cache: AnalysisCache) -> None:
    import hashlib
    import pickle

    payload = pickle.dumps({"not": "an entry"})
    digest = hashlib.blake2b(payload, digest_size=16).digest()
    for entry in _entries(cache):
        entry.write_bytes(MAGIC + FORMAT.to_bytes(2, "big") + digest + payload)
    assert from_cache(_same_as_cold(project)) == set()


class _Runs:
    """Unpickled, it would run a command: an entry must never be able to do that."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        import os

        return os.system, (f"touch {self.marker}",)


def test_an_entry_naming_other_callables_is_not_loaded(
    project: Path, cache: AnalysisCache, tmp_path: Path
) -> None:
    import hashlib
    import pickle

    marker = tmp_path / "ran"
    payload = pickle.dumps(_Runs(marker))
    digest = hashlib.blake2b(payload, digest_size=16).digest()
    for entry in _entries(cache):
        entry.write_bytes(MAGIC + FORMAT.to_bytes(2, "big") + digest + payload)
    assert from_cache(_same_as_cold(project)) == set()
    assert not marker.exists()


def test_an_unwritable_folder_means_no_cache(
    write: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LIVEDAG_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.delenv("LIVEDAG_NO_CACHE", raising=False)
    root = write(constants=CONSTANTS, columns=COLUMNS, features=FEATURES)
    assert from_cache(_same_as_cold(root)) == set()


def test_the_folder_is_bounded(write: Callable[..., Path], tmp_path: Path) -> None:
    """Over its bound, the least recently used entries go first (down to 80 % of it)."""
    cache = AnalysisCache(tmp_path / "small")
    root = write(constants=CONSTANTS, columns=COLUMNS, features=FEATURES)
    _index(root, cache)
    sizes = {p.name: p.stat().st_size for p in _entries(cache)}
    assert len(sizes) == 3
    import os

    for age, entry in enumerate(_entries(cache)):
        os.utime(entry, (1000 + age, 1000 + age))  # the first is the oldest
    oldest = _entries(cache)[0].name
    cache.max_bytes = sum(sizes.values()) - 1
    assert cache.prune() >= 1
    left = {p.name for p in _entries(cache)}
    assert oldest not in left
    assert sum(sizes[n] for n in left) <= cache.max_bytes * 0.8
    (cache.folder / "unrelated.txt").write_text("mine")  # never touched
    (cache.folder / "notes.tmp").write_text("mine too")
    stale = cache.folder / "0123.abc.ldtmp"  # a writer died an hour ago
    stale.write_bytes(b"half an entry")
    os.utime(stale, (1000, 1000))
    cache.max_bytes = 0
    cache.prune()
    assert sorted(p.name for p in cache.folder.iterdir()) == ["notes.tmp", "unrelated.txt"]


def test_a_hit_counts_as_use(project: Path, cache: AnalysisCache) -> None:
    import os

    for entry in _entries(cache):
        os.utime(entry, (1000, 1000))
    _index(project)
    assert all(entry.stat().st_mtime > 1000 for entry in _entries(cache))
