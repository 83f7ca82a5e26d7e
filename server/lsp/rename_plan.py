"""Where a node's name is written, as the edits that rename it (`plan_rename`).

A node's name is written at its definition (the `def` name, keeping a `__suffix` of
`@config.when` variants, a `@parameterize` keyword, or the decorator string that names it:
`@extract_columns("age")`), at every parameter that consumes it and that parameter's uses in the
consumer's body (a Python-correct local rename, `python_names`), in decorator strings that ask for
it (`source("age")`, `target_="age"`), as a `@tag_outputs` keyword, and in driver scripts
(`execute([...])`, `final_vars`, `inputs` and `overrides` keys, lineage calls).  When the `def`
itself is renamed, the module's Python references to the function are renamed too.

The places come from the graphs the diagnostics use (`Dataflow.definitions` / `consumers`), so
nothing here knows what a decorator does; each consumer costs its own function's text, parsed
alone (`function_source`).  What is refused, and why, is `rename_checks`.
"""

from __future__ import annotations

import ast
import keyword
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine.codes import Code
from livedag.engine.specs import Dependency, FunctionSpec, Location, NodeSpec, Parameter

from . import python_names
from .function_source import FunctionAst, FunctionAt, ModuleSource, PerAnalysis, path_of, source_at
from .plain_consumers import (
    ConsumerRead,
    FileEdits,
    consumer_block,
    plain_parameter,
)
from .rename_checks import (
    DataKey,
    Refused,
    TagValue,
    asks_by_source,
    check_consumer,
    check_data_key,
    check_definition,
    check_module_references,
    check_rewritten,
    checked_names,
    made_by,
    rewrite_passes,
    string_span,
    views_with,
    where,
)
from .text_edits import Span

if TYPE_CHECKING:
    from livedag.server.workspace import DataflowView, Snapshot

__all__ = ["Plan", "Refused", "plan_rename", "rename_parameter"]

# Whether consumers are renamed from what was read of their text once (`function_facts`,
# `Consumer`); tests turn it off to compare with the full path, which must give the same edits.
READ_ONCE = True


@dataclass
class Plan:
    """The edits of a rename: per file, span -> new text.

    `confirm`: the edits that also rename a key of the data (an `@extract_columns` column): the
    editor asks the user to confirm those, who must rename the data too (`DataKey.label`).
    `derived`: nodes a decorator names after the renamed one, renamed alike (`old_raw` ->
    `new_raw` for `@check_output`), where they are asked for.
    """

    old: str
    new: str
    edits: dict[Path, dict[Span, str]] = field(default_factory=dict)
    confirm: dict[Path, dict[Span, DataKey | TagValue]] = field(default_factory=dict)
    # The editor can ask the user to confirm edits (see `plan_rename`'s `data_keys`).
    can_confirm: bool = False
    derived: dict[str, str] = field(default_factory=dict)
    _starts: dict[Path, set[tuple[int, int]]] = field(default_factory=dict, repr=False)
    shares: dict[Path, FileEdits] = field(default_factory=dict, repr=False, compare=False)

    def add(self, path: Path | str, span: Span, text: str) -> None:
        path = path_of(path)
        self.edits.setdefault(path, {})[span] = text
        self._starts.setdefault(path, set()).add((span.line, span.column))

    def add_many(self, path: Path, spans: tuple[Span, ...], text: str) -> None:
        """`add` of each span (`path` made by `path_of` already)."""
        edits = self.edits.setdefault(path, {})
        starts = self._starts.setdefault(path, set())
        for span in spans:
            edits[span] = text
            starts.add((span.line, span.column))

    def add_file(self, path: Path, share: FileEdits, text: str) -> None:
        """`add` of a file's share of a `ConsumerBlock`, merged from its tables as they are
        (no span hashed again); kept to write the file's JSON from its pieces when they are
        all of its edits (`shares`)."""
        self.edits.setdefault(path, {}).update(dict.fromkeys(share.keys, text))
        self._starts.setdefault(path, set()).update(share.starts)
        self.shares[path] = share

    def covers(self, path: Path, line: int, column: int) -> bool:
        """Whether an edit starts at (line, column) of `path` already."""
        starts = self._starts.get(path)
        return starts is not None and (line, column) in starts


