"""Messages show decorator arguments as the user wrote them, not as internal records."""

from __future__ import annotations

import textwrap

from livedag.engine.codes import Code
from livedag.engine.rules import expand_module
from livedag.engine.specs import Call, FunctionRef, ModuleRef, Symbol
from livedag.server.analyzer import analyze_source


def problems(source: str) -> list[str]:
    analysis = analyze_source(textwrap.dedent(source), module="m", path="/ws/m.py")
    return [
        p.message
        for p in expand_module(analysis.functions, {}).problems
        if p.code == Code.DECORATOR_MISUSE
    ]


def test_a_function_passed_as_a_tag_value_is_named_as_written() -> None:
    (message,) = problems(
        """
        from hamilton.function_modifiers import tag
        def a(x: int) -> int:
            return x
        @tag(owner=a)
        def b(x: int) -> int:
            return x
        """
    )
    assert message.endswith("must be a string or a list of strings, got a")
    assert "FunctionRef" not in message and "Location" not in message


def test_records_print_as_source() -> None:
    assert repr(FunctionRef("a", "m")) == "a"
    assert repr(Symbol("builtins.int")) == "int" and repr(Symbol("numpy.int64")) == "numpy.int64"
    assert repr(ModuleRef("pkg.features")) == "pkg.features"
    chained = Call("step", (FunctionRef("_f"),), {}, (Call("named", ("x",)),))
    assert repr(chained) == "step(_f).named('x')"
    assert repr(Call("source", ("a",))) == "source('a')"
    assert repr(Call("value", (), {"v": [1, Symbol("builtins.str")]})) == "value(v=[1, str])"
    assert repr(Call("tag", bare=True)) == "tag"
