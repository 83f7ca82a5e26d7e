"""`[[tool.livedag.policies]]` read from pyproject; every mistake names the key and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from livedag.engine.specs import Severity
from livedag.server.policies import PolicyKind
from livedag.server.project import ProjectConfigError, parse_project_config


def policies(*entries: dict[str, Any]) -> Any:
    return parse_project_config({"policies": list(entries)}, root=Path("/p")).policies


def test_each_kind_is_read_with_its_matches() -> None:
    reach, owners, values = policies(
        {
            "name": "pii",
            "from": {"PII": "true"},
            "must_not_reach": {"visibility": ["public", "partner"]},
            "unless_through": {"anonymizer": "*"},
            "severity": "warning",
            "message": "hash it first",
        },
        {"name": "owners", "for": {"artifact": "*"}, "require_tags": ["owner"]},
        {"name": "vis", "allowed_values": {"visibility": ["public", "internal"]}},
    )
    assert reach.kind is PolicyKind.MUST_NOT_REACH and reach.severity is Severity.WARNING
    assert reach.source.matches({"PII": "true"}) and not reach.source.matches({"PII": "false"})
    assert reach.target.matches({"visibility": "partner"})
    assert reach.target.matches({"visibility": ["internal", "public"]})  # a list tag: any item
    assert not reach.target.matches({"owner": "x"})
    assert reach.unless_through is not None and reach.unless_through.matches({"anonymizer": "x"})
    assert owners.kind is PolicyKind.REQUIRE_TAGS and owners.required == ("owner",)
    assert owners.severity is Severity.ERROR  # the default
    assert values.kind is PolicyKind.ALLOWED_VALUES
    assert values.applies_to.matches({})  # no `for`: every node


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        (
            {"from": {"PII": "true"}, "must_not_reach": {"v": "p"}},
            "name: every policy needs a name",
        ),
        ({"name": "a", "from": {"PII": "true"}}, "exactly one of must_not_reach"),
        (
            {"name": "a", "must_not_reach": {"v": "p"}, "require_tags": ["o"]},
            "it has must_not_reach, require_tags",
        ),
        ({"name": "a", "must_not_reach": {"v": "p"}}, "must_not_reach needs `from`"),
        ({"name": "a", "from": {"PII": True}, "must_not_reach": {"v": "p"}}, 'write PII = "true"'),
        ({"name": "a", "from": {}, "must_not_reach": {"v": "p"}}, "from: expected a table of tags"),
        ({"name": "a", "require_tags": "owner"}, "require_tags: expected a list of tag keys"),
        ({"name": "a", "allowed_values": {"v": "public"}}, "allowed_values.v: expected a list"),
        (
            {"name": "a", "for": {"x": "*"}, "from": {"x": "*"}, "require_tags": ["o"]},
            "a) from: only must_not_reach",
        ),
        ({"name": "a", "require_tags": ["o"], "severity": "loud"}, "severity: expected one of"),
        ({"name": "a", "require_tags": ["o"], "when": 1}, "unknown key(s) 'when'"),
    ],
)
def test_a_mistake_names_the_key(entry: dict[str, Any], said: str) -> None:
    with pytest.raises(ProjectConfigError) as caught:
        policies(entry)
    assert said in str(caught.value)
    assert "[tool.livedag] policies[0]" in str(caught.value)


def test_names_are_unique_and_policies_an_array() -> None:
    entry = {"name": "a", "require_tags": ["o"]}
    with pytest.raises(ProjectConfigError, match="policies\\[1\\] name: a policy named 'a'"):
        policies(entry, entry)
    with pytest.raises(ProjectConfigError, match="expected an array of tables"):
        parse_project_config({"policies": entry}, root=Path("/p"))
