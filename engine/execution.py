"""Running a dataflow: only what the requested outputs need, depth first from the outputs.

Mirrors Hamilton's execution semantics: config values and runtime inputs feed external inputs (and
must not overlap); overrides replace a node's value and cut off everything only it needed; an
optional parameter whose input is not supplied is left to the function's default.  Nodes run in
the order Hamilton's `execute_graph` runs them: a depth-first walk from each requested output in
turn, dependencies in parameter order, so code with side effects (a seeded random generator)
gives the same answers.  A node's exception reaches the caller as itself (a user's
`except ValueError` works), with a note naming the node.  Lifecycle adapters (`lifecycle`) run
around each node.  Every error of ours says which names are at fault and what to do about it.
"""

from __future__ import annotations

import functools
import logging
import sys
import typing
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from .dataflow import Dataflow
from .graph_types import RuntimeGraph, RuntimeNode
from .lifecycle.base import LifecycleAdapterSet
from .specs import Dependency, NodeKind, NodeRole, NodeSpec

logger = logging.getLogger(__name__)

# Marks an exception already named after the node that raised it (so outer frames leave it be).
_NAMED_ATTRIBUTE = "__livedag_node__"


class ExecutionError(ValueError):
    """The requested execution cannot start (unknown outputs, missing or wrong inputs)."""


