"""Splitting a module into top-level blocks: the unit of re-parsing.

A block is one top-level statement (a decorated `def` with its decorators, a class, an import, an
assignment, ...) with the blank lines and comments after it; blocks tile the text.  A region that
parses is split at its statements.  A region with a syntax error is split where top-level
statements can start (column 0), each piece parsed on its own, so one broken function costs only
itself (LD007) and every other function is still analyzed.
"""

from __future__ import annotations

import ast
import bisect
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from livedag.engine.codes import Code
from livedag.engine.specs import FunctionSpec, Problem, Severity

from .anchors import Anchor, AnchoredLocation
from .definitions import function_definitions
from .lexical import closing_quote, open_triple_quote
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
_LOOKAHEAD_LINES = 400  # how far below an edited region pieces to join are looked for
# How many lines a triple-quoted string that holds column-0 lines may span and still be kept
# whole in a module with a syntax error: also how far an edit may have to re-split below it.
MAX_STRING_LINES = 1000
MAX_STRINGS = 4  # strings in a row, each holding column-0 lines, kept whole (see _string_end)
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
    # Broken, and left something open that text further down may complete: the delimiter of a
    # triple-quoted string (`"""`, `'''`), or `(` for a bracket.
    unfinished: str = ""
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


def parse_region(
    lines: Sequence[str], begin: int, end: int, path: str | None
) -> tuple[list[Block], int]:
    """Blocks tiling document lines `begin`..`end` of `lines` (the whole document, 0-based, end
    exclusive), and the line up to which the text decided them.

    That line is past `end` when a string or bracket left open inside the window may close
    further down (where a fresh analysis of the whole document would look): the caller widens
    the window to it and asks again, so an edited region splits as the whole text would.
    """
    window = lines[begin:end]
    if not window:
        return [], end
    tree, _ = _parse("".join(window))
    if tree is not None:
        return _blocks_of(tree, window, begin, path), end
    return _tolerant_blocks(lines, begin, end, path)


def reparse(block: Block, path: str | None) -> list[ast.stmt] | None:
    """The statements of an analyzed block again (they are not kept, to save memory)."""
    tree, _ = _parse(block.text)
    if tree is None:
        return None
    block.source = SourceMap(path, split_lines(block.text), 0, block.anchor)
    return tree.body


def _parse(text: str) -> tuple[ast.Module | None, SyntaxError | None]:
    try:
        with warnings.catch_warnings():  # `1if x` and friends: the user's linter says so
            warnings.simplefilter("ignore", SyntaxWarning)
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


def _tolerant_blocks(
    lines: Sequence[str], begin: int, end: int, path: str | None
) -> tuple[list[Block], int]:
    """Blocks of a window that does not parse: split where top-level statements can start,
    each piece parsed on its own.  A piece that leaves a triple-quoted string open takes the
    pieces up to the string's end with it; one that fails at its end (an open bracket, a
    decorator cut from its `def` by a column-0 line) is joined with up to MAX_MERGE following
    pieces when that parses, as the whole text would."""
    window = lines[begin:end]
    starts = _heuristic_starts(window)
    bounds = list(zip(starts, [*starts[1:], len(window)], strict=False))
    out: list[Block] = []
    reach = end
    i = 0
    while i < len(bounds):
        a, b = bounds[i]
        text = "".join(window[a:b])
        tree, error = _parse(text)
        j, unfinished = i, ""
        if tree is None:
            opening = open_triple_quote(text)
            strings = 0
            if opening >= 0:
                last, needed, strings = _string_end(lines, begin, end, bounds, i, opening)
                reach = max(reach, needed)
                if last is None:  # the string does not end (here): this piece alone
                    unfinished = text[opening : opening + 3]
                else:
                    j, b = last, bounds[last][1]
                    tree, error = _parse("".join(window[a:b]))
            if tree is None and not unfinished and _fails_at_end(error, window[a:b]):
                joined, needed = _joined(lines, begin, end, bounds, a, j)
                reach = max(reach, needed)
                if joined is not None:
                    tree, j, b = joined[0], joined[1], bounds[joined[1]][1]
                elif strings <= 1:
                    unfinished = "("
            if tree is None and strings > 1:  # strings in a row that do not parse: typing
                j, b, unfinished = i, bounds[i][1], text[opening : opening + 3]
                error = _parse(text)[1]
        if tree is not None:
            out.extend(_blocks_of(tree, window[a:b], begin + a, path))
        else:
            block = _broken(window[a:b], begin + a, path, error)
            block.unfinished = unfinished
            out.append(block)
        i = j + 1
    return out, reach


