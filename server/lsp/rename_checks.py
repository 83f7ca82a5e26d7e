"""Which renames livedag refuses, and why: for `rename_plan`.

Nothing is guessed: a name the code computes (`@parameterize` values, names derived from the
function's name by its decorators), a new name that collides with a node, a module that imports
the function by name, a function whose decorators bind names in ways not rewritten here, or a
piece of code that does not parse: each is refused with a message saying where and why.  A name
that is also a key of the data (`@extract_columns("age")` takes the column `age`) is renamed only
when the editor can ask the user to confirm it (`DataKey`).
"""

from __future__ import annotations

import ast
import bisect
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import Call, FunctionRef, Location, ModuleRef, NodeKind, NodeSpec

from .function_source import FunctionAt, ModuleSource, PerAnalysis, path_of, source_at, start_line
from .graph_index import GraphIndexes
from .text_edits import Span

if TYPE_CHECKING:
    from livedag.server.workspace import DataflowView, Snapshot

INDEXES = GraphIndexes()  # replaced by the session's own when the server registers


class Refused(Exception):
    """A rename livedag will not make, and why (shown to the user as it is)."""


def where(path: str | Path | None, line: int) -> str:
    return f"{Path(path).name if path else '?'}:{line}"


# --- where a name is written -------------------------------------------------------------------


def string_span(location: Location, text: str, name: str) -> Span | None:
    """The content of a plain string literal `text` at `location` when it is exactly `name`."""
    for quote in ('"', "'"):
        if text == f"{quote}{name}{quote}":
            column = location.column + 1
            return Span(location.line, column, location.line, column + len(name))
    return None


def name_span(snapshot: Snapshot, location: Location, name: str) -> Span | None:
    """Where `name` is written at `location`: an identifier, a `name__suffix` def name (its
    first part) or a string literal; None when the text there is something else (computed)."""
    source = source_at(snapshot, location.path)
    text = source.text_at(location) if source is not None else None
    if text is None:
        return None
    if text == name or (text.startswith(name + "__") and text.isidentifier()):
        return Span(location.line, location.column, location.line, location.column + len(name))
    return string_span(location, text, name)


def definition_span(snapshot: Snapshot, location: Location, name: str) -> Span | None:
    """`name_span`, or for a decorator that names its nodes by keyword
    (`@parameterize(income_scaled=...)`) the keyword at `location`'s decorator."""
    span = name_span(snapshot, location, name)
    if span is not None or location.path is None:
        return span
    source = source_at(snapshot, location.path)
    found = source.function_at(location.line) if source is not None else None
    if source is None or found is None:
        return None
    function = source.function_ast(found)
    for decorator in function.decorator_list if function is not None else []:
        if decorator.lineno != location.line or not isinstance(decorator, ast.Call):
            continue
        for keyword_arg in decorator.keywords:
            if keyword_arg.arg == name:
                line = keyword_arg.lineno
                text = source.lines[line - 1]
                column = len(text.encode()[: keyword_arg.col_offset].decode(errors="ignore"))
                if text[column : column + len(name)] == name:
                    return Span(line, column, line, column + len(name))
    return None


def views_with(snapshot: Snapshot, name: str) -> list[DataflowView]:
    found = []
    for view in snapshot.dataflows:
        graph = view.graph
        if name in graph.nodes or graph.consumers(name) or graph.definitions(name):
            found.append(view)
        elif any(name in (*use.outputs, *use.inputs) for _, use in view.drivers):
            found.append(view)
    return found


# --- definitions -------------------------------------------------------------------------------

_DOTTED: weakref.WeakKeyDictionary[Any, dict[str, list[str]]] = weakref.WeakKeyDictionary()


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


def made_by(view: DataflowView, module: str, function: str) -> list[NodeSpec]:
    """The nodes `function` of `module` makes in `view` (from the shared per-graph index)."""
    return INDEXES.of(view.graph).made_by(module, function)


def check_definitions(snapshot: Snapshot, name: str, views: Iterable[DataflowView]) -> None:
    """Refuse when a definition of `name` is not written where a rename can reach it."""
    for view in views:
        for node in view.graph.definitions(name):
            check_definition(snapshot, view, node)


