"""`@check_output` and `@check_output_custom`: data checks as nodes.

Hamilton rewrites each checked node `fn` into `fn_raw` (the function itself), one node per check
named after its validator, `fn_<validator name>` (e.g. `fn_range_validator`,
`fn_pandera_schema_validator`; see `check_names`), that depends on `fn_raw`, and `fn`, which
depends on all of them and passes `fn_raw`'s value on once the checks are acted on.  Which
validator a keyword stands for depends on the node's type (`range` applies to a Series or a
number, `contains` to a str); a keyword that fits no validator for that type is a misuse Hamilton
rejects.  At run time the checks are `livedag.engine.validators` objects (or the user's own
validator objects).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..codes import Code
from ..specs import Call, Dependency, FunctionRef, NodeSpec, Severity, Symbol, TypeRef, Unknown
from .check_names import (
    CHECK_ARGS,
    DEFAULT_VALIDATORS,
    KNOWN_CLASSES,
    NoCheck,
    ValidatorClass,
    checks_for,
    custom_check_name,
    default_check,
)
from .lifecycle import replace_targets, select_targets
from .registry import DecoratorError, Phase, RuleContext, bind_arguments, rule
from .type_names import ANY

IS_CHECK_TAG = "hamilton.data_quality.contains_dq_results"
CHECKED_NODE_TAG = "hamilton.data_quality.source_node"
RESULT_TYPE = TypeRef("ValidationResult", "livedag.engine.validators.ValidationResult")
IMPORTANCE_LEVELS = ("warn", "fail")


@dataclass(frozen=True)
class Check:
    """One check of a node: what its node is named after, and the live validator (runtime only)."""

    name: str
    validator: Any = None


def live(value: Any) -> Any:
    """A decorator argument with its live objects unwrapped (runtime front end)."""
    if isinstance(value, (Symbol, FunctionRef)) and value.obj is not None:
        return value.obj
    if isinstance(value, (tuple, list, set, frozenset)):
        return type(value)(live(v) for v in value)
    if isinstance(value, dict):
        return {k: live(v) for k, v in value.items()}
    return value


def checked_nodes(
    call: Call,
    nodes: list[NodeSpec],
    target: Any,
    checks_of: Callable[[NodeSpec], Sequence[Check]],
    ctx: RuleContext,
) -> list[NodeSpec]:
    """Replace each selected node by its `_raw` node, one node per check, and the checked node."""
    targets = select_targets(ctx.known(target, "target_", call), nodes, call)
    names = {n.name for n in nodes}
    out: list[NodeSpec] = []
    for node in targets:
        raw_name = f"{node.name}_raw"
        if raw_name in names:
            raise DecoratorError(
                f"{node.name!r} is checked by more than one @check_output/@check_output_custom; "
                f"Hamilton names each one's raw node {raw_name!r}, so they clash. Put all the "
                f"checks into a single decorator",
                call.location,
            )
        out.extend(_check_one(node, raw_name, checks_of(node), call, ctx))
    return replace_targets(nodes, targets, out)


def _check_one(
    node: NodeSpec, raw_name: str, checks: Sequence[Check], call: Call, ctx: RuleContext
) -> list[NodeSpec]:
    runtime = ctx.function.obj is not None
    raw = replace(node, name=raw_name)
    on_raw = (Dependency(raw_name, node.type, location=call.location),)
    check_nodes: list[NodeSpec] = []
    seen: Counter[str] = Counter()
    for check in checks:
        name = f"{node.name}_{check.name}"
        seen[name] += 1
        if seen[name] > 1:
            name = f"{name}_{seen[name] - 1}"
        check_nodes.append(
            NodeSpec(
                name=name,
                type=RESULT_TYPE,
                dependencies=on_raw,
                tags={**node.tags, IS_CHECK_TAG: True, CHECKED_NODE_TAG: node.name},
                doc=_describe(check),
                function=node.function,
                module=node.module,
                location=ctx.name_location(name, call),
                compute=_run_check(check) if runtime else None,
            )
        )
    checked = replace(
        node,
        dependencies=on_raw
        + tuple(Dependency(c.name, RESULT_TYPE, location=call.location) for c in check_nodes),
        compute=_guarded_output(node.name, raw_name, check_nodes, checks) if runtime else None,
    )
    return [*check_nodes, checked, raw]


def _describe(check: Check) -> str:
    describe = getattr(check.validator, "description", None)
    return str(describe()) if callable(describe) else f"Data check {check.name}"


def _run_check(check: Check) -> Any:
    from ..validators import run_check

    return run_check(check.validator)


def _guarded_output(
    node: str, raw: str, check_nodes: Sequence[NodeSpec], checks: Sequence[Check]
) -> Any:
    from ..validators import guarded_output

    named = [(n.name, c.validator) for n, c in zip(check_nodes, checks, strict=True)]
    return guarded_output(node, raw, named)


# --- @check_output -----------------------------------------------------------------------------


def _check_setting(key: str, setting: Any, call: Call) -> None:
    """Settings Hamilton refuses when it builds the check (statically known ones only)."""
    if key == "allow_nans" and setting is True:
        raise DecoratorError(
            "allow_nans=True checks nothing and Hamilton refuses it; drop it, or limit the share "
            "of NaNs with max_fraction_nans=<0..1>",
            call.location,
        )
    if key == "max_fraction_nans" and isinstance(setting, (int, float)) and not 0 <= setting <= 1:
        raise DecoratorError(
            f"max_fraction_nans must be a fraction between 0 and 1, got {setting!r}", call.location
        )


def _chosen_validator(
    key: str, node: NodeSpec, candidates: Any, call: Call, ctx: RuleContext
) -> ValidatorClass | None:
    """The validator class `key=` makes the check of `node` with; None (reported, LD008) when
    that depends on something that cannot be known statically.  Raises DecoratorError where
    Hamilton refuses."""
    classes = _candidate_classes(candidates, node)
    if classes is None:
        ctx.report(
            Code.UNKNOWABLE,
            f"@{call.name}: default_validator_candidates cannot be known without running code, "
            f"so neither can the name of check {key!r}; its check node is missing from the graph",
            call.location,
            Severity.INFO,
        )
        return None
    try:
        chosen = default_check(key, node.type, classes)
    except NoCheck as exc:
        if key not in CHECK_ARGS and classes is DEFAULT_VALIDATORS:
            advice = f"use one of {', '.join(sorted(CHECK_ARGS))} (or @check_output_custom)"
        else:
            advice = f"checks for this type: {', '.join(checks_for(node.type)) or 'none'}"
        raise DecoratorError(f"{exc} (node {node.name!r}); {advice}", call.location) from exc
    if chosen is None:
        ctx.report(
            Code.UNKNOWABLE,
            f"@{call.name}: which validator check {key!r} uses on {node.name!r} depends on its "
            f"type, {node.type}, which cannot be told statically; its check node is missing from "
            f"the graph",
            call.location,
            Severity.INFO,
        )
    return chosen


def _candidate_classes(candidates: Any, node: NodeSpec) -> Sequence[ValidatorClass] | None:
    """The validator classes `@check_output` chooses from: Hamilton's defaults, or the ones
    given as `default_validator_candidates` (None when they cannot be known)."""
    if candidates is None:
        return DEFAULT_VALIDATORS
    if isinstance(candidates, Unknown) or not isinstance(candidates, (list, tuple)):
        return None
    out = []
    for candidate in candidates:
        live_class = candidate.obj if isinstance(candidate, Symbol) else None
        known = KNOWN_CLASSES.get(candidate.name if isinstance(candidate, (Symbol, Call)) else "")
        if known is not None:
            out.append(replace(known, obj=live_class))
        elif live_class is not None and (found := _live_class(live_class, node)) is not None:
            out.append(found)
        else:
            return None
    return out


def _live_class(cls: Any, node: NodeSpec) -> ValidatorClass | None:
    """A user's validator class, read by calling its class methods (runtime front end only)."""
    try:
        applies = node.type is None or node.type.obj is None or cls.applies_to(node.type.obj)
        return ValidatorClass(
            f"{cls.__module__}.{cls.__qualname__}",
            str(cls.arg()),
            (ANY,) if applies else (),
            str(cls.name()),
            cls,
        )
    except Exception:  # noqa: BLE001 — user code; the check is then left unnamed (LD008)
        return None


