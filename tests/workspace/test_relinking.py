"""Parameter edits re-link a dataflow incrementally: the result equals a fresh index, and the
snapshot a reader holds does not move."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from livedag.server import linking
from livedag.server.workspace import Snapshot, Workspace

Project = Callable[..., Path]

FEATURES = """
    def raw_total(raw: int) -> int:
        return raw

    def doubled(raw_total: int) -> int:
        return raw_total * 2

    def report(doubled: int, raw_total: int) -> str:
        return str(doubled)
"""
RUN = """
    from hamilton import driver
    import features

    dr = driver.Builder().with_modules(features).build()
    dr.execute(["report"], inputs={"raw": 1})
"""

EDITS = [
    # a new required input: LD010 on the driver
    ("def doubled(raw_total: int)", "def doubled(raw_total: int, scale: int)"),
    # a typo of an existing node: LD002 warning
    ("def doubled(raw_total: int)", "def doubled(raw_totl: int)"),
    # a cycle through two functions: LD001
    ("def raw_total(raw: int)", "def raw_total(report: int)"),
    # a type mismatch: LD004
    ("def report(doubled: int,", "def report(doubled: str,"),
    # a new function defining an input, and a duplicate
    (
        "def report(",
        "def raw(x: int) -> int:\n    return x\n\n\ndef doubled(raw: int) -> int:\n"
        "    return raw\n\n\ndef report(",
    ),
    # a rename: consumers of the old name now ask for an input
    ("def raw_total(raw: int)", "def raw_sum(raw: int)"),
]


def _all(snapshot: Snapshot) -> Counter[object]:
    return Counter(p for path in snapshot.paths() for p in snapshot.problems_for(path))


@pytest.mark.parametrize(("old", "new"), EDITS)
def test_an_edit_relinks_to_what_a_fresh_index_gives(
    project: Project, monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    root = project(features=FEATURES, run=RUN)
    features = root / "features.py"
    workspace = Workspace([root])
    before = workspace.index()
    held = (before.dataflows[0].graph, set(before.dataflows[0].graph.graph.edges), _all(before))
    relinked = []
    monkeypatch.setattr(
        linking.Dataflow, "updated", _spy(linking.Dataflow.updated, relinked), raising=True
    )
    text = features.read_text()
    assert old in text
    edited = workspace.update(features, text.replace(old, new))
    assert relinked, "the edit was expected to re-link incrementally"

    features.write_text(text.replace(old, new))
    fresh = Workspace([root]).index()
    mine, theirs = edited.dataflows[0].graph, fresh.dataflows[0].graph
    assert dict(mine.nodes) == dict(theirs.nodes)
    assert set(mine.graph.edges(data="optional")) == set(theirs.graph.edges(data="optional"))
    assert _all(edited) == _all(fresh)
    assert _all(edited) != _all(before)  # every edit here changes some problem

    graph, edges, problems = held  # the snapshot a reader took before the edit is unchanged
    assert before.dataflows[0].graph is graph and set(graph.graph.edges) == edges
    assert _all(before) == problems

    restored = workspace.update(features, text)
    assert _all(restored) == _all(before)


def _spy(method: Callable[..., object], calls: list[object]) -> Callable[..., object]:
    def spy(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return method(*args, **kwargs)

    return spy


def test_moving_functions_relinks_to_what_a_fresh_index_gives(project: Project) -> None:
    root = project(features=FEATURES, run=RUN)
    features = root / "features.py"
    workspace = Workspace([root])
    workspace.index()
    text = features.read_text()
    first, rest = text.split("\n\ndef doubled", 1)
    moved = "def doubled" + rest.rstrip("\n") + "\n\n\n" + first + "\n"
    edited = workspace.update(features, moved)
    features.write_text(moved)
    fresh = Workspace([root]).index()
    mine, theirs = edited.dataflows[0].graph, fresh.dataflows[0].graph
    assert dict(mine.nodes) == dict(theirs.nodes)
    assert {n: s.location for n, s in mine.nodes.items()} == {
        n: s.location for n, s in theirs.nodes.items()
    }
    assert _all(edited) == _all(fresh)


def test_kept_functions_in_a_new_order_are_not_relinked() -> None:
    from livedag.server.analyzer import analyze_source

    source = "def a(x: int) -> int:\n    return x\n\n\ndef b(a: int) -> int:\n    return a\n"
    functions = analyze_source(source, module="m").functions
    cache = linking.ExpansionCache()
    _, first = cache.expand_module("flow", "m", functions, {})
    assert first is not None and not first.relinkable  # new to the dataflow
    _, same = cache.expand_module("flow", "m", tuple(functions), {})
    assert same is None
    _, swapped = cache.expand_module("flow", "m", tuple(reversed(functions)), {})
    assert swapped is not None and not swapped.relinkable
    assert swapped.removed == [] and swapped.added == []


def _located(snapshot: Snapshot) -> list[tuple[str, object]]:
    graph = snapshot.dataflows[0].graph
    return sorted((name, spec.location) for name, spec in graph.nodes.items())


def test_a_body_edit_keeps_the_dataflow_object(project: Project) -> None:
    root = project(features=FEATURES, run=RUN)
    features = root / "features.py"
    workspace = Workspace([root])
    before = workspace.index()
    text = features.read_text()
    after = workspace.update(features, text.replace("return raw_total * 2", "return raw_total * 3"))
    assert after.version > before.version
    assert after.dataflows[0] is before.dataflows[0]


def test_nodes_follow_their_function_after_a_body_edit_and_a_move(project: Project) -> None:
    """A body edit re-parses the block (a new anchor); nodes must not keep the old block's lines."""
    root = project(features=FEATURES, run=RUN)
    features = root / "features.py"
    workspace = Workspace([root])
    workspace.index()
    text = features.read_text().replace("return raw_total * 2", "return raw_total * 3")
    workspace.update(features, text)
    moved = "# a comment\n# and another\n" + text
    after = workspace.update(features, moved)
    features.write_text(moved)
    assert _located(after) == _located(Workspace([root]).index())


