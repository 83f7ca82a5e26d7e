"""Quick fixes on livedag's diagnostics.

- LD002 (unknown dependency): replace the parameter with each "did you mean" name (the best one
  preferred), renaming its uses in the body the way rename does (`rename.rename_parameter`);
  declare the name as an input in `[tool.livedag]` when the dataflow is configured there; or
  create a stub function for the name in the module, annotated as the consumer annotates it.
- LD004 (type mismatch): annotate the consumer's parameter as the producer returns it, or the
  reverse: make the producer's return annotation the consumer's (a plain function node only);
  either adds the import the new annotation needs in the module it lands in.
- LD005 (missing return annotation): add `-> T` when every consumer annotates the node as `T`.
- LD010 (missing input): add the missing names to the driver's `inputs={...}`, valued `...` for
  the user to fill in.

The fixes are computed from the diagnostic's position and the current graph, not from the
message text, so they follow the code.
"""

from __future__ import annotations

import io
import sys
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine.codes import Code
from lsprotocol import types

from . import rename
from .convert import JsonArray, SourceLines
from .locate import Locator, Role, Target
from .session import Session
from .text_edits import Span, edit_json, import_edit, import_insert_line

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    from livedag.engine.specs import FunctionSpec
    from livedag.server.analyzer import ModuleAnalysis
    from livedag.server.workspace import DataflowView, Snapshot
    from pygls.lsp.server import LanguageServer


def _diagnostic_code(diagnostic: types.Diagnostic) -> Code | None:
    if diagnostic.source != "livedag" or not isinstance(diagnostic.code, str):
        return None
    return Code.parse(diagnostic.code)


def replacements(
    snapshot: Snapshot, view: DataflowView, target: Target, suggestions: list[str]
) -> list[tuple[str, rename.Plan]]:
    """For each suggestion, the edits replacing the unknown name with it (those a rename
    would refuse, say because the body already uses the name, are left out)."""
    out = []
    consumer = view.graph.node(target.nodes[0]) if target.nodes else None
    for suggestion in suggestions:
        plan = rename.Plan(target.name, suggestion)
        try:
            rename.rename_parameter(snapshot, plan, consumer, target.location, fixing_typo=True)
        except rename.Refused:
            continue
        if plan.edits:
            out.append((suggestion, plan))
    return out


def stub_text(name: str, annotation: str | None, text: str) -> tuple[Span, str]:
    """Where a stub function for `name` goes (the end of the module) and its text."""
    lines = text.splitlines()
    end_line = len(lines)
    end_column = len(lines[-1]) if lines else 0
    lead = "\n" if text and not text.endswith("\n") else ""
    returns = f" -> {annotation}" if annotation else ""
    body = (
        f'{lead}\n\ndef {name}(){returns}:\n    """TODO: what `{name}` is."""\n'
        "    raise NotImplementedError\n"
    )
    if not lines:
        return Span(1, 0, 1, 0), body.lstrip("\n")
    return Span(end_line, end_column, end_line, end_column), body


def return_annotation_insert(text: str, spec: FunctionSpec) -> Span | None:
    """Just after the `)` that closes `spec`'s parameter list, from the tokens of its header."""
    if spec.location is None:
        return None
    lines = text.splitlines(keepends=True)
    header = "".join(lines[spec.location.line - 1 : spec.location.line + 200])
    depth = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(header).readline):
            if tok.type == tokenize.OP and tok.string == "(":
                depth += 1
            elif tok.type == tokenize.OP and tok.string == ")":
                depth -= 1
                if depth == 0:
                    line = spec.location.line + tok.end[0] - 1
                    return Span(line, tok.end[1], line, tok.end[1])
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return None


def return_annotation_span(text: str, spec: FunctionSpec) -> Span | None:
    """The return annotation of `spec` (after `->`, up to the header's `:`), from its tokens."""
    if spec.location is None:
        return None
    line0 = spec.location.line
    lines = text.split("\n")
    header = "\n".join(lines[line0 - 1 : line0 + 200])
    depth = 0
    closed = arrow = False
    first: tuple[int, int] | None = None
    last: tuple[int, int] | None = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(header).readline):
            if tok.type in (tokenize.NL, tokenize.COMMENT):
                continue
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
                if depth == 0 and not closed:
                    closed = True
                    continue
            if not closed:
                continue
            if not arrow:
                if tok.string != "->":
                    return None
                arrow = True
                continue
            if depth == 0 and tok.type == tokenize.OP and tok.string == ":":
                break
            first = first or tok.start
            last = tok.end
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    if first is None or last is None:
        return None
    return Span(line0 + first[0] - 1, first[1], line0 + last[0] - 1, last[1])


