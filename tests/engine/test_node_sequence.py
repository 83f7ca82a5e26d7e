"""`NodeSequence`: a dataflow's nodes as shared parts, and where a node stands in them."""

from __future__ import annotations

import pytest
from livedag.engine.node_sequence import NodeSequence
from livedag.engine.specs import NodeSpec


def _node(name: str, module: str) -> NodeSpec:
    return NodeSpec(name=name, type=None, dependencies=(), module=module, function=name)


def test_it_reads_as_the_parts_joined() -> None:
    a = [_node("a1", "a"), _node("a2", "a")]
    b: list[NodeSpec] = []
    c = [_node("c1", "c")]
    sequence = NodeSequence([a, b, c])
    assert list(sequence) == [*a, *c] and len(sequence) == 3
    assert sequence[0] is a[0] and sequence[2] is c[0] and sequence[-1] is c[0]
    assert list(sequence[1:]) == [a[1], c[0]]
    with pytest.raises(IndexError):
        sequence[3]


def test_a_node_is_found_by_identity_even_outside_its_module_part() -> None:
    a = [_node("a1", "a"), _node("a2", "a")]
    stray = _node("x", "elsewhere")  # a node whose module is not its part's (a subdag's, say)
    c = [_node("c1", "c"), stray]
    sequence = NodeSequence([a, c])
    assert [sequence.position(n) for n in (*a, *c)] == [0, 1, 2, 3]
    equal_but_other = _node("a1", "a")
    with pytest.raises(ValueError, match="a1"):
        sequence.position(equal_but_other)


def test_a_later_version_inherits_the_indexes_of_the_parts_it_shares() -> None:
    a = [_node("a1", "a"), _node("a2", "a")]
    b = [_node("b1", "b")]
    first = NodeSequence([a, b])
    assert first.position(b[0]) == 2
    b2 = [_node("b0", "b"), *b]
    second = NodeSequence([a, b2])
    second.inherit(first)
    assert second.position(b[0]) == 3 and second.position(b2[0]) == 2
    assert second.position(a[1]) == 1


def test_a_part_changed_in_place_is_indexed_again_not_trusted() -> None:
    part = [_node("a1", "a"), _node("a2", "a")]
    sequence = NodeSequence([part])
    assert sequence.position(part[1]) == 1
    newcomer = _node("a0", "a")
    part.insert(0, newcomer)  # a contract breach: the stale index must not answer
    sequence = NodeSequence([part])
    earlier = NodeSequence([part])
    earlier._indexes = {id(part): (part, {id(part[1]): 0, id(part[2]): 1})}
    sequence.inherit(earlier)
    assert sequence.position(part[2]) == 2


def _asking(name: str, module: str, *asks: str) -> NodeSpec:
    from livedag.engine.specs import Dependency

    dependencies = tuple(Dependency(name=a) for a in asks)
    return NodeSpec(name=name, type=None, dependencies=dependencies, module=module, function=name)


def test_a_part_s_askers_are_made_in_steps_and_a_request_s_index_is_kept() -> None:
    part = [_asking(f"n{i}", "a", "x", f"y{i % 2}") for i in range(5)]
    sequence = NodeSequence([part])
    steps = sequence.part_askers_steps(0, per_step=2)
    assert sum(1 for _ in steps) == 2  # after nodes 2 and 4, then the fifth and done
    made = sequence.part_askers(0)
    assert [spec.name for spec in made["x"]] == [f"n{i}" for i in range(5)]
    assert [spec.name for spec in made["y1"]] == ["n1", "n3"]
    other = NodeSequence([part])
    steps = other.part_askers_steps(0, per_step=2)
    next(steps)
    asked = other.part_askers(0)  # a request needs it meanwhile
    for _ in steps:
        pass
    assert other.part_askers(0) is asked


def test_a_later_version_leaves_the_indexes_of_parts_it_no_longer_has() -> None:
    a = [_asking("a1", "a", "x")]
    b = [_asking("b1", "b", "x")]
    first = NodeSequence([a, b])
    first.part_askers(0), first.part_askers(1)
    b2 = [_asking("b0", "b", "x"), *b]
    second = NodeSequence([a, b2])
    second.inherit(first)
    # The stale index of `b` goes with the first version, not ten versions later all at once.
    assert set(second._askers) == {id(a)}
    assert [s.name for s, _ in second.askers("x")] == ["a1", "b0", "b1"]


def test_askers_pairs_each_node_with_the_very_dependency_that_names_it() -> None:
    part = [_asking("n0", "a", "x", "y"), _asking("n1", "a", "y"), _asking("n2", "a", "x", "x")]
    sequence = NodeSequence([part, [_asking("m0", "b", "z", "x")]])
    pairs = sequence.askers("x")
    assert [(spec.name, dep.name) for spec, dep in pairs] == [
        ("n0", "x"),
        ("n2", "x"),
        ("n2", "x"),
        ("m0", "x"),
    ]
    for spec, dep in pairs:  # the node's own Dependency objects, not copies
        assert any(dep is own for own in spec.dependencies)
    assert [id(dep) for _, dep in pairs[1:3]] == [id(d) for d in part[2].dependencies]
    assert sequence.askers("nobody") == []
