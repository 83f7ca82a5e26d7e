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
