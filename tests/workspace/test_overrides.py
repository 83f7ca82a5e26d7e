"""`.allow_module_overrides()`: a later module's node replaces an earlier one's, as in Hamilton.

The fixture (tests/fixtures/membership_overrides) is a shared module, a team's module that
replaces a function and a field the shared one extracts, and a driver that allows it; the graph
is checked against apache-hamilton's `create_function_graph(..., allow_module_overrides=True)`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from livedag.engine.codes import Code
from livedag.engine.specs import NodeKind
from livedag.server.project import ProjectConfigError, load_project_config
from livedag.server.workspace import Workspace

from tests.oracle import diff, load_module, user_tags

Project = Callable[..., Path]  # the `project` fixture of conftest.py
# Per function node: its dependencies and user tags (what "the same graph" means here).
Summary = tuple[frozenset[str], dict[str, Any]]
FIXTURE = Path(__file__).parent.parent / "fixtures" / "membership_overrides"


@pytest.fixture
def flow(tmp_path: Path) -> Path:
    """The fixture, copied where no pyproject.toml above it says anything."""
    root = tmp_path / "flow"
    shutil.copytree(FIXTURE, root)
    return root


def _hamilton(root: Path, order: tuple[str, ...] = ("base", "patch")) -> dict[str, Summary]:
    from hamilton import graph

    modules = [load_module(root / f"{name}.py", prefix="ham") for name in order]
    nodes = graph.create_function_graph(*modules, config={}, allow_module_overrides=True)
    return {
        name: (frozenset(node.input_types), user_tags(node.tags))
        for name, node in nodes.items()
        if not node.user_defined
    }


def _livedag(root: Path) -> tuple[dict[str, Summary], list[str]]:
    snapshot = Workspace([root]).index()
    (view,) = snapshot.dataflows
    nodes = {
        name: (frozenset(spec.dependency_names), dict(spec.user_tags))
        for name, spec in view.graph.nodes.items()
        if spec.kind is NodeKind.FUNCTION
    }
    codes = [p.code for path in snapshot.paths() for p in snapshot.problems_for(path)]
    return nodes, codes


def test_later_modules_replace_earlier_ones_as_in_hamilton(flow: Path) -> None:
    expected = _hamilton(flow)
    assert expected["cleaned"][0] == {"raw", "threshold"}  # the oracle agrees
    nodes, codes = _livedag(flow)
    assert not diff(expected, nodes), "\n" + diff(expected, nodes)
    assert codes == []


def test_without_the_permission_the_same_modules_clash(flow: Path) -> None:
    run = flow / "run.py"
    run.write_text(run.read_text().replace(".allow_module_overrides()", ""))
    _, codes = _livedag(flow)
    assert codes == [
        Code.DUPLICATE_NODE,
        Code.DUPLICATE_NODE,
        Code.DUPLICATE_NODE,
        Code.DUPLICATE_NODE,
    ]  # cleaned and high, in both modules


def test_the_driver_keyword_allows_it_too(flow: Path) -> None:
    (flow / "run.py").write_text(
        "import base, patch\nfrom hamilton import driver\n\n"
        "dr = driver.Driver({}, base, patch, allow_module_overrides=True)\n"
    )
    nodes, codes = _livedag(flow)
    assert codes == [] and nodes["high"][0] == {"score", "margin"}


def test_the_order_of_the_modules_decides(flow: Path) -> None:
    run = flow / "run.py"
    run.write_text(
        run.read_text().replace("with_modules(base, patch)", "with_modules(patch, base)")
    )
    expected = _hamilton(flow, ("patch", "base"))
    nodes, _ = _livedag(flow)
    assert not diff(expected, nodes), "\n" + diff(expected, nodes)
    assert nodes["cleaned"][0] == {"raw"}  # base's, named last
    assert nodes["high"][0] == {"bounds"}  # the field base extracts


def test_a_declared_dataflow_may_allow_it(project: Project) -> None:
    root = project(
        pyproject='[[tool.livedag.dataflows]]\nname = "team"\nmodules = ["base", "patch"]\n'
        "allow_module_overrides = true\n",
        base="def cleaned(raw: list) -> list:\n    return raw\n",
        patch="def cleaned(raw: list, threshold: int) -> list:\n    return raw\n",
    )
    snapshot = Workspace([root]).index()
    (view,) = snapshot.dataflows
    assert view.graph.node("cleaned").dependency_names == ("raw", "threshold")
    assert not snapshot.all_problems()
    project(
        pyproject='[[tool.livedag.dataflows]]\nname = "t"\nmodules = ["base"]\n'
        'allow_module_overrides = "yes"\n'
    )
    with pytest.raises(ProjectConfigError, match="allow_module_overrides: expected true or false"):
        load_project_config(root)


def test_an_edit_of_an_overriding_module_is_followed(flow: Path) -> None:
    ws = Workspace([flow])
    ws.index()
    patch = flow / "patch.py"
    edited = patch.read_text().replace("raw: list, threshold: int", "raw: list, floor: int")
    (view,) = ws.update(patch, edited).dataflows
    assert view.graph.node("cleaned").dependency_names == ("raw", "floor")
    (view,) = ws.update(patch, "").dataflows  # the team's versions gone: the shared ones are back
    assert view.graph.node("cleaned").dependency_names == ("raw",)
    assert view.graph.node("high").dependency_names == ("bounds",)
