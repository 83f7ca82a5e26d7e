"""`livedag lint` on a generated workspace, whole process: cold, warm, and with `--no-cache`.

    .venv/bin/python bench/bench_lint.py                       # 100 x 200 (20,000 nodes), 3 runs
    .venv/bin/python bench/bench_lint.py --rows 1x4000,100x200 --runs 3

Each run generates a fresh workspace (`bench_workspace.generate`, a driver script running every
module) and a fresh, empty cache folder (`LIVEDAG_CACHE_DIR`), then times, as a pre-commit hook
or CI job runs it:

- cold: the first `livedag lint` (nothing cached; it fills the cache);
- warm: the same command again on the unchanged files;
- touched: one module edited (a function appended), then lint again: the edited module is
  analysed, the others come from the cache;
- no-cache: `livedag lint --no-cache` (reads and writes nothing).

Wall time of the whole process (interpreter start included) and the largest lint process's peak
RSS; the exit status and
the number of findings are checked to be the same in every variant.  Figures are printed (a JSON
line per run, then medians), never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_workspace import generate  # noqa: E402

LIVEDAG = str(Path(sys.executable).with_name("livedag"))


def _lint(root: Path, cache: Path, *extra: str) -> tuple[float, int, int, float]:
    """(seconds, exit status, findings, peak RSS MB) of one `livedag lint` process."""
    env = {**os.environ, "LIVEDAG_CACHE_DIR": str(cache)}
    env.pop("LIVEDAG_NO_CACHE", None)
    started = time.perf_counter()
    done = subprocess.run(
        [LIVEDAG, "lint", "--format", "json", *extra, str(root)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"livedag lint failed ({done.returncode}):\n{done.stderr}")
    findings = len(json.loads(done.stdout)["problems"])
    # the largest child so far (ru_maxrss of children is a maximum, not per process)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, done.returncode, findings, peak / 1024


def run_once(modules: int, functions: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="livedag-bench-lint-") as tmp:
        root, cache = Path(tmp) / "ws", Path(tmp) / "cache"
        root.mkdir()
        paths = generate(root, modules, functions, with_driver=modules > 1)
        cold = _lint(root, cache)
        warm = _lint(root, cache)
        edited = paths[len(paths) // 2]
        edited.write_text(
            edited.read_text() + "\n\ndef bench_touched(x: int) -> int:\n    return x\n"
        )
        touched = _lint(root, cache)
        no_cache = _lint(root, cache, "--no-cache")
        if not (cold[1:3] == warm[1:3]) or touched[1:3] != no_cache[1:3]:
            raise SystemExit(f"lint answers differ: {cold}, {warm}, {touched}, {no_cache}")
        return {
            "workspace": f"{modules}x{functions}",
            "cold_s": round(cold[0], 2),
            "warm_s": round(warm[0], 2),
            "touched_s": round(touched[0], 2),
            "no_cache_s": round(no_cache[0], 2),
            "findings": cold[2],
            "peak_rss_mb": round(max(cold[3], warm[3], touched[3], no_cache[3]), 1),
            "load_average": round(os.getloadavg()[0], 2),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100x200", help="comma-separated MODULESxFUNCTIONS")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    keys = ("cold_s", "warm_s", "touched_s", "no_cache_s", "peak_rss_mb", "load_average")
    table = []
    for row in args.rows.split(","):
        modules, functions = (int(n) for n in row.split("x"))
        runs = []
        for _ in range(args.runs):
            result = run_once(modules, functions)
            print(json.dumps(result), flush=True)
            runs.append(result)
        table.append([row, *(f"{statistics.median(r[k] for r in runs):g}" for k in keys)])
    print(f"\nmedians over {args.runs} run(s):")
    print(" | ".join(("workspace", *keys)))
    for line in table:
        print(" | ".join(line))


if __name__ == "__main__":
    main()
