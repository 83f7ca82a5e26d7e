"""Re-analysis after an edit: only changed blocks are re-parsed, unchanged FunctionSpecs keep their
identity (also when lines shift above them), and the result equals a fresh analysis."""

from __future__ import annotations

import ast
import textwrap
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from livedag.engine.codes import Code
from livedag.engine.specs import FunctionSpec
from livedag.server.analyzer import ModuleAnalysis, ModuleSource, analyze_source, module
from livedag.server.analyzer.blocks import split_lines
from livedag.server.analyzer.changes import changed_lines

BASE = textwrap.dedent(
    '''
    """A module."""
    import pandas as pd
    from hamilton.function_modifiers import does, extract_columns, tag

    COLS = ["a", "b"]
    OWNER = "ds"


    def _sum(x: int, y: int) -> int:
        return x + y


    @extract_columns(*COLS)
    def frame(raw: pd.DataFrame) -> pd.DataFrame:
        return raw


    @tag(owner=OWNER)
    def a_total(a: pd.Series) -> pd.Series:
        return a


    @does(_sum)
    def summed(x: int, y: int) -> int:
        pass


    def plain(b: pd.Series, a_total: pd.Series) -> pd.Series:
        """Plain."""
        return b + a_total
    '''
)


def by_name(analysis: ModuleAnalysis) -> dict[str, FunctionSpec]:
    return {f.name: f for f in analysis.functions}


def locations(spec: FunctionSpec) -> list[object]:
    out: list[object] = [spec.location, *(p.location for p in spec.parameters)]
    for call in spec.decorators:
        out.append(call.location)
        out.extend(getattr(a, "location", None) for a in call.args)
        out.extend(getattr(v, "location", None) for v in call.kwargs.values())
    return out


def assert_same_as_fresh(analysis: ModuleAnalysis, text: str) -> None:
    fresh = analyze_source(text, module="m", path="/m.py")
    assert analysis.functions == fresh.functions
    for mine, theirs in zip(analysis.functions, fresh.functions, strict=True):
        assert locations(mine) == locations(theirs), mine.name
    assert [(p.code, p.location) for p in analysis.problems] == [
        (p.code, p.location) for p in fresh.problems
    ]
    assert analysis.imports == fresh.imports
    assert analysis.drivers == fresh.drivers
    assert analysis.pending_names == fresh.pending_names


def assert_same_as_fresh_if_it_parses(analysis: ModuleAnalysis, text: str) -> None:
    """A text that does not parse has no single right answer to compare with."""
    try:
        ast.parse(text)
    except SyntaxError:
        return
    assert_same_as_fresh(analysis, text)


def test_editing_one_function_keeps_the_others_identical() -> None:
    source = ModuleSource("m", "/m.py")
    before = by_name(source.update(BASE))
    after = by_name(source.update(BASE.replace("return b + a_total", "return b * a_total")))
    assert all(after[name] is before[name] for name in before if name != "plain")
    assert after["plain"] is not before["plain"]


def test_adding_lines_above_moves_functions_below_without_rebuilding_them() -> None:
    source = ModuleSource("m", "/m.py")
    before = by_name(source.update(BASE))
    line = before["plain"].location.line
    text = BASE.replace("    return x + y\n", "    z = 1\n    return x + y\n")
    after = by_name(source.update(text))
    assert after["plain"] is before["plain"]  # same object ...
    assert after["plain"].location.line == line + 1  # ... at its new place
    assert_same_as_fresh(source.update(text), text)


def test_changing_a_constant_reanalyzes_its_users_only() -> None:
    source = ModuleSource("m", "/m.py")
    before = by_name(source.update(BASE))
    text = BASE.replace('COLS = ["a", "b"]', 'COLS = ["a", "b", "c"]')
    after = by_name(source.update(text))
    assert after["frame"].decorators[0].args == ("a", "b", "c")
    assert after["a_total"] is before["a_total"]
    assert_same_as_fresh(source.update(text), text)


def test_changing_a_referenced_function_refreshes_its_users() -> None:
    source = ModuleSource("m", "/m.py")
    source.update(BASE)
    text = BASE.replace("def _sum(x: int, y: int)", "def _sum(x: int, y: int, w: int)")
    spec = by_name(source.update(text))["summed"]
    assert [p.name for p in spec.decorators[0].args[0].spec.parameters] == ["x", "y", "w"]


def test_removing_an_import_makes_decorators_unknown() -> None:
    source = ModuleSource("m", "/m.py")
    source.update(BASE)
    text = BASE.replace("does, extract_columns, tag", "does, extract_columns")
    assert by_name(source.update(text))["a_total"].decorators[0].known is False
    assert_same_as_fresh(source.update(text), text)


def test_breaking_and_fixing_a_function() -> None:
    source = ModuleSource("m", "/m.py")
    source.update(BASE)
    broken = BASE.replace("def plain(b: pd.Series,", "def plain(b: pd.Series")
    analysis = source.update(broken)
    assert "plain" not in by_name(analysis) and [p.code for p in analysis.problems] == [
        Code.SYNTAX_ERROR
    ]
    assert_same_as_fresh(source.update(BASE), BASE)


EDIT_TEXTS = [
    "",
    "X = 1",
    "def g(a_total: int) -> int:\n    return a_total",
    "    pass",
    "@tag(owner='z')",
    'OWNER = "ops"',
    "COLS = ['q']",
    "def broken(:",
    "import numpy as np",
    "# comment",
    "x = (",
    "from hamilton import driver",
    "dr = driver.Driver({}, m)",
    "from team_helpers import ec",
]
EDITS = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "replace"]),
        st.integers(min_value=0, max_value=200),
        st.sampled_from(EDIT_TEXTS),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(EDITS)
