"""`@check_output` and `@check_output_custom`: data checks as nodes.

Hamilton rewrites each checked node `fn` into `fn_raw` (the function itself), one node per check
named `fn_<check>` (e.g. `fn_range_validator`) that depends on `fn_raw`, and `fn`, which depends on
all of them and passes `fn_raw`'s value on once the checks are acted on.  Which check a keyword
stands for depends on the node's type (`range` applies to a Series or a number, `contains` to a
str); a keyword that fits no check for that type is a misuse Hamilton rejects.  At run time the
checks are `livedag.engine.validators` objects (or the user's own validator objects).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..specs import Call, Dependency, FunctionRef, NodeSpec, Severity, Symbol, TypeRef, Unknown
from .lifecycle import replace_targets, select_targets
from .registry import DecoratorError, Phase, RuleContext, bind_arguments, rule
from .type_names import ANY, DATAFRAME, SERIES, is_subclass, type_name

IS_CHECK_TAG = "hamilton.data_quality.contains_dq_results"
CHECKED_NODE_TAG = "hamilton.data_quality.source_node"
RESULT_TYPE = TypeRef("ValidationResult", "livedag.engine.validators.ValidationResult")
IMPORTANCE_LEVELS = ("warn", "fail")

# Keyword of @check_output → the types (canonical names, see type_names) its check applies to.
CHECK_APPLIES_TO: dict[str, tuple[str, ...]] = {
    "range": (SERIES, "numbers.Real"),
    "values_in": (SERIES, "numbers.Real", "str"),
    "data_type": (SERIES, "numbers.Real", "str", "bool"),
    "allow_nans": (SERIES,),
    "max_fraction_nans": (SERIES,),
    "max_standard_dev": (SERIES,),
    "mean_in_range": (SERIES,),
    "allow_none": (ANY,),
    "contains": ("str",),
    "does_not_contain": ("str",),
    "schema": (DATAFRAME, SERIES),  # pandera
}

# Validator classes users may instantiate for @check_output_custom, by qualified name → the check
# keyword their name() derives from.  Any other class is named by code we do not run (LD008).
_HAMILTON_CLASSES = {
    "DataInRangeValidatorPandasSeries": "range",
    "DataInRangeValidatorPrimitives": "range",
    "DataInValuesValidatorPandasSeries": "values_in",
    "DataInValuesValidatorPrimitives": "values_in",
    "DataTypeValidatorPandasSeries": "data_type",
    "DataTypeValidatorPrimitives": "data_type",
    "MaxFractionNansValidatorPandasSeries": "max_fraction_nans",
    "AllowNaNsValidatorPandasSeries": "allow_nans",
    "MaxStandardDevValidatorPandasSeries": "max_standard_dev",
    "MeanInRangeValidatorPandasSeries": "mean_in_range",
    "AllowNoneValidator": "allow_none",
    "StrContainsValidator": "contains",
    "StrDoesNotContainValidator": "does_not_contain",
}
_LIVEDAG_CLASSES = {
    "RangeValidator": "range",
    "ValuesInValidator": "values_in",
    "DataTypeValidator": "data_type",
    "MaxFractionNansValidator": "max_fraction_nans",
    "AllowNansValidator": "allow_nans",
    "MaxStandardDevValidator": "max_standard_dev",
    "MeanInRangeValidator": "mean_in_range",
    "AllowNoneValidator": "allow_none",
    "ContainsValidator": "contains",
    "DoesNotContainValidator": "does_not_contain",
}
KNOWN_VALIDATOR_CLASSES: dict[str, str] = {
    **{f"hamilton.data_quality.default_validators.{k}": v for k, v in _HAMILTON_CLASSES.items()},
    **{f"livedag.engine.validators.{k}": v for k, v in _LIVEDAG_CLASSES.items()},
}
# The static analyzer reports a call it does not evaluate as Unknown("calling `<qualified>` ...").


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


def _check_applies(key: str, node: NodeSpec, call: Call) -> None:
    if key not in CHECK_APPLIES_TO:
        raise DecoratorError(
            f"there is no check named {key!r}; use one of {', '.join(sorted(CHECK_APPLIES_TO))} "
            f"(or @check_output_custom for your own validator)",
            call.location,
        )
    found = type_name(node.type)
    if found is None:  # cannot tell statically; Hamilton decides when it builds the graph
        return
    if not any(is_subclass(found, kind) for kind in CHECK_APPLIES_TO[key]):
        fits = [
            k for k, kinds in CHECK_APPLIES_TO.items() if any(is_subclass(found, t) for t in kinds)
        ]
        raise DecoratorError(
            f"check {key!r} does not apply to {node.name!r} of type {node.type}; "
            f"it applies to {', '.join(CHECK_APPLIES_TO[key])}. Checks for this type: "
            f"{', '.join(fits) or 'none'}",
            call.location,
        )


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
        if candidates is None:
            _check_applies(key, node, call)
        _check_setting(key, setting, call)
        validator = _make_validator(key, setting, importance, candidates, call) if runtime else None
        name = validator.name() if validator is not None else f"{key}_validator"
        checks.append(Check(name, validator))
    return checks


def _make_validator(key: str, setting: Any, importance: str, candidates: Any, call: Call) -> Any:
    from ..validators import default_validator

    try:
        for cls in live(candidates) or ():
            if getattr(cls, "arg", lambda: None)() == key:
                return cls(**{key: live(setting), "importance": importance})
        return default_validator(key, live(setting), importance)
    except (ValueError, TypeError, KeyError) as exc:
        raise DecoratorError(f"cannot build check {key!r}: {exc}", call.location) from exc


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


def _class_of(validator: Any) -> str | None:
    """The qualified class name of a validator argument, as far as the front end resolved it."""
    if isinstance(validator, (Symbol, Call)):
        return validator.name
    if isinstance(validator, Unknown):
        return validator.callee
    return None


def _custom_check(validator: Any, index: int, call: Call, ctx: RuleContext) -> Check | None:
    """Name a user-supplied validator, or report (LD008) that it cannot be named statically."""
    if isinstance(validator, Symbol) and validator.obj is not None:
        from ..validators import validator_name

        return Check(validator_name(validator.obj), validator.obj)
    if class_name := _class_of(validator):
        if class_name in KNOWN_VALIDATOR_CLASSES:
            return Check(f"{KNOWN_VALIDATOR_CLASSES[class_name]}_validator")
    where = getattr(validator, "location", None) or call.location
    ctx.report(
        "LD008",
        f"@{call.name}: validator #{index + 1} is named by its own name() method, which cannot be "
        f"known without running code; its check node is missing from the graph",
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
