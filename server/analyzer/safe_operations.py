"""The operations the static evaluator performs on plain values, each bounded.

An expression in a decorator may compute its value (`"a" + "b"`, `2 ** 3`, `"{}_x".format(n)`,
a comprehension's `for a, b in ...`): these are computed with Python's own operators, but only
on plain values and only when the result stays small, so hostile input (`"x" * 10**9`) cannot
blow up memory or time, and no attribute of a value is ever reached through a format string.
"""

from __future__ import annotations

import ast
import operator
import string
from collections.abc import Callable
from typing import Any

from .safe_builtins import MAX_ITEMS

BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.BitOr: operator.or_,
    ast.BitAnd: operator.and_,
    ast.Pow: operator.pow,
}
COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
PLAIN = (str, bytes, int, float, bool, type(None))


def bind_target(target: ast.expr, item: Any) -> dict[str, Any] | None:
    """The names a comprehension's `for` target binds to `item`; None when it does not fit."""
    if isinstance(target, ast.Name):
        return {target.id: item}
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(item, (tuple, list)):
        if len(target.elts) != len(item):
            return None
        out: dict[str, Any] = {}
        for sub, value in zip(target.elts, item, strict=False):
            bound = bind_target(sub, value)
            if bound is None:
                return None
            out.update(bound)
        return out
    return None


def safe_operands(op: ast.operator, left: Any, right: Any) -> bool:
    """Reject operations that could blow up memory or time (`"x" * 10**9`, `2 ** 10**9`)."""
    scalars = (int, float, bool)
    if isinstance(op, ast.Pow):
        return isinstance(left, scalars) and isinstance(right, scalars) and abs(right) <= 64
    if isinstance(left, scalars) and isinstance(right, scalars):
        return not (isinstance(op, ast.Mult) and abs(left) > 10**12 and abs(right) > 10**12)
    if isinstance(op, ast.Mult):
        seq, count = (left, right) if isinstance(right, int) else (right, left)
        if not isinstance(count, int) or not isinstance(seq, (str, list, tuple, bytes)):
            return False
        return len(seq) * max(count, 0) <= MAX_ITEMS * 10
    if isinstance(op, ast.Add):
        return type(left) is type(right) or (isinstance(left, str) and isinstance(right, str))
    if isinstance(op, ast.Mod):
        if not isinstance(left, str) or len(left) > MAX_ITEMS * 10:
            return False
        return "*" not in left  # `%*d` widths come from the arguments
    if isinstance(op, (ast.BitOr, ast.BitAnd)):
        return isinstance(left, (dict, set, frozenset)) and type(left) is type(right)
    return False


def safe_format(template: str, *args: Any, **kwargs: Any) -> str:
    """`str.format` without attribute or index lookups in the fields (`{0.__class__}`)."""
    for _, field, spec, _ in string.Formatter().parse(template):
        if field and any(c in field for c in ".["):
            raise ValueError("format fields with attribute or index access need running code")
        if spec and "{" in spec:
            raise ValueError("nested format specs need running code")
    for value in (*args, *kwargs.values()):
        if not isinstance(value, PLAIN):
            raise ValueError("format arguments are not constants")
    return template.format(*args, **kwargs)
