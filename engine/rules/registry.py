"""The registry of decorator rules and what a rule gets to work with.

Each decorator's meaning is one function registered here under its canonical Hamilton name, in one
phase of Hamilton's lifecycle (see `Phase`).  The runner (`lifecycle.py`) applies them in that
order; nothing outside `livedag.engine.rules` interprets a decorator.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar, overload

from ..codes import Code
from ..specs import (
    Call,
    FunctionSpec,
    Location,
    NodeSpec,
    Problem,
    Severity,
    Unknown,
    location_of,
)


class Phase(enum.IntEnum):
    """Hamilton's decorator lifecycle, in the order it runs."""

    DYNAMIC = 0  # `resolve`: turns config into further decorators
    RESOLVE = 1  # `config.when*`, `hamilton_exclude`: keep, rename, or drop the function
    CREATE = 2  # `does`, `subdag`, `dataloader`, ...: make the first nodes (at most one creator)
    INJECT = 3  # `pipe_input`, `load_from.*`: feed nodes into unmet parameters
    EXPAND = 4  # `parameterize*`, `inject`, ...: one node into many (at most one)
    TRANSFORM = 5  # `extract_*`, `check_output`, `pipe_output`, `save_to.*`: rewrite selected nodes
    DECORATE = 6  # `tag`, `tag_outputs`, `schema.output`: annotate selected nodes


class DecoratorError(Exception):
    """The decorator is used in a way Hamilton rejects (LD006)."""

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.location = location


class Unknowable(Exception):
    """A decorator argument the rule needs could not be known statically (LD008)."""

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.location = location


# What a rule is, per phase (positional: the runner calls them so).  `rule` checks each
# registered function against its phase's protocol, so mypy sees every rule's signature.


class AddsDecorators(Protocol):
    """DYNAMIC: the decorators to apply in this one's place."""

    def __call__(self, call: Call, ctx: RuleContext, /) -> Sequence[Call]: ...


class ResolvesFunction(Protocol):
    """RESOLVE: the function to go on with (renamed, rewritten), or None to drop it."""

    def __call__(
        self, call: Call, spec: FunctionSpec, ctx: RuleContext, /
    ) -> FunctionSpec | None: ...


class CreatesNodes(Protocol):
    """CREATE: the first nodes, made from the function."""

    def __call__(self, call: Call, spec: FunctionSpec, ctx: RuleContext, /) -> list[NodeSpec]: ...


class RewritesNodes(Protocol):
    """INJECT, EXPAND, TRANSFORM, DECORATE: the function's nodes so far, rewritten."""

    def __call__(
        self, call: Call, nodes: list[NodeSpec], ctx: RuleContext, /
    ) -> list[NodeSpec]: ...


