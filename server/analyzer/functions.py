"""A `def` statement → FunctionSpec: parameters, annotations, docstring, decorator records.

Decorators become `Call` records under Hamilton's canonical names when they resolve (through the
module's imports) to Hamilton's or livedag's API; any other decorator is kept with `known=False`.
"""

from __future__ import annotations

import ast
import builtins
import copy
from typing import Any

from livedag.engine.codes import Code
from livedag.engine.specs import (
    Call,
    FunctionSpec,
    Parameter,
    ParameterKind,
    Problem,
    Severity,
    TypeRef,
    Unknown,
)

from .classes import referenced_class
from .context import BlockContext
from .evaluator import ApiName, Evaluator, ExternalName
from .scope import BindingKind, SourceMap

_BUILTIN_NAMES = frozenset(dir(builtins))
_TYPING_PREFIX = "typing."


def function_spec(
    node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: BlockContext, source: SourceMap, line: int
) -> FunctionSpec:
    """The FunctionSpec of a top-level `def`; `line` is where its block starts (name lookups)."""
    evaluator = Evaluator(ctx, source, line)
    decorators = tuple(decorator_call(d, evaluator) for d in node.decorator_list)
    return FunctionSpec(
        name=node.name,
        module=ctx.module,
        parameters=tuple(_parameters(node.args, evaluator)),
        returns=annotation(node.returns, evaluator),
        doc=ast.get_docstring(node, clean=True) or "",
        decorators=decorators,
        location=function_name_location(node, source),
        is_async=isinstance(node, ast.AsyncFunctionDef),
        extent=source.location(node),
        body_is_stub=body_is_stub(node.body),
    )


def body_is_stub(body: list[ast.stmt]) -> bool | None:
    """Whether a body does nothing, as far as its shape tells.

    Hamilton compares bytecode with that of `pass`, which the compiler decides (constant
    expressions and code after `return` vanish, line markers of extra `pass`es stay), so only the
    clear cases are decided: a docstring, `pass`, `...` or one constant alone is a stub; a statement
    that must leave code behind, before anything that ends the body, is not.  Anything else: None.
    """
    rest = body[1:] if body and _is_constant_expression(body[0]) else body
    if not rest or (
        len(rest) == 1 and (isinstance(rest[0], ast.Pass) or _is_constant_expression(rest[0]))
    ):
        return True
    for stmt in rest:
        if isinstance(stmt, ast.Return) and (
            stmt.value is None or isinstance(stmt.value, ast.Constant)
        ):
            return None  # what follows is dead code the compiler drops
        if _leaves_code(stmt):
            return False
    return None


def _is_constant_expression(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _leaves_code(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.Pass, ast.Global, ast.Nonlocal)) or _is_constant_expression(stmt):
        return False
    if isinstance(stmt, ast.AnnAssign) and stmt.value is None:
        return False  # a local annotation alone is not evaluated
    if isinstance(stmt, (ast.If, ast.While)) and isinstance(stmt.test, ast.Constant):
        return False  # `if False:` may be folded away entirely
    return True


def left_out_problem(
    node: ast.FunctionDef | ast.AsyncFunctionDef, reason: str, source: SourceMap
) -> Problem:
    """LD008 at a `def` the graph leaves out (see `definitions.py`)."""
    return Problem(Code.UNKNOWABLE, Severity.INFO, reason, function_name_location(node, source))


def decorator_call(node: ast.expr, ev: Evaluator) -> Call:
    """The record of one decorator expression (the text after `@`)."""
    location = ev.source.location(node)
    func = node.func if isinstance(node, ast.Call) else node
    target = ev.raw(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
    if isinstance(target, ApiName):
        if not isinstance(node, ast.Call):
            return Call(target.name, location=location, bare=True)
        bound = ev.arguments(node)
        if isinstance(bound, Unknown):
            return Call(target.name, (bound,), location=location)
        return Call(target.name, bound[0], bound[1], location=location)
    if not isinstance(node, ast.Call) and isinstance(target, Call):
        # A decorator kept in a constant: `OWNED = tag(owner="x")` then `@OWNED`.
        return Call(target.name, target.args, target.kwargs, target.methods, location, target.known)
    if isinstance(target, ExternalName):
        name = target.qualified
    else:
        name = ev.source.text(func)
    return Call(name, location=location, known=False)


def _parameters(args: ast.arguments, ev: Evaluator) -> list[Parameter]:
    out: list[Parameter] = []
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults.extend(args.defaults)
    for arg, default in zip(positional, defaults, strict=False):
        out.append(_parameter(arg, ParameterKind.POSITIONAL, default, ev))
    if args.vararg is not None:
        out.append(_parameter(args.vararg, ParameterKind.VAR_POSITIONAL, None, ev))
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=False):
        out.append(_parameter(arg, ParameterKind.KEYWORD_ONLY, kw_default, ev))
    if args.kwarg is not None:
        out.append(_parameter(args.kwarg, ParameterKind.VAR_KEYWORD, None, ev))
    return out


