"""Dynamic execution (Parallelizable/Collect): same results as apache-hamilton where it runs,
clear refusals where it does not, and the executors really running elsewhere."""

from __future__ import annotations

import os
import threading
import types
from collections.abc import Callable
from typing import Any

import cloudpickle
import pytest
from livedag.engine import driver, executors
from livedag.engine.execution import ExecutionError

ModuleFactory = Callable[[str], types.ModuleType]  # the `make_module` fixture (conftest.py)

HEADER = "from hamilton.htypes import Collect, Parallelizable\n"

FAN_OUT = """
def items(count: int) -> Parallelizable[int]:
    yield from range(count)

def doubled(items: int) -> int:
    return items * 2

def shifted(doubled: int, offset: int) -> int:
    return doubled + offset

def total(shifted: Collect[int]) -> int:
    return sum(shifted)

def after(total: int) -> int:
    return total + 1

def label(count: int) -> str:
    return str(count)
"""

SEQUENTIAL = """
def first(count: int) -> Parallelizable[int]:
    yield from range(count)

def plus_one(first: int) -> int:
    return first + 1

def first_total(plus_one: Collect[int]) -> int:
    return sum(plus_one)

def second(first_total: int) -> Parallelizable[int]:
    return list(range(first_total))

def twice(second: int) -> int:
    return second * 2

def evens(twice: Collect[int]) -> list:
    return list(twice)
"""

OUTSIDE_VALUES = """
def base(count: int) -> int:
    return 100 + count

def words(text: str) -> Parallelizable[str]:
    return text.split()

def scored(words: str, base: int) -> int:
    return len(words) * base

def report(scored: Collect[int], base: int) -> list:
    return [s - base for s in scored]
"""

# (source, outputs, inputs, overrides)
AGREED = {
    "fan_out": (FAN_OUT, ["total", "after", "label"], {"count": 4, "offset": 10}, {}),
    "empty": (FAN_OUT, ["total"], {"count": 0, "offset": 10}, {}),
    "expand_output": (FAN_OUT, ["items", "total"], {"count": 3, "offset": 1}, {}),
    "override_expand": (FAN_OUT, ["total"], {"count": 3, "offset": 10}, {"items": [5, 6]}),
    "no_dynamic_nodes": (FAN_OUT, ["label"], {"count": 3, "offset": 10}, {}),
    "sequential": (SEQUENTIAL, ["evens", "first_total"], {"count": 3}, {}),
    "outside_values": (OUTSIDE_VALUES, ["report"], {"count": 2, "text": "a bb ccc"}, {}),
}


def _hamilton(module: types.ModuleType, outputs: list[str], **kwargs: Any) -> dict[str, Any]:
    from hamilton import driver as hamilton_driver

    dr = (
        hamilton_driver.Builder()
        .with_modules(module)
        .enable_dynamic_execution(allow_experimental_mode=True)
        .build()
    )
    return dr.execute(outputs, **kwargs)


def _ours(module: types.ModuleType, **builder: Any) -> driver.Driver:
    made = (
        driver.Builder().with_modules(module).enable_dynamic_execution(allow_experimental_mode=True)
    )
    if "local" in builder:
        made = made.with_local_executor(builder["local"])
    if "remote" in builder:
        made = made.with_remote_executor(builder["remote"])
    return made.build()


@pytest.mark.parametrize("case", sorted(AGREED))
@pytest.mark.parametrize("imports", ["hamilton", "livedag"])
def test_results_match_hamilton(case: str, imports: str, make_module: ModuleFactory) -> None:
    source, outputs, inputs, overrides = AGREED[case]
    reference = _hamilton(make_module(HEADER + source), outputs, inputs=inputs, overrides=overrides)
    header = HEADER if imports == "hamilton" else HEADER.replace("hamilton.", "livedag.engine.")
    ours = _ours(make_module(header + source)).execute(outputs, inputs=inputs, overrides=overrides)
    assert ours == reference


def test_per_element_nodes_run_once_per_element(make_module: ModuleFactory) -> None:
    module = make_module(
        HEADER
        + """
calls = []

def items(count: int) -> Parallelizable[int]:
    calls.append("items")
    yield from range(count)

def doubled(items: int) -> int:
    calls.append(f"doubled {items}")
    return items * 2

def total(doubled: Collect[int]) -> list:
    calls.append("total")
    return list(doubled)
"""
    )
    assert _ours(module).execute(["total"], inputs={"count": 3}) == {"total": [0, 2, 4]}
    assert sorted(module.calls) == ["doubled 0", "doubled 1", "doubled 2", "items", "total"]


