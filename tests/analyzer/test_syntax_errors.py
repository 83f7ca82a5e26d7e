"""A buffer with syntax errors: every function that parses survives; LD007 where the error is."""

from __future__ import annotations

import pytest
from livedag.engine.codes import Code
from livedag.server.analyzer import ModuleSource, analyze_source

from tests.analyzer.helpers import analyze

GOOD = "def a(x: int) -> int:\n    return x\n\n\n"
LATER = "\n\n@tag(owner='x')\ndef c(a: int) -> int:\n    return a\n"


def test_a_broken_function_is_reported_at_the_error_and_the_rest_survives() -> None:
    found = analyze(
        "from hamilton.function_modifiers import tag\n"
        + GOOD
        + "def b(a: int -> int:\n    return a\n"
        + LATER
    )
    assert [f.name for f in found.functions] == ["a", "c"]
    (problem,) = found.problems
    assert problem.code == Code.SYNTAX_ERROR and "`b`" in problem.message
    assert (problem.location.line, problem.location.column) == (6, 13)
    assert found.functions[1].decorators[0].name == "tag"


def test_an_unclosed_bracket_costs_only_its_own_block() -> None:
    found = analyze(GOOD + "X = dict(\n\n" + "def d(x: int) -> int:\n    return x\n")
    assert [f.name for f in found.functions] == ["a", "d"]
    (problem,) = found.problems
    assert (problem.location.line, problem.location.column) == (5, 8)


def test_an_unterminated_docstring_in_one_function() -> None:
    found = analyze(
        GOOD + 'def b() -> int:\n    """never closed\n    return 1\n\n' + GOOD.replace("a(", "z(")
    )
    assert "a" in [f.name for f in found.functions]
    assert [p.code for p in found.problems] == [Code.SYNTAX_ERROR]
    assert found.problems[0].location.line == 6


def test_col_zero_text_inside_a_string_is_not_a_block_boundary_when_something_else_is_broken() -> (
    None
):
    found = analyze(
        'SQL = """\nselect *\nfrom t\n"""\n\ndef a(x: int) -> int:\n    return x\n\n'
        "def b(:\n    pass\n"
    )
    assert [f.name for f in found.functions] == ["a"]
    assert [p.location.line for p in found.problems] == [9]


def test_half_typed_def_at_the_end() -> None:
    found = analyze(GOOD + "def b(x")
    assert [f.name for f in found.functions] == ["a"]
    assert found.problems[0].location.line == 5


def test_else_branches_stay_with_their_statement() -> None:
    found = analyze(
        "try:\n    import pandas as pd\nexcept ImportError:\n    pd = None\n" + GOOD + "def b(:\n"
    )
    assert [f.name for f in found.functions] == ["a"]
    assert [p.location.line for p in found.problems] == [9]


def test_a_column_zero_line_starting_with_a_colon_in_a_broken_module(
    caplog: pytest.LogCaptureFixture,
) -> None:
    found = analyze(GOOD + ": x\n" + "def b(:\n    pass\n" + LATER.replace("@tag(owner='x')\n", ""))
    assert [f.name for f in found.functions] == ["a", "c"]
    assert [p.code for p in found.problems] == [Code.SYNTAX_ERROR, Code.SYNTAX_ERROR]
    assert not [r for r in caplog.records if r.exc_info]


DOC_LINES = "".join(
    ["Example, written at column 0:\n", "def phantom(x: int) -> int:\n", "    return x\n"]
    + [f"line {n}: more text\n" for n in range(6)]
)
DOCUMENTED = (
    GOOD
    + 'def f(x: int) -> int:\n    """Doc.\n\n'
    + DOC_LINES
    + '    """\n    return x\n\n\n'
    + "def g(f: int) -> int:\n    return f\n"
)


