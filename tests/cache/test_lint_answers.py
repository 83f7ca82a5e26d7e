"""`livedag lint` on an unchanged repository replays its kept answer (the same output and exit
status), and lints again as soon as anything it read, or could have read, has changed."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from livedag.server import analysis_cache, cli
from livedag.server.analysis_cache import AnalysisCache

FEATURES = """
    import pandas as pd


    def spend(orders: pd.DataFrame) -> pd.Series:
        return orders["amount"]


    def spend_per_day(spend: pd.Series, dayz: pd.Series) -> pd.Series:
        return spend / dayz


    def days(orders: pd.DataFrame) -> pd.Series:
        return orders["day"]
"""


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[argparse.Namespace]]:
    """The lint runs that really linted (a replay does not)."""
    seen: list[argparse.Namespace] = []
    real = cli._lint

    def counting(args: argparse.Namespace) -> tuple[int, object]:
        seen.append(args)
        return real(args)

    monkeypatch.setattr(cli, "_lint", counting)
    yield seen
    analysis_cache.set_enabled(True)


def _lint(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    status = cli.main(["lint", *extra, str(root)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_an_unchanged_repository_gets_the_same_answer_replayed(
    write: Callable[..., Path],
    cache: AnalysisCache,
    runs: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = write(features=FEATURES)
    first = _lint(root, capsys)
    assert first[0] == 1 and "dayz" in first[1] and "LD002" in first[1]
    assert _lint(root, capsys) == first
    assert _lint(root, capsys, "--format", "json") != first  # other arguments: another answer
    assert len(runs) == 2
    assert _lint(root, capsys, "--format", "json")[1] == _lint(root, capsys, "--format", "json")[1]
    assert len(runs) == 2


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda root: (root / "features.py").write_text("X = 1\n"), id="edit"),
        pytest.param(lambda root: (root / "more.py").write_text("def broken(\n"), id="new-file"),
        pytest.param(lambda root: (root / "features.py").unlink(), id="removed-file"),
        pytest.param(
            lambda root: (root / "pyproject.toml").write_text(
                '[tool.livedag]\nignore = ["LD002"]\n'
            ),
            id="new-pyproject",
        ),
    ],
)
def test_a_change_lints_again(
    write: Callable[..., Path],
    cache: AnalysisCache,
    runs: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
    change: Callable[[Path], object],
) -> None:
    root = write(features=FEATURES)
    first = _lint(root, capsys)
    change(root)
    again = _lint(root, capsys)
    assert len(runs) == 2
    assert again != first


def test_no_cache_lints_and_keeps_nothing(
    write: Callable[..., Path],
    cache: AnalysisCache,
    runs: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = write(features=FEATURES)
    first = _lint(root, capsys, "--no-cache")
    assert _lint(root, capsys, "--no-cache") == first
    assert len(runs) == 2
    assert not cache.folder.exists()


def test_a_damaged_answer_lints_again(
    write: Callable[..., Path],
    cache: AnalysisCache,
    runs: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = write(features=FEATURES)
    first = _lint(root, capsys)
    for kept in cache.folder.glob("*.ldlint"):
        kept.write_bytes(kept.read_bytes()[:-5])
    assert _lint(root, capsys) == first
    assert len(runs) == 2
    assert _lint(root, capsys) == first
    assert len(runs) == 2  # kept again


def test_an_answer_that_asked_jedi_is_not_kept(
    write: Callable[..., Path],
    cache: AnalysisCache,
    runs: list[argparse.Namespace],
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = write(
        pyproject='[tool.livedag]\nexclude = ["team_utils.py"]\n',
        team_utils="from hamilton.function_modifiers import extract_columns as ec\n",
        features=(
            "import pandas as pd\nfrom team_utils import ec\n\n\n"
            '@ec("a", "b")\ndef frame(raw: pd.DataFrame) -> pd.DataFrame:\n    return raw\n'
        ),
    )
    first = _lint(root, capsys)
    assert _lint(root, capsys) == first
    assert len(runs) == 2
    assert not list(cache.folder.glob("*.ldlint"))
