"""`livedag lint` reports policy violations (LD011) in every format, and refuses a bad policy."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.policies.sample_project import FEATURES, LOADING, REPORTS, write

SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"
Run = Callable[..., Any]


@pytest.fixture
def leaky(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`public_report` takes `age_bucket`, made from the PII column `age`, not anonymized."""
    reports = REPORTS.replace("domain: pd.Series)", "age_bucket: pd.Series)")
    write(tmp_path, loading=LOADING, features=FEATURES, reports=reports)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_text_names_the_policy_at_the_parameter(livedag: Run, leaky: Path) -> None:
    result = livedag("lint")
    assert result.code == 1
    (line,) = result.out.splitlines()
    assert line.startswith("features.py:4:16: LD011 policy pii-stays-internal: `age` (PII=true)")
    assert "Found 1 problem (1 error)." in result.err
    assert livedag("lint", "--ignore", "LD011").code == 0
    assert livedag("lint", "--dataflow", "flow").out == result.out
    graph = json.loads(livedag("graph", "--dataflow", "flow").out)
    assert [p["code"] for p in graph["problems"]] == ["LD011"]
    assert graph["policies"][0]["nodes"]["public_report"] == ["must_not_reach"]


def test_json_sarif_and_github(livedag: Run, leaky: Path) -> None:
    (found,) = json.loads(livedag("lint", "--format", "json").out)["problems"]
    assert (found["code"], found["path"], found["line"]) == ("LD011", "features.py", 4)
    log = json.loads(livedag("lint", "--format", "sarif").out)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "LD011" and "pii-stays-internal" in result["message"]["text"]
    walked = [r["physicalLocation"]["artifactLocation"]["uri"] for r in result["relatedLocations"]]
    assert walked == ["loading.py", "features.py", "reports.py"]
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["LD011"]["name"] == "PolicyViolation"
    (annotation,) = livedag("lint", "--format", "github").out.splitlines()
    assert annotation.startswith("::error file=features.py,line=4,col=16,")


def test_a_policy_severity_meets_the_lint_threshold(livedag: Run, leaky: Path) -> None:
    pyproject = leaky / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("message =", 'severity = "info"\nmessage ='))
    assert livedag("lint").code == 0
    assert livedag("lint", "--severity", "info").code == 1


def test_a_bad_policy_is_a_usage_error_naming_the_key(livedag: Run, leaky: Path) -> None:
    pyproject = leaky / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('from = { PII = "true" }', "from = { PII = true }")
    )
    result = livedag("lint")
    assert result.code == 2
    assert "policies[0] (pii-stays-internal) from.PII" in result.err
    assert 'write PII = "true"' in result.err


README = Path(__file__).parent.parent.parent / "README.md"
EXAMPLES = Path(__file__).parent.parent.parent / "examples"


def test_the_readme_worked_example_is_what_lint_prints(
    livedag: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = README.read_text().split("## Policies")[1].split("\n## ")[0]
    toml = section.split("```toml\n")[1].split("```")[0]
    console = section.split("```console\n")[1].split("```")[0].splitlines()
    assert console[0] == "$ livedag lint examples/"
    shutil.copytree(EXAMPLES, tmp_path / "examples", ignore=shutil.ignore_patterns("data"))
    (tmp_path / "pyproject.toml").write_text(toml)
    monkeypatch.chdir(tmp_path)
    result = livedag("lint", "examples/")
    assert result.code == 1
    assert result.out.splitlines() == console[1:]
