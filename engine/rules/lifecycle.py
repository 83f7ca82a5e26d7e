"""The runner: a FunctionSpec and a config in, NodeSpecs out.

It mirrors Hamilton's decorator lifecycle (hamilton.function_modifiers.base.resolve_nodes): dynamic
→ resolve → create → inject → expand → transform → decorate.  Within a phase, decorators apply
innermost first (the one written closest to the `def` first), as Hamilton's do.  A decorator that
fails is reported (LD006 misuse, LD008 unknowable) and skipped; the function stays in the graph as
far as the remaining decorators allow, so one bad decorator never hides the rest of the dataflow.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from ..codes import Code
from ..specs import (
    Call,
    Dependency,
    FunctionSpec,
    NodeSpec,
    ParameterKind,
    Severity,
)
from .parallel import node_role
from .registry import (
    CreateRule,
    DecoratorError,
    DynamicRule,
    Expansion,
    NodeRule,
    Phase,
    ResolveRule,
    RuleContext,
    Unknowable,
    rule_for,
)

# Tag Hamilton puts on nodes that a transformer must not treat as sinks.
NON_FINAL_TAG = "hamilton.non_final_node"


def function_node(spec: FunctionSpec, name: str | None = None) -> NodeSpec:
    """The node a function makes on its own: its name, its parameters as dependencies, and its
    role in dynamic execution (`Parallelizable`/`Collect`)."""
    deps = tuple(
        Dependency(p.name, p.annotation, p.has_default, p.location)
        for p in spec.parameters
        if p.kind in (ParameterKind.POSITIONAL, ParameterKind.KEYWORD_ONLY)
    )
    return NodeSpec(
        name=name or spec.name,
        type=spec.returns,
        dependencies=deps,
        tags={"module": spec.module},
        doc=spec.doc,
        function=spec.name,
        module=spec.module,
        location=spec.location,
        role=node_role(spec),
        compute=spec.obj,
    )


def select_targets(target: Any, nodes: Sequence[NodeSpec], call: Call) -> list[NodeSpec]:
    """Hamilton's target selection for transformers and decorators.

    None → the sinks of the function's subgraph; Ellipsis → every node; a name or a collection of
    names → those nodes (all must exist).
    """
    if target is None:
        consumed = {d.name for n in nodes for d in n.dependencies}
        return [n for n in nodes if n.name not in consumed and not n.tags.get(NON_FINAL_TAG)]
    if target is Ellipsis:
        return list(nodes)
    names = [target] if isinstance(target, str) else list(target)
    if not all(isinstance(n, str) for n in names):
        raise DecoratorError(f"@{call.name}: target must be a node name or names", call.location)
    by_name = {n.name: n for n in nodes}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise DecoratorError(
            f"@{call.name}: target(s) {', '.join(map(repr, missing))} are not among the nodes "
            f"this function makes ({', '.join(sorted(by_name))})",
            call.location,
        )
    return [by_name[n] for n in names]


def replace_targets(
    nodes: Sequence[NodeSpec], targets: Collection[NodeSpec], replacement: list[NodeSpec]
) -> list[NodeSpec]:
    """`nodes` without `targets`, with `replacement` added at the end (Hamilton's order)."""
    target_ids = {id(t) for t in targets}
    return [n for n in nodes if id(n) not in target_ids] + replacement


def report_failure(ctx: RuleContext, call: Call, exc: Exception) -> None:
    """Record why a decorator was skipped: LD008 when unknowable, LD006 when misused."""
    if isinstance(exc, Unknowable):
        ctx.report(
            Code.UNKNOWABLE,
            f"@{call.name}: {exc}; lineage below it is partial",
            exc.location or call.location,
            Severity.INFO,
        )
    else:
        location = getattr(exc, "location", None) or call.location
        ctx.report(Code.DECORATOR_MISUSE, f"@{call.name}: {exc}", location)


# The phases in order, once: iterating the Enum class itself costs ~15 us, per function expanded.
_PHASES = tuple(Phase)


def _by_phase(decorators: Sequence[Call]) -> dict[Phase, list[Call]]:
    grouped: dict[Phase, list[Call]] = {phase: [] for phase in _PHASES}
    # Source order is outermost first; Hamilton applies innermost first.
    for call in reversed(decorators):
        found = rule_for(call)
        if found is not None:
            grouped[found.phase].append(call)
    return grouped


def expand_function(spec: FunctionSpec, config: Mapping[str, Any]) -> Expansion:
    """All nodes one function makes under `config`, with the problems found on the way."""
    ctx = RuleContext(spec, config)
    for call in spec.decorators:
        found = rule_for(call)
        if found is not None and call.bare and not found.bare_ok:
            # `@tag` without parentheses rebinds the name to the decorator object itself: the
            # function is gone from the module (Hamilton fails or skips it), so it is no node.
            ctx.report(
                Code.DECORATOR_MISUSE,
                f"@{call.name} must be called: write @{call.name}(...). Written bare, it "
                f"replaces {spec.name} with the decorator itself, so {spec.name} is not a node",
                call.location,
            )
            return Expansion([], ctx.problems)
    grouped = _by_phase(spec.decorators)

    dynamic = grouped.pop(Phase.DYNAMIC)
    if dynamic:
        added: list[Call] = []
        for call in dynamic:
            try:
                added.extend(_rule(call, DynamicRule).apply(call, ctx))
            except (DecoratorError, Unknowable) as exc:
                report_failure(ctx, call, exc)
        more = _by_phase(added)
        for phase, calls in more.items():
            grouped.setdefault(phase, []).extend(calls)

    current = spec
    for call in grouped[Phase.RESOLVE]:
        try:
            resolved = _rule(call, ResolveRule).apply(call, current, ctx)
        except (DecoratorError, Unknowable) as exc:
            report_failure(ctx, call, exc)
            continue
        if resolved is None:
            return Expansion([], ctx.problems)
        current = resolved
    ctx.function = current

    creators = grouped[Phase.CREATE]
    nodes: list[NodeSpec] = [function_node(current)]
    if len(creators) > 1:
        ctx.report(
            Code.DECORATOR_MISUSE,
            f"{current.name} has more than one node-creating decorator "
            f"({', '.join('@' + c.name for c in creators)}); Hamilton allows one",
            creators[1].location,
        )
    elif creators:
        try:
            nodes = _rule(creators[0], CreateRule).apply(creators[0], current, ctx)
        except (DecoratorError, Unknowable) as exc:
            report_failure(ctx, creators[0], exc)
    else:
        # An injecting decorator (`@load_from`, `@inject`) replaces parameters and judges their
        # annotations itself; only a plain function's parameters are checked here.
        _report_missing_annotations(current, ctx, parameters=not grouped[Phase.INJECT])

    expanders = grouped[Phase.EXPAND]
    if len(expanders) > 1:
        ctx.report(
            Code.DECORATOR_MISUSE,
            f"{current.name} has more than one expanding decorator "
            f"({', '.join('@' + c.name for c in expanders)}); Hamilton allows one",
            expanders[1].location,
        )
        expanders = expanders[:1]

    for phase_calls in (
        grouped[Phase.INJECT],
        expanders,
        grouped[Phase.TRANSFORM],
        grouped[Phase.DECORATE],
    ):
        for call in phase_calls:
            try:
                nodes = _rule(call, NodeRule).apply(call, nodes, ctx)
            except (DecoratorError, Unknowable) as exc:
                report_failure(ctx, call, exc)
    if current.name != spec.name:
        # A resolver renamed the function (`tax_rate__us` → `tax_rate`); nodes still come from
        # the `def` the user wrote, which is what "function" points editors at.
        nodes = [replace(n, function=spec.name) if n.function == current.name else n for n in nodes]
    return Expansion(nodes, ctx.problems)


_Kind = TypeVar("_Kind", DynamicRule, ResolveRule, CreateRule, NodeRule)


def _rule(call: Call, kind: type[_Kind]) -> _Kind:
    """The rule of `call`, which `_by_phase` filed under the phase of rules of this `kind`."""
    found = rule_for(call)
    if not isinstance(found, kind):
        raise AssertionError(f"@{call.name} was filed under {kind.__name__}, but is {found!r}")
    return found


def _report_missing_annotations(fn: FunctionSpec, ctx: RuleContext, *, parameters: bool) -> None:
    """LD005 for a function's own node: Hamilton's `Node.from_fn` wants every parameter and the
    return value annotated, and refuses the whole module otherwise."""
    for param in fn.parameters if parameters else ():
        if param.annotation is None:
            ctx.report(
                Code.MISSING_ANNOTATION,
                f"parameter '{param.name}' of {fn.name} has no type annotation; Hamilton "
                f"refuses functions without one. Add `{param.name}: <type>`",
                param.location or fn.location,
            )
    if fn.returns is None:
        ctx.report(
            Code.MISSING_ANNOTATION,
            f"{fn.name} has no return type annotation; Hamilton refuses functions without "
            f"one. Add `-> <type>` to its signature",
            fn.location,
        )
