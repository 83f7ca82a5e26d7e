"""One analysed module's source, read a top-level function at a time: for rename and quick fixes.

A rename touches the consumers of one node, and each consumer needs only its own function's text
parsed (never the whole module).  What a request derives from a module's text (its lines, where
each function starts, a function's AST, the node names its driver strings write) is kept per
`ModuleAnalysis`: an analysis never changes once made, and a keystroke makes a new one only for
the edited file, so the other modules' answers survive the edit.  Everything here is computed on
first use, by requests, never on the keystroke path.
"""

from __future__ import annotations

import ast
import bisect
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from livedag.engine.specs import FunctionSpec, Location
from livedag.server.analyzer import TextLines

from . import python_names, token_context
from .function_facts import FunctionFacts, facts_of
from .text_edits import Span

if TYPE_CHECKING:
    from livedag.server.analyzer import ModuleAnalysis
    from livedag.server.workspace import Snapshot

FunctionAst = ast.FunctionDef | ast.AsyncFunctionDef
T = TypeVar("T")


class PerAnalysis(Generic[T]):
    """Values derived from a `ModuleAnalysis`, kept exactly as long as the analysis lives (a
    keystroke's new analysis of a file lets the old one, and what was derived from it, go)."""

    def __init__(self) -> None:
        self._values: dict[int, tuple[weakref.ref[Any], T]] = {}

    def get(self, analysis: Any) -> T | None:
        entry = self._values.get(id(analysis))
        return entry[1] if entry is not None and entry[0]() is analysis else None

    def put(self, analysis: Any, value: T) -> T:
        key = id(analysis)
        values = self._values

        def forget(ref: weakref.ref[Any]) -> None:
            entry = values.get(key)
            if entry is not None and entry[0] is ref:
                del values[key]

        values[key] = (weakref.ref(analysis, forget), value)
        return value

    def __len__(self) -> int:
        return len(self._values)


def start_line(spec: FunctionSpec) -> int:
    """The first line of a function's statement: its outermost decorator, or else its `def`."""
    line = spec.location.line if spec.location is not None else 0
    for call in spec.decorators:
        if call.location is not None and call.location.line < line:
            line = call.location.line
    return line


@dataclass(frozen=True)
class FunctionAt:
    """The top-level function around a line, and the lines its statement spans."""

    spec: FunctionSpec
    start: int  # 1-based line of its first decorator (or `def`)
    end: int | None  # the line the next function starts on; None: the end of the module


