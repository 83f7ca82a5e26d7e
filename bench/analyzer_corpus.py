"""Run the static analyzer over every `.py` file of a checkout and count what it could not handle.

    .venv/bin/python bench/analyzer_corpus.py /path/to/hamilton [--incremental] [--list]

Each file is analysed fresh (`analyze_source`); with `--incremental` it is also typed into a
`ModuleSource` half first, then whole, so the keystroke path is exercised too.  Counted per file:
an exception escaping the analyzer, an error the analyzer logged with a traceback (it recovered by
dropping work), and LD012 diagnostics.  Not run in CI: it needs a checkout.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from pathlib import Path

from livedag.engine.codes import Code
from livedag.server.analyzer import ModuleSource, analyze_source


class _Tracebacks(logging.Handler):
    """Counts the analyzer's log records that carry a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) or path.stem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--incremental", action="store_true", help="also via ModuleSource")
    parser.add_argument("--list", action="store_true", help="print each file with a finding")
    args = parser.parse_args()
    root: Path = args.checkout.resolve()
    files = sorted(p for p in root.rglob("*.py") if ".git" not in p.parts)
    handler = _Tracebacks()
    analyzer_log = logging.getLogger("livedag.server.analyzer")
    analyzer_log.addHandler(handler)
    analyzer_log.propagate = False
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    started = time.perf_counter()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            counts["unreadable"] += 1
            continue
        name, before = module_name(root, path), len(handler.records)
        found: list[str] = []
        try:
            analyses = [analyze_source(text, module=name, path=str(path))]
            if args.incremental:
                source = ModuleSource(name, str(path))
                source.update(text[: len(text) // 2])
                analyses.append(source.update(text))
        except Exception as exc:  # what this script exists to find
            found.append(f"raised {type(exc).__name__}: {exc}")
            counts["raised"] += 1
            analyses = []
        for analysis in analyses:
            for problem in analysis.problems:
                if problem.code is Code.ANALYSIS_FAILURE:
                    counts["LD012"] += 1
                    reasons[problem.message] += 1
                    found.append(f"{problem.location}: {problem.message}")
        logged = handler.records[before:]
        counts["logged tracebacks"] += len(logged)
        for record in logged:
            exc = record.exc_info[1] if record.exc_info else None
            reasons[f"logged {type(exc).__name__}: {exc}"] += 1
        if found or logged:
            counts["files with a finding"] += 1
            if args.list:
                print(path.relative_to(root))
                for line in found:
                    print(f"    {line}")
                for record in logged:
                    print(f"    logged: {record.getMessage()} ({record.exc_info[1]!r})")  # type: ignore[index]
    elapsed = time.perf_counter() - started
    print(f"{len(files)} files in {elapsed:.1f} s")
    for key in ("raised", "logged tracebacks", "LD012", "files with a finding", "unreadable"):
        print(f"  {key}: {counts[key]}")
    for reason, count in reasons.most_common(15):
        print(f"  {count:5d}  {reason[:140]}")
    return 1 if counts["raised"] or counts["logged tracebacks"] or counts["LD012"] else 0


if __name__ == "__main__":
    sys.exit(main())
