"""Scale-out on a real Dask cluster: two worker processes started here and closed after.

Each test proves that the nodes ran in the workers (process ids), that the results equal the
in-process run, or that a failing node's exception arrives as its own type."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from livedag.engine import base, driver, executors, h_dask

pytestmark = pytest.mark.slow

ModuleFactory = Callable[[str], types.ModuleType]  # the `make_module` fixture (conftest.py)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as made,
    ):
        yield made


@pytest.fixture
def shipped(make_module: ModuleFactory, client: Client) -> ModuleFactory:
    """`make_module`, with the module's file uploaded to the workers so they can import it (Dask
    sends functions by reference)."""

    def make(source: str) -> types.ModuleType:
        module = make_module(source)
        assert module.__file__ is not None
        client.upload_file(module.__file__)
        return module

    return make


def _worker_pids(client: Client) -> set[int]:
    return set(client.run(os.getpid).values())


NODES = """
import os

def prices(count: int) -> list:
    return [float(i * i) for i in range(count)]

def total(prices: list) -> float:
    return sum(prices)

def largest(prices: list) -> float:
    return max(prices)

def spread(total: float, largest: float, count: int) -> float:
    return largest - total / count

def where_prices(prices: list) -> int:
    return os.getpid()

def where_spread(spread: float) -> int:
    return os.getpid()

def failing(prices: list) -> float:
    raise KeyError("no such price")
"""

OUTPUTS = ["total", "largest", "spread"]


def test_every_node_runs_on_the_workers(client: Client, shipped: ModuleFactory) -> None:
    module = shipped(NODES)
    adapter = h_dask.DaskGraphAdapter(client, base.DictResult())
    on_dask = driver.Builder().with_modules(module).with_adapters(adapter).build()
    result = on_dask.execute([*OUTPUTS, "where_prices", "where_spread"], inputs={"count": 6})
    local = driver.Builder().with_modules(module).build().execute(OUTPUTS, inputs={"count": 6})
    assert {k: result[k] for k in OUTPUTS} == local
    workers = _worker_pids(client)
    assert {result["where_prices"], result["where_spread"]} <= workers
    assert os.getpid() not in workers


def test_a_failing_node_raises_its_own_exception(client: Client, shipped: ModuleFactory) -> None:
    adapter = h_dask.DaskGraphAdapter(client, base.DictResult())
    dr = driver.Builder().with_modules(shipped(NODES)).with_adapters(adapter).build()
    with pytest.raises(KeyError, match="no such price") as caught:
        dr.execute(["failing"], inputs={"count": 3})
    assert any("node 'failing' failed" in n for n in getattr(caught.value, "__notes__", []))


def test_hamiltons_dask_adapter_becomes_livedags(client: Client, shipped: ModuleFactory) -> None:
    from hamilton import base as hamilton_base
    from hamilton.plugins import h_dask as hamilton_h_dask

    theirs = hamilton_h_dask.DaskGraphAdapter(client, hamilton_base.DictResult())
    dr = driver.Driver({}, shipped(NODES), adapter=theirs)
    assert isinstance(dr.graph_executor, h_dask.DaskGraphAdapter)
    result = dr.execute(["spread", "where_spread"], inputs={"count": 4})
    assert result["spread"] == pytest.approx(9.0 - 14.0 / 4)
    assert result["where_spread"] in _worker_pids(client)


def test_hamiltons_other_remote_adapters_are_refused(make_module: ModuleFactory) -> None:
    from hamilton.plugins import h_threadpool

    with pytest.raises(TypeError, match="livedag.engine.h_dask.DaskGraphAdapter"):
        driver.Driver({}, make_module(NODES), adapter=h_threadpool.FutureAdapter())


FRAMES = """
import dask.dataframe as dd
import pandas as pd

def amount(orders: dd.DataFrame) -> dd.Series:
    return orders["amount"]

def amount_with_tax(amount: dd.Series, tax_rate: float) -> dd.Series:
    return amount * (1 + tax_rate)

def mean_amount(amount: dd.Series) -> float:
    return amount.mean()
"""


def test_dask_dataframe_result_is_lazy_and_equals_pandas(
    client: Client, make_module: ModuleFactory
) -> None:
    orders = pd.DataFrame({"amount": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]})
    module = make_module(FRAMES)
    adapter = h_dask.DaskGraphAdapter(
        client, h_dask.DaskDataFrameResult(), use_delayed=False, compute_at_end=False
    )
    dr = driver.Driver({}, module, adapter=adapter)
    inputs = {"orders": dd.from_pandas(orders, npartitions=3), "tax_rate": 0.5}
    lazy = dr.execute(["amount", "amount_with_tax", "mean_amount"], inputs=inputs)
    assert isinstance(lazy, dd.DataFrame)
    computed = client.compute(lazy).result()
    assert list(computed.columns) == ["amount", "amount_with_tax", "mean_amount"]
    assert computed["amount_with_tax"].tolist() == [15.0, 30.0, 45.0, 60.0, 75.0, 90.0]
    assert computed["mean_amount"].tolist() == [35.0] * 6


PARALLEL = """
import os
from hamilton.htypes import Collect, Parallelizable

