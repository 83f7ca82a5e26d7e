"""Decorators that decide from the config whether, and under which name, a function is a node.

`config.when*` keep or drop a function (and drop the `__suffix` that tells variants apart),
`hamilton_exclude` always drops it, and `resolve` / `resolve_from_config` turn config values into
further decorators.  Static front ends may not know a value; conditions are then evaluated in
three-valued logic: a clause that is certainly false drops the function, an undecidable one keeps it
and says so (LD008), because showing a possible node beats hiding a real one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from typing import Any

from ..codes import Code
from ..specs import Call, FunctionRef, FunctionSpec, Severity, Symbol, Unknown
from .registry import DecoratorError, Phase, RuleContext, Unknowable, rule

POWER_USER_MODE = "hamilton.enable_power_user_mode"

# Three-valued truth: True, False, or None (cannot be known without running code).
Verdict = bool | None


def function_name_for_config(name: str) -> str:
    """`signups__v2` → `signups`: Hamilton drops everything from the last `__`."""
    cut = name.rfind("__")
    return name[:cut] if cut != -1 else name


def _unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_unknown(v) for v in value)
    return False


def _equals(expected: Any, actual: Any) -> Verdict:
    if _unknown(expected) or _unknown(actual):
        return None
    return bool(expected == actual)


def _member(actual: Any, allowed: Any, call: Call, key: str) -> Verdict:
    if isinstance(allowed, Unknown) or isinstance(actual, Unknown):
        return None
    if isinstance(allowed, str) or not isinstance(allowed, Collection):
        raise DecoratorError(
            f"@{call.name}({key}=...) takes a list of values, e.g. {key}=[{allowed!r}]; "
            f"got {allowed!r}",
            call.location,
        )
    if actual in [a for a in allowed if not _unknown(a)]:
        return True
    return None if any(_unknown(a) for a in allowed) else False


def _all(verdicts: Sequence[Verdict]) -> Verdict:
    if any(v is False for v in verdicts):
        return False
    if any(v is None for v in verdicts):
        return None
    return True


def _negate(verdict: Verdict) -> Verdict:
    return None if verdict is None else not verdict


Clause = Callable[[Any, Any, Call, str], Verdict]

_CLAUSES: dict[str, Clause] = {
    "config.when": lambda want, got, call, key: _equals(want, got),
    "config.when_not": lambda want, got, call, key: _negate(_equals(want, got)),
    "config.when_in": lambda want, got, call, key: _member(got, want, call, key),
    "config.when_not_in": lambda want, got, call, key: _negate(_member(got, want, call, key)),
}


@rule(*_CLAUSES, phase=Phase.RESOLVE)
def config_when(call: Call, spec: FunctionSpec, ctx: RuleContext) -> FunctionSpec | None:
    """`@config.when(key=value)` and friends: keep the function only under matching config.

    The node is named after the function without its `__suffix` (or `name=...` where Hamilton
    accepts it: every variant but `when_not_in`, where `name` is an ordinary config key).
    """
    if call.args:
        raise DecoratorError(
            f"@{call.name} takes keyword arguments only: @{call.name}(region='US')", call.location
        )
    if ctx.function.name.endswith("__"):
        raise DecoratorError(
            f"{ctx.function.name} ends in '__'; config decorators name the node after the part "
            f"before the last '__', so add a suffix (e.g. {ctx.function.name}v2)",
            ctx.function.location,
        )
    conditions = dict(call.kwargs)
    target_name = None if call.name == "config.when_not_in" else conditions.pop("name", None)
    clause = _CLAUSES[call.name]
    verdict = _all(
        [clause(want, ctx.config.get(key), call, key) for key, want in conditions.items()]
    )
    if verdict is False:
        return None
    if verdict is None:
        ctx.report(
            Code.UNKNOWABLE,
            f"@{call.name}: whether {spec.name} is in the dataflow cannot be known without "
            f"running code (a condition or config value is not a literal); it is shown as if it "
            f"were",
            call.location,
            Severity.INFO,
        )
    if target_name is None:
        return replace(spec, name=function_name_for_config(spec.name))
    target_name = ctx.known(target_name, "name", call)
    if not isinstance(target_name, str):
        raise DecoratorError(
            f"@{call.name}(name=...) takes the node name as a string", call.location
        )
    return replace(spec, name=target_name, location=ctx.name_location(target_name, call))


@rule("hamilton_exclude", phase=Phase.RESOLVE, bare_ok=True)
def hamilton_exclude(call: Call, spec: FunctionSpec, ctx: RuleContext) -> FunctionSpec | None:
    """`@hamilton_exclude`: a public helper that is not a node.

    Hamilton's public `hamilton_exclude` is a decorator instance, so it is written bare;
    `@hamilton_exclude()` fails when the module is imported (only the class in
    `hamilton.function_modifiers.configuration`, which hardly anyone imports, is called).  The
    function is left out either way, since that is plainly what was meant.
    """
    if not call.bare:
        ctx.report(
            Code.DECORATOR_MISUSE,
            "@hamilton_exclude: Hamilton's hamilton_exclude is already a decorator; write "
            "@hamilton_exclude without parentheses (with them, importing the module fails)",
            call.location,
        )
    return None


# --- resolve -------------------------------------------------------------------------------------


def _is_config_available(when: Any) -> bool:
    if isinstance(when, Symbol):
        obj_value = getattr(when.obj, "value", None)
        return obj_value == "config_available" or when.name.endswith("CONFIG_AVAILABLE")
    return False


def _parameters(ref: FunctionRef, call: Call) -> tuple[list[str], list[str]]:
    """Required and optional parameter names of `decorate_with`, as Hamilton validates them."""
    required: list[str] = []
    optional: list[str] = []
    try:
        signature = inspect.signature(ref.obj)
    except (TypeError, ValueError):
        signature = None
    if signature is None:
        if ref.spec is None:
            raise Unknowable(
                f"the parameters of decorate_with ({ref.name}) cannot be read", call.location
            )
        for param in ref.spec.parameters:
            if param.kind.value not in ("positional", "keyword_only"):
                raise _bad_signature(call)
            (optional if param.has_default else required).append(param.name)
        return required, optional
    for p in signature.parameters.values():
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            raise _bad_signature(call)
        (optional if p.default is not p.empty else required).append(p.name)
    return required, optional


def _bad_signature(call: Call) -> DecoratorError:
    return DecoratorError(
        "decorate_with may only take named parameters (no *args, **kwargs or positional-only "
        "ones); each parameter names a config key",
        call.location,
    )


@rule("resolve", "resolve_from_config", phase=Phase.DYNAMIC)
def resolve(call: Call, ctx: RuleContext) -> Sequence[Call]:
    """`@resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=lambda k: ...)`.

    Calls `decorate_with` with the config values its parameters name and applies the decorator it
    returns.  Hamilton only allows this in power-user mode.
    """
    if call.args:
        raise DecoratorError(
            f"@{call.name} takes keyword arguments only: decorate_with=lambda ...: ...",
            call.location,
        )
    kwargs = dict(call.kwargs)
    expected = {"decorate_with"} | ({"when"} if call.name == "resolve" else set())
    if set(kwargs) != expected:
        raise DecoratorError(
            f"@{call.name} takes exactly {', '.join(sorted(expected))}; got "
            f"{', '.join(sorted(kwargs)) or 'nothing'}",
            call.location,
        )
    if call.name == "resolve":
        when = ctx.known(kwargs["when"], "when", call)
        if not _is_config_available(when):
            raise DecoratorError(
                "@resolve only supports when=ResolveAt.CONFIG_AVAILABLE", call.location
            )
    ref = ctx.known(kwargs["decorate_with"], "decorate_with", call)
    if not isinstance(ref, FunctionRef):
        raise DecoratorError(
            f"decorate_with must be a function returning a decorator, got {ref!r}", call.location
        )
    if not callable(ref.obj):
        raise Unknowable(f"decorate_with ({ref.name}) cannot be evaluated", call.location)
    required, optional = _parameters(ref, call)
    arguments = _config_arguments(call, ctx, required, optional)
    try:
        produced = ref.obj(**arguments)
    except (DecoratorError, Unknowable):
        raise
    except Exception as exc:
        if ctx.function.obj is None:  # a static evaluator that gave up
            raise Unknowable(
                f"decorate_with could not be evaluated ({exc})", call.location
            ) from exc
        raise DecoratorError(f"decorate_with raised {exc!r}", call.location) from exc
    return [_as_decorator(produced, call)]


def _config_arguments(
    call: Call, ctx: RuleContext, required: list[str], optional: list[str]
) -> dict[str, Any]:
    mode = ctx.known(ctx.config.get(POWER_USER_MODE, False), POWER_USER_MODE, call)
    if not mode:
        raise DecoratorError(
            f"@{call.name} only works in Hamilton's power-user mode; add "
            f"{POWER_USER_MODE}=True to the config the dataflow is built with",
            call.location,
        )
    missing = [key for key in required if key not in ctx.config]
    if missing:
        raise DecoratorError(
            f"decorate_with needs config value(s) {', '.join(missing)}; add them to the config",
            call.location,
        )
    arguments = {key: ctx.config[key] for key in required}
    arguments.update({key: ctx.config[key] for key in optional if key in ctx.config})
    for key, value in arguments.items():
        if _unknown(value):
            raise Unknowable(f"config value {key!r} cannot be known without running code")
    return arguments


def _as_decorator(produced: Any, call: Call) -> Call:
    from ..function_modifiers import to_plain

    if isinstance(produced, Unknown):
        raise Unknowable(f"the decorator decorate_with returns ({produced.reason})", call.location)
    plain = to_plain(produced)
    if not isinstance(plain, Call):
        raise DecoratorError(
            f"decorate_with must return a decorator such as tag(...) or extract_columns(...), "
            f"got {produced!r}",
            call.location,
        )
    return plain if plain.location is not None else replace(plain, location=call.location)
