"""The keystroke path equals a fresh analysis after every random edit (quick profile; the long
one is `bench/edit_fuzz.py`).  A failure prints a shrunk, replayable edit list."""

from __future__ import annotations

import pytest

from tests.analyzer.edit_fuzzer import Edit, Mismatch, fuzz, replay, shrink
from tests.analyzer.fuzz_modules import MODULES


def test_random_edits_keep_the_keystroke_path_equal_to_a_fresh_analysis() -> None:
    result = fuzz(MODULES[:6], edits_per_module=25, seed=20260)
    assert result.edits >= 150
    assert not result.mismatches, shrink(result.mismatches[0]).report()


def test_the_fuzzer_sees_a_mismatch_and_shrinks_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A keystroke path that forgets one kind of edit is caught, and the report replays it."""
    from livedag.server.analyzer import ModuleSource

    real = ModuleSource._incremental

    def forgetful(self: ModuleSource, text: str, splits: int = 0) -> None:
        real(self, text.replace("renamed", "spend"), splits)  # loses every rename to `renamed`

    monkeypatch.setattr(ModuleSource, "_incremental", forgetful)
    base = MODULES[1]
    edits = [Edit("insert", 10, payload="x"), Edit("rename", 3, payload="renamed")]
    assert replay(base, edits) is not None
    shrunk = shrink(Mismatch(base, edits, "?"))
    assert [e.kind for e in shrunk.edits] == ["rename"]
    assert len(shrunk.base) < len(base) and "renamed" in shrunk.report()
