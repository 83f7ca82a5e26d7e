"""The `livedag` command: dataflows, graph, lint and lineage from source text, and the server.

Nothing here imports or runs the user's code: every answer comes from the static analyzer, over
the dataflows `lint` and the editor see (`selection.py` says which one a command works on).  Exit
status: 0 done, 1 `lint` found problems at or above the threshold, 2 the command could not do what
was asked (bad arguments, unreadable files, bad `[tool.livedag]`), with a one-line reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from livedag.engine.specs import Severity

from . import lineage
from .project import SEVERITY_ORDER, ProjectConfigError, parse_codes, parse_severity
from .selection import ALL, NamedDataflow, Scope, SelectionError, open_scope


class UsageError(Exception):
    """The command cannot run as asked; the message says what to change."""


def _version() -> str:
    try:
        return version("livedag")
    except PackageNotFoundError:
        return "unknown"


# --- arguments -----------------------------------------------------------------------------------


def parse_config(items: Sequence[str] | None) -> dict[str, Any]:
    """`KEY=VALUE` pairs; VALUE is JSON when it parses as JSON (`true`, `3`), else a string."""
    config: dict[str, Any] = {}
    for item in items or ():
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--config expects KEY=VALUE, got {item!r}")
        try:
            config[key] = json.loads(raw)
        except ValueError:
            config[key] = raw
    return config


def _existing(paths: Sequence[str]) -> list[Path]:
    out = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"cannot read {raw}: no such file or directory")
        if path.is_file() and path.suffix != ".py":
            raise UsageError(f"{raw} is not a Python file; give .py files or folders")
        out.append(path)
    return out


def _add_dataflow(parser: argparse.ArgumentParser, extra: str = "") -> None:
    parser.add_argument(
        "--dataflow",
        metavar="NAME",
        help="the dataflow to work on, as `livedag dataflows` names it: a [tool.livedag] name, "
        "a driver script's path (path:line when it builds several) or a module" + extra,
    )


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        action="append",
        metavar="KEY=VALUE",
        help="config the dataflow is built with (VALUE read as JSON when it parses); repeatable",
    )
    parser.add_argument(
        "--resolve-imports",
        choices=["decorators", "all", "none"],
        default="decorators",
        help="ask jedi what names imported from installed packages are: only those used as "
        "decorators (default; they shape the graph), all (types too: slower), or none",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livedag",
        description="Live lineage for Hamilton-style dataflows, read from source, never run.",
    )
    parser.add_argument("--version", action="version", version=f"livedag {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    graph = commands.add_parser("graph", help="print one dataflow of the given paths")
    _add_dataflow(graph, "; `all` prints each")
    _add_config(graph)
    graph.add_argument("--format", choices=["json", "dot", "mermaid"], default="json")
    graph.add_argument("paths", nargs="+", metavar="PATH", help="Python files or folders")
    graph.set_defaults(run=run_graph)

    lint = commands.add_parser("lint", help="report every LD problem; exit 1 if any")
    lint.add_argument("--format", choices=["text", "json", "sarif", "github"], default="text")
    lint.add_argument("--select", action="append", metavar="CODES", help="only these codes")
    lint.add_argument("--ignore", action="append", metavar="CODES", help="never these codes")
    lint.add_argument(
        "--severity",
        choices=[s.value for s in Severity],
        help="report and fail at or above this (default: [tool.livedag] severity, else warning)",
    )
    _add_dataflow(lint, " (default: every file under PATH)")
    _add_config(lint)
    lint.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    lint.set_defaults(run=run_lint)

    flows = commands.add_parser(
        "dataflows", help="list the dataflows of the given paths, with modules, config, drivers"
    )
    flows.add_argument("--format", choices=["text", "json"], default="text")
    _add_config(flows)
    flows.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    flows.set_defaults(run=run_dataflows)

    ask = commands.add_parser("lineage", help="lineage questions over the static graph")
    questions = ask.add_subparsers(dest="question", metavar="QUESTION", required=True)
    up = questions.add_parser("upstream", help="everything NODE depends on")
    up.add_argument("node", metavar="NODE")
    down = questions.add_parser("downstream", help="everything that depends on NODE")
    down.add_argument("node", metavar="NODE")
    for sub in (up, down):
        sub.add_argument("--depth", type=int, help="at most this many steps away")
    path = questions.add_parser("path", help="the paths from FROM down to TO")
    path.add_argument("source", metavar="FROM")
    path.add_argument("target", metavar="TO")
    tagged = questions.add_parser(
        "tagged", help="nodes tagged KEY=VALUE (and which TAG-tagged nodes they reach)"
    )
    tagged.add_argument("tag", metavar="KEY=VALUE")
    tagged.add_argument(
        "--reaching",
        metavar="TAG",
        help="for each, the downstream nodes carrying tag TAG (KEY=VALUE or KEY) and their owners",
    )
    for sub in (up, down, path, tagged):
        _add_dataflow(sub, " (default: the one dataflow that has the node)")
        _add_config(sub)
        sub.add_argument("--format", choices=["text", "json"], default="text")
        sub.add_argument("paths", nargs="*", default=["."], metavar="PATH")
        sub.set_defaults(run=run_lineage)

    serve = commands.add_parser("serve", help="run the language server over stdio")
    serve.add_argument("server_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    serve.set_defaults(run=run_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:  # every further argument is the language server's own
        return run_serve(argparse.Namespace(server_args=argv[1:]))
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # argparse gives a `PATH...` list nothing when an option sits between it and the question's
    # own positionals (`tagged PII=true --reaching artifact examples/`); the paths come back here.
    if extra and hasattr(args, "paths") and not any(e.startswith("-") for e in extra):
        args.paths = extra if args.paths == ["."] else [*args.paths, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:
        parser.print_help()
        return 0
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except (
        UsageError,
        ProjectConfigError,
        SelectionError,
        lineage.UnknownNode,
        lineage.BadQuestion,
    ) as exc:
        print(f"livedag {args.command}: {exc}", file=sys.stderr)
        return 2


# --- commands ------------------------------------------------------------------------------------


def _scope(args: argparse.Namespace) -> Scope:
    """The workspace of the command's paths, read as `lint` reads it."""
    scope = open_scope(
        _existing(args.paths), parse_config(args.config), resolve_imports=args.resolve_imports
    )
    _refuse_unreadable(scope.workspace.unreadable)
    return scope


