"""Decorators that split one output into parts: extract_columns, extract_fields, unpack_fields.

Hamilton implements them as single-node transformers (TRANSFORM phase): they take the one sink of
the function's nodes, keep it, and add one node per part that depends on it.  The part nodes copy
the sink's tags as they are at that point, so a `@tag` written above applies to the sink only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..specs import Call, Dependency, NodeSpec, TypeRef, Unknown
from .annotations import (
    column_type,
    is_dataframe_type,
    is_type_expression,
    shape_of,
    type_of_argument,
)
from .lifecycle import select_targets
from .plugins import plugin_dependency, plugin_frame
from .registry import DecoratorError, Phase, RuleContext, Unknowable, rule


@dataclass(frozen=True)
class Part:
    """One node to split off: its name (as written), type and doc, and how to pick it."""

    name: str
    type: TypeRef | None
    doc: str
    key: Any  # column name, dict key or tuple index


def single_target(call: Call, nodes: list[NodeSpec]) -> NodeSpec:
    """The one sink a single-node transformer applies to (Hamilton refuses several)."""
    sinks = select_targets(None, nodes, call)
    if len(sinks) != 1:
        raise DecoratorError(
            f"@{call.name} applies to exactly one output, but the decorators below it make "
            f"{len(sinks)} ({', '.join(n.name for n in sinks)}); apply it to a function with a "
            f"single output",
            call.location,
        )
    return sinks[0]


def skip_unknown(ctx: RuleContext, call: Call, value: Any, what: str) -> bool:
    """Report an argument that cannot be known (LD008) and say whether to skip it."""
    if isinstance(value, Unknown):
        ctx.report_unknowable(call, what, value.location)
        return True
    return False


def split_off(
    call: Call,
    ctx: RuleContext,
    whole: NodeSpec,
    parts: Sequence[Part],
    pick: Callable[[Any, Any], Any],
    fill: Callable[[Any], Any] | None = None,
) -> list[NodeSpec]:
    """`whole` (its compute wrapped by `fill`) followed by one node per part."""
    base = whole.compute
    generated = whole
    if base is not None and fill is not None:
        generated = replace(whole, compute=lambda **kw: fill(base(**kw)))
    out = [generated]
    for part in parts:
        compute = None
        if base is not None:
            compute = _picker(whole.name, part.key, pick)
        out.append(
            NodeSpec(
                name=part.name,
                type=part.type,
                dependencies=(Dependency(whole.name, whole.type, location=call.location),),
                tags=dict(whole.tags),
                doc=part.doc,
                function=whole.function,
                module=whole.module,
                location=ctx.name_location(part.name, call),
                compute=compute,
            )
        )
    return out


def _picker(source: str, key: Any, pick: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def compute(**kwargs: Any) -> Any:
        return pick(kwargs[source], key)

    return compute


def replace_single(
    nodes: list[NodeSpec], target: NodeSpec, replacement: list[NodeSpec]
) -> list[NodeSpec]:
    return [n for n in nodes if n is not target] + replacement


# --- extract_columns -----------------------------------------------------------------------------


def _column(frame: Any, name: str) -> Any:
    if name not in frame:
        raise KeyError(f"no column {name!r} in the dataframe; it has {list(frame.columns)}")
    return frame[name]


def check_dataframe_output(call: Call, ctx: RuleContext) -> None:
    returns = ctx.function.returns
    if returns is not None and is_dataframe_type(returns) is False:
        raise DecoratorError(
            f"{ctx.function.name} returns {returns}, not a dataframe; @{call.name} needs a "
            f"function annotated to return one (e.g. -> pd.DataFrame)",
            call.location,
        )
    frame = plugin_frame(returns)
    if frame is not None:
        ctx.problems.append(
            plugin_dependency(frame.plugin, f"`@{call.name}` on {returns}", call.location)
        )


def column_parts(
    call: Call, ctx: RuleContext, columns: Sequence[Any], frame: NodeSpec
) -> list[Part]:
    series = column_type(frame.type)
    parts = []
    for column in columns:
        if skip_unknown(ctx, call, column, "a column name"):
            continue
        doc = frame.doc
        if isinstance(column, tuple):
            if len(column) != 2:
                raise DecoratorError(
                    f"a column is a name or a (name, doc) pair, got {column!r}", call.location
                )
            column, doc = column
            if skip_unknown(ctx, call, column, "a column name"):
                continue
            doc = frame.doc if isinstance(doc, Unknown) else str(doc)
        if not isinstance(column, str):
            raise DecoratorError(
                f"column names are strings, got {column!r}; write @{call.name}('a', 'b')",
                call.location,
            )
        parts.append(Part(column, series, doc, str(column)))
    return parts


@rule("extract_columns", phase=Phase.TRANSFORM)
def extract_columns(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@extract_columns("a", ("b", "doc"), fill_with=0)`: one node per column of a dataframe."""
    kwargs = dict(call.kwargs)
    fill_with = kwargs.pop("fill_with", None)
    if kwargs:
        raise DecoratorError(
            f"@extract_columns got unexpected argument(s) {', '.join(kwargs)}; it takes column "
            f"names and fill_with",
            call.location,
        )
    if not call.args:
        raise DecoratorError(
            "@extract_columns needs the names of the columns to extract", call.location
        )
    if isinstance(call.args[0], list):
        raise DecoratorError(
            "@extract_columns takes column names as separate arguments; unpack the list with "
            "@extract_columns(*columns)",
            call.location,
        )
    check_dataframe_output(call, ctx)
    frame = single_target(call, nodes)
    parts = column_parts(call, ctx, call.args, frame)
    fill = None
    if fill_with is not None and not isinstance(fill_with, Unknown):
        names = [p.name for p in parts]

        def fill(df: Any) -> Any:
            for name in names:
                if name not in df:
                    df[name] = fill_with
            return df

    return replace_single(nodes, frame, split_off(call, ctx, frame, parts, _column, fill))


