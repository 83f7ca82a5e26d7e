"""Scale-out on a real local Ray instance (two CPUs, worker processes), started once here.

As for Dask: the nodes ran in Ray's workers (process ids), results equal the in-process run, a
failing node's exception arrives as its own type; Hamilton's Ray adapter and executor given to
livedag's driver become livedag's."""

from __future__ import annotations

import importlib
import itertools
import os
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import ray
from livedag.engine import base, driver, executors, h_ray, lifecycle

pytestmark = pytest.mark.slow

ModuleMaker = Callable[[str], types.ModuleType]
_counter = itertools.count()


@pytest.fixture(scope="module")
def modules_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder the Ray workers import node modules from; Ray runs for this file's tests."""
    folder = tmp_path_factory.mktemp("ray_modules")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(folder)}},
    )
    sys.path.insert(0, str(folder))
    yield folder
    sys.path.remove(str(folder))
    ray.shutdown()


@pytest.fixture
def shipped(modules_dir: Path) -> Iterator[ModuleMaker]:
    """Writes a node module where the workers find it and imports it here too."""
    made: list[str] = []

    def make(source: str) -> types.ModuleType:
        name = f"livedag_ray_test_{os.getpid()}_{next(_counter)}"
        (modules_dir / f"{name}.py").write_text(textwrap.dedent(source))
        made.append(name)
        return importlib.import_module(name)

    yield make
    for name in made:
        sys.modules.pop(name, None)


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


def test_every_node_runs_in_a_ray_worker(shipped: ModuleMaker) -> None:
    module = shipped(NODES)
    adapter = h_ray.RayGraphAdapter(base.DictResult())
    on_ray = driver.Builder().with_modules(module).with_adapters(adapter).build()
    result = on_ray.execute([*OUTPUTS, "where_prices", "where_spread"], inputs={"count": 6})
    local = driver.Builder().with_modules(module).build().execute(OUTPUTS, inputs={"count": 6})
    assert {k: result[k] for k in OUTPUTS} == local
    assert os.getpid() not in {result["where_prices"], result["where_spread"]}


def test_a_failing_node_raises_its_own_exception(shipped: ModuleMaker) -> None:
    adapter = h_ray.RayGraphAdapter(base.DictResult())
    dr = driver.Builder().with_modules(shipped(NODES)).with_adapters(adapter).build()
    with pytest.raises(KeyError, match="no such price") as caught:
        dr.execute(["failing"], inputs={"count": 3})
    assert any("node 'failing'" in n for n in getattr(caught.value, "__notes__", []))


def test_node_hooks_run_inside_the_task(shipped: ModuleMaker) -> None:
    """A hook that changes the node's result shows it ran around the node, in the worker."""

    class Doubling(lifecycle.NodeExecutionMethod):
        def run_to_execute_node(self, *, node_callable, node_kwargs, **future_kwargs):  # type: ignore[no-untyped-def]
            value = node_callable(**node_kwargs)
            return (value, os.getpid()) if future_kwargs["node_name"] == "total" else value

    adapters = (h_ray.RayGraphAdapter(base.DictResult()), Doubling())
    dr = driver.Builder().with_modules(shipped(NODES)).with_adapters(*adapters).build()
    value, pid = dr.execute(["total"], inputs={"count": 3})["total"]
    assert value == 5.0 and pid != os.getpid()


def test_hamiltons_ray_adapter_becomes_livedags(shipped: ModuleMaker) -> None:
    from hamilton import base as hamilton_base
    from hamilton.plugins import h_ray as hamilton_h_ray

    theirs = hamilton_h_ray.RayGraphAdapter(hamilton_base.DictResult())
    dr = driver.Driver({}, shipped(NODES), adapter=theirs)
    assert any(isinstance(a, h_ray.RayGraphAdapter) for a in dr.adapter.adapters)
    result = dr.execute(["spread", "where_spread"], inputs={"count": 4})
    assert result["spread"] == pytest.approx(9.0 - 14.0 / 4)
    assert result["where_spread"] != os.getpid()


def test_remote_options_come_from_tags() -> None:
    assert h_ray.remote_options({"ray_remote.num_cpus": "1", "owner": "x"}) == {"num_cpus": 1}
    with pytest.raises(ValueError, match="JSON"):
        h_ray.remote_options({"ray_remote.num_cpus": "one"})


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


def _parallel(module: types.ModuleType, remote: object) -> driver.Driver:
    return (
        driver.Builder()
        .with_modules(module)
        .enable_dynamic_execution(allow_experimental_mode=True)
        .with_remote_executor(remote)
        .build()
    )


def test_parallel_blocks_run_in_ray_workers(shipped: ModuleMaker) -> None:
    module = shipped(PARALLEL)
    on_ray = _parallel(module, h_ray.RayTaskExecutor(skip_init=True))
    result = on_ray.execute(["sums", "pids"], inputs={"count": 12})
    local = _parallel(module, executors.SynchronousLocalTaskExecutor())
    assert result["sums"] == local.execute(["sums"], inputs={"count": 12})["sums"]
    assert result["sums"] == [3, 12, 21, 30]
    assert os.getpid() not in set(result["pids"])
    with pytest.raises(ZeroDivisionError, match="thirteen") as caught:
        on_ray.execute(["sums"], inputs={"count": 15})
    assert any("element 4 of Parallelizable 'chunks'" in n for n in caught.value.__notes__)


def test_hamiltons_ray_executor_becomes_livedags(shipped: ModuleMaker) -> None:
    from hamilton.plugins import h_ray as hamilton_h_ray

    on_ray = _parallel(shipped(PARALLEL), hamilton_h_ray.RayTaskExecutor(skip_init=True))
    result = on_ray.execute(["sums", "pids"], inputs={"count": 6})
    assert result["sums"] == [3, 12]
    assert os.getpid() not in set(result["pids"])


def test_result_cache_is_refused_with_ray(shipped: ModuleMaker, tmp_path: Path) -> None:
    """The cache's bookkeeping would happen in the workers and be lost: refused, named."""
    with pytest.raises(NotImplementedError, match="with_cache\\(\\) with RayGraphAdapter"):
        (
            driver.Builder()
            .with_modules(shipped(NODES))
            .with_adapters(h_ray.RayGraphAdapter(base.DictResult()))
            .with_cache(path=tmp_path / "cache")
            .build()
        )


def test_ray_remote_options_reach_the_task(shipped: ModuleMaker) -> None:
    module = shipped(
        """
import ray
from hamilton.function_modifiers.metadata import ray_remote_options

@ray_remote_options(num_cpus=2)
def wide(x: int) -> dict:
    return ray.get_runtime_context().get_assigned_resources()

def narrow(x: int) -> dict:
    return ray.get_runtime_context().get_assigned_resources()
"""
    )
    adapter = h_ray.RayGraphAdapter(base.DictResult())
    dr = driver.Builder().with_modules(module).with_adapters(adapter).build()
    assert dr.graph.node("wide").tags["ray_remote.num_cpus"] == "2"
    result = dr.execute(["wide", "narrow"], inputs={"x": 1})
    assert result == {"wide": {"CPU": 2.0}, "narrow": {"CPU": 1.0}}
