"""Idle work runs in slices a keystroke waits behind at most one of, and the graph-changed check
signs a new graph from an earlier version's signature even when versions between were never
checked."""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import os
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from livedag.engine import dataflow
from livedag.engine.codes import Code
from livedag.engine.dataflow import Dataflow
from livedag.server.lsp import collector, framing, graph, graph_index, idle, warmup
from livedag.server.lsp.framing import FrameReader
from livedag.server.lsp.graph import GraphWatcher
from livedag.server.lsp.graph_index import SignatureMemo
from livedag.server.lsp.session import Session
from livedag.server.lsp.warmup import Warmer
from livedag.server.workspace import Workspace

from tests.lsp.lsp_harness import STANDARD
from tests.lsp.test_idle_collector import FakeGc


class _Protocol:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def notify(self, method: str, params: Any) -> None:
        self.sent.append((method, params))


class _Server:
    def __init__(self) -> None:
        self.protocol = _Protocol()


def _workspace(root: Path, extra_functions: int = 0) -> tuple[Session, Workspace, Path]:
    files = dict(STANDARD)
    files["features.py"] += "".join(
        f"\n\ndef extra_{i}(people: pd.DataFrame) -> int:\n    return {i}\n"
        for i in range(extra_functions)
    )
    for name, text in files.items():
        (root / name).write_text(text)
    workspace = Workspace([root])
    session = Session(_Server())  # type: ignore[arg-type]
    session.workspace = workspace
    session.snapshot = session.announced = workspace.index()
    return session, workspace, (root / "features.py").resolve()


def _clock(monkeypatch: pytest.MonkeyPatch, module: Any, tick: float) -> None:
    """`module.time.perf_counter` advances `tick` seconds each time it is read."""
    readings = itertools.count()
    monkeypatch.setattr(module.time, "perf_counter", lambda: next(readings) * tick)


def _the_graph(session: Session) -> Dataflow:
    assert session.snapshot is not None
    return session.snapshot.dataflows[0].graph


def test_a_warming_slice_stops_at_its_budget_and_the_next_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _, _ = _workspace(tmp_path, extra_functions=40)
    graph = _the_graph(session)
    tick = warmup.SLICE_S / 4
    _clock(monkeypatch, warmup, tick)
    steps_per_slice: list[int] = []
    warmer = Warmer(session)
    planned = warmer._plan

    def counted(*args: Any) -> Iterator[None]:
        for _ in planned(*args):
            steps_per_slice[-1] += 1
            yield

    monkeypatch.setattr(warmer, "_plan", counted)
    real_run = warmer._run

    def run() -> None:
        steps_per_slice.append(0)
        real_run()

    monkeypatch.setattr(warmer, "_run", run)
    monkeypatch.setattr(warmup, "BUDGET_S", 1e9)  # the fake clock is not the budget's concern

    async def warm() -> None:
        warmer(None, session.snapshot, set())  # type: ignore[arg-type]
        assert warmer._handle is not None
        warmer._handle.cancel()
        warmer._run()  # what the timer would do after a pause
        assert warmer._handle is not None  # more to do: the next slice is scheduled
        while warmer._handle is not None and steps_per_slice[-1]:
            await asyncio.sleep(0)

    asyncio.run(warm())
    # A slice reads the clock once at its start and once after each step: it ends at the first
    # step that finds SLICE_S gone.
    assert max(steps_per_slice) == round(warmup.SLICE_S / tick)
    assert len(steps_per_slice) > 3
    assert set(session.indexes.of(graph)._up) == set(graph.nodes)  # every slice ran


