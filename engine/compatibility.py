"""Whether a producer's return type satisfies a consumer's parameter type (LD004).

Two regimes, both erring on the side of silence:

- Runtime (both `TypeRef.obj` known): mirrors apache-hamilton's `htypes.types_match` — equal
  types, `Any`, subclasses, members of a union parameter, `Parallelizable[X]`/`Collect[X]`, and
  generics whose origins agree (their arguments must be equal when both sides spell them out).
  `Annotated[...]` is looked through on both sides.
- Static (annotations as text only): a mismatch is reported only when both sides are types whose
  relation is certain without running code — builtins and the well-known pandas/numpy/polars
  containers.  Anything else (user classes, protocols, `Literal`, `Callable`, unresolved names)
  is assumed compatible, because a false LD004 in the editor is worse than a missing one.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass
from typing import Any

from .specs import TypeRef


def types_compatible(produced: TypeRef | None, requested: TypeRef | None) -> bool:
    """True when a value annotated `produced` may be passed where `requested` is annotated."""
    if produced is None or requested is None:
        return True
    if produced.key == requested.key:
        return True
    if _is_live(produced.obj) and _is_live(requested.obj):
        try:
            return _runtime_match_cached(produced.obj, requested.obj)
        except TypeError:  # unhashable annotation metadata: check without the cache
            return runtime_types_match(produced.obj, requested.obj)
    return _static_match(produced.key, requested.key)


def _is_live(obj: Any) -> bool:
    return obj is not None and not isinstance(obj, str)


# --- Runtime: live annotations ------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _runtime_match_cached(produced: Any, requested: Any) -> bool:
    return runtime_types_match(produced, requested)


def runtime_types_match(produced: Any, requested: Any) -> bool:
    """Hamilton's edge check: can the producer's type flow into the consumer's parameter?"""
    produced, requested = _strip_annotated(produced), _strip_annotated(requested)
    if produced is Any or requested is Any:
        return True
    if isinstance(produced, typing.TypeVar) or isinstance(requested, typing.TypeVar):
        return bool(produced == requested)
    if produced == requested:
        return True
    return _subclass_like(produced, requested)


def _strip_annotated(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) is typing.Union or isinstance(tp, types.UnionType)


def _plain_subclass(sub: Any, sup: Any) -> bool:
    if typing.get_args(sub) or typing.get_args(sup):
        return False
    if isinstance(sub, type) and isinstance(sup, type):
        try:
            return issubclass(sub, sup)
        except TypeError:  # e.g. protocols that are not runtime-checkable
            return False
    return False


def _origin_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    return getattr(origin, "__name__", "") if origin is not None else ""


def _subclass_like(sub: Any, sup: Any) -> bool:
    """Hamilton's `custom_subclass_check(requested_type=sub, param_type=sup)`, restated."""
    sup = _strip_annotated(sup)
    if sup is Any or sup is object:
        return True
    if _plain_subclass(sub, sup):
        return True
    if _is_union(sup) and any(_subclass_like(sub, arg) for arg in typing.get_args(sup)):
        return True
    sub_origin = typing.get_origin(sub) or sub
    sup_origin = typing.get_origin(sup) or sup
    has_generic = typing.get_origin(sub) is not None or typing.get_origin(sup) is not None
    if has_generic and _origin_name(sub) == "Parallelizable" and typing.get_args(sub):
        return _subclass_like(typing.get_args(sub)[0], sup)
    if has_generic and _origin_name(sup) == "Collect" and typing.get_args(sup):
        return _subclass_like(sub, typing.get_args(sup)[0])
    if _is_union(sub) or _is_union(sup):
        return False
    if sub_origin == sup_origin or _plain_subclass(sub_origin, sup_origin):
        sub_args, sup_args = typing.get_args(sub), typing.get_args(sup)
        if has_generic and sub_args and sup_args:
            if _is_bare_typevars(sub_args) or _is_bare_typevars(sup_args):
                return True
            return bool(sub_args == sup_args)
        return True
    return False


def _is_bare_typevars(args: tuple[Any, ...]) -> bool:
    return all(isinstance(a, typing.TypeVar) for a in args)


# --- Static: annotations as text ----------------------------------------------------------------

_ALIASES = {"pd": "pandas", "np": "numpy", "pl": "polars"}
_BUILTINS = frozenset(
    {"int", "float", "str", "bytes", "bool", "complex", "list", "dict", "set", "frozenset"}
    | {"tuple", "type", "bytearray", "None"}
)
_TYPING_TO_BUILTIN = {
    "List": "list",
    "Dict": "dict",
    "Set": "set",
    "FrozenSet": "frozenset",
    "Tuple": "tuple",
    "Type": "type",
}
# Library types whose relations are certain: (package, class name) → canonical name.
_KNOWN_LIBRARY = frozenset(
    {
        "pandas.Series",
        "pandas.DataFrame",
        "pandas.Index",
        "numpy.ndarray",
        "polars.DataFrame",
        "polars.Series",
        "polars.LazyFrame",
    }
)
# Certain subclass relations among the known names (sub, super).
_SUBCLASSES = frozenset({("bool", "int")})
_ANY = "Any"
_UNKNOWN = "?"


