"""Task executors for dynamic execution, under Hamilton's names (`hamilton.execution.executors`).

With `Builder().enable_dynamic_execution(allow_experimental_mode=True)` the driver cuts the
dataflow into tasks (`livedag.engine.dynamic`): one per ordinary node, and one per element of a
`Parallelizable[...]` result for the nodes between it and its `Collect[...]`.  An executor runs
tasks and hands back a `concurrent.futures.Future` of each task's outputs:

- `SynchronousLocalTaskExecutor`: in the driver's thread, at submission;
- `MultiThreadingExecutor(max_tasks)`: on a thread pool;
- `MultiProcessingExecutor(max_tasks)`: on a process pool (tasks are sent with cloudpickle when it
  is installed, so decorated nodes travel too; module-level functions must be importable there);
- `livedag.engine.h_dask.DaskExecutor(client=...)`: on a Dask cluster.

As in Hamilton, the execution manager sends the per-element tasks to the *remote* executor
(`Builder.with_remote_executor`, default `MultiThreadingExecutor(max_tasks=10)`) and every other
task to the *local* one (`Builder.with_local_executor`, default synchronous).  Hamilton's own
executors of these kinds are accepted too (`from_hamilton`), translated to these.
"""

from __future__ import annotations

import abc
import concurrent.futures
import enum
import pickle
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

TaskResult = dict[str, Any]


class TaskPurpose(str, enum.Enum):
    """What a task does; the execution manager picks the executor by it (Hamilton's names)."""

    EXECUTE_SINGLE = "execute_single"  # one ordinary node
    EXPAND_UNORDERED = "expand_unordered"  # a Parallelizable node: its result is listed
    EXECUTE_BLOCK = "execute_block"  # the nodes of a parallel block, for one element
    GATHER = "gather"  # a Collect node


@dataclass(frozen=True)
class NodeCall:
    """What a worker needs to run one node: no graph, no types, only the callable and names."""

    name: str
    compute: Callable[..., Any]
    dependencies: tuple[str, ...]
    where: str  # "module.function()", for error notes


@dataclass
class Task:
    """One unit of work: run `nodes` in order from `inputs`, return the values of `outputs`.

    `expand` marks a task whose one node returns `Parallelizable[...]`: its result is listed in
    the worker, so a generator never has to travel.  `element` says which element of which
    Parallelizable node a block task runs for (error notes)."""

    task_id: str
    purpose: TaskPurpose
    nodes: tuple[NodeCall, ...]
    inputs: dict[str, Any]
    outputs: tuple[str, ...]
    expand: bool = False
    element: tuple[str, int] | None = None
    base_id: str = field(default="")


def base_execute_task(task: Task) -> TaskResult:
    """Run a task where this is called (Hamilton's name, so a custom executor can submit it)."""
    values: dict[str, Any] = dict(task.inputs)
    for node in task.nodes:
        kwargs = {name: values[name] for name in node.dependencies if name in values}
        values[node.name] = run_node(node, kwargs, expand=task.expand, element=task.element)
    return {name: values[name] for name in task.outputs}


def run_node(
    node: NodeCall,
    kwargs: Mapping[str, Any],
    *,
    expand: bool = False,
    element: tuple[str, int] | None = None,
) -> Any:
    """The node's value from its arguments.

    A node's exception propagates as its own type, with a note naming the node (and the element
    of the parallel block); an async node, or a Parallelizable result that is not iterable, is
    an error saying what to change.  `expand` lists the result, so no generator has to travel."""
    try:
        result = node.compute(**kwargs)
        if expand:
            result = _listed(node, result)
    except Exception as exc:
        note = _failure_note(exc, node, element)
        if note != "livedag:":
            _add_note(exc, note)
        raise
    # A coroutine or other awaitable, but not a Dask collection (awaitable, and a value here).
    if hasattr(type(result), "__await__") and not hasattr(result, "__dask_graph__"):
        close = getattr(result, "close", None)
        if callable(close):
            close()
        raise TypeError(
            f"node '{node.name}' ({node.where}) is async; livedag's driver runs "
            f"synchronously. Make it a regular function"
        )
    return result


