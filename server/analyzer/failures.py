"""LD012: what the analyzer could not handle costs one function or one statement, and says so.

An exception inside the analysis of one `def` (or of one top-level statement: an import, a
constant, a class body, a driver script's code) is a bug in livedag, not in the user's code.  It
must never drop the rest of the file: the caller catches it around that one piece of work, logs
the traceback, and reports this diagnostic where the piece starts.  The message asks for a report
because only a fix in the analyzer makes it go away.
"""

from __future__ import annotations

import ast
import logging

from livedag.engine.codes import Code
from livedag.engine.specs import Location, Problem, Severity

from .scope import SourceMap

logger = logging.getLogger(__name__)
_MAX_REASON = 120


def reason_of(exc: BaseException) -> str:
    """`ExceptionType: first line of its message`, short enough for a diagnostic."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if len(first) > _MAX_REASON:
        first = first[: _MAX_REASON - 3] + "..."
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def analysis_failure(
    what: str, location: Location | None, exc: BaseException, path: str | None
) -> Problem:
    """The LD012 for `what` ("this function", "this statement", ...), the traceback logged."""
    logger.warning(
        "livedag could not analyse %s at %s", what, location or path or "<unknown>", exc_info=exc
    )
    message = f"livedag could not analyse {what}: {reason_of(exc)}; please report it"
    return Problem(Code.ANALYSIS_FAILURE, Severity.WARNING, message, location)


def statement_location(stmt: ast.stmt, source: SourceMap) -> Location:
    """The first line of a top-level statement (its first decorator, if it has any)."""
    decorators = getattr(stmt, "decorator_list", None)
    lineno = min(d.lineno for d in decorators) if decorators else stmt.lineno
    index = lineno - 1
    text = source.lines[index].rstrip("\r\n") if 0 <= index < len(source.lines) else ""
    column = len(text) - len(text.lstrip())
    return source.span(lineno, column, len(text) - column)
