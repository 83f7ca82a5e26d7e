"""What the analyzer hands to the workspace: one module's analysis, the driver uses it found,
and the questions it may ask the workspace about other modules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from livedag.engine.specs import FunctionSpec, LocatedStr, Location, Problem


@dataclass(frozen=True)
class DriverUse:
    """A driver built in a script: which modules and config it uses, what it asks for."""

    modules: tuple[str, ...]
    config: Mapping[str, Any]
    outputs: tuple[LocatedStr, ...]
    inputs: tuple[LocatedStr, ...]
    location: Location
    # The first `execute(...)` on this driver (where "you did not pass input X" belongs).
    execute_location: Location | None = None
    # True when some `inputs=` could not be read statically: its keys are not all known.
    inputs_unknown: bool = False
    # The module arguments that cannot be read without running code (`*get_data_loader()`,
    # `QUERIES[query]`), as written: while there are any, the driver's outputs cannot be judged.
    unknown_modules: tuple[str, ...] = ()
    # `.allow_module_overrides()` / `Driver(..., allow_module_overrides=True)`: a node of a later
    # module replaces an earlier module's node of the same name instead of clashing (LD003).
    allow_module_overrides: bool = False


@dataclass(frozen=True)
class ModuleAnalysis:
    """One module read from source text.

    `pending_names` are qualified names of things imported from outside the workspace that only
    jedi can see through (a helper package re-exporting a decorator, a type alias); the workspace
    resolves them off the keystroke path with `ExternalNames` and calls `ModuleSource.refresh`.
    """

    module: str
    path: str | None
    text: str
    functions: tuple[FunctionSpec, ...]
    problems: tuple[Problem, ...]
    imports: Mapping[str, str]
    drivers: tuple[DriverUse, ...]
    pending_names: frozenset[str] = field(default_factory=frozenset)


class WorkspaceResolver(Protocol):
    """What the workspace knows about its other modules (cross-module constants and names)."""

    def module_constant(self, module: str, name: str) -> Any:
        """The value of a module-level constant of another workspace module, or `Unknown`."""
        ...

    def module_functions(self, module: str) -> Sequence[FunctionSpec] | None:
        """The functions of a workspace module; None when `module` is not in the workspace."""
        ...

    def resolve_name(self, module: str, name: str) -> str | None:
        """The qualified name `module.name` re-exports (`from x import y` in it), if any."""
        ...
