"""What a module's names stand for, for the blocks that read them: constants, classes,
functions and their results, resolved on demand and cached on the binding (`ModuleValues`, a part
of `ModuleSource`, which `BlockContext` asks back while a block is analysed)."""

from __future__ import annotations

import ast
from collections.abc import Collection
from typing import Any

from livedag.engine.specs import FunctionSpec, TypeRef, Unknown

from .blocks import Block, reparse
from .classes import class_type, functional_type, is_typed_dict_call
from .context import BlockContext
from .definitions import function_definitions
from .evaluator import Evaluator
from .external import ExternalNames
from .factories import returned_functions
from .failures import analysis_failure, reason_of, statement_location
from .functions import annotation
from .model import WorkspaceResolver
from .scope import Binding, BindingKind

# A binding's value is being computed (a cycle among module constants ends there, Unknown).
IN_PROGRESS = object()


class ModuleValues:
    """The value-resolution half of `ModuleSource` (see the module doc).

    It reads the module's bindings and asks `ModuleSource` to analyse a block whose value it
    needs and to note what it found: the attributes and the two methods below are the whole
    contract between the halves.
    """

    module: str
    path: str | None
    resolver: WorkspaceResolver | None
    external: ExternalNames | None
    _bindings: dict[str, list[Binding]]
    _readers: dict[str, dict[int, Block]]

    def _analyze(self, block: Block) -> None:
        raise NotImplementedError  # ModuleSource's

    def _note(self, block: Block) -> None:
        raise NotImplementedError  # ModuleSource's

    def constant(self, name: str) -> Any:
        """The value of module-level constant `name` as seen at the end of the module (for
        `WorkspaceResolver.module_constant`); Unknown when it is not a constant here.  A class
        is given as the TypeRef it defines, so other modules' annotations can see its fields."""
        bindings = self._bindings.get(name)
        if not bindings:
            return Unknown(f"`{name}` is not defined in {self.module}")
        binding = bindings[-1]
        ctx = BlockContext(self)
        if binding.kind is BindingKind.CLASS or (
            binding.kind is BindingKind.CONSTANT
            and binding.source is not None
            and is_typed_dict_call(
                binding.expr, Evaluator(ctx, binding.source, binding.block.start)
            )
        ):  # a class's value is the type it defines
            return self.class_type(binding, ctx)
        if binding.kind is not BindingKind.CONSTANT:
            return Unknown(f"`{name}` in {self.module} is not a constant")
        return self.constant_value(binding, BlockContext(self))

    # --- scope (what evaluation asks of the module) --------------------------------------------

    def lookup(self, name: str, line: int) -> Binding | None:
        bindings = self._bindings.get(name)
        if not bindings:
            return None
        found = None
        for binding in bindings:
            if binding.block.start < line:
                found = binding
            else:
                break
        return found or bindings[0]

    def constant_value(self, binding: Binding, ctx: BlockContext) -> Any:
        block = binding.block
        cached = block.constants.get(binding.name)
        if cached is None:
            if binding.expr is None or binding.source is None:
                return None
            own = BlockContext(self)
            block.constants[binding.name] = (IN_PROGRESS, set(), set(), set())
            try:
                value = Evaluator(own, binding.source, block.start).evaluate(binding.expr)
                self._value_succeeded(binding, binding.name)
            except Exception as exc:  # costs this constant only (Unknown, and an LD012)
                value = self._value_failed(binding, binding.name, exc)
            finally:
                del block.constants[binding.name]
            modules = own.workspace_modules | own.module_refs  # the value may keep functions
            cached = (value, own.reads, modules, own.pending)
            block.constants[binding.name] = cached
            self._read_by_value(block, own.reads, modules)
        value, reads, modules, pending = cached
        ctx.absorb(reads, modules, pending)
        if value is IN_PROGRESS:
            return Unknown(f"`{binding.name}` refers to itself")
        return value

    def class_type(self, binding: Binding, ctx: BlockContext) -> TypeRef:
        """The type a class binding (or `R = TypedDict("R", {...})`) defines, TypedDict fields
        included; cached like constants."""
        block, key = binding.block, f"<class {binding.name}>"
        plain = TypeRef(binding.name, binding.qualified)
        cached = block.constants.get(key)
        if cached is None:
            if binding.source is None or (binding.definition is None and binding.expr is None):
                return plain
            own = BlockContext(self)
            block.constants[key] = (IN_PROGRESS, set(), set(), set())
            try:
                evaluator = Evaluator(own, binding.source, block.start)
                qualified = binding.qualified or f"{self.module}.{binding.name}"
                if binding.definition is not None:
                    value = class_type(binding.definition, qualified, evaluator, annotation)
                elif isinstance(binding.expr, ast.Call):
                    value = functional_type(
                        binding.expr, binding.name, qualified, evaluator, annotation
                    )
                else:
                    value = TypeRef(binding.name, qualified)
                self._value_succeeded(binding, key)
            except Exception as exc:  # costs this class's fields only
                self._value_failed(binding, key, exc)
                value = plain
            finally:
                del block.constants[key]
            modules = own.workspace_modules | own.module_refs
            cached = (value, own.reads, modules, own.pending)
            block.constants[key] = cached
            self._read_by_value(block, own.reads, modules)
        value, reads, modules, pending = cached
        ctx.absorb(reads, modules, pending)
        return plain if value is IN_PROGRESS else value  # a class that inherits from itself

    def function_result(self, binding: Binding, ctx: BlockContext) -> Any:
        """What calling a module function without arguments returns, when its body only defines
        functions and returns them (see `factories.py`); Unknown otherwise.  Cached like
        constants."""
        block, key = binding.block, f"<result {binding.name}>"
        cached = block.constants.get(key)
        if cached is None:
            statements = block.statements
            if statements is None:
                statements = reparse(block, self.path)
            nodes = function_definitions(statements or ()).kept
            if binding.index >= len(nodes) or block.source is None:
                return Unknown(f"calling `{binding.name}` needs running code")
            own = BlockContext(self)
            block.constants[key] = (IN_PROGRESS, set(), set(), set())
            try:
                value = returned_functions(nodes[binding.index], own, block.source, block.start)
            finally:
                del block.constants[key]
            modules = own.workspace_modules | own.module_refs  # the value keeps functions
            cached = (value, own.reads, modules, own.pending)
            block.constants[key] = cached
            self._read_by_value(block, own.reads, modules)
        value, reads, modules, pending = cached
        ctx.absorb(reads, modules, pending)
        if value is IN_PROGRESS:
            return Unknown(f"`{binding.name}` calls itself")
        return value

    def _value_failed(self, binding: Binding, key: str, exc: Exception) -> Unknown:
        """Record the LD012 of the value `binding` defines (`key`: its cache key), on the
        statement that defines it; the value is Unknown.

        Values are evaluated when something reads them, so the record stays until the block is
        edited or the value evaluates cleanly."""
        block, source = binding.block, binding.source
        assert source is not None
        stmt = block.statements[0] if block.statements else binding.definition
        location = (
            statement_location(stmt, source)
            if stmt is not None
            else source.span(source.first + 1, 0, 0)
        )
        problem = analysis_failure("this statement", location, exc, self.path)
        block.value_failures = {**(block.value_failures or {}), key: problem}
        self._note(block)
        return Unknown(f"livedag could not analyse it ({reason_of(exc)})", location)

    def _value_succeeded(self, binding: Binding, key: str) -> None:
        """Forget an LD012 the value `binding` defines had before."""
        failures = binding.block.value_failures
        if failures and failures.pop(key, None) is not None:
            self._note(binding.block)

    def _read_by_value(
        self, block: Block, names: Collection[str], modules: Collection[str] = ()
    ) -> None:
        """`block`'s cached values read `names` (and workspace `modules`): a change to one
        must drop the cache."""
        if modules and not block.value_modules.issuperset(modules):
            block.value_modules = block.value_modules | frozenset(modules)
        if names:
            block.value_reads = block.value_reads | frozenset(names)
            for name in names:
                self._readers.setdefault(name, {})[id(block)] = block

    def function_spec(self, binding: Binding) -> FunctionSpec | None:
        block = binding.block
        if not block.analyzed:
            if block.ctx is not None:  # being analyzed: a function referring to itself
                return None
            self._analyze(block)
        return block.function_at(binding.index)

    def external_name(self, qualified: str) -> str | None:
        if self.external is None:
            return qualified
        return self.external.lookup(qualified)