def test_warming_slices_freeze_what_they_made_instead_of_leaving_it_to_be_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _, _ = _workspace(tmp_path)
    fake = FakeGc()
    monkeypatch.setattr(collector, "gc", fake)
    monkeypatch.setattr(collector, "_active", collector.IdleCollector(session))
    warmer = Warmer(session)

    async def warm() -> None:
        warmer(None, session.snapshot, set())  # type: ignore[arg-type]
        assert warmer._handle is not None
        warmer._handle.cancel()
        fake.young = collector.LASTING_YOUNG_MAX + 1  # a keystroke's objects, not yet collected
        warmer._run()
        assert fake.calls == ["collect(1)"]  # this turn was the young collection
        assert warmer._handle is not None  # the slice comes in the next turn
        fake.calls.clear()
        warmer._handle.cancel()
        warmer._run()

    asyncio.run(warm())
    assert fake.calls[0] == "collect(1)" and fake.calls[-1] == "freeze"


def test_lasting_work_is_frozen_only_when_the_young_generation_was_collected_before_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeGc()
    monkeypatch.setattr(collector, "gc", fake)
    monkeypatch.setattr(collector, "_active", None)
    with collector.lasting():  # no collector installed: automatic collection, nothing to do
        pass
    assert not collector.young_first() and fake.calls == []
    monkeypatch.setattr(collector, "_active", collector.IdleCollector(None))  # type: ignore[arg-type]
    with collector.lasting():
        fake.young = 50  # what the work made
    assert fake.calls == ["collect(1)", "freeze"]
    fake.calls.clear()
    fake.young = collector.LASTING_YOUNG_MAX + 1
    with collector.lasting():  # too much to collect within the slice: left as it is
        pass
    assert fake.calls == []
    assert collector.young_first() and fake.calls == ["collect(1)"]
    assert collector._active is not None and collector._active.runs["young"] == 1
    assert not collector.young_first()  # nothing left to collect first


def test_the_first_check_signs_the_graph_in_slices_and_tells_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _, _ = _workspace(tmp_path, extra_functions=300)
    protocol = session.server.protocol
    _clock(monkeypatch, graph, graph.CHECK_SLICE_S)  # a step per slice
    watcher = GraphWatcher(session)
    calls = 0

    async def check() -> None:
        nonlocal calls
        watcher.check()
        calls += 1
        while watcher._scheduled:  # the next slice, as soon as the loop gets to it
            await asyncio.sleep(0)
            calls += 1

    asyncio.run(check())
    # Every node signed, in slices of a step each (TOTAL_PER_STEP nodes), not in one go.
    assert calls > len(_the_graph(session).nodes) // graph_index.TOTAL_PER_STEP
    ((method, params),) = protocol.sent
    assert method == graph.GRAPH_CHANGED and len(params["dataflows"]) == 1
    graph_now = _the_graph(session)
    assert watcher.signatures[params["dataflows"][0]][1] == SignatureMemo().graph_signature(
        graph_now
    )


def test_a_check_restarts_on_a_newer_snapshot_announced_between_its_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, workspace, features = _workspace(tmp_path, extra_functions=300)
    protocol = session.server.protocol
    _clock(monkeypatch, graph, graph.CHECK_SLICE_S / 2)
    watcher = GraphWatcher(session)
    edited = features.read_text() + "\n\ndef late(people: pd.DataFrame) -> int:\n    return 1\n"

    async def check() -> None:
        watcher.check()
        assert watcher._scheduled
        before = session.announced
        session.snapshot = session.announced = workspace.update(features, edited)
        watcher(before, session.snapshot, {features})
        while watcher._scheduled:
            await asyncio.sleep(0)

    asyncio.run(check())
    ((_, params),) = protocol.sent  # only the newer snapshot was told about
    assert session.announced is not None and params["version"] == session.announced.version
    assert watcher.signatures[params["dataflows"][0]][0] is _the_graph(session)


