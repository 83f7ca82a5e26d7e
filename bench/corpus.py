"""livedag against apache-hamilton on a real code base: Hamilton's own examples and test modules.

    .venv/bin/python bench/corpus.py /path/to/hamilton-checkout            # graphs, then lint
    .venv/bin/python bench/corpus.py CHECKOUT --only parallelism -v         # one family, details
    .venv/bin/python bench/corpus.py CHECKOUT --part lint                   # lint findings only

Not run in CI: it imports (and so runs the module-level code of) the checkout's example modules,
each in a subprocess of its own with a time limit, to let apache-hamilton build the reference graph.
livedag's side never imports anything: it is the static analysis `livedag lint` does.

The dataflows compared:
- `examples`: every driver script livedag finds under `examples/`, with the modules it names and its
  literal config, exactly as `livedag lint` plans them (a dataflow livedag does not find is not
  compared: `--part plans` lists them to check by eye);
- `resources`: every module under `tests/resources/`, alone, with an empty config.

Each graph is reduced to, per node: whether it is external (an input or a config key), its
dependencies, and its user tags.  A case apache-hamilton cannot build (a missing library, a module
meant to fail) is counted and listed with the reason, not compared.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import json
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INTERNAL_TAG_PREFIXES = ("hamilton.", "livedag.")


# --- both sides reduced to the same summary ---------------------------------------------------


def _plain(value: Any) -> Any:
    """A tag value as JSON sees it (tuples and lists alike, odd objects by repr)."""
    return json.loads(json.dumps(value, default=repr, sort_keys=True))


def user_tags(tags: Mapping[str, Any]) -> dict[str, Any]:
    return {
        str(k): _plain(v)
        for k, v in tags.items()
        if k != "module" and not str(k).startswith(INTERNAL_TAG_PREFIXES)
    }


def summary(external: bool, deps: Any, tags: Mapping[str, Any]) -> dict[str, Any]:
    return {"external": external, "deps": sorted(str(d) for d in deps), "tags": user_tags(tags)}


# --- the apache-hamilton side, in a subprocess ---------------------------------------------------


def worker() -> int:
    """Read a job on stdin, import its modules, build Hamilton's graph, print its summary."""
    job = json.load(sys.stdin)
    os.environ.setdefault("HAMILTON_TELEMETRY_ENABLED", "false")
    os.chdir(job["cwd"])
    sys.path[:0] = job["sys_path"]
    sys.argv = [job["modules"][0][1]]
    noise = io.StringIO()
    try:
        with contextlib.redirect_stdout(noise), contextlib.redirect_stderr(noise):
            from hamilton import graph

            modules = [_import(name, path) for name, path in job["modules"]]
            fg = graph.FunctionGraph.from_modules(
                *modules,
                config=job["config"],
                allow_module_overrides=job.get("allow_module_overrides", False),
            )
            nodes = {
                name: summary(n.user_defined, n.input_types, n.tags) for name, n in fg.nodes.items()
            }
    except BaseException as exc:  # the reason is the answer; anything may fail in example code
        first_line = (str(exc).splitlines() or [""])[0][:300]
        json.dump({"error": f"{type(exc).__name__}: {first_line}"}, sys.stdout)
        return 0
    json.dump({"nodes": nodes}, sys.stdout)
    return 0


def _import(name: str, path: str) -> Any:
    """Import `path` as `name` (the name its driver imports it by), registered in sys.modules."""
    try:
        module = importlib.import_module(name)
        if Path(getattr(module, "__file__", "") or "").resolve() == Path(path).resolve():
            return module
    except ImportError as exc:
        if exc.name and exc.name != name and not name.startswith(exc.name + "."):
            raise  # the module imports something that is missing: Hamilton cannot build it
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- cases ----------------------------------------------------------------------------------------


@dataclass
class Case:
    label: str  # what the user would call it: the driver script (and line), or the module
    cwd: Path
    modules: list[tuple[str, Path]]
    config: dict[str, Any]
    livedag: dict[str, dict[str, Any]]
    livedag_errors: list[str] = field(default_factory=list)
    allow_module_overrides: bool = False
    sys_path: list[str] = field(default_factory=list)
    hamilton: dict[str, dict[str, Any]] | None = None
    hamilton_error: str | None = None


def import_name(path: Path, near: Path) -> tuple[str, Path]:
    """The name a script in folder `near` imports `path` by, and the folder that makes it work."""
    from livedag.server.discovery import module_name

    try:
        rel = path.resolve().relative_to(near.resolve()).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        return ".".join(parts), near
    except ValueError:
        name = module_name(path)
        root = path.resolve().parent
        for _ in range(name.count(".") + (path.stem == "__init__")):
            root = root.parent
        return name, root


