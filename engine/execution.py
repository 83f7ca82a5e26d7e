"""Running a dataflow: only what the requested outputs need, producers before consumers.

Mirrors Hamilton's execution semantics: config values and runtime inputs feed external inputs (and
must not overlap); overrides replace a node's value and cut off everything only it needed; an
optional parameter whose input is not supplied is left to the function's default.  Every error
says which names are at fault and what to do about it.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .dataflow import Dataflow
from .specs import NodeKind, NodeRole, NodeSpec


class ExecutionError(ValueError):
    """The requested execution cannot start (unknown outputs, missing or wrong inputs)."""


class NodeExecutionError(RuntimeError):
    """A node's function raised; the original exception is chained as `__cause__`."""

    def __init__(self, node: NodeSpec, cause: BaseException):
        where = f"{node.module}.{node.function}()" if node.module else f"{node.function}()"
        super().__init__(f"node '{node.name}' failed in {where}: {type(cause).__name__}: {cause}")
        self.node = node.name
        self.function = node.function
        self.module = node.module


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
) -> None:
    """Raise listing every missing input (with the outputs needing it) and ill-typed value."""
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
        if value is not None and expected is not None and not value_matches(value, expected):
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


def run(
    flow: Dataflow,
    outputs: Sequence[str],
    *,
    inputs: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Compute `outputs` (by name) and return them in the order requested."""
    overrides = dict(overrides or {})
    given = given_values(flow.config, inputs)
    check_outputs(flow, outputs, given)
    needed = needed_nodes(flow, outputs, given, overrides)
    check_inputs(flow, outputs, needed, given, overrides)
    check_static_execution(flow, needed, overrides)
    values: dict[str, Any] = {}
    for name in flow.topological_order():
        if name not in needed:
            continue
        spec = flow.nodes[name]
        if name in overrides:
            values[name] = overrides[name]
        elif spec.kind is not NodeKind.FUNCTION:
            if name in given:
                values[name] = given[name]
        else:
            values[name] = _compute(spec, values)
    result = {}
    for name in outputs:
        if name in overrides:
            result[name] = overrides[name]
        elif name in values:
            result[name] = values[name]
        else:
            result[name] = given[name]
    return result


def _compute(spec: NodeSpec, values: Mapping[str, Any]) -> Any:
    if spec.compute is None:
        raise ExecutionError(
            f"node '{spec.name}' has nothing to run (it was built from source text, not from an "
            f"imported module); build the driver from imported modules"
        )
    kwargs = {d.name: values[d.name] for d in spec.dependencies if d.name in values}
    try:
        result = spec.compute(**kwargs)
    except Exception as exc:
        raise NodeExecutionError(spec, exc) from exc
    if inspect.iscoroutine(result):  # not isawaitable: Dask collections are awaitable
        close = getattr(result, "close", None)
        if callable(close):
            close()
        raise ExecutionError(
            f"node '{spec.name}' ({spec.module}.{spec.function}) is async; livedag's driver runs "
            f"synchronously. Make it a regular function"
        )
    return result