def test_the_check_stays_incremental_after_several_unchecked_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Few names per chain: every other version is re-linked from its immediate predecessor,
    # which is gone by the time a later version is checked.
    monkeypatch.setattr(dataflow, "MAX_CHANGED_SINCE", 3)
    session, workspace, features = _workspace(tmp_path)
    watcher = GraphWatcher(session)
    watcher.check()  # the first check: every node signed
    text = features.read_text()

    def full_sum(*args: Any, **kwargs: Any) -> Iterator[None]:
        raise AssertionError("a sum over every node: the chain of versions was lost")

    monkeypatch.setattr(SignatureMemo, "graph_total_steps", full_sum)

    async def type_six_keys() -> None:
        nonlocal text
        before = session.announced
        for step in range(6):  # a keystroke each, announced to the listeners and never checked
            text += f"\n\ndef extra_{step}(people: pd.DataFrame, x{step}: int) -> int:\n"
            text += "    return 1\n"
            session.snapshot = session.announced = workspace.update(features, text)
            watcher(before, session.snapshot, {features})
            before = session.announced

    asyncio.run(type_six_keys())
    watcher._scheduled = False  # the timer went with the loop
    # The newest version was re-linked from one that is gone: its chain of versions ends.
    gc.collect()  # versions held only in cycles go too
    graph_now = _the_graph(session)
    assert graph_now.changed_since() is None
    watcher.check()
    signature = watcher.signatures[next(iter(watcher.signatures))][1]
    monkeypatch.undo()
    assert signature == SignatureMemo().graph_signature(graph_now)


def test_a_signature_is_derived_back_through_versions_never_signed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dataflow, "MAX_CHANGED_SINCE", 3)
    session, workspace, features = _workspace(tmp_path)
    indexes = session.indexes
    versions = [_the_graph(session)]  # held: every version stays alive
    indexes.signature(versions[0])
    text = features.read_text()
    for step in range(5):
        text += f"\n\ndef extra_{step}(people: pd.DataFrame, x{step}: int) -> int:\n    return 1\n"
        versions.append(workspace.update(features, text).dataflows[0].graph)
    newest = versions[-1]
    chain = indexes._chain(newest)
    assert chain is not None and len(chain) > 1 and chain[-1][1] is versions[0]
    assert indexes.signature(newest) == SignatureMemo().graph_signature(newest)
    for version in versions[1:-1]:  # the versions walked through are signed on the way
        if any(later is version for later, _, _ in chain):
            assert indexes.signature(version) == SignatureMemo().graph_signature(version)


def test_forgetting_signatures_keeps_the_live_graphs_and_what_was_signed_meanwhile() -> None:
    memo = SignatureMemo()
    old = Dataflow.from_functions({"f": _functions(STANDARD["features.py"])})
    new = Dataflow.from_functions({"m": _functions(STANDARD["model.py"], "m")})
    memo.graph_total(old)
    memo.graph_total(new)
    steps = memo.keep_only_steps([new], per_step=1)
    next(steps)
    late = Dataflow.from_functions({"g": _functions("def late(x: int) -> int:\n    return x\n")})
    memo.graph_total(late)  # signed while forgetting
    for _ in steps:
        pass
    assert len(memo) == len(new.nodes) + len(late.nodes)


def _functions(text: str, module: str = "f") -> list[Any]:
    from livedag.server.analyzer import analyze_source

    return list(analyze_source(text, module=module).functions)


def test_a_retired_graph_s_index_is_emptied_in_steps_and_still_answers(tmp_path: Path) -> None:
    session, _, _ = _workspace(tmp_path, extra_functions=30)
    graph = _the_graph(session)
    index = session.indexes.of(graph)
    expected = {name: index.upstream(name) for name in graph.nodes}
    made = dict(index.made_by_table())
    steps = list(itertools.islice(index.forget_steps(per_step=8), 1000))
    assert len(steps) > 3 and not index._up and index._made_by is None
    assert {name: index.upstream(name) for name in graph.nodes} == expected
    assert index.made_by_table() == made


