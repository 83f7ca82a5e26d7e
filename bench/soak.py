"""Soak benchmark: a long day of edits on the real keystroke path, RSS and CPU per 1,000 edits.

    .venv/bin/python bench/soak.py [--edits 30000] [--modules 20] [--functions 100]
        [--warmup 2000] [--every 1000] [--tracemalloc 2000,6000] [--top 15]

Generates a workspace (`bench_workspace.generate`, from `bench/gen_dataflow.py`), indexes it with
`Workspace`, then makes `--edits` one-function edits through `Workspace.update()`, cycling
through the modules and through the kinds a user makes: body edits (same lines), parameter edits
(a new dependency), renames (consumers now ask for an input), new functions, each made to the
original text so the next edit also undoes it, and every fifth edit the original text itself.

Garbage collection is the language server's own: `server/lsp/collector.IdleCollector` is
installed after indexing (heap frozen, automatic collection off) and its `collect_if_due` is
called after every edit on a simulated clock (an edit every 0.25 s, a pause after each one, and
a 6 s pause every `--every` edits), so young, recent and whole-heap collections happen as in a
day of typing.

Prints, every `--every` edits: current RSS, its growth relative to the level after `--warmup`
edits, and CPU per edit in that window.  `--tracemalloc A,B` compares snapshots taken after edit
A and edit B, grouped by traceback (slow: use a few thousand edits).  Figures are printed, never
asserted.

`--lsp` sends the same edits to `livedag serve` over stdio (full-text didChange, each awaited until
its diagnostics arrive), with the same 6 s pause every `--every` edits unless `--no-pauses`; with
`--tracemalloc A,B` the server runs under `bench/traced_serve.py`, which snapshots on SIGUSR1.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_workspace import generate  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
PAUSE_S = 6.0  # longer than the collector's WHOLE_QUIET_S


def rss_mb() -> float:
    """The current (not peak) resident set size."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def live_types() -> Counter[str]:
    """Live gc-tracked objects by type, frozen ones included (the heap is refrozen after)."""
    gc.unfreeze()
    gc.collect()
    counted = Counter(type(o).__qualname__ for o in gc.get_objects())
    gc.freeze()
    return counted


def edits_of(texts: dict[Path, str]) -> Iterator[tuple[Path, str, str]]:
    """An endless mix of one-function edits over the modules, each made to the original text."""
    split = {p: t.splitlines(keepends=True) for p, t in texts.items()}
    paths = sorted(texts)
    n = 0
    while True:
        path = paths[(n // 7) % len(paths)]
        lines = split[path]
        returns = [i for i, line in enumerate(lines) if line.startswith("    return ")]
        defs = [i for i, line in enumerate(lines) if line.startswith("def ")]
        edited = lines.copy()
        i = defs[(n * 5) % len(defs)]
        kind = ("body", "body", "parameter", "rename", "new function", "undo")[n % 6]
        if kind == "body":
            r = returns[(n * 7) % len(returns)]
            edited[r] = edited[r].rstrip("\n") + f" + {n % 3}\n"
        elif kind == "parameter":
            edited[i] = edited[i].replace("(", f"(extra_{n % 4}: int, ", 1)
        elif kind == "rename":
            name = edited[i][4:].split("(")[0]
            edited[i] = edited[i].replace(f"def {name}(", f"def {name}_renamed{n % 3}(", 1)
        elif kind == "new function":
            edited.append(f"\n\ndef soak_new_{n % 5}(raw_a: pd.Series) -> pd.Series:\n")
            edited.append("    return raw_a * 2\n")
        yield path, kind, "".join(edited)
        n += 1


def _proc_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


def _proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def soak_server(args: argparse.Namespace) -> None:
    """The same edits sent to `livedag serve` as full-text didChange, each awaited until its
    diagnostics are published, with a short pause after it (the server's collector runs in it)."""
    from bench_lsp import SERVER, Client

    root = Path(tempfile.mkdtemp(prefix="livedag-soak-"))
    paths = generate(root, args.modules, args.functions)
    texts = {p: p.read_text() for p in paths}
    marks = [int(x) for x in args.tracemalloc.split(",")] if args.tracemalloc else []
    prefix = str(root / "snapshot")
    traced = [sys.executable, str(Path(__file__).with_name("traced_serve.py")), prefix]
    client = Client(traced if marks else SERVER, root)
    await client.start()
    pid = client.proc.pid
    await client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
        },
    )
    started = time.perf_counter()
    await client.notify("initialized", {})
    versions: dict[Path, int] = {}
    for path, text in texts.items():  # every module open, as after a morning of work
        versions[path] = 1
        item = {"uri": path.as_uri(), "languageId": "python", "version": 1, "text": text}
        await client.notify("textDocument/didOpen", {"textDocument": item})
    last = paths[-1]
    await client.note("textDocument/publishDiagnostics", last.as_uri(), 1, started)
    await asyncio.sleep(6)  # the collector installs and freezes the indexed heap
    print(f"server: {args.modules} modules x {args.functions} functions, every module open")
    print(f"RSS after index: {_proc_rss_mb(pid):.1f} MB")
    print(f"{'edits':>7} {'RSS MB':>8} {'vs warm':>8} {'CPU ms/edit':>12}")
    reference: float | None = None
    window_cpu = _proc_cpu_s(pid)
    stream = edits_of(texts)
    for n in range(1, args.edits + 1):
        path, _, text = next(stream)
        if n % 5 == 0:
            text = texts[path]
        versions[path] += 1
        uri = path.as_uri()
        t0 = time.perf_counter()
        await client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": versions[path]},
                "contentChanges": [{"text": text}],
            },
        )
        await client.note("textDocument/publishDiagnostics", uri, versions[path], t0)
        client.notes.clear()
        await asyncio.sleep(args.gap)
        if n % args.every == 0:
            if not args.no_pauses:
                await asyncio.sleep(PAUSE_S)  # a longer pause: the whole-heap collection may run
            cpu = (_proc_cpu_s(pid) - window_cpu) * 1000 / args.every
            rss = _proc_rss_mb(pid)
            if n == args.warmup:
                reference = rss
            growth = f"{(rss / reference - 1) * 100:+7.1f}%" if reference else "       -"
            print(f"{n:>7} {rss:8.1f} {growth:>8} {cpu:12.2f}", flush=True)
            window_cpu = _proc_cpu_s(pid)
        if n in marks:
            taken = marks.index(n)
            os.kill(pid, signal.SIGUSR1)
            while not Path(f"{prefix}.{taken}.done").exists():
                await asyncio.sleep(0.2)
    await client.stop()
    if len(marks) == 2:
        before, after = (tracemalloc.Snapshot.load(f"{prefix}.{i}") for i in (0, 1))
        print_growth(after.compare_to(before, "traceback"), marks, args.top)


