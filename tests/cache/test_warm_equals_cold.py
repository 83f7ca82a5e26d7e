"""A workspace indexed from the on-disk cache is the workspace indexed from source: every analysis
(locations included), every dataflow's graph and problems, on the differential fixtures and the
bundled examples; also after jedi resolves pending names, and after edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from livedag.server.analysis_cache import AnalysisCache
from livedag.server.workspace import Workspace

from .compare import everything, from_cache

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "dataflows"
ROOTS = [
    *sorted(FIXTURES.glob("*.py")),
    FIXTURES / "static_parts",
    FIXTURES / "recursive_parts",
    REPO / "examples",
]
# Modules whose analysis holds more than plain data (a lambda in `@resolve(decorate_with=...)`
# keeps the evaluator that reads it): never stored, analysed at every start.
NOT_STORED = {"config_resolve.py", "imports_styles.py"}


def _indexed(root: Path, cache: AnalysisCache | bool) -> Workspace:
    workspace = Workspace([root], cache=cache)
    workspace.index()
    return workspace


@pytest.mark.parametrize("root", ROOTS, ids=lambda p: p.name)
def test_warm_index_is_the_cold_index(root: Path, cache: AnalysisCache) -> None:
    plain = _indexed(root, False)
    cold = _indexed(root, cache)
    assert not from_cache(cold)
    warm = _indexed(root, cache)
    stored = {p for p in warm.snapshot.paths() if p.name not in NOT_STORED}
    assert from_cache(warm) == stored
    expected = everything(plain.snapshot)
    assert everything(cold.snapshot) == expected
    assert everything(warm.snapshot) == expected


@pytest.mark.parametrize("root", ROOTS, ids=lambda p: p.name)
def test_names_pending_on_jedi_resolve_as_cold(root: Path, cache: AnalysisCache) -> None:
    """An entry holds the analysis a fresh process makes (names still pending); the warm
    workspace resolves them with jedi as the cold one does, to the same result."""
    plain = _indexed(root, False)
    _indexed(root, cache)
    warm = _indexed(root, cache)
    pending = {n for p in plain.snapshot.paths() for n in plain.snapshot.module(p).pending_names}
    assert {n for p in warm.snapshot.paths() for n in warm.snapshot.module(p).pending_names} == (
        pending
    )
    for workspace in (plain, warm):
        workspace.resolve_external_names()
    assert everything(warm.snapshot) == everything(plain.snapshot)


@pytest.mark.parametrize("root", [FIXTURES / "static_parts", REPO / "examples"], ids=str)
def test_a_cached_module_edits_as_an_analysed_one(root: Path, cache: AnalysisCache) -> None:
    """The first keystroke parses a cached module for real; from then on edits are incremental,
    and the other modules (still cached) follow what it now defines."""
    _indexed(root, cache)
    warm, plain = _indexed(root, cache), _indexed(root, False)
    for path in plain.snapshot.paths():
        text = path.read_text()
        edits = [
            text + "\n\ndef added_node(x: int) -> int:\n    return x\n",
            text.replace("\n", "\n\n", 3),  # lines move: every location below follows
            text + "\nTYPO = 1\n",
            text,
        ]
        for edited in edits:
            plain.update(path, edited)
            warm.update(path, edited)
            assert everything(warm.snapshot) == everything(plain.snapshot), (path, edited[-40:])