def test_the_reader_tells_whether_a_message_is_here_or_on_its_way() -> None:
    message = json.dumps({"jsonrpc": "2.0", "method": "initialized", "params": {}}).encode()
    framed = b"Content-Length: %d\r\n\r\n%s" % (len(message), message)
    pieces = [framed + framed + b"\r\n", framed[:10]]
    in_transit = [False]

    class Source:
        async def __call__(self) -> bytes:
            return pieces.pop(0) if pieces else b""

        def waiting(self) -> bool:
            return in_transit[0]

    async def read() -> list[bool]:
        reader = FrameReader(Source())
        seen = [reader.holds_input()]
        await reader.receive()
        seen.append(reader.holds_input())  # the second message is in the buffer
        await reader.receive()
        seen.append(reader.holds_input())  # only a blank line is left
        in_transit[0] = True
        seen.append(reader.holds_input())  # a chunk handed over by the reading thread
        return seen

    assert asyncio.run(read()) == [False, True, False, True]


def test_stdin_chunks_count_what_was_handed_over_and_not_taken() -> None:
    async def read() -> list[bool]:
        reading, writing = os.pipe()
        with os.fdopen(reading, "rb", buffering=0) as stream:
            chunks = framing.stdin_source(stream, asyncio.get_running_loop())
            seen = [chunks.waiting()]
            os.write(writing, b"Content-Length: 2\r\n\r\n{}")
            first = await chunks()
            seen.append(chunks.waiting())
            os.close(writing)
            assert first and await chunks() == b""  # the end of the stream
            seen.append(chunks.waiting())
            return seen

    assert asyncio.run(read()) == [False, False, False]


class _Waiting:
    def __init__(self) -> None:
        self.waiting = True

    def input_waiting(self) -> bool:
        return self.waiting