def plan_rename(snapshot: Snapshot, old: str, new: str, *, data_keys: bool = False) -> Plan:
    """Every edit that renames node `old` to `new`, or `Refused`.

    `data_keys`: the editor can ask the user to confirm an edit (LSP change annotations), so a
    name that is also a key of the data (`@extract_columns("age")`) is renamed, marked in
    `Plan.confirm`; without it such a rename is refused.
    """
    if not new.isidentifier() or keyword.iskeyword(new):
        raise Refused(f"`{new}` is not a Python identifier: a node name must be one")
    if new == old:
        return Plan(old, new)
    views = views_with(snapshot, old)
    if not views:
        raise Refused(f"no dataflow has a node `{old}`")
    for view in views:
        clash = view.graph.node(new)
        if clash is not None:
            loc = clash.location
            at = f" at {where(loc.path, loc.line)}" if loc is not None else ""
            raise Refused(f"`{new}` is already a node of dataflow `{view.name}`{at}")
    plan = Plan(old, new, can_confirm=data_keys)
    renamed_defs: dict[Path, list[FunctionSpec]] = {}
    named_by_decorator: dict[tuple[Path, str], None] = {}
    touched: dict[tuple[Path, int], ModuleSource] = {}  # functions the edits reach
    passes = rewrite_passes(snapshot)  # the functions `check_rewritten` passed
    for view in views:
        for node in view.graph.definitions(old):
            span = check_definition(snapshot, view, node)
            if span is None or node.location is None or node.location.path is None:
                continue
            path = path_of(node.location.path)
            source = source_at(snapshot, path)
            if source is None:
                continue
            plan.add(path, span, new)
            data_key = check_data_key(source, node, data_keys)
            if data_key is not None:
                plan.confirm.setdefault(path, {})[span] = data_key
            found = source.function_at(node.location.line)
            if found is not None:
                touched[(path, found.start)] = source
            for checked in checked_names(snapshot, view, node):
                plan.derived[checked] = new + checked[len(old) :]
            function = node.function
            if function and (function == old or function.startswith(old + "__")):
                if source.text_at(node.location) == function:
                    same = [f for f in source.module.functions if f.name == function]
                    renamed_defs.setdefault(path, []).extend(same[-1:])
                    _rename_duplicates(plan, source, path, function)
                    continue
            if function:
                named_by_decorator[(path, function)] = None
        block = consumer_block(snapshot, view, old) if READ_ONCE else None
        if block is not None and block.renames_together(snapshot, old, new):
            # The plain consumers can neither refuse nor be reached by the others' edits:
            # the others first, in order, then the plain ones a file at a time.
            for consumer, dep in block.slow:
                _rename_consumer(snapshot, plan, consumer, dep, touched)
            for path, share in block.files.items():
                plan.add_file(path, share, new)
                touched.update(share.touched)
        else:
            reads = block.reads if block is not None else _unread(view, old)
            for consumer, dep, source, known in reads:
                if source is not None and known is not None and new not in known.text:
                    # What check_consumer and rename_parameter do for it, read once.
                    if passes.get(id(known.function)) is not known.function:
                        check_rewritten(snapshot, known.path, known.function, old)
                    plan.add_many(known.path, known.spans, new)
                    touched[known.touches] = source
                    continue
                _rename_consumer(snapshot, plan, consumer, dep, touched)
        _rename_inactive_variants(snapshot, plan, view, renamed_defs, touched)
    for path, function_name in named_by_decorator:
        # A node named by its function's decorators (a `@parameterize` keyword, an
        # `@extract_columns` string): its other decorators may name it too (`target_="old"`,
        # `@tag_outputs(old=...)`).
        source = source_at(snapshot, path)
        spec = _function_named(source, function_name) if source is not None else None
        if source is None or spec is None or spec.location is None:
            continue
        found = source.function_at(spec.location.line)
        if found is not None:
            _rename_decorator_mentions(plan, path, source, _function_ast(source, found), True)
    for path, specs in renamed_defs.items():
        source = source_at(snapshot, path)
        if source is not None:
            for found in _rename_python_references(snapshot, plan, path, source, specs):
                touched[(path, found.start)] = source
    for derived, renamed in plan.derived.items():
        _rename_derived(snapshot, plan, views, derived, renamed, touched)
    for path, start in list(touched):
        found = touched[(path, start)].function_at(start)
        if found is not None and passes.get(id(found)) is not found:
            check_rewritten(snapshot, path, found, old)
    drivers = {path for view in views for path, _ in view.drivers}
    for path in drivers:
        source = source_at(snapshot, path)
        for name, renamed in [(old, new), *plan.derived.items()]:
            for span in source.driver_strings(name) if source is not None else ():
                plan.add(path, span, renamed)
    return plan


