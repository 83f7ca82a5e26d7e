"""The four lineage questions over a static dataflow, answered the same way for every front door.

`livedag lineage` and the language server's `livedag/lineage` request both ask these; the graph
walking itself is the Dataflow's (`upstream_of`, `downstream_of`, `paths_between`, `tagged`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from livedag.engine.dataflow import Dataflow


class UnknownNode(LookupError):
    """A question named a node the dataflow does not have; the message suggests close names."""

    def __init__(self, name: str, suggestions: list[str]):
        hint = (
            "; did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
            if suggestions
            else "; `livedag graph` lists every node"
        )
        super().__init__(f"no node named {name!r} in this dataflow{hint}")
        self.name = name
        self.suggestions = suggestions


@dataclass(frozen=True)
class TagMatch:
    """`key=value`, or just `key` (any value); list-valued tags match when they contain it."""

    key: str
    value: str | None = None

    @classmethod
    def parse(cls, text: str) -> TagMatch:
        key, sep, value = text.partition("=")
        if not key.strip():
            raise ValueError(f"{text!r} is not a tag: write KEY=VALUE (or KEY for any value)")
        return cls(key.strip(), value.strip() if sep else None)

    def __call__(self, tags: Mapping[str, Any]) -> bool:
        if self.key not in tags:
            return False
        if self.value is None:
            return True
        found = tags[self.key]
        if isinstance(found, list | tuple | set | frozenset):
            return self.value in {str(v) for v in found}
        return str(found) == self.value


@dataclass(frozen=True)
class Reach:
    """A tagged node, the nodes carrying the other tag that it feeds, and their owners."""

    node: str
    reaches: tuple[str, ...]
    owners: tuple[str, ...]


def require(dataflow: Dataflow, *names: str) -> None:
    """Raise UnknownNode for the first name the dataflow does not have."""
    for name in names:
        if dataflow.node(name) is None:
            raise UnknownNode(name, dataflow.closest_names(name))


def upstream(dataflow: Dataflow, node: str, depth: int | None = None) -> list[str]:
    require(dataflow, node)
    return sorted(dataflow.upstream_of(node, depth=depth))


def downstream(dataflow: Dataflow, node: str, depth: int | None = None) -> list[str]:
    require(dataflow, node)
    return sorted(dataflow.downstream_of(node, depth=depth))


def paths(dataflow: Dataflow, source: str, target: str) -> list[list[str]]:
    require(dataflow, source, target)
    return dataflow.paths_between(source, target)


def tagged(dataflow: Dataflow, match: TagMatch) -> list[str]:
    return sorted(spec.name for spec in dataflow.tagged(match))


def reaching(dataflow: Dataflow, match: TagMatch, target: TagMatch) -> list[Reach]:
    """For each node tagged `match`: the downstream nodes tagged `target`, with their owners."""
    out = []
    for name in tagged(dataflow, match):
        reached = sorted(
            n for n in dataflow.downstream_of(name) if target(dataflow.nodes[n].user_tags)
        )
        owners = sorted(
            {str(o) for n in reached for o in _as_list(dataflow.nodes[n].user_tags.get("owner"))}
        )
        out.append(Reach(name, tuple(reached), tuple(owners)))
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
