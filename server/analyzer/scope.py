"""Module-level bindings: what a name means at the point a decorator or annotation uses it.

A top-level statement binds names (imports, constants, functions, classes).  Decorators run when
their `def` runs, so a use sees the last binding written before it.  Every lookup is recorded, so a
block whose inputs change is re-analyzed even when its own text did not change.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

from livedag.engine.specs import Location

from .anchors import Anchor, AnchoredLocation
from .positions import byte_to_codepoint_column

if TYPE_CHECKING:
    from .blocks import Block


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Turns parser positions (1-based lines of the parsed text, UTF-8 byte columns) into
    Locations anchored to the block: line `first + 1` of the parsed text is the block's first."""

    path: str | None
    lines: Sequence[str]  # the parsed text's lines
    first: int  # 0-based index in `lines` of the block's first line
    anchor: Anchor

    def column(self, lineno: int, byte_col: int) -> int:
        if 0 < lineno <= len(self.lines):
            return byte_to_codepoint_column(self.lines[lineno - 1], byte_col)
        return byte_col

    def document_line(self, lineno: int) -> int:
        """The current 1-based document line of parsed line `lineno`."""
        return self.anchor.start + lineno - self.first

    def location(self, node: ast.AST) -> Location:
        lineno: int = getattr(node, "lineno", 1)
        end_lineno: int = getattr(node, "end_lineno", None) or lineno
        col: int = getattr(node, "col_offset", 0)
        end_col: int = getattr(node, "end_col_offset", None) or col
        return AnchoredLocation(
            self.path,
            lineno - self.first,
            self.column(lineno, col),
            end_lineno - self.first,
            self.column(end_lineno, end_col),
            self.anchor,
        )

    def span(self, lineno: int, column: int, length: int) -> Location:
        """A range of `length` code points at code-point `column` of parsed line `lineno`."""
        line = lineno - self.first
        return AnchoredLocation(self.path, line, column, line, column + length, self.anchor)

    def text(self, node: ast.AST) -> str:
        """The source text of `node` as written."""
        lineno = getattr(node, "lineno", 1)
        end_lineno = getattr(node, "end_lineno", None) or lineno
        col, end_col = getattr(node, "col_offset", 0), getattr(node, "end_col_offset", 0)
        if not 0 < lineno <= end_lineno <= len(self.lines):
            return ast.unparse(node)
        first = self.lines[lineno - 1].encode("utf-8")
        if lineno == end_lineno:
            return first[col:end_col].decode("utf-8", "replace")
        parts = [first[col:].decode("utf-8", "replace")]
        parts.extend(self.lines[lineno : end_lineno - 1])
        parts.append(
            self.lines[end_lineno - 1].encode("utf-8")[:end_col].decode("utf-8", "replace")
        )
        return "".join(parts)


class BindingKind(enum.Enum):
    IMPORT = "import"
    CONSTANT = "constant"
    FUNCTION = "function"
    CLASS = "class"
    OPAQUE = "opaque"  # bound by code the analyzer does not run (a call, a loop, ...)


@dataclass(eq=False, slots=True)
class Binding:
    """One top-level name binding, owned by the block that makes it."""

    name: str
    kind: BindingKind
    block: Block
    qualified: str | None = None  # IMPORT: what it imports; CLASS: module.Name
    module_import: bool = False  # `import a.b` binds `a` to the module `a`
    expr: ast.expr | None = None  # CONSTANT: the assigned expression
    source: SourceMap | None = None
    index: int = 0  # FUNCTION: position in block.functions
    reason: str = ""  # OPAQUE: why the value cannot be known
    # OPAQUE: what an import fallback (`try: import a` / `except ImportError: import b`) may
    # bind, in the order Python tries them; the first that is a workspace module is taken.
    alternatives: tuple[str, ...] = ()
    definition: ast.ClassDef | None = None  # CLASS: its statement (what annotations look into)

    def meaning(self) -> tuple[Any, ...]:
        """What users of this binding depend on; a change re-analyzes them."""
        if self.kind is BindingKind.IMPORT:
            return ("import", self.qualified, self.module_import)
        if self.kind is BindingKind.FUNCTION:
            return ("function", self.block.version, self.index)
        if self.kind is BindingKind.CLASS:  # its body too: annotations read its fields
            return ("class", self.qualified, self.block.text)
        if self.kind is BindingKind.OPAQUE:
            return ("opaque", self.reason, self.alternatives)
        return ("constant", self.block.text, self.block.start)