@pytest.mark.parametrize(
    "broken",
    [
        DOCUMENTED.replace("    return x\n\n\ndef g", "else    return x\n\n\ndef g"),
        DOCUMENTED.replace("    return x\n\n\ndef g", "    return x\nelse\n\ndef g"),
        DOCUMENTED.replace("def a(x: int)", "def a(x: int"),  # an error above the docstring
        DOCUMENTED.replace('    """Doc.', 'else\n    """Doc.'),  # ... in its own function
    ],
)
def test_a_syntax_error_never_tears_a_docstring_into_statements(broken: str) -> None:
    source = ModuleSource("m", "/ws/m.py")
    source.update(DOCUMENTED)
    incremental = source.update(broken)
    fresh = analyze_source(broken, module="m", path="/ws/m.py")
    assert "phantom" not in [f.name for f in fresh.functions]
    assert [p.code for p in fresh.problems] == [Code.SYNTAX_ERROR]
    assert incremental.functions == fresh.functions
    assert [(p.message, p.location) for p in incremental.problems] == [
        (p.message, p.location) for p in fresh.problems
    ]


def test_a_query_with_column_zero_lines_stays_one_constant_when_something_else_is_broken() -> None:
    text = (
        "from hamilton.function_modifiers import tag\n"
        'QUERY = """\nSELECT a\nFROM t\nWHERE a > 0\n"""\n'
        "@tag(q=QUERY)\ndef a(x: int) -> int:\n    return x\n\n"
        "def b(:\n    pass\n"
    )
    found = analyze(text)
    assert [f.name for f in found.functions] == ["a"]
    assert found.functions[0].decorators[0].kwargs["q"] == "\nSELECT a\nFROM t\nWHERE a > 0\n"
    assert [p.location.line for p in found.problems] == [11]


def test_typing_the_opening_quotes_of_a_docstring_costs_only_that_function() -> None:
    functions = "".join(
        f'def f{n}(x: int) -> int:\n    """Doc {n}."""\n    return x\n\n\n' for n in range(4)
    )
    typing = functions.replace('    """Doc 1."""\n', '    """Doc 1.\n')
    source = ModuleSource("m", "/ws/m.py")
    source.update(functions)
    incremental = source.update(typing)
    fresh = analyze_source(typing, module="m", path="/ws/m.py")
    assert [f.name for f in fresh.functions] == ["f0", "f2", "f3"]
    assert incremental.functions == fresh.functions


def test_a_string_left_open_far_above_is_closed_by_an_edit_far_below() -> None:
    """Python pairs the quotes across the whole text: so must the keystroke path."""
    middle = "".join(
        f'def f{n}(x: int) -> int:\n    """Doc."""\n    return x\n\n' for n in range(12)
    )
    text = (
        "def broken(:\n    pass\nX = '''never closed\n\n"
        + middle
        + "def last() -> int:\n    pass\n"
    )
    source = ModuleSource("m", "/ws/m.py")
    assert "last" in [f.name for f in source.update(text).functions]
    closed = text + "'''\n"
    incremental = source.update(closed)
    fresh = analyze_source(closed, module="m", path="/ws/m.py")
    assert fresh.functions == () and [p.location.line for p in fresh.problems] == [1]
    assert incremental.functions == fresh.functions
    assert [p.location for p in incremental.problems] == [p.location for p in fresh.problems]


def test_two_strings_in_a_row_with_column_zero_lines_stay_one_function() -> None:
    """The first string's closing quotes and the second's opening ones share a piece."""
    function = (
        "def orders(cost: float) -> float:\n"
        '    """Computes the value.\n@example\ndef inner(x):\n    """\n'
        '    """More text.\nresult = compute(\n    """\n'
        "    return cost\n"
    )
    broken = "def a(:\n    pass\n" + function
    source = ModuleSource("m", "/ws/m.py")
    source.update("def a():\n    pass\n" + function)
    incremental = source.update(broken)
    fresh = analyze_source(broken, module="m", path="/ws/m.py")
    assert [f.name for f in fresh.functions] == ["orders"]
    assert incremental.functions == fresh.functions
    assert [p.location for p in incremental.problems] == [p.location for p in fresh.problems]
