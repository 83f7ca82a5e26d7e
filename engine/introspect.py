"""The runtime front end: live modules and functions → FunctionSpecs.

The static analyzer (`livedag.server`) builds the same FunctionSpecs from source text; the graph
rules cannot tell the two apart except for the live objects (`obj`) this one fills in.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .function_modifiers import NAMED_BY_ATTRIBUTE, decorators_of, to_plain
from .hamilton_records import (
    carries_hamilton_decorators,
    decorator_records,
    functions_in_hamilton_decorators,
)
from .specs import (
    Call,
    FunctionRef,
    FunctionSpec,
    Location,
    ModuleRef,
    Parameter,
    ParameterKind,
    TypeRef,
)

_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: ParameterKind.POSITIONAL,
    inspect.Parameter.POSITIONAL_OR_KEYWORD: ParameterKind.POSITIONAL,
    inspect.Parameter.KEYWORD_ONLY: ParameterKind.KEYWORD_ONLY,
    inspect.Parameter.VAR_POSITIONAL: ParameterKind.VAR_POSITIONAL,
    inspect.Parameter.VAR_KEYWORD: ParameterKind.VAR_KEYWORD,
}


def type_ref(annotation: Any, *, with_fields: bool = True) -> TypeRef | None:
    """A live annotation as a TypeRef; `text` is how it reads in code (`pd.Series` → `Series`).

    A TypedDict class gets its `fields` (one level: `with_fields=False` for the field types).
    """
    if annotation is inspect.Signature.empty or annotation is inspect.Parameter.empty:
        return None
    if isinstance(annotation, str):
        return TypeRef(annotation)
    if isinstance(annotation, type) and not typing.get_args(annotation):
        module = annotation.__module__
        qualified = (
            annotation.__qualname__
            if module == "builtins"
            else f"{module}.{annotation.__qualname__}"
        )
        fields = typed_dict_fields(annotation) if with_fields else None
        return TypeRef(annotation.__qualname__, qualified, annotation, fields)
    text = repr(annotation).replace("typing.", "")
    return TypeRef(text, text, annotation)


def _is_typeddict(cls: type) -> bool:
    # typing_extensions (which Hamilton checks with) also knows its own TypedDict backport.
    try:
        import typing_extensions
    except ImportError:
        return typing.is_typeddict(cls)
    return bool(typing_extensions.is_typeddict(cls))


def typed_dict_fields(cls: type) -> tuple[tuple[str, TypeRef], ...] | None:
    """The fields of a TypedDict class as plain data (None when `cls` is not a TypedDict)."""
    if not _is_typeddict(cls):
        return None
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # unresolvable forward references: the raw annotations, unwrapped
        hints = dict(getattr(cls, "__annotations__", {}))
    out = []
    for name, hint in hints.items():
        if isinstance(hint, typing.ForwardRef):  # unresolved: as written, like source text
            hint = hint.__forward_arg__
        ref = type_ref(hint, with_fields=False)
        out.append((name, ref if ref is not None else TypeRef(repr(hint), obj=hint)))
    return tuple(out)


def _empty() -> None:
    pass


def _empty_with_doc() -> None:
    """Doc."""


_STUB_BYTECODE = frozenset({_empty.__code__.co_code, _empty_with_doc.__code__.co_code})


def body_is_stub(fn: Callable[..., Any]) -> bool | None:
    """Whether the live function's body does nothing, judged by its bytecode as Hamilton does."""
    code = getattr(fn, "__code__", None)
    return None if code is None else code.co_code in _STUB_BYTECODE


def _location(fn: Callable[..., Any]) -> Location | None:
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    try:
        lines, start = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return Location(code.co_filename, code.co_firstlineno, 0, code.co_firstlineno, 0)
    name = fn.__name__
    for offset, text in enumerate(lines):
        stripped = text.lstrip()
        if stripped.startswith(("def ", "async def ")):
            column = text.find(name, text.find("def "))
            line = start + offset
            return Location(code.co_filename, line, column, line, column + len(name))
    return Location(code.co_filename, start, 0, start, 0)


