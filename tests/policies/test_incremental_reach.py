"""The incremental check after random edits finds what a check from scratch finds."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from livedag.server.policy_reach import ReachState
from livedag.server.workspace import Workspace

from .sample_project import PII_POLICY

TAGS = ['@tag(PII="true")', '@tag(visibility="public")', '@tag(anonymizer="true")', "", ""]


def dependencies(rnd: random.Random, i: int, size: int, cycles: bool) -> list[int]:
    """Up to three earlier functions; with `cycles`, sometimes a later one (a cycle, LD001)."""
    chosen = set(rnd.sample(range(i), k=min(i, rnd.randint(0, 3))))
    if cycles and i < size - 1 and rnd.random() < 0.15:
        chosen.add(rnd.randrange(i + 1, size))
    return sorted(chosen)


def module(rnd: random.Random, size: int, cycles: bool) -> tuple[list[str], list[list[int]]]:
    tags = [rnd.choice(TAGS) for _ in range(size)]
    return tags, [dependencies(rnd, i, size, cycles) for i in range(size)]


def source(tags: list[str], deps: list[list[int]]) -> str:
    out = ["from hamilton.function_modifiers import tag\n"]
    for i, (decorator, used) in enumerate(zip(tags, deps, strict=True)):
        params = ", ".join(f"f{j}: int" for j in used) or "raw: int"
        out.append(f"\n{decorator}\ndef f{i}({params}) -> int:\n    return 1\n")
    return "".join(out)


def violations(ws: Workspace) -> dict[str, list[str]]:
    (view,) = ws.snapshot.dataflows
    (state,) = view.policies.states
    assert isinstance(state, ReachState)
    # Every violation is in a problem; how they group depends on the edges blamed, which
    # differ by design (the live check blames the newest edge, a cold one the first).
    reported = [p.message.split(" reaches `")[1].split("`")[0] for p in view.policies.problems]
    assert set(reported) <= set(state.violations)
    assert bool(reported) == bool(state.violations)
    edges = view.graph.graph.edges
    for target, (path, _) in state.violations.items():  # each path a real path that breaks it
        assert path[0] in state.sources and path[-1] == target
        assert all((a, b) in edges for a, b in zip(path, path[1:], strict=False))
        assert not set(path[:-1]) & state.barriers
    return {"targets": sorted(state.violations), "tainted": sorted(state.taint.tainted)}


@pytest.mark.parametrize(("seed", "cycles"), [(1, False), (17, False), (99, True), (5, True)])
def test_random_edits(tmp_path: Path, seed: int, cycles: bool) -> None:
    rnd = random.Random(seed)
    size = 30
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.livedag.dataflows]]\nname = "flow"\nmodules = ["flow"]\n' + PII_POLICY
    )
    path = tmp_path / "flow.py"
    tags, deps = module(rnd, size, cycles)
    path.write_text(source(tags, deps))
    live = Workspace([tmp_path])
    live.index()
    seen, looped = set(), set()
    for _ in range(40):
        i = rnd.randrange(1, size)
        if rnd.random() < 0.5:
            tags[i] = rnd.choice(TAGS)
        else:
            deps[i] = dependencies(rnd, i, size, cycles)
        text = source(tags, deps)
        live.update(path, text)
        path.write_text(text)
        cold = Workspace([tmp_path])
        cold.index()
        found = violations(live)
        assert found == violations(cold)
        seen.add(len(found["targets"]))
        looped.add(bool(live.snapshot.dataflows[0].graph.nodes_on_cycles()))
    assert len(seen) >= 2  # the edits made and cleared violations
    assert (True in looped) == cycles  # with cycles, some versions have one


CYCLE = """
from hamilton.function_modifiers import tag

@tag(PII="true")
def email(raw: int) -> int:
    return raw

def a(email: int, b: int) -> int:
    return b

def b(a: int) -> int:
    return a

@tag(visibility="public")
def report(b: int) -> int:
    return b
"""


def test_a_cycle_does_not_keep_data_flowing_once_its_source_is_cut(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.livedag.dataflows]]\nname = "flow"\nmodules = ["flow"]\n' + PII_POLICY
    )
    path = tmp_path / "flow.py"
    path.write_text(CYCLE)
    ws = Workspace([tmp_path])
    ws.index()
    assert violations(ws)["targets"] == ["report"]
    ws.update(path, CYCLE.replace("def a(email: int, b: int)", "def a(b: int)"))
    # a and b still feed each other, but nothing brings PII into the cycle any more
    assert violations(ws) == {"targets": [], "tainted": ["email"]}
    ws.update(path, CYCLE)
    assert violations(ws)["targets"] == ["report"]
