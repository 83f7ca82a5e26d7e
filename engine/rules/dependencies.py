"""Where a parameter's value comes from: `source`, `value`, `group`, `configuration`.

Front ends hand these over as `Call("source", ("x",))` records; rules that accept them
(`parameterize`, `does`, `inject`, steps, subdags, adapters) turn them into the typed forms below
with `dependency_of`, so the four helpers mean the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from ..specs import Call, Location, Unknown, location_of
from .registry import DecoratorError, RuleContext


@dataclass(frozen=True)
class Source:
    """The value of another node (`source("raw_data")`): a dependency."""

    name: str
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Value:
    """A literal (`value(3)`): no dependency."""

    value: Any


@dataclass(frozen=True)
class FromConfig:
    """A config value (`configuration("region")`): resolved from the dataflow's config."""

    key: str
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Group:
    """Several sources/values gathered into one list (`group(a, b)`) or dict (`group(x=a)`)."""

    items: tuple[Source | Value, ...] = ()
    named: Mapping[str, Source | Value] = field(default_factory=dict)

    @property
    def is_dict(self) -> bool:
        return bool(self.named)

    def members(self) -> Iterator[Source | Value]:
        yield from self.items
        yield from self.named.values()


Dependency: TypeAlias = Source | Value | FromConfig | Group
HELPERS = frozenset({"source", "value", "group", "configuration"})


def is_dependency_call(value: Any) -> bool:
    return isinstance(value, Call) and value.name in HELPERS


def _single_arg(call: Call, ctx: RuleContext) -> Any:
    if len(call.args) + len(call.kwargs) != 1:
        raise DecoratorError(f"{call.name}() takes exactly one argument", call.location)
    arg = call.args[0] if call.args else next(iter(call.kwargs.values()))
    return ctx.known(arg, f"the argument of {call.name}()", call)


def dependency_of(value: Any, ctx: RuleContext, call: Call | None = None) -> Dependency:
    """Interpret one argument; a bare literal counts as `value(...)`, as in Hamilton.

    Raises Unknowable when the front end could not evaluate it, DecoratorError on misuse.
    """
    ctx.known(value, "a dependency specification", call)
    if not is_dependency_call(value):
        return Value(value)
    assert isinstance(value, Call)
    if value.name == "value":
        return Value(_single_arg(value, ctx))
    if value.name in ("source", "configuration"):
        name = _single_arg(value, ctx)
        if not isinstance(name, str):
            raise DecoratorError(
                f"{value.name}() takes the name of a "
                f"{'node' if value.name == 'source' else 'config key'} as a string, got {name!r}",
                value.location,
            )
        where = location_of(name) or value.location
        return Source(name, where) if value.name == "source" else FromConfig(name, where)
    return _group(value, ctx)


def _group(call: Call, ctx: RuleContext) -> Group:
    def member(item: Any) -> Source | Value:
        ctx.known(item, "a group() member", call)
        if not (isinstance(item, Call) and item.name in ("source", "value")):
            raise DecoratorError(
                f"group() members must be source(...) or value(...), got {item!r}", call.location
            )
        dep = dependency_of(item, ctx, call)
        if not isinstance(dep, (Source, Value)):
            raise DecoratorError("group() members must be source(...) or value(...)", call.location)
        return dep

    if call.args and call.kwargs:
        raise DecoratorError(
            "group() gathers either a list (positional) or a dict (keywords), not both",
            call.location,
        )
    if not call.args and not call.kwargs:
        raise DecoratorError("group() needs at least one source(...) or value(...)", call.location)
    return Group(
        tuple(member(a) for a in call.args), {k: member(v) for k, v in call.kwargs.items()}
    )


def sources_in(dep: Dependency) -> list[Source]:
    """The upstream nodes a dependency specification asks for."""
    if isinstance(dep, Source):
        return [dep]
    if isinstance(dep, Group):
        return [m for m in dep.members() if isinstance(m, Source)]
    return []


def resolve_runtime(dep: Dependency, values: Mapping[str, Any], config: Mapping[str, Any]) -> Any:
    """The concrete value of a dependency at run time, given its sources' values."""
    if isinstance(dep, Source):
        return values[dep.name]
    if isinstance(dep, Value):
        return dep.value
    if isinstance(dep, FromConfig):
        return config[dep.key]
    if dep.is_dict:
        return {k: resolve_runtime(m, values, config) for k, m in dep.named.items()}
    return [resolve_runtime(m, values, config) for m in dep.items]


__all__ = [
    "HELPERS",
    "Dependency",
    "FromConfig",
    "Group",
    "Source",
    "Unknown",
    "Value",
    "dependency_of",
    "is_dependency_call",
    "resolve_runtime",
    "sources_in",
]