def _unread(view: DataflowView, old: str) -> list[ConsumerRead]:
    return [(consumer, dep, None, None) for consumer, dep in view.graph.consumers(old)]


def _rename_consumer(
    snapshot: Snapshot,
    plan: Plan,
    consumer: NodeSpec,
    dep: Dependency,
    touched: dict[tuple[Path, int], ModuleSource],
) -> None:
    """The full path for one consumer: its checks, its parameter (or string) and uses."""
    check_consumer(snapshot, consumer, dep.location, plan.old)
    found_at = rename_parameter(snapshot, plan, consumer, dep.location)
    if found_at is not None:
        touched[found_at[0], found_at[1].start] = found_at[2]


def _rename_derived(
    snapshot: Snapshot,
    plan: Plan,
    views: list[DataflowView],
    derived: str,
    renamed: str,
    touched: dict[tuple[Path, int], ModuleSource],
) -> None:
    """Where a derived node (`old_raw`) is asked for by name, outside the function making it."""
    for view in views:
        clash = view.graph.node(renamed)
        if clash is not None:
            loc = clash.location
            at = f" at {where(loc.path, loc.line)}" if loc is not None else ""
            raise Refused(
                f"renaming `{plan.old}` renames `{derived}` (named after it) to `{renamed}`, "
                f"already a node of dataflow `{view.name}`{at}"
            )
        for consumer, dep in view.graph.consumers(derived):
            loc = dep.location
            if loc is None or consumer.function == _maker(view, derived):
                continue  # the check nodes' own edges, inside the decorated function
            check_consumer(snapshot, consumer, loc, derived)
            sub = Plan(derived, renamed)
            found_at = rename_parameter(snapshot, sub, consumer, loc)
            for path, edits in sub.edits.items():
                for span, text in edits.items():
                    plan.add(path, span, text)
            if found_at is not None:
                touched[found_at[0], found_at[1].start] = found_at[2]


def _maker(view: DataflowView, name: str) -> str | None:
    node = view.graph.node(name)
    return node.function if node is not None else None


def _rename_inactive_variants(
    snapshot: Snapshot,
    plan: Plan,
    view: DataflowView,
    renamed_defs: dict[Path, list[FunctionSpec]],
    touched: dict[tuple[Path, int], ModuleSource],
) -> None:
    """`@config.when` variants the view's config leaves out are in no graph, yet another config
    builds them: a variant `old__x` is renamed as its active sibling is, and a variant's
    parameter `old` as the active consumers' are (from a per-analysis table of variants)."""
    old = plan.old
    for path in variant_paths(snapshot, view).get(old, ()):
        source = source_at(snapshot, path)
        if source is None:
            continue
        variants = config_variants(source.module)
        for spec, parameter in variants[old]:
            if made_by(view, source.module.module, spec.name):
                continue  # active: the graph answered for it
            if parameter is None:
                if spec.location is None or source.text_at(spec.location) != spec.name:
                    continue
                loc = spec.location
                span = Span(loc.line, loc.column, loc.line, loc.column + len(old))
                if not plan.covers(path, span.line, span.column):
                    plan.add(path, span, plan.new)
                    renamed_defs.setdefault(path, []).append(spec)
                found = source.function_at(loc.line)
            else:
                asks_at = parameter.location
                if asks_at is None or plan.covers(path, asks_at.line, asks_at.column):
                    continue
                found_at = rename_parameter(snapshot, plan, None, asks_at)
                found = found_at[1] if found_at is not None else None
            if found is not None:
                touched[(path, found.start)] = source


