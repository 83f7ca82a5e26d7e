"""Which qualified names are Hamilton's decorators and helpers, under their canonical names.

`hamilton.function_modifiers.expanders.extract_columns`, `hamilton.function_modifiers.extract_columns`
and `livedag.engine.function_modifiers.extract_columns` all mean `extract_columns`.  What counts as a
decorator is whatever `livedag.engine.rules.RULES` has a rule for (plus the argument helpers): the
analyzer holds no list of decorator meanings of its own.
"""

from __future__ import annotations

from livedag.engine.rules import RULES

# Packages whose public names are Hamilton's decorator API, longest first.
_API_PACKAGES = ("hamilton.function_modifiers", "livedag.engine.function_modifiers")
_API_SUBMODULES = (
    "adapters",
    "base",
    "configuration",
    "delayed",
    "dependencies",
    "expanders",
    "macros",
    "metadata",
    "recursive",
    "validation",
)
_PLUGIN_MODULES = ("hamilton.plugins.h_pandas", "hamilton.plugins.h_polars")
API_PREFIXES: tuple[str, ...] = tuple(
    sorted(
        [f"{p}.{sub}" for p in _API_PACKAGES for sub in _API_SUBMODULES]
        + list(_API_PACKAGES)
        + list(_PLUGIN_MODULES),
        key=len,
        reverse=True,
    )
)
# Argument helpers: not decorators, but records the rules read (`source("x")`, `step(f)`, ...).
HELPERS = frozenset({"source", "value", "group", "configuration", "step", "apply_to"})
ENUMS = frozenset({"ResolveAt"})
# Driver modules: where `Builder` and `Driver` come from.
DRIVER_MODULES = ("hamilton.driver", "livedag.engine.driver")

_namespace_cache: tuple[int, frozenset[str]] = (-1, frozenset())


def _namespaces() -> frozenset[str]:
    """Decorator families with open-ended members (`load_from.<format>`), from the rule keys."""
    global _namespace_cache
    if _namespace_cache[0] != len(RULES):
        _namespace_cache = (len(RULES), frozenset(k.split(".")[0] for k in RULES if "." in k))
    return _namespace_cache[1]


def is_canonical(name: str) -> bool:
    """Whether `name` is a decorator or helper the rules know (`tag`, `config.when`, `source`)."""
    if name in RULES or name in HELPERS:
        return True
    head, dot, rest = name.partition(".")
    if not dot or "." in rest:
        return False
    return head in ENUMS or head in _namespaces()


def canonical_name(qualified: str) -> str | None:
    """The canonical Hamilton name `qualified` refers to, or None if it is not Hamilton's API."""
    for prefix in API_PREFIXES:
        if qualified.startswith(prefix) and qualified[len(prefix) : len(prefix) + 1] == ".":
            rest = qualified[len(prefix) + 1 :]
            if is_canonical(rest):
                return rest
    return None


def is_api_namespace(qualified: str) -> bool:
    """Whether `qualified` is a Hamilton API module or a prefix of a canonical name (`fm.config`)."""
    if qualified in API_PREFIXES or any(p.startswith(qualified + ".") for p in API_PREFIXES):
        return True
    for prefix in API_PREFIXES:
        if qualified.startswith(prefix + "."):
            rest = qualified[len(prefix) + 1 :]
            if "." not in rest and (rest in ENUMS or rest in _namespaces()):
                return True
    return False