def print_growth(stats: list[tracemalloc.StatisticDiff], marks: list[int], top: int) -> None:
    print(f"\ntracemalloc: growth between edit {marks[0]} and edit {marks[1]}, by traceback")
    for stat in stats[:top]:
        print(f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+8d} blocks")
        for line in stat.traceback.format()[-12:]:
            print("    " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=30_000)
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--functions", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=2000, help="edits before the reference RSS")
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--tracemalloc", default="", help="A,B: compare snapshots after A and B")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument(
        "--lsp", action="store_true", help="drive `livedag serve` over stdio instead (its own GC)"
    )
    parser.add_argument(
        "--no-pauses", action="store_true", help="no 6 s pause every --every edits (only young GCs)"
    )
    parser.add_argument("--gap", type=float, default=0.05, help="--lsp: pause after each edit, s")
    parser.add_argument("--types", default="", help="A,B: compare live objects by type after A, B")
    args = parser.parse_args()

    if args.lsp:
        asyncio.run(soak_server(args))
        return
    from livedag.server.lsp import collector as collector_module
    from livedag.server.workspace import Workspace

    marks = [int(x) for x in args.tracemalloc.split(",")] if args.tracemalloc else []
    if marks:
        tracemalloc.start(12)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = generate(root, args.modules, args.functions)
        texts = {p: p.read_text() for p in paths}
        workspace = Workspace([root])
        start = time.perf_counter()
        snapshot = workspace.index()
        nodes = sum(len(v.graph.nodes) for v in snapshot.dataflows)
        del snapshot  # the server keeps only the current snapshot: an old one pins old specs
        print(
            f"workspace: {args.modules} modules x {args.functions} functions, {nodes} nodes, "
            f"indexed in {time.perf_counter() - start:.1f} s"
        )
        # The server's collector, on a simulated clock (it only needs `now`).
        collector = collector_module.IdleCollector(session=None)  # type: ignore[arg-type]
        collector.install()
        clock = time.monotonic()
        print(f"RSS after index (heap frozen): {rss_mb():.1f} MB")
        print(
            f"{'edits':>7} {'RSS MB':>8} {'vs warm':>8} {'CPU ms/edit':>12} {'gc runs':>20}"
            f" {'gen 2':>9}"
        )
        reference: float | None = None
        window_cpu = time.process_time()
        snapshots = []
        type_marks = [int(x) for x in args.types.split(",")] if args.types else []
        counts: list[Counter[str]] = []
        stream = edits_of(texts)
        for n in range(1, args.edits + 1):
            path, kind, text = next(stream)
            if n % 5 == 0:
                text = texts[path]  # the undo of the previous edit
            clock += 0.25
            collector._last_activity = clock
            workspace.update(path, text)
            collector.collect_if_due(clock + collector_module.QUIET_S + 0.01)  # the pause after it
            if n % args.every == 0:
                if not args.no_pauses:
                    clock += collector_module.WHOLE_QUIET_S + 1  # a longer pause
                    collector.collect_if_due(clock)
                cpu = (time.process_time() - window_cpu) * 1000 / args.every
                rss = rss_mb()
                if n == args.warmup:
                    reference = rss
                growth = f"{(rss / reference - 1) * 100:+7.1f}%" if reference else "       -"
                runs = ",".join(f"{k[0]}{v}" for k, v in collector.runs.items())
                old = len(gc.get_objects(2))
                print(f"{n:>7} {rss:8.1f} {growth:>8} {cpu:12.2f} {runs:>20} {old:>9}", flush=True)
                window_cpu = time.process_time()
            if n in type_marks:
                counts.append(live_types())
            if n in marks:
                gc.collect()
                snapshots.append(tracemalloc.take_snapshot())
        if len(counts) == 2:
            print(
                f"\nlive objects by type: growth between edit {type_marks[0]} and {type_marks[1]}"
            )
            grown = sorted(counts[1].items(), key=lambda kv: kv[1] - counts[0][kv[0]], reverse=True)
            for name, count in grown[: args.top]:
                print(f"{count - counts[0][name]:+9d} {name} (now {count})")
        if len(snapshots) == 2:
            print_growth(snapshots[1].compare_to(snapshots[0], "traceback"), marks, args.top)


if __name__ == "__main__":
    main()
