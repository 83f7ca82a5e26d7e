"""The Driver and Builder methods Hamilton users call besides `execute`, held against
apache-hamilton where both answer: `export_execution`, `has_cycles`, `visualize_path_between`,
`validate_inputs`, `Builder.copy` (`with_cache` has its own tests: test_caching.py)."""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from typing import Any

import pytest
from livedag.engine import base, driver

ModuleFactory = Callable[[str], types.ModuleType]  # the `make_module` fixture (conftest.py)

FLOW = """
def a(x: int) -> int:
    '''One more than x.'''
    return x + 1

def b(a: int, scale: int = 2) -> int:
    return a * scale

def c(b: int) -> int:
    return b - 1

def side(x: int) -> int:
    return -x
"""


def _hamilton(module: types.ModuleType) -> Any:
    from hamilton import base as hamilton_base
    from hamilton import driver as hamilton_driver

    return (
        hamilton_driver.Builder()
        .with_modules(module)
        .with_adapters(hamilton_base.DictResult())
        .build()
    )


def test_export_execution_describes_what_hamilton_describes(make_module: ModuleFactory) -> None:
    module = make_module(FLOW)
    ours = json.loads(
        driver.Builder().with_modules(module).build().export_execution(["c"], inputs={"x": 1})
    )  # noqa: E501
    theirs = json.loads(_hamilton(module).export_execution(["c"], inputs={"x": 1}))
    keys = (
        "name",
        "output_type",
        "required_dependencies",
        "optional_dependencies",
        "documentation",
        "source",
    )  # noqa: E501
    assert [{k: n[k] for k in keys} for n in ours["nodes"]] == [
        {k: n[k] for k in keys} for n in theirs["nodes"]
    ]
    assert [n["name"] for n in ours["nodes"]] == ["a", "b", "c", "x"]
    assert all(n["version"] for n in ours["nodes"])


def test_export_execution_checks_inputs(make_module: ModuleFactory) -> None:
    dr = driver.Builder().with_modules(make_module(FLOW)).build()
    with pytest.raises(ValueError, match="'x' is a required input"):
        dr.export_execution(["c"])


def test_has_cycles(make_module: ModuleFactory) -> None:
    module = make_module(FLOW)
    dr = driver.Builder().with_modules(module).build()
    assert dr.has_cycles(["c", module.side]) is False
    assert _hamilton(module).has_cycles(["c", "side"]) is False
    # A built driver refuses cycles (LD001), so a cyclic graph is checked on a doctored one.
    dr.flow.graph.add_edge("c", "a")
    assert dr.has_cycles(["c"]) is True
    assert dr.has_cycles(["side"]) is False


def test_visualize_path_between(make_module: ModuleFactory) -> None:
    dr = driver.Builder().with_modules(make_module(FLOW)).build()
    dot = dr.visualize_path_between("a", "c")
    assert '"a" -> "b" [penwidth=2.5' in dot and '"b" -> "c" [penwidth=2.5' in dot
    assert '"x"' in dot and '"side"' not in dot  # a's dependency, not on the path
    strict = dr.visualize_path_between("a", "c", strict_path_visualization=True)
    assert '"x"' not in strict
    with pytest.raises(ValueError, match="No path found between side and c"):
        dr.visualize_path_between("side", "c")
    with pytest.raises(ValueError, match="did you mean 'side'"):
        dr.visualize_path_between("sid", "c")


def test_validate_inputs_as_hamilton_reports_them(make_module: ModuleFactory) -> None:
    module = make_module(FLOW)
    dr = driver.Builder().with_modules(module).build()
    driver.Driver.validate_inputs(dr.graph, dr.adapter, ["x", "scale"], {"x": 1})
    with pytest.raises(
        ValueError, match=r"Required input x not provided for nodes: \['a', 'side'\]"
    ):  # noqa: E501
        driver.Driver.validate_inputs(dr.graph, dr.adapter, ["x", "scale"], {})
    with pytest.raises(ValueError, match="Type requirement mismatch. Expected x"):
        driver.Driver.validate_inputs(dr.flow, None, ["x"], {"x": "one"})
    # `scale` is optional: not required by anything, as Hamilton sees it
    theirs = _hamilton(module)
    nodes, user_nodes = theirs.graph.get_upstream_nodes(["b"], {"x": 1})
    theirs.validate_inputs(theirs.graph, theirs.adapter, user_nodes, {"x": 1}, nodes)


def test_builder_copy_is_independent(make_module: ModuleFactory) -> None:
    module = make_module(FLOW)
    first = driver.Builder().with_modules(module).with_config({"scale": 3})
    second = first.copy()
    second.with_config({"scale": 5}).with_adapters(base.DictResult())
    assert first.config == {"scale": 3} and first.adapters == []
    assert first.build().execute(["b"], inputs={"x": 1}) == {"b": 6}
    assert second.build().execute(["b"], inputs={"x": 1}) == {"b": 10}
