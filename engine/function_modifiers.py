"""The user-facing decorators, under Hamilton's names.

Every decorator here only records what it was called with (a `Call`) on the function, in
`__livedag_decorators__`.  What a decorator *means* lives in `livedag.engine.rules` and nowhere
else, so a function read from source text and the same function imported end up in the same graph.

    @extract_columns("a", "b")     →  Call("extract_columns", ("a", "b"))
    @config.when(region="US")      →  Call("config.when", (), {"region": "US"})
    @pipe_output(step(f).named("x")) → Call("pipe_output", (Call("step", (FunctionRef(f),),
                                         methods=(Call("named", ("x",)),)),))
"""

from __future__ import annotations

import enum
import inspect
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .specs import Call, FunctionRef, ModuleRef, Symbol

F = TypeVar("F", bound=Callable[..., Any])

DECORATORS_ATTRIBUTE = "__livedag_decorators__"
# On a function a decorator names (`@mutate(target)`, `step(f)`): the decorated functions whose
# decorators name it, so a definition Python later replaces is still found (`introspect`).
NAMED_BY_ATTRIBUTE = "__livedag_named_by__"


def to_plain(value: Any) -> Any:
    """A decorator argument as plain data (see `livedag.engine.specs`)."""
    if isinstance(value, Chain):
        return value.call()
    if isinstance(value, Applicable):
        return value.call
    if isinstance(value, (Call, Symbol, FunctionRef, ModuleRef)):
        return value
    if value is None or value is Ellipsis or isinstance(value, (str, bytes, bool, int, float)):
        return value
    if isinstance(value, tuple):
        return tuple(to_plain(v) for v in value)
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return type(value)(to_plain(v) for v in value)
    if isinstance(value, Mapping):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, types.ModuleType):
        return ModuleRef(value.__name__, obj=value)
    if inspect.isfunction(value) or inspect.isbuiltin(value) or inspect.ismethod(value):
        return FunctionRef(value.__name__, getattr(value, "__module__", None), obj=value)
    if isinstance(value, enum.Enum):
        return Symbol(f"{type(value).__name__}.{value.name}", obj=value)
    if isinstance(value, type):
        return Symbol(f"{value.__module__}.{value.__qualname__}", obj=value)
    # Anything else (a validator instance, a numpy scalar type, ...) travels as an opaque object.
    return Symbol(f"{type(value).__module__}.{type(value).__qualname__}", obj=value)


def record(fn: F, call: Call) -> F:
    """Attach `call` to `fn`, keeping source order (outermost decorator first), and leave `fn`
    on every function the call names."""
    existing: tuple[Call, ...] = getattr(fn, DECORATORS_ATTRIBUTE, ())
    # Decorators run innermost first, so each new one is further out: it goes in front.
    setattr(fn, DECORATORS_ATTRIBUTE, (call, *existing))
    for named in _functions_named(call):
        referrers: tuple[Any, ...] = getattr(named, NAMED_BY_ATTRIBUTE, ())
        if not any(r is fn for r in referrers):
            try:
                setattr(named, NAMED_BY_ATTRIBUTE, (*referrers, fn))
            except (AttributeError, TypeError):  # a builtin takes no attributes
                pass
    return fn


def _functions_named(value: Any) -> list[Any]:
    """The live functions a decorator's recorded call refers to, at any depth."""
    if isinstance(value, FunctionRef):
        return [value.obj] if inspect.isfunction(value.obj) else []
    if isinstance(value, Call):
        parts = [*value.args, *value.kwargs.values(), *value.methods]
        return [f for part in parts for f in _functions_named(part)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [f for part in value for f in _functions_named(part)]
    if isinstance(value, Mapping):
        return [f for part in value.values() for f in _functions_named(part)]
    return []


def decorators_of(fn: Callable[..., Any]) -> tuple[Call, ...]:
    return tuple(getattr(fn, DECORATORS_ATTRIBUTE, ()))


class Chain:
    """A helper call with chained methods, e.g. `step(f, a=source("x")).named("y").when(k=1)`."""

    def __init__(self, name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]):
        self._name = name
        self._args = args
        self._kwargs = dict(kwargs)
        self._methods: list[Call] = []

    def __getattr__(self, method: str) -> Callable[..., Chain]:
        if method.startswith("_"):
            raise AttributeError(method)

        def chained(*args: Any, **kwargs: Any) -> Chain:
            self._methods.append(Call(method, to_plain(args), to_plain(kwargs)))
            return self

        return chained

    def call(self) -> Call:
        return Call(self._name, to_plain(self._args), to_plain(self._kwargs), tuple(self._methods))


class Applicable:
    """What `@name(...)` evaluates to: the recorded call, ready to be applied to a function.

    Keeping the Call readable lets `@resolve(decorate_with=lambda ...: extract_columns(...))` see
    which decorator the lambda produced.
    """

    def __init__(self, call: Call):
        self.call = call

    def __call__(self, fn: F) -> F:
        return record(fn, self.call)

    def __repr__(self) -> str:
        return f"<livedag @{self.call.name}(...)>"