def _default_checks(
    node: NodeSpec,
    settings: Mapping[str, Any],
    importance: Any,
    candidates: Any,
    call: Call,
    ctx: RuleContext,
) -> list[Check]:
    runtime = ctx.function.obj is not None
    checks = []
    for key, setting in settings.items():
        _check_setting(key, setting, call)
        chosen = _chosen_validator(key, node, candidates, call, ctx)
        if chosen is not None:
            validator = _make_validator(chosen, setting, importance, call) if runtime else None
            checks.append(Check(chosen.name, validator))
    return checks


def _make_validator(chosen: ValidatorClass, setting: Any, importance: str, call: Call) -> Any:
    """The runtime check: the chosen class itself when it was given live, else livedag's."""
    from ..validators import default_validator

    try:
        if chosen.obj is not None:
            return chosen.obj(**{chosen.arg: live(setting), "importance": importance})
        return default_validator(chosen.arg, live(setting), importance)
    except (ValueError, TypeError, KeyError) as exc:
        raise DecoratorError(f"cannot build check {chosen.arg!r}: {exc}", call.location) from exc


@rule("check_output", phase=Phase.TRANSFORM)
def check_output(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@check_output(range=(0, 1), importance="fail", target_=...)`."""
    positional = ("importance", "default_validator_candidates", "target_")
    bound = bind_arguments(
        Call(call.name, call.args, {k: v for k, v in call.kwargs.items() if k in positional}),
        positional,
        defaults={"importance": "warn", "default_validator_candidates": None, "target_": None},
    )
    settings = {k: v for k, v in call.kwargs.items() if k not in positional}
    importance = bound["importance"]
    if settings and not isinstance(importance, Unknown) and importance not in IMPORTANCE_LEVELS:
        raise DecoratorError(
            f"importance must be 'warn' or 'fail', got {importance!r}", call.location
        )
    candidates = bound["default_validator_candidates"]
    return checked_nodes(
        call,
        nodes,
        bound["target_"],
        lambda node: _default_checks(node, settings, importance, candidates, call, ctx),
        ctx,
    )


# --- @check_output_custom ----------------------------------------------------------------------


def _custom_check(validator: Any, index: int, call: Call, ctx: RuleContext) -> Check | None:
    """Name a user-supplied validator, or report (LD008) that it cannot be named statically."""
    if isinstance(validator, Symbol) and validator.obj is not None:
        from ..validators import validator_name

        return Check(validator_name(validator.obj), validator.obj)
    name: str | None = None
    if isinstance(validator, (Symbol, Call)):
        name = custom_check_name(validator.name, None)
    elif isinstance(validator, Unknown):
        name = custom_check_name(validator.callee, validator.callee_class)
    if name is not None:
        return Check(name)
    where = getattr(validator, "location", None) or call.location
    ctx.report(
        Code.UNKNOWABLE,
        f"@{call.name}: validator #{index + 1} is named by its own name() method, which cannot be "
        f"known without running code (it does more than return a string); its check node is "
        f"missing from the graph",
        where,
        Severity.INFO,
    )
    return None


@rule("check_output_custom", phase=Phase.TRANSFORM)
def check_output_custom(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@check_output_custom(MyValidator(importance="fail"), ..., target_=...)`."""
    extra = sorted(set(call.kwargs) - {"target_"})
    if extra:
        raise DecoratorError(
            f"takes validator objects and target_ only, got {', '.join(extra)}; "
            f"for Hamilton's built-in checks use @check_output({extra[0]}=...)",
            call.location,
        )
    checks = [c for i, v in enumerate(call.args) if (c := _custom_check(v, i, call, ctx))]
    return checked_nodes(call, nodes, call.kwargs.get("target_"), lambda _: checks, ctx)
