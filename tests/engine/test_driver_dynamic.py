"""The runtime driver and dynamic execution types: refused with a clear error, never run wrong."""

from __future__ import annotations

import types
from collections.abc import Callable

import pytest
from livedag.engine import driver
from livedag.engine.execution import ExecutionError

ModuleFactory = Callable[[str], types.ModuleType]  # the `make_module` fixture (conftest.py)

FAN_OUT = """
from livedag.engine.htypes import Collect, Parallelizable

def items(count: int) -> Parallelizable[int]:
    yield from range(count)

def doubled(items: int) -> int:
    return items * 2

def total(doubled: Collect[int]) -> int:
    return sum(doubled)

def label(count: int) -> str:
    return str(count)
"""


@pytest.fixture
def fan_out(make_module: ModuleFactory) -> driver.Driver:
    return driver.Builder().with_modules(make_module(FAN_OUT)).build()


def test_parallel_nodes_are_refused_naming_them(fan_out: driver.Driver) -> None:
    with pytest.raises(ExecutionError, match="dynamic execution") as caught:
        fan_out.execute(["total"], inputs={"count": 3})
    assert "'items' (expand)" in str(caught.value) and "'total' (collect)" in str(caught.value)


def test_the_rest_of_the_dataflow_still_runs(fan_out: driver.Driver) -> None:
    assert fan_out.execute(["label"], inputs={"count": 3})["label"] == "3"


def test_overriding_the_dynamic_nodes_runs_the_standard_ones(fan_out: driver.Driver) -> None:
    result = fan_out.execute(["doubled"], overrides={"items": 5})
    assert result["doubled"] == 10