def _resolve_refs(value: Any) -> Any:
    """Give FunctionRefs and ModuleRefs the specs of what they point at."""
    if isinstance(value, FunctionRef) and value.spec is None and inspect.isfunction(value.obj):
        return FunctionRef(value.name, value.module, function_spec(value.obj), value.obj)
    if isinstance(value, ModuleRef) and value.functions is None and value.obj is not None:
        return ModuleRef(value.name, tuple(module_functions(value.obj)), value.obj)
    if isinstance(value, Call):
        return _resolve_call(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_resolve_refs(v) for v in value)
    if isinstance(value, dict):
        return {k: _resolve_refs(v) for k, v in value.items()}
    return value


def _resolve_call(call: Call) -> Call:
    return Call(
        call.name,
        tuple(_resolve_refs(a) for a in call.args),
        {k: _resolve_refs(v) for k, v in call.kwargs.items()},
        tuple(_resolve_call(m) for m in call.methods),
        call.location,
        call.known,
        call.bare,
    )


def _decorators(fn: Callable[..., Any]) -> tuple[Call, ...]:
    """livedag's decorators record themselves; Hamilton's are read from the source, which
    shows livedag's too, in order (`hamilton_records`)."""
    if carries_hamilton_decorators(fn):
        return decorator_records(fn)
    return decorators_of(fn)


def function_spec(fn: Callable[..., Any], module: str | None = None) -> FunctionSpec:
    """Describe a live function.  Annotations are resolved the way Hamilton resolves them."""
    signature = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        hints = dict(getattr(fn, "__annotations__", {}))
    location = _location(fn)
    params = tuple(
        Parameter(
            name=p.name,
            annotation=type_ref(hints.get(p.name, p.annotation)),
            has_default=p.default is not inspect.Parameter.empty,
            default=None if p.default is inspect.Parameter.empty else to_plain(p.default),
            kind=_KINDS[p.kind],
            location=location,
        )
        for p in signature.parameters.values()
    )
    return FunctionSpec(
        name=fn.__name__,
        module=module or getattr(fn, "__module__", "") or "",
        parameters=params,
        returns=type_ref(hints.get("return", signature.return_annotation)),
        doc=inspect.getdoc(fn) or "",
        decorators=tuple(_resolve_call(c) for c in _decorators(fn)),
        location=location,
        is_async=inspect.iscoroutinefunction(fn),
        obj=fn,
        body_is_stub=body_is_stub(fn),
    )


def module_functions(module: types.ModuleType) -> list[FunctionSpec]:
    """Every function defined in `module` (private ones too: decorators may refer to them).

    Imported functions are not the module's; the rules make nodes of the public ones only.  A
    definition a later one of the same name replaced is gone from the module, yet its
    decorators ran; when they name a function of the module (`@mutate(target)`), that function
    remembers it, and it comes back `shadowed` if it takes part in a module rewrite.
    """
    from .rules import takes_part_in_rewrites  # the rules import the specs only

    bound = [
        obj
        for _name, obj in inspect.getmembers(module, inspect.isfunction)
        if obj.__module__ == module.__name__
    ]
    out = [function_spec(obj, module.__name__) for obj in bound]
    seen = {id(obj) for obj in bound}
    for obj in bound:
        named_by = (*getattr(obj, NAMED_BY_ATTRIBUTE, ()), *functions_in_hamilton_decorators(obj))
        for earlier in named_by:
            if id(earlier) in seen or not _replaced_in(module, earlier):
                continue
            seen.add(id(earlier))
            spec = replace(function_spec(earlier, module.__name__), shadowed=True)
            if takes_part_in_rewrites(spec):
                out.append(spec)
    out.sort(key=lambda s: (s.location.line if s.location else 0, s.name))
    return out


def _replaced_in(module: types.ModuleType, fn: Any) -> bool:
    """Whether `fn` was defined in `module` under a name now bound to another function."""
    current = getattr(module, getattr(fn, "__name__", ""), None)
    return (
        getattr(fn, "__module__", None) == module.__name__
        and inspect.isfunction(current)
        and current is not fn
    )