_VARIANT_PATHS: weakref.WeakKeyDictionary[Snapshot, dict[int, tuple[Any, dict[str, list[Path]]]]]
_VARIANT_PATHS = weakref.WeakKeyDictionary()


def variant_paths(snapshot: Snapshot, view: DataflowView) -> dict[str, list[Path]]:
    """The view's paths (in order) by the names their `@config.*` functions define or take
    (`config_variants`): made once per snapshot and view, not per rename."""
    per_view = _VARIANT_PATHS.get(snapshot)
    if per_view is None:
        per_view = _VARIANT_PATHS[snapshot] = {}
    known = per_view.get(id(view))
    if known is not None and known[0] is view:
        return known[1]
    table: dict[str, list[Path]] = {}
    for path in view.paths:
        module = snapshot.module(path)
        for name in config_variants(module) if module is not None else ():
            table.setdefault(name, []).append(path)
    per_view[id(view)] = (view, table)
    return table


_VARIANTS: PerAnalysis[dict[str, list[tuple[FunctionSpec, Parameter | None]]]] = PerAnalysis()


def config_variants(module: Any) -> dict[str, list[tuple[FunctionSpec, Parameter | None]]]:
    """The module's `@config.*` functions by the node they define (`base__x` -> `base`, with no
    parameter) and by each parameter name (with the parameter); kept per analysis."""
    cached = _VARIANTS.get(module)
    if cached is not None:
        return cached
    found: dict[str, list[tuple[FunctionSpec, Parameter | None]]] = {}
    for spec in module.functions:
        if not any(call.name.startswith("config.") for call in spec.decorators):
            continue
        found.setdefault(spec.name.split("__", 1)[0], []).append((spec, None))
        for parameter in spec.parameters:
            found.setdefault(parameter.name, []).append((spec, parameter))
    return _VARIANTS.put(module, found)


def _function_named(source: ModuleSource, name: str) -> FunctionSpec | None:
    return next((f for f in source.module.functions if f.name == name), None)


def _function_ast(source: ModuleSource, found: FunctionAt) -> FunctionAst:
    function = source.function_ast(found)
    if function is None:
        spec = found.spec
        line = spec.location.line if spec.location is not None else found.start
        raise Refused(
            f"`{spec.name}` ({where(source.path, line)}) does not parse as it is; "
            "fix it and rename again"
        )
    return function


def _rename_duplicates(plan: Plan, source: ModuleSource, path: Path, function: str) -> None:
    """A function defined twice (Python keeps the last): the earlier `def` names are renamed."""
    for problem in source.module.problems:
        loc = problem.location
        if problem.code is Code.DUPLICATE_NODE and loc is not None:
            if source.text_at(loc) == function:
                span = Span(loc.line, loc.column, loc.line, loc.column + len(plan.old))
                plan.add(path, span, plan.new)


