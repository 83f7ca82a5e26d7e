"""Policies checked over the graph the workspace builds from source text (LD011)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from livedag.engine.codes import Code
from livedag.engine.specs import Problem, Severity
from livedag.server.workspace import Workspace

from .sample_project import FEATURES, LOADING, REPORTS, write


def ld011(workspace: Workspace) -> list[Problem]:
    return [p for p in workspace.snapshot.all_problems() if p.code is Code.POLICY_VIOLATION]


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_path_through_the_anonymizer_is_fine(tmp_path: Path) -> None:
    write(tmp_path, loading=LOADING, features=FEATURES, reports=REPORTS)
    ws = Workspace([tmp_path])
    ws.index()
    assert ld011(ws) == []


def test_a_path_past_it_is_reported_at_the_parameter_with_the_path_related(
    tmp_path: Path,
) -> None:
    reports = REPORTS.replace("domain: pd.Series)", "age_bucket: pd.Series)")
    write(tmp_path, loading=LOADING, features=FEATURES, reports=reports)
    ws = Workspace([tmp_path])
    ws.index()
    (problem,) = ld011(ws)
    assert problem.severity is Severity.ERROR
    assert problem.message.startswith("policy pii-stays-internal: `age` (PII=true) reaches ")
    assert "`public_report` (visibility=public) through `age_bucket`" in problem.message
    assert problem.message.endswith("hash or drop it first")
    # cold (as lint checks): the first edge, where age_bucket takes the PII column in
    assert problem.location is not None
    features = tmp_path / "features.py"
    assert problem.location.path == str(features)
    assert problem.location.line == line_of(features, "def age_bucket(age")
    assert (
        features.read_text()
        .splitlines()[problem.location.line - 1][problem.location.column :]
        .startswith("age: pd.Series")
    )
    walked = [(Path(r.location.path).name, r.message.split(":")[0]) for r in problem.related]
    assert walked == [
        ("loading.py", "age"),
        ("features.py", "age_bucket"),
        ("reports.py", "public_report"),
    ]


def test_adding_a_parameter_lights_up_that_parameter(tmp_path: Path) -> None:
    write(tmp_path, loading=LOADING, features=FEATURES, reports=REPORTS)
    ws = Workspace([tmp_path])
    ws.index()
    features = tmp_path / "features.py"
    text = features.read_text().replace(
        "def domain(city: pd.Series)", "def domain(city: pd.Series, email: pd.Series)"
    )
    ws.update(features, text)
    (problem,) = ld011(ws)
    assert problem.location is not None and problem.location.path == str(features)
    line = text.splitlines()[problem.location.line - 1]
    assert line.startswith("def domain(") and line[problem.location.column :].startswith("email")
    # the reports module, where the path ends, is not where it is reported
    assert "through `domain`" in problem.message
    # and gone when the parameter goes
    ws.update(features, FEATURES)
    assert ld011(ws) == []


def test_the_newest_edge_is_blamed_when_the_path_is_completed_downstream(tmp_path: Path) -> None:
    features = FEATURES.replace(
        "def domain(city: pd.Series)", "def domain(city: pd.Series, email: pd.Series)"
    )
    reports = REPORTS.replace(", domain: pd.Series)", ")")
    write(tmp_path, loading=LOADING, features=features, reports=reports)
    ws = Workspace([tmp_path])
    ws.index()
    assert ld011(ws) == []
    path = tmp_path / "reports.py"
    ws.update(path, textwrap.dedent(REPORTS).lstrip())  # public_report takes `domain` again
    (problem,) = ld011(ws)
    assert problem.location is not None and problem.location.path == str(path)
    line = textwrap.dedent(REPORTS).lstrip().splitlines()[problem.location.line - 1]
    assert line[problem.location.column :].startswith("domain")


def reached(ws: Workspace) -> list[str]:
    """The targets the policy finds reached (what is reported where may differ: blame)."""
    return sorted(p.message.split(" reaches `")[1].split("`")[0] for p in ld011(ws))


def test_incremental_checks_agree_with_a_cold_check(tmp_path: Path) -> None:
    write(tmp_path, loading=LOADING, features=FEATURES, reports=REPORTS)
    ws = Workspace([tmp_path])
    ws.index()
    features = tmp_path / "features.py"
    edits = [
        ("def domain(city: pd.Series)", "def domain(city: pd.Series, age: pd.Series)"),
        ('@tag(anonymizer="true")', '@tag(anonymizer="false")'),
        ("def age_bucket(age: pd.Series)", "def age_bucket(email_hash: pd.Series)"),
        ('@tag(anonymizer="false")', '@tag(anonymizer="true")'),
        ("def domain(city: pd.Series, age: pd.Series)", "def domain(city: pd.Series)"),
    ]
    text = textwrap.dedent(FEATURES).lstrip()
    seen = set()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
        ws.update(features, text)
        live = reached(ws)
        features.write_text(text)
        cold = Workspace([tmp_path])
        cold.index()
        assert live == reached(cold)
        seen.add(len(live))
    assert seen == {0, 1}  # the edits both make and clear violations


TAGGED_BY_DECORATORS = """
import pandas as pd
from hamilton.function_modifiers import extract_columns, parameterize, source, subdag, tag
from hamilton.function_modifiers import tag_outputs

