"""A buffer with syntax errors: every function that parses survives; LD007 where the error is."""

from __future__ import annotations

from helpers import analyze

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
    assert problem.code == "LD007" and "`b`" in problem.message
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
    assert [p.code for p in found.problems] == ["LD007"]
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
