"""`livedag diff` written out: text for a terminal, Markdown (with a Mermaid picture of the
changed neighbourhood, which GitHub draws) for a pull-request comment.  JSON is `LineageDiff.json`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .diff import DataflowDiff, LineageDiff, TaggedPath

LISTED = 15  # items a Markdown list shows before "and N more"


def _tags(tags: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(tags.items())) or "none"


def _path(p: TaggedPath) -> str:
    return f"{p.source} -> {p.artifact}" + (" (PII)" if p.pii else "")


def _sections(flow: DataflowDiff) -> list[tuple[str, list[str]]]:
    """(title, lines) for each non-empty part of one dataflow's diff."""
    parts = [
        ("nodes added", flow.added),
        ("nodes removed", flow.removed),
        ("nodes renamed", [f"{a} -> {b}" for a, b in flow.renamed]),
        ("nodes re-typed", [f"{n}: {a} -> {b}" for n, a, b in flow.retyped]),
        ("tags changed", [f"{n}: {_tags(a)} -> {_tags(b)}" for n, a, b in flow.tags_changed]),
        ("function bodies changed", flow.body_changed),
        ("edges added", [f"{a} -> {b}" for a, b in flow.edges_added]),
        ("edges removed", [f"{a} -> {b}" for a, b in flow.edges_removed]),
        ("config changed", [f"{k}: {a!r} -> {b!r}" for k, a, b in flow.config_changed]),
        (
            "config variants affected",
            [f"{f}: {a or '(none)'} -> {b or '(gone)'}" for f, a, b in flow.variants],
        ),
        ("outputs whose upstream changed", flow.outputs_affected),
        ("new paths from tagged sources", [_path(p) for p in flow.paths_added]),
        ("paths from tagged sources gone", [_path(p) for p in flow.paths_removed]),
        ("policies newly violated", [f"{p}: {w}" for p, w in flow.policies_violated]),
        ("policies newly satisfied", [f"{p}: {w}" for p, w in flow.policies_satisfied]),
        ("driver outputs that no longer resolve", [f"{d}: {o}" for d, o in flow.outputs_broken]),
        ("driver outputs that resolve again", [f"{d}: {o}" for d, o in flow.outputs_fixed]),
    ]
    return [(title, lines) for title, lines in parts if lines]


def to_text(diff: LineageDiff) -> str:
    out = [f"livedag diff {diff.base} .. {diff.head}"]
    changed = [f for f in diff.dataflows if f.changed]
    if not changed:
        out.append("no change to the lineage of any dataflow")
    for flow in changed:
        out.append("")
        out.append(
            f"dataflow {flow.name}" + ("" if flow.status == "changed" else f" ({flow.status})")
        )
        for title, lines in _sections(flow):
            out.append(f"  {title}:")
            out.extend(f"    {line}" for line in lines)
    return "\n".join(out) + "\n"


def to_json(diff: LineageDiff) -> str:
    return json.dumps(diff.json(), indent=2, default=str) + "\n"


def to_markdown(diff: LineageDiff) -> str:
    changed = [f for f in diff.dataflows if f.changed]
    out = [f"## Lineage diff: `{diff.base}` → `{diff.head}`", ""]
    if not changed:
        out.append("No change to the lineage of any dataflow.")
        return "\n".join(out) + "\n"
    alarms = []
    for flow in changed:
        pii = [p for p in flow.paths_added if p.pii]
        if pii:
            alarms.append(f"**{len(pii)} new PII path(s)** in `{flow.name}`")
        if flow.policies_violated:
            alarms.append(f"**{len(flow.policies_violated)} policy violation(s)** in `{flow.name}`")
        if flow.outputs_broken:
            alarms.append(
                f"**{len(flow.outputs_broken)} driver output(s) broken** in `{flow.name}`"
            )
    if alarms:
        out.append("⚠️ " + "; ".join(alarms))
        out.append("")
    out.append("| dataflow | nodes +/−/renamed | edges +/− | outputs affected |")
    out.append("| --- | --- | --- | --- |")
    for flow in changed:
        out.append(
            f"| `{flow.name}`{'' if flow.status == 'changed' else f' ({flow.status})'} | "
            f"{len(flow.added)}/{len(flow.removed)}/{len(flow.renamed)} | "
            f"{len(flow.edges_added)}/{len(flow.edges_removed)} | {len(flow.outputs_affected)} |"
        )
    for flow in changed:
        out.append("")
        out.append(f"### `{flow.name}`")
        for title, lines in _sections(flow):
            shown = ", ".join(f"`{line}`" for line in lines[:LISTED])
            more = f" and {len(lines) - LISTED} more" if len(lines) > LISTED else ""
            out.append(f"- **{title}**: {shown}{more}")
        if flow.picture_nodes:
            out.append("")
            out.append("```mermaid")
            out.append(to_mermaid(flow))
            out.append("```")
    return "\n".join(out) + "\n"


def _id(index: int) -> str:
    return f"n{index}"


def _label(name: str) -> str:
    return re.sub(r'["<>]', "", name)


def to_mermaid(flow: DataflowDiff) -> str:
    """The changed neighbourhood as a Mermaid flowchart: added nodes green, removed red and
    dashed edges, changed ones amber; unchanged neighbours plain."""
    ids = {name: _id(i) for i, name in enumerate(flow.picture_nodes)}
    lines = ["flowchart LR"]
    for name, node_id in ids.items():
        lines.append(f'  {node_id}["{_label(name)}"]')
    for a, b, how in flow.picture_edges:
        arrow = "-.->" if how == "removed" else "==>" if how == "added" else "-->"
        lines.append(f"  {ids[a]} {arrow} {ids[b]}")
    lines.append("  classDef added fill:#d4f8d4,stroke:#1a7f37")
    lines.append("  classDef removed fill:#ffd8d3,stroke:#cf222e,stroke-dasharray:4 3")
    lines.append("  classDef changed fill:#fff1c2,stroke:#9a6700")
    for how in ("added", "removed", "changed"):
        members = [ids[n] for n, mark in flow.picture_nodes.items() if mark == how]
        if members:
            lines.append(f"  class {','.join(members)} {how}")
    return "\n".join(lines)