import inner

@tag_outputs(phone={"PII": "true"}, zip={"PII": "false"})
@extract_columns("phone", "zip")
def contacts(path: str) -> pd.DataFrame:
    return pd.read_csv(path)

@parameterize(
    phone_public={"col": source("phone")},
    zip_public={"col": source("zip")},
)
@tag(visibility="public")
def published(col: pd.Series) -> pd.Series:
    return col

@subdag(inner, inputs={"raw": source("phone")}, namespace="ns")
def sub_result(cleaned: pd.Series) -> pd.Series:
    return cleaned
"""

INNER = """
import pandas as pd
from hamilton.function_modifiers import tag

@tag(visibility=["partner", "public"])
def cleaned(raw: pd.Series) -> pd.Series:
    return raw
"""


def test_tags_are_matched_after_every_decorator_expands(tmp_path: Path) -> None:
    policy = """
    [[tool.livedag.policies]]
    name = "pii"
    from = { PII = "true" }
    must_not_reach = { visibility = ["public"] }
    """
    write(tmp_path, policy, flow=TAGGED_BY_DECORATORS, inner=INNER)
    (tmp_path / "pyproject.toml").write_text(
        (tmp_path / "pyproject.toml").read_text().replace("['flow', 'inner']", "['flow']")
    )
    ws = Workspace([tmp_path])
    ws.index()
    reached = sorted(p.message.split(" reaches `")[1].split("`")[0] for p in ld011(ws))
    # @tag_outputs marks phone (not zip); @parameterize makes phone_public and zip_public
    # with the tag; the subdag's namespaced node keeps its list-valued tag
    assert reached == ["ns.cleaned", "phone_public"]
    check = ws.snapshot.dataflows[0].policies
    assert [(p.name, how) for p, how in check.subject_to("phone")] == [("pii", "from")]
    assert [(p.name, how) for p, how in check.subject_to("zip_public")] == [
        ("pii", "must_not_reach")
    ]
    assert check.subject_to("zip") == []


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            """
            [[tool.livedag.policies]]
            name = "owned"
            for = { visibility = "*" }
            require_tags = ["owner", "purpose"]
            severity = "warning"
            """,
            ["policy owned: `public_report` has no tag purpose; add @tag(purpose=...)"],
        ),
        (
            """
            [[tool.livedag.policies]]
            name = "vis"
            allowed_values = { visibility = ["internal", "partner"] }
            message = "visibility is internal or partner"
            """,
            [
                "policy vis: `public_report` has visibility=public (allowed: internal, partner); "
                "visibility is internal or partner"
            ],
        ),
    ],
)
def test_tag_rules_are_reported_at_the_node(
    tmp_path: Path, policy: str, expected: list[str]
) -> None:
    write(tmp_path, policy, loading=LOADING, features=FEATURES, reports=REPORTS)
    ws = Workspace([tmp_path])
    ws.index()
    found = ld011(ws)
    assert [p.message for p in found] == expected
    reports = tmp_path / "reports.py"
    assert found[0].location is not None
    assert found[0].location.line == line_of(reports, "def public_report")
    # a keystroke that fixes it clears it
    ws.update(
        reports,
        reports.read_text()
        .replace('owner="bi"', 'owner="bi", purpose="x"')
        .replace('visibility="public"', 'visibility="internal"'),
    )
    assert ld011(ws) == []


def test_changed_policies_apply_at_once(tmp_path: Path) -> None:
    reports = REPORTS.replace("domain: pd.Series)", "age_bucket: pd.Series)")
    write(tmp_path, loading=LOADING, features=FEATURES, reports=reports)
    ws = Workspace([tmp_path])
    ws.index()
    assert len(ld011(ws)) == 1
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('visibility = "public"', 'visibility = "partner"')
    )
    ws.update(pyproject, None)
    assert ld011(ws) == []
