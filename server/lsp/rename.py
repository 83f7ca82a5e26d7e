"""Rename a node everywhere its name is written: `prepareRename` and `rename`.

A node's name is written at its definition (the `def` name, keeping a `__suffix` of
`@config.when` variants, or the decorator string that names it: `@extract_columns("age")`), at
every parameter that consumes it and that parameter's uses in the consumer's body (a Python-correct
local rename, `python_names`), in decorator strings that ask for it (`source("age")`), and in
driver scripts (`execute([...])`, `final_vars`, `inputs` and `overrides` keys, lineage calls).
When the `def` itself is renamed, the module's Python references to the function are renamed too.

Nothing is guessed: a name the code computes (`@parameterize` keys, names derived from the
function's name by its decorators), a new name that collides with a node or with a name a
consumer's body already uses, a module that imports the function by name, or a piece of code that
does not parse: each is refused with a message saying where and why.  The places come from the
graphs the diagnostics use (`Dataflow.definitions` / `consumers`), so nothing here knows what a
decorator does.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine.codes import Code
from livedag.engine.specs import FunctionSpec, Location, NodeKind, NodeSpec
from livedag.server.analyzer import document_lines
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from . import python_names, token_context
from .convert import JsonObject
from .graph_index import GraphIndexes
from .locate import Locator, Role, Target
from .session import Session
from .text_edits import Span, edit_json, range_json

if TYPE_CHECKING:
    from livedag.server.analyzer import ModuleAnalysis
    from livedag.server.workspace import DataflowView, Snapshot
    from pygls.lsp.server import LanguageServer

REQUEST_FAILED = -32803  # the protocol's RequestFailed
INDEXES = GraphIndexes()  # replaced by the session's own when the server registers


class Refused(Exception):
    """A rename livedag will not make, and why (shown to the user as it is)."""


class RenameRefused(JsonRpcException):
    """A refusal as the protocol answers it (RequestFailed, with the reason as the message)."""

    CODE = REQUEST_FAILED


class _RefusalsAreAnswers(logging.Filter):
    """pygls logs every error a handler raises with its traceback; a refused rename is an
    answer, not a failure, so its record is dropped (other errors are still logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, RenameRefused)


@dataclass
class Plan:
    """The edits of a rename: per file, span -> new text."""

    old: str
    new: str
    edits: dict[Path, dict[Span, str]] = field(default_factory=dict)

    def add(self, path: Path | str, span: Span, text: str) -> None:
        self.edits.setdefault(Path(path), {})[span] = text


def _where(path: str | Path | None, line: int) -> str:
    return f"{Path(path).name if path else '?'}:{line}"


def _text_at(snapshot: Snapshot, location: Location) -> str | None:
    """The text a one-line location covers, from the analysed text."""
    if location.path is None or location.line != location.end_line:
        return None
    module = snapshot.module(Path(location.path))
    if module is None:
        return None
    lines = _lines(module)
    if not 0 < location.line <= len(lines):
        return None
    return lines[location.line - 1][location.column : location.end_column]


_LINES: dict[int, tuple[str, list[str]]] = {}


def _lines(module: ModuleAnalysis) -> list[str]:
    """The module's lines (cached by text identity for the few modules a rename touches)."""
    cached = _LINES.get(id(module.text))
    if cached is not None and cached[0] is module.text:
        return cached[1]
    lines = document_lines(module.text)
    if len(_LINES) > 1024:
        _LINES.clear()
    _LINES[id(module.text)] = (module.text, lines)
    return lines


def _string_span(location: Location, text: str, name: str) -> Span | None:
    """The content of a plain string literal `text` at `location` when it is exactly `name`."""
    for quote in ('"', "'"):
        if text == f"{quote}{name}{quote}":
            column = location.column + 1
            return Span(location.line, column, location.line, column + len(name))
    return None


def name_span(snapshot: Snapshot, location: Location, name: str) -> Span | None:
    """Where `name` is written at `location`: an identifier, a `name__suffix` def name (its
    first part) or a string literal; None when the text there is something else (computed)."""
    text = _text_at(snapshot, location)
    if text is None:
        return None
    if text == name or (text.startswith(name + "__") and text.isidentifier()):
        return Span(location.line, location.column, location.line, location.column + len(name))
    return _string_span(location, text, name)