def _parameter(
    arg: ast.arg, kind: ParameterKind, default: ast.expr | None, ev: Evaluator
) -> Parameter:
    value: Any = ev.evaluate(default) if default is not None else None
    return Parameter(
        name=arg.arg,
        annotation=annotation(arg.annotation, ev),
        has_default=default is not None,
        default=value,
        kind=kind,
        location=ev.source.span(
            arg.lineno, ev.source.column(arg.lineno, arg.col_offset), len(arg.arg)
        ),
    )


def function_name_location(node: ast.FunctionDef | ast.AsyncFunctionDef, source: SourceMap) -> Any:
    """The range of the function's name in its `def` line."""
    index = node.lineno - 1
    if 0 <= index < len(source.lines):
        text = source.lines[index]
        start = source.column(node.lineno, node.col_offset)
        at = text.find("def", start)
        if at >= 0:
            at += 3
            while at < len(text) and text[at] in " \t":
                at += 1
            if text.startswith(node.name, at):
                return source.span(node.lineno, at, len(node.name))
    return source.location(node)


# --- annotations ---------------------------------------------------------------------------------


def annotation(node: ast.expr | None, ev: Evaluator) -> TypeRef | None:
    """The annotation as written, and its qualified name when the imports decide it."""
    if node is None:
        return None
    text = ev.source.text(node)
    target: ast.expr = node
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
        try:
            target = ast.parse(node.value.strip(), mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return TypeRef(text)
    try:
        qualified = _qualify(target, ev)
    except RecursionError:
        qualified = None
    fields = None
    if isinstance(target, (ast.Name, ast.Attribute)):
        seen = referenced_class(target, ev)
        fields = seen.fields if seen is not None else None
    return TypeRef(" ".join(text.split()), qualified, fields=fields)


def _qualify(node: ast.expr, ev: Evaluator) -> str | None:
    """`node` with every name replaced by its qualified name; None if one cannot be resolved."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _dotted(node, ev)
    try:
        rewritten = _QualifyNames(ev).visit(copy.deepcopy(node))
    except _Unresolved:  # one name the imports do not decide leaves the whole type unknown
        return None
    text = ast.unparse(rewritten)
    return text.replace(_TYPING_PREFIX, "") if _TYPING_PREFIX in text else text


def _dotted(node: ast.expr, ev: Evaluator) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    root = _qualified_root(node.id, ev)
    if root is None:
        return None
    qualified = ".".join([root, *reversed(parts)])
    refined = ev.ctx.external_name(qualified) if _is_external(root, ev) else None
    return refined or qualified


class _Unresolved(Exception):
    pass


class _QualifyNames(ast.NodeTransformer):
    """Rewrites names to qualified names; raises `_Unresolved` at the first one it cannot resolve
    (caught by the caller only: a child visit returning None would delete that child)."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev

    def _resolve(self, node: ast.expr) -> ast.expr:
        base: ast.expr = node
        while isinstance(base, ast.Attribute):
            base = base.value
        if not isinstance(base, ast.Name):
            return self.generic_visit(node)  # type: ignore[return-value]
        qualified = _dotted(node, self.ev)
        if qualified is None:
            raise _Unresolved
        return ast.Name(id=qualified, ctx=ast.Load())

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self._resolve(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        return self._resolve(node)

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        if isinstance(node.value, str):  # a forward reference inside a subscript
            try:
                inner = ast.parse(node.value.strip(), mode="eval").body
            except (SyntaxError, ValueError):
                raise _Unresolved from None
            return self._resolve(inner) if isinstance(inner, (ast.Name, ast.Attribute)) else inner
        return node


def _qualified_root(name: str, ev: Evaluator) -> str | None:
    binding = ev.ctx.lookup(name, ev.line)
    if binding is None:
        return name if name in _BUILTIN_NAMES else None
    if binding.kind is BindingKind.IMPORT:
        return binding.qualified
    if binding.kind is BindingKind.CLASS:
        return binding.qualified
    return None


def _is_external(root: str, ev: Evaluator) -> bool:
    if root in _BUILTIN_NAMES or root.startswith(("typing", "collections")):
        return False
    top = root.split(".")[0]
    return ev.ctx.module_functions(top) is None and not root.startswith(ev.ctx.module + ".")
