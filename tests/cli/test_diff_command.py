"""`livedag diff`: the lineage of two versions of a small project, in a git history made here."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.policies.sample_project import FEATURES, LOADING, PII_POLICY, REPORTS

Run = Callable[..., Any]

RUN = """
from hamilton import driver
import features, loading, reports

dr = driver.Builder().with_modules(loading, features, reports).build()
dr.execute(["public_report", "age_bucket"], inputs={"path": "people.csv", "city": None})
"""

# The change under review: age_bucket renamed (the driver still asks for it), domain re-typed,
# email_hash given an owner, and a new public export that takes the PII column `email` as it is.
CHANGED_FEATURES = (
    textwrap.dedent(FEATURES)
    .replace("def age_bucket(age", "def age_group(age")
    .replace("def domain(city: pd.Series) -> pd.Series:", "def domain(city: pd.Series) -> str:")
    .replace('@tag(anonymizer="true")', '@tag(anonymizer="true", owner="privacy")')
)
EXPORT = """
import pandas as pd
from hamilton.function_modifiers import tag

@tag(visibility="public")
def export(email: pd.Series, age_group: pd.Series) -> pd.Series:
    return email
"""


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text).lstrip())


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two commits: the project, then the change."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(
        root,
        {
            "pyproject.toml": PII_POLICY,
            "loading.py": LOADING,
            "features.py": FEATURES,
            "reports.py": REPORTS,
            "run.py": RUN,
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    write(root, {"features.py": CHANGED_FEATURES, "export.py": EXPORT})
    (root / "run.py").write_text(
        textwrap.dedent(RUN)
        .lstrip()
        .replace("import features,", "import export, features,")
        .replace("with_modules(loading,", "with_modules(export, loading,")
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "change")
    monkeypatch.chdir(root)
    return root


def test_json_names_every_kind_of_change(livedag: Run, history: Path) -> None:
    result = livedag("diff", "HEAD~1", "HEAD", "--format", "json")
    assert result.code == 0, result.err
    found = json.loads(result.out)
    assert (found["base"], found["head"]) == ("HEAD~1", "HEAD")
    (flow,) = found["dataflows"]
    assert flow["dataflow"] == "run.py" and flow["status"] == "changed"
    nodes = flow["nodes"]
    assert nodes["renamed"] == [{"from": "age_bucket", "to": "age_group"}]
    assert nodes["added"] == ["export"] and nodes["removed"] == []
    assert nodes["retyped"] == [{"node": "domain", "from": "pd.Series", "to": "str"}]
    assert nodes["tags_changed"] == [
        {
            "node": "email_hash",
            "from": {"anonymizer": "true"},
            "to": {"anonymizer": "true", "owner": "privacy"},
        }
    ]
    assert flow["edges"]["added"] == [["age_group", "export"], ["email", "export"]]
    assert flow["edges"]["removed"] == []  # the rename is no edge change
    lineage = flow["lineage"]
    assert lineage["paths_added"] == [
        {"source": "age", "artifact": "export", "pii": True},
        {"source": "email", "artifact": "export", "pii": True},
    ]
    # with no `artifact` tags, artifacts are the outputs: age_group, fed to export, is none now
    assert lineage["paths_removed"] == [{"source": "age", "artifact": "age_group", "pii": True}]
    assert lineage["policies_violated"] == [
        {"policy": "pii-stays-internal", "what": "PII=true reaches `export`"}
    ]
    assert lineage["outputs_broken"] == [{"driver": "run.py", "output": "age_bucket"}]
    assert "public_report" in lineage["outputs_affected"]  # domain, re-typed, feeds it


def test_fail_on_and_exit_codes(livedag: Run, history: Path) -> None:
    assert livedag("diff", "HEAD~1", "HEAD", "--fail-on", "new-pii-paths").code == 1
    assert livedag("diff", "HEAD~1", "HEAD", "--fail-on", "policy,broken-outputs").code == 1
    assert livedag("diff", "HEAD~1", "HEAD", "--fail-on", "removed-nodes").code == 0
    same = livedag("diff", "HEAD", "HEAD", "--fail-on", "any")
    assert same.code == 0 and "no change to the lineage" in same.out
    wrong = livedag("diff", "HEAD~1", "--fail-on", "pii")
    assert wrong.code == 2 and "--fail-on: unknown kind(s) pii" in wrong.err
    missing = livedag("diff", "no-such-branch")
    assert missing.code == 2 and "'no-such-branch' is neither a folder nor a git revision" in (
        missing.err
    )


def test_the_work_tree_is_the_default_head_and_is_left_alone(livedag: Run, history: Path) -> None:
    anonymized = EXPORT.replace("email: pd.Series, age_group: pd.Series", "email_hash: pd.Series")
    (history / "export.py").write_text(textwrap.dedent(anonymized).lstrip())
    status = git(history, "status", "--porcelain")
    head = git(history, "rev-parse", "HEAD")
    result = livedag("diff", "HEAD", "--format", "json")
    assert result.code == 0, result.err
    (flow,) = json.loads(result.out)["dataflows"]
    assert flow["edges"]["removed"] == [["age_group", "export"], ["email", "export"]]
    assert flow["edges"]["added"] == [["email_hash", "export"]]
    assert flow["lineage"]["policies_satisfied"] == [
        {"policy": "pii-stays-internal", "what": "PII=true reaches `export`"}
    ]
    # nothing checked out, nothing staged
    assert git(history, "status", "--porcelain") == status
    assert git(history, "rev-parse", "HEAD") == head


def test_two_folders(livedag: Run, history: Path, tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    git(history, "worktree", "add", "-q", str(old), "HEAD~1")
    shutil.copytree(history, new, ignore=shutil.ignore_patterns(".git"))
    result = livedag("diff", str(old), str(new), "--format", "json")
    assert result.code == 0, result.err
    (flow,) = json.loads(result.out)["dataflows"]
    assert flow["nodes"]["renamed"] == [{"from": "age_bucket", "to": "age_group"}]
    alone = livedag("diff", str(old))
    assert alone.code == 2 and "is a folder: give the folder to compare it with" in alone.err


def parse_mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str, str]], dict[str, str]]:
    """Nodes (id -> label), edges (from, arrow, to) and classes (id -> class) of a flowchart;
    fails on any line it does not understand."""
    lines = text.strip().splitlines()
    assert lines[0] == "flowchart LR"
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    classes: dict[str, str] = {}
    defined: set[str] = set()
    for line in lines[1:]:
        line = line.strip()
        if m := re.fullmatch(r'(\w+)\["([^"]*)"\]', line):
            nodes[m[1]] = m[2]
        elif m := re.fullmatch(r"(\w+) (-->|==>|-\.->) (\w+)", line):
            edges.append((m[1], m[2], m[3]))
        elif m := re.fullmatch(r"classDef (\w+) [\w:#,.\- ]+", line):
            defined.add(m[1])
        elif m := re.fullmatch(r"class ([\w,]+) (\w+)", line):
            assert m[2] in defined
            for node in m[1].split(","):
                classes[node] = m[2]
        else:
            raise AssertionError(f"not Mermaid this test knows: {line!r}")
    for a, _, b in edges:
        assert a in nodes and b in nodes
    assert set(classes) <= set(nodes)
    return nodes, edges, classes


def test_markdown_for_a_pull_request_with_a_mermaid_picture(livedag: Run, history: Path) -> None:
    result = livedag("diff", "HEAD~1", "HEAD", "--format", "markdown")
    assert result.code == 0, result.err
    text = result.out
    assert text.startswith("## Lineage diff: `HEAD~1` → `HEAD`")
    assert "**2 new PII path(s)** in `run.py`; **1 policy violation(s)** in `run.py`" in text
    assert "- **nodes renamed**: `age_bucket -> age_group`" in text
    (picture,) = re.findall(r"```mermaid\n(.*?)```", text, re.S)
    nodes, edges, classes = parse_mermaid(picture)
    by_label = {label: node for node, label in nodes.items()}
    assert classes[by_label["export"]] == "added"
    assert classes[by_label["age_group"]] == "changed"
    assert classes[by_label["domain"]] == "changed"
    assert (by_label["email"], "==>", by_label["export"]) in edges  # new edges drawn bold
    assert len(nodes) <= 40


VARIANTS = """
from hamilton.function_modifiers import config

