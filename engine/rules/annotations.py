"""What the rules need to know about a type annotation, from either front end.

A `TypeRef` carries the live type at run time (`obj`) and only the text as written otherwise, so
every question here is answered from `obj` when there is one and from the parsed text when not.
Answers that cannot be decided from text alone are `None` ("don't know"), never a guess.
"""

from __future__ import annotations

import ast
import typing
from dataclasses import dataclass
from typing import Any

from ..specs import TypeRef
from .plugins import column_of, plugin_frame

# Generic aliases from `typing` spelled with their builtin names.
_ALIASES = {
    "List": "list",
    "Dict": "dict",
    "Tuple": "tuple",
    "Set": "set",
    "Sequence": "Sequence",
    "Mapping": "Mapping",
    "NoneType": "None",
}

# Dataframe types Hamilton extracts columns from, with the type of one column.
# Keys are qualified names; a front end that could not qualify a name gives the text as written.
DATAFRAME_COLUMNS: dict[str, tuple[str, str]] = {
    "pandas.DataFrame": ("Series", "pandas.Series"),
    "pandas.core.frame.DataFrame": ("Series", "pandas.core.series.Series"),
    "polars.DataFrame": ("Series", "polars.Series"),
    "polars.dataframe.frame.DataFrame": ("Series", "polars.series.series.Series"),
    "geopandas.GeoDataFrame": ("GeoSeries", "geopandas.GeoSeries"),
    "geopandas.geodataframe.GeoDataFrame": ("GeoSeries", "geopandas.geoseries.GeoSeries"),
}


@dataclass(frozen=True)
class Shape:
    """An annotation taken apart: `dict[str, int]` → origin "dict", args (str, int)."""

    origin: str
    args: tuple[TypeRef, ...] = ()
    is_generic: bool = False


def _name_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    if isinstance(node, ast.Constant) and node.value is Ellipsis:
        return "..."
    return None


def _from_text(text: str) -> Shape | None:
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(tree, ast.Subscript):
        origin = _name_of(tree.value)
        if origin is None:
            return None
        elts = tree.slice.elts if isinstance(tree.slice, ast.Tuple) else [tree.slice]
        args = tuple(TypeRef(ast.unparse(e)) for e in elts)
        return Shape(_ALIASES.get(origin, origin), args, True)
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.BitOr):
        return Shape(
            "Union", (TypeRef(ast.unparse(tree.left)), TypeRef(ast.unparse(tree.right))), True
        )
    name = _name_of(tree)
    return Shape(_ALIASES.get(name, name)) if name else None


def live_type_ref(obj: Any) -> TypeRef:
    from ..introspect import type_ref

    if obj is Ellipsis:
        return TypeRef("...", obj=obj)
    return type_ref(obj) or TypeRef(repr(obj), obj=obj)


def _from_obj(obj: Any) -> Shape | None:
    origin = typing.get_origin(obj)
    if origin is None:
        name = getattr(obj, "__name__", None)
        if name is None:
            return None
        return Shape(_ALIASES.get(name, name))
    args = tuple(live_type_ref(a) for a in typing.get_args(obj))
    if origin is typing.Union or type(obj).__name__ == "UnionType":
        return Shape("Union", args, True)
    origin_name = str(getattr(origin, "__name__", repr(origin)))
    return Shape(_ALIASES.get(origin_name, origin_name), args, True)


def shape_of(ref: TypeRef | None) -> Shape | None:
    """The annotation's origin and arguments, or None when it cannot be read."""
    if ref is None:
        return None
    if ref.obj is not None and not isinstance(ref.obj, str):
        return _from_obj(ref.obj)
    return _from_text(ref.text)


def without_optional(ref: TypeRef | None) -> TypeRef | None:
    """`Optional[X]` / `X | None` → X (how Hamilton reads grouped parameters)."""
    shape = shape_of(ref)
    if shape is None:
        return ref
    if shape.origin == "Optional" and len(shape.args) == 1:
        return shape.args[0]
    if shape.origin == "Union" and len(shape.args) == 2:
        rest = [a for a in shape.args if a.text not in ("None", "NoneType")]
        if len(rest) == 1:
            return rest[0]
    return ref


def _qualified_of(ref: TypeRef) -> str | None:
    obj = ref.obj
    if isinstance(obj, type):
        return f"{obj.__module__}.{obj.__qualname__}"
    return ref.qualified


def is_dataframe_type(ref: TypeRef) -> bool | None:
    """Whether Hamilton can extract columns from this type (None: cannot tell from the text)."""
    return column_type(ref) is not None or (None if _undecidable(ref) else False)


def _undecidable(ref: TypeRef) -> bool:
    # Without a live type or a qualified name, only the spelling is known: `DataFrame` could be
    # any library's, so an unknown spelling ending in DataFrame is not called wrong.
    return ref.obj is None and ref.qualified is None and ref.text.endswith("DataFrame")


def column_type(ref: TypeRef | None) -> TypeRef | None:
    """The type of one column of a dataframe type, or None if it is not a known dataframe type."""
    if ref is None:
        return None
    obj = ref.obj
    if isinstance(obj, type):
        for base in obj.__mro__:
            found = DATAFRAME_COLUMNS.get(f"{base.__module__}.{base.__qualname__}")
            if found:
                return _live_column(base, found)
        frame = plugin_frame(ref)
        return column_of(frame, ref) if frame is not None else None
    qualified = _qualified_of(ref)
    if qualified in DATAFRAME_COLUMNS:
        text, column_qualified = DATAFRAME_COLUMNS[qualified]
        prefix = ref.text.rpartition(".")[0]
        return TypeRef(f"{prefix}.{text}" if prefix else text, column_qualified)
    frame = plugin_frame(ref)  # a plugin's frame (vaex, ibis, dask, ...): see `plugins`
    if frame is not None:
        return column_of(frame, ref)
    if qualified is None and ref.text.rpartition(".")[2] == "DataFrame":
        prefix = ref.text.rpartition(".")[0]
        return TypeRef(f"{prefix}.Series" if prefix else "Series")
    return None


def _live_column(frame: type, found: tuple[str, str]) -> TypeRef:
    module_name, _, class_name = found[1].rpartition(".")
    try:
        module = __import__(module_name, fromlist=[class_name])
        return live_type_ref(getattr(module, class_name))
    except (ImportError, AttributeError):
        return TypeRef(found[0], found[1])


def is_type_expression(value: Any) -> bool:
    """Whether a decorator argument names a type (as Hamilton requires of field types)."""
    from ..specs import Symbol

    if isinstance(value, TypeRef):
        return True
    if isinstance(value, Symbol):
        obj = value.obj
        if obj is None:
            return True
        return isinstance(obj, type) or obj is Any or typing.get_origin(obj) is not None
    return False


def type_of_argument(value: Any) -> TypeRef | None:
    """A type passed as a decorator argument (`int`, `pd.Series`, `list[str]`) as a TypeRef."""
    from ..specs import Symbol

    if isinstance(value, TypeRef):
        return value
    if isinstance(value, Symbol):
        if value.obj is not None:
            return live_type_ref(value.obj)
        # Spelled like the runtime front end spells a live type: `int`, `int64` (numpy.int64).
        qualified = value.name.removeprefix("builtins.")
        return TypeRef(qualified.rpartition(".")[2], qualified)
    return None
