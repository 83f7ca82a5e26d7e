"""Data adapters: `load_from.<format>`, `save_to.<format>`, `@dataloader()`, `@datasaver()`.

Hamilton's shapes, for a function `fn`:
- `@load_from.csv(path=source("p"))` on `fn(df: pd.DataFrame)`: a loader node `fn.load_data.df`
  (depends on `p`; yields `(data, metadata)`), a node `fn.select_data.df` that picks the data out,
  and `fn` now asks for `fn.select_data.df` instead of `df`.
- `@save_to.json(path=..., output_name_="out")`: a saver node `out` (default `save.<node>`) that
  depends on the saved node and on the `source(...)` arguments; it yields the saving metadata.
- `@dataloader()` on `fn(...) -> tuple[T, dict]`: `fn.loader` (the function, data and metadata)
  and `fn` (the data).  `@datasaver()` on `fn(...) -> dict`: `fn` itself, tagged as a saver.
The adapter class (which decides the accepted arguments) is chosen by the annotated type, as in
Hamilton; see `adapter_catalog`.  A format or class that a Hamilton plugin provides makes its nodes
as the plugin does, with an LD008 information naming the libraries it needs (`plugins`).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..codes import Code
from ..specs import Call, Dependency, FunctionSpec, NodeSpec, Severity, TypeRef, Unknown
from .adapter_catalog import (
    LOADERS,
    SAVERS,
    AdapterClass,
    check_arguments,
    choose_adapter,
    plugins_behind,
)
from .dependencies import FromConfig, Group, Source, Value, dependency_of
from .lifecycle import function_node, select_targets
from .plugins import plugin_dependency
from .registry import DecoratorError, Phase, RuleContext, Unknowable, rule
from .type_names import canonical, generic_parts
from .validation import live

LOADER_TAG = "hamilton.data_loader"
SAVER_TAG = "hamilton.data_saver"
SAVE_METADATA_TYPE = TypeRef("dict[str, Any]", "dict")


# --- arguments: literals and sources -----------------------------------------------------------


def adapter_arguments(
    call: Call, arguments: Mapping[str, Any], ctx: RuleContext
) -> tuple[dict[str, Source], dict[str, Any]]:
    """Split adapter arguments into sources (dependencies) and literal values.

    An argument that cannot be known is reported (LD008) and treated as a literal, so the rest of
    the adapter's nodes still appear.
    """
    sources: dict[str, Source] = {}
    literals: dict[str, Any] = {}
    for key, raw in arguments.items():
        try:
            dep = dependency_of(raw, ctx, call)
        except Unknowable as exc:
            ctx.report(
                Code.UNKNOWABLE,
                f"@{call.name}: argument {key!r}: {exc}; if it names an upstream node, that "
                f"dependency is missing from the graph",
                exc.location or call.location,
                Severity.INFO,
            )
            literals[key] = raw
            continue
        if isinstance(dep, (FromConfig, Group)):
            raise DecoratorError(
                f"argument {key!r}: adapters take a literal, value(...) or source(...), "
                f"not {'configuration' if isinstance(dep, FromConfig) else 'group'}(...)",
                call.location,
            )
        if isinstance(dep, Source):
            sources[key] = dep
        else:
            assert isinstance(dep, Value)
            literals[key] = dep.value
    return sources, literals


def _source_dependencies(
    sources: Mapping[str, Source], cls: AdapterClass | None
) -> dict[str, Dependency]:
    deps: dict[str, Dependency] = {}
    for key, src in sources.items():
        optional = cls is not None and key not in cls.required
        deps[src.name] = Dependency(src.name, None, optional, src.location)
    return deps


def _fetch(sources: Mapping[str, Source], literals: Mapping[str, Any]) -> Any:
    """The adapter's arguments at run time, from the values of its sources."""
    fixed = {k: live(v) for k, v in literals.items()}

    def arguments(values: Mapping[str, Any]) -> dict[str, Any]:
        return {**fixed, **{key: values[src.name] for key, src in sources.items()}}

    return arguments


def _keywords_only(call: Call) -> None:
    if call.args:
        raise DecoratorError(
            f"@{call.name} takes keyword arguments only, e.g. path=source('...')", call.location
        )


def _adapter_name(cls: AdapterClass | None | Unknown) -> str | None:
    return cls.name if isinstance(cls, AdapterClass) else None


def _say_plugin(
    classes: Sequence[AdapterClass], cls: AdapterClass | Unknown, call: Call, ctx: RuleContext
) -> None:
    """The LD008 information when the adapter comes from a Hamilton plugin."""
    plugin = plugins_behind(classes, cls)
    if plugin is not None:
        what = f"`{call.name}`" + (f" ({cls.name})" if isinstance(cls, AdapterClass) else "")
        ctx.problems.append(plugin_dependency(plugin, what, call.location))


