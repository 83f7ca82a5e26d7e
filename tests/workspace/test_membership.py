"""Which modules are dataflows when no driver and no pyproject says so, and `exclude`.

A module stands alone as a dataflow when it looks like one: it speaks Hamilton's dataflow
vocabulary (imports its decorators or types), or its functions consume each other.  Apps, DAG
files of other schedulers, tests and helpers do not, and get only their syntax errors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from livedag.engine.codes import Code
from livedag.server.discovery import python_files
from livedag.server.project import ProjectConfigError, load_project_config
from livedag.server.workspace import Workspace

Project = Callable[..., Path]  # the `project` fixture of conftest.py

BODY = """

def lonely() -> int:
    return 1
"""


def _standalone(root: Path) -> set[str]:
    snapshot = Workspace([root]).index()
    return {
        v.name.removeprefix("module:") for v in snapshot.dataflows if v.name.startswith("module:")
    }


@pytest.mark.parametrize(
    "imports",
    [
        "from hamilton.function_modifiers import tag",
        "from hamilton import function_modifiers as fm",
        "from hamilton.function_modifiers.expanders import extract_columns",
        "from hamilton.htypes import Collect, Parallelizable",
        "from hamilton import htypes",
        "from livedag.engine.function_modifiers import tag",
        "from hamilton.plugins.h_polars import with_columns",
    ],
)
def test_importing_hamiltons_decorators_or_types_makes_a_dataflow(
    project: Project, imports: str
) -> None:
    root = project(flow=imports + BODY)
    assert _standalone(root) == {"flow"}


def test_using_a_decorator_through_the_package_makes_a_dataflow(project: Project) -> None:
    # `import hamilton.function_modifiers` binds `hamilton` only: the decorator tells.
    root = project(
        flow="""
            import hamilton.function_modifiers

            @hamilton.function_modifiers.tag(owner="ds")
            def lonely() -> int:
                return 1
        """
    )
    assert _standalone(root) == {"flow"}


@pytest.mark.parametrize(
    "imports",
    [
        "from hamilton import driver",
        "import hamilton.driver",
        "from hamilton import base, async_driver",
        "from hamilton import registry\nfrom hamilton.io.data_adapters import DataSaver",
        "from hamilton.plugins import h_polars",
        "import pandas as pd",
    ],
)
def test_driver_and_plugin_imports_alone_do_not(project: Project, imports: str) -> None:
    root = project(app=imports + BODY + "\n\ndef other(x: int):\n    return x\n")
    assert _standalone(root) == set()
    # ... so a missing annotation there is nobody's business.
    assert Workspace([root]).index().problems_for(root / "app.py") == []


def test_functions_that_consume_each_other_make_a_dataflow(project: Project) -> None:
    root = project(
        features="""
            def spend(raw: list) -> float:
                return sum(raw)

            def spend_doubled(spend: float) -> float:
                return 2 * spend
        """,
        helpers="""
            def slugify(text: str) -> str:
                return text.lower()

            def title(text: str) -> str:
                return text.title()

            def _private(slugify: str) -> str:  # a private function is no node
                return slugify

            def recurse(recurse: int) -> int:  # naming itself is no consumption
                return recurse
        """,
    )
    assert _standalone(root) == {"features"}


@pytest.mark.parametrize(
    "decorated",
    [
        "import pytest\n\n@pytest.fixture\ndef data():\n    return [1]\n\n"
        "@pytest.fixture\ndef total(data):\n    return sum(data)\n",
        "from fastapi import FastAPI\napp = FastAPI()\n\ndef settings():\n    return {}\n\n"
        '@app.get("/")\ndef index(settings):\n    return settings\n',
        "from dagster import asset\n\n@asset\ndef orders():\n    return []\n\n"
        "@asset\ndef revenue(orders):\n    return sum(orders)\n",
    ],
    ids=["pytest-fixtures", "fastapi", "dagster"],
)
def test_other_frameworks_decorated_functions_do_not_count(
    project: Project, decorated: str
) -> None:
    root = project(app=decorated)
    assert _standalone(root) == set()


@pytest.mark.parametrize("name", ["test_flow", "flow_test", "conftest"])
def test_pytest_modules_are_never_dataflows_of_their_own(project: Project, name: str) -> None:
    root = project(
        **{
            name: """
                from hamilton.function_modifiers import tag

                def data() -> list:
                    return [1]

                def test_total(data):
                    assert sum(data) == 1
            """
        }
    )
    assert _standalone(root) == set()


def test_a_driver_names_any_module_into_its_dataflow(project: Project) -> None:
    root = project(
        plain="def lonely() -> int:\n    return 1\n",
        run="""
            from hamilton import driver
            import plain

            dr = driver.Builder().with_modules(plain).build()
        """,
    )
    snapshot = Workspace([root]).index()
    (view,) = snapshot.dataflows
    assert view.name == f"driver:{(root / 'run.py').resolve()}"
    assert view.modules == ("plain",)


def test_a_file_in_no_dataflow_still_gets_its_syntax_errors(project: Project) -> None:
    root = project(
        app="""
            import streamlit as st

            def render(x):
                st.write(x)

            def render(y):  # redefined: fine for an app
                st.write(y)

            def broken(:
                pass
        """
    )
    snapshot = Workspace([root]).index()
    assert snapshot.dataflows_for(root / "app.py") == []
    assert [p.code for p in snapshot.problems_for(root / "app.py")] == [Code.SYNTAX_ERROR]


def test_an_edit_that_makes_a_module_look_like_a_dataflow_replans(project: Project) -> None:
    root = project(flow="def spend() -> float:\n    return 1.0\n")
    ws = Workspace([root])
    assert not ws.index().dataflows
    path = root / "flow.py"
    grown = path.read_text() + "\n\ndef doubled(spend: float):\n    return 2 * spend\n"
    snapshot = ws.update(path, grown)
    assert [v.name for v in snapshot.dataflows] == ["module:flow"]
    assert [p.code for p in snapshot.problems_for(path)] == [Code.MISSING_ANNOTATION]
    assert not ws.update(path, None).dataflows  # back to the file on disk


# --- [tool.livedag] exclude -------------------------------------------------------------------

FLOW = """
    from hamilton.function_modifiers import tag

    def spend() -> float:
        return 1.0

    def doubled(spend: float):
        return 2 * spend
"""


def test_exclude_is_validated(project: Project) -> None:
    root = project(pyproject='[tool.livedag]\nexclude = ["legacy", "src/**/gen_*.py"]\n')
    assert load_project_config(root).exclude == ("legacy", "src/**/gen_*.py")
    for bad, said in [
        ('exclude = "legacy"', "expected a list of globs"),
        ('exclude = ["/abs/legacy"]', "relative to the folder of pyproject.toml"),
        ('exclude = ["../elsewhere"]', 'without ".."'),
        ("exclude = [1]", "expected a list of globs"),
    ]:
        project(pyproject=f"[tool.livedag]\n{bad}\n")
        with pytest.raises(ProjectConfigError, match="exclude") as error:
            load_project_config(root)
        assert said in str(error.value)


@pytest.mark.parametrize(
    ("glob", "excluded", "kept"),
    [
        ("legacy", ["legacy/a.py", "pkg/legacy/b.py"], ["legacy_io.py", "pkg/a.py"]),
        ("gen_*.py", ["gen_a.py", "pkg/gen_b.py"], ["pkg/a.py", "legacy_io.py"]),
        ("pkg/*.py", ["pkg/a.py", "pkg/gen_b.py"], ["pkg/legacy/b.py", "gen_a.py"]),
        ("pkg/**/b.py", ["pkg/legacy/b.py"], ["pkg/a.py", "legacy/a.py"]),
        ("./legacy/", ["legacy/a.py"], ["pkg/legacy/b.py"]),
    ],
)
def test_exclude_globs(project: Project, glob: str, excluded: list[str], kept: list[str]) -> None:
    root = project(pyproject=f'[tool.livedag]\nexclude = ["{glob}"]\n')
    for name in excluded + kept:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(FLOW)
    config = load_project_config(root)
    assert [n for n in excluded + kept if config.is_excluded(root / n)] == excluded
    found = python_files([root], config.is_excluded)
    assert sorted(p.relative_to(root.resolve()).as_posix() for p in found) == sorted(kept)


def test_an_excluded_file_is_not_read_by_lint_editor_or_graph(project: Project) -> None:
    root = project(
        pyproject='[tool.livedag]\nexclude = ["scratch"]\n',
        flow=FLOW,
        scratch__flow_copy=FLOW,
        scratch__run="""
            from hamilton import driver
            import flow

            dr = driver.Builder().with_modules(flow).build()
            dr.execute(["nothing_like_this"])
        """,
    )
    ws = Workspace([root])
    snapshot = ws.index()
    assert [v.name for v in snapshot.dataflows] == ["module:flow"]  # the driver is not seen
    assert all("scratch" not in p.parts for p in snapshot.paths())
    # The editor: an open excluded file is not analysed either.
    copy = root / "scratch" / "flow_copy.py"
    assert ws.update(copy, FLOW + "\ndef broken(:\n") is snapshot
    assert snapshot.problems_for(copy) == []
    # Every command reads through the workspace: a file named explicitly is read anyway.
    named = Workspace([copy]).index()
    assert named.paths() == [copy.resolve()]
    assert [v.name for v in named.dataflows] == ["module:flow_copy"]


def test_changing_exclude_in_pyproject_follows_at_once(project: Project) -> None:
    root = project(flow=FLOW, other=FLOW.replace("spend", "cost"))
    ws = Workspace([root])
    assert {v.name for v in ws.index().dataflows} == {"module:flow", "module:other"}
    pyproject = root / "pyproject.toml"
    pyproject.write_text('[tool.livedag]\nexclude = ["other.py"]\n')
    snapshot = ws.update(pyproject, None)
    assert [v.name for v in snapshot.dataflows] == ["module:flow"]
    assert (root / "other.py").resolve() not in snapshot.paths()
    pyproject.write_text("[tool.livedag]\n")
    again = ws.update(pyproject, None)
    assert {v.name for v in again.dataflows} == {"module:flow", "module:other"}


def test_a_module_file_named_explicitly_is_a_dataflow(project: Project) -> None:
    root = project(helpers="def slugify(text: str) -> str:\n    return text.lower()\n")
    assert not Workspace([root]).index().dataflows  # found in a folder: it does not look like one
    (view,) = Workspace([root / "helpers.py"]).index().dataflows
    assert view.name == "module:helpers" and view.graph.node("slugify") is not None
