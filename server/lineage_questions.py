"""The lineage questions, asked and answered one way for every front door.

`livedag lineage` and the language server's `livedag/lineage` request both build a `Question`
from what they were given and call `answer`; only the JSON shape of a node differs between them
(each surface has its own).  The graph walking is the Dataflow's, or a memoised index of it (the
server's `GraphIndex`) that answers the same.

Meanings, fixed here once:

- a tag filter `KEY=VALUE` matches as Hamilton's `list_available_variables(tag_filter=...)` does:
  a node whose tag KEY equals VALUE, or whose list-valued tag KEY contains it; `KEY` alone
  matches any value;
- `tagged` lists every node the filter matches and, for each, the nodes it `reaches`: every node
  downstream of it, transitively, that carries the `reaching` tag (every node downstream when
  there is no `reaching` filter);
- `owners` are the `owner` tags of the nodes reached (list-valued owners count each value), not
  the tagged node's own: they are the people a change to it lands on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from livedag.engine.dataflow import Dataflow

QUESTIONS = ("upstream", "downstream", "path", "tagged")
OWNER_TAG = "owner"


class UnknownNode(LookupError):
    """A question named a node the dataflow does not have; the message suggests close names."""

    def __init__(self, name: str, suggestions: list[str]):
        hint = (
            "; did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
            if suggestions
            else ""
        )
        super().__init__(f"no node named {name!r} in this dataflow{hint}")
        self.name = name
        self.suggestions = suggestions


class BadQuestion(ValueError):
    """The question is malformed (a missing node, a negative depth); the message says how."""


@dataclass(frozen=True)
class TagMatch:
    """`KEY=VALUE`, or just `KEY` (any value); a list-valued tag matches when it holds VALUE."""

    key: str
    value: str | None = None

    @classmethod
    def parse(cls, text: str) -> TagMatch:
        key, sep, value = text.partition("=")
        if not key.strip():
            raise BadQuestion(f"{text!r} is not a tag: write KEY=VALUE (or KEY for any value)")
        return cls(key.strip(), value.strip() if sep else None)

    def __call__(self, tags: Mapping[str, Any]) -> bool:
        if self.key not in tags:
            return False
        if self.value is None:
            return True
        return self.value in tag_values(tags[self.key])

    def __str__(self) -> str:
        return self.key if self.value is None else f"{self.key}={self.value}"


def tag_values(value: Any) -> list[str]:
    """A tag's values as text: one for a plain tag, each item of a list-valued one."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value]
    return [str(value)]


@dataclass(frozen=True)
class Question:
    """One lineage question, checked for shape (not yet against a graph)."""

    kind: str
    node: str | None = None
    target: str | None = None
    depth: int | None = None
    tag: TagMatch | None = None
    reaching: TagMatch | None = None

    @classmethod
    def make(
        cls,
        kind: str,
        *,
        node: str | None = None,
        target: str | None = None,
        depth: int | None = None,
        tag: str | None = None,
        reaching: str | None = None,
    ) -> Question:
        """The question as the surfaces receive it (tags as `KEY=VALUE` text)."""
        if kind not in QUESTIONS:
            raise BadQuestion(f"the question must be one of {', '.join(QUESTIONS)}, not {kind!r}")
        if depth is not None and depth < 0:
            raise BadQuestion(f"depth must be 0 or more (steps away from the node), not {depth}")
        if kind in ("upstream", "downstream", "path") and not node:
            raise BadQuestion(f"{kind} needs the name of a node")
        if kind == "path" and not target:
            raise BadQuestion("path needs two nodes: FROM and TO")
        if kind == "tagged" and not tag:
            raise BadQuestion("tagged needs a tag: KEY=VALUE (or KEY for any value)")
        return cls(
            kind,
            node=node,
            target=target,
            depth=depth,
            tag=TagMatch.parse(tag) if tag else None,
            reaching=TagMatch.parse(reaching) if reaching else None,
        )

    @property
    def nodes_named(self) -> tuple[str, ...]:
        """The node names the question is about (a dataflow must have them to answer it)."""
        return tuple(n for n in (self.node, self.target) if n)


@dataclass(frozen=True)
class Reach:
    """A tagged node, the nodes it reaches, and the owners of those."""

    node: str
    reaches: tuple[str, ...]
    owners: tuple[str, ...]

    def json(self) -> dict[str, Any]:
        return {"node": self.node, "reaches": list(self.reaches), "owners": list(self.owners)}


