"""Scale-out benchmark: one dataflow over a partitioned Dask DataFrame larger than a worker's
memory, on a local Dask cluster, against the same dataflow run in process on pandas.

    .venv/bin/python bench/dask_scale.py [--partitions 48] [--rows 600000] [--memory-limit 400MiB]

The dataflow (`bench/dask_scale_flow.py`) reads sensor readings, drops invalid ones, derives an
energy column and aggregates it per sensor.  Its loader is picked by config: `engine=pandas`
builds every partition in this process and concatenates them; `engine=dask` makes a lazy Dask
DataFrame of the same partitions, which `h_dask.DaskGraphAdapter(use_delayed=False)` computes on
a `LocalCluster` of `--workers` processes with `--memory-limit` each.  Prints the data size, both
wall times, the speed-up, and whether the results agree.  Not run in CI.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import dask_scale_flow  # noqa: E402
from dask.utils import format_bytes, parse_bytes  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402
from livedag.engine import base, driver, h_dask  # noqa: E402

OUTPUTS = ["energy_per_sensor", "total_energy", "valid_rows"]


def run(config: dict[str, Any], adapter: Any) -> tuple[dict[str, Any], float]:
    dr = driver.Builder().with_modules(dask_scale_flow).with_config(config)
    dr = dr.with_adapters(adapter)
    started = time.perf_counter()
    result = dr.build().execute(OUTPUTS)
    return result, time.perf_counter() - started


def agree(left: dict[str, Any], right: dict[str, Any]) -> bool:
    per_sensor = left["energy_per_sensor"].sort_index()
    other = right["energy_per_sensor"].sort_index()
    return (
        left["valid_rows"] == right["valid_rows"]
        and abs(left["total_energy"] - right["total_energy"]) <= 1e-6 * abs(left["total_energy"])
        and bool(((per_sensor - other).abs() <= 1e-9 * per_sensor.abs().max()).all())
    )


def _peak_memory() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partitions", type=int, default=48)
    parser.add_argument("--rows", type=int, default=600_000, help="rows per partition")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="400MiB", help="per worker")
    args = parser.parse_args()
    shape = {"partitions": args.partitions, "rows_per_partition": args.rows}

    one = dask_scale_flow.make_partition(0, args.rows)
    size = int(one.memory_usage(deep=True).sum()) * args.partitions
    limit = parse_bytes(args.memory_limit)
    print(
        f"data: {args.partitions} partitions x {args.rows:,} rows = {format_bytes(size)}; "
        f"{args.workers} workers with {format_bytes(limit)} each"
    )
    if size <= limit:
        print("note: the data fits one worker's memory; raise --partitions or --rows")

    # Dask first: workers start from this process, and would inherit its peak memory.
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=limit,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: None)  # workers up before the clock starts
        adapter = h_dask.DaskGraphAdapter(
            client, base.DictResult(), use_delayed=False, compute_at_end=True
        )
        scaled, dask_seconds = run({**shape, "engine": "dask"}, adapter)
        worker_peaks = client.run(_peak_memory)
    print(
        f"on Dask ({args.workers} workers): {dask_seconds:7.2f} s, worker peak memory "
        + ", ".join(format_bytes(p) for p in worker_peaks.values())
    )
    local, local_seconds = run({**shape, "engine": "pandas"}, base.DictResult())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(f"in process (pandas):  {local_seconds:7.2f} s, peak memory {format_bytes(peak)}")

    print(f"speed-up: {local_seconds / dask_seconds:.2f}x; results agree: {agree(local, scaled)}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (timings share them)")
    if not isinstance(local["energy_per_sensor"], pd.Series):
        raise SystemExit("energy_per_sensor should be a pandas Series")


if __name__ == "__main__":
    main()
