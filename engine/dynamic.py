"""Dynamic execution: `Parallelizable[T]` / `Collect[T]` run as Hamilton runs them.

Turned on by `Builder().enable_dynamic_execution(allow_experimental_mode=True)`.  The nodes a run
needs are cut into tasks (Hamilton's `GroupByRepeatableBlocks`):

- a node returning `Parallelizable[T]` (expand) is one task; its result is listed;
- the nodes between it and the `Collect[T]` nodes that gather them form its *block*, run once per
  element (one task each, on the remote executor), with the element as the expand node's value;
- a Collect node gets, for its `Collect[...]` parameter, the list of that parameter's values, one
  per element in the order of the elements (the elements themselves when it collects the expand
  node directly);
- every other node is a task of its own, on the local executor.

A node's block is found by walking forward from the expand nodes (`_blocks`).  What Hamilton
cannot run (it raises internal errors or returns wrong values) is refused before anything runs,
naming the nodes: nested blocks, a node mixing elements of two Parallelizable nodes, a per-element
value used without a Collect (requested as an output, or read by an ordinary node), a Collect
whose parameter is not per-element, more than one `Collect[...]` parameter.  Several Collect
nodes may gather one block (Hamilton loses all but one of them); blocks may follow one another.
"""

from __future__ import annotations

import concurrent.futures
import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import execution, executors
from .dataflow import Dataflow
from .execution import (
    ExecutionError,
    check_inputs,
    check_outputs,
    given_values,
    needed_nodes,
)
from .executors import ExecutionManager, NodeCall, Task, TaskPurpose
from .graph_types import RuntimeGraph
from .lifecycle.base import LifecycleAdapterSet
from .rules.parallel import COLLECT, dynamic_marker
from .runners import DataflowRunner
from .specs import NodeKind, NodeRole, NodeSpec


@dataclass
class Block:
    """The nodes that run once per element of `expander`, and what they need and give."""

    expander: str
    nodes: list[str] = field(default_factory=list)  # producers first
    inputs: set[str] = field(default_factory=set)  # values from outside, besides the element
    outputs: set[str] = field(default_factory=set)  # what the Collect nodes gather


@dataclass
class Plan:
    """Which node runs how: blocks by expand node, and the Collect parameter of each collector."""

    blocks: dict[str, Block]
    collects: dict[str, tuple[str, str]]  # collector -> (its Collect parameter, expand node)
    static: list[str]  # nodes run once, producers first


def collect_parameter(spec: NodeSpec) -> str:
    """The one parameter of a Collect node annotated `Collect[...]`; refuse none or several."""
    params = [d.name for d in spec.dependencies if dynamic_marker(d.type) == COLLECT]
    if len(params) != 1:
        found = ", ".join(f"'{p}'" for p in params) or "none"
        raise ExecutionError(
            f"'{spec.name}' is a Collect node, so exactly one of its parameters must be "
            f"annotated Collect[...] (found {found}); gather the parallel results through one "
            f"parameter (Hamilton allows one Collect[...] input per function)"
        )
    return params[0]