def annotation_span(text: str, line: int, column: int) -> Span | None:
    """The annotation of the parameter whose name starts at 1-based `line`, `column`: from the
    tokens after the name's `:` up to the `,`, `)` or `=` that ends it."""
    lines = text.split("\n")
    piece = "\n".join([lines[line - 1][column:], *lines[line : line + 50]])
    depth = 0
    first: tuple[int, int] | None = None
    last: tuple[int, int] | None = None
    seen_colon = False
    try:
        for index, tok in enumerate(tokenize.generate_tokens(io.StringIO(piece).readline)):
            if tok.type in (tokenize.NL, tokenize.COMMENT):
                continue
            if index == 0:
                if tok.type != tokenize.NAME:
                    return None
                continue
            if not seen_colon:
                if tok.string != ":":
                    return None
                seen_colon = True
                continue
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and tok.type == tokenize.OP and tok.string in (",", "="):
                break
            elif tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                break
            first = first or tok.start
            last = tok.end
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    if first is None or last is None:
        return None

    def absolute(at: tuple[int, int]) -> tuple[int, int]:
        row, col = at
        return (line + row - 1, col + (column if row == 1 else 0))

    (start_line, start_col), (end_line, end_col) = absolute(first), absolute(last)
    return Span(start_line, start_col, end_line, end_col)


def dict_end(text: str, line: int, column: int) -> Span | None:
    """Just before the `}` closing the dict literal that holds the key starting at 1-based
    `line`, `column` (from the tokens that follow the key)."""
    lines = text.split("\n")
    piece = "\n".join([lines[line - 1][column:], *lines[line : line + 200]])
    depth = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(piece).readline):
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                if depth == 0:
                    if tok.string != "}":
                        return None
                    row, col = tok.start
                    at_line = line + row - 1
                    at_col = col + (column if row == 1 else 0)
                    return Span(at_line, at_col, at_line, at_col)
                depth -= 1
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return None


def missing_inputs(view: DataflowView, use: Any) -> list[str]:
    """The inputs a driver's requested outputs need that its `inputs=` and config do not give."""
    outputs = [str(o) for o in use.outputs if str(o) in view.graph.nodes]
    needed = view.graph.required_inputs(outputs)
    given = {str(i) for i in use.inputs} | {str(k) for k in view.config}
    return sorted(n for n in needed if n not in given)


def declared_input_edit(pyproject_text: str, dataflow: str, name: str) -> Span | None:
    """Where `"name", ` goes in `[tool.livedag]`'s `inputs = [...]` of `dataflow`: just after
    the `[`.  The edited text is parsed again and accepted only when that dataflow's inputs then
    hold `name` and nothing else changed, so a layout this does not follow gives no fix."""
    lines = pyproject_text.split("\n")
    table: str | None = None
    table_name: str | None = None
    for index, raw in enumerate(lines):
        text = raw.strip()
        if text.startswith("["):
            table = text
            table_name = None
            prefix = "[tool.livedag.dataflows."
            if text.startswith(prefix) and text.endswith("]") and not text.startswith("[["):
                table_name = text[len(prefix) : -1].strip().strip('"')
            continue
        if table == "[[tool.livedag.dataflows]]" and text.startswith("name"):
            key, _, value = text.partition("=")
            if key.strip() == "name":
                table_name = value.strip().strip('"').strip("'")
        if text.startswith("inputs") and text.partition("=")[0].strip() == "inputs":
            bracket = raw.find("[")
            if bracket < 0:
                continue
            span = Span(index + 1, bracket + 1, index + 1, bracket + 1)
            if _declares(pyproject_text, span, dataflow, name, table_name):
                return span
    return None


def _declares(text: str, span: Span, dataflow: str, name: str, table_name: str | None) -> bool:
    if table_name != dataflow:
        return False
    lines = text.split("\n")
    line = lines[span.line - 1]
    empty = line[span.column :].lstrip().startswith("]")
    lines[span.line - 1] = (
        line[: span.column] + f'"{name}"' + ("" if empty else ", ") + line[span.column :]
    )
    try:
        before = tomllib.loads(text)
        after = tomllib.loads("\n".join(lines))
    except tomllib.TOMLDecodeError:
        return False

    def flows(doc: dict[str, Any]) -> dict[str, Any]:
        declared = doc.get("tool", {}).get("livedag", {}).get("dataflows", {})
        if isinstance(declared, list):
            return {str(d.get("name")): d for d in declared if isinstance(d, dict)}
        return {str(k): v for k, v in declared.items()} if isinstance(declared, dict) else {}

    old, new = flows(before), flows(after)
    if dataflow not in old or dataflow not in new:
        return False
    wanted = dict(old[dataflow])
    wanted["inputs"] = [name, *old[dataflow].get("inputs", [])]
    return new[dataflow] == wanted and {k: v for k, v in new.items() if k != dataflow} == {
        k: v for k, v in old.items() if k != dataflow
    }