def chunks(count: int) -> Parallelizable[list]:
    for start in range(0, count, 3):
        yield list(range(start, min(start + 3, count)))

def chunk_sum(chunks: list) -> int:
    if 13 in chunks:
        raise ZeroDivisionError("thirteen")
    return sum(chunks)

def chunk_pid(chunks: list) -> int:
    return os.getpid()

def sums(chunk_sum: Collect[int]) -> list:
    return list(chunk_sum)

def pids(chunk_pid: Collect[int]) -> list:
    return list(chunk_pid)
"""


def _parallel(module: types.ModuleType, remote: Any) -> driver.Driver:
    return (
        driver.Builder()
        .with_modules(module)
        .enable_dynamic_execution(allow_experimental_mode=True)
        .with_remote_executor(remote)
        .build()
    )


def test_parallel_blocks_run_on_the_workers(client: Client, shipped: ModuleFactory) -> None:
    module = shipped(PARALLEL)
    on_dask = _parallel(module, h_dask.DaskExecutor(client=client))
    result = on_dask.execute(["sums", "pids"], inputs={"count": 12})
    local = _parallel(module, executors.SynchronousLocalTaskExecutor())
    assert result["sums"] == local.execute(["sums"], inputs={"count": 12})["sums"]
    assert result["sums"] == [3, 12, 21, 30]
    assert set(result["pids"]) <= _worker_pids(client)
    with pytest.raises(ZeroDivisionError, match="thirteen") as caught:
        on_dask.execute(["sums"], inputs={"count": 15})
    assert any("element 4 of Parallelizable 'chunks'" in n for n in caught.value.__notes__)


def test_hamiltons_dask_executor_is_taken(client: Client, shipped: ModuleFactory) -> None:
    from hamilton.plugins import h_dask as hamilton_h_dask

    dr = _parallel(shipped(PARALLEL), hamilton_h_dask.DaskExecutor(client=client))
    result = dr.execute(["sums", "pids"], inputs={"count": 6})
    assert result["sums"] == [3, 12]
    assert set(result["pids"]) <= _worker_pids(client)


def test_the_dask_example_runs_on_its_workers() -> None:
    """examples/dask_run.py: starts its own cluster, checks its results against in process."""
    example = Path(__file__).resolve().parent.parent.parent / "examples" / "dask_run.py"
    done = subprocess.run(
        [sys.executable, str(example)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "on 2 Dask workers" in done.stdout
    assert "same results as in process" in done.stdout


LAZY_FOR_PANDAS = """
import dask.dataframe as dd
import pandas as pd

def spend(n: int) -> dd.Series:
    return dd.from_pandas(pd.Series([float(i) for i in range(n)]), npartitions=2)

def spend_mean(spend: pd.Series) -> float:
    return spend.mean()
"""


def test_a_dask_series_may_feed_a_pandas_parameter_on_dask(
    client: Client, make_module: ModuleFactory
) -> None:
    """Hamilton lets its Dask adapter connect `dd.Series` to `pd.Series`; other drivers refuse."""
    module = make_module(LAZY_FOR_PANDAS)
    with pytest.raises(driver.GraphError, match="LD004"):
        driver.Builder().with_modules(module).build()
    adapter = h_dask.DaskGraphAdapter(client, base.DictResult(), use_delayed=False)
    dr = driver.Builder().with_modules(module).with_adapters(adapter).build()
    assert dr.execute(["spend_mean"], inputs={"n": 5}) == {"spend_mean": 2.0}


def test_node_hooks_are_refused_rather_than_run_around_task_making(
    make_module: ModuleFactory,
) -> None:
    from livedag.engine.lifecycle import api

    class Timing(api.NodeExecutionHook):
        def run_before_node_execution(self, **_: Any) -> None:
            pass

        def run_after_node_execution(self, **_: Any) -> None:
            pass

    adapter = h_dask.DaskGraphAdapter(None, base.DictResult())
    dr = driver.Builder().with_modules(make_module(NODES)).with_adapters(adapter, Timing()).build()
    with pytest.raises(ValueError, match="use_delayed=False"):
        dr.execute(["total"], inputs={"count": 3})