# --- extract_fields ------------------------------------------------------------------------------

_NOT_DICTS = frozenset({"int", "float", "str", "bool", "bytes", "list", "tuple", "set", "None"})


def _typed_dict_fields(returns: TypeRef) -> dict[str, TypeRef] | None:
    """Field types of a TypedDict return type, as the front end described them, else None."""
    if returns.fields is None:
        return None
    return dict(returns.fields)


def _field_types(
    call: Call, ctx: RuleContext, fields: Any, returns: TypeRef | None
) -> dict[str, TypeRef | None]:
    """Hamilton's `_determine_fields_to_extract`, reading the return annotation of either end."""
    wrong_output = DecoratorError(
        f"{ctx.function.name} must be annotated to return a dict (dict, dict[str, int], or a "
        f"TypedDict) for @extract_fields; it returns {returns}",
        call.location,
    )
    shape = shape_of(returns)
    if returns is None or shape is None:
        if fields is None:
            raise Unknowable("the fields to extract (from the return type)", call.location)
    elif shape.origin == "dict" and not shape.is_generic:
        if not isinstance(fields, Mapping):
            raise DecoratorError(
                f"{ctx.function.name} returns a bare dict, so @extract_fields needs a dict of "
                f"field name to type, e.g. @extract_fields({{'a': int}})",
                call.location,
            )
    elif shape.is_generic:
        if shape.origin != "dict":
            raise wrong_output
        if fields is None:
            raise DecoratorError(
                "@extract_fields on a function returning dict[...] needs the field names (a "
                "list) or a dict of field name to type",
                call.location,
            )
        if len(shape.args) != 2:
            raise DecoratorError(
                f"the return type {returns} must have exactly two type parameters (key, value)",
                call.location,
            )
        if isinstance(fields, list):
            return {f: shape.args[1] for f in fields}
    else:
        typed = _typed_dict_fields(returns)
        if typed is not None:
            return _typed_dict_subset(call, fields, typed)
        if returns.obj is not None or shape.origin in _NOT_DICTS or "DataFrame" in shape.origin:
            raise wrong_output
        if fields is None:  # possibly a TypedDict the static front end cannot see into
            raise Unknowable(f"the fields of {returns}", call.location)
    if isinstance(fields, list):
        return {f: None for f in fields}
    return {name: _field_type(call, name, t) for name, t in fields.items()}


def _field_type(call: Call, name: Any, value: Any) -> TypeRef | None:
    if isinstance(value, Unknown):
        return None
    if not isinstance(name, str):
        raise DecoratorError(f"field names are strings, got {name!r}", call.location)
    if not is_type_expression(value):
        raise DecoratorError(
            f"field {name!r} must map to a type (e.g. int, pd.Series), got {value!r}",
            call.location,
        )
    return type_of_argument(value)


