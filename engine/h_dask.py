"""Scale out on Dask, under Hamilton's names (`hamilton.plugins.h_dask`).

- `DaskGraphAdapter(client)`: every node a Dask task (`dask.delayed`), the whole dataflow sent to
  the client's scheduler at once, so independent nodes run side by side on the workers and data
  stays there until the result is built.  With `use_delayed=False` the nodes run in the driver's
  process instead, for dataflows whose nodes already work on lazy Dask collections.
- `DaskDataFrameResult`: the outputs as one Dask DataFrame (lazily: nothing is computed).
- `DaskExecutor(client=...)`: with dynamic execution, runs each element of a `Parallelizable`
  block as a Dask task (`Builder().with_remote_executor(DaskExecutor(client=client))`).

Nodes run on the workers, so the modules defining them must be importable there (as with any Dask
code); the workers of a `LocalCluster` started by a script see its folder.  A node's exception
reaches the caller as its own type, with a note naming the node.  Hamilton's `DaskGraphAdapter`
and `DaskExecutor` given to livedag's driver are turned into these (`runners`, `executors`).
"""

from __future__ import annotations

import concurrent.futures
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import dask
import dask.array
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import delayed

from . import base, execution
from .dataflow import Dataflow
from .executors import NodeCall, Task, TaskExecutor, TaskResult, base_execute_task, run_node
from .runners import DataflowRunner
from .specs import NodeKind


class DaskGraphAdapter(base.HamiltonGraphAdapter, DataflowRunner):
    """Runs every node as a task on `dask_client`'s cluster; builds the result with
    `result_builder` (default: a pandas DataFrame, as Hamilton).

    `use_delayed=False` runs the nodes in the driver's process (their Dask collections stay
    lazy).  `compute_at_end=False` returns the result uncomputed (a `Delayed`, or the result
    builder's Dask collection); otherwise it is computed on the cluster and brought back.
    `visualize_kwargs` are passed to the result's `visualize()` (needs graphviz)."""

    def __init__(
        self,
        dask_client: Any,
        result_builder: Any = None,
        visualize_kwargs: Mapping[str, Any] | None = None,
        use_delayed: bool = True,
        compute_at_end: bool = True,
    ):
        self.client = dask_client
        self.result_builder = result_builder or base.PandasDataFrameResult()
        self.visualize_kwargs = dict(visualize_kwargs) if visualize_kwargs is not None else None
        self.use_delayed = use_delayed
        self.compute_at_end = compute_at_end

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
        """The outputs as `Delayed` values (computed values, when `use_delayed=False`)."""
        if not self.use_delayed:
            return execution.run(
                flow,
                outputs,
                inputs=inputs,
                overrides=overrides,
                adapters=adapters,
                graph=graph,
                run_id=run_id,
            )
        _refuse_node_lifecycle(adapters)
        overrides = dict(overrides or {})
        given = execution.given_values(flow.config, inputs)
        execution.check_outputs(flow, outputs, given)
        needed = execution.needed_nodes(flow, outputs, given, overrides)
        execution.check_inputs(
            flow, outputs, needed, given, overrides, execution.input_check(adapters)
        )
        execution.check_static_execution(flow, needed, overrides)
        values: dict[str, Any] = {**given, **overrides}
        run = uuid.uuid4().hex[:8]
        for name in flow.topological_order():
            spec = flow.nodes[name]
            if name not in needed or name in values or spec.kind is not NodeKind.FUNCTION:
                continue
            if spec.compute is None:
                raise execution.ExecutionError(
                    f"node '{name}' has nothing to run (it was built from source text, not "
                    f"from an imported module); build the driver from imported modules"
                )
            where = f"{spec.module}.{spec.function}()" if spec.module else f"{spec.function}()"
            call = NodeCall(name, spec.compute, spec.dependency_names, where)
            kwargs = {d: values[d] for d in call.dependencies if d in values}
            values[name] = delayed(run_node, pure=False)(
                call, kwargs, dask_key_name=f"{name}-{run}"
            )
        return {name: values[name] for name in outputs}

    def do_check_edge_types_match(self, *, type_from: Any, type_to: Any) -> bool:
        """The lifecycle method the driver asks about type mismatches (LD004)."""
        return self.check_node_type_equivalence(type_from, type_to)

    def do_validate_input(self, *, node_type: Any, input_value: Any) -> bool:
        """Inputs may be lazy: a Dask collection where its pandas or numpy form is annotated."""
        if isinstance(input_value, _LAZY_FORMS.get(node_type, ())):
            return True
        return execution.value_matches(input_value, node_type)

    @staticmethod
    def check_node_type_equivalence(node_type: Any, input_type: Any) -> bool:
        """A node producing a Dask collection may feed a parameter annotated with its pandas or
        numpy counterpart (Hamilton's rule): the value is the lazy form of the same data."""
        return node_type == input_type or node_type in _LAZY_FORMS.get(input_type, ())

    def build_result(self, **outputs: Any) -> Any:
        """The result builder's result, computed on the cluster unless `compute_at_end=False`."""
        if self.use_delayed:
            result = delayed(self.result_builder.build_result)(**outputs)
        else:
            result = self.result_builder.build_result(**outputs)
        if self.visualize_kwargs is not None and dask.is_dask_collection(result):
            result.visualize(**self.visualize_kwargs)
        if not self.compute_at_end:
            return result
        # Computed once, as Hamilton does: a result builder run as a task that returns a Dask
        # collection (DaskDataFrameResult with use_delayed) gives that collection, still lazy.
        return self._computed(result)

    def _computed(self, value: Any) -> Any:
        """`value` computed on the cluster; Dask objects inside a dict or list too."""
        (computed,) = dask.compute(value, scheduler=self.client)
        return computed


