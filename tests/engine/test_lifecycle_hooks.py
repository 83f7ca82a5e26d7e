"""Lifecycle adapters run as in apache-hamilton: the same hook calls, in the same order, with the
same arguments, whether the adapter subclasses livedag's classes or Hamilton's own."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import pytest
from livedag.engine import base, driver, lifecycle
from livedag.engine.lifecycle.base import InvalidLifecycleAdapter, ValidationException

ModuleFactory = Callable[[str], types.ModuleType]  # the `make_module` fixture (conftest.py)

FLOW = """
def a(x: int) -> int:
    return x + 1

def b(a: int) -> int:
    return a * 2

def c(a: int, b: int) -> int:
    return a + b

def d(c: int, y: int = 5) -> int:
    return c - y

def unused(a: int) -> int:
    return a
"""


def _kind(error: Exception | None) -> str:
    """An error's type name (livedag's input errors are ValueErrors, as Hamilton's are)."""
    return "ValueError" if isinstance(error, ValueError) else type(error).__name__


def _recorders(node_hook: type, graph_hook: type) -> tuple[type, type]:
    """A node hook and a graph hook recording every call, on top of the given base classes."""

    class RecordNodes(node_hook):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            self.calls: list[tuple[Any, ...]] = []

        def run_before_node_execution(
            self,
            *,
            node_name: str,
            node_kwargs: dict[str, Any],
            node_return_type: Any,
            node_input_types: dict[str, Any],
            **rest: Any,
        ) -> None:  # noqa: E501
            self.calls.append(
                ("before", node_name, dict(node_kwargs), node_return_type, node_input_types)
            )

        def run_after_node_execution(
            self, *, node_name: str, result: Any, error: Any, success: bool, **rest: Any
        ) -> None:  # noqa: E501
            self.calls.append(("after", node_name, result, _kind(error), success))

    class RecordGraph(graph_hook):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            self.calls: list[tuple[Any, ...]] = []

        def run_before_graph_execution(
            self,
            *,
            graph: Any,
            final_vars: list[str],
            inputs: Any,
            overrides: Any,
            execution_path: Any,
            run_id: str,
            **rest: Any,
        ) -> None:  # noqa: E501
            names = sorted(n.name for n in graph.nodes)
            self.calls.append(
                (
                    "before",
                    list(final_vars),
                    inputs,
                    overrides,
                    sorted(execution_path),
                    names,
                    bool(run_id),
                )
            )  # noqa: E501

        def run_after_graph_execution(
            self, *, graph: Any, success: bool, error: Any, results: Any, run_id: str, **rest: Any
        ) -> None:  # noqa: E501
            self.calls.append(("after", success, _kind(error), results, bool(run_id)))

    return RecordNodes, RecordGraph


def _run_both(module: types.ModuleType, outputs: list[str], **kwargs: Any) -> tuple[Any, Any]:
    """(our recorders' calls, Hamilton's) for one execution; each run may raise."""
    from hamilton import base as hamilton_base
    from hamilton import driver as hamilton_driver
    from hamilton import lifecycle as hamilton_lifecycle

    seen = []
    for builder, node_base, graph_base, result in (
        (
            driver.Builder(),
            lifecycle.NodeExecutionHook,
            lifecycle.GraphExecutionHook,
            base.DictResult(),
        ),
        (
            hamilton_driver.Builder(),
            hamilton_lifecycle.NodeExecutionHook,
            hamilton_lifecycle.GraphExecutionHook,
            hamilton_base.DictResult(),
        ),  # noqa: E501
    ):
        node_cls, graph_cls = _recorders(node_base, graph_base)
        nodes, graph = node_cls(), graph_cls()
        dr = builder.with_modules(module).with_adapters(nodes, graph, result).build()
        try:
            outcome: Any = dr.execute(outputs, **kwargs)
        except Exception as exc:  # compared below (livedag's input errors are ValueErrors)
            outcome = ValueError if isinstance(exc, ValueError) else type(exc)
        seen.append((outcome, nodes.calls, graph.calls))
    return seen[0], seen[1]