def rename_parameter(
    snapshot: Snapshot,
    plan: Plan,
    consumer: NodeSpec | None,
    location: Location | None,
    *,
    fixing_typo: bool = False,
) -> tuple[Path, FunctionAt, ModuleSource] | None:
    """Rename the parameter (or decorator string) at `location` and its uses in the body; the
    function it is in, when it is a parameter.

    `fixing_typo`: the body may already use the new name as a free name (the parameter was
    misspelt, the body was not): after the fix those uses mean the parameter, as intended.
    """
    old, new = plan.old, plan.new
    if location is None or location.path is None:
        return None
    path = path_of(location.path)
    source = source_at(snapshot, path)
    if source is None:
        return None
    read = plain_parameter(source, location, old) if READ_ONCE else None
    if read is not None and new not in read[2]:
        plan.add_many(path, read[1], new)  # what the full path below finds, read once
        return path, read[0], source
    text = source.text_at(location)
    span = string_span(location, text, old) if text is not None else None
    if span is not None:
        plan.add(path, span, new)
        found = source.function_at(location.line)
        if found is None or asks_by_source(snapshot, location):
            return None  # a `source("old")` string names the node whatever takes it
        return path, found, source
    if text != old:
        if consumer is not None and consumer.function is not None:
            if any(
                d.name == old and consumer.function == d.function
                for view in snapshot.dataflows
                for d in view.graph.definitions(old)
            ):
                return None  # an edge inside one function (the columns @extract_columns makes)
        raise Refused(
            f"`{consumer.name if consumer else '?'}` asks for `{old}` at "
            f"{where(path, location.line)} through a name "
            "the code computes; rename it there by hand"
        )
    found = source.function_at(location.line)
    if found is None:
        raise Refused(f"livedag cannot find the function around {where(path, location.line)}")
    spec = found.spec
    if spec.location is not None and spec.location.line > location.line:
        raise Refused(f"`{old}` at {where(path, location.line)} is not a parameter")
    function = _function_ast(source, found)
    _rename_decorator_mentions(plan, path, source, function)
    # Only a function whose text holds the new name can already use it (a cheap test first).
    if new in source.function_text(found):
        used = python_names.names_used(function)
        if fixing_typo and new in used and not python_names.binds(function, new):
            used = {}
        if new in used:
            raise Refused(
                f"`{new}` is already a name in `{spec.name}` ({where(path, used[new])}): "
                f"renaming the parameter `{old}` there would change what the code means"
            )
    try:
        uses = source.parameter_uses(found, function, old)
    except python_names.Unsafe as unsafe:
        raise Refused(
            f"cannot rename the parameter `{old}` of `{spec.name}` safely: {unsafe} "
            f"({where(path, unsafe.line)})"
        ) from None
    plan.add(path, Span(location.line, location.column, location.line, location.end_column), new)
    for use in uses:
        plan.add(path, Span(use.line, use.column, use.line, use.column + len(old)), new)
    return path, found, source


# Decorators whose keywords name nodes the function makes (not parameters, not data).
NODE_KEYWORDS = frozenset({"tag_outputs"})
# Decorators whose keyword values name the decorated function's own parameters
# (`@does(_ratio, numerator="revenue")` passes parameter `revenue` as `numerator`).
PARAMETER_VALUES = frozenset({"does"})


def _rename_decorator_mentions(
    plan: Plan,
    path: Path,
    source: ModuleSource,
    function: FunctionAst,
    makes_it: bool = False,
) -> None:
    """Refuse when a decorator of `function` names `old` in a way the plan does not rewrite (a
    keyword, a name, a dict key: `@parameterize(x={"amount": ...})` binds the parameter by name).

    `makes_it`: `function` makes the node: a `target_="old"` string and a `@tag_outputs(old=...)`
    keyword name it, and are renamed.  Otherwise the parameter `old` is renamed, and a
    `@does(..., x="old")` value naming it is renamed with it."""
    old = plan.old
    lines = source.lines
    for decorator in function.decorator_list:
        called = _call_name(decorator) if isinstance(decorator, ast.Call) else None
        named_nodes = makes_it and called in NODE_KEYWORDS
        tag_values = _tag_values(plan, path, lines, decorator, called, function.name)
        if not makes_it and called in PARAMETER_VALUES and isinstance(decorator, ast.Call):
            for keyword_arg in decorator.keywords:
                span = _string_value_span(lines, keyword_arg.value, old)
                if keyword_arg.arg is not None and span is not None:
                    plan.add(path, span, plan.new)
        for node in ast.walk(decorator):
            line = getattr(node, "lineno", decorator.lineno)
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            column = len(text.encode()[: getattr(node, "col_offset", 0)].decode(errors="ignore"))
            if isinstance(node, ast.keyword) and node.arg == "target_" and makes_it:
                span = _string_value_span(lines, node.value, old)
                if span is not None:
                    plan.add(path, span, plan.new)
                    continue
            if named_nodes and isinstance(node, ast.keyword) and node.arg == old:
                keyword_at = _keyword_column(lines, node)
                if keyword_at is not None:
                    kw_line, kw_column = keyword_at
                    span = Span(kw_line, kw_column, kw_line, kw_column + len(old))
                    plan.add(path, span, plan.new)
                    continue
            named = (
                (isinstance(node, ast.keyword) and node.arg == old)
                or (isinstance(node, ast.Name) and node.id == old)
                or (isinstance(node, ast.Constant) and node.value == old)
            )
            if not named or id(node) in tag_values:
                continue
            if isinstance(node, ast.Constant) and plan.covers(path, line, column + 1):
                continue
            if isinstance(node, ast.Name | ast.keyword) and plan.covers(path, line, column):
                continue
            raise Refused(
                f"a decorator of `{function.name}` ({where(path, line)}) names `{old}` in a way "
                "livedag does not rewrite yet; rename it by hand"
            )


