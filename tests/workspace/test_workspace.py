"""The workspace model: indexing, membership, incremental updates, and where problems land."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from livedag.engine.codes import Code
from livedag.engine.specs import Severity
from livedag.server import linking
from livedag.server.workspace import Snapshot, Workspace

Project = Callable[..., Path]  # the `project` fixture of conftest.py

LOADING = """
    import pandas as pd

    def raw(data_dir: str) -> pd.Series:
        return pd.Series([1, 2])

    def clean(raw: pd.Series) -> pd.Series:
        return raw.dropna()
"""
FEATURES = """
    import pandas as pd
    from hamilton.function_modifiers import config, tag

    @tag(owner="ds")
    def scaled(clean: pd.Series) -> pd.Series:
        return clean / 2

    @config.when(region="eu")
    def weight__eu(scaled: pd.Series) -> float:
        return 1.0

    @config.when_not(region="eu")
    def weight__other(clean: pd.Series) -> float:
        return 2.0
"""
RUN = """
    from hamilton import driver
    import loading, features

    dr = driver.Builder().with_modules(loading, features).with_config({"region": "eu"}).build()
    dr.execute(["weight", "scaled"], inputs={"data_dir": "."})
"""


# A module no driver uses, which looks like a dataflow because it imports Hamilton's decorators.
LONELY = """
    from hamilton.function_modifiers import tag

    def lonely() -> int:
        return 1
