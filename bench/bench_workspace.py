"""Workspace benchmark: cold index, one-function edits, `livedag lint`, memory.

    .venv/bin/python bench/bench_workspace.py [--modules 40] [--functions 100] [--edits 200]

Generates a workspace with `../shared/bench/gen_dataflow.py` (each module builds on the previous
module's nodes) plus a driver script that runs all modules as one dataflow, then measures:

- cold `Workspace.index()` (the whole workspace: read, analyze, expand, link) and its node count;
- `Workspace.update()` after a one-function edit in a middle module, p50/p95 over `--edits`
  edits (body edits that keep the line count, and signature edits that change a dependency);
- `livedag lint` as a subprocess on the generated workspace and on the bundled example;
- peak RSS of a process that indexed the workspace.

Figures are printed, never asserted: this is run by hand and reported in the issue notes.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_BENCH = Path(os.environ.get("LIVEDAG_SHARED_BENCH", REPO.parent / "shared" / "bench"))


def generate(root: Path, modules: int, functions: int, with_driver: bool = True) -> list[Path]:
    sys.path.insert(0, str(SHARED_BENCH))
    from gen_dataflow import gen_module  # type: ignore[import-not-found]

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


def bench_in_process(root: Path, paths: list[Path], edits: int) -> None:
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

    target = paths[len(paths) // 2]
    text = target.read_text()
    lines = text.splitlines(keepends=True)
    returns = [i for i, line in enumerate(lines) if line.startswith("    return ")]
    defs = [
        i for i, line in enumerate(lines) if line.startswith("def ") and "(x: pd.Series" not in line
    ]
    body_times: list[float] = []
    for n in range(edits):
        i = returns[(n * 7) % len(returns)]
        edited = lines.copy()
        edited[i] = edited[i].rstrip("\n") + f" + {n % 3}\n"
        start = time.perf_counter()
        workspace.update(target, "".join(edited))
        body_times.append(time.perf_counter() - start)
    sig_times: list[float] = []
    for n in range(edits):
        i = defs[(n * 5) % len(defs)]
        edited = lines.copy()
        edited[i] = edited[i].replace("(", f"(extra_{n % 4}: int, ", 1)
        start = time.perf_counter()
        workspace.update(target, "".join(edited))
        sig_times.append(time.perf_counter() - start)
    workspace.update(target, text)
    for label, samples in (("body edit", body_times), ("signature edit", sig_times)):
        print(
            f"update after one-function {label}: p50 {statistics.median(samples) * 1000:.2f} ms, "
            f"p95 {_percentile(samples, 0.95) * 1000:.2f} ms, max {max(samples) * 1000:.2f} ms "
            f"({len(samples)} edits)"
        )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss_mb:.0f} MB")


def time_lint(label: str, path: Path, runs: int = 3) -> None:
    livedag = Path(sys.executable).with_name("livedag")
    command = [str(livedag), "lint", "--severity", "error", str(path)]
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        samples.append(time.perf_counter() - start)
    print(
        f"livedag lint {label}: best {min(samples):.2f} s, median "
        f"{statistics.median(samples):.2f} s (exit {done.returncode}; whole process, "
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = generate(root, args.modules, args.functions, with_driver=not args.no_driver)
        print(
            f"workspace: {args.modules} modules x {args.functions} functions"
            f"{'' if args.no_driver else ', one driver over all of them'}"
        )
        bench_in_process(root, paths, args.edits)
        rss_of_index(root)
        time_lint("on the generated workspace", root)
        time_lint("on the bundled example", REPO / "examples")


if __name__ == "__main__":
    main()
