"""A rename read from what was parsed of each consumer once (`function_facts`, the `Consumer`s
`rename_plan` keeps per analysis) makes exactly the edits, and the refusals, of the full path,
which parses each consumer and walks its decorators for every rename; and what was read of a
consumer goes stale with the consumer's text, never with another edit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from livedag.server.lsp import function_facts, plain_consumers, rename_plan
from livedag.server.lsp import rename as rename_module
from livedag.server.lsp.convert import Positions, SourceLines
from livedag.server.lsp.function_source import source_at
from livedag.server.lsp.rename import (
    Plan,
    Refused,
    plan_rename,
    workspace_edit,
    workspace_edit_text,
)
from livedag.server.workspace import Snapshot, Workspace

from tests.lsp.test_rename_plan import TRICKY

FIXTURES = Path(__file__).parent.parent / "fixtures" / "dataflows"

# test_rename_plan's scoping cases (shadowing, nested scopes, keyword arguments), and: a decorator
# naming a parameter, a body unsafe to rename, a new name a consumer already uses, non-ASCII text
# before the edits on a line.
SCOPES = (
    TRICKY.replace("import source,", "import does, source,")
    + "\n\n"
    + '''def spaced(
    age: int,
    *,
    people: int = 1,
) -> int:
    """Üñíçødé ages: {age}."""
    label = "âge"; total = age + people  # noqa: E702
    return total if label else age


def unsafe(age: int) -> int:
    def counter() -> int:
        nonlocal age
        age += 1
        return age

    return counter()


def _ratio(numerator: int, denominator: int) -> int:
    return numerator // denominator


@does(_ratio, numerator="age")
def ratio(age: int, people: int) -> int:
    pass


def clash(age: int) -> int:
    years = 2
    return age * years


def reads(people: int, doubled: int) -> int:
    return people + doubled
'''
)

UNSAFE = SCOPES[SCOPES.index("def unsafe(") : SCOPES.index("def _ratio(")]
SAFE = SCOPES.replace(UNSAFE, "")


def _index(root: Path) -> Snapshot:
    return Workspace([root]).index()


def _answer(snapshot: Snapshot, old: str, new: str, read_once: bool) -> object:
    """The plan's edits, confirmations and derived names, or the refusal's message."""
    saved = rename_plan.READ_ONCE
    rename_plan.READ_ONCE = read_once
    try:
        plan = plan_rename(snapshot, old, new, data_keys=True)
    except Refused as refused:
        return f"refused: {refused}"
    finally:
        rename_plan.READ_ONCE = saved
    return _content(plan)


def _content(plan: Plan) -> object:
    """What the editor is sent: each file's edits (the order of files is not content)."""
    return (
        {path: dict(edits) for path, edits in plan.edits.items()},
        {path: dict(confirm) for path, confirm in plan.confirm.items()},
        plan.derived,
    )


def _roots(tmp_path: Path) -> list[Path]:
    roots = []
    for fixture in sorted(FIXTURES.glob("*.py")):
        root = tmp_path / fixture.stem
        root.mkdir()
        shutil.copy(fixture, root / fixture.name)
        roots.append(root)
    scopes = tmp_path / "scopes"
    scopes.mkdir()
    (scopes / "flow.py").write_text(SCOPES)
    return [scopes, *roots]


@pytest.mark.slow
def test_read_once_and_the_full_path_agree_on_every_rename(tmp_path: Path) -> None:
    compared = read_once_used = 0
    for root in _roots(tmp_path):
        snapshot = _index(root)
        names = sorted({n for view in snapshot.dataflows for n in view.graph.nodes})
        for old in names:
            for new in (f"{old.replace('.', '_')}_renamed", "years", "people"):
                full = _answer(snapshot, old, new, read_once=False)
                kept_before = function_facts.kept()
                once = _answer(snapshot, old, new, read_once=True)
                read_once_used += function_facts.kept() > kept_before
                # asked again: what was kept answers
                assert once == _answer(snapshot, old, new, read_once=True), (root.name, old, new)
                assert once == full, (root.name, old, new)
                compared += 1
    assert compared > 500
    assert read_once_used  # the read-once path ran (it would agree trivially if it never did)


