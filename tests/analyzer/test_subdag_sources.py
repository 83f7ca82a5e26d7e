"""Where a subdag's functions come from, read without running code: an import fallback
(`try: import a` / `except ImportError: from . import a`) and a module function that only defines
functions and returns them (`@subdag(*_parts(), ...)`)."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
from livedag.engine.specs import FunctionRef, FunctionSpec, ModuleRef, Unknown
from livedag.server.analyzer import ModuleSource

from tests.analyzer.helpers import analyze, functions

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


FACTORY = '''
def _parts():
    """Functions reused by the subdags below, kept out of the module's own nodes."""

    @config.when(op="add")
    def total__add(a: int, c: int) -> int:
        return a + c

    def doubled(c: int) -> int:
        return c * 2

    parts = [total__add, doubled]
    return parts


@subdag(*_parts(), inputs={"c": value(1)}, config={"op": "add"})
def f(total: int) -> int:
    return total
'''


def test_a_function_that_only_defines_functions_returns_them() -> None:
    total, doubled = built_from(HEAD + FACTORY)
    assert isinstance(total, FunctionRef) and isinstance(doubled, FunctionRef)
    assert total.spec is not None and doubled.spec is not None
    assert (total.name, total.module, doubled.name) == ("total__add", "m", "doubled")
    (when,) = total.spec.decorators
    assert (when.name, dict(when.kwargs)) == ("config.when", {"op": "add"})
    assert [p.name for p in doubled.spec.parameters] == ["c"]
    assert doubled.spec.location is not None and doubled.spec.location.line == 10


def test_the_factory_itself_is_the_only_module_function_besides_f() -> None:
    assert [s.name for s in analyze(HEAD + FACTORY).functions] == ["_parts", "f"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("    out = []\n    if FLAG:\n        out.append(1)\n    return out\n", "`if` statement"),
        ("    for i in range(3):\n        pass\n    return []\n", "`for` statement"),
        ("    return load()\n", "`load`"),
        ("    return _make()\n", "calls itself"),
    ],
)
def test_a_factory_that_runs_code_is_unknown_at_the_call(body: str, reason: str) -> None:
    source = f"{HEAD}FLAG = True\ndef _make():\n{body}\n@subdag(*_make())\ndef f(x: int) -> int:\n"
    source += "    return x\n"
    (found,) = built_from(source)
    assert isinstance(found, Unknown) and reason in found.reason
    assert found.location is not None and found.location.line == source.count("\n") - 2


@pytest.mark.parametrize(
    ("definition", "call", "reason"),
    [
        ("def _make(flag):\n    return []\n", "_make(True)", "with arguments"),
        ("def _make(flag=1):\n    return []\n", "_make()", "takes arguments"),
        ("@config.when(a=1)\ndef _make():\n    return []\n", "_make()", "decorated"),
        (
            "def _make():\n    def _h(x: int) -> int:\n        return x\n"
            "    @subdag(_h)\n    def g(_h: int) -> int:\n        return _h\n    return [g]\n",
            "_make()",
            "use its local names",
        ),
    ],
)
def test_factories_not_followed(definition: str, call: str, reason: str) -> None:
    source = f"{HEAD}{definition}\n@subdag(*{call})\ndef f(x: int) -> int:\n    return x\n"
    (found,) = built_from(source)
    assert isinstance(found, Unknown) and reason in found.reason


def _nested(analysis: Any) -> dict[str, FunctionSpec]:
    f = next(s for s in analysis.functions if s.name == "f")
    return {ref.name: ref.spec for ref in f.decorators[0].args}


def test_editing_the_factory_refreshes_the_subdags_that_call_it() -> None:
    text = HEAD + FACTORY
    source = ModuleSource("m", "/m.py")
    assert _nested(source.update(text))["doubled"].returns.text == "int"
    edited = text.replace("def doubled(c: int) -> int:", "def doubled(c: int) -> float:")
    assert _nested(source.update(edited))["doubled"].returns.text == "float"
    edited = edited.replace('@config.when(op="add")', '@config.when(op="sub")')
    (when,) = _nested(source.update(edited))["total__add"].decorators
    assert dict(when.kwargs) == {"op": "sub"}
