"""The graph rules: the only code that knows what a decorator means.

`expand_function(spec, config)` turns one FunctionSpec into NodeSpecs; `expand_module(specs,
config)` does it for every public function of a module, after the module-wide rewrites some
decorators need (`@mutate` is written on one function and changes another).  Both front ends — live
modules (`livedag.engine.introspect`) and source text (`livedag.server`) — call these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..specs import FunctionSpec, Problem

# Each import registers one family's rules.
from . import (  # noqa: F401
    adapters,
    configuration,
    expanders,
    extractors,
    macros,
    metadata,
    recursive,
    validation,
    with_columns,
)
from .lifecycle import expand_function, function_node, select_targets
from .registry import RULES, DecoratorError, Expansion, Phase, RuleContext, Unknowable, rule

# Module-wide rewrites, registered by rule modules that need to see all of a module's functions.
# A rewrite returns the module's functions changed and appends what it could not do to `problems`.
ModuleRewrite = Callable[[Sequence[FunctionSpec], list[Problem]], list[FunctionSpec]]
MODULE_REWRITES: list[ModuleRewrite] = []
MODULE_REWRITES.append(macros.apply_mutations)


# How one function is expanded; `expand_module` takes another one (a cache) in its place.
FunctionExpander = Callable[[FunctionSpec, Mapping[str, Any]], Expansion]


def expand_module(
    functions: Sequence[FunctionSpec],
    config: Mapping[str, Any],
    *,
    expand: FunctionExpander = expand_function,
) -> Expansion:
    """Nodes of one module: every public function in it, private ones only as references.

    `expand` is called for each public function after the module-wide rewrites; the language
    server passes a memoizing one, so only the functions that changed are expanded again.
    """
    specs = list(functions)
    out = Expansion()
    for rewrite in MODULE_REWRITES:
        specs = rewrite(specs, out.problems)
    for spec in specs:
        if spec.is_public:
            out.extend(expand(spec, config))
    return out


__all__ = [
    "MODULE_REWRITES",
    "RULES",
    "DecoratorError",
    "Expansion",
    "FunctionExpander",
    "Phase",
    "RuleContext",
    "Unknowable",
    "expand_function",
    "expand_module",
    "function_node",
    "rule",
    "select_targets",
]
