"""What the analyzer cannot handle costs one function or one statement, never the file: an LD012
where the piece starts, the traceback in the log, every other function analysed as usual.

The failures are provoked by making one step of the analysis raise, so these tests keep working
when every real cause is fixed."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from livedag.engine.codes import Code
from livedag.engine.specs import Problem
from livedag.server.analyzer import ModuleAnalysis, ModuleSource, analyze_source, module_values
from livedag.server.analyzer import module as module_analysis

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
    return [p for p in analysis.problems if p.code == Code.ANALYSIS_FAILURE]


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


def test_a_function_that_fails_costs_that_function_only(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    exc = AttributeError("'Subscript' object has no attribute 'slice'")
    real = module_analysis.function_spec
    monkeypatch.setattr(module_analysis, "function_spec", raising_for("broken", real, exc))
    for analysis in fresh_and_incremental(TEXT):
        assert [f.name for f in analysis.functions] == ["first", "last"]
        (problem,) = ld012(analysis)
        assert problem.severity.value == "warning"
        assert problem.message == (
            "livedag could not analyse this function: AttributeError: 'Subscript' object has "
            "no attribute 'slice'; please report it"
        )
        assert problem.location is not None
        line = line_of(TEXT, "def broken")
        assert (problem.location.line, problem.location.column) == (line, 4)
        assert problem.location.end_column == 4 + len("broken")
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[1] is exc]
    assert logged and logged[0].levelno == logging.WARNING


def test_the_failed_function_comes_back_when_the_analysis_succeeds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = module_analysis.function_spec
    source = ModuleSource("m", "/ws/m.py")
    with monkeypatch.context() as patch:
        patch.setattr(module_analysis, "function_spec", raising_for("broken", real, KeyError("x")))
        assert ld012(source.update(TEXT))
    edited = TEXT.replace("return first", "return first * 2")
    analysis = source.update(edited)
    assert [f.name for f in analysis.functions] == ["first", "broken", "last"]
    assert analysis.problems == ()


def test_a_failure_of_a_later_function_keeps_names_pointing_at_the_right_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two functions in one block (an `if`): the one that fails is skipped, and a decorator
    naming the other still finds it."""
    text = textwrap.dedent(
        """\
        from hamilton.function_modifiers import does
        if True:
            def _gone(x: int) -> int:
                return x
            def _kept(x: int) -> int:
                return x

        @does(_kept)
        def user(x: int) -> int:
            pass
        """
    )
    real = module_analysis.function_spec
    monkeypatch.setattr(module_analysis, "function_spec", raising_for("_gone", real, ValueError()))
    analysis = analyze_source(text, module="m")
    user = next(f for f in analysis.functions if f.name == "user")
    assert user.decorators[0].args[0].spec.name == "_kept"
    assert [p.message for p in ld012(analysis)] == [
        "livedag could not analyse this function: ValueError; please report it"
    ]


def test_a_module_level_statement_that_fails_costs_that_statement_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = module_analysis.statement_bindings

    def failing(stmt: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(stmt, "module", None) == "hamilton.function_modifiers":
            raise RuntimeError("boom")
        return real(stmt, *args, **kwargs)

    monkeypatch.setattr(module_analysis, "statement_bindings", failing)
    for analysis in fresh_and_incremental(TEXT):
        assert [f.name for f in analysis.functions] == ["first", "broken", "last"]
        (problem,) = ld012(analysis)
        assert "could not analyse this statement: RuntimeError: boom" in problem.message
        assert problem.location is not None
        assert problem.location.line == line_of(TEXT, "import tag")
        written = "from hamilton.function_modifiers import tag"
        assert (problem.location.column, problem.location.end_column) == (0, len(written))
        assert analysis.functions[1].decorators[0].known is False  # `tag` is now unbound


def test_a_constant_that_fails_is_unknown_and_reported_on_its_statement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class FailingEvaluator(module_values.Evaluator):
        def evaluate(self, node: Any) -> Any:
            raise TypeError("cannot evaluate")

    monkeypatch.setattr(module_values, "Evaluator", FailingEvaluator)
    for analysis in fresh_and_incremental(TEXT):
        assert [f.name for f in analysis.functions] == ["first", "broken", "last"]
        (problem,) = ld012(analysis)
        assert problem.location is not None and problem.location.line == line_of(TEXT, "OWNER =")
        assert "TypeError: cannot evaluate" in problem.message
        owner = analysis.functions[1].decorators[0].kwargs["owner"]
        assert "could not analyse" in owner.reason


def test_driver_code_that_fails_costs_that_block_only(monkeypatch: pytest.MonkeyPatch) -> None:
    text = TEXT + "\nfrom hamilton import driver\ndr = driver.Builder().build()\n"

    def failing(*args: Any) -> Any:
        raise IndexError("list index out of range")

    monkeypatch.setattr(module_analysis, "driver_facts", failing)
    for analysis in fresh_and_incremental(text):
        assert [f.name for f in analysis.functions] == ["first", "broken", "last"]
        assert [p.location.line for p in ld012(analysis) if p.location] == [
            line_of(text, "dr = driver")
        ]


def test_when_nothing_else_is_left_the_module_says_so_on_line_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing(*args: Any) -> Any:
        raise MemoryError("no room")

    monkeypatch.setattr(module_analysis, "parse_region", failing)
    for analysis in fresh_and_incremental(TEXT):
        (problem,) = analysis.problems
        assert problem.code == Code.ANALYSIS_FAILURE and problem.location is not None
        assert problem.location.line == 1
        assert problem.message == (
            "livedag could not analyse this module: MemoryError: no room; please report it"
        )


def test_linking_driver_uses_that_fails_costs_the_driver_uses_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = "driver.Builder().build().execute(['last'])"
    text = f"{TEXT}\nfrom hamilton import driver\n# run it\n{run}\n"

    def failing(*args: Any) -> Any:
        raise KeyError("variable")

    monkeypatch.setattr(module_analysis, "link_drivers", failing)
    for analysis in fresh_and_incremental(text):
        assert [f.name for f in analysis.functions] == ["first", "broken", "last"]
        assert analysis.drivers == ()
        (problem,) = ld012(analysis)
        assert problem.location is not None
        assert problem.location.line == line_of(text, "driver.Builder()")
        assert problem.location.end_column == len(run)
