"""A top-level `class` as a type: what annotations naming it can tell the rules.

Only TypedDicts are looked into: `class Result(TypedDict): a: int` gives `TypeRef("Result",
"m.Result", fields=(("a", TypeRef("int", "int")),))`, which is what `@extract_fields()` reads.  A
class is a TypedDict when its bases are `TypedDict` (typing or typing_extensions) or other
TypedDicts the analyzer can see (in this module, or in another workspace module through the
resolver); with any base it cannot see, its fields stay unknown (None), as they would be for any
other class.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import replace

from livedag.engine.specs import ClassInfo, TypeRef, Unknown

from .evaluator import Evaluator
from .scope import Binding, BindingKind

TYPED_DICT_BASES = frozenset({"typing.TypedDict", "typing_extensions.TypedDict"})
# Wrappers `typing.get_type_hints` takes off a TypedDict field's type.
_FIELD_WRAPPERS = frozenset(
    f"{module}.{name}"
    for module in ("typing", "typing_extensions")
    for name in ("Required", "NotRequired", "ReadOnly", "Annotated")
)
_NEUTRAL_BASES = frozenset({"typing.Generic", "typing_extensions.Generic"})

Annotate = Callable[[ast.expr, Evaluator], "TypeRef | None"]


def referenced_class(node: ast.expr, ev: Evaluator) -> TypeRef | None:
    """The class a name in an annotation or a base list refers to, when the analyzer can see it
    (a class of this module, or of another workspace module); None otherwise."""
    if isinstance(node, ast.Name):
        binding = ev.ctx.lookup(node.id, ev.line)
        if binding is not None and (
            binding.kind is BindingKind.CLASS
            or (binding.kind is BindingKind.CONSTANT and is_typed_dict_call(binding.expr, ev))
        ):
            return ev.ctx.class_type(binding)
    qualified = ev.dotted(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
    if qualified is None or ev.ctx.module_functions(qualified.rpartition(".")[0]) is None:
        return None  # not imported from a workspace module: nothing to look into
    value = ev.raw(node)
    return value if isinstance(value, TypeRef) else None


def class_type(node: ast.ClassDef, qualified: str, ev: Evaluator, annotate: Annotate) -> TypeRef:
    """The type a top-level class defines; `ev` evaluates names where the class is written."""
    return TypeRef(node.name, qualified, fields=typed_dict_fields(node, ev, annotate))


def is_typed_dict_call(node: ast.expr | None, ev: Evaluator) -> bool:
    """`TypedDict("R", {...})`, the functional way of writing a TypedDict class."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Name, ast.Attribute)):
        return False
    return ev.dotted(node.func) in TYPED_DICT_BASES


def functional_type(
    node: ast.Call, name: str, qualified: str, ev: Evaluator, annotate: Annotate
) -> TypeRef:
    """The type `R = TypedDict("R", {"a": int})` defines (fields unknown unless a dict literal)."""
    spec = node.args[1] if len(node.args) > 1 else None
    if spec is None or not isinstance(spec, ast.Dict) or None in spec.keys:
        return TypeRef(name, qualified)
    fields: dict[str, TypeRef] = {}
    for key, value in zip(spec.keys, spec.values, strict=True):
        if not isinstance(key, ast.Constant) or not isinstance(key.value, str):
            return TypeRef(name, qualified)
        ref = annotate(_unwrapped(value, ev), ev)
        if ref is not None:
            fields[key.value] = replace(ref, fields=None) if ref.fields else ref
    return TypeRef(name, qualified, fields=tuple(fields.items()))


def typed_dict_fields(
    node: ast.ClassDef, ev: Evaluator, annotate: Annotate
) -> tuple[tuple[str, TypeRef], ...] | None:
    """The fields of a TypedDict class in `typing.get_type_hints` order, else None."""
    fields: dict[str, TypeRef] = {}
    is_typed_dict = False
    for base in node.bases:
        target = base.value if isinstance(base, ast.Subscript) else base
        written = ev.dotted(target) if isinstance(target, (ast.Name, ast.Attribute)) else None
        if written in TYPED_DICT_BASES:
            is_typed_dict = True
            continue
        if written in _NEUTRAL_BASES:
            continue
        inherited = referenced_class(target, ev)
        if inherited is None or inherited.fields is None:
            return None  # a base it cannot see into, or one that is not a TypedDict
        is_typed_dict = True
        fields.update(inherited.fields)
    if not is_typed_dict:
        return None
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            ref = annotate(_unwrapped(stmt.annotation, ev), ev)
            if ref is not None:  # one level, as the runtime front end gives it
                fields[stmt.target.id] = replace(ref, fields=None) if ref.fields else ref
    return tuple(fields.items())


def _unwrapped(node: ast.expr, ev: Evaluator) -> ast.expr:
    """`NotRequired[int]` → `int`, `Annotated[int, "x"]` → `int` (repeatedly)."""
    while isinstance(node, ast.Subscript):
        head = node.value
        written = ev.dotted(head) if isinstance(head, (ast.Name, ast.Attribute)) else None
        if written not in _FIELD_WRAPPERS:
            break
        inner = node.slice
        node = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
    return node


_PLAIN_METHOD_DECORATORS = frozenset({"classmethod", "staticmethod"})


def class_info(binding: Binding, ev: Evaluator, depth: int = 0) -> ClassInfo:
    """What the rules may read of a top-level class without running it (`ClassInfo`): its
    bases, and which of its methods just return a constant.  Bases that are classes of this
    module are read too (a few levels deep); others are named by what they import."""
    node = binding.definition
    qualified = binding.qualified or f"{ev.ctx.module}.{binding.name}"
    if node is None:
        return ClassInfo(qualified)
    bases: list[ClassInfo | str] = []
    for base in node.bases:
        inner = ev.ctx.lookup(base.id, ev.line) if isinstance(base, ast.Name) else None
        if inner is not None and inner.kind is BindingKind.CLASS and inner is not binding:
            bases.append(class_info(inner, ev, depth + 1) if depth < 8 else inner.name)
            continue
        written = ev.dotted(base) if isinstance(base, (ast.Name, ast.Attribute)) else None
        bases.append(written or f"<{ast.unparse(base)}>")
    methods: list[tuple[str, object]] = []
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            methods.append((stmt.name, _returned_constant(stmt)))
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):  # a class attribute shadows too
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    methods.append((target.id, Unknown(f"`{target.id}` is not a method")))
    return ClassInfo(qualified, tuple(bases), tuple(methods))


def _returned_constant(node: ast.FunctionDef | ast.AsyncFunctionDef) -> object:
    """The constant a method's whole body returns (after its docstring), else an Unknown."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    plain = all(
        isinstance(d, ast.Name) and d.id in _PLAIN_METHOD_DECORATORS for d in node.decorator_list
    )
    if (
        plain
        and not isinstance(node, ast.AsyncFunctionDef)
        and len(body) == 1
        and isinstance(body[0], ast.Return)
        and isinstance(body[0].value, ast.Constant)
    ):
        return body[0].value.value
    return Unknown(f"`{node.name}` does more than return a constant")
