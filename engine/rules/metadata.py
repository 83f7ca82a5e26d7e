"""Decorators that annotate nodes without changing the graph's shape.

`tag`, `tag_outputs`, `schema.output`, `cache`, `ray_remote_options` and
`accept_error_sentinels` only add tags (Hamilton implements all six as tags), so they run in the
DECORATE phase and select their nodes the way Hamilton's node decorators do (`target_`: None →
the sinks, `...` → every node, a name or names → those nodes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..codes import Code
from ..specs import Call, NodeSpec, Severity, Unknown
from .annotations import is_dataframe_type
from .lifecycle import select_targets
from .plugins import plugin_dependency, plugin_frame
from .registry import RULES, DecoratorError, Phase, RuleContext, rule

# Tag namespaces Hamilton keeps for itself: a user tag may not start with any of them.
RESERVED_TAG_NAMESPACES = (
    "hamilton",
    "data_quality",
    "gdpr",
    "ccpa",
    "dag",
    "module",
    "ray_remote",
)
SCHEMA_OUTPUT_TAG = "hamilton.internal.schema_output"
CACHE_BEHAVIOR_TAG = "cache.behavior"
CACHE_FORMAT_TAG = "cache.format"
# `@accept_error_sentinels`: the tag, and the value, GracefulErrorAdapter looks for.
ERROR_SENTINEL_TAG = "hamilton.error_sentinel"
INJECTION_ALLOWED = "injection is requested"


def _key_problem(key: str, bypass_reserved: bool) -> str | None:
    parts = key.split(".")
    if not bypass_reserved and parts[0] in RESERVED_TAG_NAMESPACES:
        return (
            f"tag key {key!r} uses the namespace {parts[0]!r}, which Hamilton reserves "
            f"({', '.join(RESERVED_TAG_NAMESPACES)}); pick another key"
        )
    if not all(part.isidentifier() for part in parts):
        return f"tag key {key!r} is not valid: each dot-separated part must be a Python identifier"
    return None


def _value_problem(key: str, val: Any) -> str | None:
    if isinstance(val, str):
        return None
    if isinstance(val, list):
        if not val:
            return f"tag {key!r} is an empty list; give it at least one string"
        if not all(isinstance(v, str) for v in val):
            return f"tag {key!r} must be a list of strings, got {val!r}"
        if len(set(val)) != len(val):
            return f"tag {key!r} repeats a value in {val!r}; list each value once"
        return None
    return f"tag {key!r} must be a string or a list of strings, got {val!r}"


def checked_tags(
    call: Call, tags: Mapping[str, Any], ctx: RuleContext, *, bypass_reserved: bool = False
) -> dict[str, Any]:
    """The tags Hamilton would accept; unknowable values are left out and reported (LD008)."""
    out: dict[str, Any] = {}
    for key, val in tags.items():
        problem = _key_problem(str(key), bypass_reserved)
        if problem:
            raise DecoratorError(problem, call.location)
        if isinstance(val, Unknown) or (isinstance(val, list) and any(_unknown(v) for v in val)):
            ctx.report(
                Code.UNKNOWABLE,
                f"@{call.name}: the value of tag {key!r} cannot be known without running code",
                getattr(val, "location", None) or call.location,
                Severity.INFO,
            )
            continue
        problem = _value_problem(str(key), val)
        if problem:
            raise DecoratorError(problem, call.location)
        out[str(key)] = val
    return out


def _unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def _targets(call: Call, target: Any, nodes: list[NodeSpec], ctx: RuleContext) -> set[int]:
    ctx.known(target, "target_", call)
    if isinstance(target, (list, tuple, set, frozenset)):
        for item in target:
            ctx.known(item, "a name in target_", call)
    return {id(n) for n in select_targets(target, nodes, call)}


def _with_tags(nodes: list[NodeSpec], chosen: set[int], tags: Mapping[str, Any]) -> list[NodeSpec]:
    return [replace(n, tags={**n.tags, **tags}) if id(n) in chosen else n for n in nodes]


@rule("tag", phase=Phase.DECORATE)
def tag(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@tag(k=v, ..., target_=...)`: add tags to the selected nodes (default: the sinks)."""
    if call.args:
        raise DecoratorError("@tag takes keyword arguments only: @tag(owner='...')", call.location)
    kwargs = dict(call.kwargs)
    target = kwargs.pop("target_", None)
    bypass = kwargs.pop("bypass_reserved_namespaces_", False)
    tags = checked_tags(call, kwargs, ctx, bypass_reserved=bool(ctx.known(bypass, "bypass", call)))
    return _with_tags(nodes, _targets(call, target, nodes, ctx), tags)


