"""Decorators that build a dataflow inside a function: `subdag` and `parameterized_subdag` (and,
in `with_columns.py`, pandas' `with_columns`, which reuses `inner_nodes` and `add_namespace`).

The inner functions (from `ModuleRef.functions` or `FunctionRef.spec`) are expanded with the very
same rules, under the config Hamilton would give them, and renamed into a namespace
(`namespace.node`).  Dependencies on names the inner dataflow does not make stay global.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..codes import Code
from ..specs import (
    Call,
    Dependency,
    FunctionRef,
    FunctionSpec,
    ModuleRef,
    NodeSpec,
    Severity,
    Symbol,
    TypeRef,
    Unknown,
    location_of,
)
from .dependencies import FromConfig, Source, Value, dependency_of, is_dependency_call
from .lifecycle import NON_FINAL_TAG, function_node
from .registry import DecoratorError, Phase, RuleContext, rule
from .steps import identity, live

_SUBDAG_OPTIONS = ("inputs", "config", "namespace", "final_node_name", "external_inputs")
_NON_FINAL = {NON_FINAL_TAG: True}


# --- inner dataflows ------------------------------------------------------------------------------


def inner_nodes(
    load_from: Sequence[Any], config: Mapping[str, Any], ctx: RuleContext, call: Call
) -> list[NodeSpec]:
    """The nodes the modules/functions of a subdag make under `config`, marked non-final.

    A module contributes its public functions (after its module rewrites); a function passed
    directly contributes itself, private or not, as in Hamilton.  What cannot be known is
    reported (LD008) and left out; the inner problems are passed on.
    """
    from . import expand_function, expand_module

    if not load_from:
        raise DecoratorError(
            f"@{call.name} needs the modules or functions to build from: @{call.name}(module, ...)",
            call.location,
        )
    nodes: list[NodeSpec] = []
    for item in load_from:
        if isinstance(item, ModuleRef) and item.functions is not None:
            expansion = expand_module(item.functions, config)
        elif isinstance(item, FunctionRef) and item.spec is not None:
            expansion = expand_function(item.spec, config)
        elif isinstance(item, (ModuleRef, FunctionRef, Symbol, Unknown)):
            # A Symbol is a name the front end could not classify (an unresolved import).
            why = (
                item.reason
                if isinstance(item, Unknown)
                else f"`{item.name}` is not a module or function livedag can read"
            )
            message = (
                f"@{call.name}: the functions it builds from could not be read ({why}), so the "
                f"nodes they make are missing from the graph"
            )
            if all(p.message != message for p in ctx.problems):  # once per decorator
                where = getattr(item, "location", None) or call.location
                ctx.report(Code.UNKNOWABLE, message, where, Severity.INFO)
            continue
        else:
            raise DecoratorError(
                f"@{call.name} builds from modules and functions, got {item!r}",
                location_of(item) or call.location,
            )
        ctx.problems.extend(expansion.problems)
        nodes.extend(replace(n, tags={**n.tags, **_NON_FINAL}) for n in expansion.nodes)
    return nodes


def add_namespace(
    nodes: Iterable[NodeSpec], namespace: str, also: Iterable[str] = ()
) -> list[NodeSpec]:
    """Nodes renamed `namespace.name`; dependencies on them (or on `also`) renamed alike."""
    nodes = list(nodes)
    local = {n.name for n in nodes} | set(also)

    def rename(name: str) -> str:
        return f"{namespace}.{name}" if name in local else name

    out = []
    for node in nodes:
        deps = tuple(replace(d, name=rename(d.name)) for d in node.dependencies)
        out.append(
            replace(
                node,
                name=rename(node.name),
                dependencies=deps,
                compute=_renamed_compute(node, rename),
            )
        )
    return out


def _renamed_compute(node: NodeSpec, rename: Any) -> Any:
    inner = node.compute
    if inner is None:
        return None
    back = {rename(d.name): d.name for d in node.dependencies}

    def compute(**values: Any) -> Any:
        return inner(**{back.get(k, k): v for k, v in values.items()})

    return compute


def _type_of(value: Any) -> TypeRef:
    obj = live(value)
    kind = type(obj)
    qualified = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else (f"{kind.__module__}.{kind.__qualname__}")
    )
    return TypeRef(kind.__qualname__, qualified, kind)


def _constant(value: Any) -> Any:
    obj = live(value)

    def compute() -> Any:
        return obj

    return compute


# --- @subdag ---------------------------------------------------------------------------------


def _subdag_inputs(inputs: Any, ctx: RuleContext, call: Call) -> dict[str, Source | Value]:
    inputs = ctx.known(inputs, f"@{call.name}(inputs=...)", call)
    if not isinstance(inputs, dict):
        raise DecoratorError(
            f"@{call.name}(inputs=...) takes a dict of parameter name to source(...)/value(...)",
            call.location,
        )
    out: dict[str, Source | Value] = {}
    for key, spec in inputs.items():
        if isinstance(spec, Unknown) or (
            is_dependency_call(spec) and spec.name in ("source", "value")
        ):
            dep = dependency_of(spec, ctx, call)
            assert isinstance(dep, (Source, Value))
            out[key] = dep
        else:
            raise DecoratorError(
                f"@{call.name}(inputs={{{key!r}: ...}}) must be source('...') or value(...), got "
                f"{spec!r}; wrap a constant in value(...)",
                location_of(key) or call.location,
            )
    return out


def _subdag_config(
    fields: Mapping[str, Any], config: Mapping[str, Any], ctx: RuleContext, call: Call
) -> dict[str, Any]:
    """The config an inner dataflow sees: the outer one, overridden by the decorator's."""
    plain: dict[str, Any] = {}
    from_config: dict[str, str] = {}
    for key, val in fields.items():
        ctx.known(val, f"config value {key!r} of @{call.name}", call)
        if is_dependency_call(val):
            dep = dependency_of(val, ctx, call)
            if isinstance(dep, FromConfig):
                from_config[key] = dep.key
            elif isinstance(dep, Value):
                plain[key] = dep.value
            else:
                raise DecoratorError(
                    f"@{call.name}(config={{{key!r}: ...}}): source()/group() are not allowed in "
                    f"config; use configuration('...'), value(...) or a plain value",
                    call.location,
                )
        else:
            plain[key] = val
    resolved = {**config, **plain}
    for key, other in from_config.items():
        if other not in resolved:
            raise DecoratorError(
                f"@{call.name}(config={{{key!r}: configuration({other!r})}}): {other!r} is not in "
                f"the config; add it to the dataflow's config",
                call.location,
            )
        resolved[key] = resolved[other]
    return resolved


