"""What analyzing one block may consult, and the record of what it did consult.

A `ModuleScope` answers lookups of top-level names (see `scope.py`); a `BlockContext` wraps it for
one block and records the names it read, the workspace modules it asked about, and the external
names it would like jedi to resolve, so the block is redone exactly when one of those changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from livedag.engine.specs import FunctionSpec, TypeRef

from .model import WorkspaceResolver
from .scope import Binding


class ModuleScope(Protocol):
    module: str
    path: str | None
    resolver: WorkspaceResolver | None

    def lookup(self, name: str, line: int) -> Binding | None:
        """The binding of `name` that code in the block starting on document line `line` sees."""
        ...

    def constant_value(self, binding: Binding, ctx: BlockContext) -> Any:
        """The value of a constant binding, its own lookups recorded in `ctx` too."""
        ...

    def function_spec(self, binding: Binding) -> FunctionSpec | None: ...

    def function_result(self, binding: Binding, ctx: BlockContext) -> Any:
        """What calling a module function without arguments returns, if known without running
        code (it only defines functions and returns them), else Unknown; lookups recorded."""
        ...

    def class_type(self, binding: Binding, ctx: BlockContext) -> TypeRef:
        """The type a class binding defines (TypedDict fields included), lookups recorded."""
        ...

    def external_name(self, qualified: str) -> str | None:
        """What jedi said `qualified` points at (cache only), or None if not known yet."""
        ...


class BlockContext:
    """One block's view of the module, recording its dependencies."""

    def __init__(self, scope: ModuleScope) -> None:
        self.scope = scope
        self.module = scope.module
        self.path = scope.path
        self.resolver = scope.resolver
        self.reads: set[str] = set()
        self.workspace_modules: set[str] = set()  # whose contents it read
        # Workspace modules it only named (a module passed whole, checked to exist): what it
        # makes of them depends on their contents only when a function or a cached value keeps
        # the module's functions, so `ModuleSource` decides whether these count.
        self.module_refs: set[str] = set()
        self.pending: set[str] = set()

    def lookup(self, name: str, line: int) -> Binding | None:
        self.reads.add(name)
        return self.scope.lookup(name, line)

    def constant_value(self, binding: Binding) -> Any:
        return self.scope.constant_value(binding, self)

    def function_spec(self, binding: Binding) -> FunctionSpec | None:
        return self.scope.function_spec(binding)

    def class_type(self, binding: Binding) -> TypeRef:
        return self.scope.class_type(binding, self)

    def function_result(self, binding: Binding) -> Any:
        return self.scope.function_result(binding, self)

    def absorb(self, reads: set[str], modules: set[str], pending: set[str]) -> None:
        """Take over what evaluating something on this block's behalf consulted."""
        self.reads |= reads
        self.workspace_modules |= modules
        self.pending |= pending

    def module_functions(self, module: str) -> Sequence[FunctionSpec] | None:
        if self.resolver is None or not module:
            return None
        try:
            found = self.resolver.module_functions(module)
        except Exception:  # a resolver bug must not break analysis of this file
            return None
        if found is not None:
            self.module_refs.add(module)
        return found

    def uses_module(self, module: str) -> None:
        """What this block makes depends on `module`'s contents (one of its functions)."""
        self.workspace_modules.add(module)

    def module_constant(self, module: str, name: str) -> Any:
        if self.resolver is None:
            return None
        self.workspace_modules.add(module)
        try:
            return self.resolver.module_constant(module, name)
        except Exception:
            return None

    def resolve_name(self, module: str, name: str) -> str | None:
        if self.resolver is None:
            return None
        self.workspace_modules.add(module)
        try:
            return self.resolver.resolve_name(module, name)
        except Exception:
            return None

    def external_name(self, qualified: str) -> str | None:
        found = self.scope.external_name(qualified)
        if found is None:
            self.pending.add(qualified)
        return found