def make_plan(
    flow: Dataflow, outputs: Sequence[str], needed: set[str], overrides: Mapping[str, Any]
) -> Plan:
    """Cut the needed nodes into blocks and single nodes, or refuse what cannot run right."""
    order = [n for n in flow.topological_order() if n in needed]
    # element_of[n]: the expand node whose elements n's value is one of (per element), or None.
    element_of: dict[str, str | None] = {}
    collects: dict[str, tuple[str, str]] = {}

    def carries(dep: str) -> str | None:
        """The expand node whose element a consumer of `dep` receives."""
        spec = flow.nodes.get(dep)
        if spec is not None and spec.role is NodeRole.EXPAND and dep in needed:
            return dep
        return element_of.get(dep)

    for name in order:
        spec = flow.nodes[name]
        if name in overrides or spec.kind is not NodeKind.FUNCTION:
            element_of[name] = None
            continue
        deps = [d.name for d in spec.dependencies if d.name in needed]
        if spec.role is NodeRole.COLLECT:
            param = collect_parameter(spec)
            expander = carries(param) if param in needed else None
            if expander is None:
                cut = f" (overrides cut it off: {_names(overrides)})" if overrides else ""
                raise ExecutionError(
                    f"'{name}' collects '{param}', which does not run once per element of any "
                    f"Parallelizable node{cut}; a Collect[...] parameter must name a node "
                    f"downstream of a Parallelizable[...] node, or that node itself"
                )
            others = {carries(d) for d in deps if d != param} - {None}
            if others:
                raise ExecutionError(
                    f"'{name}' gathers '{param}' but also takes per-element values of "
                    f"{_names(others)} through ordinary parameters; only its Collect[...] "
                    f"parameter may be per element"
                )
            collects[name] = (param, expander)
            element_of[name] = None
            continue
        sources = {carries(d) for d in deps} - {None}
        if len(sources) > 1:
            raise ExecutionError(
                f"'{name}' takes per-element values of several Parallelizable nodes "
                f"({_names(sources)}); Hamilton runs one parallel block at a time. Collect "
                f"each block first, then combine the collected values"
            )
        source = next(iter(sources), None)
        if spec.role is NodeRole.EXPAND and source is not None:
            raise ExecutionError(
                f"'{name}' is Parallelizable and runs once per element of '{source}': nested "
                f"parallel blocks are not supported (Hamilton allows one level). Collect the "
                f"outer block before expanding again"
            )
        element_of[name] = source

    per_element = sorted(o for o in outputs if element_of.get(o) is not None)
    if per_element:
        listed = ", ".join(f"'{o}' (per element of '{element_of[o]}')" for o in per_element)
        raise ExecutionError(
            f"cannot return {listed}: computed once per element, such a node has no single "
            f"value. Request the Collect[...] node that gathers it instead"
        )
    return Plan(
        _blocks(flow, order, needed, element_of, collects),
        collects,
        _static(order, element_of, flow, overrides),
    )


def _static(
    order: list[str],
    element_of: Mapping[str, str | None],
    flow: Dataflow,
    overrides: Mapping[str, Any],
) -> list[str]:
    return [
        n
        for n in order
        if element_of.get(n) is None
        and n not in overrides
        and flow.nodes[n].kind is NodeKind.FUNCTION
    ]


def _blocks(
    flow: Dataflow,
    order: list[str],
    needed: set[str],
    element_of: Mapping[str, str | None],
    collects: Mapping[str, tuple[str, str]],
) -> dict[str, Block]:
    blocks: dict[str, Block] = {}
    for name in order:
        spec = flow.nodes[name]
        if spec.role is NodeRole.EXPAND and spec.kind is NodeKind.FUNCTION:
            blocks[name] = Block(name)
    for name in order:  # a per-element node of an overridden expand node gets a block too
        expander = element_of.get(name)
        if expander is not None:
            blocks.setdefault(expander, Block(expander)).nodes.append(name)
    for _param, expander in collects.values():
        blocks.setdefault(expander, Block(expander))
    for block in blocks.values():
        members = set(block.nodes)
        for name in block.nodes:
            for dep in flow.nodes[name].dependencies:
                if dep.name in needed and dep.name not in members and dep.name != block.expander:
                    block.inputs.add(dep.name)
    for param, expander in collects.values():
        if param != expander:
            blocks[expander].outputs.add(param)
    # Every per-element node must end in a Collect: anything else reading one was refused above
    # (an output, an ordinary node mixing blocks, a nested expand), or is a block member.
    return blocks


def _names(names: Any) -> str:
    return ", ".join(f"'{n}'" for n in sorted(names))


def _call(spec: NodeSpec) -> NodeCall:
    if spec.compute is None:
        raise ExecutionError(
            f"node '{spec.name}' has nothing to run (it was built from source text, not from an "
            f"imported module); build the driver from imported modules"
        )
    where = f"{spec.module}.{spec.function}()" if spec.module else f"{spec.function}()"
    return NodeCall(spec.name, spec.compute, spec.dependency_names, where)


