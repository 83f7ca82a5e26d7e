"""The few builtins and methods the evaluator may apply to plain constants.

Each takes and returns plain data only; sizes are capped so hostile input cannot exhaust memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from livedag.engine.specs import Unknown

MAX_ITEMS = 10_000

BUILTIN_TYPES = frozenset(
    {"int", "float", "str", "bool", "bytes", "dict", "list", "tuple", "set", "frozenset", "object"}
)


def _builtin(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn.__livedag_builtin__ = True  # type: ignore[attr-defined]
    return fn


def _sized(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset, dict, str)) and len(value) > MAX_ITEMS:
        raise ValueError("too many items")
    return value


def _iterable(value: Any) -> Any:
    if isinstance(value, dict):
        return list(value)
    if not isinstance(value, (list, tuple, set, frozenset, str, range)):
        raise TypeError("not a constant collection")
    return _sized(value)


def _range(*args: int) -> list[int]:
    if not all(isinstance(a, int) for a in args):
        raise TypeError("range needs integers")
    r = range(*args)
    if len(r) > MAX_ITEMS:
        raise ValueError("range too large")
    return list(r)


def _dict(*args: Any, **kwargs: Any) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    if args:
        (source,) = args
        if isinstance(source, dict):
            out.update(source)
        else:
            out.update(_iterable(source))
    out.update(kwargs)
    return out


def _scalar(kind: type) -> Callable[..., Any]:
    def convert(value: Any = None, *rest: Any) -> Any:
        if rest or isinstance(value, Unknown):
            raise TypeError("needs running code")
        if value is None:
            return kind()
        if not isinstance(value, (str, int, float, bool)):
            raise TypeError(f"{kind.__name__}() of a non-constant")
        return kind(_sized(value))

    return convert


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "dict": _dict,
    "list": lambda x=(): list(_iterable(x)),
    "tuple": lambda x=(): tuple(_iterable(x)),
    "set": lambda x=(): set(_iterable(x)),
    "frozenset": lambda x=(): frozenset(_iterable(x)),
    "sorted": lambda x, reverse=False: sorted(_iterable(x), reverse=bool(reverse)),
    "reversed": lambda x: list(reversed(list(_iterable(x)))),
    "len": lambda x: len(_iterable(x)),
    "range": _range,
    "zip": lambda *xs: list(zip(*(_iterable(x) for x in xs), strict=False)),
    "enumerate": lambda x, start=0: list(enumerate(_iterable(x), start)),
    "min": lambda *xs: min(_iterable(xs[0]) if len(xs) == 1 else xs),
    "max": lambda *xs: max(_iterable(xs[0]) if len(xs) == 1 else xs),
    "sum": lambda x, start=0: sum(_iterable(x), start),
    "abs": lambda x: abs(x),
    "round": lambda *a: round(*a),
    "str": _scalar(str),
    "int": _scalar(int),
    "float": _scalar(float),
    "bool": _scalar(bool),
}
BUILTIN_FUNCTIONS = {name: _builtin(fn) for name, fn in _FUNCTIONS.items()}

_STR_METHODS = frozenset(
    {
        "join", "upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip",
        "replace", "split", "startswith", "endswith", "removeprefix", "removesuffix", "zfill",
    }
)  # fmt: skip
_DICT_METHODS = frozenset({"keys", "values", "items", "get", "copy"})


def method_of(target: Any, name: str) -> Callable[..., Any] | None:
    """An allow-listed method of a plain constant, wrapped to return plain data."""
    if isinstance(target, str):
        if name == "format":
            from .safe_operations import safe_format

            return lambda *a, **k: safe_format(str(target), *a, **k)
        if name == "join":
            return lambda items: _join(str(target), items)
        if name == "replace":
            return lambda old, new, *rest: _sized(str(target).replace(old, new, *rest))
        if name in _STR_METHODS:
            method = getattr(str(target), name)
            return lambda *a: _plain(method(*a))
    if isinstance(target, dict) and name in _DICT_METHODS:
        method = getattr(target, name)
        return lambda *a: _plain(method(*a))
    return None


def _join(sep: str, items: Any) -> str:
    parts = list(_iterable(items))
    if not all(isinstance(p, str) for p in parts):
        raise TypeError("join needs strings")
    return _sized(sep.join(parts))


def _plain(value: Any) -> Any:
    if isinstance(value, (type({}.keys()), type({}.values()), type({}.items()))):
        return list(value)
    return value
