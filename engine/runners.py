"""Which code runs a dataflow's nodes: in process (`execution.run`), task by task (dynamic
execution), or on a cluster (an adapter such as `h_dask.DaskGraphAdapter`).

The driver asks `pick` once, when it is built.  Hamilton's adapters that run nodes elsewhere are
never taken for mere result builders: its `DaskGraphAdapter` and `RayGraphAdapter` become
livedag's with the same settings; the others (Spark, thread pools, async) are refused, naming
what livedag offers.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any

from .dataflow import Dataflow


class DataflowRunner(abc.ABC):
    """Runs the nodes `outputs` need and returns the outputs, in the order requested."""

    @abc.abstractmethod
    def execute(
        self,
        flow: Dataflow,
        outputs: Sequence[str],
        *,
        inputs: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
        adapters: Any = None,
        graph: Any = None,
        run_id: str | None = None,
    ) -> dict[str, Any]:
        """Compute `outputs` (by name); `adapters` (a LifecycleAdapterSet) run around the nodes,
        shown `graph` (a RuntimeGraph), or the runner refuses them."""


def _is_hamilton_remote_adapter(adapter: Any) -> bool:
    """One of Hamilton's plugin adapters that runs each node somewhere else."""
    module = type(adapter).__module__
    if not module.startswith("hamilton.plugins."):
        return False
    return any(callable(getattr(adapter, m, None)) for m in ("execute_node", "do_remote_execute"))


def _from_hamilton_ray(adapter: Any) -> Any:
    """livedag's RayGraphAdapter with the settings of Hamilton's (which started Ray already, if
    it was given a ray_init_config)."""
    from .h_ray import RayGraphAdapter

    return RayGraphAdapter(
        adapter.result_builder, shutdown_ray_on_completion=adapter.shutdown_ray_on_completion
    )


def _from_hamilton_dask(adapter: Any) -> DataflowRunner:
    from .h_dask import DaskGraphAdapter

    return DaskGraphAdapter(
        adapter.client,
        adapter.result_builder,
        visualize_kwargs=adapter.visualize_kwargs,
        use_delayed=adapter.use_delayed,
        compute_at_end=adapter.compute_at_end,
    )


def pick(adapters: Sequence[Any], dynamic: DataflowRunner | None) -> tuple[list[Any], Any]:
    """The adapters to keep (Hamilton's Dask adapter swapped for livedag's) and the runner: the
    dynamic executor, a runner among the adapters, or None for in-process execution."""
    kept: list[Any] = []
    for adapter in adapters:
        kind = type(adapter)
        if (kind.__module__, kind.__qualname__) == ("hamilton.plugins.h_dask", "DaskGraphAdapter"):
            adapter = _from_hamilton_dask(adapter)
        elif (kind.__module__, kind.__qualname__) == ("hamilton.plugins.h_ray", "RayGraphAdapter"):
            adapter = _from_hamilton_ray(adapter)
        elif _is_hamilton_remote_adapter(adapter):
            raise TypeError(
                f"{kind.__module__}.{kind.__qualname__} runs nodes outside this process, which "
                f"livedag's driver does not do with Hamilton's adapters. To scale out use "
                f"livedag.engine.h_dask.DaskGraphAdapter(client) or "
                f"livedag.engine.h_ray.RayGraphAdapter(result_builder) (every node a task), or "
                f"enable_dynamic_execution with h_dask.DaskExecutor or h_ray.RayTaskExecutor; "
                f"or run this dataflow with Hamilton's driver"
            )
        kept.append(adapter)
    runners = [a for a in kept if isinstance(a, DataflowRunner)]
    if len(runners) > 1:
        raise ValueError(
            f"{len(runners)} adapters that run nodes given "
            f"({', '.join(type(r).__name__ for r in runners)}); pass at most one"
        )
    if runners and dynamic is not None:
        raise ValueError(
            f"{type(runners[0]).__name__} runs every node itself, which dynamic execution does "
            f"too; with enable_dynamic_execution, run parallel blocks on Dask with "
            f"with_remote_executor(livedag.engine.h_dask.DaskExecutor(client=...)) instead"
        )
    return kept, dynamic if dynamic is not None else (runners[0] if runners else None)
