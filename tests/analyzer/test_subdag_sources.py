"""Where a subdag's functions come from, read without running code: an import fallback
(`try: import a` / `except ImportError: from . import a`)."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
from helpers import analyze, functions
from livedag.engine.specs import ModuleRef, Unknown

HEAD = "from hamilton.function_modifiers import config, subdag, value\n"


class Workspace:
    """A resolver that knows one workspace module, `pkg.parts`."""

    def __init__(self) -> None:
        self.parts = analyze("def doubled(x: int) -> int:\n    return 2 * x\n", module="pkg.parts")

    def module_functions(self, module: str) -> Any:
        return self.parts.functions if module == "pkg.parts" else None

    def module_constant(self, module: str, name: str) -> Any:
        return Unknown("no constants here")

    def resolve_name(self, module: str, name: str) -> str | None:
        return None


def built_from(source: str, resolver: Any = None) -> tuple[Any, ...]:
    """The positional arguments of `@subdag` on `f`."""
    return functions(textwrap.dedent(source), resolver)["f"].decorators[0].args


SUBDAG_ON_PARTS = "@subdag(parts)\ndef f(doubled: int) -> int:\n    return doubled\n"


@pytest.mark.parametrize(
    "fallback",
    [
        "try:\n    import parts\nexcept ImportError:\n    from pkg import parts\n",
        "try:\n    from pkg import parts\nexcept ImportError:\n    import parts\n",
        "try:\n    import parts\nexcept (ImportError, ModuleNotFoundError):\n"
        "    import pkg.parts as parts\n",
    ],
)
def test_an_import_fallback_takes_the_first_workspace_module(fallback: str) -> None:
    (found,) = built_from(HEAD + fallback + SUBDAG_ON_PARTS, Workspace())
    assert isinstance(found, ModuleRef) and found.name == "pkg.parts"
    assert [f.name for f in found.functions or ()] == ["doubled"]


@pytest.mark.parametrize(
    "conditional",
    [
        # another error than an import error: which branch binds it depends on running code
        "try:\n    import parts\nexcept ValueError:\n    from pkg import parts\n",
        "try:\n    import parts\nexcept:\n    from pkg import parts\n",
        # not every path imports
        "try:\n    from pkg import parts\nexcept ImportError:\n    parts = None\n",
        "if FLAG:\n    import parts\nelse:\n    from pkg import parts\n",
        # no path reaches a workspace module
        "try:\n    import parts\nexcept ImportError:\n    import other.parts as parts\n",
    ],
)
def test_other_conditional_bindings_stay_unknown(conditional: str) -> None:
    (found,) = built_from(HEAD + "FLAG = True\n" + conditional + SUBDAG_ON_PARTS, Workspace())
    assert isinstance(found, Unknown) and "bound conditionally" in found.reason
