"""The bundled example on a local Dask cluster: every node a Dask task on worker processes.

python examples/dask_run.py              # two workers
python examples/dask_run.py --workers 4

Builds the same driver as run.py with `h_dask.DaskGraphAdapter`, runs it on a `LocalCluster`,
shows how many node tasks each worker ran, and checks the results against the in-process run.
"""

from __future__ import annotations

import argparse
import collections
import sys

import pandas as pd
import run
from distributed import Client, LocalCluster, get_task_stream
from livedag.engine import base, h_dask

OUTPUTS = ["churn_scores", "model_accuracy"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    inputs = {"data_dir": str(run.HERE / "data")}

    # The workers are processes started from this one: they import the example's modules from
    # this folder, as Dask needs for any function it runs.
    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
        get_task_stream(client) as tasks,
    ):
        on_dask = run.build("global", h_dask.DaskGraphAdapter(client, base.DictResult()))
        scaled = on_dask.execute(OUTPUTS, inputs=inputs)
    per_worker = collections.Counter(task["worker"] for task in tasks.data)
    print(f"{sum(per_worker.values())} node tasks ran on {len(per_worker)} Dask workers:")
    for worker, count in sorted(per_worker.items()):
        print(f"   {worker}: {count}")

    local = run.build("global").execute(OUTPUTS, inputs=inputs)
    pd.testing.assert_series_equal(scaled["churn_scores"], local["churn_scores"])
    assert scaled["model_accuracy"] == local["model_accuracy"]
    print(f"Accuracy at 0.5: {scaled['model_accuracy']:.2%} (same results as in process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