def _built_in(classes: Sequence[AdapterClass]) -> AdapterClass:
    """At run time, without a class chosen: the last one Hamilton itself provides."""
    return next((c for c in reversed(classes) if c.plugin is None), classes[-1])


# --- load_from.<format> -------------------------------------------------------------------------


def _inject_parameter(spec: FunctionSpec, inject: Any, call: Call) -> str:
    names = [p.name for p in spec.parameters]
    if inject is None:
        if not names:
            raise DecoratorError(
                f"{spec.name} has no parameters; the loaded data is passed into a parameter, "
                f"so add one (e.g. `data: pd.DataFrame`)",
                call.location,
            )
        if len(names) > 1:
            raise DecoratorError(
                f"{spec.name} has several parameters ({', '.join(names)}); pass "
                f"inject_='<parameter>' to say which one receives the loaded data",
                call.location,
            )
        return names[0]
    if not isinstance(inject, str):
        raise DecoratorError(f"inject_ must be a parameter name, got {inject!r}", call.location)
    if inject not in names:
        raise DecoratorError(
            f"inject_={inject!r} is not a parameter of {spec.name}; its parameters are "
            f"{', '.join(names) or 'none'}",
            call.location,
        )
    return inject


def _unknown_format(call: Call, known: Iterable[str]) -> DecoratorError:
    family, fmt = call.name.split(".", 1)
    return DecoratorError(
        f"{family} has no format {fmt!r}; use one of: {', '.join(sorted(known))}", call.location
    )


