"""`[[tool.livedag.policies]]`: rules over tags and lineage, read from pyproject.toml.

```toml
[[tool.livedag.policies]]
name = "pii-stays-internal"
from = { PII = "true" }                       # the nodes the rule starts from
must_not_reach = { visibility = "public" }    # no path from those to these
unless_through = { anonymizer = "true" }      # ... but a path through such a node is fine
message = "PII must not reach public artifacts; hash or drop it first"
severity = "error"                            # error (default) | warning | info

[[tool.livedag.policies]]
name = "artifacts-have-owners"
for = { artifact = "*" }                      # the nodes it applies to (default: every one)
require_tags = ["owner"]                      # each must carry these tags

[[tool.livedag.policies]]
name = "known-visibility"
allowed_values = { visibility = ["public", "internal"] }   # a tag's values come from a list
```

A match table holds tag keys and what their value must be: a string, `"*"` (any value, the tag
must be there) or a list of strings (any of them); every key must match.  Tags are a node's
user tags after every decorator is expanded (`@tag_outputs`, `@extract_columns`, `@parameterize`,
subdag namespaces), so a policy sees the same nodes the graph does; a node whose tag holds a list
matches when one of its items does.  The check itself is `policy_check.py`.

Every mistake is a `ProjectConfigError` naming the key and what to write there.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from livedag.engine.specs import Severity

from .project import ProjectConfigError, parse_severity

ANY = "*"


class PolicyKind(str, enum.Enum):
    MUST_NOT_REACH = "must_not_reach"
    REQUIRE_TAGS = "require_tags"
    ALLOWED_VALUES = "allowed_values"


@dataclass(frozen=True)
class TagMatch:
    """Tag key -> the values that match (`None`: any value, the key must be there)."""

    wanted: tuple[tuple[str, frozenset[str] | None], ...]

    def matches(self, tags: Mapping[str, Any]) -> bool:
        for key, values in self.wanted:
            if key not in tags:
                return False
            if values is not None and not any(v in values for v in tag_values(tags[key])):
                return False
        return True

    def __str__(self) -> str:
        parts = []
        for key, values in self.wanted:
            if values is None:
                parts.append(f"{key}=*")
            elif len(values) == 1:
                parts.append(f"{key}={next(iter(values))}")
            else:
                parts.append(f"{key} in [{', '.join(sorted(values))}]")
        return ", ".join(parts) or "every node"


EVERYTHING = TagMatch(())


def tag_values(value: Any) -> tuple[str, ...]:
    """A tag's value as strings: Hamilton's tags are strings or lists of strings."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(str(v) for v in value)
    return (str(value),)


@dataclass(frozen=True)
class Policy:
    """One `[[tool.livedag.policies]]` entry."""

    name: str
    kind: PolicyKind
    severity: Severity = Severity.ERROR
    message: str = ""
    # must_not_reach
    source: TagMatch = EVERYTHING  # `from`
    target: TagMatch = EVERYTHING  # `must_not_reach`
    unless_through: TagMatch | None = None
    # require_tags / allowed_values
    applies_to: TagMatch = EVERYTHING  # `for`
    required: tuple[str, ...] = ()
    allowed: tuple[tuple[str, frozenset[str]], ...] = ()

    def describe(self) -> str:
        """What the policy says, in one line (hover, reports)."""
        if self.kind is PolicyKind.MUST_NOT_REACH:
            text = f"{self.source} must not reach {self.target}"
            if self.unless_through is not None:
                text += f" unless through {self.unless_through}"
            return text
        if self.kind is PolicyKind.REQUIRE_TAGS:
            return f"{self.applies_to} must carry {', '.join(self.required)}"
        allowed = "; ".join(f"{k} in [{', '.join(sorted(v))}]" for k, v in self.allowed)
        return f"{self.applies_to}: {allowed}"


KNOWN_KEYS = {
    "name",
    "message",
    "severity",
    "from",
    "for",
    "must_not_reach",
    "unless_through",
    "require_tags",
    "allowed_values",
}
EXAMPLE = (
    '[[tool.livedag.policies]] name = "pii-stays-internal", from = { PII = "true" }, '
    'must_not_reach = { visibility = "public" }'
)


def parse_policies(value: Any, where: str) -> tuple[Policy, ...]:
    """The `policies` array of `[tool.livedag]` (`where` names it in errors)."""
    if isinstance(value, Mapping) or isinstance(value, str) or not isinstance(value, Sequence):
        raise ProjectConfigError(
            f"{where}: expected an array of tables, one per policy ({EXAMPLE}); got "
            f"{type(value).__name__} {value!r}"
        )
    policies: list[Policy] = []
    seen: set[str] = set()
    for index, body in enumerate(value):
        policy = _policy(body, f"{where}[{index}]")
        if policy.name in seen:
            raise ProjectConfigError(
                f"{where}[{index}] name: a policy named {policy.name!r} is declared twice; "
                "names must be unique (they are how messages and reports refer to a policy)"
            )
        seen.add(policy.name)
        policies.append(policy)
    return tuple(policies)


