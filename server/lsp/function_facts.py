"""What a rename needs to know of one top-level function, read once from its text.

Renaming a node renames the parameter of every consumer and that parameter's uses in the
consumer's body: a Python-correct local rename, which needs the consumer's AST (`python_names`).
An input that 400 functions take would parse 400 functions on its first rename; here each
function's text is parsed once, and what a rename reads of it is kept: where each parameter is
used (lines counted from the text's first line), and which names its decorators write (a rename
whose name a decorator writes takes the full path in `rename_plan`, which reads the AST).

Facts are kept by the function's text (its `ModuleSource.function_text`, the very piece
`ModuleSource.statement` parses), so they are exactly what parsing that piece gives, whichever
file or line it now sits at: an edit to a function changes its text and so its facts, an edit
elsewhere leaves them (moved lines are the caller's offset).  They are made by requests and by
the idle warming of `rename_warmup`, never on the keystroke path.
"""

from __future__ import annotations

import ast

from . import python_names

# Uses of one name: (line, code-point column) pairs, lines counted from the text's first line
# (1-based); None when renaming it is unsafe (`python_names.Unsafe`: the full path says why).
Uses = tuple[tuple[int, int], ...] | None

# Facts kept by text (a function's ~0.5-1 KB with its text); past this the table starts again:
# a bound on memory (old texts of edited functions are never asked for again).
MAX_KEPT = 20_000


class FunctionFacts:
    """A parsed function's parameter uses and the names its decorators write."""

    __slots__ = ("text", "name", "decorator_names", "_uses")

    def __init__(self, text: str, name: str, decorator_names: frozenset[str]) -> None:
        self.text = text  # the piece parsed: the function and what follows it up to the next
        self.name = name
        self.decorator_names = decorator_names
        self._uses: dict[str, Uses] = {}

    def uses(self, parameter: str) -> Uses:
        """Where `parameter` is used in the body (not the parameter itself), or None: unsafe."""
        try:
            return self._uses[parameter]
        except KeyError:
            pass
        function = _function(self.text, self.name)
        found = _uses_in(function, parameter, self.text) if function is not None else None
        self._uses[parameter] = found
        return found


_KEPT: dict[tuple[str, str], FunctionFacts | None] = {}


def facts_of(text: str, name: str) -> FunctionFacts | None:
    """The facts of function `name` in `text` (a top-level function's piece of a module), or
    None when the piece does not parse as it is or holds no top-level `def name`."""
    key = (text, name)
    try:
        return _KEPT[key]
    except KeyError:
        pass
    function = _function(text, name)
    facts = None
    if function is not None:
        facts = FunctionFacts(text, name, _decorator_names(function))
        args = function.args
        lines: list[str] | None = None
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None and arg.arg not in facts._uses:
                lines = lines if lines is not None else text.split("\n")
                facts._uses[arg.arg] = _uses_in(function, arg.arg, lines)
    if len(_KEPT) >= MAX_KEPT:
        _KEPT.clear()
    _KEPT[key] = facts
    return facts


def kept() -> int:
    """How many functions' facts are kept (for tests and measurements)."""
    return len(_KEPT)


def _function(text: str, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The top-level `def name` of `text` as `ModuleSource.function_ast` finds it in the same
    piece parsed as it is (an indented function, which it re-parses wrapped, gives None)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    body = tree.body
    if len(body) == 1 and isinstance(body[0], ast.If):  # as `ModuleSource.function_ast` reads
        body = body[0].body
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == name:
            return stmt
    return None


def _uses_in(
    function: ast.FunctionDef | ast.AsyncFunctionDef, name: str, lines: list[str] | str
) -> Uses:
    text_lines = lines.split("\n") if isinstance(lines, str) else lines
    try:
        found = python_names.parameter_occurrences(function, name, text_lines)
    except python_names.Unsafe:
        return None
    return tuple((use.line, use.column) for use in found)


def _decorator_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """Every name a decorator of `function` writes: keywords, names, string constants.  A rename
    of one of them reads the decorators in full (`rename_plan._rename_decorator_mentions`)."""
    names: set[str] = set()
    for decorator in function.decorator_list:
        for node in ast.walk(decorator):
            if isinstance(node, ast.keyword) and node.arg is not None:
                names.add(node.arg)
            elif isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.add(node.value)
    return frozenset(names)
