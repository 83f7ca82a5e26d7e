"""LD003 for a name defined many times: each definition points at a bounded number of the others
and counts the rest, so the problems grow with the definitions, not with their square."""

from __future__ import annotations

from livedag.engine.graph_checks import MAX_RELATED, duplicates_of
from livedag.engine.specs import Location, NodeSpec, TypeRef


def definition(line: int) -> NodeSpec:
    return NodeSpec(
        name="x",
        type=TypeRef("int", "int"),
        function=f"f{line}",
        module="m",
        location=Location("/w/m.py", line, 4, line, 7),
    )


def test_few_definitions_name_every_other() -> None:
    problems = duplicates_of("x", [definition(1), definition(5), definition(9)])
    assert [len(p.related) for p in problems] == [2, 2, 2]
    assert "also by m.f5(), m.f9())" in problems[0].message
    assert [r.location.line for r in problems[1].related] == [1, 9]


def test_many_definitions_point_at_the_first_others_and_count_the_rest() -> None:
    specs = [definition(line) for line in range(1, 801)]
    problems = duplicates_of("x", specs)
    assert len(problems) == 800
    assert all(len(p.related) == MAX_RELATED for p in problems)
    first, last = problems[0], problems[-1]
    assert [r.location.line for r in first.related] == list(range(2, 2 + MAX_RELATED))
    assert [r.location.line for r in last.related] == list(range(1, 1 + MAX_RELATED))
    assert first.message.count("m.f") == MAX_RELATED
    assert f"and {800 - 1 - MAX_RELATED} more" in first.message
    assert sum(len(p.message) for p in problems) < 800 * 1000