_LAZY_FORMS: dict[Any, tuple[type, ...]] = {
    pd.Series: (dd.Series,),
    pd.DataFrame: (dd.DataFrame,),
    np.ndarray: (dask.array.Array,),
}


def _refuse_node_lifecycle(adapters: Any) -> None:
    """Node hooks would run in the driver around making a task, not around the node: refuse."""
    if adapters is None:
        return
    steps = [h for h in ("pre_node_execute", "post_node_execute") if adapters.does_hook(h)]
    steps += [m for m in ("do_node_execute", "do_remote_execute") if adapters.does_method(m)]
    if steps:
        raise execution.ExecutionError(
            f"an adapter implements {', '.join(steps)}, which DaskGraphAdapter does not run "
            f"inside its Dask tasks; use DaskGraphAdapter(..., use_delayed=False) (nodes in this "
            f"process, hooks included) or leave that adapter out"
        )


class DaskDataFrameResult(base.ResultMixin):
    """The outputs as one lazy Dask DataFrame, columns in the order requested.

    A Dask Series is a column named after its output; a DataFrame gives `output.column`
    columns; pandas objects, arrays and lists are turned into Dask ones; a scalar (a Dask scalar
    included) is repeated along the first output that has an index, without computing it."""

    @staticmethod
    def build_result(**outputs: Any) -> Any:
        if not outputs:
            raise ValueError("No outputs requested; a DataFrame needs at least one")
        indexed = [_as_dask(name, value) for name, value in outputs.items()]
        template = next((part for part in indexed if part is not None), None)
        parts = []
        for (name, value), part in zip(outputs.items(), indexed, strict=True):
            if part is not None:
                parts.append(part)
            elif template is not None:
                parts.append(_repeated(template, name, value))
            else:
                scalar = value.compute() if dask.is_dask_collection(value) else value
                parts.append(dd.from_pandas(pd.DataFrame({name: [scalar]}), npartitions=1))
        if len(parts) == 1:
            return parts[0]
        return dd.concat(parts, axis=1, join="outer")


def _as_dask(name: str, value: Any) -> Any | None:
    """`value` as a Dask DataFrame with its output's column names, None for a scalar."""
    if isinstance(value, pd.Series | pd.DataFrame):
        value = dd.from_pandas(value, npartitions=1)
    elif isinstance(value, np.ndarray | list | tuple):
        value = dd.from_dask_array(dask.array.from_array(np.asarray(value)))
    if isinstance(value, dd.Series):
        return value.rename(name).to_frame()
    if isinstance(value, dd.DataFrame):
        return value.rename(columns={c: f"{name}.{c}" for c in value.columns})
    return None


def _repeated(template: Any, name: str, value: Any) -> Any:
    """A column `name` holding `value` on every row of `template`, lazily."""

    def fill(part: pd.DataFrame, scalar: Any) -> pd.DataFrame:
        return pd.DataFrame({name: [scalar] * len(part)}, index=part.index)

    if dask.is_dask_collection(value):  # a Dask scalar: its type is known once computed
        meta = pd.DataFrame({name: pd.Series([], dtype=object)})
    else:
        meta = pd.DataFrame({name: [value]}).iloc[:0]
    return template.map_partitions(fill, value, meta=meta)


class DaskExecutor(TaskExecutor):
    """Runs tasks (the elements of `Parallelizable` blocks) on `client`'s cluster.

    The client is the caller's: this neither starts nor closes it."""

    def __init__(self, *, client: Any):
        self.client = client
        self._active: list[Any] = []

    def submit_task(self, task: Task) -> concurrent.futures.Future[TaskResult]:
        remote = self.client.submit(
            base_execute_task, task, pure=False, key=f"{task.task_id}-{uuid.uuid4().hex[:8]}"
        )
        self._active.append(remote)  # a Dask future dropped is a task cancelled
        local: concurrent.futures.Future[TaskResult] = concurrent.futures.Future()

        def settle(done: Any) -> None:
            if done.status == "finished":
                local.set_result(done.result())
            elif done.status == "cancelled":
                local.cancel()
            else:
                local.set_exception(done.exception())

        remote.add_done_callback(settle)
        return local

    def finalize(self) -> None:
        pending = [f for f in self._active if not f.done()]
        if pending:
            self.client.cancel(pending)
        self._active = []
