"""Hamilton's decorators on live functions → the `Call` records livedag's own decorators make.

A function decorated with apache-hamilton's decorators carries Hamilton's decorator objects, whose
arguments Hamilton keeps in its own private shapes.  Rather than learn each of those shapes (a
second meaning of every decorator, outside the rules), the runtime front end reads the decorator
*expressions* from the function's source, as the static analyzer does, and evaluates each one in
the function's own module with every Hamilton API object (`extract_columns`, `source`, `step`,
`config`, `ResolveAt`, the `hamilton.function_modifiers` module itself, ...) replaced by livedag's
recording counterpart of the same name.  `@fm.extract_columns("a", b)` thus evaluates to
livedag's record `Call("extract_columns", ("a", <value of b>))`, with argument values taken from
the live module: exactly the record `from livedag.engine import extract_columns` would have left.
The graph rules stay the only place that knows what a decorator means.

What cannot be read that way is an error when the dataflow is built (`HamiltonDecoratorError`),
naming the decorator and the function: no source, a Hamilton decorator livedag has no rule for,
a decorator object built elsewhere and only referenced (`OWNED = tag(...)` then `@OWNED`), or a
decorator applied by a call instead of `@` (`tag(x=1)(fn)`).

apache-hamilton is never imported here: only its modules the user's code already imported are
looked at, so livedag-only code runs without it.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import sys
import textwrap
import tokenize
import types
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from . import api_names
from . import function_modifiers as api
from .specs import Call, Location

# Where Hamilton keeps a decorator object on the function it decorates (`NodeTransformLifecycle`
# subclasses append themselves to the list under their lifecycle's name).
LIFECYCLE_ATTRIBUTES = (
    "resolve",
    "generate",
    "inject",
    "expand",
    "transform",
    "decorate_nodes",
    "dynamic",
)


class HamiltonDecoratorError(ValueError):
    """A Hamilton decorator livedag's driver cannot honour; building the dataflow stops here."""

    def __init__(self, fn: Callable[..., Any], decorator: str, why: str, todo: str):
        where = _where(fn)
        self.function = getattr(fn, "__qualname__", repr(fn))
        self.decorator = decorator
        super().__init__(f"{where}: @{decorator} on {self.function}: {why}. {todo}.")


def _where(fn: Callable[..., Any]) -> str:
    code = getattr(fn, "__code__", None)
    return f"{code.co_filename}:{code.co_firstlineno}" if code is not None else "<unknown>"


def _is_hamilton(obj: Any) -> bool:
    module = getattr(type(obj), "__module__", "") or ""
    return module == "hamilton" or module.startswith("hamilton.")


def _is_hamilton_module(obj: Any) -> bool:
    return isinstance(obj, types.ModuleType) and (
        obj.__name__ == "hamilton" or obj.__name__.startswith("hamilton.")
    )


def hamilton_decorators_on(fn: Any) -> list[Any]:
    """Hamilton's decorator objects attached to `fn`, in no particular order."""
    attributes = getattr(fn, "__dict__", None)
    if not attributes:
        return []
    found: list[Any] = []
    for name in LIFECYCLE_ATTRIBUTES:
        attached = attributes.get(name)
        if isinstance(attached, list):
            found.extend(d for d in attached if _is_hamilton_decorator(d))
    return found


def _is_hamilton_decorator(obj: Any) -> bool:
    return any(
        (cls.__module__ or "").startswith("hamilton.function_modifiers")
        and cls.__name__ == "NodeTransformLifecycle"
        for cls in type(obj).__mro__
    )


def carries_hamilton_decorators(fn: Any) -> bool:
    return bool(hamilton_decorators_on(fn))