NAMES = ["raw_total", "doubled", "report", "scale", "raw"]
TYPES = ["int", "float", "str"]
functions = st.lists(
    st.tuples(
        st.sampled_from(NAMES),
        st.lists(st.sampled_from(NAMES), max_size=2, unique=True),
        st.sampled_from(TYPES),
        st.integers(0, 2),  # the body, so that some edits change nothing but the body
    ),
    min_size=1,
    max_size=5,
)


def _source(defs: list[tuple[str, list[str], str, int]]) -> str:
    blocks = []
    for name, params, returns, body in defs:
        signature = ", ".join(f"{p}: {returns}" for p in params)
        blocks.append(f"def {name}({signature}) -> {returns}:\n    return {body}\n")
    return "\n\n".join(blocks)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(versions=st.lists(functions, min_size=2, max_size=5))
def test_random_module_edits_relink_to_what_a_fresh_index_gives(
    tmp_path_factory: pytest.TempPathFactory, versions: list[list[tuple[str, list[str], str, int]]]
) -> None:
    root = tmp_path_factory.mktemp("flow")
    (root / "run.py").write_text(
        textwrap.dedent(RUN).lstrip().replace('["report"]', '["report", "doubled"]')
    )
    features = root / "features.py"
    features.write_text(_source(versions[0]))
    workspace = Workspace([root])
    workspace.index()
    for defs in versions[1:]:
        edited = workspace.update(features, _source(defs))
        features.write_text(_source(defs))
        fresh = Workspace([root]).index()
        mine, theirs = edited.dataflows[0].graph, fresh.dataflows[0].graph
        assert dict(mine.nodes) == dict(theirs.nodes)
        assert set(mine.graph.edges(data="optional")) == set(theirs.graph.edges(data="optional"))
        assert _all(edited) == _all(fresh)
