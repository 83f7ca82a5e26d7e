"""Which occurrences of a Python name refer to one binding: for renaming a parameter in its
function's body, or a module-level function where the module uses it.

Python's scoping, read from the AST of one top-level statement (never the whole module): a nested
function, lambda or comprehension that binds the name itself hides the outer binding; a class
body's bindings are not seen by its methods; defaults, annotations and decorators are evaluated
in the enclosing scope; keyword names in calls (`f(age=age)`) and attributes (`x.age`) are not
the variable.  What cannot be renamed safely (a `nonlocal` or `global` naming it, an import or a
`match` pattern binding it) is refused with the line, never guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Nodes with nothing below them that binds or uses a name (a Name's only child is its context).
_LEAVES = (ast.Constant, ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


class Unsafe(Exception):
    """A rename that would need more than replacing names, with the 1-based line that needs it."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Occurrence:
    line: int  # 1-based, in the parsed chunk's coordinates (see `parse_statement`)
    column: int  # code points


def parse_statement(
    lines: Sequence[str], first_line: int, end_line: int | None
) -> ast.Module | None:
    """The AST of lines `first_line`..`end_line` (1-based, end exclusive; None: to the end) of a
    text's `lines` (without line ends), numbered as in the whole text; None when that piece does
    not parse."""
    chunk = "\n".join(lines[first_line - 1 : (end_line - 1) if end_line is not None else None])
    try:
        tree = ast.parse(chunk)
    except (SyntaxError, ValueError):
        return None
    ast.increment_lineno(tree, first_line - 1)
    return tree


def _binds(scope: ast.AST, name: str) -> Iterator[ast.AST]:
    """The nodes of `scope` (a function, lambda, class or comprehension) that bind `name` in that
    scope itself (not in nested scopes, except a walrus inside a comprehension)."""
    if isinstance(scope, _FUNCTIONS):
        args = scope.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None and arg.arg == name:
                yield arg
        body: list[ast.AST] = [scope.body] if isinstance(scope, ast.Lambda) else list(scope.body)
    elif isinstance(scope, ast.ClassDef):
        body = list(scope.body)
    elif isinstance(scope, _COMPREHENSIONS):
        for gen in scope.generators:
            for node in ast.walk(gen.target):
                if isinstance(node, ast.Name) and node.id == name:
                    yield node
        return
    else:
        body = list(ast.iter_child_nodes(scope))
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            if node.id == name and not isinstance(node.ctx, ast.Load):
                yield node
            continue
        if isinstance(node, _LEAVES):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name:
                yield node
            stack.extend(node.decorator_list)
            if not isinstance(node, ast.ClassDef):
                stack.extend(d for d in [*node.args.defaults, *node.args.kw_defaults] if d)
            continue
        if isinstance(node, ast.Lambda):
            stack.extend(node.args.defaults)
            continue
        if isinstance(node, _COMPREHENSIONS):
            stack.append(node.generators[0].iter)
            stack.extend(n for n in ast.walk(node) if isinstance(n, ast.NamedExpr))
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if bound == name:
                    yield node
        elif isinstance(node, ast.ExceptHandler) and node.name == name:
            yield node
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name == name:
            yield node
        elif isinstance(node, ast.MatchMapping) and node.rest == name:
            yield node
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _check_bindings(bindings: Iterable[ast.AST], name: str) -> bool:
    """Whether `name` is bound; refuses bindings a rename cannot rewrite by replacing names."""
    bound = False
    for node in bindings:
        line = getattr(node, "lineno", 0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise Unsafe(f"`{name}` is bound by an import at line {line}", line)
        if isinstance(node, (ast.MatchAs, ast.MatchStar, ast.MatchMapping)):
            raise Unsafe(f"`{name}` is bound by a match pattern at line {line}", line)
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            kind = "global" if isinstance(node, ast.Global) else "nonlocal"
            raise Unsafe(f"`{name}` is declared {kind} at line {line}", line)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            raise Unsafe(f"`{name}` is also defined by a nested def at line {line}", line)
        if isinstance(node, ast.ExceptHandler):
            raise Unsafe(f"`{name}` is bound by `except ... as` at line {line}", line)
        bound = True
    return bound


class _Walker:
    def __init__(self, name: str, module_target: bool) -> None:
        self.name = name
        self.module_target = module_target  # the target is a module-level name
        self.found: list[ast.AST] = []

    def walk(self, node: ast.AST, refers: bool, fn_refers: bool) -> None:
        """`refers`: a Name here is the target; `fn_refers`: the same for a nested function's
        free names (class bodies do not count)."""
        name = self.name
        if isinstance(node, _FUNCTIONS):
            self._header(node, refers)
            local = self._hidden(node, fn_refers)
            inner = refers_inside = (not local) and fn_refers
            if isinstance(node, ast.Lambda):
                self.walk(node.body, inner, refers_inside)
            else:
                for stmt in node.body:
                    self.walk(stmt, inner, refers_inside)
            return
        if isinstance(node, ast.ClassDef):
            for child in [*node.decorator_list, *node.bases, *node.keywords]:
                self.walk(child, refers, fn_refers)
            local = self._hidden(node, refers)
            for stmt in node.body:
                self.walk(stmt, refers and not local, fn_refers)
            return
        if isinstance(node, _COMPREHENSIONS):
            generators = node.generators
            self.walk(generators[0].iter, refers, fn_refers)
            local = any(True for _ in _binds(node, name))
            inner = refers and not local
            for index, gen in enumerate(generators):
                self.walk(gen.target, inner, inner)
                if index:
                    self.walk(gen.iter, inner, inner)
                for condition in gen.ifs:
                    self.walk(condition, inner, inner)
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for part in parts:
                self.walk(part, inner, inner)
            return
        if isinstance(node, ast.Name):
            if node.id == name and refers:
                self.found.append(node)
            return
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, _LEAVES):
                self.walk(child, refers, fn_refers)

    def _hidden(self, scope: ast.AST, refers: bool) -> bool:
        """Whether a nested scope binds the name itself (hiding the target).  A `nonlocal` (or,
        for a module-level target, `global`) declaration makes it the target, with a statement
        naming it that no name replacement reaches: refused."""
        hidden = False
        for node in _binds(scope, self.name):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Nonlocal) and refers:
                raise Unsafe(f"`{self.name}` is declared nonlocal at line {line}", line)
            if isinstance(node, ast.Global) and self.module_target:
                raise Unsafe(f"`{self.name}` is declared global at line {line}", line)
            hidden = True
        return hidden

    def _header(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, refers: bool
    ) -> None:
        """What a `def` evaluates where it stands: decorators, defaults, annotations."""
        args = node.args
        outer: list[ast.AST | None] = [*args.defaults, *args.kw_defaults]
        if not isinstance(node, ast.Lambda):
            outer += [*node.decorator_list, node.returns]
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None:
                    outer.append(arg.annotation)
        for child in outer:
            if child is not None:
                self.walk(child, refers, refers)