def _listed(node: NodeCall, result: Any) -> list[Any]:
    try:
        iterator = iter(result)
    except TypeError:
        raise TypeError(
            f"node '{node.name}' ({node.where}) is annotated Parallelizable[...] but returned "
            f"{type(result).__name__}, which is not iterable; return or yield the elements"
        ) from None
    return list(iterator)


# Set on an exception by `execution.name_node_in` (node hooks ran): the node is named already.
_NAMED_ATTRIBUTE = "__livedag_node__"


def _failure_note(exc: BaseException, node: NodeCall, element: tuple[str, int] | None) -> str:
    named = getattr(exc, _NAMED_ATTRIBUTE, None) is not None
    note = "livedag:" if named else f"livedag: node '{node.name}' failed in {node.where}"
    if element is not None:
        expander, index = element
        note += f"{',' if not named else ''} for element {index} of Parallelizable '{expander}'"
    return note


def _add_note(exc: BaseException, note: str) -> None:
    add_note = getattr(exc, "add_note", None)  # Python >= 3.11
    if callable(add_note) and note not in getattr(exc, "__notes__", ()):
        add_note(note)


def _completed(task: Task) -> Future[TaskResult]:
    future: Future[TaskResult] = Future()
    try:
        future.set_result(base_execute_task(task))
    except Exception as exc:
        future.set_exception(exc)
    return future


class TaskExecutor(abc.ABC):
    """Runs tasks and returns a Future of each one's outputs.  `init` is called before a run
    and `finalize` after it (in a `finally`), so an executor may hold resources per run."""

    def init(self) -> None:  # noqa: B027 - most executors hold nothing
        """Provision what the executor needs for one run."""

    def finalize(self) -> None:  # noqa: B027
        """Release what `init` provisioned."""

    @abc.abstractmethod
    def submit_task(self, task: Task) -> Future[TaskResult]:
        """Start the task; the Future holds its outputs or the node's exception."""

    def can_submit_task(self) -> bool:
        """Whether a task can be submitted now (the pools queue tasks, so always)."""
        return True


class SynchronousLocalTaskExecutor(TaskExecutor):
    """Runs each task in the driver's thread, when it is submitted."""

    def submit_task(self, task: Task) -> Future[TaskResult]:
        return _completed(task)


class PoolExecutor(TaskExecutor, abc.ABC):
    """A `concurrent.futures` pool of `max_tasks` workers, made by `init`, shut by `finalize`."""

    def __init__(self, max_tasks: int):
        if max_tasks < 1:
            raise ValueError(f"max_tasks must be at least 1, got {max_tasks}")
        self.max_tasks = max_tasks
        self.pool: concurrent.futures.Executor | None = None

    @abc.abstractmethod
    def create_pool(self) -> concurrent.futures.Executor:
        """A new pool of `max_tasks` workers."""

    def init(self) -> None:
        if self.pool is not None:
            raise RuntimeError(f"{type(self).__name__} is already initialized")
        self.pool = self.create_pool()

    def finalize(self) -> None:
        if self.pool is None:
            raise RuntimeError(f"{type(self).__name__} was not initialized")
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None

    def _pool(self) -> concurrent.futures.Executor:
        if self.pool is None:
            raise RuntimeError(f"{type(self).__name__}.init() must be called before submitting")
        return self.pool

    def submit_task(self, task: Task) -> Future[TaskResult]:
        return self._pool().submit(base_execute_task, task)


class MultiThreadingExecutor(PoolExecutor):
    """Runs tasks on `max_tasks` threads of the driver's process."""

    def create_pool(self) -> concurrent.futures.ThreadPoolExecutor:
        return concurrent.futures.ThreadPoolExecutor(
            max_workers=self.max_tasks, thread_name_prefix="livedag-task"
        )


class MultiProcessingExecutor(PoolExecutor):
    """Runs tasks in `max_tasks` worker processes.

    The task goes with cloudpickle when it is installed (closures made by decorators travel by
    value; module-level functions by reference, so their modules must be importable in the
    workers), else with pickle.  Results come back with pickle."""

    def create_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(max_workers=self.max_tasks)

    def submit_task(self, task: Task) -> Future[TaskResult]:
        return self._pool().submit(execute_serialized_task, serialize_task(task))