NodePhase = Literal[Phase.INJECT, Phase.EXPAND, Phase.TRANSFORM, Phase.DECORATE]


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A decorator's meaning: the function of its phase, registered under the decorator's name."""

    name: str
    phase: Phase
    bare_ok: bool = False  # may be written without parentheses (`@hamilton_exclude`)


@dataclass(frozen=True, kw_only=True)
class DynamicRule(Rule):
    apply: AddsDecorators


@dataclass(frozen=True, kw_only=True)
class ResolveRule(Rule):
    apply: ResolvesFunction


@dataclass(frozen=True, kw_only=True)
class CreateRule(Rule):
    apply: CreatesNodes


@dataclass(frozen=True, kw_only=True)
class NodeRule(Rule):
    apply: RewritesNodes


RULES: dict[str, Rule] = {}

_D = TypeVar("_D", bound=AddsDecorators)
_R = TypeVar("_R", bound=ResolvesFunction)
_C = TypeVar("_C", bound=CreatesNodes)
_N = TypeVar("_N", bound=RewritesNodes)
_F = TypeVar("_F", bound=AddsDecorators | ResolvesFunction | CreatesNodes | RewritesNodes)


@overload
def rule(
    *names: str, phase: Literal[Phase.DYNAMIC], bare_ok: bool = False
) -> Callable[[_D], _D]: ...
@overload
def rule(
    *names: str, phase: Literal[Phase.RESOLVE], bare_ok: bool = False
) -> Callable[[_R], _R]: ...
@overload
def rule(
    *names: str, phase: Literal[Phase.CREATE], bare_ok: bool = False
) -> Callable[[_C], _C]: ...
@overload
def rule(*names: str, phase: NodePhase, bare_ok: bool = False) -> Callable[[_N], _N]: ...
def rule(*names: str, phase: Phase, bare_ok: bool = False) -> Callable[[_F], _F]:
    """Register the decorated function as the meaning of the decorator(s) `names` in `phase`."""
    kind = _KINDS[phase]

    def register(fn: _F) -> _F:
        for name in names:
            if name in RULES:
                raise RuntimeError(f"two rules for decorator {name!r}")
            # The overloads matched `fn` to this phase's protocol, which `kind.apply` declares.
            RULES[name] = kind(name=name, phase=phase, bare_ok=bare_ok, apply=fn)  # type: ignore[arg-type]
        return fn

    return register


_KINDS: dict[Phase, type[DynamicRule | ResolveRule | CreateRule | NodeRule]] = {
    Phase.DYNAMIC: DynamicRule,
    Phase.RESOLVE: ResolveRule,
    Phase.CREATE: CreateRule,
    **{phase: NodeRule for phase in (Phase.INJECT, Phase.EXPAND, Phase.TRANSFORM, Phase.DECORATE)},
}


def rule_for(call: Call) -> Rule | None:
    """The rule for a call; `prefix.*` rules catch open families (`load_from.<unknown format>`)."""
    if not call.known:
        return None
    found = RULES.get(call.name)
    if found is None and "." in call.name:
        found = RULES.get(call.name.rsplit(".", 1)[0] + ".*")
    return found


@dataclass
class RuleContext:
    """What a rule may consult besides its own call: the function, the config, a problem sink."""

    function: FunctionSpec
    config: Mapping[str, Any]
    problems: list[Problem] = field(default_factory=list)

    def report(
        self,
        code: Code,
        message: str,
        location: Location | None = None,
        severity: Severity | None = None,
        node: str | None = None,
    ) -> None:
        """Add a problem at `location` (default: the function), of the code's usual severity."""
        self.problems.append(
            Problem(
                code,
                severity or code.severity,
                message,
                location or self.function.location,
                node=node,
            )
        )

    def report_unknowable(self, call: Call, what: str, location: Location | None = None) -> None:
        """LD008: `what`, an argument of `call`, cannot be known; the lineage below is partial."""
        self.report(
            Code.UNKNOWABLE,
            f"@{call.name}: {what} cannot be known without running code; lineage below it is "
            f"partial",
            location or call.location,
        )

    def known(self, value: Any, what: str, call: Call | None = None) -> Any:
        """`value` itself, or raise Unknowable (LD008) if the front end could not evaluate it."""
        if isinstance(value, Unknown):
            where = value.location or (call.location if call else None)
            raise Unknowable(f"{what} cannot be known without running code ({value.reason})", where)
        return value

    def name_location(self, name: object, call: Call | None = None) -> Location | None:
        """Where a node named by `name` is defined: the string itself, else the decorator."""
        return (
            location_of(name)
            or (call.location if call is not None else None)
            or self.function.location
        )


def bind_arguments(
    call: Call, positional: Sequence[str], *, defaults: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Bind a call's arguments to parameter names like Python would, raising DecoratorError.

    Keyword-only parameters are those in `defaults` that are not in `positional`.
    """
    bound: dict[str, Any] = {}
    if len(call.args) > len(positional):
        raise DecoratorError(
            f"@{call.name} takes at most {len(positional)} positional argument(s), "
            f"got {len(call.args)}",
            call.location,
        )
    for name, value in zip(positional, call.args, strict=False):
        bound[name] = value
    allowed = set(positional) | set(defaults or {})
    for key, value in call.kwargs.items():
        if key not in allowed:
            raise DecoratorError(f"@{call.name} got an unexpected argument {key!r}", call.location)
        if key in bound:
            raise DecoratorError(f"@{call.name} got {key!r} twice", call.location)
        bound[key] = value
    for key, value in (defaults or {}).items():
        bound.setdefault(key, value)
    missing = [p for p in positional if p not in bound]
    if missing:
        raise DecoratorError(
            f"@{call.name} is missing required argument(s): {', '.join(missing)}", call.location
        )
    return bound


@dataclass
class Expansion:
    """What the rules made of one function (or module): its nodes and any problems."""

    nodes: list[NodeSpec] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def extend(self, other: Expansion) -> None:
        self.nodes.extend(other.nodes)
        self.problems.extend(other.problems)
