"""`livedag report`: the compliance report, from source, for the monthly question.

Per tagged source (a PII-tagged node, or one with a `source` tag: a source system) of each
dataflow: its tags, what it reaches, which artifacts (nodes tagged `artifact`, else the outputs)
and whose (`owner` tags of what it reaches), the policies in force for it, and the dataflow's
policy violations.  Read from source like every other command; nothing is run.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from livedag.engine.codes import Code
from livedag.engine.specs import NodeKind

from .diff import ARTIFACT_TAG, SOURCE_TAGS, outputs_of
from .lsp.graph_index import is_pii
from .policy_views import ROLES
from .selection import NamedDataflow, Scope, relative


@dataclass(frozen=True)
class SourceEntry:
    node: str
    pii: bool
    tags: dict[str, Any]
    reaches: int
    artifacts: list[str]
    owners: list[str]
    policies: list[str]

    def json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "pii": self.pii,
            "tags": self.tags,
            "reaches": self.reaches,
            "artifacts": self.artifacts,
            "owners": self.owners,
            "policies": self.policies,
        }


@dataclass(frozen=True)
class DataflowReport:
    name: str
    sources: list[SourceEntry]
    policies: list[dict[str, str]]
    violations: list[dict[str, Any]]

    def json(self) -> dict[str, Any]:
        return {
            "dataflow": self.name,
            "sources": [s.json() for s in self.sources],
            "policies": self.policies,
            "violations": self.violations,
        }


def report(scope: Scope, flows: list[NamedDataflow]) -> list[DataflowReport]:
    return [_one(scope, flow) for flow in flows]


def _one(scope: Scope, flow: NamedDataflow) -> DataflowReport:
    view = flow.view
    graph = view.graph
    check = view.policies
    artifacts = {n for n, spec in graph.nodes.items() if ARTIFACT_TAG in spec.user_tags}
    if not artifacts:
        artifacts = set(outputs_of(graph))
    entries = []
    for spec in graph.nodes.values():
        tags = spec.user_tags
        if spec.kind is not NodeKind.FUNCTION or not (
            is_pii(tags) or any(t in tags for t in SOURCE_TAGS)
        ):
            continue
        below = graph.downstream_of(spec.name)
        owners = sorted(
            {
                str(graph.nodes[n].user_tags["owner"])
                for n in below
                if "owner" in graph.nodes[n].user_tags
            }
        )
        entries.append(
            SourceEntry(
                spec.name,
                is_pii(tags),
                {k: v for k, v in tags.items()},
                len(below),
                sorted(below & artifacts),
                owners,
                [f"{p.name} ({ROLES[role]})" for p, role in check.subject_to(spec.name)],
            )
        )
    entries.sort(key=lambda e: (not e.pii, e.node))
    violations = [
        {
            "message": p.message,
            "severity": p.severity.value,
            "path": relative(p.location.path, scope.root)
            if p.location and p.location.path
            else None,
            "line": p.location.line if p.location else None,
        }
        for p in check.problems
        if p.code is Code.POLICY_VIOLATION
    ]
    policies = [
        {"name": p.name, "kind": p.kind.value, "severity": p.severity.value, "says": p.describe()}
        for p in check.policies
    ]
    return DataflowReport(flow.name, entries, policies, violations)


# --- formats -------------------------------------------------------------------------------------


def to_json(reports: list[DataflowReport]) -> str:
    return json.dumps({"dataflows": [r.json() for r in reports]}, indent=2, default=str) + "\n"


def _cell(items: list[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return (shown + (f" and {len(items) - limit} more" if len(items) > limit else "")) or "—"


def to_markdown(reports: list[DataflowReport]) -> str:
    out = ["# Lineage compliance report", ""]
    for r in reports:
        out += [f"## `{r.name}`", ""]
        if r.policies:
            out.append(
                "**Policies in force**: "
                + "; ".join(
                    f"`{p['name']}` ({p['kind']}, {p['severity']}): {p['says']}" for p in r.policies
                )
            )
            out.append("")
        if not r.sources:
            out += ["No PII-tagged or `source`-tagged node.", ""]
        else:
            out.append("| source | PII | tags | reaches | artifacts | owners reached | policies |")
            out.append("| --- | --- | --- | --- | --- | --- | --- |")
            for s in r.sources:
                tags = ", ".join(f"{k}={v}" for k, v in sorted(s.tags.items()))
                out.append(
                    f"| `{s.node}` | {'yes' if s.pii else 'no'} | {tags} | {s.reaches} nodes | "
                    f"{_cell(s.artifacts)} | {_cell(s.owners)} | {_cell(s.policies)} |"
                )
            out.append("")
        if r.violations:
            out.append(f"**Policy violations ({len(r.violations)})**")
            out += [f"- `{v['path']}:{v['line']}` {v['message']}" for v in r.violations]
            out.append("")
    return "\n".join(out)


def to_html(reports: list[DataflowReport]) -> str:
    e = html.escape
    out = [
        "<!doctype html>",
        '<html><head><meta charset="utf-8"><title>Lineage compliance report</title>',
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.pii{color:#b00}</style>",
        "</head><body><h1>Lineage compliance report</h1>",
    ]
    for r in reports:
        out.append(f"<h2>{e(r.name)}</h2>")
        if r.policies:
            out.append("<p><b>Policies in force</b></p><ul>")
            out += [
                f"<li>{e(p['name'])} ({e(p['kind'])}, {e(p['severity'])}): {e(p['says'])}</li>"
                for p in r.policies
            ]
            out.append("</ul>")
        out.append(
            "<table><tr><th>source</th><th>PII</th><th>tags</th><th>reaches</th>"
            "<th>artifacts</th><th>owners reached</th><th>policies</th></tr>"
        )
        for s in r.sources:
            tags = ", ".join(f"{k}={v}" for k, v in sorted(s.tags.items()))
            out.append(
                f"<tr><td>{e(s.node)}</td><td{' class=pii' if s.pii else ''}>"
                f"{'yes' if s.pii else 'no'}</td><td>{e(tags)}</td><td>{s.reaches}</td>"
                f"<td>{e(_cell(s.artifacts))}</td><td>{e(_cell(s.owners))}</td>"
                f"<td>{e(_cell(s.policies))}</td></tr>"
            )
        out.append("</table>")
        if r.violations:
            out.append(f"<p><b>Policy violations ({len(r.violations)})</b></p><ul>")
            out += [
                f"<li>{e(str(v['path']))}:{v['line']} {e(v['message'])}</li>" for v in r.violations
            ]
            out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