def serialize_task(task: Task) -> bytes:
    """The task as bytes another process can run; a clear error when something cannot travel."""
    try:
        import cloudpickle

        dumps: Callable[[Any], bytes] = cloudpickle.dumps
    except ImportError:
        dumps = pickle.dumps
    try:
        return dumps(task)
    except Exception as exc:
        names = ", ".join(f"'{n.name}'" for n in task.nodes)
        raise TypeError(
            f"task {task.task_id} (nodes {names}) cannot be sent to a worker process: "
            f"{type(exc).__name__}: {exc}. Make its inputs picklable (install cloudpickle for "
            f"closures), or run it with MultiThreadingExecutor"
        ) from exc


def execute_serialized_task(payload: bytes) -> TaskResult:
    """`base_execute_task` on a task made by `serialize_task` (pickle reads cloudpickle's)."""
    return base_execute_task(pickle.loads(payload))


class ExecutionManager(abc.ABC):
    """Chooses the executor of each task; `init`/`finalize` reach every executor."""

    def __init__(self, executors: list[TaskExecutor]):
        self.executors = executors

    def init(self) -> None:
        for executor in self.executors:
            executor.init()

    def finalize(self) -> None:
        for executor in self.executors:
            executor.finalize()

    @abc.abstractmethod
    def get_executor_for_task(self, task: Task) -> TaskExecutor:
        """The executor that runs `task`."""


class DefaultExecutionManager(ExecutionManager):
    """Parallel blocks on the remote executor, everything else on the local one."""

    def __init__(
        self,
        local_executor: TaskExecutor | None = None,
        remote_executor: TaskExecutor | None = None,
    ):
        self.local_executor = local_executor or SynchronousLocalTaskExecutor()
        self.remote_executor = remote_executor or MultiProcessingExecutor(max_tasks=5)
        super().__init__([self.local_executor, self.remote_executor])

    def get_executor_for_task(self, task: Task) -> TaskExecutor:
        if task.purpose is TaskPurpose.EXECUTE_BLOCK:
            return self.remote_executor
        return self.local_executor


# Hamilton's executors, by (module, class), and how to make livedag's equivalent of one.
_HAMILTON_EXECUTORS: Mapping[tuple[str, str], Callable[[Any], TaskExecutor]] = {
    ("hamilton.execution.executors", "SynchronousLocalTaskExecutor"): lambda _: (
        SynchronousLocalTaskExecutor()
    ),
    ("hamilton.execution.executors", "MultiThreadingExecutor"): lambda h: MultiThreadingExecutor(
        h.max_tasks
    ),
    ("hamilton.execution.executors", "MultiProcessingExecutor"): lambda h: MultiProcessingExecutor(
        h.max_tasks
    ),
    ("hamilton.plugins.h_dask", "DaskExecutor"): lambda h: _dask_executor(h.client),
    ("hamilton.plugins.h_ray", "RayTaskExecutor"): lambda h: _ray_executor(h),
}


def _dask_executor(client: Any) -> TaskExecutor:
    from .h_dask import DaskExecutor

    return DaskExecutor(client=client)


def _ray_executor(hamiltons: Any) -> TaskExecutor:
    from .h_ray import RayTaskExecutor

    return RayTaskExecutor(
        num_cpus=hamiltons.num_cpus,
        ray_init_config=hamiltons.ray_init_config,
        skip_init=hamiltons.skip_init,
    )


def from_hamilton(executor: Any, role: str = "executor") -> TaskExecutor:
    """livedag's executor for `executor`: itself, or the equivalent of one of Hamilton's.

    Hamilton's executors run Hamilton's task objects, so they cannot run livedag's; those of a
    known kind are rebuilt with the same settings, anything else is refused naming what works."""
    if isinstance(executor, TaskExecutor):
        return executor
    kind = type(executor)
    make = _HAMILTON_EXECUTORS.get((kind.__module__, kind.__qualname__))
    if make is not None:
        return make(executor)
    raise TypeError(
        f"{kind.__module__}.{kind.__qualname__} cannot be livedag's {role}: livedag runs its own "
        f"tasks. Use livedag.engine.executors.SynchronousLocalTaskExecutor, "
        f"MultiThreadingExecutor(max_tasks), MultiProcessingExecutor(max_tasks) or "
        f"livedag.engine.h_dask.DaskExecutor(client=...), "
        f"livedag.engine.h_ray.RayTaskExecutor(), or a subclass of "
        f"livedag.engine.executors.TaskExecutor"
    )
