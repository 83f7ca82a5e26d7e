"""Benchmark: `Dataflow.build` on a synthetic 4,000-node / ~8,000-edge dataflow, and
`Dataflow.updated` after one node's dependencies change (the keystroke path).

Run: .venv/bin/python bench/bench_build.py [nodes]
Not a test (no timing assertions in the suite); prints min/median over repeated builds.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import sys
import time

from livedag.engine.dataflow import Dataflow
from livedag.engine.specs import Dependency, Location, NodeSpec, TypeRef
from livedag.engine.validate import name_index

TYPES = [TypeRef("pd.Series", "pandas.Series"), TypeRef("float"), TypeRef("int")]


def synthetic_nodes(count: int, seed: int = 7) -> list[NodeSpec]:
    """A layered DAG: node i depends on ~2 earlier nodes, plus a few external inputs."""
    rng = random.Random(seed)
    nodes = []
    for i in range(count):
        deps = []
        if i < 20:
            deps.append(Dependency(f"raw_input_{i}", TYPES[0]))
        else:
            for j in sorted(rng.sample(range(i), 2)):
                deps.append(Dependency(f"feature_{j:05d}", TYPES[j % 3]))
        loc = Location("/bench/features.py", i * 3 + 1, 4, i * 3 + 1, 17)
        nodes.append(
            NodeSpec(
                name=f"feature_{i:05d}",
                type=TYPES[i % 3],
                dependencies=tuple(deps),
                tags={"module": "features"},
                function=f"feature_{i:05d}",
                module="features",
                location=loc,
            )
        )
    return nodes


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    nodes = synthetic_nodes(count)
    flow = Dataflow.build(nodes)
    print(
        f"{len(flow.nodes)} nodes, {flow.graph.number_of_edges()} edges, "
        f"{len(flow.problems)} problems"
    )
    for label, cold in (("warm", False), ("cold name index", True)):
        timings, cpu = [], []
        for _ in range(30):
            if cold:
                name_index.cache_clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            Dataflow.build(nodes)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        print(
            f"Dataflow.build ({label}): wall min {min(timings):.1f} ms, "
            f"median {statistics.median(timings):.1f} ms; "
            f"CPU median {statistics.median(cpu):.1f} ms"
        )
    rng = random.Random(11)
    timings, cpu = [], []
    for n in range(200):  # each time one node asks for one more, existing, upstream node
        i = rng.randrange(100, count)
        old = nodes[i]
        extra = Dependency(f"feature_{rng.randrange(i):05d}", TYPES[n % 3])
        edited = list(nodes)
        edited[i] = dataclasses.replace(old, dependencies=(*old.dependencies, extra))
        start, start_cpu = time.perf_counter(), time.process_time()
        flow.updated(edited, removed=[old], added=[edited[i]])
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    timings.sort()
    print(
        f"Dataflow.updated (one node's dependencies): wall min {timings[0]:.2f} ms, "
        f"median {statistics.median(timings):.2f} ms, p95 {timings[189]:.2f} ms; "
        f"CPU median {statistics.median(cpu):.2f} ms"
    )


if __name__ == "__main__":
    main()
