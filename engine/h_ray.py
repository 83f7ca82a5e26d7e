"""Scale out on Ray, under Hamilton's names (`hamilton.plugins.h_ray`), shaped as `h_dask`.

- `RayGraphAdapter(result_builder)`: every node a Ray task.  Values move between tasks as Ray
  object references, so data stays in Ray's object store until the result is built; the node's
  lifecycle hooks run inside its task, around the node (`do_remote_execute`).  The result
  builder runs as a task too, and its result is brought back.
- `RayTaskExecutor(num_cpus=...)`: with dynamic execution, runs each element of a
  `Parallelizable` block as a Ray task (`Builder().with_remote_executor(RayTaskExecutor())`).

Ray starts (or joins) its cluster with `ray.init`: `RayGraphAdapter(ray_init_config={...})` and
`RayTaskExecutor` call it; otherwise the caller does.  Node functions travel to the workers by
reference, so their modules must be importable there (`ray.init(runtime_env=...)`).  A node's
exception reaches the caller as its own type (Ray's error subclasses it), with a note naming the
node.  Hamilton's `RayGraphAdapter` and `RayTaskExecutor` given to livedag's driver are turned
into these (`runners`, `executors`).  Options for one node's task (`num_cpus`, `memory`, ...) come
from its `ray_remote.<option>` tags, JSON-encoded, as Hamilton reads them.
"""

from __future__ import annotations

import concurrent.futures
import json
from collections.abc import Callable, Mapping
from typing import Any

import ray

from . import execution
from .executors import Task, TaskExecutor, TaskResult, base_execute_task
from .lifecycle.base import (
    BaseDoBuildResult,
    BaseDoCheckEdgeTypesMatch,
    BaseDoRemoteExecute,
    BaseDoValidateInput,
    BasePostGraphExecute,
)

RAY_REMOTE_TAG_NAMESPACE = "ray_remote"


def remote_options(tags: Mapping[str, Any]) -> dict[str, Any]:
    """`ray.remote(...).options(**...)` for a node: its `ray_remote.<option>` tags, JSON values."""
    prefix = f"{RAY_REMOTE_TAG_NAMESPACE}."
    options = {}
    for key, value in tags.items():
        if not key.startswith(prefix):
            continue
        try:
            options[key[len(prefix) :]] = json.loads(value)
        except (TypeError, json.JSONDecodeError) as exc:
            raise ValueError(
                f"tag {key}={value!r} is not JSON; Ray options are written as JSON text, e.g. "
                f'ray_remote.num_cpus="2"'
            ) from exc
    return options


def _run_lifecycle(lifecycle: Callable[..., Any], /, **kwargs: Any) -> Any:
    """In the task: the node with its hooks, on its arguments (Ray resolved the references)."""
    return lifecycle(**kwargs)


def _build_result(builder: Any, /, **outputs: Any) -> Any:
    """In the task: the result builder on the outputs (Ray resolved the references)."""
    return builder.build_result(**outputs)


class RayGraphAdapter(
    BaseDoRemoteExecute,
    BaseDoBuildResult,
    BaseDoValidateInput,
    BaseDoCheckEdgeTypesMatch,
    BasePostGraphExecute,
):
    """Runs every node as a Ray task and builds the result with `result_builder` (required,
    as in Hamilton) in one more task.  `ray_init_config` starts or joins a cluster
    (`ray.init(**ray_init_config)`) when given; `shutdown_ray_on_completion` shuts Ray down
    after each execution."""

    def __init__(
        self,
        result_builder: Any,
        ray_init_config: Mapping[str, Any] | None = None,
        shutdown_ray_on_completion: bool = False,
    ):
        if result_builder is None:
            raise ValueError(
                "RayGraphAdapter needs a result builder, e.g. "
                "RayGraphAdapter(livedag.engine.base.DictResult())"
            )
        self.result_builder = result_builder
        self.ray_init_config = dict(ray_init_config) if ray_init_config is not None else None
        self.shutdown_ray_on_completion = shutdown_ray_on_completion
        if self.ray_init_config is not None:
            ray.init(**self.ray_init_config)

    def do_remote_execute(
        self, *, node: Any, execute_lifecycle_for_node: Callable[..., Any], **kwargs: Any
    ) -> Any:
        """A reference to the node's value, computed by a Ray task (arguments given as
        references are resolved by Ray before the task runs)."""
        task = ray.remote(_run_lifecycle).options(name=node.name, **remote_options(node.tags))
        return task.remote(execute_lifecycle_for_node, **kwargs)

    def do_build_result(self, *, outputs: Any) -> Any:
        """The result builder's result, built in a task and brought back to this process."""
        built = ray.remote(_build_result).options(name="build_result")
        return ray.get(built.remote(self.result_builder, **outputs))

    def do_validate_input(self, *, node_type: Any, input_value: Any) -> bool:
        """An input may be a Ray object reference: its type is known once it is fetched."""
        if isinstance(input_value, ray.ObjectRef):
            return True
        return execution.value_matches(input_value, node_type)

    def do_check_edge_types_match(self, *, type_from: Any, type_to: Any) -> bool:
        return bool(type_from == type_to)

    def post_graph_execute(self, **future_kwargs: Any) -> None:
        if self.shutdown_ray_on_completion:
            ray.shutdown()


class RayTaskExecutor(TaskExecutor):
    """Runs tasks (the elements of `Parallelizable` blocks) as Ray tasks.

    `init` starts Ray (`ray.init(num_cpus=..., **ray_init_config)`) and `finalize` shuts it down,
    unless `skip_init`: then the caller's Ray is used and left running."""

    def __init__(
        self,
        num_cpus: int | None = None,
        ray_init_config: Mapping[str, Any] | None = None,
        skip_init: bool = False,
    ):
        self.num_cpus = num_cpus
        self.ray_init_config = dict(ray_init_config or {})
        self.skip_init = skip_init

    def init(self) -> None:
        if not self.skip_init:
            ray.init(num_cpus=self.num_cpus, **self.ray_init_config)

    def finalize(self) -> None:
        if not self.skip_init:
            ray.shutdown()

    def submit_task(self, task: Task) -> concurrent.futures.Future[TaskResult]:
        reference = ray.remote(base_execute_task).options(name=task.task_id).remote(task)
        future: concurrent.futures.Future[TaskResult] = reference.future()
        return future