def module_package(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def import_target(node: ast.ImportFrom, module: str, is_package: bool) -> str | None:
    """The absolute module a `from ... import` reads from (relative imports resolved)."""
    if not node.level:
        return node.module
    package = module_package(module, is_package)
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    if node.module:
        base.append(node.module)
    return ".".join(base) or None


def import_bindings(
    node: ast.Import | ast.ImportFrom, block: Block, module: str, is_package: bool
) -> list[Binding]:
    out: list[Binding] = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                out.append(Binding(alias.asname, BindingKind.IMPORT, block, alias.name))
            else:
                top = alias.name.split(".")[0]
                out.append(Binding(top, BindingKind.IMPORT, block, top, module_import=True))
        return out
    target = import_target(node, module, is_package)
    for alias in node.names:
        if alias.name == "*":
            continue
        local = alias.asname or alias.name
        if target is None:
            out.append(Binding(local, BindingKind.OPAQUE, block, reason="unresolvable import"))
        else:
            out.append(Binding(local, BindingKind.IMPORT, block, f"{target}.{alias.name}"))
    return out


def assigned_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in assigned_names(elt)]
    if isinstance(target, ast.Starred):
        return assigned_names(target.value)
    return []


def statement_bindings(
    stmt: ast.stmt, block: Block, source: SourceMap, module: str, is_package: bool
) -> list[Binding]:
    """Bindings a top-level statement makes (functions are added by the block itself)."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return import_bindings(stmt, block, module, is_package)
    if isinstance(stmt, ast.ClassDef):
        qualified = f"{module}.{stmt.name}"
        return [
            Binding(stmt.name, BindingKind.CLASS, block, qualified, source=source, definition=stmt)
        ]
    if isinstance(stmt, ast.Assign):
        out: list[Binding] = []
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                out.append(
                    Binding(target.id, BindingKind.CONSTANT, block, expr=stmt.value, source=source)
                )
            else:
                reason = "assigned by unpacking"
                out.extend(
                    Binding(n, BindingKind.OPAQUE, block, reason=reason)
                    for n in assigned_names(target)
                )
        return out
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        if stmt.value is None:
            return []
        return [
            Binding(stmt.target.id, BindingKind.CONSTANT, block, expr=stmt.value, source=source)
        ]
    if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        return [
            Binding(n, BindingKind.OPAQUE, block, reason="changed after its definition")
            for n in assigned_names(stmt.target)
        ]
    if isinstance(stmt, (ast.If, ast.With)) or is_try(stmt):
        out = []
        bodies: list[list[ast.stmt]] = [stmt.body]
        if isinstance(stmt, ast.If) or is_try(stmt):
            bodies.append(stmt.orelse)
        if is_try(stmt):
            bodies.append(stmt.finalbody)
            bodies.extend(h.body for h in stmt.handlers)
        seen: dict[str, list[Binding]] = {}
        for body in bodies:
            for inner in body:
                for binding in statement_bindings(inner, block, source, module, is_package):
                    paths = seen.setdefault(binding.name, [])
                    paths.append(binding)
                    if len(paths) > 1:  # bound on two paths: only running it would tell
                        binding = Binding(
                            binding.name,
                            BindingKind.OPAQUE,
                            block,
                            reason="bound conditionally",
                            alternatives=_import_fallback(stmt, paths),
                        )
                    out.append(binding)
        return _last_per_name(out)
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [
            Binding(n, BindingKind.OPAQUE, block, reason="bound by a loop")
            for n in assigned_names(stmt.target)
        ]
    return []


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _import_fallback(stmt: ast.stmt, paths: list[Binding]) -> tuple[str, ...]:
    """The modules a name may be imported from, in order, when `stmt` is the import-fallback
    idiom (`try: import x` / `except ImportError: from . import x`); () otherwise."""
    if not isinstance(stmt, ast.Try) or stmt.orelse or stmt.finalbody or not stmt.handlers:
        return ()
    for handler in stmt.handlers:
        caught = handler.type
        names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
        if not all(isinstance(n, ast.Name) and n.id in _IMPORT_ERRORS for n in names):
            return ()  # a bare `except:` or another error: not an import fallback
    if not all(p.kind is BindingKind.IMPORT and p.qualified for p in paths):
        return ()
    return tuple(p.qualified for p in paths if p.qualified)


# `try/except*` (Python 3.11 on) has the fields of `try`; before 3.11 there is only `try`.
_TRY_STAR: type[ast.stmt] = getattr(ast, "TryStar", ast.Try)


def is_try(stmt: ast.stmt) -> TypeGuard[ast.Try]:
    """A `try` statement, with `except` or `except*` handlers."""
    return isinstance(stmt, (ast.Try, _TRY_STAR))


def _last_per_name(bindings: list[Binding]) -> list[Binding]:
    last = {b.name: b for b in bindings}
    return list(last.values())