def _refuse_unreadable(unreadable: dict[Path, str] | Any) -> None:
    if unreadable:
        path, reason = next(iter(sorted(unreadable.items())))
        more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
        raise UsageError(f"cannot read {path}: {reason}{more}")


def run_graph(args: argparse.Namespace) -> int:
    from .output import graph as fmt

    scope = _scope(args)
    every = args.dataflow == ALL
    flows = scope.pick(args.dataflow, allow_all=True)
    if not flows:
        raise UsageError(scope.no_dataflow())
    if len(flows) > 1 and not every:
        raise UsageError(scope.ambiguous(flows, "graph"))
    if args.format in ("dot", "mermaid"):
        draw = fmt.to_dot if args.format == "dot" else fmt.to_mermaid
        comment = "//" if args.format == "dot" else "%%"
        pictures = [
            (f"{comment} dataflow: {flow.name}\n" if every else "") + draw(flow.view.graph)
            for flow in flows
        ]
        sys.stdout.write("\n".join(pictures))
        return 0
    documents = [
        {"dataflow": flow.name, **fmt.graph_json(flow.view.graph, scope.problems_of(flow))}
        for flow in flows
    ]
    json.dump({"dataflows": documents} if every else documents[0], sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def run_dataflows(args: argparse.Namespace) -> int:
    """`livedag dataflows`: what every other command can be pointed at with --dataflow."""
    from .output.dataflows import to_json, to_text

    scope = _scope(args)
    listed = [(flow, scope.problems_of(flow)) for flow in scope.dataflows]
    if args.format == "json":
        sys.stdout.write(to_json(listed, scope.root))
    else:
        sys.stdout.write(to_text(listed, scope.root))
        if not listed:
            print(scope.no_dataflow(), file=sys.stderr)
    return 0


def run_lint(args: argparse.Namespace) -> int:
    from .output import graph as graph_fmt
    from .output import problems as fmt
    from .output.sarif import to_sarif

    scope = _scope(args)
    snapshot = scope.snapshot
    project = scope.workspace.project
    select = frozenset(parse_codes(args.select, "--select")) if args.select else project.select
    ignore = project.ignore | frozenset(parse_codes(args.ignore or (), "--ignore"))
    threshold = parse_severity(args.severity, "--severity") if args.severity else project.severity
    if args.dataflow is None:
        problems = [p for path in scope.files() for p in snapshot.problems_for(path)]
    else:
        problems = [p for flow in scope.pick(args.dataflow) for p in scope.problems_of(flow)]
    found = [
        p
        for p in problems
        if (select is None or p.code in select)
        and p.code not in ignore
        and SEVERITY_ORDER[p.severity] >= SEVERITY_ORDER[threshold]
    ]
    found.sort(key=graph_fmt.problem_order)
    if args.format == "json":
        sys.stdout.write(fmt.to_json(found))
    elif args.format == "sarif":
        sys.stdout.write(to_sarif(found, version=_version()))
    elif args.format == "github":
        sys.stdout.write(fmt.to_github(found))
    else:
        sys.stdout.write(fmt.to_text(found))
        print(fmt.summary(found), file=sys.stderr)
    return 1 if found else 0


def run_lineage(args: argparse.Namespace) -> int:
    from .output.graph import node_json

    question = lineage.Question.make(
        args.question,
        node=getattr(args, "node", None) or getattr(args, "source", None),
        target=getattr(args, "target", None),
        depth=getattr(args, "depth", None),
        tag=getattr(args, "tag", None),
        reaching=getattr(args, "reaching", None),
    )
    scope = _scope(args)
    flow = _lineage_dataflow(scope, args.dataflow, question)
    graph = flow.view.graph
    found = lineage.answer(graph, question)
    if args.format == "json":
        document = {"dataflow": flow.name, **found.json(lambda n: node_json(graph.nodes[n]))}
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if found.paths is not None:
        lines = [" -> ".join(p) for p in found.paths]
        if not found.paths:
            print(f"no path from {question.node!r} down to {question.target!r}", file=sys.stderr)
    elif found.answers is not None and question.reaching is not None:
        lines = [_reach_line(graph, a, question.reaching) for a in found.answers]
    elif found.answers is not None:
        lines = [a.node for a in found.answers]
    else:
        lines = list(found.nodes)
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


def _lineage_dataflow(scope: Scope, name: str | None, question: lineage.Question) -> NamedDataflow:
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
    raise lineage.UnknownNode(missing, close[:3])


def _reach_line(graph: Any, answer: lineage.Reach, tag: lineage.TagMatch) -> str:
    shown = []
    for name in answer.reaches:
        value = graph.nodes[name].user_tags.get(tag.key)
        shown.append(name if value in (None, name) else f"{name} ({tag.key}={value})")
    owners = f"; owners: {', '.join(answer.owners)}" if answer.owners else ""
    return f"{answer.node} -> {', '.join(shown) or 'nothing'}{owners}"


def run_serve(args: argparse.Namespace) -> int:
    from livedag.server.lsp.server import main as serve

    return int(serve(list(args.server_args)) or 0)


if __name__ == "__main__":
    sys.exit(main())