@dataclass(frozen=True)
class _Type:
    """A parsed annotation: a canonical name (or Any/?/Union/...) and its arguments."""

    name: str
    args: tuple[_Type, ...] = ()


def _canonical(dotted: str) -> str:
    text = dotted.strip().strip("'\"")
    for prefix in ("typing.", "typing_extensions.", "builtins.", "t."):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if text in ("Any", "object"):
        return _ANY
    if text in ("None", "NoneType"):
        return "None"
    if text in _BUILTINS:
        return text
    if text in _TYPING_TO_BUILTIN:
        return _TYPING_TO_BUILTIN[text]
    if text in ("Optional", "Union", "Annotated", "Parallelizable", "Collect"):
        return text
    parts = text.split(".")
    if len(parts) >= 2:
        package = _ALIASES.get(parts[0], parts[0])
        candidate = f"{package}.{parts[-1]}"
        if candidate in _KNOWN_LIBRARY:
            return candidate
        if parts[-1] in ("Parallelizable", "Collect"):
            return parts[-1]
    return _UNKNOWN


class _Parser:
    """A tiny reader for annotation text: `name`, `name[args]`, `a | b`, quoted strings."""

    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def parse(self) -> _Type:
        parsed = self._union()
        self._skip()
        if self.pos != len(self.text):
            return _Type(_UNKNOWN)
        return parsed

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def _union(self) -> _Type:
        members = [self._atom()]
        self._skip()
        while self.pos < len(self.text) and self.text[self.pos] == "|":
            self.pos += 1
            members.append(self._atom())
            self._skip()
        return members[0] if len(members) == 1 else _Type("Union", tuple(members))

    def _atom(self) -> _Type:
        self._skip()
        start = self.pos
        if self.pos < len(self.text) and self.text[self.pos] == "[":  # Callable's [[a], b] list
            self.pos += 1
            self._list_until("]")
            return _Type(_UNKNOWN)
        while self.pos < len(self.text) and self.text[self.pos] not in "[],|":
            self.pos += 1
        name = self.text[start : self.pos].strip()
        args: tuple[_Type, ...] = ()
        if self.pos < len(self.text) and self.text[self.pos] == "[":
            self.pos += 1
            args = tuple(self._list_until("]"))
        if len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
            return _Parser(name[1:-1]).parse()
        return _Type(_canonical(name), args)

    def _list_until(self, closing: str) -> list[_Type]:
        items: list[_Type] = []
        while True:
            self._skip()
            if self.pos >= len(self.text):
                return items
            if self.text[self.pos] == closing:
                self.pos += 1
                return items
            items.append(self._union())
            self._skip()
            if self.pos < len(self.text) and self.text[self.pos] == ",":
                self.pos += 1


def _normalize(tp: _Type) -> _Type:
    if tp.name == "Annotated":
        return _normalize(tp.args[0]) if tp.args else _Type(_ANY)
    if tp.name == "Optional":
        return _Type("Union", (*(_normalize(a) for a in tp.args), _Type("None")))
    if tp.name == "Union":
        return _Type("Union", tuple(_normalize(a) for a in tp.args))
    if tp.name == _UNKNOWN:
        return tp
    return _Type(tp.name, tuple(_normalize(a) for a in tp.args))


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> _Type:
    return _normalize(_Parser(text).parse())


@functools.lru_cache(maxsize=8192)
def _static_match(produced: str, requested: str) -> bool:
    return _compatible(_parse(produced), _parse(requested))


def _compatible(produced: _Type, requested: _Type) -> bool:
    if produced.name in (_ANY, _UNKNOWN) or requested.name in (_ANY, _UNKNOWN):
        return True
    if requested.name == "Union":
        return any(_compatible(produced, member) for member in requested.args)
    if produced.name == "Union":  # more lenient than Hamilton: one member fitting is enough
        return any(_compatible(member, requested) for member in produced.args)
    if produced.name == "Parallelizable" and produced.args:
        return _compatible(produced.args[0], requested)
    if requested.name == "Collect" and requested.args:
        return _compatible(produced, requested.args[0])
    if produced.name in ("Parallelizable", "Collect") or requested.name in (
        "Parallelizable",
        "Collect",
    ):
        return True
    if produced.name != requested.name and (produced.name, requested.name) not in _SUBCLASSES:
        return False
    if produced.args and requested.args and len(produced.args) == len(requested.args):
        return all(_compatible(a, b) for a, b in zip(produced.args, requested.args, strict=True))
    return True
