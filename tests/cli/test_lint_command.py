"""`livedag lint`: every LD code of the dataflows under the paths, filtered, in four formats."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"
EXAMPLE = Path(__file__).parent.parent.parent / "examples"
LIVEDAG = Path(sys.executable).with_name("livedag")
Run = Callable[..., Any]

# `spend` and `score` ask for each other across two files; `age_bucket` misspells `age`.
CUSTOMERS = """
    def age(raw_age: int) -> int:
        return raw_age

    def age_bucket(agee: int) -> int:
        return agee // 10

    def spend(score: float) -> float:
        return score
"""
MODEL = """
    def score(spend: float, age: int) -> float:
        return spend * age
"""


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "customers.py").write_text(textwrap.dedent(CUSTOMERS).lstrip())
    (tmp_path / "model.py").write_text(textwrap.dedent(MODEL).lstrip())
    (tmp_path / "run.py").write_text(
        "from hamilton import driver\nimport customers, model\n\n"
        "dr = driver.Builder().with_modules(customers, model).build()\n"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_text_lists_cycle_and_typo_sorted_and_exits_1(livedag: Run, broken: Path) -> None:
    result = livedag("lint")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines == sorted(
        lines, key=lambda line: (line.split(":")[0], *map(int, line.split(":")[1:3]))
    )
    codes = [line.split(": ")[1].split()[0] for line in lines]
    assert sorted(codes) == ["LD001", "LD001", "LD002"]
    assert {line.split(":")[0] for line in lines if "LD001" in line} == {"customers.py", "model.py"}
    typo = next(line for line in lines if "LD002" in line)
    assert typo.startswith("customers.py:4:16: LD002 ") and "'age'" in typo
    assert "Found 3 problems (2 errors, 1 warning)." in result.err
    assert livedag("lint").out == result.out  # stable


def test_select_ignore_and_severity(livedag: Run, broken: Path) -> None:
    assert {line.split()[1] for line in livedag("lint", "--select", "LD002").out.splitlines()} == {
        "LD002"
    }
    ignored = livedag("lint", "--ignore", "LD001,LD002")
    assert (ignored.code, ignored.out) == (0, "")
    errors_only = livedag("lint", "--severity", "error")
    assert errors_only.code == 1 and "LD002" not in errors_only.out
    only_typo = livedag("lint", "--severity", "error", "--select", "LD002")
    assert (only_typo.code, only_typo.out) == (0, "")


def test_pyproject_keys_apply_and_flags_win(livedag: Run, broken: Path) -> None:
    (broken / "pyproject.toml").write_text(
        '[tool.livedag]\nignore = ["LD001"]\nseverity = "error"\n'
    )
    assert livedag("lint").code == 0
    assert "LD002" in livedag("lint", "--severity", "warning").out
    (broken / "pyproject.toml").write_text('[tool.livedag]\nselect = ["LD001"]\n')
    assert {line.split()[1] for line in livedag("lint").out.splitlines()} == {"LD001"}


def test_declared_inputs_turn_unknown_names_into_errors(livedag: Run, broken: Path) -> None:
    (broken / "pyproject.toml").write_text(
        '[[tool.livedag.dataflows]]\nname = "churn"\nmodules = ["customers", "model"]\n'
        'inputs = ["raw_age"]\n'
    )
    doc = json.loads(livedag("lint", "--format", "json", "--severity", "error").out)
    typo = [p for p in doc["problems"] if p["code"] == "LD002"]
    assert [(p["severity"], p["path"], p["line"]) for p in typo] == [("error", "customers.py", 4)]


def test_sarif_of_a_real_run_validates(livedag: Run, broken: Path) -> None:
    result = livedag("lint", "--format", "sarif")
    assert result.code == 1
    log = json.loads(result.out)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(log)
    results = log["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["LD001", "LD001", "LD002"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"customers.py", "model.py"}


def test_github_annotations(livedag: Run, broken: Path) -> None:
    lines = livedag("lint", "--format", "github").out.splitlines()
    assert len(lines) == 3
    assert any(line.startswith("::warning file=customers.py,line=4,col=16,") for line in lines)
    assert sum(line.startswith("::error ") for line in lines) == 2


def test_clean_project_exits_0(
    livedag: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a dataflow (one function consumes another's result), without a problem
    (tmp_path / "ok.py").write_text(
        "def raw() -> int:\n    return 1\n\n\ndef a(raw: int) -> int:\n    return raw\n"
    )
    monkeypatch.chdir(tmp_path)
    result = livedag("lint", ".")
    assert (result.code, result.out, result.err.strip()) == (0, "", "No problems found.")


def test_usage_errors_exit_2(livedag: Run, broken: Path) -> None:
    assert livedag("lint", "nowhere/").code == 2
    bad_code = livedag("lint", "--select", "E501")
    assert bad_code.code == 2 and "'E501' is not an LD code" in bad_code.err
    (broken / "pyproject.toml").write_text('[tool.livedag]\nseverity = "loud"\n')
    bad_config = livedag("lint")
    assert bad_config.code == 2 and bad_config.err.count("\n") == 1
    assert "severity" in bad_config.err and "'loud'" in bad_config.err


def test_the_bundled_example_lints_clean_as_a_command() -> None:
    done = subprocess.run(
        [str(LIVEDAG), "lint", "--format", "json", str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, json.loads(done.stdout)) == (0, {"problems": []}), done.stderr
