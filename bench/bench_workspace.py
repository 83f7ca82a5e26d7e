"""Workspace benchmark: cold index, one-function edits, `livedag lint`, memory.

    .venv/bin/python bench/bench_workspace.py [--modules 40] [--functions 100] [--edits 200]
        [--no-driver] [--gc server|interpreter] [--cycle] [--no-lint]

One 4,000-function module: `--modules 1 --functions 4000`.

Generates a workspace with `bench/gen_dataflow.py` (each module builds on the previous
module's nodes) plus a driver script that runs all modules as one dataflow, then measures:

- cold `Workspace.index()` (the whole workspace: read, analyze, expand, link) and its node count;
- `Workspace.update()` after a one-function edit in a middle module, wall min/median/p95 and CPU
  over `--edits` edits of each kind: body (same line count), parameter (a new dependency), new
  function (appended), rename (its consumers now ask for an input).  Each edit is made to the
  original text, so each update also undoes the previous edit (two functions change);
- garbage collection as the language server does it (`--gc server`, the default): the indexed
  heap frozen, automatic collection off, a young collection between edits (untimed: the server
  collects in the user's pauses); `--gc interpreter` leaves CPython's collector on, inside the
  timed edits;
- `livedag lint` as a subprocess on the generated workspace and on the bundled example (wall and
  CPU over `--lint-runs` runs);
- peak RSS of a process that indexed the workspace.

Figures are printed, never asserted: this is run by hand and reported in the issue notes.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def generate(root: Path, modules: int, functions: int, with_driver: bool = True) -> list[Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from gen_dataflow import gen_module

    paths = []
    upstream: list[str] = []
    for i in range(modules):
        source, names = gen_module(functions, seed=i, prefix=f"m{i}", upstream=upstream[-20:])
        path = root / f"m{i}.py"
        path.write_text(source)
        paths.append(path)
        upstream = [n for n in names if n.startswith(f"m{i}_")]
    if with_driver:
        imports = "\n".join(f"import m{i}" for i in range(modules))
        mods = ", ".join(f"m{i}" for i in range(modules))
        (root / "run.py").write_text(
            f"from hamilton import driver\n{imports}\n\n"
            f"dr = driver.Builder().with_modules({mods}).with_config({{'mode': 'batch'}}).build()\n"
            f"dr.execute(['m{modules - 1}_f{functions - 1}'], "
            "inputs={'raw_a': 1, 'raw_b': 2, 'raw_c': 3})\n"
        )
    return paths


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _edits(text: str, kind: str, edits: int) -> Iterator[str]:
    """One kind of one-function edit, `edits` times, each made to the original text."""
    lines = text.splitlines(keepends=True)
    returns = [i for i, line in enumerate(lines) if line.startswith("    return ")]
    defs = [
        i for i, line in enumerate(lines) if line.startswith("def ") and "(x: pd.Series" not in line
    ]
    some_node = lines[defs[0]][4:].split("(")[0].split("__")[0]
    for n in range(edits):
        edited = lines.copy()
        i = defs[(n * 5) % len(defs)]
        if kind == "body":
            r = returns[(n * 7) % len(returns)]
            edited[r] = edited[r].rstrip("\n") + f" + {n % 3}\n"
        elif kind == "parameter":
            edited[i] = edited[i].replace("(", f"(extra_{n % 4}: int, ", 1)
        elif kind == "new function":
            edited.append(
                f"\n\ndef bench_new_{n}({some_node}: pd.Series) -> pd.Series:\n"
                f"    return {some_node} * 2\n"
            )
        else:
            name = edited[i][4:].split("(")[0]
            edited[i] = edited[i].replace(f"def {name}(", f"def {name}_renamed{n % 3}(", 1)
        yield "".join(edited)


EDIT_KINDS = ("body", "parameter", "new function", "rename")


def bench_in_process(root: Path, paths: list[Path], edits: int, gc_mode: str) -> None:
    from livedag.server.workspace import Workspace

    start = time.perf_counter()
    workspace = Workspace([root])
    snapshot = workspace.index()
    cold = time.perf_counter() - start
    nodes = sum(len(v.graph.nodes) for v in snapshot.dataflows)
    problems = len(snapshot.all_problems())
    print(
        f"cold index: {cold * 1000:.0f} ms for {len(snapshot.paths())} files, "
        f"{len(snapshot.dataflows)} dataflow(s), {nodes} nodes, {problems} problems"
    )
    server_gc = gc_mode == "server"
    if server_gc:  # what the language server does once the index is published (lsp/collector)
        gc.collect()
        gc.freeze()
        gc.disable()

    target = paths[len(paths) // 2]
    text = target.read_text()
    functions = text.count(chr(10) + "def ")
    print(f"edits in {target.name} ({functions} functions), wall / CPU ms, gc: {gc_mode}:")
    for label in EDIT_KINDS:
        wall: list[float] = []
        cpu: list[float] = []
        for edited in _edits(text, label, edits):
            start, start_cpu = time.perf_counter(), time.process_time()
            workspace.update(target, edited)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            if server_gc:
                gc.collect(1)  # the server's young collection in the pause after a keystroke
        workspace.update(target, text)
        print(
            f"  {label:>12}: wall min {min(wall):6.2f}  median {statistics.median(wall):6.2f}  "
            f"p95 {_percentile(wall, 0.95):6.2f}  max {max(wall):7.2f} | CPU median "
            f"{statistics.median(cpu):6.2f}  p95 {_percentile(cpu, 0.95):6.2f}  ({len(wall)} edits)"
        )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss_mb:.0f} MB")


def time_lint(label: str, path: Path, runs: int = 5) -> None:
    livedag = Path(sys.executable).with_name("livedag")
    command = [str(livedag), "lint", "--severity", "error", str(path)]
    samples, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        samples.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    print(
        f"livedag lint {label}: wall min {min(samples):.2f} s, median "
        f"{statistics.median(samples):.2f} s, max {max(samples):.2f} s; CPU median "
        f"{statistics.median(cpu):.2f} s ({runs} runs, exit {done.returncode}; whole process, "
        f"interpreter start included)"
    )


def rss_of_index(root: Path) -> None:
    code = (
        "import resource, sys; from pathlib import Path; "
        "from livedag.server.workspace import Workspace; "
        f"Workspace([Path({str(root)!r})]).index(); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    print(f"peak RSS of a fresh process that indexed the workspace: {out.stdout.strip()} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=40)
    parser.add_argument("--functions", type=int, default=100)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--no-driver", action="store_true", help="every module its own dataflow")
    parser.add_argument(
        "--gc",
        choices=("server", "interpreter"),
        default="server",
        help="garbage collection as the language server does it (default), or CPython's own",
    )
    parser.add_argument(
        "--cycle", action="store_true", help="a two-node cycle (LD001) in the first module"
    )
    parser.add_argument("--lint-runs", type=int, default=5)
    parser.add_argument("--no-lint", action="store_true", help="skip RSS and lint subprocesses")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = generate(root, args.modules, args.functions, with_driver=not args.no_driver)
        if args.cycle:  # edits elsewhere then re-link a graph that keeps a cycle
            with paths[0].open("a") as module:
                module.write(
                    "\n\ndef cyc_a(cyc_b: pd.Series) -> pd.Series:\n    return cyc_b\n"
                    "\n\ndef cyc_b(cyc_a: pd.Series) -> pd.Series:\n    return cyc_a\n"
                )
        print(
            f"workspace: {args.modules} modules x {args.functions} functions"
            f"{'' if args.no_driver else ', one driver over all of them'}"
        )
        bench_in_process(root, paths, args.edits, args.gc)
        gc.enable()
        if args.no_lint:
            return
        rss_of_index(root)
        time_lint("on the generated workspace", root, args.lint_runs)
        time_lint("on the bundled example", REPO / "examples", args.lint_runs)


if __name__ == "__main__":
    main()
