"""`livedag lineage`: a lineage question (`lineage_questions.Question`) asked of one dataflow of
the paths.

The answer is `lineage_questions.answer`'s, as the language server's; this module only finds the
dataflow to ask, prints the answer, and says what went wrong, or why an answer is empty, in
words that lead somewhere ("did you mean", "the path runs the other way").
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import lineage_questions
from .console import UsageError, note, out, out_json, scope_of

if TYPE_CHECKING:
    from livedag.engine.dataflow import Dataflow

    from .selection import NamedDataflow, Scope


def run(args: argparse.Namespace) -> int:
    from .cli import warn_missing
    from .output.graph import node_json

    question = lineage_questions.Question.make(
        args.question,
        node=getattr(args, "node", None) or getattr(args, "source", None),
        target=getattr(args, "target", None),
        depth=getattr(args, "depth", None),
        tag=getattr(args, "tag", None),
        reaching=getattr(args, "reaching", None),
    )
    scope = scope_of(args)
    flow = _dataflow(scope, args.dataflow, question)
    warn_missing(scope, flow, "lineage")
    graph = flow.view.graph
    try:
        found = lineage_questions.answer(graph, question)
    except lineage_questions.UnknownNode as exc:
        raise UsageError(_unknown(exc, f"dataflow {flow.name}")) from None
    if args.format == "json":
        out_json({"dataflow": flow.name, **found.json(lambda n: node_json(graph.nodes[n]))})
        return 0
    if found.paths is not None:
        lines = [" -> ".join(p) for p in found.paths]
    elif found.answers is not None and question.reaching is not None:
        lines = [_reach_line(graph, a, question.reaching) for a in found.answers]
    elif found.answers is not None:
        lines = [a.node for a in found.answers]
    else:
        lines = list(found.nodes)
    out("".join(line + "\n" for line in lines))
    if not lines:
        note(f"livedag lineage: {_nothing(graph, question)}")
    return 0


def _dataflow(
    scope: Scope, name: str | None, question: lineage_questions.Question
) -> NamedDataflow:
    """The dataflow to ask: the one picked, else the only one of the paths, else the only one
    that has the question's nodes (a lineage question names its node, which says where it is)."""
    flows = scope.pick(name)
    if not flows:
        raise UsageError(scope.no_dataflow())
    asked = question.nodes_named
    if len(flows) == 1 or not asked:
        return scope.one(name, "lineage")
    having = [f for f in flows if all(f.view.graph.node(n) is not None for n in asked)]
    if len(having) == 1:
        return having[0]
    if having:
        raise UsageError(scope.ambiguous(having, "lineage"))
    missing = next(n for n in asked if not any(f.view.graph.node(n) for f in flows))
    close = sorted({c for f in flows for c in f.view.graph.closest_names(missing)})
    where = f"any of the {len(flows)} dataflows in {scope.shown_paths}"
    raise UsageError(_unknown(lineage_questions.UnknownNode(missing, close[:3]), where))


def _unknown(exc: lineage_questions.UnknownNode, where: str) -> str:
    """ "no node named X in <where>", with the likeliest fix."""
    message = f"no node named {exc.name!r} in {where}"
    if Path(exc.name).exists():  # `lineage path a examples/`: the folder was read as TO
        return message + f"; {exc.name} is a path: give the question's nodes before the paths"
    if exc.suggestions:
        return message + "; did you mean " + " or ".join(map(repr, exc.suggestions)) + "?"
    return message + "; `livedag graph` lists the nodes"


def _nothing(graph: Dataflow, question: lineage_questions.Question) -> str:
    """Why the answer is empty, so that an empty output is not taken for a failure."""
    node = question.node
    if question.kind == "upstream":
        return f"{node!r} depends on nothing" + (
            "" if question.depth is None else f" within {question.depth} steps"
        )
    if question.kind == "downstream":
        return f"nothing depends on {node!r}" + (
            "" if question.depth is None else f" within {question.depth} steps"
        )
    if question.kind == "path":
        assert node is not None and question.target is not None
        back = " (it runs the other way: swap FROM and TO)"
        reverse = graph.paths_between(question.target, node, limit=1)
        return f"no path from {node!r} down to {question.target!r}" + (back if reverse else "")
    assert question.tag is not None
    return _no_tag(graph, question.tag)


def _no_tag(graph: Dataflow, tag: lineage_questions.TagMatch) -> str:
    """No node is tagged so: name the tag keys or values that do exist, when one is close."""
    values: dict[str, set[str]] = {}
    for node in graph.nodes.values():
        for key, value in node.user_tags.items():
            values.setdefault(key, set()).update(lineage_questions.tag_values(value))
    message = f"no node is tagged {tag}"
    if tag.key not in values:
        by_fold = {k.casefold(): k for k in values}
        close = [by_fold[k] for k in difflib.get_close_matches(tag.key.casefold(), by_fold, n=3)]
        if close:
            return message + "; did you mean the tag " + " or ".join(map(repr, close)) + "?"
        known = ", ".join(sorted(values)) or "none"
        return message + f"; the tags in this dataflow: {known}"
    shown = ", ".join(sorted(values[tag.key])[:10])
    return message + f"; the values of {tag.key} here: {shown}"


def _reach_line(
    graph: Any, answer: lineage_questions.Reach, tag: lineage_questions.TagMatch
) -> str:
    shown = []
    for name in answer.reaches:
        value = graph.nodes[name].user_tags.get(tag.key)
        shown.append(name if value in (None, name) else f"{name} ({tag.key}={value})")
    owners = f"; owners: {', '.join(answer.owners)}" if answer.owners else ""
    return f"{answer.node} -> {', '.join(shown) or 'nothing'}{owners}"
