"""Benchmark of the runtime driver's execute against apache-hamilton's on the same module.

    .venv/bin/python bench/bench_execution.py [--layers 20] [--width 50] [--runs 20] [--depth 3000]

Generates a layered dataflow (each node adds up two nodes of the layer above) and times
`execute` of the last layer with no adapter, and with a counting NodeExecutionHook, for both
drivers (median of `--runs`).  Then a chain `--depth` nodes deep, which Hamilton's recursive walk
cannot run past Python's recursion limit and livedag's iterative one can.  No budget: it shows
the per-node overhead of the hooks and of the depth-first walk.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any


def layered(layers: int, width: int) -> str:
    lines = ["def n0_0(seed: int) -> int:\n    return seed\n"]
    lines += [f"def n0_{i}(seed: int) -> int:\n    return seed + {i}\n" for i in range(1, width)]
    for layer in range(1, layers):
        for i in range(width):
            a, b = f"n{layer - 1}_{i}", f"n{layer - 1}_{(i + 1) % width}"
            lines.append(f"def n{layer}_{i}({a}: int, {b}: int) -> int:\n    return {a} + {b}\n")
    return "\n".join(lines)


def chain(depth: int) -> str:
    lines = ["def c0(seed: int) -> int:\n    return seed\n"]
    lines += [
        f"def c{i}(c{i - 1}: int) -> int:\n    return c{i - 1} + 1\n" for i in range(1, depth)
    ]
    return "\n".join(lines)


def load(text: str, name: str, folder: Path) -> types.ModuleType:
    path = folder / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def drivers(module: types.ModuleType, hooked: bool) -> dict[str, Any]:
    from hamilton import base as h_base
    from hamilton import driver as h_driver
    from hamilton import lifecycle as h_lifecycle
    from livedag.engine import driver, lifecycle

    made = {}
    for who, builder, hook_base, extra in (
        ("livedag", driver.Builder(), lifecycle.NodeExecutionHook, []),
        ("hamilton", h_driver.Builder(), h_lifecycle.NodeExecutionHook, [h_base.DictResult()]),
    ):

        class Count(hook_base):  # type: ignore[misc, valid-type]
            count = 0

            def run_before_node_execution(self, **kwargs: Any) -> None:
                Count.count += 1

            def run_after_node_execution(self, **kwargs: Any) -> None:
                pass

        adapters = [*extra, Count()] if hooked else extra
        made[who] = builder.with_modules(module).with_adapters(*adapters).build()
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=20)
    parser.add_argument("--width", type=int, default=50)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--depth", type=int, default=3000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    module = load(layered(args.layers, args.width), "bench_layered", folder)
    outputs = [f"n{args.layers - 1}_{i}" for i in range(args.width)]
    nodes = args.layers * args.width
    print(f"layered dataflow: {nodes} nodes, {len(outputs)} outputs, median of {args.runs} runs")
    for hooked in (False, True):
        results = {}
        for who, dr in drivers(module, hooked).items():
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                results[who] = dr.execute(outputs, inputs={"seed": 1})
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            label = "with a NodeExecutionHook" if hooked else "no adapter"
            print(
                f"  {who:8} {label:26} {median * 1e3:7.1f} ms ({median / nodes * 1e6:.1f} µs/node)"
            )
        assert results["livedag"] == results["hamilton"], "results differ"
    deep = load(chain(args.depth), "bench_chain", folder)
    for who, dr in drivers(deep, False).items():
        try:
            value = dr.execute([f"c{args.depth - 1}"], inputs={"seed": 0})[f"c{args.depth - 1}"]
            print(f"chain of {args.depth}: {who} -> {value}")
        except RecursionError:
            print(f"chain of {args.depth}: {who} -> RecursionError")


if __name__ == "__main__":
    main()
