"""Edits as the protocol wants them: livedag spans (1-based lines, code points) to client ranges,
and the one edit several features need: an import a module lacks.

Completion inserts `name: Type` and the import of `Type` when the module lacks it; the quick fix
that creates a stub function needs the same.  Where an import goes is read from the tokens of the
module's header (never the whole module: that is 250 ms on a 4,000-function file).
"""

from __future__ import annotations

import builtins
import io
import tokenize
from collections.abc import Mapping
from typing import Any, NamedTuple

from .convert import Positions, SourceLines

BUILTIN_NAMES = frozenset(dir(builtins))


class Span(NamedTuple):
    """A piece of a file's text: 1-based lines, code-point columns, end exclusive.

    A named tuple, not a dataclass: a rename hashes thousands of spans (its edits are keyed by
    them), and a tuple's hash runs in C where a dataclass's runs in Python."""

    line: int
    column: int
    end_line: int
    end_column: int


def range_json(positions: Positions, lines: SourceLines | None, span: Span) -> dict[str, Any]:
    start = positions.to_client(lines, span.line - 1, span.column)
    end = positions.to_client(lines, span.end_line - 1, span.end_column)
    return {
        "start": {"line": span.line - 1, "character": start},
        "end": {"line": span.end_line - 1, "character": end},
    }


def edit_json(
    positions: Positions, lines: SourceLines | None, span: Span, new_text: str
) -> dict[str, Any]:
    """A protocol `TextEdit` in JSON."""
    return {"range": range_json(positions, lines, span), "newText": new_text}


def import_line(local: str, qualified: str) -> str:
    """The statement binding `local` to `qualified` (`import pandas as pd`, `from a import b`)."""
    if qualified == local:
        return f"import {local}"
    head, _, last = qualified.rpartition(".")
    if head and last == local:
        return f"from {head} import {local}"
    return f"import {qualified} as {local}"


def import_insert_line(text: str) -> int:
    """The 0-based line after the module's last top-level import before its first `def`,
    `class` or decorator (after the docstring when there is none): where a new import goes."""
    after = 0
    first: tokenize.TokenInfo | None = None
    statements = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                continue
            if first is None:
                first = tok
                if tok.start[1] == 0 and (
                    tok.string in ("def", "class", "async", "@") or (tok.type == tokenize.ENDMARKER)
                ):
                    break
                continue
            if tok.type == tokenize.NEWLINE:
                at_top = first.start[1] == 0
                if at_top and first.string in ("import", "from"):
                    after = tok.end[0]
                elif at_top and first.type == tokenize.STRING and statements == 0:
                    after = tok.end[0]  # the docstring
                statements += 1
                first = None
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return after


def import_edit(
    imports: Mapping[str, str],
    type_head: str,
    producer_imports: Mapping[str, str],
    producer_module: str | None,
) -> str | None:
    """The import statement a module needs for an annotation whose first name is `type_head`,
    or None when it has it already (or needs none).  The producer's import says where the name
    comes from; a class the producer defines itself is imported from the producer's module."""
    if not type_head or type_head in BUILTIN_NAMES:
        return None
    wanted = producer_imports.get(type_head)
    if wanted is None:
        if producer_module is None:
            return None
        wanted = f"{producer_module}.{type_head}"
    have = imports.get(type_head)
    if have is not None:
        return None  # bound already (to the same thing, or the user's own choice)
    return import_line(type_head, wanted)
