"""What the analyzer cannot handle costs one function or one statement, never the file: an LD012
where the piece starts, the traceback in the log, every other function analysed as usual.

The failures are provoked by making one step of the analysis raise, so these tests keep working
when every real cause is fixed."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from typing import Any

from livedag.engine.specs import Problem
from livedag.server.analyzer import ModuleAnalysis, ModuleSource, analyze_source

TEXT = textwrap.dedent(
    """\
    from typing import Sequence
    from hamilton.function_modifiers import tag

    OWNER = "ds"


    def first(a: int) -> int:
        return a


    @tag(owner=OWNER)
    def broken(first: int) -> int:
        return first


    def last(broken: int) -> int:
        return broken
    """
)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def ld012(analysis: ModuleAnalysis) -> list[Problem]:
    return [p for p in analysis.problems if p.code == "LD012"]


def fresh_and_incremental(text: str) -> Iterator[ModuleAnalysis]:
    """The analysis of `text` made fresh, and made by editing a module into it."""
    yield analyze_source(text, module="m", path="/ws/m.py")
    source = ModuleSource("m", "/ws/m.py")
    source.update(text.replace("return a\n", "return a + 1\n").replace("OWNER", "OWNR"))
    yield source.update(text)


def raising_for(name: str, real: Callable[..., Any], exc: Exception) -> Callable[..., Any]:
    def wrapped(node: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(node, "name", None) == name:
            raise exc
        return real(node, *args, **kwargs)

    return wrapped


def test_the_type_alias_in_a_subscript_no_longer_drops_the_file() -> None:
    text = (
        "from typing import Sequence\n"
        "Verdict = bool | None\n"
        "def all_ok(verdicts: Sequence[Verdict]) -> bool: ...\n"
    )
    analysis = analyze_source(text, module="m")
    (spec,) = analysis.functions
    assert spec.parameters[0].annotation is not None
    assert spec.parameters[0].annotation.text == "Sequence[Verdict]"
    assert analysis.problems == ()