def _position(lines: Sequence[str], line: int, byte_column: int) -> Occurrence:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    column = len(text.encode("utf-8")[:byte_column].decode("utf-8", errors="ignore"))
    return Occurrence(line, column)


def _occurrences(
    nodes: Iterable[ast.AST], lines: Sequence[str], name: str, line_of_def: int
) -> list[Occurrence]:
    found = []
    for node in nodes:
        occurrence = _position(lines, node.lineno, node.col_offset)  # type: ignore[attr-defined]
        text = lines[occurrence.line - 1] if occurrence.line <= len(lines) else ""
        if text[occurrence.column : occurrence.column + len(name)] != name:
            raise Unsafe(
                f"livedag could not place `{name}` at line {occurrence.line} exactly", line_of_def
            )
        found.append(occurrence)
    return found


def parameter_occurrences(
    function: ast.FunctionDef | ast.AsyncFunctionDef, name: str, text_lines: Sequence[str]
) -> list[Occurrence]:
    """The parameter `name` of `function` and every use of it in the body (not the parameter
    itself: its span comes from the analysis).  Raises `Unsafe`."""
    walker = _Walker(name, module_target=False)
    # The function's own scope binds the parameter; nested scopes may hide it.
    _check_bindings((b for b in _binds(function, name) if not isinstance(b, ast.arg)), name)
    for stmt in function.body:
        walker.walk(stmt, True, True)
    return _occurrences(walker.found, text_lines, name, function.lineno)


def module_name_occurrences(
    statement: ast.stmt, name: str, text_lines: Sequence[str]
) -> list[Occurrence]:
    """Uses, inside one top-level statement, of the module-level name `name`.  Raises `Unsafe`."""
    walker = _Walker(name, module_target=True)
    walker.walk(statement, True, True)
    return _occurrences(walker.found, text_lines, name, getattr(statement, "lineno", 1))


def binds(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    """Whether `function` binds `name` anywhere inside (parameters, assignments, nested scopes)."""
    for node in ast.walk(function):
        if isinstance(node, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if any(True for _ in _binds(node, name)):
                return True
        elif isinstance(node, _COMPREHENSIONS) and any(True for _ in _binds(node, name)):
            return True
    return False


def names_used(node: ast.AST) -> dict[str, int]:
    """Every name a function's signature and body use or bind, with a line (for collisions)."""
    found: dict[str, int] = {}
    for child in ast.walk(node):
        line = getattr(child, "lineno", 0)
        if isinstance(child, ast.Name):
            found.setdefault(child.id, line)
        elif isinstance(child, ast.arg):
            found.setdefault(child.arg, line)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.setdefault(child.name, line)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            for alias in child.names:
                found.setdefault(alias.asname or alias.name.split(".")[0], line)
        elif isinstance(child, (ast.Global, ast.Nonlocal)):
            for declared in child.names:
                found.setdefault(declared, line)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            found.setdefault(child.name, line)
    return found
