"""What jedi answered never reaches the cache (an entry is what a fresh process makes, names still
pending), `--no-cache` reads and writes nothing, and entries are written as files change on disk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from livedag.server import analysis_cache
from livedag.server.analysis_cache import AnalysisCache
from livedag.server.cli import main
from livedag.server.workspace import Workspace

from .compare import everything, from_cache

TEAM_UTILS = """
    from hamilton.function_modifiers import extract_columns as ec
"""
FEATURES = """
    import pandas as pd
    from team_utils import ec


    @ec("a", "b")
    def frame(raw: pd.DataFrame) -> pd.DataFrame:
        return raw
"""
# team_utils is no workspace module: only jedi can see that `ec` is extract_columns.
PYPROJECT = """
    [tool.livedag]
    exclude = ["team_utils.py"]
"""


@pytest.fixture
def helper_project(write: Callable[..., Path]) -> Path:
    return write(pyproject=PYPROJECT, team_utils=TEAM_UTILS, features=FEATURES)


def _resolved(root: Path, cache: AnalysisCache | bool = True) -> Workspace:
    workspace = Workspace([root], cache=cache)
    workspace.index()
    workspace.resolve_external_names()
    return workspace


def _nodes(workspace: Workspace) -> set[str]:
    return {str(n) for view in workspace.snapshot.dataflows for n in view.graph.nodes}


def test_an_entry_keeps_names_pending_on_jedi(helper_project: Path, cache: AnalysisCache) -> None:
    cold = _resolved(helper_project)
    assert {"a", "b"} <= _nodes(cold)  # jedi saw through the helper
    warm = Workspace([helper_project])
    warm.index()
    features = helper_project / "features.py"
    assert from_cache(warm) == {features}
    assert "team_utils.ec" in warm.snapshot.module(features).pending_names
    assert not {"a", "b"} & _nodes(warm)  # as a fresh process sees it before jedi
    warm.resolve_external_names()
    assert everything(warm.snapshot) == everything(_resolved(helper_project, False).snapshot)


def test_an_analysis_jedi_answered_is_not_written(
    helper_project: Path, cache: AnalysisCache
) -> None:
    workspace = _resolved(helper_project)
    entries = set(cache.folder.iterdir())
    features = helper_project / "features.py"
    features.write_text(features.read_text() + "\n\ndef more(frame: int) -> int:\n    return 1\n")
    workspace.update(features, None)  # changed on disk: analysed with jedi's answer for `ec`
    assert "more" in _nodes(workspace) and {"a", "b"} <= _nodes(workspace)
    assert set(cache.folder.iterdir()) == entries
    warm = Workspace([helper_project])
    warm.index()
    assert from_cache(warm) == set()


def test_a_file_changed_on_disk_is_written(
    write: Callable[..., Path], cache: AnalysisCache
) -> None:
    root = write(features="def a() -> int:\n    return 1\n")
    workspace = Workspace([root])
    workspace.index()
    (root / "features.py").write_text("def b() -> int:\n    return 2\n")
    workspace.update(root / "features.py", None)
    warm = Workspace([root])
    warm.index()
    assert from_cache(warm) == {root / "features.py"}
    assert everything(warm.snapshot) == everything(workspace.snapshot)


@pytest.fixture
def cache_switch() -> Iterator[None]:
    yield
    analysis_cache.set_enabled(True)


def test_no_cache_reads_and_writes_nothing(
    write: Callable[..., Path],
    cache: AnalysisCache,
    cache_switch: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = write(features="def a(x: int) -> int:\n    return x\n")
    assert main(["lint", "--no-cache", str(root)]) == 0
    assert not cache.folder.exists()
    analysis_cache.set_enabled(True)
    assert main(["lint", str(root)]) == 0
    assert len(list(cache.folder.glob("*.ldac"))) == 1
    capsys.readouterr()
    assert main(["cache", "info", "--format", "json"]) == 0
    info = capsys.readouterr().out
    assert '"entries": 1' in info and '"lint_answers": 1' in info
    assert main(["cache", "clear"]) == 0
    assert "removed 2 entries" in capsys.readouterr().out
    assert list(cache.folder.glob("*.ldac")) == []


def test_no_cache_by_environment(
    write: Callable[..., Path], cache: AnalysisCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVEDAG_NO_CACHE", "1")
    root = write(features="def a(x: int) -> int:\n    return x\n")
    Workspace([root]).index()
    assert not cache.folder.exists()


def test_saved_buffers_are_written_when_asked(
    write: Callable[..., Path], cache: AnalysisCache
) -> None:
    """A buffer edited in the editor reaches the cache once saved (`store_saved`), not before."""
    root = write(
        features="def a() -> int:\n    return 1\n", other="def c() -> int:\n    return 3\n"
    )
    workspace = Workspace([root])
    workspace.index()
    assert len(list(cache.folder.glob("*.ldac"))) == 2
    features = root / "features.py"
    edited = "def b() -> int:\n    return 2\n"
    workspace.update(features, edited)  # typed, not saved
    workspace.store_saved()
    assert len(list(cache.folder.glob("*.ldac"))) == 2
    features.write_text(edited)
    workspace.store_saved([features])  # saved now
    assert len(list(cache.folder.glob("*.ldac"))) == 3
    warm = Workspace([root])
    warm.index()
    assert from_cache(warm) == {features, root / "other.py"}
    assert everything(warm.snapshot) == everything(workspace.snapshot)