def example_cases(checkout: Path) -> list[Case]:
    from livedag.server.workspace import Workspace

    examples = checkout / "examples"
    workspace = Workspace([examples])
    snapshot = workspace.index()
    wanted = workspace.external_decorator_names()
    if wanted:
        snapshot = workspace.resolve_external_names(wanted) or snapshot
    cases = []
    for view in snapshot.dataflows:
        if not view.drivers:
            continue
        script, use = view.drivers[0]
        near = Path(script).parent
        modules, sys_path = [], [str(near)]
        for path in view.paths:
            name, root = import_name(path, near)
            modules.append((name, path))
            if str(root) not in sys_path:
                sys_path.append(str(root))
        label = str(Path(script).relative_to(checkout))
        if sum(1 for v in snapshot.dataflows for s, _ in v.drivers if s == script) > 1:
            label += f":{use.location.line}"
        cases.append(
            Case(
                label=label,
                cwd=near,
                modules=modules,
                config=dict(view.config),
                livedag=livedag_summary(view.graph),
                livedag_errors=errors_of(
                    p for found in view.problems_by_path.values() for p in found
                ),
                allow_module_overrides=bool(getattr(use, "allow_module_overrides", False)),
                sys_path=sys_path,
            )
        )
    return cases


def resource_cases(checkout: Path) -> list[Case]:
    """Each test module alone, as `livedag graph MODULE` sees it."""
    from livedag.server.selection import SelectionError, open_scope

    cases = []
    for path in sorted((checkout / "tests" / "resources").rglob("*.py")):
        if path.name == "__init__.py":
            continue
        name = ".".join(path.relative_to(checkout).with_suffix("").parts)
        case = Case(
            label=str(path.relative_to(checkout)),
            cwd=checkout,
            modules=[(name, path)],
            config={},
            livedag={},
            sys_path=[str(checkout)],
        )
        try:
            scope = open_scope([path], {}, "decorators")
            flows = [f for f in scope.dataflows if path.resolve() in f.view.paths]
        except SelectionError as exc:
            flows, case.livedag_errors = [], [f"livedag: {exc}"]
        if flows:
            case.livedag = livedag_summary(flows[0].view.graph)
            case.livedag_errors = errors_of(scope.problems_of(flows[0]))
        elif not case.livedag_errors:
            case.livedag_errors = ["livedag: not a dataflow"]
        cases.append(case)
    return cases


def livedag_summary(graph: Any) -> dict[str, dict[str, Any]]:
    from livedag.engine.specs import NodeKind

    return {
        name: summary(spec.kind is not NodeKind.FUNCTION, spec.dependency_names, spec.tags)
        for name, spec in graph.nodes.items()
    }


def errors_of(problems: Any) -> list[str]:
    return sorted({f"{p.code} {p.message}" for p in problems if p.severity.value == "error"})


