"""Run apache/hamilton's examples with apache-hamilton's driver and with livedag's, and compare.

    python bench/hamilton_examples.py HAMILTON_CHECKOUT [--python PYTHON] [--only NAME ...]

Each example's script runs twice in a fresh copy of its folder, in a subprocess of `--python`
(an environment with livedag, apache-hamilton and the example's libraries installed): once as it
is, once with only `hamilton.driver` swapped for `livedag.engine.driver` (`sys.modules` is set
before the script runs, so `from hamilton import driver` gets livedag's).  The decorators, the
adapters and everything else stay Hamilton's.  Outputs compared: the exit status, what the
script prints (object addresses, temporary paths and Dask cluster addresses masked), the data
files it writes (csv, json, txt) and which pictures it writes (png, svg, pdf, dot: whether each
was written, not its bytes); pickles are not compared.  Each example prints "same" or why it
differs.

Data the checkout lacks (large files are missing from it) is replaced by stand-in data with the
same columns, the same for both runs, and the report says so.  Not run in CI: it needs the
checkout and the examples' libraries (scikit-learn, dask, click, ...).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Runs the example's script as `__main__`; `{swap}` decides whose driver it gets.
_RUNNER = """
import runpy, sys
sys.path.insert(0, ".")
if {seed}:  # the example draws random numbers without a seed: seed them, the same both runs
    import random
    import numpy
    random.seed(0)
    numpy.random.seed(0)
    unseeded = numpy.random.default_rng
    numpy.random.default_rng = lambda seed=None: unseeded(0 if seed is None else seed)
if {swap}:
    import hamilton
    import livedag.engine.driver as livedag_driver
    sys.modules["hamilton.driver"] = livedag_driver
    hamilton.driver = livedag_driver
sys.argv = {argv!r}
runpy.run_path({script!r}, run_name="__main__")
"""

# A script for examples that ship modules and a notebook but no script to run: build each
# module's dataflow with the driver and print every node's value.
_RUN_MODULES = """
import importlib, sys
from hamilton import driver
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    dr = driver.Builder().with_modules(module).build()
    names = sorted(v.name for v in dr.list_available_variables() if not v.is_external_input)
    print(name, names)
    for node, value in dr.execute(names).items():
        print(" ", node, "=", repr(value))