def test_the_scoping_fixture_takes_both_paths(tmp_path: Path) -> None:
    """`age` has consumers of every kind: read once (`report`, `spaced`), and full (`ratio`,
    whose decorator names it); `unsafe` refuses the rename on both paths alike."""
    (tmp_path / "flow.py").write_text(SAFE)
    snapshot = _index(tmp_path)
    assert _answer(snapshot, "age", "years_old", True) == _answer(
        snapshot, "age", "years_old", False
    )
    source = source_at(snapshot, tmp_path / "flow.py")
    assert source is not None
    plain = [c for c in source.consumers.values() if isinstance(c, plain_consumers.Consumer)]
    assert {c.function.spec.name for c in plain} >= {"report", "spaced", "clash"}
    assert "ratio" not in {c.function.spec.name for c in plain}  # its decorator names `age`
    clash = _answer(snapshot, "age", "years", True)  # `clash` has a local `years`
    assert isinstance(clash, str) and "`years` is already a name in `clash`" in clash
    assert clash == _answer(snapshot, "age", "years", False)
    (tmp_path / "flow.py").write_text(SCOPES)
    snapshot = _index(tmp_path)
    refusal = _answer(snapshot, "age", "years_old", True)
    assert isinstance(refusal, str) and "nonlocal" in refusal
    assert refusal == _answer(snapshot, "age", "years_old", False)