"""


def _codes(snapshot: Snapshot, path: Path) -> list[str]:
    return [p.code for p in snapshot.problems_for(path)]


def _view(snapshot: Snapshot, name: str) -> Any:
    return next(v for v in snapshot.dataflows if v.name == name)


def test_index_groups_modules_by_their_driver(project: Project) -> None:
    root = project(loading=LOADING, features=FEATURES, run=RUN, extra=LONELY)
    progress: list[tuple[int, int]] = []
    snap = Workspace([root]).index(on_progress=lambda done, total: progress.append((done, total)))
    assert progress[-1] == (4, 4)
    assert [p.name for p in snap.paths()] == ["extra.py", "features.py", "loading.py", "run.py"]
    run = root / "run.py"
    names = {v.name for v in snap.dataflows}
    assert names == {f"driver:{run.resolve()}", "module:extra"}
    view = _view(snap, f"driver:{run.resolve()}")
    assert view.modules == ("loading", "features")
    assert dict(view.config) == {"region": "eu"}
    assert view.graph.node("weight").dependency_names == ("scaled",)  # the driver's config: eu
    assert view.graph.node("scaled").user_tags == {"owner": "ds"}
    assert [v.name for v in snap.dataflows_for(root / "loading.py")] == [view.name]
    assert [v.name for v in snap.dataflows_for(run)] == [view.name]
    assert snap.module(root / "features.py") is not None
    assert all(not snap.problems_for(p) for p in snap.paths())


def test_update_is_seen_in_a_new_snapshot_and_old_ones_do_not_change(project: Project) -> None:
    root = project(loading=LOADING, features=FEATURES, run=RUN)
    ws = Workspace([root])
    before = ws.index()
    loading = root / "loading.py"
    # `raw` now asks for `scaled`, which asks for `clean`, which asks for `raw`: a cycle over files.
    after = ws.update(
        loading,
        LOADING.replace("def raw(data_dir: str)", "def raw(scaled: pd.Series)").replace(
            "\n    ", "\n"
        ),
    )
    assert after.version > before.version
    assert Code.CYCLE in _codes(after, loading) and Code.CYCLE in _codes(
        after, root / "features.py"
    )
    assert not before.problems_for(loading)
    assert ws.snapshot is after
    back = ws.update(loading, None)  # the editor closed the buffer: the disk text counts again
    assert not back.problems_for(loading)


def test_only_changed_functions_are_expanded_again(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(loading=LOADING, features=FEATURES, run=RUN, extra=LONELY)
    ws = Workspace([root])
    ws.index()
    expanded: list[str] = []
    real = linking.expand_function

    def counting(spec: Any, config: Any) -> Any:
        expanded.append(spec.name)
        return real(spec, config)

    monkeypatch.setattr(linking, "expand_function", counting)
    lonely = _view(ws.snapshot, "module:extra")
    text = (root / "features.py").read_text().replace("return clean / 2", "return clean / 3")
    snap = ws.update(root / "features.py", text)
    assert expanded == ["scaled"]
    assert _view(snap, "module:extra") is lonely  # a dataflow the file is not in is not re-linked


def test_problems_move_with_their_lines(project: Project) -> None:
    root = project(a="def f(x: int):\n    return x\n\n\ndef g(f: int) -> int:\n    return 1\n")
    ws = Workspace([root])
    path = root / "a.py"
    (first,) = ws.index().problems_for(path)
    assert (first.code, first.location.line) == (Code.MISSING_ANNOTATION, 1)
    (moved,) = ws.update(path, "\n\n" + path.read_text()).problems_for(path)
    assert (moved.code, moved.location.line) == (Code.MISSING_ANNOTATION, 3)


def test_declared_inputs_make_unknown_dependencies_errors(project: Project) -> None:
    module = """
        def total(price: int, quantitty: int) -> int:
            return price * quantitty

        def price(list_price: int) -> int:
            return list_price

        def quantity(orders: int) -> int:
            return orders
    """
    root = project(shop=module)
    undeclared = Workspace([root]).index().problems_for(root / "shop.py")
    # Without declared inputs only the likely typo is reported, as a warning.
    assert [(p.code, p.severity) for p in undeclared] == [
        (Code.UNKNOWN_DEPENDENCY, Severity.WARNING)
    ]
    assert "quantitty" in undeclared[0].message
    project(
        pyproject='[[tool.livedag.dataflows]]\nname = "shop"\nmodules = ["shop"]\n'
        'inputs = ["orders"]\n'
    )
    declared = Workspace([root]).index()
    problems = declared.problems_for(root / "shop.py")
    assert {p.code for p in problems} == {Code.UNKNOWN_DEPENDENCY}
    assert {p.severity for p in problems} == {Severity.ERROR}
    assert all(
        any(f"'{name}'" in p.message for p in problems) for name in ("list_price", "quantitty")
    )
    assert [v.name for v in declared.dataflows] == ["pyproject:shop"]


def test_driver_asks_for_an_unknown_output_and_misses_an_input(project: Project) -> None:
    run = RUN.replace('["weight", "scaled"]', '["weight", "scaledd"]').replace(
        'inputs={"data_dir": "."}', "inputs={}"
    )
    root = project(loading=LOADING, features=FEATURES, run=run)
    snap = Workspace([root]).index()
    problems = snap.problems_for(root / "run.py")
    by_code = {p.code: p for p in problems}
    assert set(by_code) == {Code.UNKNOWN_OUTPUT, Code.MISSING_INPUT}
    unknown = by_code[Code.UNKNOWN_OUTPUT]
    assert unknown.severity is Severity.ERROR and "'scaled'" in unknown.message
    line = (root / "run.py").read_text().splitlines()[unknown.location.line - 1]
    assert line[unknown.location.column : unknown.location.end_column] == '"scaledd"'
    missing = by_code[Code.MISSING_INPUT]
    assert missing.severity is Severity.WARNING and "'data_dir'" in missing.message


def test_a_module_in_two_dataflows_reports_its_problem_once(project: Project) -> None:
    second = RUN.replace('{"region": "eu"}', '{"region": "us"}')
    bad = LOADING + "\n    def unannotated(clean: pd.Series):\n        return clean\n"
    root = project(loading=bad, features=FEATURES, run=RUN, run2=second)
    snap = Workspace([root]).index()
    assert len(snap.dataflows_for(root / "loading.py")) == 2
    assert _codes(snap, root / "loading.py") == [Code.MISSING_ANNOTATION]


def test_config_override_and_files_coming_and_going(project: Project) -> None:
    root = project(loading=LOADING, features=FEATURES, run=RUN)
    ws = Workspace([root])
    ws.index()
    run = f"driver:{(root / 'run.py').resolve()}"
    snap = ws.set_config_override({"region": "us"})
    assert _view(snap, run).graph.node("weight").dependency_names == ("clean",)
    new = root / "late.py"
    new.write_text("from hamilton import htypes\n\n\ndef late() -> int:\n    return 1\n")
    assert any(v.name == "module:late" for v in ws.update(new, None).dataflows)
    new.unlink()
    gone = ws.update(new, None)
    assert new.resolve() not in gone.paths()
    assert not any(v.name == "module:late" for v in gone.dataflows)


def test_a_constant_from_another_module_is_followed_when_it_changes(project: Project) -> None:
    # `base_frame.py` is read before `columns.py`: the cold index must look at it again.
    root = project(
        base_frame="""
            import pandas as pd
            from hamilton.function_modifiers import extract_columns
            from columns import NAMES

            @extract_columns(*NAMES)
            def frame(raw: pd.DataFrame) -> pd.DataFrame:
                return raw
        """,
        columns='NAMES = ["age", "email"]\n',
    )
    ws = Workspace([root])
    flow = _view(ws.index(), "module:base_frame").graph
    assert {"age", "email"} <= set(flow.nodes)
    snap = ws.update(root / "columns.py", 'NAMES = ["age", "plan"]\n')
    flow = _view(snap, "module:base_frame").graph
    assert "plan" in flow.nodes and "email" not in flow.nodes


def test_a_constant_kept_by_a_local_constant_is_followed_too(project: Project) -> None:
    """`COLS = columns.NAMES`: the value is cached with `COLS`, and must be dropped when
    `columns.py` changes, not only the decorated function re-read."""
    root = project(
        base_frame="""
            import pandas as pd
            from hamilton.function_modifiers import extract_columns
            import columns

            COLS = columns.NAMES

            @extract_columns(*COLS)
            def frame(raw: pd.DataFrame) -> pd.DataFrame:
                return raw
        """,
        columns='NAMES = ["age", "email"]\n',
    )
    ws = Workspace([root])
    assert {"age", "email"} <= set(_view(ws.index(), "module:base_frame").graph.nodes)
    snap = ws.update(root / "columns.py", 'NAMES = ["age", "plan"]\n')
    flow = _view(snap, "module:base_frame").graph
    assert "plan" in flow.nodes and "email" not in flow.nodes


def test_a_driver_script_is_not_analysed_again_when_a_module_it_lists_changes(
    project: Project,
) -> None:
    """`with_modules(loading, features)` keeps module names only: an edit inside `features`
    leaves the driver's analysis as it was (it used to be re-read on every keystroke)."""
    root = project(loading=LOADING, features=FEATURES, run=RUN)
    ws = Workspace([root])
    before = ws.index().module(root / "run.py")
    text = (root / "features.py").read_text().replace("clean / 2", "clean / 3")
    after = ws.update(
        root / "features.py", text + "\n\ndef more(scaled: float) -> float:\n    return scaled\n"
    )
    assert after.module(root / "run.py") is before
    assert "more" in _view(after, f"driver:{(root / 'run.py').resolve()}").graph.nodes