"""

_COMPARED_SUFFIXES = (".csv", ".json", ".txt")
# Pictures (Graphviz renders, plots) differ in bytes run to run: whether each was written is
# compared, not what it holds.
_PICTURE_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg", ".dot", ".gv")
_MASKS = (
    (re.compile(r"0x[0-9a-fA-F]+"), "0x…"),
    (re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d([,.]\d+)?"), "<timestamp>"),
    (re.compile(r"/tmp/[^\s'\"]+"), "/tmp/…"),
    (re.compile(r"\b\d+(\.\d+)?\s?(s|ms|seconds)\b"), "<time>"),
    # Savers' metadata: when the file was written.
    (re.compile(r"'(last_modified|timestamp)': [\d.e+-]+"), r"'\1': <time>"),
    # A Dask cluster's name and address are new each run.
    (re.compile(r"LocalCluster\([0-9a-f]+,"), "LocalCluster(<id>,"),
    (re.compile(r"tcp://[\d.]+:\d+"), "tcp://<address>"),
)


@dataclass(frozen=True)
class Example:
    name: str
    folder: str  # under examples/
    script: str
    argv: tuple[str, ...] = ()
    prepare: Callable[[Path, Path], str] | None = None  # (copy, checkout) → what it did
    extra_script: str | None = None  # written as `script` when the example has none
    needs: tuple[str, ...] = field(default=())  # what livedag lacks, known from issue 13
    seed: bool = False


def _titanic_stand_in(target: str) -> Callable[[Path, Path], str]:
    """The titanic csv these examples read is missing from the checkout: use the abridged
    titanic dataset decoupling_io ships (same columns) in its place."""

    def prepare(copy: Path, checkout: Path) -> str:
        source = checkout / "examples" / "decoupling_io" / "data" / "dataset_abridged.csv"
        destination = copy / target
        if destination.exists():
            return ""
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
        return f"stand-in data: {target} is decoupling_io/data/dataset_abridged.csv"

    return prepare


EXAMPLES = (
    Example("hello_world", "hello_world", "my_script.py"),
    Example("data_quality/simple", "data_quality/simple", "run.py"),
    Example("reusing_functions", "reusing_functions", "main.py"),
    Example("data_loaders (csv)", "data_loaders", "run.py", ("csv",)),
    Example("data_loaders (mock)", "data_loaders", "run.py", ("mock",)),
    Example("scikit-learn/transformer", "scikit-learn/transformer", "run.py"),
    Example(
        "scikit-learn/species_distribution_modeling",
        "scikit-learn/species_distribution_modeling",
        "run.py",
    ),
    Example("pandas/split-apply-combine", "pandas/split-apply-combine", "my_script.py"),
    Example(
        "lineage",
        "lineage",
        "lineage_script.py",
        prepare=_titanic_stand_in("data/train.csv"),
        needs=("Hamilton's node order from what_is_downstream_of (engine/driver.py)",),
    ),
    Example(
        "numpy/air-quality-analysis",
        "numpy/air-quality-analysis",
        "run_analysis.py",
        needs=("Hamilton's depth-first execution order (seeded random draws)",),
        seed=True,
    ),
    Example(
        "materialization",
        "materialization",
        "run.py",
        ("iris", "svm"),
        needs=("materialize / to.<format>",),
        seed=True,
    ),
    Example(
        "decoupling_io",
        "decoupling_io",
        "run.py",
        ("run", "--which-stage", "metrics_captured"),
        prepare=_titanic_stand_in("data/titanic.csv"),
        needs=("materialize / from_.<format> / to.<format>",),
        seed=True,
    ),
    Example(
        "parallelism/graceful_running",
        "parallelism/graceful_running",
        "run.py",
        ("--mode", "local"),
        needs=("dynamic execution (Parallelizable/Collect)", "lifecycle adapters"),
    ),
    Example(
        "parallelism/graceful_running (threads)",
        "parallelism/graceful_running",
        "run.py",
        ("--mode", "multithreading"),
        needs=("dynamic execution on threads", "lifecycle adapters"),
    ),
    Example(
        "parallelism/graceful_running (dask)",
        "parallelism/graceful_running",
        "run.py",
        ("--mode", "dask"),
        needs=("Hamilton's DaskExecutor for parallel blocks", "lifecycle adapters"),
    ),
    Example("module_overrides", "module_overrides", "run.py"),
    Example(
        "mutate",
        "mutate/abstract_functionality_blueprint",
        "run_modules.py",
        (
            "pipe_output",
            "mutate",
            "pipe_output_on_output",
            "mutate_on_output",
            "mutate_twice_the_same",
        ),
        extra_script=_RUN_MODULES,
    ),
    Example("dask/hello_world", "dask/hello_world", "run.py", needs=("a Dask graph adapter",)),
    Example("ray/hello_world", "ray/hello_world", "run.py", needs=("a Ray graph adapter",)),
)


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str
    files: dict[str, str]


def _masked(text: str) -> str:
    """What a run printed, comparable: addresses, paths and times masked, and Hamilton's log
    lines about a missing graphviz dropped (images are not compared)."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    kept = [line for line in text.splitlines() if "graphviz" not in line and line.strip()]
    return "\n".join(kept)