def _tag_values(
    plan: Plan,
    path: Path,
    lines: Sequence[str],
    decorator: ast.expr,
    called: str | None,
    function: str,
) -> set[int]:
    """`@tag(key="old")` values (ids of their nodes): renamed with a confirmation when the
    editor can ask for one (`TagValue`), else left as they are; never a reason to refuse."""
    if called != "tag" or not isinstance(decorator, ast.Call):
        return set()
    found = set()
    for keyword_arg in decorator.keywords:
        if not (
            isinstance(keyword_arg.value, ast.Constant) and keyword_arg.value.value == plan.old
        ):
            continue
        found.add(id(keyword_arg.value))
        span = _string_value_span(lines, keyword_arg.value, plan.old)
        if span is not None and plan.can_confirm and keyword_arg.arg is not None:
            plan.add(path, span, plan.new)
            plan.confirm.setdefault(path, {})[span] = TagValue(keyword_arg.arg, function)
    return found


def _string_value_span(lines: Sequence[str], value: ast.expr, name: str) -> Span | None:
    """The content of a plain one-line string literal `value` when it is exactly `name`."""
    if not isinstance(value, ast.Constant) or value.value != name:
        return None
    line = value.lineno
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    at = len(text.encode()[: value.col_offset].decode(errors="ignore"))
    if text[at : at + 1] in ("'", '"') and text[at + 1 : at + 1 + len(name) + 1] == name + text[at]:
        return Span(line, at + 1, line, at + 1 + len(name))
    return None


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _keyword_column(lines: Sequence[str], node: ast.keyword) -> tuple[int, int] | None:
    """(line, code-point column) of a keyword argument's name, when written plainly."""
    line = node.lineno
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    column = len(text.encode()[: node.col_offset].decode(errors="ignore"))
    name = node.arg or ""
    return (line, column) if text[column : column + len(name)] == name else None


def _rename_python_references(
    snapshot: Snapshot, plan: Plan, path: Path, source: ModuleSource, specs: list[FunctionSpec]
) -> list[FunctionAt]:
    """A renamed `def`: the module's Python uses of the function (`@mutate(fn)`, calls), and
    a refusal when another module imports it by name.  The functions holding such uses."""
    touched = []
    for spec in specs:
        check_module_references(snapshot, source.module.module, spec.name)
        if spec.location is not None:
            found_fn = source.function_at(spec.location.line)
            if found_fn is not None:
                function = _function_ast(source, found_fn)
                _rename_decorator_mentions(plan, path, source, function, True)
        name = spec.name
        new_name = plan.new + name[len(plan.old) :]
        lines = source.lines
        chunks: dict[tuple[int, int | None], FunctionAt | None] = {}
        for line, column in source.word_positions(name):
            if plan.covers(path, line, column):
                continue
            found = source.function_at(line)
            if found is None:
                starts = source.starts()
                chunks[(1, starts[0] if starts else None)] = None
            else:
                chunks[(found.start, found.end)] = found
        for (start, end), found in chunks.items():
            if found is not None:
                touched.append(found)
            tree = source.statement(start, end)
            if tree is None:
                raise Refused(
                    f"the code around {where(path, start)} does not parse; fix it and rename again"
                )
            for stmt in tree.body:
                try:
                    uses = python_names.module_name_occurrences(stmt, name, lines)
                except python_names.Unsafe as unsafe:
                    raise Refused(
                        f"cannot rename the function `{name}` safely: {unsafe} "
                        f"({where(path, unsafe.line)})"
                    ) from None
                for use in uses:
                    if not plan.covers(path, use.line, use.column):
                        span = Span(use.line, use.column, use.line, use.column + len(name))
                        plan.add(path, span, new_name)
    return touched
