"""`livedag lineage`: the four questions from the static graph, held against the runtime driver."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).parent.parent.parent / "examples"
MODULES = ["loading", "features", "aggregations", "dataset", "model"]
Run = Callable[..., Any]


@cache
def runtime_driver(region: str) -> Any:
    """The example run by livedag's own driver (this imports and so runs the example's modules)."""
    from livedag.engine import base, driver

    sys.path.insert(0, str(EXAMPLE))
    try:
        modules = [__import__(name) for name in MODULES]
    finally:
        sys.path.remove(str(EXAMPLE))
    return (
        driver.Builder()
        .with_modules(*modules)
        .with_config({"region": region})
        .with_adapters(base.DictResult())
        .build()
    )


def _names(variables: Any, *asked: str) -> list[str]:
    """The driver's answer as sorted names; like Hamilton it lists the asked nodes too, we don't."""
    return sorted(v.name for v in variables if v.name not in asked)


@pytest.mark.parametrize("region", ["global", "eu"])
@pytest.mark.parametrize("node", ["churn_scores", "email", "age_normalized", "country_weight"])
def test_upstream_and_downstream_match_the_driver(livedag: Run, region: str, node: str) -> None:
    dr = runtime_driver(region)
    config = ["--config", f"region={region}"]
    up = livedag("lineage", "upstream", node, str(EXAMPLE), *config)
    assert up.code == 0, up.err
    assert up.out.split() == _names(dr.what_is_upstream_of(node), node)
    down = livedag("lineage", "downstream", node, str(EXAMPLE), *config)
    assert down.out.split() == _names(dr.what_is_downstream_of(node), node)


def test_path_matches_the_driver(livedag: Run) -> None:
    dr = runtime_driver("global")
    result = livedag("lineage", "path", "email", "churn_scores", str(EXAMPLE), "--format", "json")
    doc = json.loads(result.out)
    assert sorted(n["name"] for n in doc["nodes"]) == _names(
        dr.what_is_the_path_between("email", "churn_scores")
    )
    assert all(p[0] == "email" and p[-1] == "churn_scores" for p in doc["paths"])
    text = livedag("lineage", "path", "email", "churn_scores", str(EXAMPLE)).out.splitlines()
    assert text == [" -> ".join(p) for p in doc["paths"]]


def test_tagged_reaching_matches_the_driver(livedag: Run) -> None:
    dr = runtime_driver("global")
    result = livedag(
        "lineage", "tagged", "PII=true", "--reaching", "artifact", str(EXAMPLE), "--format", "json"
    )
    assert result.code == 0, result.err
    answers = {a["node"]: a for a in json.loads(result.out)["answers"]}
    pii = [v.name for v in dr.list_available_variables() if v.tags.get("PII") == "true"]
    assert sorted(answers) == sorted(pii)
    for name in pii:
        reached = [v for v in dr.what_is_downstream_of(name) if "artifact" in v.tags]
        assert answers[name]["reaches"] == _names(reached, name)
        assert answers[name]["owners"] == sorted({v.tags["owner"] for v in reached})
    text = livedag("lineage", "tagged", "PII=true", "--reaching", "artifact", str(EXAMPLE)).out
    assert "email -> churn_model, churn_scores, model_accuracy (artifact=model_report)" in text
    plain = livedag("lineage", "tagged", "source=event_stream", str(EXAMPLE)).out.split()
    assert plain == sorted(
        v.name for v in dr.list_available_variables() if v.tags.get("source") == "event_stream"
    )


def test_unknown_node_exits_2_with_a_suggestion(livedag: Run) -> None:
    result = livedag("lineage", "upstream", "churn_score", str(EXAMPLE))
    assert result.code == 2 and result.out == ""
    assert "'churn_score'" in result.err and "did you mean 'churn_scores'" in result.err


def test_default_path_is_the_working_folder(livedag: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    result = livedag("lineage", "downstream", "as_of")
    assert result.code == 0, result.err
    assert result.out.split() == _names(
        runtime_driver("global").what_is_downstream_of("as_of"), "as_of"
    )
