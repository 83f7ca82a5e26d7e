"""Which qualified names are Hamilton's decorators and helpers, under their canonical names.

Shared by both front ends: the static analyzer maps the names a module imports through it, the
runtime front end (`hamilton_records`) the live Hamilton objects a module holds.

`hamilton.function_modifiers.expanders.extract_columns`,
`hamilton.function_modifiers.extract_columns` and
`livedag.engine.function_modifiers.extract_columns` all mean `extract_columns`.  What counts as a
name is whatever the engine knows (`livedag.engine.rules.RULES` and the names its record-only
decorator module exports): no front end holds a list of decorator meanings of its own.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TypeVar

from . import function_modifiers as api
from .rules import RULES

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
# Hamilton decorators kept outside its decorator packages: qualified name -> canonical name.
# Only these names of those modules are API (the rest of `hamilton.lifecycle` is adapters).
ELSEWHERE: dict[str, str] = {
    f"{module}.accept_error_sentinels": "accept_error_sentinels"
    for module in ("hamilton.lifecycle", "hamilton.lifecycle.default", "livedag.engine.lifecycle")
}
# Driver modules: where `Builder` and `Driver` come from.
DRIVER_MODULES = ("hamilton.driver", "livedag.engine.driver")


class _Vocabulary:
    """Hamilton's public names as the engine spells them: every rule key, and every name the
    engine's record-only decorator module exports (helpers such as `source`, `step`,
    `ParameterizedExtract`; families such as `config`, `load_from`; enums such as `ResolveAt`)."""

    def __init__(self) -> None:
        self._size = -1
        self.names: frozenset[str] = frozenset()
        self.families: frozenset[str] = frozenset()
        self.enums: frozenset[str] = frozenset()
        # Answers per qualified name (a driver script asks about the same 40 module names on
        # every refresh); forgotten when the rules change.
        self.canonical: dict[str, str | None] = {}
        self.namespace: dict[str, bool] = {}

    def refresh(self) -> _Vocabulary:
        if self._size != len(RULES):
            exported = {name: getattr(api, name, None) for name in api.__all__}
            self.names = frozenset(RULES) | frozenset(exported)
            self.families = frozenset(k.split(".")[0] for k in RULES if "." in k) | frozenset(
                name for name, obj in exported.items() if isinstance(obj, api.Namespace)
            )
            self.enums = frozenset(
                name
                for name, obj in exported.items()
                if isinstance(obj, type) and issubclass(obj, enum.Enum)
            )
            self._size = len(RULES)
            self.canonical, self.namespace = {}, {}
        return self


_VOCABULARY = _Vocabulary()
T = TypeVar("T")
_MAX_ANSWERS = 50_000  # names remembered; a workspace has far fewer distinct ones


def vocabulary_names() -> frozenset[str]:
    """Every canonical name: decorators, helpers, families' members, enums."""
    return _VOCABULARY.refresh().names


def families() -> frozenset[str]:
    """Names whose members are decorators (`config` of `config.when`, `load_from`)."""
    return _VOCABULARY.refresh().families


def is_enum_member(name: str) -> bool:
    return name.split(".")[0] in _VOCABULARY.refresh().enums


def is_canonical(name: str) -> bool:
    """Whether `name` is a decorator or helper the engine knows (`tag`, `config.when`, `source`)."""
    vocabulary = _VOCABULARY.refresh()
    if name in vocabulary.names:
        return True
    head, dot, rest = name.partition(".")
    if not dot or "." in rest:
        return False
    return head in vocabulary.enums or head in vocabulary.families


def _remembered(known: dict[str, T], qualified: str, answer: Callable[[str], T]) -> T:
    """`answer(qualified)`, remembered in `known` (bounded: cleared when it grows too big)."""
    if qualified not in known:
        if len(known) > _MAX_ANSWERS:
            known.clear()
        known[qualified] = answer(qualified)
    return known[qualified]


def canonical_name(qualified: str) -> str | None:
    """The canonical Hamilton name `qualified` refers to, or None if it is not Hamilton's API."""
    return _remembered(_VOCABULARY.refresh().canonical, qualified, _canonical_name)


def _canonical_name(qualified: str) -> str | None:
    if qualified in ELSEWHERE:
        return ELSEWHERE[qualified]
    for prefix in API_PREFIXES:
        if qualified.startswith(prefix) and qualified[len(prefix) : len(prefix) + 1] == ".":
            rest = qualified[len(prefix) + 1 :]
            if is_canonical(rest):
                return rest
    return None


def is_api_namespace(qualified: str) -> bool:
    """Whether `qualified` is a Hamilton API module or a canonical name's prefix (`fm.config`)."""
    return _remembered(_VOCABULARY.refresh().namespace, qualified, _is_api_namespace)


def _is_api_namespace(qualified: str) -> bool:
    if qualified in API_PREFIXES or any(p.startswith(qualified + ".") for p in API_PREFIXES):
        return True
    for prefix in API_PREFIXES:
        if qualified.startswith(prefix + "."):
            rest = qualified[len(prefix) + 1 :]
            vocabulary = _VOCABULARY.refresh()
            if "." not in rest and (rest in vocabulary.enums or rest in vocabulary.families):
                return True
    return False