def functions_in_hamilton_decorators(fn: Any) -> list[Callable[..., Any]]:
    """The functions Hamilton's decorator objects on `fn` hold (`step(f)`, a `@mutate`
    function added to `fn`'s `pipe_output`), however deep: what livedag's decorators leave
    in `__livedag_named_by__`, so a definition Python later replaced can still be found."""
    found: list[Callable[..., Any]] = []
    seen: set[int] = set()

    def walk(value: Any, depth: int) -> None:
        if depth > 6 or id(value) in seen:
            return
        seen.add(id(value))
        if inspect.isfunction(value):
            found.append(value)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                walk(item, depth + 1)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, depth + 1)
        elif _is_hamilton(value) and hasattr(value, "__dict__"):
            for item in vars(value).values():
                walk(item, depth + 1)

    for decorator in hamilton_decorators_on(fn):
        walk(decorator, 0)
    return found


# --- Hamilton's API objects and their livedag counterparts ----------------------------------


class _Counterparts:
    """`id(hamilton object)` → (the object, livedag's counterpart), for the Hamilton API modules
    already imported; rebuilt when another one gets imported."""

    def __init__(self) -> None:
        self._loaded: tuple[str, ...] = ()
        self.by_id: dict[int, tuple[Any, Any]] = {}

    def refresh(self) -> _Counterparts:
        elsewhere = [
            (module, name, canonical)
            for qualified, canonical in api_names.ELSEWHERE.items()
            for module, _, name in [qualified.rpartition(".")]
            if module.startswith("hamilton") and module in sys.modules
        ]
        packages = tuple(
            m for m in api_names.API_PREFIXES if m.startswith("hamilton") and m in sys.modules
        )
        loaded = packages + tuple(sorted({module for module, _, _ in elsewhere}))
        if loaded != self._loaded:
            self._loaded = loaded
            self.by_id = {}
            for module_name in packages:
                module = sys.modules[module_name]
                for name, ours in _vocabulary():
                    theirs = vars(module).get(name)
                    if theirs is None or isinstance(theirs, types.ModuleType):
                        continue
                    self.by_id[id(theirs)] = (theirs, ours)
            # Decorators Hamilton keeps elsewhere (`hamilton.lifecycle.accept_error_sentinels`).
            for module_name, name, canonical in elsewhere:
                theirs = vars(sys.modules[module_name]).get(name)
                if theirs is not None:
                    self.by_id[id(theirs)] = (theirs, getattr(api, canonical))
        return self


def _vocabulary() -> Iterator[tuple[str, Any]]:
    """Every public name of Hamilton's decorator API with livedag's object of that name."""
    for name in sorted(api_names.vocabulary_names()):
        if "." in name:  # a family member (`config.when`): reached through its family
            continue
        ours = getattr(api, name, None)
        if ours is None:
            ours = api.Decorator(name)
        yield name, ours
    for family in api_names.families():
        yield family, getattr(api, family, None) or api.Namespace(family)


_COUNTERPARTS = _Counterparts()


class _HamiltonModule:
    """A Hamilton module seen through livedag: its API names are livedag's, the rest its own."""

    def __init__(self, module: types.ModuleType, scope: _Scope):
        self._module = module
        self._scope = scope

    def __getattr__(self, name: str) -> Any:
        return self._scope.substitute(getattr(self._module, name))

    def __repr__(self) -> str:
        return f"<{self._module.__name__} as livedag reads it>"