class _Session:
    """What `workspace_edit` reads of the server's session."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.positions = Positions()

    def lines(self, path: str | Path) -> SourceLines | None:
        module = self.snapshot.module(path)
        return SourceLines(module.text) if module is not None else None

    def uri_of(self, path: str | Path) -> str:
        return Path(path).as_uri()

    def version_of(self, path: str | Path) -> int | None:
        return None


def test_the_encoded_workspace_edit_is_the_workspace_edit(tmp_path: Path) -> None:
    (tmp_path / "flow.py").write_text(SAFE)
    snapshot = _index(tmp_path)
    session: Any = _Session(snapshot)
    plan = plan_rename(snapshot, "age", "âge_years")
    text = SCOPES.splitlines()
    line = next(i for i, t in enumerate(text) if "total = age + people" in t)
    # A line with non-ASCII text before the edit: the client's UTF-16 columns are not ours.
    assert [s for s in plan.edits[tmp_path / "flow.py"] if s.line == line + 1]
    encoded = json.loads(workspace_edit_text(session, plan))
    assert encoded == workspace_edit(session, plan)
    edits = encoded["changes"][(tmp_path / "flow.py").as_uri()]
    edit = next(e for e in edits if e["range"]["start"]["line"] == line)
    assert edit["newText"] == "âge_years"
    assert edit["range"]["start"]["character"] == text[line].index("age + people")


def _edits_in(snapshot: Snapshot, path: Path, old: str, new: str) -> set[tuple[int, int]]:
    plan = plan_rename(snapshot, old, new)
    return {(span.line, span.column) for span in plan.edits.get(path, {})}


def test_an_edit_to_a_consumer_changes_what_is_read_of_it(tmp_path: Path) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text(SAFE)
    workspace = Workspace([tmp_path])
    snapshot = workspace.index()
    first = _edits_in(snapshot, flow, "age", "years_old")
    # The same lines, the same function name, one more use of the parameter.
    text = flow.read_text().replace("return age * years", "return age * age")
    snapshot = workspace.update(flow, text)
    second = _edits_in(snapshot, flow, "age", "years_old")
    line = text.splitlines().index("    return age * age") + 1
    assert second - first == {(line, len("    return age * "))}
    assert second == {(s.line, s.column) for s in plan_rename(snapshot, "age", "x").edits[flow]}
    assert _answer(snapshot, "age", "years_old", True) == _answer(
        snapshot, "age", "years_old", False
    )


def test_an_edit_elsewhere_moves_the_edits_and_keeps_what_was_read(tmp_path: Path) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text(SAFE)
    workspace = Workspace([tmp_path])
    snapshot = workspace.index()
    first = _edits_in(snapshot, flow, "age", "years_old")
    source = source_at(snapshot, flow)
    assert source is not None
    report = next(
        f for f in (source.function_at(s) for s in source.starts()) if f and f.spec.name == "report"
    )
    facts = source.facts(report)
    # Two lines more above every consumer: each edit moves down two lines, columns kept.
    text = flow.read_text().replace(
        "    return people\n", "    found = people\n\n    return found\n"
    )
    snapshot = workspace.update(flow, text)
    moved = _edits_in(snapshot, flow, "age", "years_old")
    below = SCOPES.splitlines().index("    return people") + 1
    assert moved == {(line + 2 if line > below else line, column) for line, column in first}
    source = source_at(snapshot, flow)
    assert source is not None
    report = next(
        f for f in (source.function_at(s) for s in source.starts()) if f and f.spec.name == "report"
    )
    assert source.facts(report) is facts  # kept by its text: not parsed again
    assert _answer(snapshot, "age", "years_old", True) == _answer(
        snapshot, "age", "years_old", False
    )


def test_a_file_of_plain_consumers_is_written_from_its_pieces(tmp_path: Path) -> None:
    """`takers.py` holds only plain consumers of `age` (its JSON is written from pieces encoded
    once); `flow.py` holds the definition and a consumer (written edit by edit): both must be
    exactly the `WorkspaceEdit` built the plain way, and a second rename reuses the pieces."""
    (tmp_path / "flow.py").write_text(SAFE)
    takers = [
        f"def taker_{i}(age: int, people: int) -> int:\n    return age * {i} + age\n"
        for i in range(5)
    ]
    header = "from hamilton.function_modifiers import tag\n\n\n"  # a dataflow module
    (tmp_path / "takers.py").write_text(header + "\n\n".join(takers))
    snapshot = _index(tmp_path)
    session: Any = _Session(snapshot)
    for new in ("years_old", "years_old", "âge"):
        plan = plan_rename(snapshot, "age", new)
        assert tmp_path / "takers.py" in plan.shares  # the pieces are used for that file
        assert len(plan.edits[tmp_path / "takers.py"]) == 15
        assert json.loads(workspace_edit_text(session, plan)) == workspace_edit(session, plan)


def test_a_file_of_plain_consumers_and_other_edits_is_written_in_the_file_s_order(
    tmp_path: Path,
) -> None:
    """Plain consumers of `age` before and after its own definition, and one whose parameter
    is shadowed in a comprehension (read the full way): the pieces and the other edits are
    merged in the file's order, exactly as the `WorkspaceEdit` built the plain way."""
    takers = [f"def taker_{i}(age: int) -> int:\n    return age * {i} + age\n" for i in range(6)]
    other = "def odd(age: int) -> list[int]:\n    return [age for age in range(age)]\n"
    definition = "def age(people: int) -> int:\n    return people\n"
    header = "from hamilton.function_modifiers import tag\n\n\n"
    parts = [*takers[:3], definition, other, *takers[3:]]
    (tmp_path / "takers.py").write_text(header + "\n\n".join(parts))
    snapshot = _index(tmp_path)
    session: Any = _Session(snapshot)
    calls: list[int] = []
    real = rename_module._merged

    def merged(*args: Any) -> str:
        calls.append(len(args[2]))
        return real(*args)

    rename_module._merged = merged
    try:
        for new in ("years_old", "age_in_years"):
            plan = plan_rename(snapshot, "age", new)
            path = tmp_path / "takers.py"
            assert path in plan.shares and len(plan.shares[path].keys) < len(plan.edits[path])
            assert json.loads(workspace_edit_text(session, plan)) == workspace_edit(session, plan)
    finally:
        rename_module._merged = real
    assert calls and all(calls)  # the merged way, with edits of both kinds
