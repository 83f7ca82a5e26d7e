"""Decorators that annotate nodes without changing the graph's shape: `tag`, ..."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..specs import Call, NodeSpec
from .lifecycle import select_targets
from .registry import DecoratorError, Phase, RuleContext, rule

_RESERVED_TAG_PREFIXES = ("hamilton", "livedag")


def _check_tags(call: Call, tags: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    for key, val in tags.items():
        ctx.known(val, f"tag {key!r}", call)
        if key.split(".")[0] in _RESERVED_TAG_PREFIXES:
            raise DecoratorError(f"tag key {key!r} is reserved for Hamilton", call.location)
        if not isinstance(val, str) and not (
            isinstance(val, list) and all(isinstance(v, str) for v in val)
        ):
            raise DecoratorError(
                f"tag {key!r} must be a string or a list of strings, got {val!r}", call.location
            )
    return tags


@rule("tag", phase=Phase.DECORATE)
def tag(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@tag(k=v, ..., target_=...)`: add tags to the selected nodes (default: the sinks)."""
    kwargs = dict(call.kwargs)
    target = kwargs.pop("target_", None)
    if call.args:
        raise DecoratorError("@tag takes keyword arguments only: @tag(owner='...')", call.location)
    tags = _check_tags(call, kwargs, ctx)
    chosen = {id(n) for n in select_targets(target, nodes, call)}
    return [replace(n, tags={**n.tags, **tags}) if id(n) in chosen else n for n in nodes]