def check_definition(snapshot: Snapshot, view: DataflowView, node: NodeSpec) -> Span | None:
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
        at = where(loc.path, loc.line) if loc is not None else f"module `{node.module}`"
        raise Refused(
            f"`{node.name}` is a name the code computes (made by `{node.function}` at {at}, "
            "not written as it is): rename it where it is computed"
        )
    _check_written_by_function(snapshot, node, loc)
    derived = dotted_relatives(view, node.name)
    checked = set(checked_names(snapshot, view, node))
    if node.module is not None and node.function is not None:
        derived += [
            n.name
            for n in made_by(view, node.module, node.function)
            if n.name != node.name
            and node.name in n.name
            and n.name not in checked
            and (n.location is None or name_span(snapshot, n.location, n.name) is None)
        ]
    if derived:
        listed = ", ".join(f"`{d}`" for d in sorted(set(derived))[:5])
        raise Refused(
            f"renaming `{node.name}` would also rename {listed}, which decorators name after "
            "it; livedag does not rename those yet"
        )
    _check_conditional_steps(snapshot, node, loc)
    return span


CHECKS = frozenset({"check_output", "check_output_custom"})


def checked_names(snapshot: Snapshot, view: DataflowView, node: NodeSpec) -> list[str]:
    """The nodes `@check_output` makes after `node` (`name_raw`, `name_range_validator`): a
    rename renames them alike (`new_raw`), as the rule would name them after the new name."""
    loc = node.location
    if node.module is None or node.function is None or loc is None:
        return []
    source = source_at(snapshot, loc.path)
    found = source.function_at(loc.line) if source is not None else None
    if found is None or not any(call.name in CHECKS for call in found.spec.decorators):
        return []
    prefix = node.name + "_"
    return [
        n.name
        for n in made_by(view, node.module, node.function)
        if n.name.startswith(prefix)
        and n.name.isidentifier()
        # a node written as it is (another `@extract_columns` column) is not named after it
        and (n.location is None or name_span(snapshot, n.location, n.name) is None)
    ]


_WHEN = frozenset({"when", "when_not", "when_in", "when_not_in"})


def _check_conditional_steps(snapshot: Snapshot, node: NodeSpec, loc: Location) -> None:
    """Refuse a node whose pipe has steps another config turns on: under that config they are
    nodes named after it (`name.with_step`, `name.raw`), which this graph does not show."""
    source = source_at(snapshot, loc.path)
    found = source.function_at(loc.line) if source is not None else None
    if found is None or found.spec.name != node.function:
        return
    for call in found.spec.decorators:
        for value in _walk_values((call.args, tuple(call.kwargs.values()), call.methods)):
            if isinstance(value, Call) and value.name == "step":
                if any(method.name in _WHEN for method in value.methods):
                    line = call.location.line if call.location is not None else loc.line
                    raise Refused(
                        f"@{call.name} of `{found.spec.name}` ({where(loc.path, line)}) has "
                        f"steps another config turns on, making nodes named after `{node.name}` "
                        "there; livedag does not rename those yet"
                    )


def _check_written_by_function(snapshot: Snapshot, node: NodeSpec, loc: Location) -> None:
    """Refuse a name written outside its function's header (a module constant such as
    `COLUMNS = ["a", "b"]`): other code may read that text too."""
    source = source_at(snapshot, loc.path)
    module = source.module if source is not None else None
    spec = next((f for f in module.functions if f.name == node.function), None) if module else None
    if spec is None or spec.location is None:
        return
    if not start_line(spec) <= loc.line <= spec.location.line:
        raise Refused(
            f"`{node.name}` is written at {where(loc.path, loc.line)}, outside `{spec.name}` "
            "(a constant other code may read too): rename it there by hand"
        )


@dataclass(frozen=True)
class DataKey:
    """A node name that is also a key of the data the function returns: renaming it asks the
    user to rename the data too (an LSP change annotation needing confirmation)."""

    decorator: str
    function: str

    @property
    def label(self) -> str:
        what = _DATA_KEYS.get(self.decorator, "key of the data")
        return f"Rename the {what} too"

    @property
    def description(self) -> str:
        what = _DATA_KEYS.get(self.decorator, "key of the data")
        return (
            f"@{self.decorator} takes this name as the {what} `{self.function}` returns: rename "
            f"the {what} where the data is made as well, or the dataflow will fail when it runs"
        )


@dataclass(frozen=True)
class TagValue:
    """A tag value that is the node's name (`@tag(artifact="churn_model")`): metadata, not a
    reference to the node, so it is renamed only when the user confirms it (an LSP change
    annotation), and otherwise left as it is."""

    key: str
    function: str

    @property
    def label(self) -> str:
        return "Rename the tag value too"

    @property
    def description(self) -> str:
        return (
            f"`{self.function}` is tagged {self.key}=... with its own name; a tag is metadata "
            "(what reads it, such as an artifact store, may expect the old value): uncheck to "
            "keep it"
        )


_DATA_KEYS = {
    "extract_columns": "DataFrame column",
    "extract_fields": "dict field",
    "parameterize_extract_columns": "DataFrame column",
}


