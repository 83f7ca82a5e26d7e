"""`Dataflow.updated` gives what a cold `Dataflow.build` gives, on random edit sequences.

Names come from a small pool with near-typos (`age`/`agee`), so random edits make duplicates,
cycles, inputs that appear and vanish, typo warnings and type mismatches all the time.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from livedag.engine import graph_checks
from livedag.engine.codes import Code
from livedag.engine.dataflow import Dataflow
from livedag.engine.graph_checks import NameIndex, _distinct_by_design, _fold, _one_edit_apart
from livedag.engine.node_sequence import NodeSequence
from livedag.engine.specs import Dependency, Location, NodeKind, NodeSpec, Problem, TypeRef
from livedag.engine.traversal import RequiredInputs, required_inputs

NAMES = ["age", "agee", "income", "income_mean", "score", "Score", "region", "mode", "mod"]
TYPES = [None, TypeRef("int"), TypeRef("float"), TypeRef("bool"), TypeRef("pd.Series")]
OUTPUTS = ("score", "income_mean", "region")
_lines = itertools.count(1)


@st.composite
def node_specs(draw: st.DrawFn) -> NodeSpec:
    line = next(_lines)  # a fresh location: every drawn node is a distinct definition
    deps = draw(
        st.lists(
            st.builds(
                Dependency,
                name=st.sampled_from(NAMES),
                type=st.sampled_from(TYPES),
                optional=st.booleans(),
                location=st.just(Location("/m.py", line, 10, line, 12)),
            ),
            max_size=3,
            unique_by=lambda d: d.name,
        )
    )
    return NodeSpec(
        name=draw(st.sampled_from(NAMES)),
        type=draw(st.sampled_from(TYPES)),
        dependencies=tuple(deps),
        module="m",
        function="f",
        location=Location("/m.py", line, 4, line, 7),
    )


# An edit: ("replace" | "insert" | "remove", index into the current list, new node)
edits = st.lists(
    st.tuples(st.sampled_from(["replace", "insert", "remove"]), st.integers(0, 20), node_specs()),
    min_size=1,
    max_size=12,
)
configs = st.sampled_from([{}, {"mode": "batch"}, {"region": "US", "age": 3, "nobody_asks": 0}])
declared = st.sampled_from([None, frozenset(), frozenset({"income"})])


def apply(nodes: list[NodeSpec], kind: str, index: int, node: NodeSpec) -> list[NodeSpec]:
    nodes = list(nodes)
    if kind == "insert" or not nodes:
        nodes.insert(index % (len(nodes) + 1), node)
    elif kind == "replace":
        nodes[index % len(nodes)] = node
    else:
        del nodes[index % len(nodes)]
    return nodes


def assert_same(updated: Dataflow, cold: Dataflow) -> None:
    assert dict(updated.nodes) == dict(cold.nodes)
    assert {n: s.location for n, s in updated.nodes.items()} == {
        n: s.location for n, s in cold.nodes.items()
    }
    for name in cold.nodes:
        mine, theirs = updated.definitions(name), cold.definitions(name)
        if cold.nodes[name].kind is NodeKind.FUNCTION:  # the very specs, in the same order
            assert [id(s) for s in mine] == [id(s) for s in theirs]
        else:
            assert mine == theirs
    assert dict(updated.graph.nodes(data="spec")) == dict(cold.graph.nodes(data="spec"))
    assert set(updated.graph.edges(data="optional")) == set(cold.graph.edges(data="optional"))
    assert set(updated.graph.pred) == set(cold.graph.pred) == set(cold.nodes)
    assert Counter(updated.problems) == Counter(cold.problems)
    for name in cold.nodes:  # the consumer index, carried over or built afresh, in cold order
        mine, theirs = updated.consumers(name), cold.consumers(name)
        assert [(id(s), id(d)) for s, d in mine] == [(id(s), id(d)) for s, d in theirs]
    assert updated.is_acyclic == cold.is_acyclic
    if cold.is_acyclic:
        position = {name: i for i, name in enumerate(updated.topological_order())}
        assert set(position) == set(cold.nodes)
        assert all(position[u] < position[v] for u, v in updated.graph.edges)


def assert_changes_named(flow: Dataflow) -> None:
    """`changed_since` names every node that differs from the earlier version it names."""
    earlier = flow.changed_since()
    if earlier is None:
        return
    before, names = earlier
    differing = {
        n for n in {*before.nodes, *flow.nodes} if before.nodes.get(n) is not flow.nodes.get(n)
    }
    assert differing <= names


def test_a_version_names_what_changed_since_an_earlier_one() -> None:
    a = NodeSpec("a", dependencies=(Dependency("raw"),))
    b = NodeSpec("b", dependencies=(Dependency("a"),))
    first = Dataflow.build([a, b])
    assert first.changed_since() is None  # built cold
    c = NodeSpec("c", dependencies=(Dependency("b"),))
    second = first.updated([a, b, c])
    assert second.changed_since() == (first, frozenset({"c"}))
    b2 = NodeSpec("b", dependencies=(Dependency("a"), Dependency("other")))
    third = second.updated([a, b2, c])
    earlier, names = third.changed_since() or (None, frozenset())
    assert earlier is first and {"b", "c", "other"} <= names  # through `second`, still alive
    assert_changes_named(third)
    del first, earlier
    fourth = third.updated([a, b, c])
    assert fourth.changed_since() is not None and fourth.changed_since()[0] is third
    assert_changes_named(fourth)


def _rule_problem(step: int) -> list[Problem]:
    from livedag.engine.specs import Severity

    return [Problem(Code.UNKNOWABLE, Severity.INFO, f"step {step}")] if step % 2 else []


def as_parts(nodes: list[NodeSpec], earlier: NodeSequence | None, size: int) -> NodeSequence:
    """`nodes` in parts of `size`, reusing an earlier part object wherever it holds the very
    same nodes (as the workspace shares an unchanged module's list between versions)."""
    known = {tuple(map(id, part)): part for part in (earlier.parts if earlier else ())}
    parts = []
    for at in range(0, len(nodes), size):
        chunk = nodes[at : at + size]
        parts.append(known.get(tuple(map(id, chunk)), chunk))
    sequence = NodeSequence(parts)
    assert list(sequence) == nodes and len(sequence) == len(nodes)
    return sequence


@pytest.mark.slow  # 300 generated edit sequences each: ~3 s
@settings(max_examples=300, deadline=None)
@given(start=st.lists(node_specs(), max_size=8), steps=edits, config=configs, inputs=declared)
@pytest.mark.parametrize("part_size", [0, 1, 3])
def test_updates_equal_a_cold_build(
    start: list[NodeSpec],
    steps: list[Any],
    config: dict[str, Any],
    inputs: frozenset[str] | None,
    part_size: int,
) -> None:
    """Also with the nodes given as a `NodeSequence` of parts (part_size > 0), as the
    workspace gives them: where a node stands is then found in its part."""
    sequence: NodeSequence | None = None

    def given_as(nodes: list[NodeSpec]) -> Sequence[NodeSpec]:
        nonlocal sequence
        if not part_size:
            return nodes
        sequence = as_parts(nodes, sequence, part_size)
        return sequence

    nodes = start
    flow = Dataflow.build(given_as(nodes), config=config, declared_inputs=inputs)
    versions = [flow]
    required = RequiredInputs(OUTPUTS, flow.nodes)
    for step, (kind, index, node) in enumerate(steps):
        before = nodes
        nodes = apply(nodes, kind, index, node)
        kept = {id(n) for n in nodes}
        was = {id(n) for n in before}
        removed = [n for n in before if id(n) not in kept]
        added = [n for n in nodes if id(n) not in was]
        given = given_as(nodes)
        if step % 2:  # the caller says what changed, as the workspace does
            fresh = flow.updated(given, problems=_rule_problem(step), removed=removed, added=added)
        else:
            fresh = flow.updated(given, problems=_rule_problem(step))
        changed = {n.name for n in (*removed, *added)}
        required = required.updated(flow.nodes, fresh.nodes, changed, fresh.nodes_on_cycles())
        assert required.needed(fresh.nodes) == required_inputs(fresh.nodes, OUTPUTS)
        cold = Dataflow.build(
            nodes, config=config, declared_inputs=inputs, problems=_rule_problem(step)
        )
        if step % 3 == 0:
            fresh.consumers("")  # built now, so the next update carries it over
        assert_same(fresh, cold)
        assert_changes_named(fresh)
        versions.append(fresh)  # held, so `changed_since` can reach back through them
        flow = fresh


def test_the_old_dataflow_is_left_as_it_was() -> None:
    a = NodeSpec("a", TypeRef("int"), location=Location("/m.py", 1, 4, 1, 5))
    b = NodeSpec("b", TypeRef("int"), (Dependency("a", TypeRef("int")),))
    flow = Dataflow.build([a, b])
    edges, nodes, problems = set(flow.graph.edges), dict(flow.nodes), list(flow.problems)
    b2 = NodeSpec("b", TypeRef("int"), (Dependency("b", TypeRef("str")), Dependency("x")))
    fresh = flow.updated([a, b2])
    assert not fresh.is_acyclic and ("b", "b") in fresh.graph.edges
    assert set(flow.graph.edges) == edges and dict(flow.nodes) == nodes
    assert flow.problems == problems and flow.is_acyclic
    assert flow.topological_order() == ["a", "b"]


def test_a_new_cycle_is_reported_and_its_removal_clears_it() -> None:
    a = NodeSpec("a", dependencies=(Dependency("c"),))
    b = NodeSpec("b", dependencies=(Dependency("a"),))
    c = NodeSpec("c", dependencies=(Dependency("raw"),))
    flow = Dataflow.build([a, b, c])
    assert flow.is_acyclic
    c_loop = NodeSpec("c", dependencies=(Dependency("b"),))
    looped = flow.updated([a, b, c_loop])
    assert {p.code for p in looped.problems} == {Code.CYCLE}
    assert looped.graph.nodes.keys() == {"a", "b", "c"}  # raw has no consumer left
    fixed = looped.updated([a, b, c])
    assert fixed.problems == [] and fixed.topological_order() == ["raw", "c", "a", "b"]
    assert fixed.node("raw") is not None and fixed.node("raw").kind is NodeKind.INPUT


names = st.text(alphabet="ab_Xc1", min_size=1, max_size=7)


@settings(max_examples=300, deadline=None)
@given(
    existing=st.lists(names, max_size=30),
    added=st.lists(names, max_size=5),
    removed=st.lists(names, max_size=5),
    query=names,
)
def test_the_typo_index_finds_what_a_full_scan_finds(
    existing: list[str], added: list[str], removed: list[str], query: str
) -> None:
    index = NameIndex(existing).changed(added, removed)
    current = (set(existing) - set(removed)) | set(added)
    expected = {
        c
        for c in current
        if c != query
        and (
            _fold(c) == _fold(query)
            or (
                len(query) >= 4
                and (c[:3] == query[:3] or c[-3:] == query[-3:])
                and _one_edit_apart(query, c)
            )
            # short names: one insertion, deletion or swap (no substitution: `age` vs `ago`)
            or (
                3 <= len(query) <= 4
                and len(c) >= 3
                and _one_edit_apart(query, c)
                and (len(c) != len(query) or sorted(c) == sorted(query))
            )
        )
        and not _distinct_by_design(query, c)
    }
    assert set(index.likely_typos(query)) == expected
    # many names sharing a prefix: the query spells out its variants instead of scanning
    crowded = NameIndex([*current, *(f"{query[:3]}{i:04d}" for i in range(300))])
    found = set(crowded.likely_typos(query))
    assert found - {f"{query[:3]}{i:04d}" for i in range(300)} == expected


@settings(max_examples=200, deadline=None)
@given(
    existing=st.lists(names, max_size=30),
    edits=st.lists(st.tuples(st.lists(names, max_size=4), st.lists(names, max_size=4)), max_size=8),
    queries=st.lists(names, min_size=1, max_size=4),
    overlay_max=st.sampled_from([0, 3, 256]),
)
def test_a_typo_index_changed_many_times_answers_as_a_fresh_one(
    existing: list[str],
    edits: list[tuple[list[str], list[str]]],
    queries: list[str],
    overlay_max: int,
) -> None:
    """Each keystroke changes the index of the last one; the differences kept aside (and
    folded into the tables once they grow) must answer as an index built from scratch."""
    original = graph_checks.OVERLAY_MAX
    graph_checks.OVERLAY_MAX = overlay_max
    try:
        index, current = NameIndex(existing), set(existing)
        for added, removed in edits:
            before = index
            answers = [before.likely_typos(q) for q in queries]
            index = index.changed(added, removed)
            current = (current - set(removed)) | set(added)
            assert [before.likely_typos(q) for q in queries] == answers  # left as it was
            fresh = NameIndex(current)
            for query in queries:
                assert index.likely_typos(query) == fresh.likely_typos(query)
                assert (query in index) == (query in current)
    finally:
        graph_checks.OVERLAY_MAX = original


def test_a_crowded_index_finds_swaps_insertions_deletions_and_substitutions() -> None:
    crowded = [f"customer_{i:04d}" for i in range(500)]
    index = NameIndex([*crowded, "customer_age", "customer_region"])
    assert index.likely_typos("customer_aeg") == ["customer_age"]  # swapped
    assert index.likely_typos("customer_agee") == ["customer_age"]  # inserted
    assert index.likely_typos("customer_regon") == ["customer_region"]  # deleted
    assert index.likely_typos("customer_rexion") == ["customer_region"]  # substituted
    assert index.likely_typos("Customer_Age") == ["customer_age"]  # case