class TaskBasedGraphExecutor(DataflowRunner):
    """Runs a dataflow task by task on an execution manager's executors (Hamilton's name)."""

    def __init__(self, execution_manager: ExecutionManager):
        if not isinstance(execution_manager, ExecutionManager):
            kind = type(execution_manager)
            raise TypeError(
                f"{kind.__module__}.{kind.__qualname__} is not livedag's execution manager; "
                f"subclass livedag.engine.executors.ExecutionManager, or pass executors with "
                f"with_local_executor/with_remote_executor"
            )
        self.execution_manager = execution_manager

    def execute(
        self,
        flow: Dataflow,
        outputs: Sequence[str],
        *,
        inputs: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
        adapters: LifecycleAdapterSet | None = None,
        graph: RuntimeGraph | None = None,
        run_id: str | None = None,
    ) -> dict[str, Any]:
        """Compute `outputs` (by name) and return them in the order requested.

        The adapters' node hooks and methods run around each node inside its task (so, as in
        Hamilton, they travel to where the task runs)."""
        _refuse_task_hooks(adapters)
        overrides = dict(overrides or {})
        given = given_values(flow.config, inputs)
        check_outputs(flow, outputs, given)
        needed = needed_nodes(flow, outputs, given, overrides)
        check_inputs(flow, outputs, needed, given, overrides, execution.input_check(adapters))
        plan = make_plan(flow, outputs, needed, overrides)
        values = {**given, **overrides}
        calls = _Calls(flow, adapters, graph, run_id or str(uuid.uuid4()))
        self.execution_manager.init()
        try:
            _Run(flow, plan, needed, values, self.execution_manager, calls).to_completion()
        finally:
            self.execution_manager.finalize()
        return {name: values[name] for name in outputs}


_TASK_HOOKS = (
    "post_task_group",
    "post_task_expand",
    "pre_task_submission",
    "post_task_return",
    "pre_task_execute",
    "post_task_execute",
)


def _refuse_task_hooks(adapters: LifecycleAdapterSet | None) -> None:
    hooks = [h for h in _TASK_HOOKS if adapters is not None and adapters.does_hook(h)]
    if hooks:
        raise ExecutionError(
            f"an adapter implements task hooks ({', '.join(hooks)}), which livedag's dynamic "
            f"execution does not call yet; leave that adapter out, or run this dataflow with "
            f"Hamilton's driver (node and graph hooks do run)"
        )


class _Calls:
    """The NodeCall of each node: its function, or the function inside the adapters' node
    lifecycle (`execution.execute_lifecycle_for_node`) when they have node hooks or methods."""

    def __init__(
        self,
        flow: Dataflow,
        adapters: LifecycleAdapterSet | None,
        graph: RuntimeGraph | None,
        run_id: str,
    ):
        self.flow = flow
        steps = ("pre_node_execute", "post_node_execute")
        methods = ("do_node_execute", "do_remote_execute")
        lifecycle = adapters is not None and (
            any(adapters.does_hook(h) for h in steps)
            or any(adapters.does_method(m) for m in methods)
        )
        self.adapters = adapters if lifecycle else None
        self.graph = graph if graph is not None or not lifecycle else execution.runtime_graph(flow)
        self.run_id = run_id

    def __call__(self, name: str, task_id: str) -> NodeCall:
        call = _call(self.flow.nodes[name])
        if self.adapters is None or self.graph is None:
            return call
        node = self.graph.node(name)
        if self.adapters.does_method("do_remote_execute"):
            raise ExecutionError(
                "an adapter implements do_remote_execute, which decides where each node runs; "
                "with dynamic execution the executors decide that. Leave the adapter out, or "
                "turn dynamic execution off"
            )
        compute = functools.partial(
            execution.execute_lifecycle_for_node, node, self.adapters, self.run_id, task_id
        )
        return NodeCall(call.name, compute, call.dependencies, call.where)


