"""Splitting a module into top-level blocks: the unit of re-parsing.

A block is one top-level statement (a decorated `def` with its decorators, a class, an import, an
assignment, ...) with the blank lines and comments after it; blocks tile the text.  A region that
parses is split at its statements.  A region with a syntax error is split where top-level
statements can start (column 0), each piece parsed on its own, so one broken function costs only
itself (LD007) and every other function is still analyzed.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from livedag.engine.specs import FunctionSpec, Problem, Severity

from .anchors import Anchor, AnchoredLocation
from .definitions import function_definitions
from .scope import Binding, SourceMap

if TYPE_CHECKING:
    from .context import BlockContext
    from .drivers import DriverFacts

_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError)
_CONTINUATIONS = ("else", "elif", "except", "finally")
_INCOMPLETE = (
    "was never closed",
    "unterminated triple-quoted",
    "unexpected EOF",
    "expected an indented block",
)
MAX_MERGE = 8
_OTHER_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@dataclass(eq=False)
class Block:
    """One top-level statement of the module, and what analyzing it produced."""

    anchor: Anchor  # where it starts (0-based document line); its locations move with it
    text: str
    line_count: int
    statements: list[ast.stmt] | None = None  # dropped once analyzed (re-parsed if needed)
    source: SourceMap | None = None
    syntax_error: Problem | None = None
    bindings: list[Binding] = field(default_factory=list)
    functions: tuple[FunctionSpec, ...] = ()
    # The functions by binding index when one could not be analysed (None there, LD012).
    by_index: tuple[FunctionSpec | None, ...] | None = None
    problems: tuple[Problem, ...] = ()
    structure_failures: tuple[Problem, ...] = ()  # LD012s from reading the names it binds
    value_failures: dict[str, Problem] | None = None  # LD012s from evaluating its values
    drivers: DriverFacts | None = None
    reads: frozenset[str] = frozenset()
    value_reads: frozenset[str] = frozenset()  # names its constants' and classes' values read
    value_modules: frozenset[str] = frozenset()  # workspace modules those values depend on
    workspace_modules: frozenset[str] = frozenset()
    pending: frozenset[str] = frozenset()
    constants: dict[str, Any] = field(default_factory=dict)
    ctx: BlockContext | None = None  # set while the block is being analyzed
    analyzed: bool = False
    removed: bool = False  # replaced by an edit
    version: int = 0  # bumped each time it is analyzed (function bindings' meaning)

    @property
    def start(self) -> int:
        return self.anchor.start

    @property
    def end(self) -> int:
        return self.start + self.line_count

    def function_at(self, index: int) -> FunctionSpec | None:
        """The FunctionSpec of the block's `index`-th function (a binding's `index`)."""
        functions = self.functions if self.by_index is None else self.by_index
        return functions[index] if index < len(functions) else None

    def function_nodes(self) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        return function_definitions(self.statements or ()).kept


def normalize_newlines(text: str) -> str:
    if "\r" in text:
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split_lines(text: str) -> list[str]:
    """Lines as the parser counts them (`\\n`, `\\r\\n`, `\\r`), each with its line ending."""
    text = normalize_newlines(text)
    if not any(ch in text for ch in _OTHER_BREAKS):  # str.splitlines breaks there, the parser not
        return text.splitlines(keepends=True)
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def parse_region(lines: Sequence[str], start: int, path: str | None) -> list[Block]:
    """Blocks of document lines `lines`, whose first line is document line `start` (0-based)."""
    if not lines:
        return []
    tree, error = _parse("".join(lines))
    if tree is not None:
        return _blocks_of(tree, lines, start, path)
    if len(lines) == 1 or error is None:
        return [_broken(lines, start, path, error)]
    return _tolerant_blocks(lines, start, path)


def reparse(block: Block, path: str | None) -> list[ast.stmt] | None:
    """The statements of an analyzed block again (they are not kept, to save memory)."""
    tree, _ = _parse(block.text)
    if tree is None:
        return None
    block.source = SourceMap(path, split_lines(block.text), 0, block.anchor)
    return tree.body


def _parse(text: str) -> tuple[ast.Module | None, SyntaxError | None]:
    try:
        return ast.parse(text), None
    except SyntaxError as exc:
        return None, exc
    except _PARSE_ERRORS as exc:
        return None, SyntaxError(f"cannot be parsed: {exc}")


def _first_line(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", None)
    if decorators:
        return min(d.lineno for d in decorators) - 1
    return stmt.lineno - 1


def _blocks_of(tree: ast.Module, lines: Sequence[str], start: int, path: str | None) -> list[Block]:
    groups: list[tuple[int, list[ast.stmt]]] = []
    last_end = -1
    for stmt in tree.body:
        first = _first_line(stmt)
        if groups and first <= last_end:
            groups[-1][1].append(stmt)  # `a = 1; b = 2` on one line
        else:
            groups.append((0 if not groups else first, [stmt]))
        last_end = (stmt.end_lineno or stmt.lineno) - 1
    if not groups:
        return [_plain_block(lines, 0, len(lines), start, [], path)]
    blocks = []
    for index, (first, stmts) in enumerate(groups):
        end = groups[index + 1][0] if index + 1 < len(groups) else len(lines)
        blocks.append(_plain_block(lines, first, end, start, stmts, path))
    return blocks


def _plain_block(
    lines: Sequence[str], a: int, b: int, start: int, stmts: list[ast.stmt], path: str | None
) -> Block:
    anchor = Anchor(start + a)
    return Block(anchor, "".join(lines[a:b]), b - a, stmts, SourceMap(path, lines, a, anchor))


def _heuristic_starts(lines: Sequence[str]) -> list[int]:
    """Lines where a top-level statement may start, judged by indentation alone."""
    starts = [0]
    after_decorator = lines[0].startswith("@")
    continued = lines[0].rstrip("\r\n").endswith("\\")
    for index in range(1, len(lines)):
        line = lines[index]
        first = line[:1]
        was_continued = continued
        stripped = line.rstrip("\r\n")
        if stripped.strip():
            continued = stripped.endswith("\\")
        if not first or first in " \t\r\n#)]}" or was_continued:
            continue
        if _leading_word(stripped) in _CONTINUATIONS:
            continue
        if after_decorator:
            after_decorator = first == "@"
            continue
        after_decorator = first == "@"
        starts.append(index)
    return starts


def _leading_word(line: str) -> str:
    """The keyword or name a line starts with (`except` of `except* E:`, `else` of `else:`)."""
    end = 0
    while end < len(line) and (line[end].isalnum() or line[end] == "_"):
        end += 1
    return line[:end]


def _tolerant_blocks(lines: Sequence[str], start: int, path: str | None) -> list[Block]:
    starts = _heuristic_starts(lines)
    bounds = list(zip(starts, [*starts[1:], len(lines)], strict=False))
    out: list[Block] = []
    i = 0
    while i < len(bounds):
        a, b = bounds[i]
        tree, error = _parse("".join(lines[a:b]))
        j = i
        if tree is None and error is not None and _incomplete(error):
            for k in range(i + 1, min(i + 1 + MAX_MERGE, len(bounds))):
                merged, _ = _parse("".join(lines[a : bounds[k][1]]))
                if merged is not None:
                    tree, j, b = merged, k, bounds[k][1]
                    break
        if tree is not None:
            out.extend(_blocks_of(tree, lines[a:b], start + a, path))
        else:
            out.append(_broken(lines[a:b], start + a, path, error))
        i = j + 1
    return out


def _incomplete(error: SyntaxError) -> bool:
    message = str(error.msg or "")
    return any(marker in message for marker in _INCOMPLETE)


def _broken(lines: Sequence[str], start: int, path: str | None, error: SyntaxError | None) -> Block:
    block = Block(Anchor(start), "".join(lines), len(lines))
    block.syntax_error = syntax_problem(lines, block.anchor, path, error)
    block.problems = (block.syntax_error,)
    return block


def syntax_problem(
    lines: Sequence[str], anchor: Anchor, path: str | None, error: SyntaxError | None
) -> Problem:
    """LD007 at the parser's error position, naming the function it takes out of the graph."""
    lineno = min(max(getattr(error, "lineno", None) or 1, 1), max(len(lines), 1))
    column = max((getattr(error, "offset", None) or 1) - 1, 0)
    text = lines[lineno - 1].rstrip("\r\n") if lines else ""
    column = min(column, len(text))
    end_column = column + 1 if column < len(text) else column
    location = AnchoredLocation(path, lineno, column, lineno, end_column, anchor)
    what = _defined_name(lines)
    message = f"syntax error: {getattr(error, 'msg', None) or 'invalid syntax'}"
    if what:
        message += f"; `{what}` is out of the graph until it parses"
    else:
        message += "; this statement is skipped until it parses"
    return Problem("LD007", Severity.ERROR, message, location)


def _defined_name(lines: Sequence[str]) -> str | None:
    for line in lines:
        words = line.replace("(", " ").replace(":", " ").split()
        for keyword in ("def", "class"):
            if keyword in words:
                at = words.index(keyword)
                if at + 1 < len(words) and words[at + 1].isidentifier():
                    return words[at + 1]
    return None