@rule("load_from.*", phase=Phase.INJECT)
def load_from_unknown(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@load_from.<format>` with a format Hamilton does not have: rejected, as Hamilton does."""
    raise _unknown_format(call, LOADERS)


@rule("save_to.*", phase=Phase.TRANSFORM)
def save_to_unknown(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@save_to.<format>` with a format Hamilton does not have."""
    raise _unknown_format(call, SAVERS)


@rule(*(f"load_from.{fmt}" for fmt in LOADERS), phase=Phase.INJECT)
def load_from(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@load_from.<format>(<argument>=..., inject_=...)`: feed loaded data into a parameter."""
    _keywords_only(call)
    fmt = call.name.split(".", 1)[1]
    arguments = dict(call.kwargs)
    spec = ctx.function
    param = _inject_parameter(
        spec, ctx.known(arguments.pop("inject_", None), "inject_", call), call
    )
    annotation = next(p.annotation for p in spec.parameters if p.name == param)
    if annotation is None:
        raise DecoratorError(
            f"parameter {param!r} of {spec.name} needs a type annotation: Hamilton chooses the "
            f"{fmt} loader by the type it loads into",
            call.location,
        )
    produced = {n.name for n in nodes}
    if not any(param == d.name for n in nodes for d in n.dependencies) or param in produced:
        raise DecoratorError(
            f"parameter {param!r} of {spec.name} is already fed by another decorator; "
            f"each parameter can receive data from one loader",
            call.location,
        )
    cls = choose_adapter(LOADERS[fmt], annotation, loading=True)
    if cls is None:
        kinds = sorted({t for c in LOADERS[fmt] for t in c.types})
        raise DecoratorError(
            f"load_from.{fmt} cannot load into {annotation} (parameter {param!r}); it loads "
            f"{', '.join(kinds)}. Change the annotation or pick another format",
            call.location,
        )
    sources, literals = adapter_arguments(call, arguments, ctx)
    if isinstance(cls, AdapterClass):
        check_arguments(cls, list(arguments), f"load_from.{fmt}", call)
    _say_plugin(LOADERS[fmt], cls, call, ctx)
    return _inject(call, nodes, ctx, param, annotation, fmt, cls, sources, literals)


def _inject(
    call: Call,
    nodes: list[NodeSpec],
    ctx: RuleContext,
    param: str,
    annotation: TypeRef,
    fmt: str,
    cls: AdapterClass | Unknown,
    sources: dict[str, Source],
    literals: dict[str, Any],
) -> list[NodeSpec]:
    spec = ctx.function
    loader_name = f"{spec.name}.load_data.{param}"
    select_name = f"{spec.name}.select_data.{param}"
    tags = {
        "module": spec.module,
        LOADER_TAG: True,
        f"{LOADER_TAG}.source": fmt,
        f"{LOADER_TAG}.classname": _adapter_name(cls) or "",
        f"{LOADER_TAG}.node": param,
    }
    runtime = spec.obj is not None
    loaded_type = TypeRef(f"tuple[{annotation.text}, dict]")
    loader = NodeSpec(
        name=loader_name,
        type=loaded_type,
        dependencies=tuple(_source_dependencies(sources, _as_class(cls)).values()),
        tags={**tags, f"{LOADER_TAG}.has_metadata": True},
        doc=f"Loads {param} of {spec.name} with load_from.{fmt}",
        function=spec.name,
        module=spec.module,
        location=call.location or spec.location,
        compute=_loader_compute(fmt, cls, sources, literals) if runtime else None,
    )
    select = NodeSpec(
        name=select_name,
        type=annotation,
        dependencies=(Dependency(loader_name, loaded_type, location=call.location),),
        tags={**tags, f"{LOADER_TAG}.has_metadata": False},
        doc=f"The data part of {loader_name}",
        function=spec.name,
        module=spec.module,
        location=call.location or spec.location,
        compute=_first_of(loader_name) if runtime else None,
    )
    renamed = [
        replace(
            n,
            dependencies=tuple(
                replace(d, name=select_name) if d.name == param else d for d in n.dependencies
            ),
            compute=_renaming(n.compute, select_name, param) if n.compute is not None else None,
        )
        if any(d.name == param for d in n.dependencies)
        else n
        for n in nodes
    ]
    return [*renamed, loader, select]


def _as_class(cls: Any) -> AdapterClass | None:
    return cls if isinstance(cls, AdapterClass) else None


def _first_of(name: str) -> Any:
    def first(**values: Any) -> Any:
        return values[name][0]

    return first


def _renaming(compute: Any, new: str, old: str) -> Any:
    """A compute that receives `new` and passes it to the function as `old`."""

    def renamed(**values: Any) -> Any:
        values[old] = values.pop(new)
        return compute(**values)

    return renamed


def _loader_compute(
    fmt: str,
    cls: AdapterClass | Unknown,
    sources: Mapping[str, Source],
    literals: Mapping[str, Any],
) -> Any:
    from .. import adapters

    fetch = _fetch(sources, literals)
    adapter = _adapter_name(cls) or _built_in(LOADERS[fmt]).name

    def load(**values: Any) -> tuple[Any, dict[str, Any]]:
        return adapters.load(adapter, fetch(values))

    return load


# --- save_to.<format> ---------------------------------------------------------------------------


@rule(*(f"save_to.{fmt}" for fmt in SAVERS), phase=Phase.TRANSFORM)
def save_to(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@save_to.<format>(<argument>=..., output_name_=..., target_=...)`: add a saver node."""
    _keywords_only(call)
    fmt = call.name.split(".", 1)[1]
    arguments = dict(call.kwargs)
    output_name = ctx.known(arguments.pop("output_name_", None), "output_name_", call)
    target = ctx.known(arguments.pop("target_", None), "target_", call)
    if output_name is not None and not isinstance(output_name, str):
        raise DecoratorError(
            f"output_name_ must be a node name, got {output_name!r}", call.location
        )
    chosen = select_targets(target, nodes, call)
    if len(chosen) != 1:
        raise DecoratorError(
            f"save_to saves one node, but {ctx.function.name} makes "
            f"{', '.join(n.name for n in chosen)}; pass target_='<node>' to pick one",
            call.location,
        )
    (node,) = chosen
    cls = choose_adapter(SAVERS[fmt], node.type, loading=False)
    if cls is None:
        kinds = sorted({t for c in SAVERS[fmt] for t in c.types})
        raise DecoratorError(
            f"save_to.{fmt} cannot save {node.name!r} of type {node.type}; it saves "
            f"{', '.join(kinds)}. Change the return type or pick another format",
            call.location,
        )
    sources, literals = adapter_arguments(call, arguments, ctx)
    if isinstance(cls, AdapterClass):
        check_arguments(cls, list(arguments), f"save_to.{fmt}", call)
    _say_plugin(SAVERS[fmt], cls, call, ctx)
    deps = _source_dependencies(sources, _as_class(cls))
    deps[node.name] = Dependency(node.name, node.type, location=call.location)
    name = output_name or f"save.{node.name}"
    runtime = ctx.function.obj is not None
    saver = NodeSpec(
        name=name,
        type=SAVE_METADATA_TYPE,
        dependencies=tuple(deps.values()),
        tags={
            "module": ctx.function.module,
            SAVER_TAG: True,
            f"{SAVER_TAG}.sink": fmt,
            f"{SAVER_TAG}.classname": _adapter_name(cls) or "",
        },
        doc=f"Saves {node.name} with save_to.{fmt}",
        function=ctx.function.name,
        module=ctx.function.module,
        location=ctx.name_location(output_name, call) if output_name else call.location,
        compute=_saver_compute(fmt, cls, node, sources, literals) if runtime else None,
    )
    return [n for n in nodes if n is not node] + [saver, node]


def _saver_compute(
    fmt: str,
    cls: AdapterClass | Unknown,
    node: NodeSpec,
    sources: Mapping[str, Source],
    literals: Mapping[str, Any],
) -> Any:
    from .. import adapters

    fetch = _fetch(sources, literals)
    adapter = _adapter_name(cls) or SAVERS[fmt][0].name

    def save(**values: Any) -> dict[str, Any]:
        return adapters.save(adapter, values[node.name], fetch(values))

    return save


# --- @dataloader() and @datasaver() -------------------------------------------------------------


def _no_arguments(call: Call) -> None:
    if call.args or call.kwargs:
        raise DecoratorError(f"@{call.name}() takes no arguments", call.location)


def _loaded_type(spec: FunctionSpec, call: Call) -> TypeRef | None:
    """The data part of a `tuple[T, dict]` return annotation, checked as Hamilton checks it."""
    returns = spec.returns
    if returns is None:
        raise DecoratorError(
            f"{spec.name} needs a return annotation: -> tuple[<data type>, dict]", call.location
        )
    head, args = generic_parts(returns.qualified or returns.text)
    if canonical(head) is None:
        return None  # an alias we cannot see through statically
    if canonical(head) != "tuple":
        raise DecoratorError(
            f"{spec.name} must return a tuple of the data and a metadata dict: "
            f"-> tuple[<data type>, dict], not {returns}",
            call.location,
        )
    if len(args) != 2:
        raise DecoratorError(
            f"{spec.name} must return a tuple of length 2: -> tuple[<data type>, dict]",
            call.location,
        )
    meta_head, meta_args = generic_parts(args[1])
    meta = canonical(meta_head)
    if meta is not None and meta != "dict":
        raise DecoratorError(
            f"{spec.name}: the second element of the returned tuple must be a dict of "
            f"metadata, not {args[1]}",
            call.location,
        )
    if meta_args and canonical(meta_args[0]) not in (None, "str"):
        raise DecoratorError(
            f"{spec.name}: the metadata dict must have str keys, not {meta_args[0]}",
            call.location,
        )
    return _first_type(returns)


def _first_type(returns: TypeRef) -> TypeRef:
    """The data type of `tuple[T, dict]`: the live one at run time, else as written."""
    if returns.obj is not None and typing.get_args(returns.obj):
        from ..introspect import type_ref

        found = type_ref(typing.get_args(returns.obj)[0])
        if found is not None:
            return found
    written = generic_parts(returns.text)[1]
    qualified = generic_parts(returns.qualified)[1] if returns.qualified else []
    return TypeRef(written[0] if written else "", qualified[0] if len(qualified) == 2 else None)


@rule("dataloader", phase=Phase.CREATE)
def dataloader(call: Call, spec: FunctionSpec, ctx: RuleContext) -> list[NodeSpec]:
    """`@dataloader()`: `fn.loader` returns (data, metadata); `fn` is the data."""
    _no_arguments(call)
    data_type = _loaded_type(spec, call)
    loader_name = f"{spec.name}.loader"
    common = {LOADER_TAG: True, f"{LOADER_TAG}.node": spec.name}
    common[f"{LOADER_TAG}.classname"] = f"{spec.name}()"
    base = function_node(spec)
    loader = replace(
        base,
        name=loader_name,
        tags={
            **base.tags,
            **common,
            f"{LOADER_TAG}.has_metadata": True,
            f"{LOADER_TAG}.source": "loader",
        },
    )
    data = NodeSpec(
        name=spec.name,
        type=data_type,
        dependencies=(Dependency(loader_name, spec.returns, location=spec.location),),
        tags={
            "module": spec.module,
            **common,
            f"{LOADER_TAG}.has_metadata": False,
            f"{LOADER_TAG}.source": spec.name,
        },
        doc=spec.doc,
        function=spec.name,
        module=spec.module,
        location=spec.location,
        compute=_first_of(loader_name) if spec.obj is not None else None,
    )
    return [loader, data]


@rule("datasaver", phase=Phase.CREATE)
def datasaver(call: Call, spec: FunctionSpec, ctx: RuleContext) -> list[NodeSpec]:
    """`@datasaver()`: the function saves and returns a metadata dict; it stays one node."""
    _no_arguments(call)
    returns = spec.returns
    if returns is None:
        raise DecoratorError(f"{spec.name} needs a return annotation: -> dict", call.location)
    head, args = generic_parts(returns.qualified or returns.text)
    if canonical(head) is not None and (head not in ("dict", "builtins.dict") or args):
        raise DecoratorError(
            f"{spec.name} must be annotated to return plain `dict` (its saving metadata); "
            f"Hamilton rejects {returns}",
            call.location,
        )
    node = function_node(spec)
    tags = {
        SAVER_TAG: True,
        f"{SAVER_TAG}.sink": spec.name,
        f"{SAVER_TAG}.classname": f"{spec.name}()",
    }
    return [replace(node, tags={**node.tags, **tags})]