def definition_span(snapshot: Snapshot, location: Location, name: str) -> Span | None:
    """`name_span`, or for a decorator that names its nodes by keyword
    (`@parameterize(income_scaled=...)`) the keyword at `location`'s decorator."""
    span = name_span(snapshot, location, name)
    if span is not None or location.path is None:
        return span
    module = snapshot.module(Path(location.path))
    found = _function_of(module, location.line) if module is not None else None
    if module is None or found is None:
        return None
    spec, start, end = found
    tree = python_names.parse_statement(_lines(module), start, end)
    function = next(
        (
            s
            for s in (tree.body if tree is not None else [])
            if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == spec.name
        ),
        None,
    )
    for decorator in function.decorator_list if function is not None else []:
        if decorator.lineno != location.line or not isinstance(decorator, ast.Call):
            continue
        for keyword_arg in decorator.keywords:
            if keyword_arg.arg == name:
                line = keyword_arg.lineno
                text = _lines(module)[line - 1]
                column = len(text.encode()[: keyword_arg.col_offset].decode(errors="ignore"))
                if text[column : column + len(name)] == name:
                    return Span(line, column, line, column + len(name))
    return None


def _views_with(snapshot: Snapshot, name: str) -> list[DataflowView]:
    found = []
    for view in snapshot.dataflows:
        graph = view.graph
        if name in graph.nodes or graph.consumers(name) or graph.definitions(name):
            found.append(view)
        elif any(name in (*use.outputs, *use.inputs) for _, use in view.drivers):
            found.append(view)
    return found


_DOTTED: weakref.WeakKeyDictionary[Any, dict[str, list[str]]] = weakref.WeakKeyDictionary()
_STARTS: dict[int, tuple[tuple[FunctionSpec, ...], list[int]]] = {}


def dotted_relatives(view: DataflowView, name: str) -> list[str]:
    """Nodes named `name.<...>` or `<...>.name` (pipe steps, subdag namespaces): from the
    graph's sorted names (a bisection) and a per-graph table of dotted names by last part."""
    names = INDEXES.of(view.graph).names
    found = []
    prefix = name + "."
    index = bisect.bisect_left(names, prefix)
    while index < len(names) and names[index].startswith(prefix):
        found.append(names[index])
        index += 1
    tails = _DOTTED.get(view.graph)
    if tails is None:
        tails = {}
        for other in names:
            if "." in other:
                tails.setdefault(other.rsplit(".", 1)[1], []).append(other)
        _DOTTED[view.graph] = tails
    return found + tails.get(name, [])


def _starts(module: ModuleAnalysis) -> list[int]:
    """The line each function's statement starts on (cached per analysis)."""
    cached = _STARTS.get(id(module.functions))
    if cached is not None and cached[0] is module.functions:
        return cached[1]
    starts = [_start_line(f) for f in module.functions]
    if len(_STARTS) > 1024:
        _STARTS.clear()
    _STARTS[id(module.functions)] = (module.functions, starts)
    return starts


def _function_of(module: ModuleAnalysis, line: int) -> tuple[FunctionSpec, int, int | None] | None:
    """The top-level function whose header or body holds 1-based `line`, with the line its
    statement starts on and the line the next function starts on (None: the end)."""
    functions = module.functions
    starts = _starts(module)
    position = bisect.bisect_right(starts, line) - 1
    if position < 0:
        return None
    end = starts[position + 1] if position + 1 < len(starts) else None
    return functions[position], starts[position], end


def _start_line(spec: FunctionSpec) -> int:
    line = spec.location.line if spec.location is not None else 0
    for call in spec.decorators:
        if call.location is not None and call.location.line < line:
            line = call.location.line
    return line


def _function_ast(
    module: ModuleAnalysis, spec: FunctionSpec, start: int, end: int | None
) -> ast.FunctionDef | ast.AsyncFunctionDef:
    tree = python_names.parse_statement(_lines(module), start, end)
    if tree is not None:
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == spec.name:
                return stmt
    line = spec.location.line if spec.location is not None else start
    raise Refused(
        f"`{spec.name}` ({_where(module.path, line)}) does not parse as it is; "
        "fix it and rename again"
    )


def check_definitions(snapshot: Snapshot, name: str, views: Iterable[DataflowView]) -> None:
    """Refuse when a definition of `name` is not written where a rename can reach it."""
    for view in views:
        for node in view.graph.definitions(name):
            _definition_span(snapshot, view, node)


