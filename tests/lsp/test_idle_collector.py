"""Garbage collection waits for the user's pauses, and still bounds memory when there are none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from livedag.server.lsp import collector
from livedag.server.lsp.collector import IdleCollector


class FakeGc:
    """Stands in for the `gc` module: records what the collector asked for."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.young = 0
        self.enabled = True

    def get_count(self) -> tuple[int, int, int]:
        return (self.young, 0, 0)

    def get_objects(self, generation: int | None = None) -> list[object]:
        assert generation == 0, "only the young generation is counted"
        return [None] * self.young

    def collect(self, generation: int = 2) -> int:
        self.calls.append(f"collect({generation})")
        self.young = 0
        return 0

    def freeze(self) -> None:
        self.calls.append("freeze")

    def unfreeze(self) -> None:
        self.calls.append("unfreeze")

    def disable(self) -> None:
        self.enabled = False

    def enable(self) -> None:
        self.enabled = True


@pytest.fixture
def fake_gc(monkeypatch: pytest.MonkeyPatch) -> FakeGc:
    fake = FakeGc()
    monkeypatch.setattr(collector, "gc", fake)
    monkeypatch.setattr(collector, "_active", None)  # what a test installs goes with it
    return fake


def _edit(idle: IdleCollector, at: float, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector.time, "monotonic", lambda: at)
    snapshot: Any = object()
    idle(snapshot, snapshot, {Path("m.py")})


def test_indexing_is_frozen_and_automatic_collection_turned_off(fake_gc: FakeGc) -> None:
    idle = IdleCollector(session=None)  # type: ignore[arg-type]
    idle(None, object(), set())  # type: ignore[arg-type]
    assert fake_gc.calls == ["collect(2)", "freeze"] and not fake_gc.enabled
    idle.uninstall()
    assert fake_gc.enabled and fake_gc.calls[-1] == "unfreeze"


def test_nothing_is_collected_while_typing(
    fake_gc: FakeGc, monkeypatch: pytest.MonkeyPatch
) -> None:
    idle = IdleCollector(session=None)  # type: ignore[arg-type]
    _edit(idle, 100.0, monkeypatch)
    fake_gc.calls.clear()
    for step in range(20):  # keystrokes closer together than a pause, each allocating
        fake_gc.young += 10_000
        _edit(idle, 100.0 + 0.05 * step, monkeypatch)
        assert idle.collect_if_due(100.0 + 0.05 * step + collector.QUIET_S / 2) is None
    assert fake_gc.calls == []
    assert idle.collect_if_due(100.0 + 0.05 * 19 + collector.QUIET_S + 0.01) == "young"


def test_a_burst_without_pauses_is_still_collected(
    fake_gc: FakeGc, monkeypatch: pytest.MonkeyPatch
) -> None:
    idle = IdleCollector(session=None)  # type: ignore[arg-type]
    _edit(idle, 10.0, monkeypatch)
    fake_gc.young = collector.HARD_YOUNG
    assert idle.collect_if_due(10.01) == "young"


def test_recent_objects_then_the_whole_heap_in_longer_pauses(
    fake_gc: FakeGc, monkeypatch: pytest.MonkeyPatch
) -> None:
    idle = IdleCollector(session=None)  # type: ignore[arg-type]
    _edit(idle, 0.0, monkeypatch)
    now = 0.0
    for _ in range(collector.RECENT_EVERY):
        now += 1
        _edit(idle, now, monkeypatch)
        fake_gc.young = collector.YOUNG_MIN
        assert idle.collect_if_due(now + collector.QUIET_S + 0.01) == "young"
    fake_gc.calls.clear()
    assert idle.collect_if_due(now + collector.RECENT_QUIET_S + 0.01) == "recent"
    assert fake_gc.calls == ["collect(2)", "freeze"]  # frozen objects are not looked at
    now += collector.WHOLE_EVERY_S
    _edit(idle, now, monkeypatch)
    assert idle.collect_if_due(now + 1) is None  # not quiet long enough for the whole heap
    fake_gc.calls.clear()
    assert idle.collect_if_due(now + collector.WHOLE_QUIET_S + 0.01) == "whole"
    assert fake_gc.calls == ["unfreeze", "collect(2)", "freeze"]
    # An idle server does not collect its whole heap again and again.
    assert idle.collect_if_due(now + 2 * collector.WHOLE_EVERY_S) is None


def test_typing_without_long_pauses_still_collects_what_reached_the_old_generation(
    fake_gc: FakeGc, monkeypatch: pytest.MonkeyPatch
) -> None:
    idle = IdleCollector(session=None)  # type: ignore[arg-type]
    _edit(idle, 0.0, monkeypatch)
    now, kinds = 0.0, []
    for _ in range(collector.HARD_RECENT_EVERY + 1):  # never a pause of RECENT_QUIET_S
        now += 0.2
        _edit(idle, now, monkeypatch)
        fake_gc.young = collector.YOUNG_MIN
        kinds.append(idle.collect_if_due(now + collector.QUIET_S + 0.01))
    assert kinds.count("recent") == 1 and kinds[-1] == "recent"
    assert fake_gc.calls[-2:] == ["collect(2)", "freeze"]