class Decorator:
    """A decorator that records itself. `@name(...)` and, for `plain_ok` ones, bare `@name`."""

    def __init__(self, name: str, plain_ok: bool = False):
        self.name = name
        self.plain_ok = plain_ok

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.plain_ok and len(args) == 1 and not kwargs and inspect.isfunction(args[0]):
            return record(args[0], Call(self.name, bare=True))
        return Applicable(Call(self.name, to_plain(args), to_plain(kwargs)))

    def __repr__(self) -> str:
        return f"<livedag decorator @{self.name}>"


class Namespace:
    """`config.when`, `schema.output`, and the open-ended `load_from.<fmt>` / `save_to.<fmt>`."""

    def __init__(self, prefix: str, members: tuple[str, ...] | None = None):
        self._prefix = prefix
        self._members = members

    def __getattr__(self, member: str) -> Decorator:
        if member.startswith("_") or (self._members is not None and member not in self._members):
            raise AttributeError(f"{self._prefix} has no decorator {member!r}")
        return Decorator(f"{self._prefix}.{member}")


def _helper(name: str) -> Callable[..., Call]:
    def make(*args: Any, **kwargs: Any) -> Call:
        return Call(name, to_plain(args), to_plain(kwargs))

    make.__name__ = make.__qualname__ = name
    return make


class ResolveAt(enum.Enum):
    CONFIG_AVAILABLE = "config_available"


# Dependency helpers for @parameterize, @does, @inject, steps, subdags.
value = _helper("value")
source = _helper("source")
group = _helper("group")
configuration = _helper("configuration")
# One extract of @parameterize_extract_columns: ParameterizedExtract(("a",), {"p": source("x")})
ParameterizedExtract = _helper("ParameterizedExtract")


def step(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Chain:
    return Chain("step", (fn, *args), kwargs)


def apply_to(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Chain:
    return Chain("apply_to", (fn, *args), kwargs)


config = Namespace("config", ("when", "when_not", "when_in", "when_not_in"))
schema = Namespace("schema", ("output",))
load_from = Namespace("load_from")
save_to = Namespace("save_to")

tag = Decorator("tag")
tag_outputs = Decorator("tag_outputs")
extract_columns = Decorator("extract_columns")
extract_fields = Decorator("extract_fields")
unpack_fields = Decorator("unpack_fields")
parameterize = Decorator("parameterize")
parameterize_values = Decorator("parameterize_values")
parameterize_sources = Decorator("parameterize_sources")
parameterize_extract_columns = Decorator("parameterize_extract_columns")
parametrized = Decorator("parametrized")
parametrized_input = Decorator("parametrized_input")
parameterized_inputs = Decorator("parameterized_inputs")
inject = Decorator("inject")
does = Decorator("does")
check_output = Decorator("check_output")
check_output_custom = Decorator("check_output_custom")
subdag = Decorator("subdag")
parameterized_subdag = Decorator("parameterized_subdag")
pipe = Decorator("pipe")
pipe_input = Decorator("pipe_input")
pipe_output = Decorator("pipe_output")
mutate = Decorator("mutate")
resolve = Decorator("resolve")
resolve_from_config = Decorator("resolve_from_config")
dataloader = Decorator("dataloader")
datasaver = Decorator("datasaver")
with_columns = Decorator("with_columns")
cache = Decorator("cache")
ray_remote_options = Decorator("ray_remote_options")
# Hamilton's `hamilton_exclude` is used bare: `@hamilton_exclude`.  `@hamilton_exclude()` is
# recorded too (not bare), so the rule can say what Hamilton would fail on.
hamilton_exclude = Decorator("hamilton_exclude", plain_ok=True)
# Hamilton keeps this one in `hamilton.lifecycle.default` (livedag: `livedag.engine.lifecycle`);
# it is written bare, like `hamilton_exclude`.
accept_error_sentinels = Decorator("accept_error_sentinels", plain_ok=True)

# Hamilton's submodules that hold decorators (`from hamilton.function_modifiers import adapters`,
# then `adapters.load_from...`): here they are this module, which has every name.
_THIS_MODULE = sys.modules[__name__]
adapters = delayed = dependencies = expanders = _THIS_MODULE
macros = metadata = recursive = validation = _THIS_MODULE

__all__ = [
    "ParameterizedExtract",
    "ResolveAt",
    "accept_error_sentinels",
    "apply_to",
    "cache",
    "check_output",
    "check_output_custom",
    "config",
    "configuration",
    "dataloader",
    "datasaver",
    "does",
    "extract_columns",
    "extract_fields",
    "group",
    "hamilton_exclude",
    "inject",
    "load_from",
    "mutate",
    "parameterize",
    "parameterize_extract_columns",
    "parameterize_sources",
    "parameterize_values",
    "parameterized_inputs",
    "ray_remote_options",
    "parameterized_subdag",
    "parametrized",
    "parametrized_input",
    "pipe",
    "pipe_input",
    "pipe_output",
    "resolve",
    "resolve_from_config",
    "save_to",
    "schema",
    "source",
    "step",
    "subdag",
    "tag",
    "tag_outputs",
    "unpack_fields",
    "value",
    "with_columns",
]
