"""The long profile of the edit-consistency fuzzer (the quick one runs in the test suite).

    .venv/bin/python bench/edit_fuzz.py [--edits 20000] [--modules 48] [--seed 1] [--show 3]

Spreads `--edits` random edits over `--modules` generated real-world-style modules, each edit
applied through the keystroke path (`ModuleSource.update`) and compared with a fresh analysis of
the same text.  Prints the number of mismatches by kind and the first `--show` of them shrunk
to a minimal, replayable edit list.  Exit status 1 when any mismatch was found.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "analyzer"))
from edit_fuzzer import fuzz, shrink  # noqa: E402
from fuzz_modules import MODULES, make_module  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20_000)
    parser.add_argument("--modules", type=int, default=len(MODULES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=3, help="mismatches to shrink and print")
    args = parser.parse_args()
    modules = [make_module(seed) for seed in range(args.modules)]
    per_module = max(args.edits // len(modules), 1)
    started = time.perf_counter()
    result = fuzz(modules, per_module, args.seed)
    elapsed = time.perf_counter() - started
    print(
        f"{result.edits} edits over {len(modules)} modules in {elapsed:.0f} s: "
        f"{len(result.mismatches)} mismatches"
    )
    kinds = Counter(m.difference.split(" ", 1)[0] for m in result.mismatches)
    for kind, count in kinds.most_common():
        print(f"  {count:5d}  {kind}")
    for mismatch in result.mismatches[: args.show]:
        print()
        print(shrink(mismatch).report())
    return 1 if result.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