def _definition_span(snapshot: Snapshot, view: DataflowView, node: NodeSpec) -> Span | None:
    """Where a definition writes its name; None for inputs; refuses computed names."""
    if node.kind is NodeKind.INPUT:
        return None
    if node.kind is NodeKind.CONFIG:
        raise Refused(
            f"`{node.name}` is a config value of dataflow `{view.name}`: rename it where the "
            "config is written (the driver's config or [tool.livedag])"
        )
    loc = node.location
    span = definition_span(snapshot, loc, node.name) if loc is not None else None
    if span is None or loc is None:
        where = _where(loc.path, loc.line) if loc is not None else f"module `{node.module}`"
        raise Refused(
            f"`{node.name}` is a name the code computes (made by `{node.function}` at {where}, "
            "not written as it is): rename it where it is computed"
        )
    _check_written_by_function(snapshot, node, loc)
    if (_text_at(snapshot, loc) or "")[:1] in ("'", '"'):
        raise Refused(
            f"`{node.name}` is named by a string in a decorator of `{node.function}` "
            f"({_where(loc.path, loc.line)}), which is also the key of the data it takes (a "
            "column or field of what the function returns): renaming it there would change what "
            "runs. Rename the column where the data is made, then the string, by hand"
        )
    derived = dotted_relatives(view, node.name)
    if node.module is not None and node.function is not None:
        derived += [
            n.name
            for n in snapshot_index_made_by(view, node.module, node.function)
            if n.name != node.name and node.name in n.name
        ]
    if derived:
        listed = ", ".join(f"`{d}`" for d in sorted(set(derived))[:5])
        raise Refused(
            f"renaming `{node.name}` would also rename {listed}, which decorators name after "
            "it; livedag does not rename those yet"
        )
    return span


def _check_written_by_function(snapshot: Snapshot, node: NodeSpec, loc: Location) -> None:
    """Refuse a name written outside its function's header (a module constant such as
    `COLUMNS = ["a", "b"]`): other code may read that text too."""
    module = snapshot.module(Path(loc.path)) if loc.path else None
    spec = next((f for f in module.functions if f.name == node.function), None) if module else None
    if spec is None or spec.location is None:
        return
    if not _start_line(spec) <= loc.line <= spec.location.line:
        raise Refused(
            f"`{node.name}` is written at {_where(loc.path, loc.line)}, outside `{spec.name}` "
            "(a constant other code may read too): rename it there by hand"
        )


def snapshot_index_made_by(view: DataflowView, module: str, function: str) -> list[NodeSpec]:
    """The nodes `function` of `module` makes in `view` (from the shared per-graph index)."""
    return INDEXES.of(view.graph).made_by(module, function)


# Decorators that bind parameters or nodes by name in ways livedag does not rewrite yet: a rename
# touching a function with one of them, or a module one of them reads, is refused.
NOT_REWRITTEN = frozenset(
    {
        "pipe",
        "pipe_input",
        "pipe_output",
        "mutate",
        "step",
        "subdag",
        "parameterized_subdag",
        "with_columns",
        "inject",
        "flow",
    }
)


def _refuse_unrewritten(snapshot: Snapshot, path: Path, name: str) -> None:
    module = snapshot.module(path)
    if module is None:
        return
    for spec in module.functions:
        for call in spec.decorators:
            if call.name in NOT_REWRITTEN:
                line = call.location.line if call.location is not None else 0
                raise Refused(
                    f"`{name}` is used in {path.name}, where @{call.name} ({_where(path, line)}) "
                    "binds names livedag does not rewrite yet; rename it by hand"
                )