class _Run:
    """One execution: submits tasks whose inputs are ready, collects their futures' results."""

    def __init__(
        self,
        flow: Dataflow,
        plan: Plan,
        needed: set[str],
        values: dict[str, Any],
        manager: ExecutionManager,
        calls: _Calls,
    ):
        self.flow = flow
        self.calls = calls
        self.plan = plan
        self.values = values
        self.manager = manager
        self.position = {name: i for i, name in enumerate(flow.topological_order())}
        # unit id -> what must be finished first.  Units: a static node (its name), a block
        # ("block:" + expand node).  A block finishes when every element's task has.
        self.waiting: dict[str, set[str]] = {}
        unit_of: dict[str, str] = {}
        for expander, block in plan.blocks.items():
            for name in block.nodes:
                unit_of[name] = _block_unit(expander)
        for name in plan.static:
            deps = {d.name for d in flow.nodes[name].dependencies if d.name in needed}
            if name in plan.collects:
                param, expander = plan.collects[name]
                deps.discard(param)
                deps.add(_block_unit(expander))
                if expander in needed:
                    deps.add(expander)
            self.waiting[name] = {unit_of.get(d, d) for d in deps} - {name}
        for expander, block in plan.blocks.items():
            deps = {unit_of.get(d, d) for d in block.inputs} | {expander}
            self.waiting[_block_unit(expander)] = deps
        self.finished: set[str] = {n for n in values if n not in self.waiting}
        self.per_element: dict[str, list[dict[str, Any] | None]] = {}
        self.remaining: dict[str, int] = {}
        self.futures: dict[concurrent.futures.Future[Any], tuple[str, int | None]] = {}

    def to_completion(self) -> None:
        try:
            while self.waiting or self.futures:
                ready = sorted(
                    (u for u, deps in self.waiting.items() if deps <= self.finished),
                    key=self._rank,
                )
                for unit in ready:
                    del self.waiting[unit]
                    self._start(unit)
                if not self.futures:
                    if self.waiting and not ready:
                        stuck = ", ".join(sorted(self.waiting))
                        raise RuntimeError(f"livedag's dynamic run cannot proceed: {stuck}")
                    continue
                done, _ = concurrent.futures.wait(
                    list(self.futures), return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in done:
                    unit, index = self.futures.pop(future)
                    self._finish(unit, index, future.result())
        except BaseException:
            for future in self.futures:
                future.cancel()
            raise

    def _rank(self, unit: str) -> int:
        return self.position.get(unit.removeprefix("block:"), -1)

    def _submit(self, task: Task, unit: str, index: int | None) -> None:
        executor = self.manager.get_executor_for_task(task)
        self.futures[executor.submit_task(task)] = (unit, index)

    def _start(self, unit: str) -> None:
        if unit.startswith("block:"):
            self._start_block(self.plan.blocks[unit.removeprefix("block:")])
            return
        spec = self.flow.nodes[unit]
        call = self.calls(unit, unit)
        inputs = {d: self.values[d] for d in call.dependencies if d in self.values}
        purpose = TaskPurpose.EXECUTE_SINGLE
        if unit in self.plan.collects:
            param, expander = self.plan.collects[unit]
            inputs[param] = self._gathered(param, expander)
            purpose = TaskPurpose.GATHER
        elif spec.role is NodeRole.EXPAND:
            purpose = TaskPurpose.EXPAND_UNORDERED
        task = Task(
            task_id=unit,
            purpose=purpose,
            nodes=(call,),
            inputs=inputs,
            outputs=(unit,),
            expand=spec.role is NodeRole.EXPAND,
            base_id=unit,
        )
        self._submit(task, unit, None)

    def _gathered(self, param: str, expander: str) -> list[Any]:
        if param == expander:
            return list(self.values[expander])
        gathered = []
        for element in self.per_element[expander]:
            if element is None:
                raise RuntimeError(f"an element of '{expander}' finished without a result")
            gathered.append(element[param])
        return gathered

    def _start_block(self, block: Block) -> None:
        unit = _block_unit(block.expander)
        elements = self.values[block.expander]
        if not isinstance(elements, list):  # an overridden expand node: any iterable
            elements = self.values[block.expander] = list(elements)
        calls = tuple(self.calls(name, unit) for name in block.nodes)
        shared = {name: self.values[name] for name in block.inputs if name in self.values}
        outputs = tuple(sorted(block.outputs))
        self.per_element[block.expander] = [None] * len(elements)
        self.remaining[unit] = len(elements)
        if not elements or not calls:
            self.finished.add(unit)
            return
        for index, element in enumerate(elements):
            task = Task(
                task_id=f"{unit}.{index}",
                purpose=TaskPurpose.EXECUTE_BLOCK,
                nodes=calls,
                inputs={**shared, block.expander: element},
                outputs=outputs,
                element=(block.expander, index),
                base_id=unit,
            )
            self._submit(task, unit, index)

    def _finish(self, unit: str, index: int | None, result: dict[str, Any]) -> None:
        if index is None:
            self.values.update(result)
            self.finished.add(unit)
            return
        self.per_element[unit.removeprefix("block:")][index] = result
        self.remaining[unit] -= 1
        if self.remaining[unit] == 0:
            self.finished.add(unit)


def _block_unit(expander: str) -> str:
    return f"block:{expander}"


def default_execution_manager(
    local_executor: Any = None, remote_executor: Any = None
) -> ExecutionManager:
    """Hamilton's Builder defaults: synchronous local tasks, 10 threads for parallel blocks."""
    local = executors.from_hamilton(local_executor, "local executor") if local_executor else None
    remote = (
        executors.from_hamilton(remote_executor, "remote executor")
        if remote_executor
        else executors.MultiThreadingExecutor(max_tasks=10)
    )
    return executors.DefaultExecutionManager(local_executor=local, remote_executor=remote)
