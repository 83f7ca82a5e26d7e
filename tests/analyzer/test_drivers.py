"""Driver scripts found statically: modules, config, requested outputs and supplied inputs."""

from __future__ import annotations

from helpers import analyze
from livedag.engine.specs import Unknown


def test_builder_chain_with_execute() -> None:
    found = analyze(
        "from hamilton import driver\nimport features, model\n\n"
        "def main() -> None:\n"
        "    config = {'region': 'US'}\n"
        "    dr = driver.Builder().with_modules(features, model).with_config(config).build()\n"
        "    dr.execute(['score', 'age'], inputs={'raw': 1})\n"
    )
    (use,) = found.drivers
    assert use.modules == ("features", "model")
    assert use.config == {"region": "US"}
    assert use.outputs == ("score", "age") and use.inputs == ("raw",)
    assert (use.outputs[1].location.line, use.outputs[1].location.column) == (7, 25)
    assert use.location.line == 6


def test_driver_class_with_final_vars_and_module_constants() -> None:
    found = analyze(
        "import hamilton.driver\nfrom pipelines import features\n"
        "OUTPUTS = ['a']\nCONFIG = dict(mode='batch')\n"
        "dr = hamilton.driver.Driver(CONFIG, features)\n"
        "if __name__ == '__main__':\n    dr.execute(final_vars=OUTPUTS + ['b'], inputs=dict(x=1))\n"
    )
    (use,) = found.drivers
    assert use.modules == ("pipelines.features",)
    assert use.config == {"mode": "batch"}
    assert use.outputs == ("a", "b") and use.inputs == ("x",)


def test_livedag_driver_and_aliases() -> None:
    found = analyze(
        "from livedag.engine import driver as d\nimport features\n"
        "d.Builder().with_modules(features).with_config(load()).build().execute(['z'])\n"
    )
    (use,) = found.drivers
    assert use.outputs == ("z",)
    assert all(isinstance(v, Unknown) for v in use.config.values())


def test_a_dataflow_module_has_no_drivers() -> None:
    assert analyze("def execute(x: int) -> int:\n    return x\n").drivers == ()