class ModuleSource:
    """Derived views of one module's analysed text (see the module docstring)."""

    def __init__(self, module: ModuleAnalysis) -> None:
        self._module = weakref.ref(module)  # the cache of sources must not keep it alive
        self.lines = TextLines(module.text)  # sliced from the text when read
        self._starts: list[int] | None = None
        self._line_offsets: list[int] | None = None
        self._asts: dict[tuple[int, int | None], ast.Module | None] = {}
        self._driver_strings: dict[str, list[Span]] | None = None
        self._uses: dict[tuple[int, str], list[python_names.Occurrence] | python_names.Unsafe] = {}
        self._ascii: bool | None = None
        self._function_at: dict[int, FunctionAt | None] = {}  # by line
        self._functions: dict[int, FunctionAt] = {}  # by position in `module.functions`
        # Per consumer of a node: what `rename_plan` reads for it (see `rename_plan.Consumer`).
        self.consumers: dict[tuple[Any, ...], Any] = {}
        self._facts: dict[tuple[int, int | None, str], FunctionFacts | None] = {}

    @property
    def module(self) -> ModuleAnalysis:
        module = self._module()
        if module is None:  # only a caller holding the source past its analysis sees this
            raise LookupError("the analysis this source was read from is gone")
        return module

    @property
    def ascii(self) -> bool:
        """Whether the text is ASCII: client columns are then code points in every encoding."""
        if self._ascii is None:
            self._ascii = self.module.text.isascii()
        return self._ascii

    @property
    def path(self) -> Path | None:
        return path_of(self.module.path) if self.module.path else None

    # --- functions ---------------------------------------------------------------------------

    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [start_line(f) for f in self.module.functions]
        return self._starts

    def function_at(self, line: int) -> FunctionAt | None:
        """The top-level function whose header or body holds 1-based `line` (a bisection; kept
        per line, one `FunctionAt` per function: a rename asks for the same few lines several
        times each, and keeps what it checked of a function by identity)."""
        try:
            return self._function_at[line]
        except KeyError:
            pass
        starts = self.starts()
        position = bisect.bisect_right(starts, line) - 1
        found = None
        if position >= 0:
            found = self._functions.get(position)  # one object per function
            if found is None:
                end = starts[position + 1] if position + 1 < len(starts) else None
                found = FunctionAt(self.module.functions[position], starts[position], end)
                self._functions[position] = found
        self._function_at[line] = found
        return found

    def statement(self, start: int, end: int | None) -> ast.Module | None:
        """The AST of lines `start`..`end` (1-based, end exclusive), numbered as in the whole
        text; None when that piece does not parse.  Kept per piece.

        A function defined inside a top-level `if`/`try`/`with` block is indented and followed
        by the block's other clauses: then only the function's own lines are parsed, inside an
        `if 1:` written on the (blank) line before them, so columns stay as they are."""
        key = (start, end)
        if key in self._asts:
            return self._asts[key]
        chunk = self.lines.join(start - 1, (end - 1) if end is not None else None)
        tree = _parse("\n" * (start - 1) + chunk)  # numbered as in the module, cheaply
        if tree is None and start >= 2:
            own = self._own_lines(start, end)
            if own:
                tree = _parse("\n" * (start - 2) + "if 1:\n" + own)
        self._asts[key] = tree
        return tree

    def _own_lines(self, start: int, end: int | None) -> str | None:
        """An indented function's header and body, up to the first line indented no deeper
        than its header after the `def` (a closing bracket of the header excepted)."""
        lines = self.lines[start - 1 : (end - 1) if end is not None else None]
        first = lines[0]
        indent = len(first) - len(first.lstrip())
        if indent == 0:
            return None
        own: list[str] = []
        seen_def = False
        for line in lines:
            stripped = line.lstrip()
            depth = len(line) - len(stripped)
            if stripped and not stripped.startswith("#") and depth <= indent:
                if depth < indent or (seen_def and not stripped.startswith((")", "]", "}"))):
                    break
                if stripped.startswith(("def ", "async def ")):
                    seen_def = True
            own.append(line)
        return "\n".join(own)

    def function_ast(self, found: FunctionAt) -> FunctionAst | None:
        """The `def` statement of `found` parsed alone, or None when it does not parse."""
        tree = self.statement(found.start, found.end)
        body = tree.body if tree is not None else []
        if len(body) == 1 and isinstance(body[0], ast.If):  # an indented function, wrapped
            body = body[0].body
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                if stmt.name == found.spec.name:
                    return stmt
        return None

    def parameter_uses(
        self, found: FunctionAt, function: FunctionAst, name: str
    ) -> list[python_names.Occurrence]:
        """`python_names.parameter_occurrences` of `function` (the one at `found`), kept: a
        second rename through the same consumer reads it.  Raises `python_names.Unsafe`."""
        key = (found.start, name)
        known = self._uses.get(key)
        if known is None:
            try:
                known = python_names.parameter_occurrences(function, name, self.lines)
            except python_names.Unsafe as unsafe:
                known = unsafe
            self._uses[key] = known
        if isinstance(known, python_names.Unsafe):
            raise python_names.Unsafe(str(known), known.line)
        return known

    def facts(self, found: FunctionAt) -> FunctionFacts | None:
        """`function_facts.facts_of` the piece `statement(found.start, found.end)` parses (its
        lines are `found.start - 1` more than the facts count); None when it does not parse as
        it is.  Kept per piece, and by text across analyses (an edit elsewhere keeps them)."""
        key = (found.start, found.end, found.spec.name)
        try:
            return self._facts[key]
        except KeyError:
            facts = self._facts[key] = facts_of(self.function_text(found), found.spec.name)
            return facts

    def function_text(self, found: FunctionAt) -> str:
        return self.lines.join(found.start - 1, (found.end - 1) if found.end else None)

    # --- text --------------------------------------------------------------------------------

    def text_at(self, location: Location) -> str | None:
        """The text a one-line location covers."""
        if location.line != location.end_line or not 0 < location.line <= len(self.lines):
            return None
        return self.lines[location.line - 1][location.column : location.end_column]

    def word_positions(self, word: str) -> Iterator[tuple[int, int]]:
        """(1-based line, column) of each occurrence of identifier `word` not inside a longer
        identifier (comments and strings included: callers parse what they find)."""
        offsets = self._offsets()
        text = self.lines.text
        index = text.find(word)
        while index >= 0:
            before = text[index - 1] if index > 0 else " "
            end = index + len(word)
            after = text[end] if end < len(text) else " "
            if not (before.isidentifier() or before.isdigit()) and not (
                after.isidentifier() or after.isdigit()
            ):
                line = bisect.bisect_right(offsets, index)
                yield line, index - offsets[line - 1]
            index = text.find(word, end)

    def _offsets(self) -> list[int]:
        if self._line_offsets is None:
            offsets, at = [], 0
            for line in self.lines:
                offsets.append(at)
                at += len(line) + 1
            self._line_offsets = offsets
        return self._line_offsets

    def driver_strings(self, name: str) -> list[Span]:
        """Where a string that names a node (`execute([...])`, `inputs` keys, lineage calls,
        `source(...)`, a key read from what `execute` returned) writes exactly `name`: an index
        by name, made once per text."""
        if self._driver_strings is None:
            index: dict[str, list[Span]] = {}
            for written in token_context.named_strings(self.module.text):
                span = Span(written.line, written.start, written.line, written.end)
                index.setdefault(written.value, []).append(span)
            tree = _parse(self.module.text) if "execute" in self.module.text else None
            for value, span in _result_keys(tree, self.lines) if tree is not None else ():
                index.setdefault(value, []).append(span)
            self._driver_strings = index
        return self._driver_strings.get(name, [])


