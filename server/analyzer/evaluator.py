"""A safe evaluator for decorator arguments: constants in, plain data out, nothing ever run.

It understands literals and containers, `*`/`**` unpacking, f-strings, `%` and `.format`, simple
comprehensions, module-level constants (here or in other workspace modules), Hamilton's helpers
(`source(...)`, `step(f).named(...)` → `Call` records), functions (`FunctionRef`), modules
(`ModuleRef`), types (`Symbol`) and lambdas (a `FunctionRef` whose `obj` evaluates the body with
this evaluator).  Everything else becomes `Unknown` at the exact expression, so the rules can say
LD008 there and carry on.  Python's `eval` is never used.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from livedag.engine.specs import Call, FunctionRef, LocatedStr, ModuleRef, Symbol, Unknown

from .context import BlockContext
from .lambdas import SafeLambda
from .names import canonical_name, is_api_namespace, is_enum_member
from .safe_builtins import BUILTIN_FUNCTIONS, BUILTIN_TYPES, MAX_ITEMS, method_of
from .safe_operations import BINOPS, COMPARE, PLAIN, bind_target, safe_operands
from .scope import Binding, BindingKind, SourceMap

MAX_DEPTH = 60
_BUILTIN_DICT = BUILTIN_FUNCTIONS["dict"]


@dataclass(frozen=True, slots=True)
class ApiName:
    """A reference to one of Hamilton's decorators or helpers, not yet called."""

    name: str


@dataclass(frozen=True, slots=True)
class ExternalName:
    """A name imported from outside the workspace that the analyzer cannot look into."""

    qualified: str