def check_data_key(source: ModuleSource, node: NodeSpec, allowed: bool) -> DataKey | None:
    """A definition written as a decorator string (`@extract_columns("age")`): the key of the
    data it takes.  Renamed only when `allowed` (the editor asks the user to confirm)."""
    loc = node.location
    if loc is None or (source.text_at(loc) or "")[:1] not in ("'", '"'):
        return None
    found = source.function_at(loc.line)
    spec = found.spec if found is not None else None
    decorator = "decorator"
    for call in spec.decorators if spec is not None else ():
        call_loc = call.location
        if call_loc is not None and call_loc.line <= loc.line <= call_loc.end_line:
            decorator = call.name
    data_key = DataKey(decorator, node.function or "?")
    if not allowed:
        raise Refused(
            f"`{node.name}` is named by a string in @{decorator} of `{node.function}` "
            f"({where(loc.path, loc.line)}), which is also the {_DATA_KEYS.get(decorator, 'key')} "
            f"of the data it takes: renaming it needs the data renamed too, and this editor "
            "cannot ask you to confirm such an edit (no change annotation support). Rename the "
            "column where the data is made, then the string, by hand"
        )
    return data_key


# --- Python references and decorators the plan does not rewrite --------------------------------

_IMPORTED: weakref.WeakKeyDictionary[Any, dict[str, list[Path]]] = weakref.WeakKeyDictionary()


def check_consumer(
    snapshot: Snapshot, consumer: NodeSpec, asks_at: Location | None, name: str
) -> None:
    """Refuse when the function making `consumer` binds names livedag does not rewrite, or asks
    for the node from another module than its own (a subdag's or `@with_columns`'s module)."""
    loc = consumer.location
    if loc is None or loc.path is None or asks_at is None or asks_at.path is None:
        return
    if asks_by_source(snapshot, asks_at):
        return
    if asks_at.path != loc.path:
        raise Refused(
            f"`{consumer.name}` asks for `{name}` at {where(asks_at.path, asks_at.line)}, a module "
            f"`{consumer.function}` ({where(loc.path, loc.line)}) builds nodes from (a subdag, "
            "@with_columns): livedag does not rewrite that yet; rename it by hand"
        )
    source = source_at(snapshot, loc.path)
    found = source.function_at(loc.line) if source is not None else None
    if found is not None and found.spec.name == consumer.function:
        check_rewritten(snapshot, path_of(loc.path), found, name)


def asks_by_source(snapshot: Snapshot, asks_at: Location) -> bool:
    """Whether the place asking for a node is a `source("name")` string: it names the node and
    nothing else, whatever decorator it is given to (a subdag's `inputs`, a step's keyword)."""
    source = source_at(snapshot, asks_at.path)
    if source is None or asks_at.line != asks_at.end_line:
        return False
    text = source.text_at(asks_at) or ""
    if text[:1] not in ("'", '"'):
        return False
    before = source.lines[asks_at.line - 1][: asks_at.column].rstrip()
    return before.endswith("source(")


def check_module_references(snapshot: Snapshot, module: str, function: str) -> None:
    """Refuse renaming a `def` another module imports by name (an index per snapshot)."""
    index = _IMPORTED.get(snapshot)
    if index is None:
        index = {}
        for path in snapshot.paths():
            analysis = snapshot.module(path)
            for qualified in analysis.imports.values() if analysis is not None else ():
                index.setdefault(qualified, []).append(path)
        _IMPORTED[snapshot] = index
    importers = index.get(f"{module}.{function}")
    if importers:
        raise Refused(
            f"`{function}` is imported by name in {importers[0].name}; livedag does not "
            "rename Python imports: rename the function with your Python tooling"
        )


# Decorators that bind parameters or nodes by name in ways livedag does not rewrite yet: a rename
# reaching a function with one of them is refused.  (`@pipe`, `@pipe_input`, `@pipe_output`,
# `@mutate`, `@inject` and `@flow` are not here: the names they take are parameters and
# `source("...")` strings the plan renames, and the property and Hamilton tests run renames
# through them; a function given to `step(...)` has its parameters bound by name, so an edit
# there is refused, see `module_refs`.)
NOT_REWRITTEN = frozenset({"subdag", "parameterized_subdag", "with_columns"})
# Of those, the ones that build nodes from the functions and modules they are given, binding
# those functions' parameters by name (`inputs={"raw": ...}`): an edit there is refused too.
BUILDS_FROM = NOT_REWRITTEN
# Decorators that take `step(...)` calls.
STEP_HOLDERS = frozenset({"pipe", "pipe_input", "pipe_output", "flow"})