def test_any_edit_sequence_equals_a_fresh_analysis_when_the_text_parses(
    edits: list[tuple[str, int, str]],
) -> None:
    source = ModuleSource("m", "/m.py")
    source.update(BASE)
    lines = BASE.split("\n")
    for kind, at, text in edits:
        at %= len(lines) + 1
        if kind == "insert":
            lines[at:at] = text.split("\n")
        elif kind == "delete" and at < len(lines):
            del lines[at]
        elif at < len(lines):
            lines[at] = text
        current = "\n".join(lines)
        assert_same_as_fresh_if_it_parses(source.update(current), current)


line_texts = st.lists(
    st.sampled_from(["a", "\n", "b\n", "\x0c", "é", "def f():\n", " "]), max_size=14
)


@settings(max_examples=400, deadline=None)
@given(old=line_texts.map("".join), new=line_texts.map("".join))
def test_only_the_changed_lines_are_split_again(old: str, new: str) -> None:
    """The lines an edit left alone at either end are counted right, and the new line list is
    what splitting the whole new text gives."""
    old_lines = split_lines(old)
    prefix, suffix, lines, start = changed_lines(old, new, old_lines)
    assert lines == split_lines(new)
    assert start == len("".join(old_lines[:prefix]))
    assert old_lines[:prefix] == lines[:prefix]
    assert old_lines[len(old_lines) - suffix :] == lines[len(lines) - suffix :]
    assert prefix + suffix <= min(len(old_lines), len(lines))


LONG = "from hamilton.function_modifiers import tag\n\n" + "\n\n".join(
    f"@tag(owner='t{i}')\ndef f{i}(f{i - 1}: int) -> int:\n    return f{i - 1} + {i}\n"
    for i in range(1, 31)
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10_000), st.sampled_from(EDIT_TEXTS)),
        min_size=2,
        max_size=5,
    )
)
def test_changes_far_apart_in_one_update_equal_a_fresh_analysis(
    edits: list[tuple[int, str]],
) -> None:
    """Several separate changes arriving as one new text (a replace-all, an undo elsewhere)."""
    source = ModuleSource("m", "/m.py")
    source.update(LONG)
    lines = LONG.split("\n")
    for at, text in sorted(edits, reverse=True):  # from the bottom, so positions hold
        lines[at % len(lines)] = text
    current = "\n".join(lines)
    assert_same_as_fresh_if_it_parses(source.update(current), current)


def test_two_distant_edits_reparse_only_the_edited_functions(monkeypatch: Any) -> None:
    source = ModuleSource("m", "/m.py")
    source.update(LONG)
    parsed: list[int] = []
    real = module.parse_region
    monkeypatch.setattr(
        module,
        "parse_region",
        lambda lines, begin, end, *a: parsed.append(end - begin) or real(lines, begin, end, *a),
    )
    text = LONG.replace("return f1 + 2", "return f1 + 20").replace("f29 + 30", "f29 + 300")
    analysis = source.update(text)
    assert sum(parsed) < 40  # the two edited functions and their neighbours, not all 30
    monkeypatch.undo()
    assert_same_as_fresh(analysis, text)


def test_a_function_defined_again_replaces_the_first_as_in_python() -> None:
    first = "def margin(revenue: float) -> float:\n    return revenue\n"
    second = "def margin(revenue: float, cost: float) -> float:\n    return revenue - cost\n"
    text = f"{first}\n\n{second}"
    source = ModuleSource("m", "/m.py")
    analysis = source.update(text)
    (margin,) = analysis.functions
    assert [p.name for p in margin.parameters] == ["revenue", "cost"]
    (problem,) = analysis.problems
    assert problem.code == Code.DUPLICATE_NODE and problem.location is not None
    assert problem.location.line == 1 and problem.related[0].location.line == 5
    assert_same_as_fresh(analysis, text)
    # Deleting the second definition brings the first back, with nothing to report.
    analysis = source.update(first)
    assert [p.name for p in analysis.functions[0].parameters] == ["revenue"]
    assert analysis.problems == ()


def test_a_private_helper_defined_again_is_no_duplicate_node() -> None:
    """Only public functions are nodes: redefining `_helper` changes no graph, so no LD003
    (the kept definition still replaces the first, as in Python)."""
    first = "def _helper(x: int) -> int:\n    return x\n"
    second = "def _helper(x: int, y: int = 1) -> int:\n    return x + y\n"
    text = f"{first}\n\n{second}"
    analysis = ModuleSource("m", "/m.py").update(text)
    (helper,) = analysis.functions
    assert [p.name for p in helper.parameters] == ["x", "y"]
    assert analysis.problems == ()
    assert_same_as_fresh(analysis, text)


def test_editing_one_of_many_definitions_of_a_name_remakes_only_its_own_problem() -> None:
    copy = "def margin(revenue: float) -> float:\n    return revenue + {}\n\n\n"
    text = "".join(copy.format(n) for n in range(50))
    source = ModuleSource("m", "/m.py")
    before = source.update(text)
    assert len(before.problems) == 49 and all(len(p.related) == 1 for p in before.problems)
    edited = text.replace("return revenue + 0", "return revenue * 2", 1)
    after = source.update(edited)
    assert after.problems[0] is not before.problems[0]
    assert all(a is b for a, b in zip(after.problems[1:], before.problems[1:], strict=True))
    assert_same_as_fresh(after, edited)