class _Scope(dict[str, Any]):
    """The names a decorator expression sees: the function's closure and module globals (then
    builtins), Hamilton's API objects replaced by livedag's.  Used as the globals of `eval`, so
    lambdas written in the expression see the same names when a rule calls them later."""

    def __init__(self, fn: Callable[..., Any]):
        super().__init__()
        self._fn = fn
        self._globals: dict[str, Any] = getattr(fn, "__globals__", {})
        self._closure: dict[str, Any] = {}
        code = getattr(fn, "__code__", None)
        for name, cell in zip(
            code.co_freevars if code else (), getattr(fn, "__closure__", None) or (), strict=False
        ):
            try:
                self._closure[name] = cell.cell_contents
            except ValueError:  # an empty cell
                continue
        self.hamilton_used = 0  # Hamilton API objects replaced: tells Hamilton's decorators apart
        self.leftover: list[Any] = []  # Hamilton objects passed through unchanged

    def __missing__(self, name: str) -> Any:
        if name in self._closure:
            return self.substitute(self._closure[name])
        if name in self._globals:
            return self.substitute(self._as_bound_then(self._globals[name]))
        raise KeyError(name)  # builtins are looked up next by `eval`

    def _as_bound_then(self, value: Any) -> Any:
        """A function of this module defined from this `def` on (its decorators included)
        replaced the one the name was bound to when the decorator ran (Python reads a module
        top to bottom): find that one."""
        if not self._defined_below(value):
            return value
        earlier = [
            f
            for f in _module_functions_reached(self._globals)
            if f.__name__ == value.__name__ and not self._defined_below(f) and _same_file(f, value)
        ]
        if not earlier:
            raise NameError(
                f"`{value.__name__}` is defined again below this decorator, and livedag cannot "
                "find the definition it named; give the two definitions different names"
            )
        return max(earlier, key=lambda f: f.__code__.co_firstlineno)

    def _defined_below(self, value: Any) -> bool:
        return (
            inspect.isfunction(value)
            and _same_file(value, self._fn)
            and value.__code__.co_firstlineno >= self._fn.__code__.co_firstlineno
        )

    def substitute(self, obj: Any) -> Any:
        if _is_hamilton_module(obj):
            self.hamilton_used += 1
            return _HamiltonModule(obj, self)
        found = _COUNTERPARTS.by_id.get(id(obj))
        if found is not None and found[0] is obj:
            self.hamilton_used += 1
            return found[1]
        return obj


def _same_file(a: Any, b: Any) -> bool:
    return bool(a.__code__.co_filename == b.__code__.co_filename)


def _module_functions_reached(module_globals: dict[str, Any]) -> list[Callable[..., Any]]:
    """The module's functions and every function their Hamilton decorators hold."""
    out: list[Callable[..., Any]] = []
    for value in list(module_globals.values()):
        if inspect.isfunction(value):
            out.append(value)
            out.extend(functions_in_hamilton_decorators(value))
    return out


# --- reading the decorators -------------------------------------------------------------------


def _definition(fn: Callable[..., Any]) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, int, int]:
    """The `def` of `fn` parsed from its source, with the line its text starts at and the
    indentation removed from it.  Raises OSError when there is no source to read."""
    code = fn.__code__
    lines = linecache.getlines(code.co_filename, getattr(fn, "__globals__", None))
    if not lines:
        raise OSError("its source is not available")
    start = code.co_firstlineno
    try:
        block = inspect.getblock(lines[start - 1 :])
    except (IndexError, SyntaxError, tokenize.TokenError) as exc:
        raise OSError(f"its source cannot be read ({exc})") from exc
    text = "".join(block)
    dedented = textwrap.dedent(text)
    indent = len(text.split("\n", 1)[0]) - len(dedented.split("\n", 1)[0])
    try:
        tree = ast.parse(dedented)
    except SyntaxError as exc:
        raise OSError(f"its source does not parse ({exc.msg})") from exc
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == fn.__name__:
            return stmt, start, indent
    raise OSError(f"no `def {fn.__name__}` where its code object says it starts")


