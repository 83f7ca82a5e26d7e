"""The registry files each rule under its phase's kind, which is how the runner calls it."""

from __future__ import annotations

import pytest
from livedag.engine.rules import RULES
from livedag.engine.rules.registry import (
    CreateRule,
    DynamicRule,
    NodeRule,
    Phase,
    ResolveRule,
    RuleContext,
    rule,
)
from livedag.engine.specs import Call, NodeSpec

KIND = {
    Phase.DYNAMIC: DynamicRule,
    Phase.RESOLVE: ResolveRule,
    Phase.CREATE: CreateRule,
    Phase.INJECT: NodeRule,
    Phase.EXPAND: NodeRule,
    Phase.TRANSFORM: NodeRule,
    Phase.DECORATE: NodeRule,
}


def test_every_rule_is_filed_under_its_phase_kind() -> None:
    assert {"tag", "config.when", "resolve", "subdag", "extract_columns"} <= set(RULES)
    for name, found in RULES.items():
        assert type(found) is KIND[found.phase], name
        assert found.name == name


def test_a_decorator_gets_one_rule() -> None:
    def again(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
        return nodes

    with pytest.raises(RuntimeError, match="two rules for decorator 'tag'"):
        rule("tag", phase=Phase.DECORATE)(again)
    tag = RULES["tag"]
    assert isinstance(tag, NodeRule) and tag.apply is not again  # the first rule stays