@dataclass(frozen=True)
class Answer:
    """What a question found: `nodes` (sorted) are the nodes the answer is about."""

    question: Question
    nodes: tuple[str, ...]
    paths: tuple[tuple[str, ...], ...] | None = None
    answers: tuple[Reach, ...] | None = None

    def json(self, node_json: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        """`{"nodes": [...], "paths"?: [...], "answers"?: [...]}` with each surface's nodes."""
        out: dict[str, Any] = {"nodes": [node_json(n) for n in self.nodes]}
        if self.paths is not None:
            out["paths"] = [list(p) for p in self.paths]
        if self.answers is not None:
            out["answers"] = [a.json() for a in self.answers]
        return out


class Closures(Protocol):
    """Every node upstream or downstream of one node (the Dataflow's walks, or an index)."""

    def upstream(self, name: str) -> Iterable[str]: ...
    def downstream(self, name: str) -> Iterable[str]: ...


class _Walks:
    """`Closures` by walking the graph each time (the command asks one question per run)."""

    def __init__(self, dataflow: Dataflow) -> None:
        self._dataflow = dataflow

    def upstream(self, name: str) -> Iterable[str]:
        return self._dataflow.upstream_of(name)

    def downstream(self, name: str) -> Iterable[str]:
        return self._dataflow.downstream_of(name)


def require(dataflow: Dataflow, *names: str) -> None:
    """Raise UnknownNode for the first name the dataflow does not have."""
    for name in names:
        if dataflow.node(name) is None:
            raise UnknownNode(name, dataflow.closest_names(name))


def answer(dataflow: Dataflow, question: Question, closures: Closures | None = None) -> Answer:
    """Answer `question` about `dataflow`; `closures` may be a memoised index of the same graph."""
    walks = closures or _Walks(dataflow)
    require(dataflow, *question.nodes_named)
    if question.kind in ("upstream", "downstream"):
        assert question.node is not None
        up = question.kind == "upstream"
        if question.depth is None:
            found = walks.upstream(question.node) if up else walks.downstream(question.node)
        elif up:
            found = dataflow.upstream_of(question.node, depth=question.depth)
        else:
            found = dataflow.downstream_of(question.node, depth=question.depth)
        return Answer(question, tuple(sorted(found)))
    if question.kind == "path":
        assert question.node is not None and question.target is not None
        paths = dataflow.paths_between(question.node, question.target)
        return Answer(
            question, tuple(sorted({n for p in paths for n in p})), tuple(map(tuple, paths))
        )
    assert question.tag is not None
    reaches = _reaches(dataflow, walks, tagged(dataflow, question.tag), question.reaching)
    shown = {r.node for r in reaches}
    if question.reaching is not None:
        shown.update(n for r in reaches for n in r.reaches)
    return Answer(question, tuple(sorted(shown)), answers=tuple(reaches))


def tagged(dataflow: Dataflow, match: TagMatch) -> list[str]:
    """Names of the nodes whose user tags `match`, sorted."""
    found = []
    for name, node in dataflow.nodes.items():
        # user tags are a subset of tags: most nodes stop at the cheap check
        if match.key in node.tags and match(node.user_tags):
            found.append(name)
    return sorted(found)


def _reaches(
    dataflow: Dataflow, walks: Closures, names: Iterable[str], target: TagMatch | None
) -> list[Reach]:
    """Each tagged node's reach.  Who carries the target tag and who owns what is found once,
    so each node costs set operations on its descendants (a `tagged owner` over thousands of
    nodes reaches millions of names)."""
    carriers = None if target is None else set(tagged(dataflow, target))
    owned_by: dict[str, set[str]] = {}
    for name, node in dataflow.nodes.items():
        if OWNER_TAG in node.tags:
            for owner in tag_values(node.user_tags.get(OWNER_TAG)):
                owned_by.setdefault(owner, set()).add(name)
    out = []
    for name in names:
        below = walks.downstream(name)
        reached = sorted(below if carriers is None else carriers.intersection(below))
        within = set(reached)
        owners = sorted(o for o, holders in owned_by.items() if not holders.isdisjoint(within))
        out.append(Reach(name, tuple(reached), tuple(owners)))
    return out