@rule("tag_outputs", phase=Phase.DECORATE)
def tag_outputs(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@tag_outputs(node_name={k: v}, ...)`: tags per node; names not made here are ignored.

    Hamilton does not validate these tags (nor the names), so neither do we.
    """
    if call.args:
        raise DecoratorError(
            "@tag_outputs takes keyword arguments only: @tag_outputs(col_a={'owner': '...'})",
            call.location,
        )
    by_name: dict[str, Mapping[str, Any]] = {}
    for name, tags in call.kwargs.items():
        if isinstance(tags, Unknown):
            ctx.report(
                Code.UNKNOWABLE,
                f"@tag_outputs: the tags of {name!r} cannot be known without running code",
                tags.location or call.location,
                Severity.INFO,
            )
            continue
        if not isinstance(tags, Mapping):
            raise DecoratorError(
                f"@tag_outputs: the tags for {name!r} must be a dict such as {{'owner': '...'}}, "
                f"got {tags!r}",
                call.location,
            )
        known = {str(k): v for k, v in tags.items() if not isinstance(v, Unknown)}
        if len(known) < len(tags):
            ctx.report(
                Code.UNKNOWABLE,
                f"@tag_outputs: some tag values of {name!r} cannot be known without running code",
                call.location,
                Severity.INFO,
            )
        by_name[str(name)] = known
    return [
        replace(n, tags={**n.tags, **by_name[n.name]}) if n.name in by_name else n for n in nodes
    ]


def _decorate_calls_inside(call: Call, ctx: RuleContext) -> list[Call]:
    """Node decorators written below `call` (Hamilton attaches those before it)."""
    decorators = ctx.function.decorators
    index = next((i for i, d in enumerate(decorators) if d is call), None)
    if index is None:
        return []
    return [
        d
        for d in decorators[index + 1 :]
        if d.known and d.name in RULES and RULES[d.name].phase is Phase.DECORATE
    ]


@rule("schema.output", phase=Phase.DECORATE)
def schema_output(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@schema.output(("a", "int"), ...)`: records the output schema of a dataframe node."""
    below = _decorate_calls_inside(call, ctx)
    if below:
        raise DecoratorError(
            f"Hamilton allows no node decorator below @schema.output (found "
            f"@{below[0].name}); move @schema.output to be the decorator closest to the `def`",
            call.location,
        )
    kwargs = dict(call.kwargs)
    target = kwargs.pop("target_", None)
    if kwargs:
        raise DecoratorError(
            f"@schema.output got unexpected argument(s) {', '.join(kwargs)}; it takes "
            f"(name, type) pairs and target_",
            call.location,
        )
    fields = []
    for item in call.args:
        ctx.known(item, "a schema field", call)
        if not isinstance(item, tuple) or len(item) != 2:
            raise DecoratorError(
                f"@schema.output fields are (name, type) pairs such as ('age', 'int'), "
                f"got {item!r}",
                call.location,
            )
        fields.append(f"{item[0]}={item[1]}")
    chosen = _targets(call, target, nodes, ctx)
    for n in nodes:
        frame = plugin_frame(n.type) if id(n) in chosen else None
        if frame is not None:  # a type a plugin registers (Spark's has no columns to extract)
            ctx.problems.append(
                plugin_dependency(frame.plugin, f"`@schema.output` on {n.type}", call.location)
            )
        elif id(n) in chosen and n.type is not None and is_dataframe_type(n.type) is False:
            raise DecoratorError(
                f"node {n.name} returns {n.type}, which is not a dataframe type Hamilton knows; "
                f"@schema.output applies to dataframe outputs only",
                call.location,
            )
    return _with_tags(nodes, chosen, {SCHEMA_OUTPUT_TAG: ",".join(fields)})


@rule("cache", phase=Phase.DECORATE)
def cache(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@cache(behavior=..., format=..., target_=...)`: caching hints, kept as Hamilton's tags.

    Hamilton stores them as `cache.behavior` / `cache.format` tags on every node by default.
    """
    if call.args:
        raise DecoratorError(
            "@cache takes keyword arguments only: @cache(behavior='recompute', format='json')",
            call.location,
        )
    kwargs = dict(call.kwargs)
    target = kwargs.pop("target_", ...)
    behavior = kwargs.pop("behavior", None)
    format_ = kwargs.pop("format", None)
    if kwargs:
        raise DecoratorError(
            f"@cache got unexpected argument(s) {', '.join(kwargs)}; it takes behavior, "
            f"format and target_",
            call.location,
        )
    tags: dict[str, Any] = {}
    for key, val in ((CACHE_BEHAVIOR_TAG, behavior), (CACHE_FORMAT_TAG, format_)):
        if isinstance(val, Unknown):
            ctx.report(
                Code.UNKNOWABLE,
                f"@cache: {key.split('.')[1]} cannot be known without running code",
                val.location or call.location,
                Severity.INFO,
            )
        elif val:
            tags[key] = val
    return _with_tags(nodes, _targets(call, target, nodes, ctx), tags)


@rule("ray_remote_options", phase=Phase.DECORATE)
def ray_remote_options(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@ray_remote_options(num_cpus=2, resources={...})`: options for the node's Ray task, kept
    as Hamilton keeps them: `ray_remote.<option>` tags holding the value as JSON, on the sinks."""
    if call.args:
        raise DecoratorError(
            "@ray_remote_options takes keyword arguments only: @ray_remote_options(num_cpus=2)",
            call.location,
        )
    tags: dict[str, Any] = {}
    for option, value in call.kwargs.items():
        if isinstance(value, Unknown):
            ctx.report(
                Code.UNKNOWABLE,
                f"@ray_remote_options: {option} cannot be known without running code",
                value.location or call.location,
                Severity.INFO,
            )
            continue
        try:
            tags[f"ray_remote.{option}"] = json.dumps(value)
        except TypeError:
            raise DecoratorError(
                f"@ray_remote_options: {option}={value!r} is not JSON-serializable; Ray options "
                f"are numbers, strings and dicts of them",
                call.location,
            ) from None
    chosen = {id(n) for n in select_targets(None, nodes, call)}
    return _with_tags(nodes, chosen, tags)


@rule("accept_error_sentinels", phase=Phase.DECORATE, bare_ok=True)
def accept_error_sentinels(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@accept_error_sentinels` (Hamilton's `hamilton.lifecycle.default`): the node runs even
    when GracefulErrorAdapter hands it an upstream failure's sentinel value, instead of being
    skipped.  Hamilton implements it as a reserved tag on the function's sinks, as here."""
    if not call.bare:
        raise DecoratorError(
            "@accept_error_sentinels is a plain decorator: write it without parentheses "
            "(with them, importing the module fails)",
            call.location,
        )
    chosen = {id(n) for n in select_targets(None, nodes, call)}
    return _with_tags(nodes, chosen, {ERROR_SENTINEL_TAG: INJECTION_ALLOWED})
