"""Drivers built inside a function and returned, as most real driver scripts do."""

from __future__ import annotations

from livedag.engine.specs import Unknown
from livedag.server.analyzer import analyze_source
from livedag.server.discovery import literal_config

SCRIPT = """
from hamilton import driver
import features, model


def main(region: str) -> None:
    dr = build(region)
    dr.execute(["score"], inputs={"raw": 1})


def build(region: str) -> driver.Driver:
    return driver.Builder().with_modules(features, model).with_config({"region": region}).build()
"""


def test_a_driver_returned_by_a_factory_function_is_found_with_its_executions() -> None:
    (use,) = analyze_source(SCRIPT, module="run", path="run.py").drivers
    assert use.modules == ("features", "model")
    assert [str(o) for o in use.outputs] == ["score"]
    assert [str(i) for i in use.inputs] == ["raw"]
    assert use.execute_location is not None and use.execute_location.line == 8
    assert not use.inputs_unknown


def test_inputs_that_cannot_be_read_are_flagged_not_taken_as_none() -> None:
    text = SCRIPT.replace('inputs={"raw": 1}', "inputs=load_inputs()")
    (use,) = analyze_source(text, module="run", path="run.py").drivers
    assert use.inputs == () and use.inputs_unknown


def test_a_config_value_computed_at_run_time_counts_as_unset() -> None:
    (use,) = analyze_source(SCRIPT, module="run", path="run.py").drivers
    assert isinstance(use.config["region"], Unknown)
    assert literal_config({**use.config, "fixed": 3}) == {"fixed": 3}
