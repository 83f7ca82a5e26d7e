"""Module functions that only define functions and return them, called in a decorator.

    def _parts():
        @config.when(op="add")
        def total__add(a: int, c: int) -> int: ...

        def doubled(c: int) -> int: ...

        return [total__add, doubled]

    @subdag(*_parts(), inputs={"c": value(1)})
    def summary(doubled: int) -> int: ...

Hamilton users keep functions out of the module's own graph this way and reuse them in subdags.
Calling such a function runs nothing but `def` statements and name bindings, so what it returns
is known without running code: the nested functions, as FunctionRefs with their specs.  Any other
statement (a condition, a loop, a call) leaves the result Unknown, and so does a function that
takes arguments or is decorated.
"""

from __future__ import annotations

import ast
from typing import Any

from livedag.engine.specs import FunctionRef, Unknown

from .context import BlockContext
from .evaluator import Evaluator
from .functions import function_spec
from .scope import SourceMap


def returned_functions(
    node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: BlockContext, source: SourceMap, line: int
) -> Any:
    """What calling the module function `node` without arguments returns, or Unknown."""
    where = source.location(node)
    if isinstance(node, ast.AsyncFunctionDef) or node.decorator_list:
        return Unknown(
            f"calling `{node.name}` needs running code (it is async or decorated)", where
        )
    params = node.args
    if params.posonlyargs or params.args or params.kwonlyargs or params.vararg or params.kwarg:
        return Unknown(f"calling `{node.name}` needs running code (it takes arguments)", where)
    local: dict[str, Any] = {}
    body = node.body[1:] if ast.get_docstring(node, clean=False) is not None else node.body
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef):
            used = {
                n.id for d in stmt.decorator_list for n in ast.walk(d) if isinstance(n, ast.Name)
            }
            if used & local.keys():  # its decorators would see the local names, not the module's
                return Unknown(
                    f"calling `{node.name}` needs running code (the decorators of `{stmt.name}` "
                    f"use its local names)",
                    where,
                )
            spec = function_spec(stmt, ctx, source, line)
            local[stmt.name] = FunctionRef(stmt.name, ctx.module, spec, location=spec.location)
        elif (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            local[stmt.targets[0].id] = Evaluator(ctx, source, line, local).evaluate(stmt.value)
        elif isinstance(stmt, ast.Return):
            if stmt.value is None:
                return None
            return Evaluator(ctx, source, line, local).evaluate(stmt.value)
        else:
            return Unknown(
                f"calling `{node.name}` needs running code (`{type(stmt).__name__.lower()}` "
                f"statement on line {source.location(stmt).line})",
                where,
            )
    return None
