"""Which file a top-level import means when several folders have a module of that name: the one
next to the importing file, as Python finds it when that folder is the running script's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from livedag.server.workspace import Workspace

Project = Callable[..., Path]  # the `project` fixture of conftest.py

PIPELINE = """
    from hamilton.function_modifiers import subdag, source
    import features

    @subdag(features, inputs={"path": source("data_path")})
    def prepared(cleaned: int) -> int:
        return cleaned
"""


def test_a_subdag_module_is_the_one_next_to_its_user(project: Project) -> None:
    root = project(
        a__features="def other(x: int) -> int:\n    return x\n",
        b__features="def cleaned(path: str) -> int:\n    return len(path)\n",
        b__pipeline=PIPELINE,
    )
    snapshot = Workspace([root]).index()
    nodes = {
        name
        for view in snapshot.dataflows
        if root / "b" / "pipeline.py" in view.paths
        for name in view.graph.nodes
    }
    assert {"prepared.cleaned", "prepared.path"} <= nodes
    assert "prepared.other" not in nodes