def _policy(body: Any, where: str) -> Policy:
    if not isinstance(body, Mapping):
        raise ProjectConfigError(f"{where}: expected a table ({EXAMPLE}), got {body!r}")
    unknown = sorted(set(body) - KNOWN_KEYS)
    if unknown:
        raise ProjectConfigError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"expected {', '.join(sorted(KNOWN_KEYS))}"
        )
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProjectConfigError(
            f'{where} name: every policy needs a name, e.g. name = "pii-stays-internal"'
        )
    where = f"{where} ({name})"
    kinds = [kind for kind in PolicyKind if kind.value in body]
    if len(kinds) != 1:
        said = f"it has {', '.join(k.value for k in kinds)}" if kinds else "it has none"
        raise ProjectConfigError(
            f"{where}: a policy says exactly one of must_not_reach, require_tags, "
            f"allowed_values; {said}"
        )
    kind = kinds[0]
    message = body.get("message", "")
    if not isinstance(message, str):
        raise ProjectConfigError(f"{where} message: expected a string, got {message!r}")
    severity = parse_severity(body.get("severity", Severity.ERROR.value), f"{where} severity")
    common: dict[str, Any] = {"name": name, "kind": kind, "severity": severity, "message": message}
    if kind is PolicyKind.MUST_NOT_REACH:
        for wrong in ("for", "require_tags", "allowed_values"):
            if wrong in body:
                raise ProjectConfigError(
                    f"{where} {wrong}: not used by must_not_reach; say where paths start with "
                    '`from = { PII = "true" }`'
                )
        if "from" not in body:
            raise ProjectConfigError(
                f"{where}: must_not_reach needs `from`, the nodes paths start at, "
                'e.g. from = { PII = "true" }'
            )
        through = body.get("unless_through")
        return Policy(
            **common,
            source=_match(body["from"], f"{where} from"),
            target=_match(body["must_not_reach"], f"{where} must_not_reach"),
            unless_through=None if through is None else _match(through, f"{where} unless_through"),
        )
    for wrong in ("from", "unless_through"):
        if wrong in body:
            raise ProjectConfigError(
                f"{where} {wrong}: only must_not_reach policies use it; {kind.value} applies to "
                'the nodes of `for = { artifact = "*" }`'
            )
    applies_to = _match(body["for"], f"{where} for") if "for" in body else EVERYTHING
    if kind is PolicyKind.REQUIRE_TAGS:
        required = body["require_tags"]
        if (
            isinstance(required, str)
            or not isinstance(required, Sequence)
            or not required
            or not all(isinstance(k, str) and k for k in required)
        ):
            raise ProjectConfigError(
                f'{where} require_tags: expected a list of tag keys such as ["owner"], '
                f"got {required!r}"
            )
        return Policy(**common, applies_to=applies_to, required=tuple(required))
    allowed = body["allowed_values"]
    if not isinstance(allowed, Mapping) or not allowed:
        raise ProjectConfigError(
            f"{where} allowed_values: expected a table of tag key -> list of values, such as "
            f'{{ visibility = ["public", "internal"] }}; got {allowed!r}'
        )
    pairs = []
    for key, values in allowed.items():
        if (
            isinstance(values, str)
            or not isinstance(values, Sequence)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise ProjectConfigError(
                f"{where} allowed_values.{key}: expected a list of strings such as "
                f'["public", "internal"]; got {values!r}'
            )
        pairs.append((str(key), frozenset(values)))
    return Policy(**common, applies_to=applies_to, allowed=tuple(pairs))


def _match(value: Any, where: str) -> TagMatch:
    if not isinstance(value, Mapping) or not value:
        raise ProjectConfigError(
            f'{where}: expected a table of tags such as {{ PII = "true" }} (a value may be "*" '
            f"for any value, or a list of values); got {value!r}"
        )
    wanted: list[tuple[str, frozenset[str] | None]] = []
    for key, expected in value.items():
        if expected == ANY:
            wanted.append((str(key), None))
        elif isinstance(expected, str):
            wanted.append((str(key), frozenset({expected})))
        elif (
            isinstance(expected, Sequence)
            and expected
            and all(isinstance(v, str) and v != ANY for v in expected)
        ):
            wanted.append((str(key), frozenset(expected)))
        else:
            hint = (
                f' (tags are strings: write {key} = "{str(expected).lower()}")'
                if isinstance(expected, bool)
                else ""
            )
            raise ProjectConfigError(
                f'{where}.{key}: expected a string, "*" or a list of strings; got '
                f"{expected!r}{hint}"
            )
    return TagMatch(tuple(wanted))


def finding_message(policy: Policy, said: str, hint: str) -> str:
    """A finding's message: the policy's name, what was found, and the policy's own message (or
    a hint when it has none)."""
    return f"policy {policy.name}: {said}; {policy.message or hint}"
