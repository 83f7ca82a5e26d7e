"""`livedag diff BASE [HEAD]`: read both sides (diff_sources.py), compare (diff.py), write.

Exit status: 0 compared (whatever changed), 1 when `--fail-on` names a kind of change the diff
has, 2 when the sides cannot be read or the arguments are wrong.
"""

from __future__ import annotations

import argparse
from typing import Any

from .console import UsageError, out, parse_config
from .diff import FAIL_ON, ReadSide, compare, read_side
from .diff_output import to_json, to_markdown, to_text
from .diff_sources import DiffSources, Side
from .selection import SelectionError, open_scope


def fail_on(text: str | None) -> set[str]:
    if not text:
        return set()
    kinds = {k.strip() for k in text.split(",") if k.strip()}
    unknown = sorted(kinds - set(FAIL_ON))
    if unknown or not kinds:
        raise UsageError(
            f"--fail-on: unknown kind(s) {', '.join(unknown) or '(none given)'}; "
            f"the kinds are {', '.join(FAIL_ON)} (e.g. --fail-on new-pii-paths,policy)"
        )
    return kinds


def run(args: argparse.Namespace) -> int:
    wanted = fail_on(args.fail_on)
    config = parse_config(args.config)
    with DiffSources() as sources:
        base_is_folder = (sources.cwd / args.base).is_dir()
        if base_is_folder and args.head is None:
            raise UsageError(
                f"{args.base} is a folder: give the folder to compare it with "
                "(livedag diff OLD_DIR NEW_DIR)"
            )
        base = sources.side(args.base)
        head = sources.side(args.head, other_is_folder=base_is_folder)
        sides = [_read(side, config, args.resolve_imports) for side in (base, head)]
    # both sides are read; the temporary folders are gone, the graphs stay in memory
    diff = compare(sides[0], sides[1], base.label, head.label)
    if args.dataflow is not None:
        names = [f.name for f in diff.dataflows]
        if args.dataflow not in names:
            raise UsageError(
                f"--dataflow {args.dataflow}: no such dataflow on either side; they are "
                f"{', '.join(names) or 'none'}"
            )
        diff.dataflows = [f for f in diff.dataflows if f.name == args.dataflow]
    if args.format == "json":
        out(to_json(diff))
    elif args.format == "markdown":
        out(to_markdown(diff))
    else:
        out(to_text(diff))
    return 1 if wanted & diff.findings() else 0


def _read(side: Side, config: dict[str, Any], resolve_imports: str) -> ReadSide:
    try:
        scope = open_scope([side.folder], config, resolve_imports, cache=not side.temporary)
    except SelectionError as exc:
        raise UsageError(f"{side.label}: {exc}") from None
    return read_side(scope, side.root, side.label)