def _data_files(folder: Path) -> dict[str, str]:
    """Data files by content; pictures only by being there (and not empty)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = str(path.relative_to(folder))
        if path.suffix in _COMPARED_SUFFIXES:
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.suffix in _PICTURE_SUFFIXES and path.stat().st_size > 0:
            found[name] = "a picture (its bytes are not compared)"
    return found


def _run(
    example: Example, checkout: Path, python: str, swap: bool, timeout: float
) -> tuple[Run, list[str]]:
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hamilton-example-") as directory:
        copy = Path(directory) / "example"
        shutil.copytree(
            checkout / "examples" / example.folder,
            copy,
            ignore=shutil.ignore_patterns("*.ipynb", "*.png", "*.pdf", "__pycache__"),
        )
        if example.extra_script is not None:
            (copy / example.script).write_text(example.extra_script)
            notes.append(f"{example.script} is this script's (the example has only a notebook)")
        if example.prepare is not None:
            done = example.prepare(copy, checkout)
            if done:
                notes.append(done)
        before = _data_files(copy)
        code = _RUNNER.format(
            swap=swap,
            seed=example.seed,
            argv=[example.script, *example.argv],
            script=example.script,
        )
        try:
            done_run = subprocess.run(
                [python, "-c", code],
                cwd=copy,
                # Hamilton's lineage answers are sets of nodes hashed by name: their order is
                # the same in two runs only with the same string hashing.
                env={**os.environ, "PYTHONHASHSEED": "0"},
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            status, stdout, stderr = done_run.returncode, done_run.stdout, done_run.stderr
        except subprocess.TimeoutExpired:
            status, stdout, stderr = -1, "", f"timed out after {timeout:.0f} s"
        after = _data_files(copy)
        written = {k: v for k, v in after.items() if before.get(k) != v}
        return Run(status, _masked(stdout), stderr, written), notes


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip()[:300] if lines else "(no output)"


def compare(example: Example, checkout: Path, python: str, timeout: float) -> str:
    theirs, notes = _run(example, checkout, python, swap=False, timeout=timeout)
    if theirs.status != 0:
        return f"not runnable here with apache-hamilton: {_last_line(theirs.stderr)}"
    ours, _ = _run(example, checkout, python, swap=True, timeout=timeout)
    needs = f" (needs {', '.join(example.needs)})" if example.needs else ""
    note = f" [{'; '.join(notes)}]" if notes else ""
    if ours.status != 0:
        return f"differs{needs}: livedag's run failed: {_last_line(ours.stderr)}{note}"
    differing = _differences(theirs, ours)
    if not differing:
        return f"same{note}"
    # Some examples are not reproducible with Hamilton either (set or thread order): what a
    # second Hamilton run does not reproduce cannot be compared, and is named as such.
    again, _ = _run(example, checkout, python, swap=False, timeout=timeout)
    unstable = set(_differences(theirs, again))
    if again.status == 0 and set(differing) <= unstable:
        return (
            f"same, except what Hamilton itself does not reproduce run to run "
            f"({', '.join(sorted(differing))}){note}"
        )
    if "printed output" in differing and "printed output" not in unstable:
        diff = difflib.unified_diff(
            theirs.stdout.splitlines(), ours.stdout.splitlines(), "hamilton", "livedag", n=0
        )
        shown = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        return f"differs{needs}: printed output: {' | '.join(shown[:4])[:400]}{note}"
    files = [k for k in differing if k not in unstable and k != "printed output"]
    return f"differs{needs}: files written: {', '.join(files)}{note}"


def _differences(first: Run, second: Run) -> list[str]:
    """What two runs did differently: "printed output" and the files written."""
    found = ["printed output"] if first.stdout != second.stdout else []
    return found + sorted(
        k for k in set(first.files) | set(second.files) if first.files.get(k) != second.files.get(k)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="an apache/hamilton checkout")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="interpreter with livedag, apache-hamilton and the examples' libraries",
    )
    parser.add_argument("--only", nargs="*", default=None, help="example names to run")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    args = parser.parse_args(argv)
    if not (args.checkout / "examples").is_dir():
        parser.error(f"{args.checkout} has no examples/ folder: pass an apache/hamilton checkout")
    chosen = [e for e in EXAMPLES if args.only is None or e.name in args.only]
    if not chosen:
        parser.error(f"no example named {args.only}; known: {[e.name for e in EXAMPLES]}")
    same = 0
    for example in chosen:
        verdict = compare(example, args.checkout, args.python, args.timeout)
        same += verdict.startswith("same")  # "same, except ..." counts, and says what
        print(f"{example.name}: {verdict}", flush=True)
    print(f"{same}/{len(chosen)} same")
    return 0


if __name__ == "__main__":
    sys.exit(main())
