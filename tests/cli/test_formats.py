"""The printed shapes: docs/design.md's graph JSON, lint text/json/github, SARIF by its schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from livedag.engine.codes import Code
from livedag.engine.dataflow import Dataflow
from livedag.engine.specs import (
    Dependency,
    Location,
    NodeSpec,
    Problem,
    Related,
    Severity,
    TypeRef,
)
from livedag.server.output import graph as graph_fmt
from livedag.server.output import problems as fmt
from livedag.server.output.sarif import to_sarif

SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"


def _loc(path: Path, line: int, col: int, length: int = 3) -> Location:
    return Location(str(path), line, col, line, col + length)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _problems(root: Path) -> list[Problem]:
    a, b = root / "a.py", root / "pkg" / "b.py"
    return [
        Problem(
            Code.UNKNOWN_DEPENDENCY,
            Severity.WARNING,
            "unknown 'agee'; did you mean 'age'?",
            _loc(b, 4, 8),
        ),
        Problem(
            Code.CYCLE,
            Severity.ERROR,
            "cycle x -> y -> x",
            _loc(a, 2, 4),
            related=(Related(_loc(b, 9, 4), "the edge y -> x"),),
        ),
        Problem(Code.UNKNOWABLE, Severity.INFO, 'cannot know "%s, x:y"\nnext', _loc(a, 1, 0)),
    ]


def test_graph_json_follows_the_design_contract(here: Path) -> None:
    age = NodeSpec(
        "age_normalized",
        TypeRef("pd.Series"),
        (Dependency("age", TypeRef("pd.Series")),),
        tags={"owner": "ds", "module": "features", "hamilton.x": 1},
        doc="Zero mean.",
        function="age_normalized",
        module="features",
        location=_loc(here / "features.py", 12, 4, 14),
    )
    flow = Dataflow.build([age])
    doc = graph_fmt.graph_json(flow, [])
    by_name = {n["name"]: n for n in doc["nodes"]}
    assert by_name["age_normalized"] == {
        "name": "age_normalized",
        "kind": "function",
        "type": "pd.Series",
        "dependencies": ["age"],
        "tags": {"owner": "ds"},
        "doc": "Zero mean.",
        "module": "features",
        "path": "features.py",
        "line": 12,
        "column": 5,
        "function": "age_normalized",
    }
    assert by_name["age"]["kind"] == "input" and by_name["age"]["path"] is None
    assert doc["problems"] == []


def test_paths_outside_the_working_folder_stay_absolute(
    here: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "x.py"
    assert graph_fmt.display_path(str(elsewhere)) == str(elsewhere.resolve())
    assert graph_fmt.display_path(str(here / "x.py")) == "x.py"


def test_text_is_sorted_and_one_line_per_problem(here: Path) -> None:
    problems = sorted(_problems(here), key=graph_fmt.problem_order)
    assert fmt.to_text(problems).splitlines() == [
        'a.py:1:1: LD008 cannot know "%s, x:y" next',
        "a.py:2:5: LD001 cycle x -> y -> x",
        "pkg/b.py:4:9: LD002 unknown 'agee'; did you mean 'age'?",
    ]
    assert fmt.summary(problems) == "Found 3 problems (1 error, 1 warning, 1 info)."


def test_json_lists_problems_with_1_based_positions(here: Path) -> None:
    doc = json.loads(fmt.to_json(_problems(here)[:1]))
    assert doc == {
        "problems": [
            {
                "code": "LD002",
                "severity": "warning",
                "message": "unknown 'agee'; did you mean 'age'?",
                "path": "pkg/b.py",
                "line": 4,
                "column": 9,
            }
        ]
    }


def test_github_annotations_escape_their_separators(here: Path) -> None:
    lines = fmt.to_github(_problems(here)).splitlines()
    assert lines[0] == (
        "::warning file=pkg/b.py,line=4,col=9,endLine=4,endColumn=12,title=livedag LD002::"
        "unknown 'agee'; did you mean 'age'?"
    )
    assert lines[2].startswith("::notice file=a.py,line=1,col=1,")
    assert lines[2].endswith('::cannot know "%25s, x:y"%0Anext')


def test_sarif_validates_against_the_official_schema(here: Path) -> None:
    schema = json.loads(SCHEMA.read_text())
    log = json.loads(to_sarif(_problems(here), version="0.1.0"))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [(r["id"], r["name"]) for r in rules] == [
        ("LD001", "Cycle"),
        ("LD002", "UnknownDependency"),
        ("LD003", "DuplicateNode"),
        ("LD004", "TypeMismatch"),
        ("LD005", "MissingAnnotation"),
        ("LD006", "DecoratorMisuse"),
        ("LD007", "SyntaxError"),
        ("LD008", "Unknowable"),
        ("LD009", "UnknownOutput"),
        ("LD010", "MissingInput"),
        ("LD011", "PolicyViolation"),
        ("LD012", "AnalysisFailure"),
    ]
    first = run["results"][0]
    assert first["ruleId"] == "LD002" and rules[first["ruleIndex"]]["id"] == "LD002"
    assert first["level"] == "warning"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "pkg/b.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4, "startColumn": 9, "endLine": 4, "endColumn": 12},
    }
    assert run["results"][1]["relatedLocations"][0]["message"]["text"] == "the edge y -> x"
    assert run["results"][2]["level"] == "note"


def test_a_broken_sarif_log_is_rejected_by_the_schema(here: Path) -> None:
    """The validation above can fail: the schema does reject a malformed log."""
    schema = json.loads(SCHEMA.read_text())
    log = json.loads(to_sarif(_problems(here), version="0.1.0"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(log)


def test_dot_and_mermaid_show_every_node_and_edge(here: Path) -> None:
    a = NodeSpec("a", TypeRef("int"), (Dependency("raw"),), function="a")
    b = NodeSpec("b", TypeRef("int"), (Dependency("a"),), function="b")
    flow = Dataflow.build([a, b])
    dot = graph_fmt.to_dot(flow)
    assert '"raw" -> "a"' in dot or "raw -> a" in dot
    mermaid = graph_fmt.to_mermaid(flow)
    assert mermaid.startswith("flowchart")
    assert mermaid.count("-->") == 2
