"""Policy benchmark: what two policies add to a keystroke on a large workspace.

    .venv/bin/python bench/bench_policies.py [--modules 100] [--functions 200] [--edits 100]

Generates the workspace of `bench_workspace.py` (each module builds on the previous one; about one
function in eight is tagged `owner` and `source=<module>`) with two policies in pyproject.toml:

- `no-m10-in-analytics` (must_not_reach): data from nodes tagged `source = "m10"` must not reach
  nodes tagged `owner = "analytics"` of the last modules, unless through an `owner = "data-eng"`
  node; on this workspace it has violations, so paths are found and reported;
- `tagged-have-owners` (require_tags): nodes with a `source` tag carry `owner`.

Then, in one process, edits a function of the middle module over and over (each edit made to the
original text, so each update also undoes the previous one) and prints, per kind of edit, the
wall time of `Workspace.update` and the part of it spent in `check_policies` (wall, and CPU,
which shared machines disturb less): body (no re-link),
parameter (a new input), tainted parameter (the function now also takes a node tagged
`source = "m10"`: new forbidden paths appear and go), tag (a function gains `owner = "analytics"`).
The same edits are timed on the same workspace without policies.  Also the cold check of the whole
graph.  Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_workspace import generate  # noqa: E402

POLICIES = """
[[tool.livedag.policies]]
name = "no-m10-in-analytics"
from = { source = "m10" }
must_not_reach = { owner = "analytics", source = [{late}] }
unless_through = { owner = "data-eng" }

[[tool.livedag.policies]]
name = "tagged-have-owners"
for = { source = "*" }
require_tags = ["owner"]
"""


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _edits(text: str, kind: str, edits: int, tainted: str) -> Iterator[str]:
    lines = text.splitlines(keepends=True)
    defs = [
        i
        for i, line in enumerate(lines)
        if line.startswith("def ") and "(x: pd.Series" not in line and "__" not in line
    ]
    returns = [i for i, line in enumerate(lines) if line.startswith("    return ")]
    for n in range(edits):
        edited = lines.copy()
        i = defs[(n * 5) % len(defs)]
        if kind == "body":
            r = returns[(n * 7) % len(returns)]
            edited[r] = edited[r].rstrip("\n") + f" + {n % 3}\n"
        elif kind == "parameter":
            edited[i] = edited[i].replace("(", f"(extra_{n % 4}: int, ", 1)
        elif kind == "tainted parameter":
            edited[i] = edited[i].replace("(", f"({tainted}: pd.Series, ", 1)
        else:  # tag
            edited[i] = '@tag(owner="analytics", source="m99")\n' + edited[i]
        yield "".join(edited)


KINDS = ("body", "parameter", "tainted parameter", "tag")


def run(root: Path, target: Path, edits: int, tainted: str) -> None:
    from livedag.server import policy_check, workspace

    spent: list[float] = []
    spent_cpu: list[float] = []
    check = policy_check.check_policies

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            return check(*args, **kwargs)
        finally:
            spent.append((time.perf_counter() - start) * 1000)
            spent_cpu.append((time.process_time() - start_cpu) * 1000)

    workspace.check_policies = timed  # type: ignore[attr-defined]
    start = time.perf_counter()
    ws = workspace.Workspace([root])
    snapshot = ws.index()
    cold = time.perf_counter() - start
    view = max(snapshot.dataflows, key=lambda v: len(v.graph.nodes))
    found = view.policies.problems
    print(
        f"  cold index {cold * 1000:.0f} ms, {len(view.graph.nodes)} nodes; cold policy check "
        f"{sum(spent):.1f} ms; {len(found)} LD011"
    )
    if view.policies.policies:
        start = time.perf_counter()
        policy_check.check_policies(view.policies.policies, view.graph)
        print(f"  cold check alone: {(time.perf_counter() - start) * 1000:.1f} ms")
    gc.collect()
    gc.freeze()
    gc.disable()
    text = target.read_text()
    for kind in KINDS:
        wall, checks, cpu, counts = [], [], [], set()
        for edited in _edits(text, kind, edits, tainted):
            spent.clear()
            spent_cpu.clear()
            start = time.perf_counter()
            snap = ws.update(target, edited)
            wall.append((time.perf_counter() - start) * 1000)
            checks.append(sum(spent))
            cpu.append(sum(spent_cpu))
            counts.add(sum(len(v.policies.problems) for v in snap.dataflows))
            gc.collect(1)
        ws.update(target, text)
        print(
            f"  {kind:>17}: update median {statistics.median(wall):6.2f} p95 "
            f"{_percentile(wall, 0.95):6.2f} ms | policy check median "
            f"{statistics.median(checks):5.2f} p95 {_percentile(checks, 0.95):5.2f} max "
            f"{max(checks):5.2f} ms (CPU median {statistics.median(cpu):5.2f} p95 "
            f"{_percentile(cpu, 0.95):5.2f}) | LD011 seen {sorted(counts)}"
        )
    gc.enable()
    gc.unfreeze()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modules", type=int, default=100)
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--edits", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        paths = generate(root, args.modules, args.functions)
        target = paths[len(paths) // 2]
        m10 = (root / "m10.py").read_text() if args.modules > 10 else ""
        tainted = next(
            line.split("def ")[1].split("(")[0]
            for line, before in zip(m10.splitlines()[1:], m10.splitlines(), strict=False)
            if before.startswith('@tag(owner="') and 'source="m10"' in before
        )
        late = ", ".join(f'"m{i}"' for i in range(args.modules - 5, args.modules))
        for label, pyproject in (
            ("two policies", POLICIES.replace("{late}", late)),
            ("no policies", ""),
        ):
            (root / "pyproject.toml").write_text(pyproject)
            print(f"{label}: {args.modules} x {args.functions}, edits in {target.name}")
            run(root, target, args.edits, tainted)


if __name__ == "__main__":
    main()
