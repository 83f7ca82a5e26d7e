"""Decorators that replace or wrap what a function computes: `does`, `pipe_input` (and its old name
`pipe`), `pipe_output`, and `mutate` / `apply_to`.

`mutate` is written on the mutating function but changes its *targets*: like Hamilton, which adds a
`pipe_output` step to each target function when the module is imported, `apply_mutations` (a module
rewrite) appends a step to each target's `pipe_output` record, or adds one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..codes import Code
from ..specs import (
    Call,
    FunctionRef,
    FunctionSpec,
    NodeSpec,
    ParameterKind,
    Problem,
    Severity,
    Unknown,
    location_of,
)
from .lifecycle import function_node, replace_targets, report_failure, select_targets
from .registry import DecoratorError, Phase, RuleContext, Unknowable, rule
from .steps import (
    Step,
    chain,
    identity,
    live,
    parse_step,
    rename_dependencies,
    validate_step,
)

_KEYWORD_FRIENDLY = (ParameterKind.POSITIONAL, ParameterKind.KEYWORD_ONLY)
_PIPE_OPTIONS = ("namespace", "on_input", "collapse", "_chain")
_PIPE_OUTPUT_OPTIONS = ("namespace", "on_output", "collapse", "_chain")


# --- @does ------------------------------------------------------------------------------------


@rule("does", phase=Phase.CREATE)
def does(call: Call, spec: FunctionSpec, ctx: RuleContext) -> list[NodeSpec]:
    """`@does(fn, **mapping)`: the node keeps the decorated signature, `fn` computes it."""
    if len(call.args) != 1:
        raise DecoratorError(
            "@does takes exactly one function, the one that computes this node: @does(fn)",
            call.location,
        )
    (replacing,) = call.args
    mapping = dict(call.kwargs)
    odd = [p.name for p in spec.parameters if p.kind not in _KEYWORD_FRIENDLY]
    if odd:
        raise DecoratorError(
            f"a function decorated with @does can only have parameters passed by keyword; "
            f"{spec.name} has {', '.join(odd)}",
            call.location,
        )
    if isinstance(replacing, str):
        raise DecoratorError(
            f"@does({replacing!r}): pass the function itself, not its name", call.location
        )
    if not isinstance(replacing, (FunctionRef, Unknown)):
        raise DecoratorError(f"@does takes a function, got {replacing!r}", call.location)
    for key, original in mapping.items():
        if not isinstance(original, (str, Unknown)):
            raise DecoratorError(
                f"@does({key}=...) maps a parameter of the replacing function to the name of a "
                f"parameter of {spec.name}; got {original!r}",
                call.location,
            )
    _ensure_body_is_empty(spec, call)
    if isinstance(replacing, FunctionRef) and replacing.spec is not None:
        _ensure_compatible(spec, replacing, mapping, call)
    node = function_node(spec)
    replacing_obj = replacing.obj if isinstance(replacing, FunctionRef) else None
    compute = None
    if replacing_obj is not None and spec.obj is not None:
        defaults = {p.name: live(p.default) for p in spec.parameters if p.has_default}

        def compute(**values: Any) -> Any:
            return replacing_obj(**_map_arguments({**defaults, **values}, mapping))

    return [replace(node, compute=compute)]


def _map_arguments(values: dict[str, Any], mapping: dict[str, Any]) -> dict[str, Any]:
    """The decorated function's arguments renamed for the replacing function (Hamilton's rule)."""
    out = dict(values)
    targets = set(mapping.values())
    for new_name, original in mapping.items():
        if original in values and new_name not in targets:
            del out[original]
        out[new_name] = values[original]
    return out


def _ensure_body_is_empty(spec: FunctionSpec, call: Call) -> None:
    """Hamilton wants `pass` (and a docstring) only: the body would be silently ignored.

    The front end says whether the body is a stub; when it cannot tell (None), nothing is said.
    """
    if spec.body_is_stub is False:
        raise DecoratorError(
            f"{spec.name} is decorated with @does, so its body is never run; make its body "
            f"just `pass` (a docstring may stay)",
            call.location,
        )


def _ensure_compatible(
    spec: FunctionSpec, replacing: FunctionRef, mapping: dict[str, Any], call: Call
) -> None:
    assert replacing.spec is not None
    names = [p.name for p in spec.parameters]
    missing = [v for v in mapping.values() if isinstance(v, str) and v not in names]
    target = replacing.spec
    problem = None
    if missing:
        problem = f"the mapping names {', '.join(missing)}, which {spec.name} does not have"
    else:
        offered = set(_map_arguments(dict.fromkeys(names), mapping))
        accepts_any = any(p.kind is ParameterKind.VAR_KEYWORD for p in target.parameters)
        params = {p.name for p in target.parameters if p.kind in _KEYWORD_FRIENDLY}
        extra = sorted(offered - params) if not accepts_any else []
        required = [
            p.name
            for p in target.parameters
            if p.kind in _KEYWORD_FRIENDLY and not p.has_default and p.name not in offered
        ]
        if extra:
            problem = f"{target.name} has no parameter(s) {', '.join(extra)}"
        elif required:
            problem = f"{target.name} needs {', '.join(required)}, which nothing passes"
    if problem:
        raise DecoratorError(
            f"{spec.name} and {target.name} are not compatible: {problem}. Adjust the signature "
            f"of {target.name} or the mapping, e.g. @does({target.name}, "
            f"<its parameter>='<parameter of {spec.name}>')",
            call.location,
        )


# --- @pipe_input / @pipe ------------------------------------------------------------------------


def _options(call: Call, allowed: Sequence[str], ctx: RuleContext) -> dict[str, Any]:
    unknown = [k for k in call.kwargs if k not in allowed]
    if unknown:
        raise DecoratorError(
            f"@{call.name} got unexpected argument(s) {', '.join(unknown)}; it takes steps and "
            f"{', '.join(a for a in allowed if not a.startswith('_'))}",
            call.location,
        )
    options = {"namespace": Ellipsis, "collapse": False, "_chain": False} | dict(call.kwargs)
    for key, val in options.items():
        ctx.known(val, f"@{call.name}({key}=...)", call)
    if options["collapse"]:
        raise DecoratorError(
            f"@{call.name}(collapse=True) is not implemented in Hamilton; drop `collapse`",
            call.location,
        )
    if options["_chain"]:
        raise DecoratorError(f"@{call.name}(_chain=True) is not supported", call.location)
    return options


def _steps(call: Call, ctx: RuleContext, namespace: Any) -> list[Step]:
    steps = [parse_step(arg, ctx, call) for arg in call.args]
    for step in steps:
        validate_step(step, allow_custom_namespace=namespace is Ellipsis)
    return steps


@rule("pipe_input", "pipe", phase=Phase.INJECT)
def pipe_input(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@pipe_input(step(a), step(b))`: the first parameter (or `on_input`) flows through a, b."""
    options = _options(call, _PIPE_OPTIONS, ctx)
    on_input = options.get("on_input")
    if on_input is not None and not isinstance(on_input, str):
        raise DecoratorError(
            "@pipe_input(on_input=...) takes the name of one parameter as a string",
            call.location,
        )
    steps = _steps(call, ctx, options["namespace"])
    produced = {n.name for n in nodes}
    injectable = {d.name: d for n in nodes for d in n.dependencies if d.name not in produced}
    if on_input in injectable:
        target = on_input
    else:
        # Hamilton falls back to the first parameter when on_input names no open dependency.
        if not ctx.function.parameters:
            raise DecoratorError(
                f"@{call.name} feeds the first parameter of {ctx.function.name}, which has none",
                call.location,
            )
        target = ctx.function.parameters[0].name
        if target not in injectable:
            raise DecoratorError(
                f"the first parameter of {ctx.function.name}, {target!r}, is not a dependency "
                f"left open by the decorators below @{call.name}; pick one with on_input=...",
                call.location,
            )
    piped = chain(
        steps,
        target=target,
        target_location=injectable[target].location,
        namespace=options["namespace"],
        ctx=ctx,
        decorator=call,
    )
    if not piped:
        return nodes
    renames = {target: piped[-1].name}
    return [rename_dependencies(n, renames) for n in nodes] + piped


