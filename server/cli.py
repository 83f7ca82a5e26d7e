"""The `livedag` command: graph, lint and lineage from source text, and the language server.

Nothing here imports or runs the user's code: every answer comes from the static analyzer.  Exit
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

    graph = commands.add_parser("graph", help="print the dataflow of the given modules")
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
    _add_config(lint)
    lint.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    lint.set_defaults(run=run_lint)

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
        "--reaching", metavar="TAG", help="for each, the downstream nodes carrying tag TAG"
    )
    for sub in (up, down, path, tagged):
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
    except (UsageError, ProjectConfigError, lineage.UnknownNode) as exc:
        print(f"livedag {args.command}: {exc}", file=sys.stderr)
        return 2


# --- commands ------------------------------------------------------------------------------------


def _single(args: argparse.Namespace) -> Any:
    from .workspace import build_single_dataflow

    built = build_single_dataflow(
        _existing(args.paths), parse_config(args.config), resolve_imports=args.resolve_imports
    )
    _refuse_unreadable(built.unreadable)
    return built


def _refuse_unreadable(unreadable: dict[Path, str] | Any) -> None:
    if unreadable:
        path, reason = next(iter(sorted(unreadable.items())))
        more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
        raise UsageError(f"cannot read {path}: {reason}{more}")


def run_graph(args: argparse.Namespace) -> int:
    from .output import graph as fmt

    built = _single(args)
    if args.format == "dot":
        sys.stdout.write(fmt.to_dot(built.graph))
    elif args.format == "mermaid":
        sys.stdout.write(fmt.to_mermaid(built.graph))
    else:
        json.dump(fmt.graph_json(built.graph, built.problems), sys.stdout, indent=2)
        sys.stdout.write("\n")
    return 0


def run_lint(args: argparse.Namespace) -> int:
    from .output import graph as graph_fmt
    from .output import problems as fmt
    from .output.sarif import to_sarif
    from .workspace import Workspace

    paths = _existing(args.paths)
    workspace = Workspace(paths, config_override=parse_config(args.config) or None)
    snapshot = workspace.index()
    _refuse_unreadable(workspace.unreadable)
    if args.resolve_imports != "none":
        wanted = None if args.resolve_imports == "all" else workspace.external_decorator_names()
        if wanted is None or wanted:
            snapshot = workspace.resolve_external_names(wanted) or snapshot
    project = workspace.project
    select = frozenset(parse_codes(args.select, "--select")) if args.select else project.select
    ignore = project.ignore | frozenset(parse_codes(args.ignore or (), "--ignore"))
    threshold = parse_severity(args.severity, "--severity") if args.severity else project.severity
    found = [
        p
        for p in snapshot.all_problems()
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

    built = _single(args)
    graph = built.graph
    result: dict[str, Any]
    lines: list[str]
    if args.question in ("upstream", "downstream"):
        ask = lineage.upstream if args.question == "upstream" else lineage.downstream
        names = ask(graph, args.node, args.depth)
        result, lines = {}, names
    elif args.question == "path":
        found = lineage.paths(graph, args.source, args.target)
        names = sorted({n for p in found for n in p})
        result = {"paths": found}
        lines = [" -> ".join(p) for p in found]
        if not found:
            print(f"no path from {args.source!r} down to {args.target!r}", file=sys.stderr)
    else:
        match = _tag(args.tag)
        if args.reaching:
            answers = lineage.reaching(graph, match, _tag(args.reaching))
            names = sorted({a.node for a in answers} | {n for a in answers for n in a.reaches})
            result = {
                "answers": [
                    {"node": a.node, "reaches": list(a.reaches), "owners": list(a.owners)}
                    for a in answers
                ]
            }
            lines = [_reach_line(graph, a, args.reaching) for a in answers]
        else:
            names = lineage.tagged(graph, match)
            result, lines = {}, names
    if args.format == "json":
        document = {"nodes": [node_json(graph.nodes[n]) for n in names], **result}
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


def _tag(text: str) -> lineage.TagMatch:
    try:
        return lineage.TagMatch.parse(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _reach_line(graph: Any, answer: lineage.Reach, tag: str) -> str:
    key = lineage.TagMatch.parse(tag).key
    shown = []
    for name in answer.reaches:
        value = graph.nodes[name].user_tags.get(key)
        shown.append(name if value in (None, name) else f"{name} ({key}={value})")
    owners = f"; owners: {', '.join(answer.owners)}" if answer.owners else ""
    return f"{answer.node} -> {', '.join(shown) or 'nothing'}{owners}"


def run_serve(args: argparse.Namespace) -> int:
    from livedag.server.lsp.server import main as serve

    return int(serve(list(args.server_args)) or 0)


if __name__ == "__main__":
    sys.exit(main())