def subdag_nodes(
    call: Call,
    spec: FunctionSpec,
    ctx: RuleContext,
    *,
    load_from: Sequence[Any],
    inputs: Any,
    config: Any,
    namespace: str,
    final_name: str,
    external_inputs: Any,
) -> list[NodeSpec]:
    """One subdag: namespaced inner nodes, input and config nodes, and the output node."""
    config = ctx.known(config, f"@{call.name}(config=...)", call) or {}
    if not isinstance(config, dict):
        raise DecoratorError(f"@{call.name}(config=...) takes a dict", call.location)
    sources = _subdag_inputs(inputs or {}, ctx, call)
    shared = sorted(set(config) & set(sources))
    if shared:
        raise DecoratorError(
            f"@{call.name}: {', '.join(shared)} given both as inputs and as config; give each "
            f"only once (in config if the inner functions need it as config)",
            call.location,
        )
    externals = ctx.known(external_inputs, f"@{call.name}(external_inputs=...)", call) or []
    resolved = _subdag_config(config, ctx.config, ctx, call)
    inner = add_namespace(
        inner_nodes(load_from, resolved, ctx, call), namespace, [*sources, *config]
    )
    asked = {d.name: d for n in inner for d in n.dependencies}
    extra: list[NodeSpec] = []
    for key, dep in sources.items():
        name = f"{namespace}.{key}"
        common: dict[str, Any] = dict(
            name=name,
            tags=dict(_NON_FINAL),
            function=spec.name,
            module=spec.module,
            location=ctx.name_location(key, call),
        )
        if isinstance(dep, Value):
            extra.append(NodeSpec(type=_type_of(dep.value), compute=_constant(dep.value), **common))
        elif name in asked:
            where = dep.location or call.location
            extra.append(
                NodeSpec(
                    type=asked[name].type,
                    dependencies=(Dependency(dep.name, asked[name].type, location=where),),
                    compute=identity,
                    **common,
                )
            )
    for key, val in config.items():
        extra.append(
            NodeSpec(
                name=f"{namespace}.{key}",
                type=_type_of(val),
                tags=dict(_NON_FINAL),
                function=spec.name,
                module=spec.module,
                location=ctx.name_location(key, call),
                compute=_constant(val),
            )
        )
    return [*inner, *extra, _output_node(spec, final_name, namespace, externals)]