# --- @pipe_output ----------------------------------------------------------------------------


@rule("pipe_output", phase=Phase.TRANSFORM)
def pipe_output(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@pipe_output(step(a), step(b))`: `fn.raw` → `fn.with_a` → `fn.with_b` → `fn`."""
    options = _options(call, _PIPE_OUTPUT_OPTIONS, ctx)
    on_output = options.get("on_output")
    if on_output is Ellipsis:
        raise DecoratorError(
            "@pipe_output(on_output=...) cannot be `...`; give a node name, a list of names, "
            "or leave it out for every output",
            call.location,
        )
    steps = _steps(call, ctx, options["namespace"])
    if on_output is not None and any(s.target is not None for s in steps):
        raise DecoratorError(
            "choose targets either with @pipe_output(on_output=...) or with "
            "step(...).on_output(...), not both",
            call.location,
        )
    targets = select_targets(on_output, nodes, call)
    out: list[NodeSpec] = []
    for node in targets:
        out.extend(_pipe_one_output(node, steps, options["namespace"], ctx, call))
    return replace_targets(nodes, targets, out)


def _aims_at(step: Step, node: NodeSpec) -> bool:
    if step.target is None:
        return True
    if isinstance(step.target, str):
        return bool(node.name == step.target)
    return node.name in step.target


def _pipe_one_output(
    node: NodeSpec, steps: list[Step], namespace: Any, ctx: RuleContext, call: Call
) -> list[NodeSpec]:
    chosen = [s for s in steps if _aims_at(s, node)]
    if not chosen:
        return [node]
    raw = replace(node, name=f"{node.name}.raw")
    piped = chain(
        chosen,
        target=raw.name,
        target_location=node.location,
        namespace=node.name if namespace is Ellipsis else namespace,
        ctx=ctx,
        decorator=call,
    )
    if not piped:
        return [node]
    last = piped[-1]
    final = NodeSpec(
        name=node.name,
        type=last.type,
        dependencies=(replace(last.dependencies[0], name=last.name, type=last.type),),
        tags={"module": node.module or ctx.function.module},
        function=node.function,
        module=node.module,
        location=node.location,
        compute=identity if node.compute is not None else None,
    )
    return [raw, *piped, final]


# --- @mutate / apply_to -------------------------------------------------------------------------


@rule("mutate", phase=Phase.RESOLVE)
def mutate(call: Call, spec: FunctionSpec, ctx: RuleContext) -> FunctionSpec | None:
    """The mutating function is no node of its own (its targets got its steps, see below).

    Misuse is reported here, on the mutator, since the module rewrite cannot report.
    """
    try:
        _mutate_targets(call, spec)
    except Unknowable as exc:
        ctx.report(
            Code.UNKNOWABLE,
            f"@mutate: {exc}; lineage below it is partial",
            exc.location,
            Severity.INFO,
        )
    except DecoratorError as exc:
        ctx.report(Code.DECORATOR_MISUSE, f"@mutate: {exc}", exc.location or call.location)
    return None


def _mutate_targets(call: Call, mutator: FunctionSpec) -> list[tuple[FunctionRef, Call]]:
    """Each target of `@mutate(...)` with the step to add to it (DecoratorError on misuse)."""
    options = {k: call.kwargs[k] for k in ("collapse", "_chain") if k in call.kwargs}
    if options.get("collapse"):
        raise DecoratorError(
            "@mutate(collapse=True) is not implemented in Hamilton; drop `collapse`", call.location
        )
    if options.get("_chain"):
        raise DecoratorError("@mutate(_chain=True) is not supported", call.location)
    shared = {k: v for k, v in call.kwargs.items() if k not in ("collapse", "_chain")}
    if not call.args:
        raise DecoratorError(
            "@mutate needs the function(s) whose output it transforms: @mutate(target, ...)",
            call.location,
        )
    out = []
    mutator_ref = FunctionRef(
        mutator.name, mutator.module, spec=mutator, obj=mutator.obj, location=mutator.location
    )
    for target in call.args:
        methods: tuple[Call, ...] = ()
        kwargs = shared
        where = call.location
        if isinstance(target, Call) and target.name == "apply_to":
            if not target.args or len(target.args) > 1:
                raise DecoratorError(
                    "apply_to() takes the target function and keyword arguments: "
                    "apply_to(fn, param=source('...'))",
                    target.location or call.location,
                )
            methods, where = target.methods, target.location or call.location
            kwargs = dict(target.kwargs) or shared
            target = target.args[0]
        if isinstance(target, Unknown):
            raise Unknowable(f"a @mutate target ({target.reason})", target.location or where)
        if isinstance(target, str):
            raise DecoratorError(
                f"@mutate({target!r}): strings are not supported, pass the function itself",
                location_of(target) or where,
            )
        if not isinstance(target, FunctionRef):
            raise DecoratorError(f"@mutate takes functions or apply_to(...), got {target!r}", where)
        if target.module is not None and target.module != mutator.module:
            raise DecoratorError(
                f"@mutate can only change functions of its own module; {target.name} is in "
                f"{target.module}, {mutator.name} in {mutator.module}. Move the mutator next to "
                f"{target.name} or use @pipe_output there",
                where,
            )
        step = Call("step", (mutator_ref,), kwargs, methods, where)
        out.append((target, step))
    return out


def mutates(spec: FunctionSpec) -> bool:
    """Whether `spec` is a `@mutate` function, the only kind `apply_mutations` acts on."""
    return any(call.name == "mutate" for call in spec.decorators)


def apply_mutations(
    functions: Sequence[FunctionSpec], problems: list[Problem]
) -> list[FunctionSpec]:
    """Hand each `@mutate` step to its target function, in the order Hamilton's imports would.

    A mutator defined twice under one name mutates twice: Python keeps the second definition,
    but the first one's decorator has already run (`FunctionSpec.shadowed`).  Mutators are
    usually private, so no rule runs on them later: their misuse is reported here.
    """
    specs = list(functions)
    for mutator in list(specs):
        # Python applies stacked decorators innermost first: the step of the `@mutate` nearest
        # the `def` comes first in its target's chain.
        for call in reversed(mutator.decorators):
            if call.name != "mutate" or not call.known:
                continue
            try:
                additions = _mutate_targets(call, mutator)
            except (DecoratorError, Unknowable) as exc:
                # a public one is reported by its own `mutate` rule, unless it makes no node
                if not mutator.is_public or mutator.shadowed:
                    ctx = RuleContext(mutator, {})
                    report_failure(ctx, call, exc)
                    problems.extend(ctx.problems)
                continue
            for target, step in additions:
                index = _find(specs, target)
                if index is not None:
                    specs[index] = _add_step(specs[index], step, call)
    return specs


def _find(specs: list[FunctionSpec], target: FunctionRef) -> int | None:
    for index, spec in enumerate(specs):
        if spec.name == target.name and not spec.shadowed:
            return index
    return None


def _add_step(target: FunctionSpec, step: Call, mutate_call: Call) -> FunctionSpec:
    decorators = list(target.decorators)
    found = False
    for index, call in enumerate(decorators):
        if call.name == "pipe_output" and call.known:
            decorators[index] = replace(call, args=(*call.args, step))
            found = True
    if not found:
        # A pipe_output added after the function was defined: the outermost of its decorators.
        decorators.insert(0, Call("pipe_output", (step,), {}, (), mutate_call.location))
    return replace(target, decorators=tuple(decorators))