def test_node_and_graph_hooks_are_called_as_hamilton_calls_them(make_module: ModuleFactory) -> None:
    ours, theirs = _run_both(make_module(FLOW), ["d", "b"], inputs={"x": 1})
    assert ours == theirs
    outcome, node_calls, graph_calls = ours
    assert outcome == {"d": 1, "b": 4}
    assert [c[:2] for c in node_calls] == [
        ("before", "a"),
        ("after", "a"),
        ("before", "b"),
        ("after", "b"),
        ("before", "c"),
        ("after", "c"),
        ("before", "d"),
        ("after", "d"),
    ]  # a counting hook sees the 4 nodes that ran
    assert graph_calls[0][4] == ["a", "b", "c", "d"]


def test_hooks_see_a_failing_node_and_a_failed_run(make_module: ModuleFactory) -> None:
    ours, theirs = _run_both(make_module(FLOW), ["b"], inputs={"x": "text"})
    assert ours == theirs  # the input check fails before any node runs, after the pre-hook


def test_node_failure_reaches_the_after_hooks(make_module: ModuleFactory) -> None:
    module = make_module(FLOW + "\ndef broken(a: int) -> int:\n    raise KeyError(a)\n")
    ours, theirs = _run_both(module, ["broken"], inputs={"x": 1})
    assert ours == theirs
    assert ours[0] is KeyError
    assert ours[1][-1] == ("after", "broken", None, "KeyError", False)
    assert ours[2][-1][:3] == ("after", False, "KeyError")


def test_overrides_and_optional_inputs_match_hamilton(make_module: ModuleFactory) -> None:
    ours, theirs = _run_both(
        make_module(FLOW), ["d"], inputs={"x": 1, "y": 1}, overrides={"b": 100}
    )
    assert ours == theirs


class Doubling(lifecycle.NodeExecutionMethod):
    def run_to_execute_node(
        self, *, node_name: str, node_callable: Any, node_kwargs: dict[str, Any], **rest: Any
    ) -> Any:  # noqa: E501
        return node_callable(**node_kwargs) * 2


def test_a_node_execution_method_replaces_running_the_node(make_module: ModuleFactory) -> None:
    from hamilton import base as hamilton_base
    from hamilton import driver as hamilton_driver
    from hamilton import lifecycle as hamilton_lifecycle

    class HamiltonDoubling(hamilton_lifecycle.NodeExecutionMethod):
        run_to_execute_node = Doubling.run_to_execute_node

    module = make_module(FLOW)
    ours = driver.Builder().with_modules(module).with_adapters(Doubling()).build()
    hamiltons_on_ours = (
        driver.Builder().with_modules(module).with_adapters(HamiltonDoubling()).build()
    )
    theirs = (
        hamilton_driver.Builder()
        .with_modules(module)
        .with_adapters(HamiltonDoubling(), hamilton_base.DictResult())
        .build()
    )
    expected = theirs.execute(["c"], inputs={"x": 1})
    assert ours.execute(["c"], inputs={"x": 1}) == expected == {"c": 40}
    assert hamiltons_on_ours.execute(["c"], inputs={"x": 1}) == expected


def test_hamiltons_graceful_error_adapter_works_unchanged(make_module: ModuleFactory) -> None:
    from hamilton import base as hamilton_base
    from hamilton import driver as hamilton_driver
    from hamilton.lifecycle import GracefulErrorAdapter

    module = make_module(
        """
        class Stop(Exception):
            pass

        def fails() -> int:
            raise Stop()

        def fine() -> int:
            return 1

        def after(fails: int) -> int:
            return fails + 1
        """
    )
    adapter = GracefulErrorAdapter(error_to_catch=module.Stop, sentinel_value=None)
    ours = driver.Builder().with_modules(module).with_adapters(adapter).build()
    theirs = (
        hamilton_driver.Builder()
        .with_modules(module)
        .with_adapters(adapter, hamilton_base.DictResult())
        .build()
    )
    expected = theirs.execute(["fine", "after"])
    assert ours.execute(["fine", "after"]) == expected == {"fine": 1, "after": None}


def test_hamiltons_legacy_graph_adapter_runs_nodes_and_builds_the_result(
    make_module: ModuleFactory,
) -> None:  # noqa: E501
    from hamilton import base as hamilton_base

    module = make_module(FLOW)
    adapter = hamilton_base.SimplePythonGraphAdapter(hamilton_base.DictResult())
    dr = driver.Builder().with_modules(module).with_adapter(adapter).build()
    assert dr.execute(["c"], inputs={"x": 1}) == {"c": 6}