def plan_rename(snapshot: Snapshot, old: str, new: str) -> Plan:
    """Every edit that renames node `old` to `new`, or `Refused`."""
    if not new.isidentifier() or keyword.iskeyword(new):
        raise Refused(f"`{new}` is not a Python identifier: a node name must be one")
    if new == old:
        return Plan(old, new)
    views = _views_with(snapshot, old)
    if not views:
        raise Refused(f"no dataflow has a node `{old}`")
    for view in views:
        clash = view.graph.node(new)
        if clash is not None:
            loc = clash.location
            where = f" at {_where(loc.path, loc.line)}" if loc is not None else ""
            raise Refused(f"`{new}` is already a node of dataflow `{view.name}`{where}")
    plan = Plan(old, new)
    renamed_defs: dict[Path, list[FunctionSpec]] = {}
    named_by_decorator: list[tuple[Path, str]] = []
    for view in views:
        for node in view.graph.definitions(old):
            span = _definition_span(snapshot, view, node)
            if span is None or node.location is None or node.location.path is None:
                continue
            path = Path(node.location.path)
            plan.add(path, span, new)
            module = snapshot.module(path)
            if (
                module is not None
                and node.function
                and (node.function == old or node.function.startswith(old + "__"))
            ):
                text = _text_at(snapshot, node.location)
                if text == node.function:
                    same = [f for f in module.functions if f.name == node.function]
                    renamed_defs.setdefault(path, []).extend(same[-1:])
                    for problem in module.problems:  # defined twice: Python keeps the last
                        loc = problem.location
                        if problem.code is Code.DUPLICATE_NODE and loc is not None:
                            if _text_at(snapshot, loc) == node.function:
                                span = Span(loc.line, loc.column, loc.line, loc.column + len(old))
                                plan.add(path, span, new)
            elif module is not None and node.function:
                named_by_decorator.append((path, node.function))
        for consumer, dep in view.graph.consumers(old):
            rename_parameter(snapshot, plan, consumer, dep.location)
    for path, function_name in dict.fromkeys(named_by_decorator):
        # A node named by its function's decorator (a @parameterize keyword): the function's
        # other decorators may name it too (`target_="old"`).
        module = snapshot.module(path)
        spec = (
            next((f for f in module.functions if f.name == function_name), None) if module else None
        )
        found = (
            _function_of(module, spec.location.line) if module and spec and spec.location else None
        )
        if module is not None and spec is not None and found is not None:
            tree_fn = _function_ast(module, spec, found[1], found[2])
            _refuse_decorator_mentions(plan, path, module, tree_fn, spec.name, True)
    for path in list(plan.edits):
        _refuse_unrewritten(snapshot, path, old)
    for path, specs in renamed_defs.items():
        _rename_python_references(snapshot, plan, path, specs)
    drivers = {path for view in views for path, _ in view.drivers}
    for path in drivers:
        module = snapshot.module(path)
        if module is None:
            continue
        for written in token_context.named_strings(module.text):
            if written.value == old:
                plan.add(path, Span(written.line, written.start, written.line, written.end), new)
    return plan


def rename_parameter(
    snapshot: Snapshot,
    plan: Plan,
    consumer: NodeSpec | None,
    location: Location | None,
    *,
    fixing_typo: bool = False,
) -> None:
    """Rename the parameter (or decorator string) at `location` and its uses in the body.

    `fixing_typo`: the body may already use the new name as a free name (the parameter was
    misspelt, the body was not): after the fix those uses mean the parameter, as intended.
    """
    old, new = plan.old, plan.new
    if location is None or location.path is None:
        return
    path = Path(location.path)
    text = _text_at(snapshot, location)
    if text is not None and _string_span(location, text, old) is not None:
        plan.add(path, _string_span(location, text, old), new)  # type: ignore[arg-type]
        return
    if text != old:
        if (
            consumer is not None
            and consumer.function is not None
            and any(
                d.name == old and consumer.function == d.function
                for d in snapshot_defs(snapshot, old)
            )
        ):
            return  # an edge inside one function (the columns @extract_columns makes)
        raise Refused(
            f"`{consumer.name if consumer else '?'}` asks for `{old}` at "
            f"{_where(path, location.line)} through a name "
            "the code computes; rename it there by hand"
        )
    module = snapshot.module(path)
    if module is None:
        return
    found = _function_of(module, location.line)
    if found is None:
        raise Refused(f"livedag cannot find the function around {_where(path, location.line)}")
    spec, start, end = found
    function = _function_ast(module, spec, start, end)
    _refuse_decorator_mentions(plan, path, module, function, spec.name)
    if spec.location is not None and spec.location.line > location.line:
        raise Refused(f"`{old}` at {_where(path, location.line)} is not a parameter")
    used = python_names.names_used(function)
    if fixing_typo and new in used and not python_names.binds(function, new):
        used = {}
    if new in used:
        raise Refused(
            f"`{new}` is already a name in `{spec.name}` ({_where(path, used[new])}): renaming the "
            f"parameter `{old}` there would change what the code means"
        )
    try:
        uses = python_names.parameter_occurrences(function, old, _lines(module))
    except python_names.Unsafe as unsafe:
        raise Refused(
            f"cannot rename the parameter `{old}` of `{spec.name}` safely: {unsafe} "
            f"({_where(path, unsafe.line)})"
        ) from None
    plan.add(path, Span(location.line, location.column, location.line, location.end_column), new)
    for use in uses:
        plan.add(path, Span(use.line, use.column, use.line, use.column + len(old)), new)