def _fails_at_end(error: SyntaxError | None, piece: Sequence[str]) -> bool:
    """Whether text after the piece could complete it: the parser ran out of text (an open
    bracket) or failed on its last line of code."""
    if error is None:
        return False
    if _incomplete(error):
        return True
    last = len(piece)
    while last > 1 and (not piece[last - 1].strip() or piece[last - 1].lstrip().startswith("#")):
        last -= 1
    return (error.lineno or 0) >= last


def _joined(
    lines: Sequence[str],
    begin: int,
    end: int,
    bounds: Sequence[tuple[int, int]],
    a: int,
    index: int,
) -> tuple[tuple[ast.Module, int] | None, int]:
    """The parse of the window's lines from `a` to the end of one of the MAX_MERGE pieces after
    piece `index`, the first that parses, with that piece's index; and the document line up to
    which that was decided (past `end` when the pieces that parse lie below the window)."""
    for k in range(index + 1, min(index + 1 + MAX_MERGE, len(bounds))):
        merged, _ = _parse("".join(lines[begin + a : begin + bounds[k][1]]))
        if merged is not None:
            return (merged, k), end
    tried = len(bounds) - index - 1
    if tried >= MAX_MERGE or end >= len(lines):
        return None, end
    # Fewer pieces than a whole-text analysis would try: try the pieces below the window too.
    below = _heuristic_starts(lines[end : end + _LOOKAHEAD_LINES])
    ends = [end + s for s in below[1:]] + [min(end + _LOOKAHEAD_LINES, len(lines))]
    for stop in ends[: MAX_MERGE - tried]:
        merged, _ = _parse("".join(lines[begin + a : stop]))
        if merged is not None:
            return None, stop
    return None, end


def _string_end(
    lines: Sequence[str],
    begin: int,
    end: int,
    bounds: Sequence[tuple[int, int]],
    index: int,
    opening: int,
) -> tuple[int | None, int, int]:
    """The last piece of the window that the triple-quoted string opened at offset `opening` of
    piece `index` reaches into; the document line up to which that was decided; and how many
    strings in a row it took to get there.

    The text after a string's end, to the end of the piece it ends in, may open another string
    that ends further down (two docstring-like strings in a row): up to MAX_STRINGS in a row
    are followed, and more than one is kept only if the result parses (the caller checks), for
    a closing delimiter found may also be the opening one of the next docstring while quotes
    are being typed, and taking the pieces in between would tear every docstring below.
    The piece is None when a string is not closed within MAX_STRING_LINES of its piece, or
    closes below the window (then the line it closes on says how far to look).
    """
    a = bounds[index][0]
    start, offset = a, opening  # the piece a string opens in (window line), its offset there
    for links in range(1, MAX_STRINGS + 1):
        limit = begin + start + MAX_STRING_LINES
        text = "".join(lines[begin + start : min(end, limit)])
        delimiter = text[offset : offset + 3]
        closed = closing_quote(text, offset + 3, delimiter)
        if closed < 0:
            if end < min(len(lines), limit):
                below = "".join(lines[end:limit])
                at = closing_quote(below, 0, delimiter)
                if at >= 0:
                    return None, end + below.count("\n", 0, at) + 1, links
            return None, end, links
        line = start + text.count("\n", 0, closed)  # the window line it closes on
        last = bisect.bisect_right(bounds, line, key=_first) - 1
        piece_start = len("".join(lines[begin + start : begin + bounds[last][0]]))
        piece = "".join(lines[begin + bounds[last][0] : begin + bounds[last][1]])
        offset = open_triple_quote(piece, closed - piece_start)
        if offset < 0:
            return last, end, links
        start = bounds[last][0]
    return None, end, MAX_STRINGS


def _first(bound: tuple[int, int]) -> int:
    return bound[0]


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
    return Problem(Code.SYNTAX_ERROR, Severity.ERROR, message, location)


def _defined_name(lines: Sequence[str]) -> str | None:
    for line in lines:
        words = line.replace("(", " ").replace(":", " ").split()
        for keyword in ("def", "class"):
            if keyword in words:
                at = words.index(keyword)
                if at + 1 < len(words) and words[at + 1].isidentifier():
                    return words[at + 1]
    return None
