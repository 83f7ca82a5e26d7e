"""`@accept_error_sentinels` with GracefulErrorAdapter: the tag lands on the same nodes in
apache-hamilton's graph, livedag's runtime graph and the static analyzer's, and a run with a
failing node gives Hamilton's results (without and with dynamic execution)."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from livedag.engine import driver
from livedag.engine.codes import Code
from livedag.engine.hamilton_records import HamiltonDecoratorError
from livedag.engine.introspect import module_functions
from livedag.engine.rules import expand_module
from livedag.server.analyzer import analyze_source

from tests.oracle import imported, load_module

ModuleFactory = Callable[[str], types.ModuleType]  # the `make_module` fixture (conftest.py)
FIXTURE = Path(__file__).parent.parent / "fixtures" / "dataflows" / "lifecycle_error_sentinels.py"
SENTINEL_TAG = "hamilton.error_sentinel"


def _tagged(nodes: Any) -> dict[str, Any]:
    return {n.name: n.tags[SENTINEL_TAG] for n in nodes if SENTINEL_TAG in n.tags}


def test_tag_is_hamiltons_on_every_front_end() -> None:
    from hamilton import graph

    theirs = _tagged(
        graph.FunctionGraph.from_modules(
            load_module(FIXTURE, prefix="ham"), config={}
        ).nodes.values()
    )
    assert sorted(theirs) == ["high", "low", "report", "summary"]
    for imports in ("hamilton", "livedag"):
        made = expand_module(module_functions(imported(FIXTURE, imports)), {})
        assert not made.problems
        assert _tagged(made.nodes) == theirs, imports
    analysis = analyze_source(FIXTURE.read_text(), module="fixture", path=str(FIXTURE))
    assert not analysis.problems
    assert _tagged(expand_module(analysis.functions, {}).nodes) == theirs


def test_with_parentheses_is_an_error_on_both_front_ends(make_module: ModuleFactory) -> None:
    source = """
from livedag.engine.lifecycle import accept_error_sentinels

@accept_error_sentinels()
def total(x: int) -> int:
    return x
"""
    with pytest.raises(ValueError, match="without parentheses"):
        driver.Builder().with_modules(make_module(source)).build()
    analysis = analyze_source(source, module="m", path="m.py")
    made = expand_module(analysis.functions, {})
    assert [p.code for p in made.problems] == [Code.DECORATOR_MISUSE]
    assert "without parentheses" in made.problems[0].message


FAILING = """
from hamilton.htypes import Collect, Parallelizable
from hamilton.lifecycle.default import accept_error_sentinels


class Stop(Exception):
    pass


def reading(x: int) -> int:
    if x < 0:
        raise Stop("negative")
    return x * 10


def skipped(reading: int) -> int:
    return reading + 1


@accept_error_sentinels
def gathered(reading: int, skipped: int) -> dict:
    return {"reading": reading, "skipped": skipped}


def items(n: int) -> Parallelizable[int]:
    for i in range(n):
        if i == 2:
            raise Stop("third item")
        yield i


def squared(items: int) -> int:
    return items * items


def collected(squared: Collect[int]) -> list:
    return sorted(squared, key=lambda v: (v is None, v or 0))
"""


def _graceful(module: types.ModuleType) -> Any:
    from hamilton.lifecycle import GracefulErrorAdapter

    return GracefulErrorAdapter(error_to_catch=module.Stop, sentinel_value=None)


def test_failure_reaches_the_accepting_node_as_in_hamilton(make_module: ModuleFactory) -> None:
    from hamilton import base as hamilton_base
    from hamilton import driver as hamilton_driver

    module = make_module(FAILING)
    outputs = ["skipped", "gathered"]
    theirs = (
        hamilton_driver.Builder()
        .with_modules(module)
        .with_adapters(_graceful(module), hamilton_base.DictResult())
        .build()
        .execute(outputs, inputs={"x": -1})
    )
    ours = (
        driver.Builder()
        .with_modules(module)
        .with_adapters(_graceful(module))
        .build()
        .execute(outputs, inputs={"x": -1})
    )
    assert ours == theirs == {"skipped": None, "gathered": {"reading": None, "skipped": None}}


def test_parallel_items_before_a_failure_are_kept_as_in_hamilton(
    make_module: ModuleFactory,
) -> None:
    from hamilton import driver as hamilton_driver

    module = make_module(FAILING)
    runs = []
    for made in (hamilton_driver, driver):
        dr = (
            made.Builder()
            .enable_dynamic_execution(allow_experimental_mode=True)
            .with_modules(module)
            .with_adapters(_graceful(module))
            .build()
        )
        runs.append(dr.execute(["collected", "gathered"], inputs={"x": 2, "n": 5}))
    # Items 0 and 1, then the sentinel for the failure (squared skips it).
    assert runs[0] == runs[1]
    assert runs[1]["collected"] == [0, 1, None]
    assert runs[1]["gathered"] == {"reading": 20, "skipped": 21}


def test_decorated_function_is_read_from_hamiltons_lifecycle_module(
    make_module: ModuleFactory,
) -> None:
    """The runtime reader knows the decorator by its Hamilton home; a lookalike is refused."""
    module = make_module(FAILING)
    built = driver.Builder().with_modules(module).build()
    assert built.graph.node("gathered").tags[SENTINEL_TAG] == "injection is requested"
    lookalike = make_module(
        """
from hamilton.function_modifiers import tag

SENTINELS = tag(**{"hamilton.error_sentinel": "x"}, bypass_reserved_namespaces_=True)

@SENTINELS
def total(x: int) -> int:
    return x
"""
    )
    with pytest.raises(HamiltonDecoratorError):
        driver.Builder().with_modules(lookalike).build()