def test_hamiltons_result_builder_is_used(make_module: ModuleFactory) -> None:
    from hamilton import base as hamilton_base

    module = make_module(FLOW)
    dr = driver.Driver({}, module, adapter=hamilton_base.PandasDataFrameResult())
    frame = dr.execute(["b", "c"], inputs={"x": 1})
    assert list(frame.columns) == ["b", "c"] and frame.iloc[0].tolist() == [4, 6]


def test_graph_construction_hook_and_static_validator(make_module: ModuleFactory) -> None:
    seen: list[list[str]] = []

    class Construction(lifecycle.GraphConstructionHook):
        def run_after_graph_construction(self, *, graph: Any, config: Any, **rest: Any) -> None:
            seen.append(sorted(n.name for n in graph.nodes))

    class NoUnused(lifecycle.StaticValidator):
        def run_to_validate_node(self, *, node: Any, **rest: Any) -> tuple[bool, str | None]:
            if node.name == "unused":
                return False, "nothing uses this node"
            return True, None

    module = make_module(FLOW)
    driver.Builder().with_modules(module).with_adapters(Construction()).build()
    assert seen == [["a", "b", "c", "d", "unused", "x", "y"]]
    with pytest.raises(ValidationException, match="unused: nothing uses this node"):
        driver.Builder().with_modules(module).with_adapters(NoUnused()).build()


def test_input_checks_follow_an_edge_connection_hook(make_module: ModuleFactory) -> None:
    from hamilton.lifecycle import NoEdgeAndInputTypeChecking

    module = make_module(FLOW)
    strict = driver.Builder().with_modules(module).build()
    with pytest.raises(ValueError, match="'x' should be int"):
        strict.execute(["a"], inputs={"x": 1.5})
    lenient = (
        driver.Builder().with_modules(module).with_adapters(NoEdgeAndInputTypeChecking()).build()
    )
    assert lenient.execute(["a"], inputs={"x": 1.5}) == {"a": 2.5}


def test_an_edge_connection_hook_accepts_mismatched_edges(make_module: ModuleFactory) -> None:
    from hamilton.lifecycle import NoEdgeAndInputTypeChecking

    module = make_module(
        "def a() -> int:\n    return 1\n\ndef b(a: str) -> str:\n    return str(a)\n"
    )
    with pytest.raises(driver.GraphError, match="LD004"):
        driver.Builder().with_modules(module).build()
    dr = driver.Builder().with_modules(module).with_adapters(NoEdgeAndInputTypeChecking()).build()
    assert dr.execute(["b"]) == {"b": "1"}


def test_adapters_the_driver_cannot_use_are_refused(make_module: ModuleFactory) -> None:
    module = make_module(FLOW)

    class Nothing:
        pass

    class AsyncHook(lifecycle.NodeExecutionHook):
        async def run_before_node_execution(self, **kwargs: Any) -> None:  # type: ignore[override]
            pass

        def run_after_node_execution(self, **kwargs: Any) -> None:
            pass

    class AsyncLowLevel:
        async def pre_node_execute(self, **kwargs: Any) -> None:
            pass

    with pytest.raises(InvalidLifecycleAdapter, match="implements none of the lifecycle"):
        driver.Builder().with_modules(module).with_adapters(Nothing()).build()
    with pytest.raises(InvalidLifecycleAdapter, match="is async"):
        driver.Builder().with_modules(module).with_adapters(AsyncLowLevel()).build()
    with pytest.raises(InvalidLifecycleAdapter, match="several adapters implement"):
        driver.Builder().with_modules(module).with_adapters(
            base.DictResult(), base.PandasDataFrameResult()
        ).build()  # noqa: E501
    del AsyncHook  # its async user method is only awaited by Hamilton's async driver


def test_base_level_hooks_receive_runtime_nodes(make_module: ModuleFactory) -> None:
    calls: list[tuple[str, dict[str, Any], Any]] = []

    class LowLevel(lifecycle.base.BasePreNodeExecute):
        def pre_node_execute(
            self, *, run_id: str, node_: Any, kwargs: dict[str, Any], task_id: Any = None
        ) -> None:  # noqa: E501
            calls.append((node_.name, kwargs, [t for t, _ in node_.input_types.values()]))

    dr = driver.Builder().with_modules(make_module(FLOW)).with_adapters(LowLevel()).build()
    dr.execute(["b"], inputs={"x": 1})
    assert calls == [("a", {"x": 1}, [int]), ("b", {"a": 2}, [int])]
