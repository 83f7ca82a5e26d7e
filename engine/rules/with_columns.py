"""pandas' `@with_columns`: column functions run on one dataframe input and appended to it.

`@with_columns(fns..., columns_to_pass=["a", "b"])` on `fn(df)` makes `fn.a`, `fn.b` (columns taken
out of `df`), the functions' nodes as `fn.<name>`, and `fn._append` (df with the selected columns
assigned), which `fn` then receives in place of `df`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..specs import Call, Dependency, FunctionSpec, NodeSpec, TypeRef, location_of
from .recursive import add_namespace, inner_nodes
from .registry import DecoratorError, Phase, RuleContext, bind_arguments, rule
from .steps import rename_dependencies

_WITH_COLUMNS_DEFAULTS: dict[str, Any] = {
    "columns_to_pass": None,
    "pass_dataframe_as": None,
    "on_input": None,
    "select": None,
    "namespace": None,
    "config_required": None,
}
_SERIES = TypeRef("pd.Series", "pandas.Series")
_SERIES_NAMES = {"pandas.Series", "pandas.core.series.Series"}


def _is_series(type_: TypeRef | None) -> bool:
    if type_ is None:
        return False
    if type_.obj is not None:
        obj = type_.obj
        return str(getattr(obj, "__module__", "")).startswith("pandas") and (
            getattr(obj, "__qualname__", None) == "Series"
        )
    return type_.key in _SERIES_NAMES or type_.text in ("pd.Series", "pandas.Series")


@rule("with_columns", phase=Phase.INJECT)
def with_columns(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@with_columns(fns..., columns_to_pass=[...])`: column functions run on a dataframe input,
    their results appended by `fn._append`, which the function then receives instead."""
    options = bind_arguments(
        Call(call.name, (), call.kwargs, location=call.location),
        [],
        defaults=_WITH_COLUMNS_DEFAULTS,
    )
    for key, val in options.items():
        ctx.known(val, f"@with_columns({key}=...)", call)
    if options["pass_dataframe_as"] is not None:
        raise DecoratorError(
            "@with_columns(pass_dataframe_as=...) is not supported for pandas; use on_input=...",
            call.location,
        )
    columns, on_input = options["columns_to_pass"], options["on_input"]
    if (columns is None) == (on_input is None):
        raise DecoratorError(
            "@with_columns needs exactly one of columns_to_pass=[...] (the columns to take out "
            "of the dataframe for you) and on_input='...' (the dataframe parameter, if the "
            "functions extract their own columns)",
            call.location,
        )
    spec = ctx.function
    frame = (
        on_input if on_input is not None else (spec.parameters[0].name if spec.parameters else None)
    )
    if frame is None:
        raise DecoratorError(
            f"{spec.name} has no parameters; @with_columns needs the dataframe as its first "
            f"parameter or named with on_input=...",
            call.location,
        )
    open_deps = {d.name: d for n in nodes for d in n.dependencies}
    produced = {n.name for n in nodes}
    annotated = {p.name for p in spec.parameters if p.annotation is not None}
    if frame not in annotated or frame not in open_deps or frame in produced:
        raise DecoratorError(
            f"{spec.name} has no typed dataframe parameter {frame!r} for @with_columns; name the "
            f"dataframe parameter with on_input=...",
            call.location,
        )
    frame_dep = open_deps[frame]
    generated = [_column_node(col, frame, frame_dep, spec, call, ctx) for col in (columns or [])]
    generated += inner_nodes(call.args, _with_columns_config(options, ctx, call), ctx, call)
    names = [n.name for n in generated]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise DecoratorError(
            f"@with_columns: {', '.join(duplicated)} defined twice; a column passed in "
            f"columns_to_pass cannot be redefined. Use on_input=... and extract it yourself "
            f"to change a column in place",
            call.location,
        )
    select = options["select"]
    if select is not None:
        generated = _upstream_of(generated, list(select), call)
    else:
        select = [n.name for n in generated if _is_series(n.type)]
    append = NodeSpec(
        name="_append",
        type=frame_dep.type,
        dependencies=tuple(
            Dependency(c, _SERIES, location=location_of(c) or call.location) for c in select
        )
        + (frame_dep,),
        function=spec.name,
        module=spec.module,
        location=call.location or spec.location,
        compute=_append_compute(frame, list(select)) if spec.obj is not None else None,
    )
    namespace = options["namespace"] if options["namespace"] is not None else spec.name
    added = add_namespace([*generated, append], namespace)
    renames = {frame: f"{namespace}._append"}
    return [rename_dependencies(n, renames) for n in nodes] + added


def _with_columns_config(
    options: Mapping[str, Any], ctx: RuleContext, call: Call
) -> Mapping[str, Any]:
    required = options["config_required"]
    if required is None:
        return ctx.config
    missing = [k for k in required if k not in ctx.config]
    if missing:
        raise DecoratorError(
            f"@with_columns requires config {', '.join(missing)}; add it to the dataflow's config",
            call.location,
        )
    return {k: ctx.config[k] for k in required}


def _column_node(
    column: Any,
    frame: str,
    frame_dep: Dependency,
    spec: FunctionSpec,
    call: Call,
    ctx: RuleContext,
) -> NodeSpec:
    doc = spec.doc
    if isinstance(column, tuple) and len(column) == 2:
        column, doc = column
    if not isinstance(column, str):
        raise DecoratorError(
            f"@with_columns(columns_to_pass=[...]) takes column names, got {column!r}",
            call.location,
        )
    name = str(column)

    def compute(**values: Any) -> Any:
        return values[frame][name]

    return NodeSpec(
        name=column,
        type=_SERIES,
        dependencies=(frame_dep,),
        doc=doc,
        function=spec.name,
        module=spec.module,
        location=ctx.name_location(column, call),
        compute=compute if spec.obj is not None else None,
    )


def _upstream_of(nodes: list[NodeSpec], select: list[str], call: Call) -> list[NodeSpec]:
    by_name = {n.name: n for n in nodes}
    missing = [s for s in select if s not in by_name]
    if missing:
        raise DecoratorError(
            f"@with_columns(select=[...]): {', '.join(missing)} not made by its functions (they "
            f"make {', '.join(sorted(by_name))})",
            call.location,
        )
    keep: set[str] = set()
    stack = list(select)
    while stack:
        name = stack.pop()
        if name in keep:
            continue
        keep.add(name)
        stack.extend(d.name for d in by_name[name].dependencies if d.name in by_name)
    return [n for n in nodes if n.name in keep]


def _append_compute(frame: str, select: list[str]) -> Any:
    def compute(**values: Any) -> Any:
        return values[frame].assign(**{column: values[column] for column in select})

    return compute