class FailureLog(logging.Handler):
    """Counts what livedag logs as failed (analysis exceptions), instead of printing tracebacks."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        reason = ""
        if record.exc_info and record.exc_info[1] is not None:
            reason = f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.messages[record.getMessage().splitlines()[0][:200] + reason[:200]] += 1


def run_hamilton(case: Case, python: str, timeout: float) -> None:
    job = {
        "cwd": str(case.cwd),
        "sys_path": case.sys_path,
        "modules": [[name, str(path)] for name, path in case.modules],
        "config": case.config,
        "allow_module_overrides": case.allow_module_overrides,
    }
    # Example modules build API clients at import time; a dummy key lets them import, and no
    # node is executed: only the graph is built.
    env = {
        **os.environ,
        "HAMILTON_TELEMETRY_ENABLED": "false",
        "MPLBACKEND": "Agg",
        "OPENAI_API_KEY": os.environ.get("OPENAI_API_KEY", "not-a-key"),
    }
    try:
        done = subprocess.run(
            [python, __file__, "--worker"],
            input=json.dumps(job, default=repr),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            stdin=None,
        )
    except subprocess.TimeoutExpired:
        case.hamilton_error = f"timed out after {timeout:.0f} s"
        return
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        case.hamilton_error = f"worker failed (exit {done.returncode}): {tail[:300]}"
        return
    case.hamilton = answer.get("nodes")
    case.hamilton_error = answer.get("error")


def differences(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    lines = []
    for name in sorted(set(expected) - set(actual)):
        lines.append(f"missing {name}: {_show(expected[name])}")
    for name in sorted(set(actual) - set(expected)):
        lines.append(f"extra   {name}: {_show(actual[name])}")
    for name in sorted(set(expected) & set(actual)):
        if expected[name] != actual[name]:
            lines.append(f"differs {name}: hamilton {_show(expected[name])}")
            lines.append(f"        {' ' * len(name)}  livedag  {_show(actual[name])}")
    return lines


def _show(node: Mapping[str, Any]) -> str:
    kind = "external" if node["external"] else "node"
    tags = f" tags={node['tags']}" if node["tags"] else ""
    return f"{kind} deps={node['deps']}{tags}"


def node_f1(cases: list[Case]) -> float:
    """F1 of livedag's node names against Hamilton's, over every compared case."""
    hit = expected = got = 0
    for case in cases:
        assert case.hamilton is not None
        hit += len(set(case.hamilton) & set(case.livedag))
        expected += len(case.hamilton)
        got += len(case.livedag)
    if not hit:
        return 0.0
    precision, recall = hit / got, hit / expected
    return 2 * precision * recall / (precision + recall)


# --- lint --------------------------------------------------------------------------------------


def lint(checkout: Path) -> int:
    livedag = str(Path(sys.executable).with_name("livedag"))
    done = subprocess.run(
        [livedag, "lint", "--format", "json", "examples"],
        cwd=checkout,
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 1):
        print(f"livedag lint failed (exit {done.returncode}):\n{done.stderr}")
        return 0
    findings = json.loads(done.stdout or "[]")
    if isinstance(findings, dict):
        findings = findings.get("problems", [])
    by_code = Counter(f["code"] for f in findings)
    print(f"\n== livedag lint examples: {len(findings)} findings {dict(sorted(by_code.items()))}")
    for f in findings:
        print(f"  {f['path']}:{f['line']}:{f['column']} {f['code']} {f['message']}")
    if done.stderr.strip():
        print("  stderr: " + done.stderr.strip().replace("\n", "\n          "))
    return len(findings)


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a checkout of apache/hamilton")
    parser.add_argument(
        "--part", choices=["all", "examples", "resources", "lint", "plans"], default="all"
    )
    parser.add_argument("--only", help="only cases whose label contains this text")
    parser.add_argument("-v", "--verbose", action="store_true", help="every difference in full")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per Hamilton build")
    parser.add_argument(
        "--python", default=sys.executable, help="the interpreter with apache-hamilton installed"
    )
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    checkout = args.checkout.resolve()
    if not (checkout / "hamilton").is_dir() or not (checkout / "examples").is_dir():
        parser.error(f"{checkout} does not look like a checkout of apache/hamilton")

    started = time.monotonic()
    failures = FailureLog()
    logging.getLogger("livedag").addHandler(failures)
    logging.getLogger("livedag").propagate = False
    cases: list[Case] = []
    if args.part in ("all", "examples", "plans"):
        cases += example_cases(checkout)
    if args.part in ("all", "resources"):
        cases += resource_cases(checkout)
    if args.only:
        cases = [c for c in cases if args.only in c.label]
    if args.part == "plans":
        for case in cases:
            print(f"{case.label}: {[n for n, _ in case.modules]} config={case.config}")
        return 0

    if cases:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            list(pool.map(lambda c: run_hamilton(c, args.python, args.timeout), cases))
    built = [c for c in cases if c.hamilton is not None]
    equal = [c for c in built if c.hamilton == c.livedag]
    print(
        f"== graphs: {len(cases)} dataflows, {len(built)} built by apache-hamilton, "
        f"{len(equal)} equal in livedag; node F1 {node_f1(built):.3f}"
        if built
        else f"== graphs: {len(cases)} dataflows, none built by apache-hamilton"
    )
    for case in built:
        if case in equal:
            continue
        assert case.hamilton is not None
        lines = differences(case.hamilton, case.livedag)
        print(f"\n-- differs: {case.label} config={case.config} ({len(lines)} lines)")
        for line in lines if args.verbose else lines[:12]:
            print(f"   {line}")
        if not args.verbose and len(lines) > 12:
            print(f"   ... {len(lines) - 12} more (-v)")
    unbuilt = [c for c in cases if c.hamilton is None]
    if unbuilt:
        print(f"\n== apache-hamilton could not build {len(unbuilt)}:")
        for case in unbuilt:
            print(f"   {case.label}: {case.hamilton_error}")
            if case.hamilton_error and "ModuleNotFoundError" not in case.hamilton_error:
                said = "; ".join(case.livedag_errors[:3]) or "NO ERROR (livedag accepts it)"
                print(f"      livedag says: {said[:400]}")
    if failures.messages:
        print(f"\n== livedag logged {sum(failures.messages.values())} failures:")
        for message, count in failures.messages.most_common():
            print(f"   {count} x {message}")
    if args.part in ("all", "lint"):
        lint(checkout)
    print(f"\n({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        sys.exit(worker())
    sys.exit(main())