def check_rewritten(snapshot: Snapshot, path: Path, found: FunctionAt, name: str) -> None:
    """Refuse when an edit lands in a function whose decorators bind names livedag does not
    rewrite (`NOT_REWRITTEN`), or in a function or module such a decorator builds nodes from
    (`@subdag(load, inputs={"raw": ...})` binds `load`'s parameter `raw` by name).  A function
    that passed is remembered for the snapshot: whether it passes does not depend on `name`."""
    passed = rewrite_passes(snapshot)
    if passed.get(id(found)) is found:
        return
    for call in found.spec.decorators:
        if call.name in NOT_REWRITTEN:
            line = call.location.line if call.location is not None else found.start
            raise Refused(
                f"renaming `{name}` changes `{found.spec.name}` ({where(path, line)}), whose "
                f"@{call.name} binds names livedag does not rewrite yet; rename it by hand"
            )
    module = found.spec.module
    for ref_kind, ref_module, ref_function, at in rewriter_refs(snapshot):
        same_module = ref_module == module or _same_module(ref_module, module)
        if same_module and ref_function in (None, found.spec.name):
            what = f"`{found.spec.name}`" if ref_function else f"module `{module}`"
            raise Refused(
                f"renaming `{name}` changes `{found.spec.name}` ({where(path, found.start)}), and "
                f"{ref_kind} at {at} builds nodes from {what}, binding names livedag does not "
                "rewrite yet; rename it by hand"
            )
    passed[id(found)] = found


_PASSED: weakref.WeakKeyDictionary[Any, dict[int, FunctionAt]] = weakref.WeakKeyDictionary()


def rewrite_passes(snapshot: Snapshot) -> dict[int, FunctionAt]:
    """The functions `check_rewritten` passed in `snapshot`, by identity (`ModuleSource`
    makes one `FunctionAt` per function; the values keep the identities from being reused)."""
    passed = _PASSED.get(snapshot)
    if passed is None:
        passed = _PASSED[snapshot] = {}
    return passed


def _same_module(a: str | None, b: str) -> bool:
    """Module names that may be one module imported two ways (`parts.x`, `pkg.parts.x`)."""
    return a is not None and (a.endswith("." + b) or b.endswith("." + a))


_REFS: PerAnalysis[list[tuple[str, str | None, str | None, str]]] = PerAnalysis()
_SNAPSHOT_REFS: weakref.WeakKeyDictionary[Any, list[tuple[str, str | None, str | None, str]]] = (
    weakref.WeakKeyDictionary()
)


def rewriter_refs(snapshot: Snapshot) -> list[tuple[str, str | None, str | None, str]]:
    """(`@decorator`, module, function or None for the whole module, where) for every function
    and module a `BUILDS_FROM` decorator of the workspace is given, and every function given to
    `step(...)` (per snapshot, from a
    per-analysis table: a keystroke recomputes only the edited module's)."""
    found = _SNAPSHOT_REFS.get(snapshot)
    if found is None:
        found = []
        for path in snapshot.paths():
            analysis = snapshot.module(path)
            if analysis is not None:
                found.extend(module_refs(analysis))
        _SNAPSHOT_REFS[snapshot] = found
    return found


def module_refs(analysis: Any) -> list[tuple[str, str | None, str | None, str]]:
    cached = _REFS.get(analysis)
    if cached is not None:
        return cached
    refs: list[tuple[str, str | None, str | None, str]] = []
    for spec in analysis.functions:
        for call in spec.decorators:
            builds = call.name in BUILDS_FROM
            if not builds and call.name not in STEP_HOLDERS:
                continue
            line = call.location.line if call.location is not None else 0
            at = where(analysis.path, line)
            for value in _walk_values((call.args, tuple(call.kwargs.values()), call.methods)):
                if isinstance(value, Call) and value.name == "step" and value.args:
                    # `step(fn, k=...)` binds `fn`'s parameters by name.
                    ref = value.args[0]
                    if isinstance(ref, FunctionRef):
                        refs.append(("step(...)", ref.module or analysis.module, ref.name, at))
                elif builds and isinstance(value, FunctionRef):
                    refs.append((f"@{call.name}", value.module or analysis.module, value.name, at))
                elif builds and isinstance(value, ModuleRef):
                    refs.append((f"@{call.name}", value.name, None, at))
    return _REFS.put(analysis, refs)


def _walk_values(value: Any, depth: int = 0) -> Iterable[Any]:
    """Every value inside a decorator's arguments (nested calls too, themselves included)."""
    if depth > 12:
        return
    if isinstance(value, Call):
        yield value
        parts = (value.args, tuple(value.kwargs.values()), value.methods)
        yield from _walk_values(parts, depth + 1)
    elif isinstance(value, tuple | list | set | frozenset):
        for item in value:
            yield from _walk_values(item, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk_values(item, depth + 1)
    else:
        yield value