def _typed_dict_subset(
    call: Call, fields: Any, typed: dict[str, TypeRef]
) -> dict[str, TypeRef | None]:
    if fields is None:
        return dict(typed)
    names = list(fields)
    unknown = [f for f in names if f not in typed]
    if unknown:
        raise DecoratorError(
            f"{', '.join(map(repr, unknown))} are not fields of the TypedDict "
            f"(it has {', '.join(typed)})",
            call.location,
        )
    if isinstance(fields, list):
        return {f: typed[f] for f in names}
    return {name: _field_type(call, name, t) for name, t in fields.items()}


def _field(mapping: Any, key: Any) -> Any:
    if key not in mapping:
        raise KeyError(f"no field {key!r} in the result; it has {list(mapping)}")
    return mapping[key]


@rule("extract_fields", phase=Phase.TRANSFORM)
def extract_fields(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@extract_fields({"a": int})` / `("a", "b")` / `(["a", "b"])`: one node per dict field."""
    kwargs = dict(call.kwargs)
    fill_with = kwargs.pop("fill_with", None)
    fields: Any = kwargs.pop("fields", None)
    if kwargs:
        raise DecoratorError(
            f"@extract_fields got unexpected argument(s) {', '.join(kwargs)}", call.location
        )
    args = list(call.args)
    if args and "fields" in call.kwargs:
        raise DecoratorError("@extract_fields got fields twice", call.location)
    if args:
        fields, others = args[0], args[1:]
    else:
        others = []
    fields = ctx.known(fields, "the fields to extract", call)
    if isinstance(fields, list):
        fields = fields + others
    elif fields and not isinstance(fields, Mapping):
        fields = [fields, *others]
    if isinstance(fields, list):
        fields = [f for f in fields if not skip_unknown(ctx, call, f, "a field name")]
        bad = [f for f in fields if not isinstance(f, str)]
        if bad:
            raise DecoratorError(f"field names are strings, got {bad[0]!r}", call.location)
    if fields is not None and not fields:
        raise DecoratorError(
            "@extract_fields needs the fields to extract: a dict of name to type or names",
            call.location,
        )
    types = _field_types(call, ctx, fields, ctx.function.returns)
    if not types:
        raise DecoratorError("@extract_fields found no fields to extract", call.location)
    whole = single_target(call, nodes)
    parts = [Part(name, t, whole.doc, str(name)) for name, t in types.items()]
    fill = None
    if fill_with is not None and not isinstance(fill_with, Unknown):

        def fill(result: Any) -> Any:
            for name in types:
                result.setdefault(name, fill_with)
            return result

    return replace_single(nodes, whole, split_off(call, ctx, whole, parts, _field, fill))


# --- unpack_fields -------------------------------------------------------------------------------


def _element_types(
    call: Call, ctx: RuleContext, count: int, returns: TypeRef | None
) -> list[TypeRef | None]:
    shape = shape_of(returns)
    if returns is None:
        return [None] * count
    if shape is None:
        raise Unknowable(f"the shape of the return type {returns}", call.location)
    if shape.origin != "tuple" or not shape.is_generic:
        raise DecoratorError(
            f"{ctx.function.name} must be annotated to return a tuple such as tuple[int, str] "
            f"or tuple[int, ...] for @unpack_fields; it returns {returns}",
            call.location,
        )
    args = list(shape.args)
    ellipses = sum(1 for a in args if a.text == "...")
    if ellipses > 1:
        raise DecoratorError(f"{returns} has more than one '...'", call.location)
    if ellipses == 1:
        if len(args) != 2 or args[1].text != "...":
            raise DecoratorError(
                f"in {returns} the '...' must come second, as in tuple[int, ...]", call.location
            )
        return [args[0]] * count
    if len(args) < count:
        raise DecoratorError(
            f"@unpack_fields names {count} fields but {returns} has only {len(args)}",
            call.location,
        )
    return list(args[:count])


@rule("unpack_fields", phase=Phase.TRANSFORM)
def unpack_fields(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@unpack_fields("a", "b")` on `-> tuple[int, str]`: one node per tuple element."""
    if call.kwargs:
        raise DecoratorError(
            "@unpack_fields takes the field names only: @unpack_fields('a', 'b')", call.location
        )
    types = _element_types(call, ctx, len(call.args), ctx.function.returns)
    whole = single_target(call, nodes)
    parts = []
    for index, (name, type_) in enumerate(zip(call.args, types, strict=True)):
        if skip_unknown(ctx, call, name, "a field name"):
            continue
        if not isinstance(name, str):
            raise DecoratorError(f"field names are strings, got {name!r}", call.location)
        parts.append(Part(name, type_, whole.doc, index))
    return replace_single(
        nodes, whole, split_off(call, ctx, whole, parts, lambda value, i: value[i])
    )
