"""`livedag graph`: one dataflow of the given paths, printed without running them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from livedag.server.cli import UsageError, parse_config

EXAMPLE = Path(__file__).parent.parent.parent / "examples"
RUN = EXAMPLE / "run.py"
LIVEDAG = Path(sys.executable).with_name("livedag")
Run = Callable[..., Any]


def test_config_values_are_json_when_they_parse() -> None:
    assert parse_config(["a=true", "b=3", 'c={"x": 1}', "d=eu", "e=", "f=a=b"]) == {
        "a": True,
        "b": 3,
        "c": {"x": 1},
        "d": "eu",
        "e": "",
        "f": "a=b",
    }
    with pytest.raises(UsageError, match="KEY=VALUE"):
        parse_config(["novalue"])


def test_graph_json_of_the_example(livedag: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder holds one dataflow, the one run.py builds; --config lays over its config."""
    monkeypatch.chdir(EXAMPLE.parent)
    result = livedag("graph", "--config", "region=eu", "examples/")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["dataflow"] == "examples/run.py"
    nodes = {n["name"]: n for n in doc["nodes"]}
    weight = nodes["country_weight"]
    assert weight["path"] == "examples/features.py" and weight["module"] == "features"
    line = (EXAMPLE / "features.py").read_text().splitlines()[weight["line"] - 1]
    assert line[weight["column"] - 1 :].startswith("country_weight__eu")
    assert nodes["data_dir"]["kind"] == "input" and nodes["data_dir"]["line"] is None
    assert nodes["email"]["tags"] == {
        "source": "crm_db",
        "owner": "data-eng",
        "importance": "high",
        "PII": "true",
    }
    assert doc["problems"] == []


def test_graph_matches_the_runtime_dataflow_of_the_example(livedag: Run) -> None:
    from tests.cli.test_lineage_command import runtime_driver

    for region in ("eu", "global"):
        # the driver script named as a file: its dataflow, its modules found next to it
        doc = json.loads(livedag("graph", "--config", f"region={region}", str(RUN)).out)
        static = {
            n["name"]: (n["kind"], sorted(n["dependencies"]), n["tags"]) for n in doc["nodes"]
        }
        flow = runtime_driver(region).flow
        runtime = {
            name: (spec.kind.value, sorted(spec.dependency_names), spec.user_tags)
            for name, spec in flow.nodes.items()
        }
        assert static == runtime


def test_a_driver_script_is_its_dataflow_not_a_module_of_it(livedag: Run, tmp_path: Path) -> None:
    (tmp_path / "flow.py").write_text("def a(raw: int) -> int:\n    return raw\n")
    (tmp_path / "run.py").write_text(
        "from hamilton import driver\nimport flow\n\n"
        "def report(x: int) -> int:\n    return x\n\n"
        "dr = driver.Builder().with_modules(flow).build()\n"
    )
    for paths in ([tmp_path], [tmp_path / "run.py"], [tmp_path / "flow.py", tmp_path / "run.py"]):
        result = livedag("graph", *map(str, paths))
        assert result.code == 0, result.err
        assert {n["name"] for n in json.loads(result.out)["nodes"]} == {"a", "raw"}, paths


@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_pictures(livedag: Run, fmt: str) -> None:
    result = livedag("graph", "--format", fmt, str(EXAMPLE))
    assert result.code == 0
    assert "churn_scores" in result.out and "training_set" in result.out


def test_usage_errors_exit_2_with_one_line(livedag: Run, tmp_path: Path) -> None:
    missing = livedag("graph", str(tmp_path / "nope.py"))
    assert missing.code == 2 and missing.out == ""
    assert missing.err.strip().count("\n") == 0 and "no such file" in missing.err
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\n")
    unreadable = livedag("graph", str(tmp_path))
    assert unreadable.code == 2 and "latin.py" in unreadable.err
    assert "fix it or leave it out" in unreadable.err
    assert livedag("graph", "--config", "oops", str(EXAMPLE)).code == 2


def test_graph_never_runs_the_code(tmp_path: Path) -> None:
    """Top-level code that would create a file and exit: under `livedag graph` neither happens."""
    marker = tmp_path / "created-by-import.txt"
    (tmp_path / "dangerous.py").write_text(
        "import sys\n"
        "from hamilton.function_modifiers import tag\n"
        f"open({str(marker)!r}, 'w').write('ran')\n"
        "sys.exit(3)\n\n"
        "def value(x: int) -> int:\n    return x\n"
    )
    done = subprocess.run(
        [str(LIVEDAG), "graph", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert [n["name"] for n in json.loads(done.stdout)["nodes"]] == ["value", "x"]
    assert not marker.exists()
