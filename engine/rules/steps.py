"""`step(...)` records and the chains of nodes they make (for pipe_input, pipe_output, mutate).

A step is a function applied to one value flowing through a pipe: `step(_scale, factor=value(2))
.named("scaled").when(region="US")`.  `chain` turns a sequence of steps into nodes named the way
Hamilton names them (`with_<fn>`, `with_<fn>_1`, or the `.named(...)` name, under a namespace such
as `fn.`), each step's first parameter fed by the previous node.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..codes import Code
from ..specs import (
    Call,
    Dependency,
    FunctionRef,
    FunctionSpec,
    Location,
    ModuleRef,
    NodeSpec,
    ParameterKind,
    Severity,
    Symbol,
    Unknown,
    location_of,
)
from .dependencies import Source, Value, dependency_of
from .registry import DecoratorError, RuleContext, Unknowable

CONDITIONS = ("when", "when_not", "when_in", "when_not_in")
_STEP_METHODS = (*CONDITIONS, "named", "namespaced", "on_output")
_KEYWORD_FRIENDLY = (ParameterKind.POSITIONAL, ParameterKind.KEYWORD_ONLY)


@dataclass(frozen=True)
class Step:
    """One `step(fn, *args, **kwargs)` and its chained settings, as Hamilton's Applicable has them.

    `namespace` is Ellipsis (the default: the decorated function's name), None (no namespace) or
    a string.  `target` is the `.on_output(...)` selection (None: every selected node).
    """

    call: Call
    function: FunctionRef
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None
    namespace: Any = Ellipsis
    conditions: tuple[Call, ...] = ()
    target: Any = None

    @property
    def location(self) -> Location | None:
        return self.call.location or self.function.location


def live(value: Any) -> Any:
    """A plain decorator argument back as the live object it stands for (runtime only)."""
    if isinstance(value, (Symbol, FunctionRef, ModuleRef)):
        return value.obj
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(live(v) for v in value)
    if isinstance(value, dict):
        return {k: live(v) for k, v in value.items()}
    return value


def parse_step(value: Any, ctx: RuleContext, decorator: Call) -> Step:
    """A `step(...)` record as a Step; DecoratorError for anything else."""
    if isinstance(value, Unknown):
        raise Unknowable(
            f"a step cannot be known without running code ({value.reason})",
            value.location or decorator.location,
        )
    if not isinstance(value, Call) or value.name != "step":
        raise DecoratorError(
            f"@{decorator.name} takes step(...) calls, got {value!r}; wrap each function as "
            f"step(fn, ...)",
            location_of(value) or decorator.location,
        )
    if not value.args:
        raise DecoratorError("step() needs the function to apply: step(fn, ...)", value.location)
    fn, *args = value.args
    if isinstance(fn, Unknown):
        raise Unknowable(
            f"the function of a step cannot be known without running code ({fn.reason})",
            fn.location or value.location,
        )
    if isinstance(fn, str):
        raise DecoratorError(
            f"step({fn!r}): strings are not supported, pass the function itself: step({fn})",
            location_of(fn) or value.location,
        )
    if not isinstance(fn, FunctionRef):
        raise DecoratorError(
            f"step() takes a function as its first argument, got {fn!r}", value.location
        )
    if "_name" in value.kwargs:
        raise DecoratorError(
            "step() cannot take `_name`; name the node with step(...).named('...')",
            value.location,
        )
    step = Step(value, fn, tuple(args), dict(value.kwargs))
    for method in value.methods:
        step = _apply_method(step, method, ctx)
    return step


def _apply_method(step: Step, method: Call, ctx: RuleContext) -> Step:
    where = method.location or step.location
    if method.name not in _STEP_METHODS:
        raise DecoratorError(
            f"step(...).{method.name}() does not exist in Hamilton; use one of "
            f"{', '.join('.' + m + '()' for m in _STEP_METHODS)}",
            where,
        )
    if method.name in CONDITIONS:
        if method.args:
            raise DecoratorError(
                f".{method.name}() takes keyword arguments only: .{method.name}(key=value)", where
            )
        return replace(step, conditions=(*step.conditions, method))
    if method.name == "named":
        if not 1 <= len(method.args) + len(method.kwargs) <= 2 or set(method.kwargs) - {
            "name",
            "namespace",
        }:
            raise DecoratorError(".named() takes a name and optionally a namespace", where)
        values = dict(zip(("name", "namespace"), method.args, strict=False)) | dict(method.kwargs)
        if "name" not in values:
            raise DecoratorError(".named() needs the node's name: .named('...')", where)
        name = ctx.known(values["name"], "the name given to .named()", method)
        namespace = ctx.known(values.get("namespace", Ellipsis), "a step namespace", method)
        return replace(
            step,
            name=name if name is not None else step.name,
            namespace=None
            if namespace is None
            else (step.namespace if namespace is Ellipsis else namespace),
        )
    if len(method.args) + len(method.kwargs) != 1:
        raise DecoratorError(f".{method.name}() takes exactly one argument", where)
    arg = method.args[0] if method.args else next(iter(method.kwargs.values()))
    arg = ctx.known(arg, f"the argument of .{method.name}()", method)
    if method.name == "namespaced":
        return replace(step, namespace=arg)
    return replace(step, target=arg if arg is not None else step.target)


def condition_holds(condition: Call, config: Mapping[str, Any], ctx: RuleContext) -> bool:
    """Whether one `.when*(...)` condition holds under `config` (missing keys read as None)."""
    for key, expected in condition.kwargs.items():
        expected = ctx.known(expected, f"the value of {key!r} in .{condition.name}()", condition)
        actual = config.get(key)
        if isinstance(actual, Unknown):
            raise Unknowable(
                f"config value {key!r} is not known, so .{condition.name}() cannot be decided",
                condition.location,
            )
        if condition.name in ("when_in", "when_not_in"):
            try:
                inside = actual in expected
            except TypeError as exc:
                raise DecoratorError(
                    f".{condition.name}({key}=...) takes a list of values, got {expected!r}",
                    condition.location,
                ) from exc
            holds = inside if condition.name == "when_in" else not inside
        else:
            holds = actual == expected if condition.name == "when" else actual != expected
        if not holds:
            return False
    return True


def validate_step(step: Step, *, allow_custom_namespace: bool) -> None:
    """Hamilton's checks on a step that feeds its first parameter (raise DecoratorError)."""
    if step.namespace is not Ellipsis and not allow_custom_namespace:
        raise DecoratorError(
            "a namespace on the decorator cannot be combined with a namespace on a step(...); "
            "set it in one place only",
            step.location,
        )
    spec = step.function.spec
    if spec is None:
        return
    fn = step.function.name
    if not spec.parameters:
        raise DecoratorError(
            f"{fn} has no parameters; a step needs one to receive the value it transforms",
            step.location,
        )
    odd = [p.name for p in spec.parameters if p.kind not in _KEYWORD_FRIENDLY]
    if odd:
        raise DecoratorError(
            f"{fn} has parameters that cannot be passed by keyword ({', '.join(odd)}); wrap it "
            f"in a function with named, typed parameters",
            step.location,
        )
    _bind(step, spec)
    if spec.returns is None:
        raise DecoratorError(
            f"{fn} has no return type annotation; steps must be typed like any Hamilton "
            f"function. Add `-> <type>` to {fn}",
            step.location,
        )


def _bind(step: Step, spec: FunctionSpec) -> dict[str, Any]:
    """Step arguments by parameter name, the first parameter left for the chained value."""
    names = [p.name for p in spec.parameters]
    positional = [p.name for p in spec.parameters if p.kind is ParameterKind.POSITIONAL]
    if len(step.args) + 1 > len(positional):
        raise DecoratorError(
            f"step({step.function.name}, ...) passes {len(step.args)} positional argument(s) "
            f"after the piped value but {step.function.name} takes {len(positional)} "
            f"positional parameter(s)",
            step.location,
        )
    bound: dict[str, Any] = dict(zip(positional[1:], step.args, strict=False))
    for key, arg in step.kwargs.items():
        if key not in names or key == names[0] or key in bound:
            raise DecoratorError(
                f"step({step.function.name}, {key}=...): {step.function.name} has no free "
                f"parameter {key!r} (its first parameter receives the piped value); its "
                f"parameters are {', '.join(names)}",
                step.location,
            )
        bound[key] = arg
    missing = [p.name for p in spec.parameters[1:] if p.name not in bound and not p.has_default]
    if missing:
        raise DecoratorError(
            f"step({step.function.name}, ...) leaves required parameter(s) "
            f"{', '.join(missing)} unbound; pass them as source('...'), value(...) or literals",
            step.location,
        )
    return bound


def step_node_name(step: Step, counts: Counter[str], outer: str) -> str:
    """The node name Hamilton gives this step (and counts its function for the next one)."""
    fn = step.function.name
    postfix = "" if counts[fn] == 0 else f"_{counts[fn]}"
    counts[fn] += 1
    local = step.name if step.name is not None else f"with{'' if fn.startswith('_') else '_'}{fn}"
    if step.name is None:
        local += postfix
    if step.namespace is Ellipsis:
        return f"{outer}.{local}"
    return local if step.namespace is None else f"{step.namespace}.{local}"


def chain(
    steps: Sequence[Step],
    *,
    target: str,
    target_location: Location | None,
    namespace: Any,
    ctx: RuleContext,
    decorator: Call,
) -> list[NodeSpec]:
    """The nodes of `steps` applied in order to `target`, skipping steps whose condition fails."""
    counts: Counter[str] = Counter()
    nodes: list[NodeSpec] = []
    previous, previous_location = target, target_location
    for step in steps:
        if namespace is not Ellipsis:
            step = replace(step, namespace=namespace)
        if not all(condition_holds(c, ctx.config, ctx) for c in step.conditions):
            continue
        name = step_node_name(step, counts, ctx.function.name)
        node = _step_node(step, name, previous, previous_location, ctx, decorator)
        nodes.append(node)
        previous, previous_location = name, step.location
    return nodes


def _step_node(
    step: Step,
    name: str,
    piped: str,
    piped_location: Location | None,
    ctx: RuleContext,
    decorator: Call,
) -> NodeSpec:
    spec = step.function.spec
    where = location_of(step.name) or step.location or decorator.location or ctx.function.location
    common: dict[str, Any] = dict(
        name=name,
        tags={"module": spec.module if spec else step.function.module or ctx.function.module},
        function=ctx.function.name,
        module=ctx.function.module,
        location=where,
    )
    if spec is None:
        return _partial_step_node(step, piped, piped_location, ctx, common)
    deps: dict[str, Dependency] = {}
    first = spec.parameters[0]
    deps[piped] = Dependency(piped, first.annotation, False, piped_location)
    feeds: list[tuple[str, str]] = [(first.name, piped)]
    literals: dict[str, Any] = {}
    bound = _bind(step, spec)
    for param in spec.parameters[1:]:
        if param.name not in bound:
            deps.setdefault(
                param.name,
                Dependency(param.name, param.annotation, param.has_default, param.location),
            )
            feeds.append((param.name, param.name))
            continue
        given = _step_argument(bound[param.name], ctx, step)
        if isinstance(given, Source):
            where_asked = given.location or step.location
            # A defaulted parameter stays optional when a source feeds it (Hamilton does so).
            deps.setdefault(
                given.name,
                Dependency(given.name, param.annotation, param.has_default, where_asked),
            )
            feeds.append((param.name, given.name))
        else:
            literals[param.name] = given.value if given is not None else None
    return NodeSpec(
        type=spec.returns,
        dependencies=tuple(deps.values()),
        doc=spec.doc,
        compute=_step_compute(step.function.obj, feeds, literals),
        **common,
    )


def _partial_step_node(
    step: Step,
    piped: str,
    piped_location: Location | None,
    ctx: RuleContext,
    common: dict[str, Any],
) -> NodeSpec:
    """A step whose function is not known: its name and the sources it names, nothing more."""
    ctx.report(
        Code.UNKNOWABLE,
        f"the function {step.function.name} of a step could not be found; its parameters, and "
        f"so some of the lineage of {common['name']}, are unknown",
        step.location,
        Severity.INFO,
    )
    deps = {piped: Dependency(piped, None, False, piped_location)}
    for arg in (*step.args, *step.kwargs.values()):
        given = _step_argument(arg, ctx, step)
        if isinstance(given, Source):
            deps.setdefault(given.name, Dependency(given.name, None, False, given.location))
    return NodeSpec(dependencies=tuple(deps.values()), **common)


def _step_argument(arg: Any, ctx: RuleContext, step: Step) -> Source | Value | None:
    """source(...) or a literal; None (after an LD008) when the front end could not evaluate it."""
    try:
        given = dependency_of(arg, ctx, step.call)
    except Unknowable as exc:
        ctx.report(
            Code.UNKNOWABLE,
            f"an argument of step({step.function.name}, ...): {exc}; if it is a source(...), "
            f"that dependency is missing from the graph",
            exc.location or step.location,
            Severity.INFO,
        )
        return None
    if not isinstance(given, (Source, Value)):
        raise DecoratorError(
            f"step({step.function.name}, ...) arguments must be source('...'), value(...) or "
            f"plain values; group()/configuration() are not supported in steps",
            step.location,
        )
    return given


def _step_compute(
    fn: Any, feeds: list[tuple[str, str]], literals: Mapping[str, Any]
) -> Callable[..., Any] | None:
    if fn is None:
        return None
    constants = {k: live(v) for k, v in literals.items()}

    def compute(**values: Any) -> Any:
        kwargs = {param: values[dep] for param, dep in feeds if dep in values}
        return fn(**kwargs, **constants)

    return compute


def rename_dependencies(node: NodeSpec, renames: Mapping[str, str]) -> NodeSpec:
    """`node` asking for `renames[old]` wherever it asked for `old` (compute translated back)."""
    if not any(d.name in renames for d in node.dependencies):
        return node
    deps = tuple(replace(d, name=renames.get(d.name, d.name)) for d in node.dependencies)
    inner = node.compute
    compute = None
    if inner is not None:
        back = {renames.get(d.name, d.name): d.name for d in node.dependencies}

        def compute(**values: Any) -> Any:
            return inner(**{back.get(k, k): v for k, v in values.items()})

    return replace(node, dependencies=deps, compute=compute)


def identity(**values: Any) -> Any:
    """The value of a node's single dependency, unchanged."""
    (only,) = values.values()
    return only
