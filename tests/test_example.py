"""The bundled example, run by livedag's driver and held against apache-hamilton's on the same code.

The example is written against `livedag.engine`; for the oracle side its imports are mapped to
`hamilton` and the very same modules are built by Hamilton's own driver.
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.oracle import load_module, user_tags

EXAMPLE = Path(__file__).parent.parent / "examples"
MODULES = ["loading", "features", "aggregations", "dataset", "model"]
INPUTS = {"data_dir": str(EXAMPLE / "data")}


def _load(flavour: str) -> list[types.ModuleType]:
    out = []
    for name in MODULES:
        text = (EXAMPLE / f"{name}.py").read_text()
        if flavour == "hamilton":
            text = re.sub(
                r"livedag\.engine\.function_modifiers", "hamilton.function_modifiers", text
            )
        module = load_module(EXAMPLE / f"{name}.py", text, prefix=f"ex_{flavour}")
        out.append(module)
    return out


def _driver(flavour: str, region: str) -> Any:
    if flavour == "hamilton":
        from hamilton import base, driver
    else:
        from livedag.engine import base, driver  # type: ignore[no-redef]
    return (
        driver.Builder()
        .with_modules(*_load(flavour))
        .with_config({"region": region})
        .with_adapters(base.DictResult())
        .build()
    )


@pytest.fixture(scope="module", params=["global", "eu"])
def drivers(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any]]:
    yield _driver("livedag", request.param), _driver("hamilton", request.param)


def _names(variables: Any) -> set[str]:
    return {v.name for v in variables}


def test_same_variables_and_tags(drivers: tuple[Any, Any]) -> None:
    ours, theirs = drivers
    ours_vars = {v.name: v for v in ours.list_available_variables()}
    theirs_vars = {v.name: v for v in theirs.list_available_variables()}
    assert set(ours_vars) == set(theirs_vars)
    for name, var in theirs_vars.items():
        assert user_tags(ours_vars[name].tags) == user_tags(var.tags), name


@pytest.mark.parametrize("node", ["churn_scores", "training_set", "email_domain", "age_normalized"])
def test_upstream_and_downstream_match_hamilton(drivers: tuple[Any, Any], node: str) -> None:
    ours, theirs = drivers
    assert _names(ours.what_is_upstream_of(node)) == _names(theirs.what_is_upstream_of(node))
    assert _names(ours.what_is_downstream_of(node)) == _names(theirs.what_is_downstream_of(node))


def test_path_between_matches_hamilton(drivers: tuple[Any, Any]) -> None:
    ours, theirs = drivers
    assert _names(ours.what_is_the_path_between("email", "churn_scores")) == _names(
        theirs.what_is_the_path_between("email", "churn_scores")
    )


def test_execute_gives_the_same_results(drivers: tuple[Any, Any]) -> None:
    ours, theirs = drivers
    outputs = ["churn_scores", "model_accuracy", "age_normalized", "country_weight"]
    mine = ours.execute(outputs, inputs=INPUTS)
    reference = theirs.execute(outputs, inputs=INPUTS)
    assert mine["model_accuracy"] == pytest.approx(reference["model_accuracy"])
    for name in ("churn_scores", "age_normalized", "country_weight"):
        assert mine[name].tolist() == pytest.approx(reference[name].tolist())


def test_pii_reaches_these_artifacts(drivers: tuple[Any, Any]) -> None:
    ours, _ = drivers
    pii = [v.name for v in ours.list_available_variables() if v.tags.get("PII") == "true"]
    assert sorted(pii) == ["email", "email_domain"]
    reached = {
        v.tags["artifact"] for v in ours.what_is_downstream_of("email") if "artifact" in v.tags
    }
    assert reached == {"training_set", "churn_model", "churn_scores", "model_report"}


def test_run_script_prints_the_four_answers(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(EXAMPLE))
    try:
        import run  # type: ignore[import-not-found]

        assert run.main([]) == 0
    finally:
        sys.path.remove(str(EXAMPLE))
    out = capsys.readouterr().out
    assert "Trained on 200 customers" in out
    assert "sources: crm_db, event_stream" in out
    assert "email -> churn_model, churn_scores, model_report, training_set" in out
