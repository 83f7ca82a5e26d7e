"""The graph rules: the only code that knows what a decorator means.

`expand_function(spec, config)` turns one FunctionSpec into NodeSpecs; `expand_module(specs,
config)` does it for every public function of a module, after the module-wide rewrites some
decorators need (`@mutate` is written on one function and changes another).  Both front ends — live
modules (`livedag.engine.introspect`) and source text (`livedag.server`) — call these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..specs import FunctionSpec, Problem

# Each import registers one family's rules.
from . import (  # noqa: F401
    adapters,
    check_output,
    configuration,
    expanders,
    extractors,
    macros,
    metadata,
    recursive,
    with_columns,
)
from .lifecycle import expand_function, function_node, select_targets
from .registry import RULES, DecoratorError, Expansion, Phase, RuleContext, Unknowable, rule


@dataclass(frozen=True)
class ModuleRewrite:
    """A module-wide rewrite, registered by a rule module that must see all of a module's functions.

    `apply` returns the module's functions changed and appends what it could not do to `problems`.
    `takes_part` says cheaply whether one function can make the rewrite do anything; when no
    function of a module takes part, `apply` must return the functions unchanged and add no
    problem, so that a caller re-expanding a few edited functions may skip the rewrite.
    """

    apply: Callable[[Sequence[FunctionSpec], list[Problem]], list[FunctionSpec]]
    takes_part: Callable[[FunctionSpec], bool]


MODULE_REWRITES: list[ModuleRewrite] = []
MODULE_REWRITES.append(ModuleRewrite(macros.apply_mutations, macros.mutates))


def takes_part_in_rewrites(spec: FunctionSpec) -> bool:
    """Whether some module-wide rewrite may change the module because of `spec`."""
    return any(rewrite.takes_part(spec) for rewrite in MODULE_REWRITES)


# How one function is expanded; `expand_module` takes another one (a cache) in its place.
FunctionExpander = Callable[[FunctionSpec, Mapping[str, Any]], Expansion]


def expand_module(
    functions: Sequence[FunctionSpec],
    config: Mapping[str, Any],
    *,
    expand: FunctionExpander = expand_function,
) -> Expansion:
    """Nodes of one module: every public function in it, private ones only as references, and
    shadowed definitions only through the module rewrites they take part in.

    `expand` is called for each public function after the module-wide rewrites; the language
    server passes a memoizing one, so only the functions that changed are expanded again.
    """
    specs = list(functions)
    out = Expansion()
    for rewrite in MODULE_REWRITES:
        specs = rewrite.apply(specs, out.problems)
    for spec in specs:
        if spec.is_public and not spec.shadowed:
            out.extend(expand(spec, config))
    return out


__all__ = [
    "MODULE_REWRITES",
    "RULES",
    "DecoratorError",
    "Expansion",
    "FunctionExpander",
    "ModuleRewrite",
    "Phase",
    "RuleContext",
    "Unknowable",
    "expand_function",
    "expand_module",
    "function_node",
    "rule",
    "select_targets",
    "takes_part_in_rewrites",
]