def test_a_block_can_be_gathered_by_several_collect_nodes(make_module: ModuleFactory) -> None:
    """Hamilton loses all but one Collect of a block (KeyError); livedag gathers each."""
    module = make_module(
        HEADER
        + """
def items(count: int) -> Parallelizable[int]:
    yield from range(count)

def small(items: int) -> int:
    return items

def large(items: int) -> int:
    return items * 10

def small_sum(small: Collect[int]) -> int:
    return sum(small)

def large_max(large: Collect[int]) -> int:
    return max(large)

def small_list(small: Collect[int]) -> list:
    return list(small)

def raw(items: Collect[int]) -> list:
    return list(items)
"""
    )
    result = _ours(module).execute(
        ["small_sum", "large_max", "small_list", "raw"], inputs={"count": 4}
    )
    assert result == {
        "small_sum": 6,
        "large_max": 30,
        "small_list": [0, 1, 2, 3],
        "raw": [0, 1, 2, 3],
    }


REFUSED = {
    "per_element_output": (
        FAN_OUT,
        ["shifted"],
        "cannot return 'shifted' \\(per element of 'items'\\)",
    ),
    "no_collect": (
        FAN_OUT.replace("Collect[int]", "int"),
        ["total"],
        "cannot return 'total'",
    ),
    "nested": (
        """
def outer(count: int) -> Parallelizable[int]:
    yield from range(count)

def inner(outer: int) -> Parallelizable[int]:
    yield from range(outer)

def inner_total(inner: Collect[int]) -> int:
    return sum(inner)

def outer_total(inner_total: Collect[int]) -> int:
    return sum(inner_total)
""",
        ["outer_total"],
        "'inner' is Parallelizable and runs once per element of 'outer': nested",
    ),
    "two_blocks_mixed": (
        """
def left(count: int) -> Parallelizable[int]:
    yield from range(count)

def right(count: int) -> Parallelizable[int]:
    yield from range(count)

def pair(left: int, right: int) -> int:
    return left + right

def pairs(pair: Collect[int]) -> list:
    return list(pair)
""",
        ["pairs"],
        "'pair' takes per-element values of several Parallelizable nodes \\('left', 'right'\\)",
    ),
    "collect_of_a_plain_node": (
        """
def plain(count: int) -> int:
    return count

def gathered(plain: Collect[int]) -> int:
    return plain
""",
        ["gathered"],
        "'gathered' collects 'plain', which does not run once per element",
    ),
    "two_collect_parameters": (
        """
def items(count: int) -> Parallelizable[int]:
    yield from range(count)

def a(items: int) -> int:
    return items

def b(items: int) -> int:
    return items

def both(a: Collect[int], b: Collect[int]) -> int:
    return 0
""",
        ["both"],
        "exactly one of its parameters must be annotated Collect\\[...\\] \\(found 'a', 'b'\\)",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_hamilton_cannot_run_is_refused_by_name(case: str, make_module: ModuleFactory) -> None:
    source, outputs, message = REFUSED[case]
    dr = _ours(make_module(HEADER + source))
    with pytest.raises(ExecutionError, match=message):
        dr.execute(outputs, inputs={"count": 2, "offset": 0})


def test_a_node_error_reaches_the_caller_as_its_own_type(make_module: ModuleFactory) -> None:
    module = make_module(
        HEADER
        + """
def items(count: int) -> Parallelizable[int]:
    yield from range(count)

def checked(items: int) -> int:
    if items == 2:
        raise KeyError("no two")
    return items

def total(checked: Collect[int]) -> int:
    return sum(checked)
"""
    )
    for remote in (executors.SynchronousLocalTaskExecutor(), executors.MultiThreadingExecutor(2)):
        with pytest.raises(KeyError, match="no two") as caught:
            _ours(module, remote=remote).execute(["total"], inputs={"count": 4})
        notes = getattr(caught.value, "__notes__", [""])
        assert (
            "node 'checked' failed" in notes[0]
            and "element 2 of Parallelizable 'items'" in (notes[0])
        )


def test_a_parallelizable_that_returns_no_iterable_says_so(make_module: ModuleFactory) -> None:
    module = make_module(
        HEADER
        + """
def items(count: int) -> Parallelizable[int]:
    return count

def total(items: Collect[int]) -> int:
    return sum(items)
"""
    )
    with pytest.raises(TypeError, match="returned int, which is not iterable"):
        _ours(module).execute(["total"], inputs={"count": 4})


def test_parallel_blocks_run_concurrently_on_threads(make_module: ModuleFactory) -> None:
    """Two elements meet at a barrier: run one after the other, the first would time out."""
    module = make_module(
        HEADER
        + """
import threading

def items(barrier: object) -> Parallelizable[int]:
    yield from range(2)

def met(items: int, barrier: object) -> int:
    barrier.wait()
    return threading.get_ident()

def threads(met: Collect[int]) -> list:
    return list(met)
"""
    )
    dr = _ours(module, remote=executors.MultiThreadingExecutor(max_tasks=2))
    result = dr.execute(["threads"], inputs={"barrier": threading.Barrier(2, timeout=30)})
    assert len(set(result["threads"])) == 2
    assert threading.get_ident() not in result["threads"]


def test_parallel_blocks_run_in_worker_processes(make_module: ModuleFactory) -> None:
    module = make_module(
        HEADER
        + """
import os

def items(count: int) -> Parallelizable[int]:
    yield from range(count)

def pid(items: int) -> int:
    return os.getpid()

def squared(items: int) -> int:
    return items * items

def pids(pid: Collect[int]) -> list:
    return list(pid)

def squares(squared: Collect[int]) -> list:
    return list(squared)
"""
    )
    cloudpickle.register_pickle_by_value(module)  # workers need not import the test module
    try:
        dr = _ours(module, remote=executors.MultiProcessingExecutor(max_tasks=2))
        result = dr.execute(["pids", "squares"], inputs={"count": 4})
    finally:
        cloudpickle.unregister_pickle_by_value(module)
    assert result["squares"] == [0, 1, 4, 9]
    assert os.getpid() not in result["pids"]


def test_hamiltons_executors_are_taken_with_their_settings(make_module: ModuleFactory) -> None:
    from hamilton.execution import executors as hamilton_executors

    module = make_module(HEADER + FAN_OUT)
    dr = _ours(
        module,
        local=hamilton_executors.SynchronousLocalTaskExecutor(),
        remote=hamilton_executors.MultiThreadingExecutor(max_tasks=3),
    )
    manager = dr.graph_executor.execution_manager  # type: ignore[union-attr]
    assert isinstance(manager.remote_executor, executors.MultiThreadingExecutor)
    assert manager.remote_executor.max_tasks == 3
    assert dr.execute(["total"], inputs={"count": 3, "offset": 0}) == {"total": 6}


def test_an_unknown_executor_is_refused_naming_livedags(make_module: ModuleFactory) -> None:
    builder = (
        driver.Builder()
        .with_modules(make_module(HEADER + FAN_OUT))
        .enable_dynamic_execution(allow_experimental_mode=True)
        .with_remote_executor(object())
    )
    with pytest.raises(TypeError, match="livedag.engine.executors.SynchronousLocalTaskExecutor"):
        builder.build()


def test_builder_rules_follow_hamilton() -> None:
    with pytest.raises(ValueError, match="allow_experimental_mode=True"):
        driver.Builder().enable_dynamic_execution()
    with pytest.raises(ValueError, match="without dynamic execution"):
        driver.Builder().with_remote_executor(executors.MultiThreadingExecutor(2))
    builder = driver.Builder().enable_dynamic_execution(allow_experimental_mode=True)
    builder.with_local_executor(executors.SynchronousLocalTaskExecutor())
    with pytest.raises(ValueError, match="twice"):
        builder.with_local_executor(executors.SynchronousLocalTaskExecutor())
    with pytest.raises(ValueError, match="execution manager"):
        builder.with_execution_manager(executors.DefaultExecutionManager())


def test_without_dynamic_execution_parallel_nodes_point_to_it(make_module: ModuleFactory) -> None:
    dr = driver.Builder().with_modules(make_module(HEADER + FAN_OUT)).build()
    with pytest.raises(ExecutionError, match="enable_dynamic_execution"):
        dr.execute(["total"], inputs={"count": 3, "offset": 0})


def test_validate_execution_refuses_what_execute_would(make_module: ModuleFactory) -> None:
    dr = _ours(make_module(HEADER + FAN_OUT))
    dr.validate_execution(["total"], inputs={"count": 3, "offset": 0})
    with pytest.raises(ExecutionError, match="cannot return 'shifted'"):
        dr.validate_execution(["shifted"], inputs={"count": 3, "offset": 0})


def test_node_hooks_run_around_every_node_in_its_task(make_module: ModuleFactory) -> None:
    from livedag.engine.lifecycle import api

    class Counting(api.NodeExecutionHook):
        def __init__(self) -> None:
            self.seen: list[tuple[str, str | None]] = []
            self.lock = threading.Lock()

        def run_before_node_execution(self, *, node_name: str, task_id: Any, **_: Any) -> None:
            with self.lock:
                self.seen.append((node_name, task_id))

        def run_after_node_execution(self, **_: Any) -> None:
            pass

    hook = Counting()
    dr = (
        driver.Builder()
        .with_modules(make_module(HEADER + FAN_OUT))
        .enable_dynamic_execution(allow_experimental_mode=True)
        .with_remote_executor(executors.MultiThreadingExecutor(max_tasks=2))
        .with_adapters(hook)
        .build()
    )
    assert dr.execute(["total"], inputs={"count": 3, "offset": 1}) == {"total": 9}
    names = sorted(name for name, _ in hook.seen)
    assert names == ["doubled"] * 3 + ["items"] + ["shifted"] * 3 + ["total"]
    assert {task for name, task in hook.seen if name == "doubled"} == {"block:items"}


def test_task_hooks_are_refused_not_skipped(make_module: ModuleFactory) -> None:
    class TaskCounting:
        def pre_task_execute(self, **_: Any) -> None:
            pass

    dr = (
        driver.Builder()
        .with_modules(make_module(HEADER + FAN_OUT))
        .enable_dynamic_execution(allow_experimental_mode=True)
        .with_adapters(TaskCounting())
        .build()
    )
    with pytest.raises(ExecutionError, match="task hooks \\(pre_task_execute\\)"):
        dr.execute(["total"], inputs={"count": 3, "offset": 1})
