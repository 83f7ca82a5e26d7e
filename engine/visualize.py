"""Pictures of a dataflow as text: Graphviz DOT and Mermaid, plus rendering DOT when possible.

The driver, the CLI (`livedag graph --format dot|mermaid`) and the language server's graph preview
share these, so a dataflow looks the same everywhere.  Only rendering to an image needs the
Graphviz `dot` program; without it the DOT text is written instead and the user is told why.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from .dataflow import OPTIONAL_TAG, Dataflow
from .specs import NodeKind, NodeSpec

_KIND_STYLE = {
    NodeKind.FUNCTION: 'shape=box, style="rounded,filled", fillcolor="#e8f0fe"',
    NodeKind.INPUT: 'shape=box, style="rounded,dashed"',
    NodeKind.CONFIG: 'shape=note, style=filled, fillcolor="#fff4d6"',
}
_OPTIONAL_INPUT_STYLE = 'shape=box, style="rounded,dotted"'


def _selected(flow: Dataflow, nodes: Collection[str] | None) -> list[str]:
    if nodes is None:
        return list(flow.nodes)
    wanted = set(nodes)
    return [name for name in flow.nodes if name in wanted]


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _label(spec: NodeSpec) -> str:
    kind = "" if spec.kind is NodeKind.FUNCTION else f" ({spec.kind.value})"
    return f"{spec.name}{kind}\n{spec.type}" if spec.type is not None else spec.name + kind


def to_dot(
    flow: Dataflow,
    nodes: Collection[str] | None = None,
    *,
    outputs: Collection[str] = (),
    supplied: Collection[str] = (),
    overrides: Collection[str] = (),
    focus: str | None = None,
    path: Collection[str] = (),
    orient: str = "LR",
    hide_inputs: bool = False,
    show_legend: bool = False,
    graph_attributes: Mapping[str, Any] | None = None,
) -> str:
    """DOT text for the dataflow (or the `nodes` subset): functions as boxes, inputs dashed,
    config as notes, data loaders and savers as cylinders, requested `outputs` bold,
    `overrides` and `supplied` inputs marked, edges within `path` drawn thick."""
    names = [
        n
        for n in _selected(flow, nodes)
        if not (hide_inputs and flow.nodes[n].kind is NodeKind.INPUT)
    ]
    shown = set(names)
    lines = ["digraph dataflow {", f"  graph [rankdir={orient}];"]
    for key, value in (graph_attributes or {}).items():
        lines.append(f"  graph [{key}={_dot_string(str(value))}];")
    lines.append('  node [fontname="Helvetica", fontsize=11];')
    for name in names:
        spec = flow.nodes[name]
        # An input every consumer has a default for is dotted instead of dashed (one style=).
        optional = is_optional_input(spec)
        style = [_OPTIONAL_INPUT_STYLE if optional else _KIND_STYLE[spec.kind]]
        if _moves_data(spec):
            style.append("shape=cylinder")
        if name in outputs:
            style.append('penwidth=2.5, color="#1a56db"')
        if name in overrides:
            style.append('fillcolor="#fde8e8", style="rounded,filled"')
        elif name in supplied:
            style.append('color="#057a55"')
        if name == focus:
            style.append('penwidth=3, color="#c81e1e"')
        tooltip = spec.doc.strip().splitlines()[0] if spec.doc.strip() else name
        lines.append(
            f"  {_dot_string(name)} [label={_dot_string(_label(spec))}, "
            f"tooltip={_dot_string(tooltip)}, {', '.join(style)}];"
        )
    for producer, consumer, data in flow.graph.edges(data=True):
        if producer in shown and consumer in shown:
            edge = " [style=dashed]" if data.get("optional") else ""
            if producer in path and consumer in path:
                edge = ' [penwidth=2.5, color="#c81e1e"]'

            lines.append(f"  {_dot_string(producer)} -> {_dot_string(consumer)}{edge};")
    if show_legend:
        lines.extend(_dot_legend())
    lines.append("}")
    return "\n".join(lines) + "\n"


def _moves_data(spec: NodeSpec) -> bool:
    """A node that loads or saves data (`load_from`, `save_to`, `from_`, `to`)."""
    return bool(spec.tags.get("hamilton.data_loader") or spec.tags.get("hamilton.data_saver"))


def _dot_legend() -> list[str]:
    return [
        "  subgraph cluster_legend {",
        '    label="legend"; fontname="Helvetica";',
        f'    "legend: function" [label="function", {_KIND_STYLE[NodeKind.FUNCTION]}];',
        f'    "legend: input" [label="input", {_KIND_STYLE[NodeKind.INPUT]}];',
        f'    "legend: config" [label="config", {_KIND_STYLE[NodeKind.CONFIG]}];',
        "  }",
    ]


_MERMAID_RESERVED = frozenset(
    {"end", "graph", "subgraph", "flowchart", "style", "class", "classdef", "click", "linkstyle"}
    | {"direction", "default"}
)


def _mermaid_ids(names: list[str]) -> dict[str, str]:
    ids: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"\W", "_", name) or "node"
        candidate = base if base.lower() not in _MERMAID_RESERVED else f"{base}_"
        counter = 1
        while candidate in used:
            counter += 1
            candidate = f"{base}_{counter}"
        used.add(candidate)
        ids[name] = candidate
    return ids


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(
    flow: Dataflow,
    nodes: Collection[str] | None = None,
    *,
    outputs: Collection[str] = (),
    focus: str | None = None,
    orient: str = "LR",
) -> str:
    """Mermaid `flowchart` text for the dataflow (or the `nodes` subset)."""
    names = _selected(flow, nodes)
    ids = _mermaid_ids(names)
    lines = [f"flowchart {orient}"]
    for name in names:
        spec = flow.nodes[name]
        label = _mermaid_text(name)
        if spec.type is not None:
            label += f"<br/><i>{_mermaid_text(str(spec.type))}</i>"
        node_id = ids[name]
        if spec.kind is NodeKind.INPUT:
            lines.append(f'  {node_id}(["{label}"])')
        elif spec.kind is NodeKind.CONFIG:
            lines.append(f'  {node_id}[/"{label}"/]')
        else:
            lines.append(f'  {node_id}["{label}"]')
    for producer, consumer, data in flow.graph.edges(data=True):
        if producer in ids and consumer in ids:
            arrow = "-.->" if data.get("optional") else "-->"
            lines.append(f"  {ids[producer]} {arrow} {ids[consumer]}")
    lines.append("  classDef input stroke-dasharray: 5 5")
    lines.append("  classDef config fill:#fff4d6")
    lines.append("  classDef output stroke-width:3px")
    lines.append("  classDef focus stroke:#c81e1e,stroke-width:3px")
    for css, members in (
        ("input", [n for n in names if flow.nodes[n].kind is NodeKind.INPUT]),
        ("config", [n for n in names if flow.nodes[n].kind is NodeKind.CONFIG]),
        ("output", [n for n in names if n in outputs]),
        ("focus", [n for n in names if n == focus]),
    ):
        if members:
            lines.append(f"  class {','.join(ids[n] for n in members)} {css}")
    return "\n".join(lines) + "\n"


def is_optional_input(spec: NodeSpec) -> bool:
    return spec.kind is NodeKind.INPUT and bool(spec.tags.get(OPTIONAL_TAG))


class GraphvizMissingWarning(UserWarning):
    """The `dot` program is not installed, so an image could not be rendered."""


def render(
    dot: str,
    output_file_path: str | Path,
    render_kwargs: Mapping[str, Any] | None = None,
    *,
    keep_dot: bool = False,
) -> Path:
    """Write `dot` to `output_file_path`, as an image when Graphviz can render it.

    The format comes from `render_kwargs["format"]`, else the file's suffix (no suffix: png).
    `.dot`/`.gv` files get the text itself.  Without the `dot` program (or if it fails) the text
    is written next to the requested file with a `.dot` suffix and a GraphvizMissingWarning says
    how to get the image.  Returns the path written.
    """
    target = Path(output_file_path)
    fmt = str((render_kwargs or {}).get("format") or target.suffix.lstrip(".") or "png")
    if not target.suffix:
        target = target.with_suffix(f".{fmt}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("dot", "gv"):
        target.write_text(dot)
        return target
    dot_path = target.with_suffix(".dot")
    program = shutil.which("dot")
    if program is None:
        dot_path.write_text(dot)
        warnings.warn(
            f"Graphviz's `dot` program is not installed, so {target} was not rendered; the DOT "
            f"text is in {dot_path}. Install Graphviz (e.g. `apt install graphviz` or `brew "
            f"install graphviz`) to render images, or paste the text into any DOT viewer",
            GraphvizMissingWarning,
            stacklevel=2,
        )
        return dot_path
    try:
        subprocess.run(
            [program, f"-T{fmt}", "-o", str(target)],
            input=dot,
            text=True,
            capture_output=True,
            check=True,
            timeout=120,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        dot_path.write_text(dot)
        detail = getattr(exc, "stderr", "") or str(exc)
        warnings.warn(
            f"Graphviz could not render {target} ({detail.strip()}); the DOT text is in {dot_path}",
            GraphvizMissingWarning,
            stacklevel=2,
        )
        return dot_path
    if keep_dot:
        dot_path.write_text(dot)
    return target