_EXECUTE = frozenset({"execute", "raw_execute"})


def _result_keys(tree: ast.Module, lines: Sequence[str]) -> Iterator[tuple[str, Span]]:
    """`results["name"]` and `results.get("name")`, where `results` was assigned what a
    driver's `execute(...)` returned in the same function (or at module level): the keys of
    that dict are node names, and a rename that left them would fail with a KeyError."""
    scopes: list[ast.AST] = [tree]
    scopes += [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for scope in scopes:
        body = list(_own_nodes(scope))
        results = {
            target.id
            for node in body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr in _EXECUTE
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        if not results:
            continue
        for node in body:
            key: ast.expr | None = None
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
                key = node.slice if node.value.id in results else None
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in results
                and node.args
            ):
                key = node.args[0]
            span = _plain_string_span(key, lines) if key is not None else None
            if span is not None and isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value, span


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of `scope`, not descending into the functions defined in it."""
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _plain_string_span(node: ast.expr, lines: Sequence[str]) -> Span | None:
    """The content of a one-line, unprefixed string literal, as a span (None otherwise)."""
    if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
        return None
    if node.end_lineno != node.lineno or not 0 < node.lineno <= len(lines):
        return None
    text = lines[node.lineno - 1]
    start = len(text.encode()[: node.col_offset].decode(errors="ignore"))
    quote = text[start : start + 1]
    end = start + 1 + len(node.value)
    if (
        quote not in ("'", '"')
        or text[end : end + 1] != quote
        or text[start + 1 : end] != node.value
    ):
        return None
    return Span(node.lineno, start + 1, node.lineno, end)


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


_SOURCES: PerAnalysis[ModuleSource] = PerAnalysis()


def source_of(module: ModuleAnalysis) -> ModuleSource:
    """The module's `ModuleSource` (kept while the analysis lives)."""
    found = _SOURCES.get(module)
    return found if found is not None else _SOURCES.put(module, ModuleSource(module))


_BY_PATH: weakref.WeakKeyDictionary[Snapshot, dict[str | Path, ModuleSource | None]] = (
    weakref.WeakKeyDictionary()
)
_PATHS: dict[str, Path] = {}


def path_of(path: str | Path) -> Path:
    """`Path(path)`, made once per string (a rename asks for the same few files thousands of
    times, and making a Path costs more than the rest of the lookup)."""
    if isinstance(path, Path):
        return path
    found = _PATHS.get(path)
    if found is None:
        if len(_PATHS) > 65536:
            _PATHS.clear()
        found = _PATHS[path] = Path(path)
    return found


def source_at(snapshot: Snapshot, path: str | Path | None) -> ModuleSource | None:
    """The source of the module at `path` in `snapshot` (memoised per snapshot and path)."""
    if path is None:
        return None
    memo = _BY_PATH.get(snapshot)
    if memo is None:
        memo = _BY_PATH[snapshot] = {}
    if path in memo:
        return memo[path]
    module = snapshot.module(path_of(path))
    found = memo[path] = source_of(module) if module is not None else None
    return found
