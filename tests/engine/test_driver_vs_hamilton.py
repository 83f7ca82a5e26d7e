"""The driver's view of every fixture dataflow, held against apache-hamilton's driver.

The rules' node-by-node agreement is the differential test's job; this checks what the Dataflow and
driver add on top: which names exist (inputs and config keys included), which are external inputs,
and which dependencies are optional.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from livedag.engine import driver

from tests.oracle import fixture_configs, fixture_paths, load_module, to_livedag_source

CASES = [
    pytest.param(path, config, id=f"{path.stem}[{i}]")
    for path in fixture_paths()
    for i, config in enumerate(fixture_configs(path))
]


# Step parameters with a default, bound with source(...), stay optional in Hamilton; the pipe
# rules mark them required (engine/rules, not the driver).  Strict: fixing it flags this list.


def _drivers(path: Path, config: dict[str, Any]) -> tuple[Any, Any]:
    from hamilton import base as hamilton_base
    from hamilton import driver as hamilton_driver

    theirs = (
        hamilton_driver.Builder()
        .with_modules(load_module(path, prefix="hamdrv"))
        .with_config(config)
        .with_adapters(hamilton_base.DictResult())
        .build()
    )
    ours = (
        driver.Builder()
        .with_modules(load_module(path, to_livedag_source(path.read_text()), prefix="lddrv"))
        .with_config(config)
        .build()
    )
    return ours, theirs


@pytest.mark.parametrize(("path", "config"), CASES)
def test_names_and_external_inputs_match_hamilton(path: Path, config: dict[str, Any]) -> None:
    ours, theirs = _drivers(path, config)
    mine = {v.name: bool(v.is_external_input) for v in ours.list_available_variables()}
    reference = {v.name: bool(v.is_external_input) for v in theirs.list_available_variables()}
    assert mine == reference


@pytest.mark.parametrize(("path", "config"), CASES)
def test_optional_dependencies_match_hamilton(path: Path, config: dict[str, Any]) -> None:
    ours, theirs = _drivers(path, config)
    mine = {v.name: frozenset(v.optional_dependencies) for v in ours.list_available_variables()}
    reference = {
        v.name: frozenset(v.optional_dependencies) for v in theirs.list_available_variables()
    }
    assert mine == reference
