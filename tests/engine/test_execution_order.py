"""Hamilton's execution semantics, held against apache-hamilton on the same module: nodes run
depth first from the requested outputs (so code with side effects gives Hamilton's answers), and
a node's exception reaches the caller as itself, with the node named."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import pytest
from livedag.engine import driver
from livedag.engine.execution import name_node_in
from livedag.engine.specs import NodeSpec

ModuleFactory = Callable[[str], types.ModuleType]  # the `make_module` fixture (conftest.py)

# Two branches share `base`; the graph-wide topological order (what livedag did before) runs
# `left_input` and `right_input` before either branch, Hamilton's walk runs each branch in turn.
ORDERED = """
RAN = []

def base() -> int:
    RAN.append("base")
    return 1

def right_input() -> int:
    RAN.append("right_input")
    return 2

def left_input() -> int:
    RAN.append("left_input")
    return 3

def left(base: int, left_input: int) -> int:
    RAN.append("left")
    return base + left_input

def right(right_input: int, base: int) -> int:
    RAN.append("right")
    return right_input + base

def both(right: int, left: int) -> int:
    RAN.append("both")
    return left * right
"""

# A seeded generator shared by two nodes: the value each gets depends on which runs first.
SEEDED = """
import numpy as np

def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)

def noise_a(rng: np.random.Generator) -> float:
    return float(rng.normal())

def noise_b(rng: np.random.Generator) -> float:
    return float(rng.normal())

def ratio(noise_b: float, noise_a: float) -> float:
    return noise_a / noise_b
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


@pytest.mark.parametrize(
    "outputs", [["both"], ["left", "right"], ["right", "left"], ["both", "base"], ["right_input"]]
)
def test_nodes_run_in_hamiltons_order(make_module: ModuleFactory, outputs: list[str]) -> None:
    module = make_module(ORDERED)
    _hamilton(module).execute(outputs)
    theirs = list(module.RAN)
    module.RAN.clear()
    ours = driver.Builder().with_modules(module).build().execute(outputs)
    assert module.RAN == theirs
    assert set(ours) == set(outputs)


def test_override_stops_the_walk_as_in_hamilton(make_module: ModuleFactory) -> None:
    module = make_module(ORDERED)
    _hamilton(module).execute(["both"], overrides={"left": 10})
    theirs = list(module.RAN)
    module.RAN.clear()
    result = driver.Builder().with_modules(module).build().execute(["both"], overrides={"left": 10})
    assert module.RAN == theirs == ["right_input", "base", "right", "both"]
    assert result["both"] == 30


def test_a_seeded_generator_gives_hamiltons_numbers(make_module: ModuleFactory) -> None:
    pytest.importorskip("numpy")
    module = make_module(SEEDED)
    theirs = _hamilton(module).execute(["ratio", "noise_a"], inputs={"seed": 7})
    ours = (
        driver.Builder()
        .with_modules(module)
        .build()
        .execute(["ratio", "noise_a"], inputs={"seed": 7})
    )
    assert ours == theirs


def test_values_are_released_but_outputs_are_kept(make_module: ModuleFactory) -> None:
    module = make_module(ORDERED)
    dr = driver.Builder().with_modules(module).build()
    assert dr.execute(["base", "both"]) == {"base": 1, "both": 12}


FAILING = """
class Unusual(Exception):
    def __init__(self, code: int):
        super().__init__(code)
        self.code = code

def numbers() -> list:
    return [1, 2]

def checked(numbers: list) -> int:
    if len(numbers) < 3:
        raise ValueError("need at least three numbers")
    return len(numbers)

def unusual(numbers: list) -> int:
    raise Unusual(len(numbers))

def downstream(checked: int) -> int:
    return checked + 1
"""


def test_a_users_except_clause_catches_the_nodes_error(make_module: ModuleFactory) -> None:
    module = make_module(FAILING)
    dr = driver.Builder().with_modules(module).build()
    with pytest.raises(ValueError, match="need at least three numbers") as ours:
        dr.execute(["downstream"])
    with pytest.raises(ValueError) as theirs:
        _hamilton(module).execute(["downstream"])
    assert type(ours.value) is type(theirs.value)
    assert ours.value.__notes__ == [
        f"livedag: raised by node 'checked' ({module.__name__}.checked())"
    ]


def test_an_exception_with_structured_arguments_keeps_them(make_module: ModuleFactory) -> None:
    module = make_module(FAILING)
    dr = driver.Builder().with_modules(module).build()
    with pytest.raises(module.Unusual) as caught:
        dr.execute(["unusual"])
    assert caught.value.code == 2 and caught.value.args == (2,)


def test_on_python_310_the_node_is_named_in_the_message() -> None:
    spec = NodeSpec("checked", function="checked", module="flows")
    error = ValueError("need at least three numbers")
    name_node_in(error, spec, version=(3, 10))
    assert str(error) == (
        "need at least three numbers [livedag: raised by node 'checked' (flows.checked())]"
    )
    structured = KeyError("a", "b")
    name_node_in(structured, spec, version=(3, 10))
    assert structured.args == ("a", "b")  # left alone: only a plain message is extended
    assert structured.__notes__ == ["livedag: raised by node 'checked' (flows.checked())"]


def test_only_the_innermost_node_is_named() -> None:
    error = ValueError("boom")
    name_node_in(error, NodeSpec("inner", function="inner"))
    name_node_in(error, NodeSpec("outer", function="outer"))
    assert error.__notes__ == ["livedag: raised by node 'inner' (inner())"]


def test_a_node_returning_a_coroutine_is_refused(make_module: ModuleFactory) -> None:
    from livedag.engine.execution import ExecutionError

    module = make_module(
        """
        async def _fetch() -> int:
            return 1

        def fetched() -> object:
            return _fetch()
        """
    )
    dr = driver.Builder().with_modules(module).build()
    with pytest.raises(ExecutionError, match="'fetched' .* is async"):
        dr.execute(["fetched"])
