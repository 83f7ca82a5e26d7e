"""The `livedag` command: dataflows, graph, lint and lineage from source text, and the server.

Nothing here imports or runs the user's code: every answer comes from the static analyzer, over
the dataflows `lint` and the editor see (`selection.py` says which one a command works on).  Exit
status: 0 done, 1 `lint` found problems at or above the threshold, 2 the command could not do what
was asked (bad arguments, unreadable files, nothing to read, bad `[tool.livedag]`), with a one-line
reason (`console.py`); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from livedag.engine.codes import Code
from livedag.engine.specs import Severity

from . import lineage_questions
from .console import (
    OneLineParser,
    UsageError,
    note,
    out,
    out_json,
    parse_config,
    scope_of,
)
from .project import SEVERITY_ORDER, ProjectConfigError, parse_codes, parse_severity
from .selection import ALL, NamedDataflow, Scope, SelectionError

__all__ = ["UsageError", "build_parser", "main", "parse_config"]


def _version() -> str:
    try:
        return version("livedag")
    except PackageNotFoundError:
        return "unknown"


# --- arguments -----------------------------------------------------------------------------------


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
        help="config laid over each dataflow's own (VALUE read as JSON when it parses); repeatable",
    )
    parser.add_argument(
        "--resolve-imports",
        choices=["decorators", "all", "none"],
        default="decorators",
        help="ask jedi what names imported from installed packages are: only those used as "
        "decorators (default; they shape the graph), all (types too: slower), or none",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the analysis cache (see `livedag cache info`)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="livedag",
        description="Live lineage for Hamilton-style dataflows, read from source, never run.",
    )
    parser.add_argument("--version", action="version", version=f"livedag {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    graph = commands.add_parser("graph", help="print one dataflow of the given paths")
    _add_dataflow(graph, "; `all` prints each")
    _add_config(graph)
    graph.add_argument(
        "--format",
        choices=["json", "dot", "mermaid", "html"],
        default="json",
        help="html: one self-contained interactive page (open it in a browser; see docs/lsp.md)",
    )
    graph.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
    )
    graph.add_argument("paths", nargs="*", default=["."], metavar="PATH")
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

    _add_diff(commands)

    report = commands.add_parser(
        "report",
        help="compliance report: per tagged source (PII, source system), what it reaches, "
        "which artifacts and owners, the policies in force",
    )
    report.add_argument("--format", choices=["markdown", "html", "json"], default="markdown")
    _add_dataflow(report, " (default: every dataflow of the paths)")
    _add_config(report)
    report.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    report.set_defaults(run=run_report)

    cache = commands.add_parser(
        "cache", help="the analysis cache that makes a second run on unchanged files quick"
    )
    cache.add_argument(
        "action",
        choices=["info", "clear"],
        help="info: where it is and how big; clear: remove every entry",
    )
    cache.add_argument("--format", choices=["text", "json"], default="text")
    cache.set_defaults(run=run_cache)

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
        command = f"livedag {args.command}" if args.command else "livedag"
        note(f"{command}: unrecognized arguments: {' '.join(extra)} (see `{command} --help`)")
        return 2
    if args.command is None:
        parser.print_help()
        return 0
    run: Callable[[argparse.Namespace], int] = args.run
    if getattr(args, "no_cache", False):
        from . import analysis_cache

        analysis_cache.set_enabled(False)
    try:
        return run(args)
    except (
        UsageError,
        ProjectConfigError,
        SelectionError,
        lineage_questions.UnknownNode,
        lineage_questions.BadQuestion,
    ) as exc:
        note(f"livedag {args.command}: {exc}")
        return 2
    except KeyboardInterrupt:
        note(f"livedag {args.command}: interrupted")
        return 130


# --- commands ------------------------------------------------------------------------------------


def run_graph(args: argparse.Namespace) -> int:
    from .output import graph as fmt

    scope = scope_of(args)
    every = args.dataflow == ALL
    flows = scope.pick(args.dataflow, allow_all=True)
    if not flows:
        raise UsageError(scope.no_dataflow())
    if len(flows) > 1 and not every:
        raise UsageError(scope.ambiguous(flows, "graph"))
    for flow in flows:
        warn_missing(scope, flow, "graph")
    if args.format == "html":
        if every:
            raise UsageError(
                "livedag graph --format html draws one dataflow; pick it with --dataflow "
                "(livedag dataflows lists them)"
            )
        from .output import graph_page

        flow = flows[0]
        document = graph_page.page_graph(flow.name, flow.view.graph, scope.problems_of(flow))
        try:
            text = graph_page.page_html(document)
        except graph_page.PageMissing as exc:
            raise UsageError(str(exc)) from None
        _answer(args, text, "open it in a browser")
        return 0
    if args.format in ("dot", "mermaid"):
        draw = fmt.to_dot if args.format == "dot" else fmt.to_mermaid
        comment = "//" if args.format == "dot" else "%%"
        pictures = [
            (f"{comment} dataflow: {flow.name}\n" if every else "") + draw(flow.view.graph)
            for flow in flows
        ]
        _answer(args, "\n".join(pictures))
        return 0
    from .policy_views import policies_json

    documents = [
        {
            "dataflow": flow.name,
            **fmt.graph_json(flow.view.graph, scope.problems_of(flow)),
            "policies": policies_json(flow.view.policies, flow.view.graph.nodes),
        }
        for flow in flows
    ]
    if args.output:
        _answer(args, json.dumps({"dataflows": documents} if every else documents[0], indent=2))
    else:
        out_json({"dataflows": documents} if every else documents[0])
    return 0


def _answer(args: argparse.Namespace, text: str, hint: str = "") -> None:
    """The command's answer: to --output FILE when given (and say so), else to stdout."""
    if not args.output:
        out(text if text.endswith("\n") else text + "\n")
        return
    try:
        with open(args.output, "w", encoding="utf-8") as stream:
            stream.write(text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    note(f"livedag graph: wrote {args.output}" + (f"; {hint}" if hint else ""))


def warn_missing(scope: Scope, flow: NamedDataflow, command: str) -> None:
    """Say so when a driver of `flow` names modules that were not read: their nodes are missing."""
    for script in scope.missing_for(flow):
        note(f"livedag {command}: {scope.not_found(script)}; {flow.name} lacks their nodes")


def run_dataflows(args: argparse.Namespace) -> int:
    """`livedag dataflows`: what every other command can be pointed at with --dataflow."""
    from .output.dataflows import to_json, to_text

    scope = scope_of(args)
    listed = [(flow, scope.problems_of(flow)) for flow in scope.dataflows]
    for flow in scope.dataflows:
        warn_missing(scope, flow, "dataflows")
    if args.format == "json":
        out(to_json(listed, scope.root))
    else:
        out(to_text(listed, scope.root))
    if not listed:
        note(f"livedag dataflows: {scope.no_dataflow()}")
    return 0


def run_lint(args: argparse.Namespace) -> int:
    from .lint_cache import lint_with_cache

    if args.no_cache:
        return _lint(args)[0]
    return lint_with_cache(args, _lint)


def _lint(args: argparse.Namespace) -> tuple[int, Scope]:
    """Lint as asked: the exit status, and the scope read (what the answer depends on)."""
    from .output import graph as graph_fmt
    from .output import problems as fmt
    from .output.sarif import to_sarif

    scope = scope_of(args)
    snapshot = scope.snapshot
    project = scope.workspace.project
    where = f"{project.pyproject} [tool.livedag]"
    select = _known_codes(parse_codes(args.select, "--select"), "--select") if args.select else None
    if select is None and project.select is not None:
        select = _known_codes(project.select, f"{where} select")
    ignore = _known_codes(project.ignore, f"{where} ignore") | _known_codes(
        parse_codes(args.ignore or (), "--ignore"), "--ignore"
    )
    threshold = parse_severity(args.severity, "--severity") if args.severity else project.severity
    if args.dataflow is None:
        problems = [p for path in scope.files() for p in snapshot.problems_for(path)]
    else:
        flows = scope.pick(args.dataflow, allow_all=True)
        problems = [p for flow in flows for p in scope.problems_of(flow)]
    found = [
        p
        for p in problems
        if (select is None or p.code in select)
        and p.code not in ignore
        and SEVERITY_ORDER[p.severity] >= SEVERITY_ORDER[threshold]
    ]
    found.sort(key=graph_fmt.problem_order)
    if not scope.dataflows:
        note(f"livedag lint: {scope.no_dataflow()}; only syntax was checked")
    if args.format == "json":
        out(fmt.to_json(found))
    elif args.format == "sarif":
        out(to_sarif(found, version=_version()))
    elif args.format == "github":
        out(fmt.to_github(found))
    else:
        out(fmt.to_text(found))
        note(fmt.summary(found))
    return (1 if found else 0), scope


def _known_codes(codes: Iterable[str], where: str) -> frozenset[Code]:
    """The codes, each one livedag reports (a typo would silently select or ignore nothing)."""
    spelled = frozenset(codes)
    if where == "--select" and not spelled:
        raise UsageError("--select needs at least one code, e.g. --select LD001,LD002")
    chosen = {text: Code.parse(text) for text in spelled}
    unknown = sorted(text for text, code in chosen.items() if code is None)
    if unknown:
        raise UsageError(
            f"{where}: unknown code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"the codes are {', '.join(sorted(code.value for code in Code))}"
        )
    return frozenset(code for code in chosen.values() if code is not None)


def run_lineage(args: argparse.Namespace) -> int:
    from .lineage_command import run

    return run(args)


def _add_diff(commands: Any) -> None:
    from .diff import FAIL_ON

    diff = commands.add_parser(
        "diff",
        help="what a change does to the lineage: two git revisions (or a revision and the work "
        "tree), or two folders",
    )
    diff.add_argument("base", metavar="BASE", help="a git revision (main, HEAD~1) or a folder")
    diff.add_argument(
        "head",
        metavar="HEAD",
        nargs="?",
        help="a git revision or a folder (default: the files on disk)",
    )
    diff.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    diff.add_argument(
        "--fail-on",
        metavar="KINDS",
        help=f"exit 1 when the diff has any of these (comma-separated): {', '.join(FAIL_ON)}",
    )
    _add_dataflow(diff, " (default: every dataflow)")
    _add_config(diff)
    diff.set_defaults(run=run_diff)


def run_diff(args: argparse.Namespace) -> int:
    from .diff_command import run

    return run(args)


def run_report(args: argparse.Namespace) -> int:
    from . import report

    scope = scope_of(args)
    flows = scope.pick(args.dataflow)
    if not flows:
        raise UsageError(scope.no_dataflow())
    for flow in flows:
        warn_missing(scope, flow, "report")
    found = report.report(scope, flows)
    write = {"json": report.to_json, "html": report.to_html}.get(args.format, report.to_markdown)
    out(write(found))
    return 0


def run_cache(args: argparse.Namespace) -> int:
    """`livedag cache info|clear`: the on-disk analysis cache (server/analysis_cache.py)."""
    from .analysis_cache import AnalysisCache, cache_folder, default_cache

    cache = default_cache() or AnalysisCache(cache_folder())
    if args.action == "clear":
        removed = cache.clear()
        if args.format == "json":
            out_json({"folder": str(cache.folder), "removed": removed})
        else:
            out(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {cache.folder}\n")
        return 0
    info = cache.info()
    if args.format == "json":
        out_json(info)
    else:
        out(
            f"folder: {info['folder']}\nmodule analyses: {info['entries']}\n"
            f"lint answers: {info['lint_answers']}\n"
            f"size: {info['bytes'] / 2**20:.1f} MiB of at most {info['max_bytes'] / 2**20:.0f} MiB "
            "(LIVEDAG_CACHE_MAX_MB)\n"
        )
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from livedag.server.lsp.server import main as serve

    return int(serve(list(args.server_args)) or 0)


if __name__ == "__main__":
    sys.exit(main())