def test_idle_work_gives_way_to_a_waiting_message_for_a_while_at_most(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _, _ = _workspace(tmp_path)
    protocol = _Waiting()
    session.server.protocol = protocol  # type: ignore[attr-defined]
    now = [100.0]
    monkeypatch.setattr(idle.time, "monotonic", lambda: now[0])
    deferral = idle.Deferral(session)
    assert deferral.wait()
    now[0] += idle.MAX_WAIT_S / 2
    assert deferral.wait()
    now[0] += idle.MAX_WAIT_S / 2
    assert not deferral.wait()  # a client stopped mid-message does not stop idle work
    assert deferral.wait()  # and the next time it gives way again
    protocol.waiting = False
    assert not deferral.wait()


def test_a_warming_slice_waits_while_a_message_is_waiting(tmp_path: Path) -> None:
    session, _, _ = _workspace(tmp_path)
    protocol = _Waiting()
    session.server.protocol = protocol  # type: ignore[attr-defined]
    graph = _the_graph(session)
    warmer = Warmer(session)

    async def warm() -> None:
        warmer(None, session.snapshot, set())  # type: ignore[arg-type]
        assert warmer._handle is not None
        warmer._handle.cancel()
        warmer._run()
        assert warmer._steps is None and warmer._handle is not None  # nothing done yet
        protocol.waiting = False
        while warmer._handle is not None:
            await asyncio.sleep(idle.WAIT_S)

    asyncio.run(warm())
    assert set(session.indexes.of(graph)._up) == set(graph.nodes)


def test_the_young_collection_after_an_answer_waits_for_a_request_read_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeGc()
    monkeypatch.setattr(collector, "gc", fake)
    monkeypatch.setattr(collector, "_active", None)
    idle_collector = collector.IdleCollector(None)  # type: ignore[arg-type]
    snapshot: Any = object()

    async def edit_then_request() -> list[list[str]]:
        idle_collector(None, snapshot, set())  # indexed: installed
        fake.calls.clear()
        fake.young = collector.LASTING_YOUNG_MAX + 1
        idle_collector(snapshot, snapshot, set())  # an edit's diagnostics went out
        idle_collector.touch()  # the outline request that came with it was read meanwhile
        await asyncio.sleep(0)
        seen = [list(fake.calls)]
        while idle_collector._after_answer is not None:
            await asyncio.sleep(idle.WAIT_S)
        seen.append(list(fake.calls))
        return seen

    try:
        assert asyncio.run(edit_then_request()) == [[], ["collect(1)"]]
    finally:
        idle_collector.uninstall()


def _chain_flow(length: int) -> Dataflow:
    from livedag.server.analyzer import analyze_source

    text = "def f0(root: int) -> int:\n    return root\n"
    for i in range(1, length):
        text += f"\n\ndef f{i}(f{i - 1}: int, side_{i}: int) -> int:\n    return f{i - 1}\n"
    return Dataflow.from_functions({"m": analyze_source(text, module="m").functions})


def test_a_deep_node_s_ancestors_are_found_in_steps_and_an_abandoned_walk_leaves_no_gap() -> None:
    flow = _chain_flow(60)
    last = "f59"
    expected = graph_index.GraphIndex(flow)
    whole = expected.upstream(last)
    index = graph_index.GraphIndex(flow)
    assert sum(1 for _ in index.upstream_steps(last, per_step=5)) >= 10
    assert index.upstream(last) == whole
    abandoned = graph_index.GraphIndex(flow)
    steps = abandoned.upstream_steps(last, per_step=5)
    while "f3" not in abandoned._up:  # the way down, the side inputs, then f0, f1, ...
        next(steps)
    del steps  # a newer edit: the warmer dropped its plan
    assert "f3" in abandoned._up and last not in abandoned._up
    assert abandoned.sources("f3") == expected.sources("f3")  # its roots were noted on the way
    assert abandoned.sources(last) == expected.sources(last)
    assert abandoned.upstream(last) == whole


def test_a_new_version_numbers_its_names_from_the_version_it_was_re_linked_from(
    tmp_path: Path,
) -> None:
    session, workspace, features = _workspace(tmp_path, extra_functions=5)
    indexes = session.indexes
    first = _the_graph(session)
    assert indexes.of(first).names == sorted(first.nodes)
    text = features.read_text().replace("def extra_1(", "def a_renamed(")
    text = text.replace("def extra_3(people: pd.DataFrame) -> int:\n    return 3\n", "")
    text += "\n\ndef zz_last(people: pd.DataFrame) -> int:\n    return 9\n"
    second = workspace.update(features, text).dataflows[0].graph
    earlier = second.changed_since()
    assert earlier is not None and earlier[0] is first
    index = indexes.of(second)
    assert index._earlier is not None  # patched, not sorted again
    assert index.names == sorted(second.nodes)
    assert {"a_renamed", "zz_last"} <= set(index.names) and "extra_3" not in index.names
    steps = sum(1 for _ in index.numbering_steps(per_step=4))
    assert steps > 2 and index.position == {n: i for i, n in enumerate(sorted(second.nodes))}


def test_reading_consumers_ahead_waits_while_a_message_is_waiting(tmp_path: Path) -> None:
    from livedag.server.lsp.rename_warmup import ConsumerWarmer

    session, _, _ = _workspace(tmp_path)
    protocol = _Waiting()
    session.server.protocol = protocol  # type: ignore[attr-defined]
    reader = ConsumerWarmer(session)

    async def read() -> None:
        reader(None, session.snapshot, set())  # type: ignore[arg-type]
        assert reader._handle is not None
        reader._handle.cancel()
        reader._run()
        assert reader._steps is None and reader._handle is not None  # nothing done yet
        assert not reader.takers
        protocol.waiting = False
        while reader._handle is not None:
            await asyncio.sleep(idle.WAIT_S)

    asyncio.run(read())
    assert reader.takers  # counted once the message was handled


def test_the_locator_lets_an_edit_s_old_graph_go_while_idle_not_in_the_next_request(
    tmp_path: Path,
) -> None:
    from livedag.server.lsp.locate import Locator

    session, workspace, features = _workspace(tmp_path)
    protocol = _Waiting()
    session.server.protocol = protocol  # type: ignore[attr-defined]
    locator = Locator(session.indexes)
    pruner = locator.listen(session)
    assert session.snapshot is not None
    locator.at(session.snapshot, features, 1, 0)  # a request made an index of this version
    old = weakref.ref(_the_graph(session))
    edited = features.read_text() + "\n\ndef late(people: pd.DataFrame) -> int:\n    return 1\n"

    async def edit_then_pause() -> None:
        before = session.snapshot
        session.snapshot = session.announced = workspace.update(features, edited)
        for listener in session.listeners:
            listener(before, session.snapshot, {features})
        del before
        assert pruner._handle is not None
        pruner._handle.cancel()
        pruner._run()  # a message is waiting: it goes first, the old version stays
        assert pruner._handle is not None and old() is not None
        protocol.waiting = False
        while pruner._handle is not None:
            await asyncio.sleep(idle.WAIT_S)

    asyncio.run(edit_then_pause())
    gc.collect()
    assert old() is None  # let go in idle time, before any request on the new version
    assert locator._pruned_for() is session.snapshot


def test_a_pipe_is_read_by_the_loop_and_bytes_unread_in_it_count_as_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(framing, "CHUNK", 4)
    monkeypatch.setattr(framing, "BACKLOG", 2)

    async def read() -> None:
        reading, writing = os.pipe()
        with os.fdopen(reading, "rb", buffering=0) as stream:
            chunks = framing.stdin_source(stream, asyncio.get_running_loop())
            assert isinstance(chunks, framing.PipeChunks)
            assert not chunks.waiting()
            os.write(writing, b"0123456789ab")
            assert chunks.waiting()  # in the pipe, not read yet: idle work gives way
            await asyncio.sleep(0.01)
            assert list(chunks._chunks) == [b"0123", b"4567"]  # read ahead, no further
            assert await chunks() == b"0123" and await chunks() == b"4567"
            assert await chunks() == b"89ab"
            os.close(writing)
            assert await chunks() == b"" and await chunks() == b""  # the end, for good
            assert not chunks.waiting()

    asyncio.run(read())


def test_a_stream_that_cannot_be_watched_is_read_by_a_thread(tmp_path: Path) -> None:
    stored = tmp_path / "messages"
    stored.write_bytes(b"Content-Length: 2\r\n\r\n{}" * 1000)

    async def read() -> bytes:
        with stored.open("rb", buffering=0) as stream:
            chunks = framing.stdin_source(stream, asyncio.get_running_loop())
            assert isinstance(chunks, framing.StdinChunks)
            got = b""
            while chunk := await chunks():
                got += chunk
            return got

    assert asyncio.run(read()) == stored.read_bytes()


def test_after_an_edit_the_warmer_makes_the_suggestions_of_the_file_s_typos(
    tmp_path: Path,
) -> None:
    session, workspace, features = _workspace(tmp_path)
    protocol = _Waiting()
    protocol.waiting = False
    session.server.protocol = protocol  # type: ignore[attr-defined]
    warmer = Warmer(session)
    typo = "\n\ndef late(peeple: pd.DataFrame) -> int:\n    return 1\n"
    before = session.snapshot

    async def edit_then_pause() -> None:
        session.snapshot = session.announced = workspace.update(
            features, features.read_text() + typo
        )
        warmer(before, session.snapshot, {features})
        while warmer._handle is not None or warmer._steps is not None:
            await asyncio.sleep(idle.WAIT_S)

    asyncio.run(edit_then_pause())
    graph = _the_graph(session)
    assert any(p.code is Code.UNKNOWN_DEPENDENCY for p in graph.problems)
    index = session.indexes.of(graph)
    assert index._closest.get("peeple") == graph.closest_names("peeple")
    assert "people" in index._closest["peeple"]
