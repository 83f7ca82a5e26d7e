"""Which policies a node is subject to, as hover text and as graph JSON (the preview's data)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .policy_check import PolicyCheck

ROLES = {
    "from": "its data must not reach",
    "must_not_reach": "protected: no path from",
    "unless_through": "lets paths through, for",
    "for": "must meet",
}


def policies_markdown(check: PolicyCheck, name: str) -> str:
    """A hover paragraph naming the node's policies (empty when none speaks of it)."""
    found = check.subject_to(name)
    if not found:
        return ""
    lines = []
    for policy, role in found:
        lines.append(f"`{policy.name}` ({role}): {policy.describe()}")
    return "**Policies** " + "; ".join(lines)


def policies_json(check: PolicyCheck, names: Iterable[str]) -> list[dict[str, Any]]:
    """Each policy with the nodes among `names` it speaks of, and how (docs/design.md)."""
    if not check.policies:
        return []
    members: dict[str, dict[str, list[str]]] = {p.name: {} for p in check.policies}
    for name in names:
        for policy, role in check.subject_to(name):
            members[policy.name].setdefault(name, []).append(role)
    return [
        {
            "name": policy.name,
            "kind": policy.kind.value,
            "severity": policy.severity.value,
            "says": policy.describe(),
            "message": policy.message,
            "nodes": members[policy.name],
        }
        for policy in check.policies
    ]
