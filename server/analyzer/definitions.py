"""Which `def`s of a top-level statement end up as module attributes.

A `def` inside a top-level `if`/`else`, `try`/`except`/`else`/`finally` or `with` is a module
attribute once that code has run, so Hamilton sees it like any other function.  Which path runs
cannot be known without running it; the choices made here, so the graph stays honest:

- `if`/`else`: both branches count (a condition is shown as if it held, like an unknowable
  `@config.when`).  When both define the same name, the first definition is kept and the others
  are left out with LD008: which one the module ends up with depends on running code.
- `try`: the normal path counts (the body, then `else`, then `finally`), as everywhere else the
  analyzer assumes imports succeed.  A `def` in an `except` handler exists only when the body
  raises: it is left out, with LD008 when it is public (a private fallback is no node anyway).
- `if TYPE_CHECKING:` bodies never run.  `with` bodies always do.  Loops are not looked into.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from .scope import is_try

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class LeftOut:
    """A `def` the graph does not show, and why (None: not worth a diagnostic)."""

    node: FunctionNode
    reason: str | None


@dataclass
class Definitions:
    kept: list[FunctionNode] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)


def function_definitions(statements: Sequence[ast.stmt]) -> Definitions:
    """The functions `statements` (top-level ones, in source order) define at module level."""
    found = Definitions()
    for stmt in statements:
        if isinstance(stmt, _DEFS):
            found.kept.append(stmt)
            continue
        names: set[str] = set()
        for node, normal in _nested(stmt, normal=True):
            if not normal:
                reason = (
                    f"`{node.name}` is defined only when the `try` body raises; the graph "
                    f"assumes it does not, so this definition is not shown"
                )
                found.left_out.append(LeftOut(node, None if node.name[:1] == "_" else reason))
            elif node.name in names:
                reason = (
                    f"`{node.name}` is defined on more than one branch; which definition the "
                    f"module ends up with depends on running code, so the graph shows the first"
                )
                found.left_out.append(LeftOut(node, reason))
            else:
                names.add(node.name)
                found.kept.append(node)
    return found


def _nested(stmt: ast.stmt, normal: bool) -> Iterator[tuple[FunctionNode, bool]]:
    """The `def`s inside a compound statement, each with whether it is on the normal path."""
    if isinstance(stmt, _DEFS):
        yield stmt, normal
        return
    bodies: list[tuple[list[ast.stmt], bool]]
    if isinstance(stmt, ast.If):
        bodies = [(stmt.orelse, normal)]
        if not _is_type_checking(stmt.test):
            bodies.insert(0, (stmt.body, normal))
    elif is_try(stmt):
        bodies = [(stmt.body, normal), (stmt.orelse, normal), (stmt.finalbody, normal)]
        bodies.extend((handler.body, False) for handler in stmt.handlers)
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        bodies = [(stmt.body, normal)]
    else:
        return
    for body, on_path in bodies:
        for inner in body:
            yield from _nested(inner, on_path)


def _is_type_checking(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:` / `if typing.TYPE_CHECKING:` (False whenever the module runs)."""
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"