def _refuse_decorator_mentions(
    plan: Plan,
    path: Path,
    module: ModuleAnalysis,
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    owner: str,
    rename_targets: bool = False,
) -> None:
    """Refuse when a decorator of `function` names `old` in a way the plan does not rewrite (a
    keyword, a name, a dict key: `@parameterize(x={"amount": ...})` binds the parameter by name).
    With `rename_targets`, a `target_="old"` string is renamed instead."""
    old = plan.old
    lines = _lines(module)
    covered = {(s.line, s.column) for s in plan.edits.get(path, {})}
    for decorator in function.decorator_list:
        for node in ast.walk(decorator):
            if isinstance(node, ast.keyword) and node.arg == "target_" and rename_targets:
                value = node.value
                if isinstance(value, ast.Constant) and value.value == old:
                    line = value.lineno
                    text = lines[line - 1]
                    column = len(text.encode()[: value.col_offset].decode(errors="ignore"))
                    if text[column + 1 : column + 1 + len(old)] == old and text[column] in "'\"":
                        plan.add(
                            path, Span(line, column + 1, line, column + 1 + len(old)), plan.new
                        )
                        covered.add((line, column + 1))
                        continue
            named = (
                (isinstance(node, ast.keyword) and node.arg == old)
                or (isinstance(node, ast.Name) and node.id == old)
                or (isinstance(node, ast.Constant) and node.value == old)
            )
            if not named:
                continue
            line = getattr(node, "lineno", decorator.lineno)
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            column = len(text.encode()[: getattr(node, "col_offset", 0)].decode(errors="ignore"))
            if isinstance(node, ast.Constant) and (line, column + 1) in covered:
                continue
            if isinstance(node, ast.Name | ast.keyword) and (line, column) in covered:
                continue
            raise Refused(
                f"a decorator of `{owner}` ({_where(path, line)}) names `{old}` in a way livedag "
                "does not rewrite yet; rename it by hand"
            )


def snapshot_defs(snapshot: Snapshot, name: str) -> list[NodeSpec]:
    return [n for view in snapshot.dataflows for n in view.graph.definitions(name)]


def _rename_python_references(
    snapshot: Snapshot, plan: Plan, path: Path, specs: list[FunctionSpec]
) -> None:
    """A renamed `def`: the module's Python uses of the function (`@mutate(fn)`, calls), and
    a refusal when another module imports it by name."""
    module = snapshot.module(path)
    if module is None:
        return
    for spec in specs:
        qualified = f"{module.module}.{spec.name}"
        for other in snapshot.paths():
            analysis = snapshot.module(other)
            if analysis is not None and qualified in analysis.imports.values():
                raise Refused(
                    f"`{spec.name}` is imported by name in {Path(other).name}; livedag does not "
                    "rename Python imports: rename the function with your Python tooling"
                )
        if spec.location is not None:
            found_fn = _function_of(module, spec.location.line)
            if found_fn is not None:
                tree_fn = _function_ast(module, spec, found_fn[1], found_fn[2])
                _refuse_decorator_mentions(plan, path, module, tree_fn, spec.name, True)
        name = spec.name
        new_name = plan.new + name[len(plan.old) :]
        text = module.text
        lines = _lines(module)
        planned = plan.edits.get(path, {})
        covered = {(s.line, s.column) for s in planned}
        chunks: set[tuple[int, int | None]] = set()
        index = text.find(name)
        line_starts = _line_starts(text)
        while index >= 0:
            before = text[index - 1] if index > 0 else " "
            after = text[index + len(name)] if index + len(name) < len(text) else " "
            if not (before.isidentifier() or before.isdigit()) and not (
                after.isidentifier() or after.isdigit()
            ):
                line = bisect.bisect_right(line_starts, index)
                column = index - line_starts[line - 1]
                if (line, column) not in covered:
                    found = _function_of(module, line)
                    if found is None:
                        chunks.add(
                            (1, module.functions and _start_line(module.functions[0]) or None)
                        )
                    else:
                        chunks.add((found[1], found[2]))
            index = text.find(name, index + len(name))
        for start, end in chunks:
            tree = python_names.parse_statement(lines, start, end)
            if tree is None:
                raise Refused(
                    f"the code around {_where(path, start)} does not parse; fix it and rename again"
                )
            for stmt in tree.body:
                try:
                    uses = python_names.module_name_occurrences(stmt, name, lines)
                except python_names.Unsafe as unsafe:
                    raise Refused(
                        f"cannot rename the function `{name}` safely: {unsafe} "
                        f"({_where(path, unsafe.line)})"
                    ) from None
                for use in uses:
                    if (use.line, use.column) not in covered:
                        plan.add(
                            path,
                            Span(use.line, use.column, use.line, use.column + len(name)),
                            new_name,
                        )