def _output_node(
    spec: FunctionSpec, name: str, namespace: str, externals: Sequence[str]
) -> NodeSpec:
    node = function_node(spec, name)

    def rename(dep: str) -> str:
        return dep if dep in externals else f"{namespace}.{dep}"

    deps = tuple(replace(d, name=rename(d.name)) for d in node.dependencies)
    return replace(node, dependencies=deps, compute=_renamed_compute(node, rename))


@rule("subdag", phase=Phase.CREATE)
def subdag(call: Call, spec: FunctionSpec, ctx: RuleContext) -> list[NodeSpec]:
    """`@subdag(module, inputs=..., config=...)`: the module's nodes as `fn.<node>`, then `fn`."""
    options = _subdag_options(call, _SUBDAG_OPTIONS)
    namespace = ctx.known(options.get("namespace"), "@subdag(namespace=...)", call)
    final = ctx.known(options.get("final_node_name"), "@subdag(final_node_name=...)", call)
    return subdag_nodes(
        call,
        spec,
        ctx,
        load_from=call.args,
        inputs=options.get("inputs"),
        config=options.get("config"),
        namespace=namespace if namespace is not None else spec.name,
        final_name=final if final is not None else spec.name,
        external_inputs=options.get("external_inputs"),
    )


def _subdag_options(call: Call, allowed: Sequence[str]) -> dict[str, Any]:
    unknown = [k for k in call.kwargs if k not in allowed]
    if unknown:
        raise DecoratorError(
            f"@{call.name} got unexpected argument(s) {', '.join(unknown)}; it takes modules or "
            f"functions, then {', '.join(allowed)}",
            call.location,
        )
    return dict(call.kwargs)


@rule("parameterized_subdag", phase=Phase.CREATE)
def parameterized_subdag(call: Call, spec: FunctionSpec, ctx: RuleContext) -> list[NodeSpec]:
    """`@parameterized_subdag(module, a={...}, b={...})`: one subdag per keyword, named after it."""
    shared_inputs = ctx.known(call.kwargs.get("inputs") or {}, "inputs=...", call)
    shared_config = ctx.known(call.kwargs.get("config") or {}, "config=...", call)
    shared_external = call.kwargs.get("external_inputs") or []
    out: list[NodeSpec] = []
    for key, params in call.kwargs.items():
        if key in ("inputs", "config", "external_inputs"):
            continue
        params = ctx.known(params, f"the parameterization {key!r}", call)
        if not isinstance(params, dict):
            raise DecoratorError(
                f"@parameterized_subdag({key}=...) takes a dict with optional 'inputs', 'config' "
                f"and 'external_inputs', got {params!r}",
                location_of(key) or call.location,
            )
        for part in ("inputs", "config"):
            if not isinstance(params.get(part, {}), dict):
                raise DecoratorError(
                    f"@parameterized_subdag({key}={{{part!r}: ...}}) takes a dict", call.location
                )
        if not isinstance(shared_inputs, dict) or not isinstance(shared_config, dict):
            raise DecoratorError(
                "@parameterized_subdag(inputs=..., config=...) take dicts", call.location
            )
        out.extend(
            subdag_nodes(
                call,
                spec,
                ctx,
                load_from=call.args,
                inputs={**shared_inputs, **params.get("inputs", {})},
                config={**shared_config, **params.get("config", {})},
                namespace=key,
                final_name=key,
                external_inputs=params.get("external_inputs", shared_external),
            )
        )
    return out