def register(server: LanguageServer, session: Session, locator: Locator) -> None:
    def workspace_edit(plan: rename.Plan) -> dict[str, Any]:
        return rename.workspace_edit(session, plan)

    def action(
        title: str, diagnostic: types.Diagnostic, edit: dict[str, Any], preferred: bool = False
    ) -> dict[str, Any]:
        made: dict[str, Any] = {
            "title": title,
            "kind": types.CodeActionKind.QuickFix.value,
            "edit": edit,
        }
        if preferred:
            made["isPreferred"] = True
        return made

    def fixes(snapshot: Snapshot, path: Path, diagnostic: types.Diagnostic) -> list[dict[str, Any]]:
        code = _diagnostic_code(diagnostic)
        lines = session.lines(path)
        start = diagnostic.range.start
        column = session.positions.from_client(lines, start.line, start.character)
        if code is Code.MISSING_INPUT:
            return missing_input_fixes(snapshot, path, start.line + 1, diagnostic)
        pointed = locator.at(snapshot, path, start.line + 1, column)
        if not pointed:
            return []
        view, target = pointed[0]
        module = snapshot.module(path)
        out: list[dict[str, Any]] = []
        if code is Code.UNKNOWN_DEPENDENCY and target.role is Role.PARAMETER and module:
            suggestions = session.indexes.of(view.graph).closest_names(target.name)
            for index, (name, plan) in enumerate(replacements(snapshot, view, target, suggestions)):
                out.append(
                    action(
                        f"Replace `{target.name}` with `{name}`",
                        diagnostic,
                        workspace_edit(plan),
                        preferred=index == 0,
                    )
                )
            spec = target.function
            annotation = None
            if spec is not None:
                param = next((p for p in spec.parameters if p.name == target.name), None)
                if param is not None and param.annotation is not None:
                    annotation = param.annotation.text
            declared = declare_input_fix(view, target.name)
            if declared is not None:
                out.append(action(declared[0], diagnostic, declared[1]))
            span, text = stub_text(target.name, annotation, module.text)
            uri = session.uri_of(path)
            edit = {"changes": {uri: [edit_json(session.positions, lines, span, text)]}}
            out.append(action(f"Create function `{target.name}` in this module", diagnostic, edit))
        if code is Code.TYPE_MISMATCH and target.role is Role.PARAMETER and module:
            out.extend(mismatch_fixes(snapshot, path, module, view, target, diagnostic))
        if code is Code.MISSING_ANNOTATION and target.role is Role.FUNCTION and module:
            spec = target.function
            if spec is not None and spec.returns is None:
                types_seen = {
                    dep.type.text
                    for name in target.nodes
                    for _, dep in view.graph.consumers(name)
                    if dep.type is not None
                }
                at = return_annotation_insert(module.text, spec)
                if len(types_seen) == 1 and at is not None:
                    (wanted,) = types_seen
                    uri = session.uri_of(path)
                    edit = {
                        "changes": {uri: [edit_json(session.positions, lines, at, f" -> {wanted}")]}
                    }
                    out.append(
                        action(
                            f"Add `-> {wanted}` (how its consumers annotate it)",
                            diagnostic,
                            edit,
                            preferred=True,
                        )
                    )
        return out

    def with_import(
        edits: dict[Path, list[tuple[Span, str]]],
        path: Path,
        analysis: ModuleAnalysis,
        type_text: str,
        source: ModuleAnalysis | None,
    ) -> None:
        """Adds to `edits` the import `analysis` needs for an annotation written `type_text` in
        `source` (where the name's import is read from)."""
        head = type_text.split(".", 1)[0].split("[", 1)[0].strip()
        if not head.isidentifier() or source is None:
            return
        needed = import_edit(analysis.imports, head, source.imports, source.module)
        if needed is not None:
            line = import_insert_line(analysis.text)
            edits.setdefault(path, []).append((Span(line + 1, 0, line + 1, 0), needed + "\n"))

    def changes(edits: dict[Path, list[tuple[Span, str]]]) -> dict[str, Any]:
        return {
            "changes": {
                session.uri_of(at): [
                    edit_json(session.positions, session.lines(at), span, text)
                    for span, text in spans
                ]
                for at, spans in edits.items()
            }
        }

    def mismatch_fixes(
        snapshot: Snapshot,
        path: Path,
        module: ModuleAnalysis,
        view: DataflowView,
        target: Target,
        diagnostic: types.Diagnostic,
    ) -> list[dict[str, Any]]:
        """LD004: the consumer annotated as the producer returns, and the reverse."""
        out: list[dict[str, Any]] = []
        producer = view.graph.node(target.name)
        if producer is None or producer.type is None:
            return out
        loc = producer.location
        producer_path = Path(loc.path) if loc is not None and loc.path else None
        producer_module = snapshot.module(producer_path) if producer_path else None
        at = annotation_span(module.text, target.location.line, target.location.column)
        wanted = producer.type.text
        if at is not None:
            edits: dict[Path, list[tuple[Span, str]]] = {path: [(at, wanted)]}
            with_import(edits, path, module, wanted, producer_module)
            out.append(
                action(
                    f"Annotate `{target.name}` as `{wanted}` (what `{target.name}` returns)",
                    diagnostic,
                    changes(edits),
                    preferred=True,
                )
            )
        # The reverse: only a function that makes this one node, returning it as annotated.
        spec = target.function
        param = next((p for p in spec.parameters if p.name == target.name), None) if spec else None
        consumer_type = param.annotation.text if param and param.annotation else None
        producer_spec = (
            next(
                (f for f in reversed(producer_module.functions) if f.name == producer.function),
                None,
            )
            if producer_module is not None
            else None
        )
        if (
            consumer_type is None
            or producer_path is None
            or producer_module is None
            or producer_spec is None
            or producer_spec.returns is None
            or producer_spec.returns.text != wanted
            or producer.function != producer.name
        ):
            return out
        returns_at = return_annotation_span(producer_module.text, producer_spec)
        if returns_at is None:
            return out
        edits = {producer_path: [(returns_at, consumer_type)]}
        with_import(edits, producer_path, producer_module, consumer_type, module)
        consumer = spec.name if spec is not None else "its consumer"
        out.append(
            action(
                f"Make `{producer.name}` return `{consumer_type}` (as `{consumer}` annotates it)",
                diagnostic,
                changes(edits),
            )
        )
        return out

    def declare_input_fix(view: DataflowView, name: str) -> tuple[str, dict[str, Any]] | None:
        """Add `name` to the declared inputs of a dataflow configured in pyproject.toml."""
        workspace = session.workspace
        pyproject = workspace.project.pyproject if workspace is not None else None
        if pyproject is None or not view.name.startswith("pyproject:"):
            return None
        uri = session.uri_of(pyproject)
        text = session.document_text(uri)
        if text is None:
            try:
                text = Path(pyproject).read_text()
            except OSError:
                return None
        flow = view.name.split(":", 1)[1]
        span = declared_input_edit(text, flow, name)
        if span is None:
            return None
        empty = text.split("\n")[span.line - 1][span.column :].lstrip().startswith("]")
        new_text = f'"{name}"' + ("" if empty else ", ")
        lines = SourceLines(text)
        edit = {"changes": {uri: [edit_json(session.positions, lines, span, new_text)]}}
        return f"Declare `{name}` as an input of dataflow `{flow}` (pyproject.toml)", edit

    def missing_input_fixes(
        snapshot: Snapshot, path: Path, line: int, diagnostic: types.Diagnostic
    ) -> list[dict[str, Any]]:
        module = snapshot.module(path)
        if module is None:
            return []
        lines = session.lines(path)
        out: list[dict[str, Any]] = []
        for view in snapshot.dataflows_for(path):
            for driver_path, use in view.drivers:
                if driver_path != path or use.location is None or use.location.line != line:
                    continue
                keys = [getattr(k, "location", None) for k in use.inputs]
                last = keys[-1] if keys else None
                at = dict_end(module.text, last.line, last.column) if last is not None else None
                names = missing_inputs(view, use)
                if at is None or not names:
                    continue
                added = "".join(f', "{name}": ...' for name in names)
                uri = session.uri_of(path)
                edit = {"changes": {uri: [edit_json(session.positions, lines, at, added)]}}
                listed = ", ".join(f"`{n}`" for n in names)
                out.append(action(f"Add {listed} to inputs={{...}}", diagnostic, edit, True))
            if out:
                break
        return out

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    async def code_action(ls: LanguageServer, params: types.CodeActionParams) -> JsonArray | None:
        snapshot = await session.current_when_ready()
        path = session.path_of(params.text_document.uri)
        if snapshot is None or path is None:
            return None
        out: list[dict[str, Any]] = []
        for diagnostic in params.context.diagnostics:
            if _diagnostic_code(diagnostic) is not None:
                out.extend(fixes(snapshot, path, diagnostic))
        return JsonArray(out) or None
