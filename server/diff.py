"""`livedag diff`: what a change does to the lineage, from the source of two versions.

Each side (diff_sources.py) is read as `lint` reads a project, into its dataflows; dataflows of
the same name are compared:

- nodes added, removed, renamed (a removed and an added node made by functions with the same body
  — statements, docstring and decorators — under a new name), re-typed, with changed tags or a
  changed function body; edges added and removed (a rename is not counted as edges changing);
  config variants affected (`@config.when...` functions added, removed or with new conditions, and
  the dataflow's own config);
- lineage consequences: outputs (nodes nothing consumes) whose upstream changed; paths from tagged
  sources (PII, `source`) to artifacts (nodes tagged `artifact`, else the outputs) that appear or
  go; policy violations (LD011) that appear or go; driver outputs that no longer resolve (LD009).

Nothing is run: both sides are read as text, and functions compared by their syntax tree.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from livedag.engine.codes import Code
from livedag.engine.specs import NodeKind, NodeSpec

from .console import note
from .lsp.graph_index import is_pii
from .policy_check import PolicyCheck
from .selection import NamedDataflow, Scope, relative

SOURCE_TAGS = ("source",)
ARTIFACT_TAG = "artifact"


@dataclass(frozen=True)
class TaggedPath:
    """A path from a tagged source to an artifact."""

    source: str
    artifact: str
    pii: bool

    def json(self) -> dict[str, Any]:
        return {"source": self.source, "artifact": self.artifact, "pii": self.pii}


@dataclass
class DataflowDiff:
    """What changed in one dataflow (names are the head's, but for what was removed)."""

    name: str
    status: str = "changed"  # "added", "removed", "changed" or "unchanged"
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    retyped: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    tags_changed: list[tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    body_changed: list[str] = field(default_factory=list)
    edges_added: list[tuple[str, str]] = field(default_factory=list)
    edges_removed: list[tuple[str, str]] = field(default_factory=list)
    config_changed: list[tuple[str, Any, Any]] = field(default_factory=list)
    variants: list[tuple[str, str, str]] = field(default_factory=list)  # function, before, after
    outputs_affected: list[str] = field(default_factory=list)
    paths_added: list[TaggedPath] = field(default_factory=list)
    paths_removed: list[TaggedPath] = field(default_factory=list)
    policies_violated: list[tuple[str, str]] = field(default_factory=list)  # policy, what
    policies_satisfied: list[tuple[str, str]] = field(default_factory=list)
    outputs_broken: list[tuple[str, str]] = field(default_factory=list)  # driver, output
    outputs_fixed: list[tuple[str, str]] = field(default_factory=list)
    # the neighbourhood the picture draws: node -> "added" | "removed" | "changed" | ""
    picture_nodes: dict[str, str] = field(default_factory=dict)
    picture_edges: list[tuple[str, str, str]] = field(default_factory=list)  # from, to, how

    @property
    def changed(self) -> bool:
        return self.status != "unchanged"

    def json(self) -> dict[str, Any]:
        return {
            "dataflow": self.name,
            "status": self.status,
            "nodes": {
                "added": self.added,
                "removed": self.removed,
                "renamed": [{"from": a, "to": b} for a, b in self.renamed],
                "retyped": [{"node": n, "from": a, "to": b} for n, a, b in self.retyped],
                "tags_changed": [{"node": n, "from": a, "to": b} for n, a, b in self.tags_changed],
                "body_changed": self.body_changed,
            },
            "edges": {
                "added": [list(e) for e in self.edges_added],
                "removed": [list(e) for e in self.edges_removed],
            },
            "config": {
                "changed": [{"key": k, "from": a, "to": b} for k, a, b in self.config_changed],
                "variants": [{"function": f, "from": a, "to": b} for f, a, b in self.variants],
            },
            "lineage": {
                "outputs_affected": self.outputs_affected,
                "paths_added": [p.json() for p in self.paths_added],
                "paths_removed": [p.json() for p in self.paths_removed],
                "policies_violated": [{"policy": p, "what": w} for p, w in self.policies_violated],
                "policies_satisfied": [
                    {"policy": p, "what": w} for p, w in self.policies_satisfied
                ],
                "outputs_broken": [{"driver": d, "output": o} for d, o in self.outputs_broken],
                "outputs_fixed": [{"driver": d, "output": o} for d, o in self.outputs_fixed],
            },
        }


@dataclass
class LineageDiff:
    base: str
    head: str
    dataflows: list[DataflowDiff]

    def json(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "dataflows": [d.json() for d in self.dataflows if d.changed],
            "unchanged": [d.name for d in self.dataflows if not d.changed],
        }

    def findings(self) -> set[str]:
        """The kinds of change `--fail-on` can name, that this diff has."""
        found: set[str] = set()
        for flow in self.dataflows:
            if any(p.pii for p in flow.paths_added):
                found.add("new-pii-paths")
            if flow.paths_added:
                found.add("new-paths")
            if flow.policies_violated:
                found.add("policy")
            if flow.outputs_broken:
                found.add("broken-outputs")
            if flow.removed or flow.status == "removed":
                found.add("removed-nodes")
            if flow.retyped:
                found.add("retyped")
            if flow.changed:
                found.add("any")
        return found


FAIL_ON = (
    "new-pii-paths",
    "new-paths",
    "policy",
    "broken-outputs",
    "removed-nodes",
    "retyped",
    "any",
)


# --- one side ------------------------------------------------------------------------------------


@dataclass
class ReadSide:
    scope: Scope
    root: Path
    flows: dict[str, NamedDataflow]
    bodies: dict[tuple[str, str], str]  # (path relative to root, function) -> body digest
    variants: dict[str, str]  # "module.function" -> its config decorators, as written


def read_side(scope: Scope, root: Path, label: str) -> ReadSide:
    bodies: dict[tuple[str, str], str] = {}
    variants: dict[str, str] = {}
    for path in scope.snapshot.paths():
        shown = relative(path, root)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
            # lint reports it (LD007); what of it still parses is in the graph, compared by name
            note(
                f"livedag diff: {label}: {shown} does not parse ({type(exc).__name__}); its "
                "functions are compared by name only (renames and body changes not seen)"
            )
            continue
        for statement in tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                digest = hashlib.sha1(
                    "\n".join(
                        [*(ast.dump(d) for d in statement.decorator_list), "|"]
                        + [ast.dump(s) for s in statement.body]
                    ).encode()
                ).hexdigest()
                bodies[(shown, statement.name)] = digest
                conditions = [
                    ast.unparse(d)
                    for d in statement.decorator_list
                    if "config" in ast.unparse(d).split("(")[0]
                ]
                if conditions:
                    module = shown.removesuffix(".py").replace("/", ".")
                    variants[f"{module}.{statement.name}"] = " ".join(f"@{c}" for c in conditions)
    return ReadSide(scope, root, {f.name: f for f in scope.dataflows}, bodies, variants)


def _body(side: ReadSide, node: NodeSpec) -> str | None:
    loc = node.location
    if loc is None or not loc.path or node.function is None:
        return None
    return side.bodies.get((relative(loc.path, side.root), node.function))


# --- comparing -----------------------------------------------------------------------------------


def compare(base: ReadSide, head: ReadSide, base_label: str, head_label: str) -> LineageDiff:
    out: list[DataflowDiff] = []
    for name in sorted(set(base.flows) | set(head.flows)):
        before, after = base.flows.get(name), head.flows.get(name)
        if before is None:
            assert after is not None
            out.append(_whole(name, "added", after, head))
        elif after is None:
            out.append(_whole(name, "removed", before, base))
        else:
            out.append(_compare_flow(name, before, after, base, head))
    return LineageDiff(base_label, head_label, out)


def _whole(name: str, status: str, flow: NamedDataflow, side: ReadSide) -> DataflowDiff:
    nodes = sorted(n for n, spec in flow.view.graph.nodes.items() if spec.kind is NodeKind.FUNCTION)
    diff = DataflowDiff(name, status)
    if status == "added":
        diff.added = nodes
        diff.paths_added = sorted(_tagged_paths(flow), key=_path_key)
        diff.policies_violated = sorted(_violations(flow.view.policies))
        diff.outputs_broken = sorted(_broken_outputs(flow, side))
    else:
        diff.removed = nodes
    return diff


def _compare_flow(
    name: str, before: NamedDataflow, after: NamedDataflow, base: ReadSide, head: ReadSide
) -> DataflowDiff:
    old, new = before.view.graph, after.view.graph
    old_nodes = {n: s for n, s in old.nodes.items() if s.kind is NodeKind.FUNCTION}
    new_nodes = {n: s for n, s in new.nodes.items() if s.kind is NodeKind.FUNCTION}
    diff = DataflowDiff(name)
    gone = sorted(set(old_nodes) - set(new_nodes))
    came = sorted(set(new_nodes) - set(old_nodes))
    # renames: one removed and one added node made by functions of the same body
    by_body: dict[str, list[str]] = {}
    for n in came:
        digest = _body(head, new_nodes[n])
        if digest is not None and new_nodes[n].function == n:
            by_body.setdefault(digest, []).append(n)
    renamed: dict[str, str] = {}
    for n in gone:
        digest = _body(base, old_nodes[n])
        match = by_body.get(digest or "", [])
        if digest is not None and old_nodes[n].function == n and len(match) == 1:
            renamed[n] = match.pop()
    diff.renamed = sorted(renamed.items())
    diff.removed = [n for n in gone if n not in renamed]
    diff.added = [n for n in came if n not in renamed.values()]
    changed: set[str] = set(diff.added) | set(renamed.values())
    for n in sorted(set(old_nodes) & set(new_nodes)):
        a, b = old_nodes[n], new_nodes[n]
        type_a = a.type.text if a.type is not None else None
        type_b = b.type.text if b.type is not None else None
        if type_a != type_b:
            diff.retyped.append((n, type_a, type_b))
            changed.add(n)
        if a.user_tags != b.user_tags:
            diff.tags_changed.append((n, a.user_tags, b.user_tags))
            changed.add(n)
        if _body(base, a) != _body(head, b):
            diff.body_changed.append(n)
            changed.add(n)
    for n, kind in ((n, s.kind) for n, s in new.nodes.items()):
        spec = old.nodes.get(n)
        if spec is not None and spec.kind is not kind:
            changed.add(n)  # a function became an input, or the other way round

    def renamed_edge(edge: tuple[str, str]) -> tuple[str, str]:
        return (renamed.get(edge[0], edge[0]), renamed.get(edge[1], edge[1]))

    old_edges = {renamed_edge(e) for e in old.graph.edges}
    new_edges = set(new.graph.edges)
    diff.edges_added = sorted(new_edges - old_edges)
    diff.edges_removed = sorted(old_edges - new_edges)
    changed.update(v for _, v in diff.edges_added)
    changed.update(v for _, v in diff.edges_removed if v in new.nodes)
    # config
    keys = set(before.view.config) | set(after.view.config)
    for key in sorted(keys):
        a_value, b_value = before.view.config.get(key), after.view.config.get(key)
        if a_value != b_value:
            diff.config_changed.append((key, a_value, b_value))
    for function in sorted(set(base.variants) | set(head.variants)):
        a_text, b_text = base.variants.get(function, ""), head.variants.get(function, "")
        modules = {m for m in (*before.view.modules, *after.view.modules)}
        if a_text != b_text and function.rpartition(".")[0] in modules:
            diff.variants.append((function, a_text, b_text))
    # lineage consequences
    below = new.downstream_of(*(c for c in changed if c in new.nodes)) | {
        c for c in changed if c in new.nodes
    }
    for n in diff.removed:  # what the removed node fed, now fed by an input or nothing
        below |= {c for c in old.graph.succ.get(n, {}) if c in new.nodes}
    below |= new.downstream_of(*(c for c in below if c in new.nodes)) if below else set()
    diff.outputs_affected = sorted(n for n in outputs_of(new) if n in below)
    old_paths = {_renamed_path(p, renamed) for p in _tagged_paths(before)}
    new_paths = _tagged_paths(after)
    diff.paths_added = sorted(new_paths - old_paths, key=_path_key)
    diff.paths_removed = sorted(old_paths - new_paths, key=_path_key)
    old_violations = {(p, _rename_text(w, renamed)) for p, w in _violations(before.view.policies)}
    new_violations = _violations(after.view.policies)
    diff.policies_violated = sorted(new_violations - old_violations)
    diff.policies_satisfied = sorted(old_violations - new_violations)
    old_broken, new_broken = _broken_outputs(before, base), _broken_outputs(after, head)
    diff.outputs_broken = sorted(new_broken - old_broken)
    diff.outputs_fixed = sorted(old_broken - new_broken)
    if not any(
        (
            diff.added,
            diff.removed,
            diff.renamed,
            diff.retyped,
            diff.tags_changed,
            diff.body_changed,
            diff.edges_added,
            diff.edges_removed,
            diff.config_changed,
            diff.variants,
            diff.policies_violated,
            diff.policies_satisfied,
            diff.outputs_broken,
            diff.outputs_fixed,
        )
    ):
        diff.status = "unchanged"
    _picture(diff, old, new, renamed)
    return diff


def outputs_of(graph: Any) -> list[str]:
    """The outputs: function nodes nothing consumes."""
    return [
        n
        for n, spec in graph.nodes.items()
        if spec.kind is NodeKind.FUNCTION and not graph.graph.succ.get(n)
    ]


def _tagged_paths(flow: NamedDataflow) -> set[TaggedPath]:
    graph = flow.view.graph
    sources = [
        spec
        for spec in graph.nodes.values()
        if spec.kind is NodeKind.FUNCTION
        and (is_pii(spec.user_tags) or any(t in spec.user_tags for t in SOURCE_TAGS))
    ]
    artifacts = {n for n, spec in graph.nodes.items() if ARTIFACT_TAG in spec.user_tags}
    if not artifacts:
        artifacts = set(outputs_of(graph))
    found: set[TaggedPath] = set()
    for spec in sources:
        pii = is_pii(spec.user_tags)
        for artifact in graph.downstream_of(spec.name) & artifacts:
            found.add(TaggedPath(spec.name, artifact, pii))
    return found


def _path_key(path: TaggedPath) -> tuple[bool, str, str]:
    return (not path.pii, path.source, path.artifact)


def _renamed_path(path: TaggedPath, renamed: Mapping[str, str]) -> TaggedPath:
    return TaggedPath(
        renamed.get(path.source, path.source), renamed.get(path.artifact, path.artifact), path.pii
    )


def _rename_text(text: str, renamed: Mapping[str, str]) -> str:
    for old, new in renamed.items():
        text = text.replace(f"`{old}`", f"`{new}`")
    return text


def _violations(check: PolicyCheck) -> set[tuple[str, str]]:
    return check.violations()


def _broken_outputs(flow: NamedDataflow, side: ReadSide) -> set[tuple[str, str]]:
    return {
        (relative(p.location.path, side.root) if p.location and p.location.path else "?", p.node)
        for p in flow.view.graph.problems + list(_driver_problems(flow))
        if p.code is Code.UNKNOWN_OUTPUT and p.node is not None
    }


def _driver_problems(flow: NamedDataflow) -> Iterable[Any]:
    checks = flow.view.driver_checks
    return checks.problems if checks is not None else ()


# --- the picture ---------------------------------------------------------------------------------

PICTURE_LIMIT = 40


def _picture(diff: DataflowDiff, old: Any, new: Any, renamed: Mapping[str, str]) -> None:
    """The changed neighbourhood: changed nodes and their direct neighbours, kept short."""
    marks: dict[str, str] = {}
    for n in diff.added:
        marks[n] = "added"
    for _, n in diff.renamed:
        marks[n] = "changed"
    for n, *_ in (*diff.retyped, *diff.tags_changed):
        marks.setdefault(n, "changed")
    for n in diff.body_changed:
        marks.setdefault(n, "changed")
    for n in diff.removed:
        marks[n] = "removed"
    for edge in (*diff.edges_added, *diff.edges_removed):
        for n in edge:
            marks.setdefault(n, "")
    for n in list(marks)[:PICTURE_LIMIT]:
        graph = old if marks[n] == "removed" else new
        for neighbour in (*graph.graph.pred.get(n, {}), *graph.graph.succ.get(n, {})):
            if len(marks) >= PICTURE_LIMIT:
                break
            marks.setdefault(renamed.get(neighbour, neighbour), "")
    chosen = dict(list(marks.items())[:PICTURE_LIMIT])
    removed_edges = set(diff.edges_removed)
    added_edges = set(diff.edges_added)
    edges: list[tuple[str, str, str]] = []
    for a, b in sorted(set(new.graph.edges) | removed_edges):
        if a in chosen and b in chosen:
            how = "added" if (a, b) in added_edges else "removed" if (a, b) in removed_edges else ""
            edges.append((a, b, how))
    for n in diff.removed:  # a removed node's own edges, from the old graph
        for a, b in [
            *((p, n) for p in old.graph.pred.get(n, {})),
            *((n, s) for s in old.graph.succ.get(n, {})),
        ]:
            a, b = renamed.get(a, a), renamed.get(b, b)
            if a in chosen and b in chosen and (a, b, "removed") not in edges:
                edges.append((a, b, "removed"))
    diff.picture_nodes = chosen
    diff.picture_edges = edges