class _Budget:
    """Shared by one evaluation and everything it triggers: caps work on hostile input."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items = 0

    def spend(self, n: int = 1) -> bool:
        self.items += n
        return self.items <= MAX_ITEMS


class Evaluator:
    """Evaluates expressions of one parsed text, as seen from 0-based document line `line`."""

    def __init__(
        self,
        ctx: BlockContext,
        source: SourceMap,
        line: int,
        local: Mapping[str, Any] | None = None,
        depth: int = 0,
        budget: _Budget | None = None,
    ) -> None:
        self.ctx = ctx
        self.source = source
        self.line = line
        self.local = dict(local or {})
        self.depth = depth
        self.budget = budget or _Budget()

    # --- entry points ----------------------------------------------------------------------------

    def evaluate(self, node: ast.expr) -> Any:
        """The plain value of `node` (Unknown where it cannot be known)."""
        return finalize(self.raw(node))

    def raw(self, node: ast.expr) -> Any:
        if self.depth > MAX_DEPTH:
            return Unknown("expression nested too deeply", self.source.location(node))
        self.depth += 1
        try:
            method = getattr(self, "_" + type(node).__name__, None)
            if method is None:
                return self.unknown(node, f"`{self.text(node)}` needs running code")
            return method(node)
        except RecursionError:
            return self.unknown(node, "expression nested too deeply")
        finally:
            self.depth -= 1

    def unknown(self, node: ast.AST, reason: str) -> Unknown:
        return Unknown(reason, self.source.location(node))

    def text(self, node: ast.AST) -> str:
        text = self.source.text(node)
        return text if len(text) <= 60 else text[:57] + "..."

    def child(self, local: Mapping[str, Any]) -> Evaluator:
        merged = {**self.local, **local}
        return Evaluator(self.ctx, self.source, self.line, merged, self.depth, self.budget)

    # --- literals and containers -----------------------------------------------------------------

    def _Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, str):
            return LocatedStr(node.value, self.source.location(node))
        return node.value

    def _JoinedStr(self, node: ast.JoinedStr) -> Any:
        parts: list[str] = []
        for piece in node.values:
            if isinstance(piece, ast.Constant):
                parts.append(str(piece.value))
                continue
            assert isinstance(piece, ast.FormattedValue)
            value = finalize(self.raw(piece.value))
            if not isinstance(value, PLAIN):
                return self.unknown(
                    piece, f"f-string part `{self.text(piece.value)}` is not a constant"
                )
            if piece.conversion == ord("r"):
                value = repr(value)
            elif piece.conversion == ord("s"):
                value = str(value)
            elif piece.conversion == ord("a"):
                value = ascii(value)
            spec = ""
            if piece.format_spec is not None:
                spec_value = self.raw(piece.format_spec)
                if not isinstance(spec_value, str):
                    return spec_value
                spec = str(spec_value)
            try:
                parts.append(format(value, spec))
            except (ValueError, TypeError) as exc:
                return self.unknown(piece, f"f-string cannot be formatted: {exc}")
        return LocatedStr("".join(parts), self.source.location(node))

    def _sequence(self, elts: list[ast.expr]) -> list[Any] | Unknown:
        out: list[Any] = []
        for elt in elts:
            if isinstance(elt, ast.Starred):
                inner = finalize(self.raw(elt.value))
                if isinstance(inner, (list, tuple, set, frozenset, dict, str)):
                    if not self.budget.spend(len(inner)):
                        return self.unknown(elt, "too many items to expand")
                    out.extend(inner)
                else:
                    out.append(_unknown_from(inner, self, elt, "cannot be unpacked"))
            else:
                out.append(finalize(self.raw(elt)))
        return out

    def _Tuple(self, node: ast.Tuple) -> Any:
        items = self._sequence(node.elts)
        return tuple(items) if isinstance(items, list) else items

    def _List(self, node: ast.List) -> Any:
        return self._sequence(node.elts)

    def _Set(self, node: ast.Set) -> Any:
        items = self._sequence(node.elts)
        return _as_set(items, self, node) if isinstance(items, list) else items

    def _Dict(self, node: ast.Dict) -> Any:
        out: dict[Any, Any] = {}
        for key, val in zip(node.keys, node.values, strict=False):
            if key is None:
                inner = finalize(self.raw(val))
                if isinstance(inner, dict):
                    out.update(inner)
                else:
                    marker = f"**{self.text(val)}"
                    out[marker] = _unknown_from(inner, self, val, "cannot be unpacked")
                continue
            k = finalize(self.raw(key))
            try:
                hash(k)
            except TypeError:
                return self.unknown(key, "dictionary key is not hashable")
            out[k] = finalize(self.raw(val))
        return out

    # --- names ---------------------------------------------------------------------------------

    def _Name(self, node: ast.Name) -> Any:
        if node.id in self.local:
            return self.local[node.id]
        binding = self.ctx.lookup(node.id, self.line)
        if binding is None:
            if node.id in BUILTIN_TYPES:
                return Symbol(f"builtins.{node.id}", location=self.source.location(node))
            if node.id in BUILTIN_FUNCTIONS:
                return BUILTIN_FUNCTIONS[node.id]
            return self.unknown(node, f"`{node.id}` is not defined at module level")
        return self.binding_value(binding, node)

    def binding_value(self, binding: Binding, node: ast.expr) -> Any:
        location = self.source.location(node)
        if binding.kind is BindingKind.IMPORT:
            assert binding.qualified is not None
            return self.interpret(binding.qualified, node)
        if binding.kind is BindingKind.CONSTANT:
            value = self.ctx.constant_value(binding)
            if isinstance(value, Unknown):  # say so where the constant is used
                return replace(value, reason=f"`{binding.name}`: {value.reason}", location=location)
            return value
        if binding.kind is BindingKind.FUNCTION:
            spec = self.ctx.function_spec(binding)
            return FunctionRef(binding.name, self.ctx.module, spec, location=location)
        if binding.kind is BindingKind.CLASS:
            return Symbol(binding.qualified or binding.name, location=location)
        for qualified in binding.alternatives:  # an import fallback: the first in the workspace
            found = self.interpret(qualified, node)
            if not isinstance(found, (ExternalName, ApiName, Unknown)):
                return found
        return Unknown(f"`{binding.name}` is {binding.reason}", location)

    def interpret(self, qualified: str, node: ast.expr, hops: int = 0) -> Any:
        """What a qualified name reached through imports is: Hamilton API, workspace, or other."""
        location = self.source.location(node)
        canonical = canonical_name(qualified)
        if canonical is not None:
            if is_enum_member(canonical):
                return Symbol(canonical, location=location)
            return ApiName(canonical)
        if is_api_namespace(qualified) or hops > 8:
            return ExternalName(qualified)
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            functions = self.ctx.module_functions(module)
            if functions is None:
                continue
            if cut == len(parts):
                return ModuleRef(module, tuple(functions), location=location)
            if cut < len(parts) - 1:
                return self.unknown(node, f"`{qualified}` is an attribute of an attribute")
            name = parts[cut]
            self.ctx.uses_module(module)
            target = self.ctx.resolve_name(module, name)
            if target and target != qualified:
                return self.interpret(target, node, hops + 1)
            for spec in functions:
                if spec.name == name:
                    return FunctionRef(name, module, spec, location=location)
            value = self.ctx.module_constant(module, name)
            if value is None:
                return self.unknown(node, f"`{name}` is not a constant of {module}")
            return value
        resolved = self.ctx.external_name(qualified)
        if resolved is not None and resolved != qualified:
            return self.interpret(resolved, node, hops + 1)
        return ExternalName(qualified)

    def dotted(self, node: ast.expr) -> str | None:
        """`a.b.c` with `a` bound by an import, as the qualified name it reaches, else None."""
        attrs: list[str] = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id in self.local:
            return None
        binding = self.ctx.lookup(node.id, self.line)
        if binding is None or binding.kind is not BindingKind.IMPORT or binding.qualified is None:
            return None
        return ".".join([binding.qualified, *reversed(attrs)])

    def _Attribute(self, node: ast.Attribute) -> Any:
        qualified = self.dotted(node)
        if qualified is not None:
            return self.interpret(qualified, node)
        base = self.raw(node.value)
        if isinstance(base, Unknown):
            return base
        if isinstance(base, ExternalName):
            return ExternalName(f"{base.qualified}.{node.attr}")
        if isinstance(base, ApiName):
            return ApiName(f"{base.name}.{node.attr}")
        if isinstance(base, Symbol) and base.name.startswith("builtins."):
            return self.unknown(node, f"`{self.text(node)}` needs running code")
        return self.unknown(
            node, f"attribute `{node.attr}` of `{self.text(node.value)}` needs running code"
        )

    # --- operators -----------------------------------------------------------------------------

    def _BinOp(self, node: ast.BinOp) -> Any:
        left = finalize(self.raw(node.left))
        right = finalize(self.raw(node.right))
        for side in (left, right):
            if isinstance(side, Unknown):
                return side
        op = BINOPS.get(type(node.op))
        if op is None or not safe_operands(node.op, left, right):
            return self.unknown(node, f"`{self.text(node)}` is not a constant expression")
        if (
            isinstance(node.op, ast.Mod)
            and isinstance(left, str)
            and isinstance(right, dict | tuple | list | str | int | float)
        ):
            right = tuple(right) if isinstance(right, list) else right
        try:
            result = op(left, right)
        except Exception as exc:  # noqa: BLE001 — only builtin operators on plain data run here
            return self.unknown(node, f"`{self.text(node)}` fails: {exc}")
        if isinstance(result, str):
            return LocatedStr(result, self.source.location(node))
        return result

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = finalize(self.raw(node.operand))
        if isinstance(value, Unknown):
            return value
        if isinstance(node.op, ast.Not):
            return not value
        if (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            or isinstance(value, bool)
        ):
            if isinstance(node.op, ast.USub):
                return -value
            if isinstance(node.op, ast.UAdd):
                return +value
            if isinstance(node.op, ast.Invert) and isinstance(value, int):
                return ~value
        return self.unknown(node, f"`{self.text(node)}` is not a constant expression")

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        value: Any = None
        for operand in node.values:
            value = finalize(self.raw(operand))
            if isinstance(value, Unknown):
                return value
            if isinstance(node.op, ast.And) and not value:
                return value
            if isinstance(node.op, ast.Or) and value:
                return value
        return value

    def _Compare(self, node: ast.Compare) -> Any:
        left = finalize(self.raw(node.left))
        for op, right_node in zip(node.ops, node.comparators, strict=False):
            right = finalize(self.raw(right_node))
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return self.unknown(node, f"`{self.text(node)}` compares unknown values")
            try:
                if not COMPARE[type(op)](left, right):
                    return False
            except Exception as exc:  # noqa: BLE001 — builtin comparisons of plain data
                return self.unknown(node, f"`{self.text(node)}` fails: {exc}")
            left = right
        return True

    def _IfExp(self, node: ast.IfExp) -> Any:
        test = finalize(self.raw(node.test))
        if isinstance(test, Unknown):
            return test
        return self.raw(node.body if test else node.orelse)

    def _Subscript(self, node: ast.Subscript) -> Any:
        base = finalize(self.raw(node.value))
        if isinstance(base, Unknown):
            return base
        index = finalize(self.raw(node.slice))
        if isinstance(index, Unknown):
            return index
        if not isinstance(base, (dict, list, tuple, str)):
            return self.unknown(node, f"`{self.text(node)}` needs running code")
        try:
            result = base[index]
        except Exception as exc:  # noqa: BLE001 — indexing plain containers
            return self.unknown(node, f"`{self.text(node)}` fails: {exc!r}")
        if isinstance(result, str) and not isinstance(result, LocatedStr):
            return LocatedStr(result, self.source.location(node))
        return result

    def _Slice(self, node: ast.Slice) -> Any:
        parts = [
            None if p is None else finalize(self.raw(p))
            for p in (node.lower, node.upper, node.step)
        ]
        if not all(p is None or isinstance(p, int) for p in parts):
            return self.unknown(node, "slice bounds are not constant integers")
        return slice(*parts)

    def _Starred(self, node: ast.Starred) -> Any:
        return self.unknown(node, "unpacking is not allowed here")

    # --- calls ---------------------------------------------------------------------------------

    def arguments(self, node: ast.Call) -> tuple[tuple[Any, ...], dict[str, Any]] | Unknown:
        args = self._sequence(node.args)
        if isinstance(args, Unknown):
            return args
        return tuple(args), self._keywords(node.keywords)

    def _keywords(self, keywords: list[ast.keyword]) -> dict[str, Any]:
        """Keyword arguments; a `**m` that is not a known str-keyed dict stays as one
        `"**m": Unknown` entry."""
        kwargs: dict[str, Any] = {}
        for keyword in keywords:
            if keyword.arg is not None:
                kwargs[keyword.arg] = finalize(self.raw(keyword.value))
                continue
            inner = finalize(self.raw(keyword.value))
            if isinstance(inner, dict) and all(isinstance(k, str) for k in inner):
                kwargs.update(inner)
            else:
                marker = f"**{self.text(keyword.value)}"
                kwargs[marker] = _unknown_from(inner, self, keyword.value, "cannot be unpacked")
        return kwargs

    def _Call(self, node: ast.Call) -> Any:
        func = node.func
        location = self.source.location(node)
        if isinstance(func, ast.Attribute) and self.dotted(func) is None:
            method = self.callee_attribute(func)
            if method is not None:
                bound = self.arguments(node)
                if isinstance(bound, Unknown):
                    return bound
                return method.apply(bound[0], bound[1], self, node)
        callee = self._callee(func)
        if isinstance(callee, Unknown):
            return callee
        if callee is _BUILTIN_DICT:
            return self._dict_call(node)
        if isinstance(callee, ApiName):
            bound = self.arguments(node)
            if isinstance(bound, Unknown):
                return bound
            return Call(callee.name, bound[0], bound[1], location=location)
        if callable(callee) and getattr(callee, "__livedag_builtin__", False):
            bound = self.arguments(node)
            if isinstance(bound, Unknown):
                return bound
            if not self.budget.spend():
                return self.unknown(node, "too much work to evaluate")
            try:
                result = callee(*bound[0], **bound[1])
            except Exception as exc:  # noqa: BLE001 — allow-listed builtins on plain data
                return self.unknown(node, f"`{self.text(node)}` fails: {exc}")
            if isinstance(result, Unknown):
                return Unknown(result.reason, location)
            if isinstance(result, str) and not isinstance(result, LocatedStr):
                return LocatedStr(result, location)
            return result
        if isinstance(callee, FunctionRef) and isinstance(func, ast.Name):
            binding = self.ctx.lookup(func.id, self.line) if func.id not in self.local else None
            if binding is not None and binding.kind is BindingKind.FUNCTION:
                if node.args or node.keywords:
                    return self.unknown(
                        node, f"calling `{func.id}` with arguments needs running code"
                    )
                result = self.ctx.function_result(binding)
                if isinstance(result, Unknown):
                    return Unknown(result.reason, location)
                return result
        if isinstance(callee, FunctionRef) and isinstance(callee.obj, SafeLambda):
            bound = self.arguments(node)
            if isinstance(bound, Unknown):
                return bound
            try:
                return callee.obj(*bound[0], **bound[1])
            except TypeError as exc:  # wrong arguments for the lambda, as Python would say
                return self.unknown(node, f"`{self.text(node)}` fails: {exc}")
        if isinstance(callee, ExternalName):
            return Unknown(
                f"calling `{callee.qualified}` needs running code",
                self.source.location(node),
                callee=callee.qualified,
            )
        if isinstance(callee, Symbol) and isinstance(func, ast.Name):
            binding = self.ctx.lookup(func.id, self.line)
            if binding is not None and binding.kind is BindingKind.CLASS:
                from .classes import class_info  # classes.py evaluates with this module

                return Unknown(
                    f"calling `{self.text(func)}` needs running code",
                    location,
                    callee=callee.name,
                    callee_class=class_info(binding, self),
                )
        return self.unknown(node, f"calling `{self.text(func)}` needs running code")

    def _dict_call(self, node: ast.Call) -> Any:
        """`dict(m, k=v)` read like the display `{**m, "k": v}`: a mapping or key/value pairs
        it cannot know becomes one `"**m": Unknown` entry, as in the display, so the keys
        written out stay known."""
        if len(node.args) > 1:
            return self.unknown(node, f"dict expected at most 1 argument, got {len(node.args)}")
        out: dict[Any, Any] = {}
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                return self.unknown(arg, "unpacking into `dict(...)` needs running code")
            value = finalize(self.raw(arg))
            if isinstance(value, Unknown):
                out[f"**{self.text(arg)}"] = value
                continue
            pairs = self._pairs(value)
            if pairs is None:
                return self.unknown(arg, f"`{self.text(arg)}` is not a mapping or key/value pairs")
            out.update(pairs)
        out.update(self._keywords(node.keywords))
        return out

    def _pairs(self, value: Any) -> dict[Any, Any] | None:
        """A dict of `value` (a mapping, or a collection of key/value pairs), else None."""
        if isinstance(value, dict):
            return value
        if not isinstance(value, (list, tuple, set, frozenset)):
            return None
        if not self.budget.spend(len(value)):
            return None
        out: dict[Any, Any] = {}
        for item in value:
            if not isinstance(item, (list, tuple, str)) or len(item) != 2:
                return None
            try:
                out[item[0]] = item[1]
            except TypeError:  # an unhashable key
                return None
        return out

    def _callee(self, func: ast.expr) -> Any:
        if self.is_builtin(func):
            assert isinstance(func, ast.Name)
            return BUILTIN_FUNCTIONS[func.id]
        return self.raw(func)

    def is_builtin(self, func: ast.expr) -> bool:
        """Whether `func` names a builtin the evaluator reads (`dict`, `list`, `sorted`, ...)
        that no module-level or local name shadows: calling it makes a value, not a driver or
        a factory."""
        return (
            isinstance(func, ast.Name)
            and func.id in BUILTIN_FUNCTIONS
            and func.id not in self.local
            and self.ctx.lookup(func.id, self.line) is None
        )

    # Attribute access whose result is called: chains on Call records, str/dict methods.
    def callee_attribute(self, node: ast.Attribute) -> _Method | None:
        base = self.raw(node.value)
        if isinstance(base, Call):
            return _Method(node.attr, base)
        base = finalize(base)
        found = method_of(base, node.attr)
        if found is not None:
            return _Method(node.attr, base, found)
        return None

    # --- comprehensions and lambdas -----------------------------------------------------------

    def _comprehension(
        self, generators: list[ast.comprehension], node: ast.expr
    ) -> list[Evaluator] | Unknown:
        scopes: list[Evaluator] = [self]
        for gen in generators:
            if gen.is_async:
                return self.unknown(node, "async comprehension needs running code")
            nxt: list[Evaluator] = []
            for scope in scopes:
                iterable = finalize(scope.raw(gen.iter))
                if isinstance(iterable, dict):
                    iterable = list(iterable)
                if not isinstance(iterable, (list, tuple, set, frozenset, str)):
                    return _unknown_from(iterable, self, gen.iter, "cannot be iterated")
                for item in iterable:
                    if not self.budget.spend():
                        return self.unknown(node, "comprehension is too large")
                    names = bind_target(gen.target, item)
                    if names is None:
                        return self.unknown(gen.target, "comprehension target cannot be unpacked")
                    inner = scope.child(names)
                    keep = True
                    for cond in gen.ifs:
                        test = finalize(inner.raw(cond))
                        if isinstance(test, Unknown):
                            return test
                        keep = keep and bool(test)
                    if keep:
                        nxt.append(inner)
            scopes = nxt
        return scopes

    def _ListComp(self, node: ast.ListComp) -> Any:
        scopes = self._comprehension(node.generators, node)
        if isinstance(scopes, Unknown):
            return scopes
        return [finalize(s.raw(node.elt)) for s in scopes]

    def _GeneratorExp(self, node: ast.GeneratorExp) -> Any:
        scopes = self._comprehension(node.generators, node)
        if isinstance(scopes, Unknown):
            return scopes
        return [finalize(s.raw(node.elt)) for s in scopes]

    def _SetComp(self, node: ast.SetComp) -> Any:
        scopes = self._comprehension(node.generators, node)
        if isinstance(scopes, Unknown):
            return scopes
        return _as_set([finalize(s.raw(node.elt)) for s in scopes], self, node)

    def _DictComp(self, node: ast.DictComp) -> Any:
        scopes = self._comprehension(node.generators, node)
        if isinstance(scopes, Unknown):
            return scopes
        out: dict[Any, Any] = {}
        for s in scopes:
            key = finalize(s.raw(node.key))
            try:
                hash(key)
            except TypeError:
                return self.unknown(node.key, "dictionary key is not hashable")
            out[key] = finalize(s.raw(node.value))
        return out

    def _Lambda(self, node: ast.Lambda) -> Any:
        return FunctionRef(
            "<lambda>",
            self.ctx.module,
            obj=SafeLambda(self, node),
            location=self.source.location(node),
        )


class _Method:
    """A bound method about to be called: a chained helper call, or a str/dict method."""

    def __init__(self, name: str, target: Any, function: Callable[..., Any] | None = None):
        self.name = name
        self.target = target
        self.function = function

    def apply(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], ev: Evaluator, node: ast.Call
    ) -> Any:
        location = ev.source.location(node)
        if isinstance(self.target, Call):
            base = self.target
            method = Call(self.name, args, kwargs, location=location)
            return Call(
                base.name, base.args, base.kwargs, (*base.methods, method), location, base.known
            )
        assert self.function is not None
        try:
            result = self.function(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 — allow-listed str/dict methods on plain data
            return ev.unknown(node, f"`{ev.text(node)}` fails: {exc}")
        if isinstance(result, str):
            return LocatedStr(result, location)
        return result


def finalize(value: Any) -> Any:
    """Internal references as the plain records the rules expect."""
    if isinstance(value, ApiName):
        return Symbol(value.name)
    if isinstance(value, ExternalName):
        return Symbol(value.qualified)
    if isinstance(value, _Method) or (
        callable(value) and getattr(value, "__livedag_builtin__", False)
    ):
        return Unknown("a builtin function is not a constant")
    return value


def _unknown_from(value: Any, ev: Evaluator, node: ast.AST, reason: str) -> Unknown:
    if isinstance(value, Unknown):
        return value
    return ev.unknown(node, f"`{ev.text(node)}` {reason}")


def _as_set(items: list[Any], ev: Evaluator, node: ast.AST) -> Any:
    try:
        return set(items)
    except TypeError:
        return ev.unknown(node, "set items are not hashable")
