"""Benchmark of the static analyzer on a generated 4,000-function module.

    .venv/bin/python bench/bench_analyzer.py [--functions 4000] [--edits 200]

Prints: cold analysis time, re-analysis after a one-function edit (in-line edit, and an edit that
adds a line so every block below it moves) as p50/p95, and peak RSS.  Budgets (docs/design.md):
cold ≤ 1.5 s, edit ≤ 30 ms p95, RSS ≤ 200 MB.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_dataflow import gen_module  # noqa: E402
from livedag.server.analyzer import ModuleSource  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--functions", type=int, default=4000)
    parser.add_argument("--edits", type=int, default=200)
    args = parser.parse_args()
    text, _ = gen_module(args.functions)
    lines = text.split("\n")
    defs = [i for i, line in enumerate(lines) if line.startswith("def ")]
    print(f"module: {args.functions} functions, {len(lines)} lines, {len(text) / 1e6:.1f} MB")

    source = ModuleSource("bench_module", str(Path("bench_module.py").absolute()))
    t0 = time.perf_counter()
    analysis = source.update(text)
    cold = time.perf_counter() - t0
    print(f"cold analysis: {cold * 1000:.0f} ms ({len(analysis.functions)} functions)")

    rnd = random.Random(1)
    inline: list[float] = []
    shifted: list[float] = []
    current = lines
    for n in range(args.edits):
        at = rnd.choice(defs)
        edited = list(current)
        if n % 2 == 0:  # rename the first parameter: one block changes, nothing moves
            edited[at] = edited[at].replace("(", f"(p{n}_", 1)
            bucket = inline
        else:  # add a line to the docstring: one block changes, every block below moves
            edited.insert(at + 2, f"    # note {n}")
            defs = [d + 1 if d > at else d for d in defs]
            bucket = shifted
        new_text = "\n".join(edited)
        t0 = time.perf_counter()
        source.update(new_text)
        bucket.append(time.perf_counter() - t0)
        current = edited
    for label, samples in (("in-line edit", inline), ("edit adding a line", shifted)):
        print(
            f"{label}: p50 {statistics.median(samples) * 1000:.1f} ms, "
            f"p95 {percentile(samples, 0.95) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