def _line_starts(text: str) -> list[int]:
    starts = [0]
    index = text.find("\n")
    while index >= 0:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def prepare(snapshot: Snapshot, target: Target, view: DataflowView) -> tuple[str, Span]:
    """The node a rename at `target` renames and the span to edit, or `Refused`."""
    if target.role is Role.FUNCTION:
        made = [n for n in target.nodes]
        base = target.name.split("__", 1)[0] if "__" in target.name[1:] else target.name
        if base not in made:
            listed = ", ".join(f"`{n}`" for n in made) or "none"
            raise Refused(
                f"the function `{target.name}` names no node itself (its nodes: {listed}); "
                "rename a node where its name is written"
            )
        name = base
    else:
        name = target.name
    span = (
        definition_span(snapshot, target.location, name)
        if target.role is Role.NODE
        else name_span(snapshot, target.location, name)
    )
    if span is None:
        raise Refused(
            f"`{name}` is not written here as it is (the code computes it); rename it where it "
            "is written"
        )
    check_definitions(snapshot, name, _views_with(snapshot, name))
    return name, span


def workspace_edit(session: Session, plan: Plan) -> dict[str, Any]:
    changes: dict[str, list[dict[str, Any]]] = {}
    for path, edits in plan.edits.items():
        lines = session.lines(path)
        uri = session.uri_of(path)
        changes[uri] = [
            edit_json(session.positions, lines, span, text)
            for span, text in sorted(edits.items(), key=lambda kv: (kv[0].line, kv[0].column))
        ]
    return {"changes": changes}


def apply(text: str, edits: dict[Span, str]) -> str:
    """`edits` applied to `text` (for tests and tools): spans in code points, 1-based lines."""
    lines = [line + "\n" for line in document_lines(text)]
    lines[-1] = lines[-1][:-1]
    for span, new in sorted(edits.items(), key=lambda kv: (kv[0].line, kv[0].column), reverse=True):
        assert span.line == span.end_line
        line = lines[span.line - 1]
        lines[span.line - 1] = line[: span.column] + new + line[span.end_column :]
    return "".join(lines)


def register(server: LanguageServer, session: Session, locator: Locator) -> None:
    global INDEXES
    INDEXES = session.indexes
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_RefusalsAreAnswers())

    async def _target(uri: str, position: types.Position) -> tuple[Snapshot, Target, DataflowView]:
        pointed = await locator.at_cursor(session, uri, position)
        if pointed is None or not pointed[1]:
            raise RenameRefused("livedag: there is no node name here to rename")
        cursor, ((view, target), *_) = pointed
        return cursor.snapshot, target, view

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(
        ls: LanguageServer, params: types.PrepareRenameParams
    ) -> JsonObject | None:
        snapshot, target, view = await _target(params.text_document.uri, params.position)
        try:
            name, span = prepare(snapshot, target, view)
        except Refused as refused:
            raise RenameRefused(f"livedag: {refused}") from None
        lines = session.lines(target.location.path or "")
        return JsonObject(range=range_json(session.positions, lines, span), placeholder=name)

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def rename(ls: LanguageServer, params: types.RenameParams) -> JsonObject | None:
        snapshot, target, view = await _target(params.text_document.uri, params.position)
        try:
            name, _ = prepare(snapshot, target, view)
            plan = plan_rename(snapshot, name, params.new_name)
        except Refused as refused:
            raise RenameRefused(f"livedag: {refused}") from None
        return JsonObject(workspace_edit(session, plan))