def decorator_records(fn: Callable[..., Any]) -> tuple[Call, ...]:
    """The decorators of `fn` as Call records, outermost first, read from its source and
    evaluated in its module with livedag's decorators in place of Hamilton's."""
    _COUNTERPARTS.refresh()
    attached = hamilton_decorators_on(fn)
    try:
        definition, start, indent = _definition(fn)
    except OSError as exc:
        names = ", ".join(sorted({type(d).__name__ for d in attached})) or "decorators"
        raise HamiltonDecoratorError(
            fn,
            names,
            f"livedag reads Hamilton's decorators from the source, and {exc}",
            "Define the function in a module file (or use livedag.engine's decorators)",
        ) from exc
    filename = fn.__code__.co_filename
    records: list[Call] = []
    hamilton_written = 0
    for expression in definition.decorator_list:
        scope = _Scope(fn)
        text = ast.unparse(expression)
        location = Location(
            filename,
            start + expression.lineno - 1,
            expression.col_offset + indent,
            start + (expression.end_lineno or expression.lineno) - 1,
            (expression.end_col_offset or 0) + indent,
        )
        value = _evaluate(expression, scope, filename, start, fn, text)
        record = _record(value, fn, text)
        if scope.hamilton_used:
            hamilton_written += 1
        records.append(replace(record, location=record.location or location))
    unaccounted = len(attached) - hamilton_written - _made_by_mutate(attached, records)
    if unaccounted > 0:
        raise HamiltonDecoratorError(
            fn,
            ", ".join(sorted({type(d).__name__ for d in attached})),
            f"{unaccounted} Hamilton decorator(s) were applied without `@` in its source "
            f"(e.g. `fn = tag(...)(fn)`), and livedag reads decorators from the `@` lines",
            "Write them as `@decorator` lines above the `def`",
        )
    return tuple(records)


def _evaluate(
    expression: ast.expr,
    scope: _Scope,
    filename: str,
    start: int,
    fn: Callable[..., Any],
    text: str,
) -> Any:
    body = ast.Expression(body=expression)
    ast.increment_lineno(body, start - 1)
    try:
        code = compile(ast.fix_missing_locations(body), filename, "eval", dont_inherit=True)
        return eval(code, scope)  # noqa: S307 -- the user's own decorator, as Python ran it
    except Exception as exc:
        raise HamiltonDecoratorError(
            fn,
            text,
            f"evaluating the decorator again to read its arguments raised {exc!r}",
            "Make its arguments names of the module (not local variables)",
        ) from exc


def _record(value: Any, fn: Callable[..., Any], text: str) -> Call:
    if isinstance(value, api.Applicable):
        return value.call
    if isinstance(value, api.Decorator):  # applied bare: `@hamilton_exclude`
        return Call(value.name, bare=True)
    if _is_hamilton_decorator(value):
        name = type(value).__name__
        if name in api_names.vocabulary_names():
            raise HamiltonDecoratorError(
                fn,
                text,
                f"it is a Hamilton `{name}` object made before the `def` and only referenced "
                "here, so livedag cannot see its arguments",
                f"Write `@{name}(...)` in place, or build it with livedag.engine's `{name}`",
            )
        raise HamiltonDecoratorError(
            fn,
            text,
            f"livedag's graph rules do not know Hamilton's `{type(value).__qualname__}`",
            "Remove it, or write it with the decorators livedag.engine.function_modifiers exports",
        )
    if _is_hamilton(value) and callable(value):
        raise HamiltonDecoratorError(
            fn,
            text,
            f"livedag's graph rules do not know Hamilton's `{type(value).__qualname__}`",
            "Remove it, or write it with the decorators livedag.engine.function_modifiers exports",
        )
    # Not a Hamilton or livedag decorator: kept by its name and ignored by the rules, as the
    # static analyzer keeps it.
    target = getattr(value, "__qualname__", None) or text
    module = getattr(value, "__module__", None)
    return Call(f"{module}.{target}" if module else target, known=False)


def _made_by_mutate(attached: list[Any], records: list[Call]) -> int:
    """Hamilton's `@mutate` adds a `pipe_output` to each function it names (or extends the one
    written there): one attached object the function's own source does not show."""
    written = sum(1 for r in records if r.name == "pipe_output")
    made = sum(1 for d in attached if type(d).__name__ == "pipe_output")
    return max(made - written, 0)
