"""Any input: the analyzer never raises, never runs the code, and keeps every function whose block
still parses."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from livedag.server.analyzer import ModuleSource, analyze_source

FIXTURES = sorted((Path(__file__).parents[1] / "fixtures" / "dataflows").glob("*.py"))
JUNK = ["def (", "x = (", '"""', "@tag(", ")", "    return", "class", "if x", "é😀", "\\", "'"]


def top_level_functions(text: str) -> list[tuple[str, int, int]]:
    """(name, first line, end line) of each top-level def, 0-based, end exclusive."""
    tree = ast.parse(text)
    out = []
    body = tree.body
    for index, stmt in enumerate(body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([d.lineno for d in stmt.decorator_list] + [stmt.lineno]) - 1
            end = body[index + 1].lineno - 1 if index + 1 < len(body) else len(text.split("\n"))
            if index + 1 < len(body):
                nxt = body[index + 1]
                end = min([d.lineno for d in getattr(nxt, "decorator_list", [])] + [nxt.lineno]) - 1
            out.append((stmt.name, first, end))
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIXTURES), st.integers(min_value=0), st.sampled_from(JUNK))
def test_junk_between_blocks_costs_at_most_its_neighbours(path: Path, at: int, junk: str) -> None:
    text = path.read_text()
    functions = top_level_functions(text)
    lines = text.split("\n")
    boundaries = sorted({first for _, first, _ in functions} | {len(lines)})
    where = boundaries[at % len(boundaries)]
    corrupted = "\n".join([*lines[:where], junk, *lines[where:]])
    found = {f.name for f in analyze_source(corrupted, module="m").functions}
    for name, first, end in functions:
        if end < where or first > where:  # neither the block before nor the one after the junk
            assert name in found, f"{name} lost after inserting {junk!r} at line {where}"


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(FIXTURES), st.integers(min_value=0))
def test_cut_anywhere_keeps_every_function_before_the_cut(path: Path, cut: int) -> None:
    text = path.read_text()
    cut %= len(text) + 1
    truncated = text[:cut]
    line = truncated.count("\n")
    found = {f.name for f in analyze_source(truncated, module="m").functions}
    # Blocks ending before the line of the cut parse as they did; the one after may be broken.
    functions = top_level_functions(text)
    for index, (name, _, end) in enumerate(functions):
        next_first = functions[index + 1][1] if index + 1 < len(functions) else end
        if end <= line and next_first <= line:
            assert name in found


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text: str) -> None:
    analysis = analyze_source(text, module="m")
    assert analysis.text == text


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_binary_junk_never_raises(data: bytes) -> None:
    analyze_source(data.decode("latin-1"), module="m")


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "(" * 500 + ")" * 500,
        "x = " + "[" * 150 + "]" * 150 + "\ndef f(a: int) -> int:\n    return a\n",
        "from hamilton.function_modifiers import tag\n@tag(k="
        + "-" * 3000
        + "1)\ndef f() -> int:\n    pass\n",
        "def f():\n"
        + "".join("    " * (i + 1) + "if x:\n" for i in range(90))
        + "    " * 91
        + "pass\n",
        "A0 = 'x'\n"
        + "".join(f"A{i} = A{i - 1} + 'x'\n" for i in range(1, 400))
        + "from hamilton.function_modifiers import tag\n@tag(k=A399)\ndef f() -> int:\n    pass\n",
        "\x00\x01def f(): pass",
        "def f(x: int) -> int:\r    return x\r\rdef g() -> int:\r\n    pass\n",
    ],
)
def test_pathological_inputs_never_raise(text: str) -> None:
    source = ModuleSource("m", None)
    source.update(text)
    source.update(text[: len(text) // 2])
    source.update(text + "\n")


def test_a_large_module_is_analyzed() -> None:
    text = "".join(f"def f{i}(x: int) -> int:\n    return x\n\n" for i in range(20000))
    assert len(text) > 500_000
    assert len(analyze_source(text, module="m").functions) == 20000


def test_analyzing_never_runs_the_module(tmp_path: Path) -> None:
    original = Path(__file__).parents[1] / "fixtures" / "static" / "side_effects.py"
    copy = tmp_path / "side_effects.py"
    copy.write_text(original.read_text())
    analysis = analyze_source(copy.read_text(), module="side_effects", path=str(copy))
    assert [f.name for f in analysis.functions] == ["total"]
    assert not (tmp_path / "SIDE_EFFECT_RAN").exists()