@config.when(region="eu")
def weight__eu(base: float) -> float:
    return base * 2

@config.when_not(region="eu")
def weight__other(base: float) -> float:
    return base

def scaled(weight: float) -> float:
    return weight
"""
VARIANTS_RUN = """
from hamilton import driver
import flow

dr = driver.Builder().with_modules(flow).with_config({"region": "eu"}).build()
dr.execute(["scaled"], inputs={"base": 1.0})
"""


def test_config_variants_and_one_dataflow(livedag: Run, tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    for folder, region in ((old, "eu"), (new, "us")):
        folder.mkdir()
        write(folder, {"flow.py": VARIANTS.replace('region="eu"', f'region="{region}"')})
        write(folder, {"run.py": VARIANTS_RUN})
    result = livedag("diff", str(old), str(new), "--format", "json", "--dataflow", "run.py")
    assert result.code == 0, result.err
    (flow,) = json.loads(result.out)["dataflows"]
    assert flow["config"]["variants"] == [
        {
            "function": "flow.weight__eu",
            "from": "@config.when(region='eu')",
            "to": "@config.when(region='us')",
        },
        {
            "function": "flow.weight__other",
            "from": "@config.when_not(region='eu')",
            "to": "@config.when_not(region='us')",
        },
    ]
    # built with region=eu, the dataflow now takes the other variant of `weight`
    assert flow["nodes"]["body_changed"] == ["weight"]
    assert flow["lineage"]["outputs_affected"] == ["scaled"]
    (new / "flow.py").write_text((new / "flow.py").read_text() + "\ndef broken(:\n")
    noted = livedag("diff", str(old), str(new))
    assert noted.code == 0 and "flow.py does not parse (SyntaxError)" in noted.err
    unknown = livedag("diff", str(old), str(new), "--dataflow", "nope")
    assert unknown.code == 2 and "no such dataflow on either side" in unknown.err


def test_a_revision_read_into_a_temporary_folder_leaves_the_analysis_cache_alone(
    livedag: Run, history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries for a revision's temporary paths could never be read again: none are written;
    the work tree's are (the next lint or editor start reads them)."""
    from livedag.server.analysis_cache import AnalysisCache

    folder = tmp_path / "cache"
    monkeypatch.setenv("LIVEDAG_CACHE_DIR", str(folder))
    monkeypatch.delenv("LIVEDAG_NO_CACHE", raising=False)
    livedag("diff", "HEAD~1")
    cache = AnalysisCache(folder)
    features = history / "features.py"
    assert cache.load("features", str(features.resolve()), features.read_text()) is not None
    entries = list(folder.glob("*.ldac"))
    work_tree = [p for p in history.glob("*.py")]
    assert len(entries) == len(work_tree), (entries, work_tree)
