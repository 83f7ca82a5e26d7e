"""Versions of code and data: the two halves of a cache key.

A node's code version changes when its function's code does (not its docstring or comments); a
value's data version changes when the value does.  Equal versions mean "same as last time", so
both must be stable across processes: no `hash()`, no `id()`, no memory addresses.
"""

from __future__ import annotations

import ast
import datetime
import decimal
import enum
import fractions
import hashlib
import inspect
import pathlib
import pickle
import textwrap
import uuid
from collections.abc import Callable, Mapping
from typing import Any

# A value with no stable version: whoever depends on it is recomputed every run.
UNHASHABLE = "<unhashable>"

# How deep containers are followed before a value counts as unhashable.
MAX_DEPTH = 8

_PLAIN = (
    type(None),
    bool,
    int,
    float,
    complex,
    str,
    decimal.Decimal,
    fractions.Fraction,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    pathlib.PurePath,
    uuid.UUID,
    range,
)


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\x00")
    return h.hexdigest()[:32]


def data_version(value: Any, depth: int = 0) -> str:
    """A stable digest of `value`, or UNHASHABLE when none can be made."""
    if depth > MAX_DEPTH:
        return UNHASHABLE
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    if isinstance(value, _PLAIN) or isinstance(value, enum.Enum):
        return _digest(kind, repr(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _digest(kind, bytes(value))
    if isinstance(value, Mapping):
        items = sorted(
            (data_version(k, depth + 1), data_version(v, depth + 1)) for k, v in value.items()
        )
        return _combine(kind, [f"{k}:{v}" for k, v in items])
    if isinstance(value, (list, tuple)):
        return _combine(kind, [data_version(v, depth + 1) for v in value])
    if isinstance(value, (set, frozenset)):
        return _combine(kind, sorted(data_version(v, depth + 1) for v in value))
    special = _library_version(value, kind)
    if special is not None:
        return special
    try:
        return _digest(kind, pickle.dumps(value, protocol=4))
    except Exception:  # noqa: BLE001 - any failure to pickle means "no stable version"
        return UNHASHABLE


def _combine(kind: str, parts: list[str]) -> str:
    if UNHASHABLE in parts:
        return UNHASHABLE
    return _digest(kind, *parts)


def _library_version(value: Any, kind: str) -> str | None:
    """pandas and numpy values, digested by content (pickles of them are not stable)."""
    module = type(value).__module__.partition(".")[0]
    if module == "pandas":
        import pandas as pd

        if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
            try:
                rows = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
            except TypeError:  # unhashable cells (lists, dicts): fall back to a pickle
                return None
            labels = repr(list(value.columns)) if isinstance(value, pd.DataFrame) else ""
            name = repr(getattr(value, "name", None))
            dtypes = repr(
                value.dtypes.to_dict() if isinstance(value, pd.DataFrame) else value.dtype
            )
            return _digest(kind, rows, labels, name, dtypes)
    if module == "numpy":
        import numpy as np

        if isinstance(value, np.ndarray) and value.dtype != object:
            return _digest(kind, str(value.dtype), repr(value.shape), value.tobytes())
        if isinstance(value, np.generic):
            return _digest(kind, str(value.dtype), value.tobytes())
    return None


def code_version(fn: Callable[..., Any] | None, fallback: str) -> str:
    """A digest of `fn`'s code without its docstrings and comments; `fallback` (digested) when
    there is no function (materializers) or its source cannot be read."""
    if fn is None:
        return _digest("no-function", fallback)
    try:
        source = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        code = getattr(fn, "__code__", None)
        if code is None:
            return _digest("no-source", fallback)
        return _digest("bytecode", code.co_code, repr(code.co_consts), repr(code.co_names))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module))
            and isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return _digest("source", ast.unparse(tree))