def given_values(config: Mapping[str, Any], inputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Config and runtime inputs together; a name in both is ambiguous, as in Hamilton."""
    inputs = dict(inputs or {})
    both = sorted(k for k in inputs if k in config)
    if both:
        raise ExecutionError(
            f"{', '.join(map(repr, both))} given both in the config and as inputs; "
            f"they must be disjoint. Pass each value in one place only"
        )
    return {**config, **inputs}


def check_outputs(flow: Dataflow, outputs: Sequence[str], given: Mapping[str, Any]) -> None:
    """Raise for outputs nothing defines, suggesting the closest names."""
    unknown = [o for o in outputs if o not in flow.nodes and o not in given]
    if not unknown:
        return
    lines = []
    for name in unknown:
        guesses = flow.closest_names(name)
        hint = f" (did you mean {' or '.join(map(repr, guesses))}?)" if guesses else ""
        lines.append(f"  - '{name}'{hint}")
    raise ExecutionError(
        f"{len(unknown)} requested output(s) are not defined by any function, config value or "
        f"input:\n" + "\n".join(lines)
    )


def needed_nodes(
    flow: Dataflow,
    outputs: Iterable[str],
    given: Mapping[str, Any],
    overrides: Mapping[str, Any],
) -> set[str]:
    """The nodes computing `outputs` touches: upstream, cut at overrides, minus unsupplied
    optional inputs (Hamilton's runtime traversal)."""
    seen: set[str] = set()
    stack = [o for o in outputs if o in flow.nodes]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in overrides:
            continue
        for dep in flow.nodes[name].dependencies:
            upstream = flow.nodes.get(dep.name)
            if upstream is None or dep.name in seen:
                continue
            supplied = dep.name in given or dep.name in overrides
            if upstream.kind is NodeKind.INPUT and dep.optional and not supplied:
                continue
            stack.append(dep.name)
    return seen


def check_inputs(
    flow: Dataflow,
    outputs: Sequence[str],
    needed: set[str],
    given: Mapping[str, Any],
    overrides: Mapping[str, Any],
    validate_input: Callable[[Any, Any], bool] | None = None,
) -> None:
    """Raise listing every missing input (with the outputs needing it) and ill-typed value.

    `validate_input(node_type, value)` replaces the default type check when an adapter
    implements `do_validate_input`, as in Hamilton."""
    problems = []
    for name in sorted(needed):
        spec = flow.nodes[name]
        if spec.kind is NodeKind.FUNCTION or name in overrides:
            continue
        if name not in given:
            if spec.kind is NodeKind.INPUT:
                wanted_by = [o for o in outputs if o == name or name in _upstream(flow, o)]
                asked_by = sorted(s.name for s, _ in flow.consumers(name) if s.name in needed)
                problems.append(
                    f"  - '{name}' is a required input, needed for output(s) "
                    f"{', '.join(map(repr, wanted_by))}"
                    + (f" (asked for by {', '.join(map(repr, asked_by))})" if asked_by else "")
                )
            continue
        value = given[name]
        expected = spec.type.obj if spec.type is not None else None
        if validate_input is not None:
            valid = value is None or validate_input(
                expected if expected is not None else Any, value
            )
        else:
            valid = value is None or expected is None or value_matches(value, expected)
        if not valid:
            problems.append(
                f"  - '{name}' should be {spec.type}, but the value given is "
                f"{type(value).__name__} ({_short_repr(value)})"
            )
    if problems:
        raise ExecutionError(
            f"{len(problems)} input problem(s); pass the inputs with "
            f"execute(..., inputs={{...}}) or in the config:\n" + "\n".join(problems)
        )


def check_static_execution(flow: Dataflow, needed: set[str], overrides: Mapping[str, Any]) -> None:
    """Raise when a node to compute takes part in dynamic execution, which this driver does not
    do: run in one pass, a `Parallelizable` result would reach its consumers whole, a wrong
    answer instead of an error (Hamilton's default executor refuses them alike)."""
    dynamic = sorted(
        name
        for name in needed
        if name not in overrides and flow.nodes[name].role is not NodeRole.STANDARD
    )
    if dynamic:
        listed = ", ".join(f"'{name}' ({flow.nodes[name].role.value})" for name in dynamic)
        raise ExecutionError(
            f"{listed} use Parallelizable[...]/Collect[...], which need dynamic execution: "
            f"build the driver with Builder().enable_dynamic_execution("
            f"allow_experimental_mode=True), or override these nodes"
        )


def _upstream(flow: Dataflow, name: str) -> set[str]:
    return flow.upstream_of(name)


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def value_matches(value: Any, expected: Any) -> bool:
    """A lenient runtime check of an input value against its annotation (Hamilton's rules)."""
    if expected is Any or isinstance(expected, (str, typing.TypeVar)):
        return True
    origin = typing.get_origin(expected)
    if origin is typing.Annotated:
        return value_matches(value, typing.get_args(expected)[0])
    if origin is typing.Union or type(expected).__name__ == "UnionType":
        return any(value_matches(value, arg) for arg in typing.get_args(expected))
    if origin is typing.Literal:
        return value in typing.get_args(expected)
    if origin is not None:
        return not isinstance(origin, type) or isinstance(value, origin)
    if isinstance(expected, type):
        try:
            return isinstance(value, expected)
        except TypeError:  # protocols and other types isinstance refuses
            return True
    return True


def execution_path(
    flow: Dataflow,
    final_vars: Sequence[str],
    inputs: Mapping[str, Any] | None,
    overrides: Mapping[str, Any] | None,
) -> list[str]:
    """The function nodes computing `final_vars` touches (overridden ones included), what
    Hamilton hands `run_before_graph_execution` as `execution_path`."""
    given = {**flow.config, **(inputs or {})}
    needed = needed_nodes(flow, final_vars, given, dict(overrides or {}))
    return [n for n in flow.nodes if n in needed and flow.nodes[n].kind is NodeKind.FUNCTION]


def run(
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

    `adapters` run around each node (their node hooks and methods); `graph` is what they are
    shown (built from `flow` when not given)."""
    overrides = dict(overrides or {})
    given = given_values(flow.config, inputs)
    check_outputs(flow, outputs, given)
    needed = needed_nodes(flow, outputs, given, overrides)
    validate_input = _input_validator(adapters)
    check_inputs(flow, outputs, needed, given, overrides, validate_input)
    check_static_execution(flow, needed, overrides)
    node_runner = _node_runner(flow, adapters, graph, run_id or str(uuid.uuid4()))
    computed = depth_first(flow, outputs, given, overrides, node_runner)
    result = {}
    for name in outputs:
        if name in computed:
            result[name] = computed[name]
        elif name in overrides:
            result[name] = overrides[name]
        else:
            result[name] = given.get(name)
    return result


NodeRunner = Callable[[NodeSpec, dict[str, Any]], Any]


def depth_first(
    flow: Dataflow,
    outputs: Sequence[str],
    given: Mapping[str, Any],
    overrides: Mapping[str, Any],
    run_node: NodeRunner,
) -> dict[str, Any]:
    """Hamilton's `execute_subdag`: walk each output's dependencies depth first (in parameter
    order), computing each node once its dependencies are; an override stops the walk.  A value
    no longer needed (every consumer in the graph computed, none requested) is dropped as soon
    as it can be, as Hamilton does, so large intermediates do not pile up."""
    computed: dict[str, Any] = {}
    requested = set(outputs)
    for output in outputs:
        if output not in flow.nodes:
            continue  # an input asked for as an output: returned from `given`
        top = flow.nodes[output]
        # From the top, an external input may be absent (it is then taken from `given`).
        stack: list[tuple[NodeSpec, bool, Iterator[Dependency] | None]] = [
            (top, top.kind is not NodeKind.FUNCTION, None)
        ]
        while stack:
            spec, optional, pending = stack[-1]
            name = spec.name
            if pending is None:
                if name in computed:
                    stack.pop()
                    continue
                if name in overrides:
                    computed[name] = overrides[name]
                    stack.pop()
                    continue
                pending = iter(spec.dependencies)
                stack[-1] = (spec, optional, pending)
            descended = False
            for dep in pending:
                if dep.name not in computed:
                    stack.append((flow.nodes[dep.name], dep.optional, None))
                    descended = True
                    break
            if descended:
                continue
            stack.pop()
            if spec.kind is not NodeKind.FUNCTION:
                if name not in given:
                    if not optional:
                        raise ExecutionError(
                            f"'{name}' was expected to be passed in but was not; pass it with "
                            f"execute(..., inputs={{{name!r}: ...}})"
                        )
                    continue
                computed[name] = given[name]
            else:
                kwargs = {d.name: computed[d.name] for d in spec.dependencies if d.name in computed}
                computed[name] = run_node(spec, kwargs)
            _forget_unneeded(flow, spec, computed, requested)
    return computed


def _forget_unneeded(
    flow: Dataflow, spec: NodeSpec, computed: dict[str, Any], requested: set[str]
) -> None:
    for dep in spec.dependencies:
        if dep.name not in computed or dep.name in requested:
            continue
        consumers = flow.graph.succ[dep.name]
        if all(c in computed and c not in requested for c in consumers):
            del computed[dep.name]


def input_check(adapters: LifecycleAdapterSet | None) -> Callable[[Any, Any], bool] | None:
    """The adapters' `do_validate_input` as `check_inputs` takes it (None: the default check)."""
    return _input_validator(adapters)


def _input_validator(adapters: LifecycleAdapterSet | None) -> Callable[[Any, Any], bool] | None:
    if adapters is None or not adapters.does_method("do_validate_input"):
        return None

    def validate(node_type: Any, value: Any) -> bool:
        return bool(
            adapters.call_lifecycle_method_sync(
                "do_validate_input", node_type=node_type, input_value=value
            )
        )

    return validate


def call_node(spec: NodeSpec, kwargs: Mapping[str, Any]) -> Any:
    """Run a node's function on its dependencies' values (no hooks): what `node.callable` does."""
    if spec.compute is None:
        raise ExecutionError(
            f"node '{spec.name}' has nothing to run (it was built from source text, not from an "
            f"imported module); build the driver from imported modules"
        )
    result = spec.compute(**kwargs)
    # A coroutine or other awaitable, but not a Dask collection (awaitable, and a value here).
    if hasattr(type(result), "__await__") and not hasattr(result, "__dask_graph__"):
        close = getattr(result, "close", None)
        if callable(close):
            close()
        raise ExecutionError(
            f"node '{spec.name}' ({spec.module}.{spec.function}) is async; livedag's driver runs "
            f"synchronously. Make it a regular function"
        )
    return result


def node_callable(spec: NodeSpec) -> Callable[..., Any]:
    """`call_node` bound to one node: the `callable(**kwargs)` lifecycle adapters receive.

    A `Parallelizable` node's callable lists what the function yields, and holds the function
    itself as `keywords["_callable"]`, the shape Hamilton's dynamic execution gives it (its
    GracefulErrorAdapter walks the generator itself through that keyword)."""

    def run_node(**kwargs: Any) -> Any:
        return call_node(spec, kwargs)

    run_node.__name__ = spec.name
    if spec.role is NodeRole.EXPAND:
        return functools.partial(_listing, _callable=run_node)
    return run_node


def _listing(*args: Any, _callable: Callable[..., Any], **kwargs: Any) -> list[Any]:
    return list(_callable(*args, **kwargs))


def runtime_graph(flow: Dataflow) -> RuntimeGraph:
    """A graph for adapters when the caller has none (no originating functions known)."""
    return RuntimeGraph(flow, {}, node_callable)


def _node_runner(
    flow: Dataflow, adapters: LifecycleAdapterSet | None, graph: RuntimeGraph | None, run_id: str
) -> NodeRunner:
    node_steps = ("pre_node_execute", "post_node_execute")
    node_methods = ("do_node_execute", "do_remote_execute")
    if adapters is None or not (
        any(adapters.does_hook(h) for h in node_steps)
        or any(adapters.does_method(m) for m in node_methods)
    ):
        return _run_plain
    shown = graph if graph is not None else runtime_graph(flow)

    def run_with_adapters(spec: NodeSpec, kwargs: dict[str, Any]) -> Any:
        node = shown.node(spec.name)
        lifecycle = functools.partial(execute_lifecycle_for_node, node, adapters, run_id, None)
        if adapters.does_method("do_remote_execute"):
            return adapters.call_lifecycle_method_sync(
                "do_remote_execute", node=node, execute_lifecycle_for_node=lifecycle, **kwargs
            )
        return lifecycle(**kwargs)

    return run_with_adapters


def _run_plain(spec: NodeSpec, kwargs: dict[str, Any]) -> Any:
    try:
        return call_node(spec, kwargs)
    except Exception as exc:
        name_node_in(exc, spec)
        raise


def execute_lifecycle_for_node(
    node: RuntimeNode,
    adapters: LifecycleAdapterSet,
    run_id: str,
    task_id: str | None,
    /,
    **kwargs: Any,
) -> Any:
    """One node with its hooks, as Hamilton runs it: every `pre_node_execute`, then the node
    (through `do_node_execute` when an adapter implements it), then every `post_node_execute`,
    also when the node failed (but not when a pre-node hook did)."""
    result = None
    error: Exception | None = None
    in_pre_hook = False
    try:
        if adapters.does_hook("pre_node_execute"):
            in_pre_hook = True
            adapters.call_all_lifecycle_hooks_sync(
                "pre_node_execute", run_id=run_id, node_=node, kwargs=kwargs, task_id=task_id
            )
            in_pre_hook = False
        if adapters.does_method("do_node_execute"):
            result = adapters.call_lifecycle_method_sync(
                "do_node_execute", run_id=run_id, node_=node, kwargs=kwargs, task_id=task_id
            )
        else:
            result = node.callable(**kwargs)
        return result
    except Exception as exc:
        error = exc
        name_node_in(exc, node.spec, "in a pre_node_execute hook for" if in_pre_hook else "")
        raise
    finally:
        if not in_pre_hook and adapters.does_hook("post_node_execute"):
            adapters.call_all_lifecycle_hooks_sync(
                "post_node_execute",
                run_id=run_id,
                node_=node,
                kwargs=kwargs,
                success=error is None,
                error=error,
                result=result,
                task_id=task_id,
            )


def name_node_in(
    exc: BaseException, spec: NodeSpec, step: str = "", version: tuple[int, ...] | None = None
) -> None:
    """Say which node raised `exc`, keeping its type: a PEP 678 note (Python 3.11+), else
    appended to a single-string message.  Only the innermost node is named."""
    if getattr(exc, _NAMED_ATTRIBUTE, None) is not None:
        return
    try:
        setattr(exc, _NAMED_ATTRIBUTE, spec.name)
    except (AttributeError, TypeError):  # an exception type that refuses attributes
        return
    where = f"{spec.module}.{spec.function}()" if spec.module else f"{spec.function}()"
    note = f"livedag: raised {step or 'by'} node '{spec.name}' ({where})"
    if (version or sys.version_info) >= (3, 11):
        exc.add_note(note)
        return
    notes = getattr(exc, "__notes__", None)
    exc.__notes__ = [*(notes or []), note]
    if len(exc.args) == 1 and isinstance(exc.args[0], str):
        exc.args = (f"{exc.args[0]} [{note}]",)
    logger.debug("%s", note)
