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


# A module as users write it, with list-valued tags (Hamilton allows `str | list[str]`); the
# language server's tests ask it the same questions.
LIST_TAGS = (Path(__file__).parent / "contacts_with_list_tags.py").read_text()

# (tag, reaching): questions whose answers Hamilton's driver gives too.
TAG_QUESTIONS = [
    ("pii=email", None),
    ("pii=phone", None),
    ("pii", None),
    ("owner=marketing", None),
    ("artifact=dashboard", None),
    ("pii=email", "artifact"),
    ("pii=phone", "artifact=report"),
    ("owner=crm", "owner=finance"),
    ("pii", "pii=email"),
]


def _filter(text: str) -> dict[str, str | None]:
    key, sep, value = text.partition("=")
    return {key: value if sep else None}


def _values(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


@pytest.mark.parametrize(("tag", "reaching"), TAG_QUESTIONS)
def test_tag_questions_mean_what_hamilton_means(
    livedag: Run, tmp_path: Path, tag: str, reaching: str | None
) -> None:
    """`tagged` is Hamilton's `list_available_variables(tag_filter=...)`; `reaching` keeps the
    downstream nodes the second filter matches; owners are the owner tags of those."""
    from hamilton import driver
    from hamilton.node import matches_query

    from tests.oracle import load_module

    (tmp_path / "contacts.py").write_text(LIST_TAGS)
    dr = driver.Builder().with_modules(load_module(tmp_path / "contacts.py", prefix="ham")).build()
    args = ["lineage", "tagged", tag, str(tmp_path), "--format", "json"]
    result = livedag(*args, *(["--reaching", reaching] if reaching else []))
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    expected_tagged = sorted(v.name for v in dr.list_available_variables(tag_filter=_filter(tag)))
    assert expected_tagged, "a question that finds nothing proves nothing"
    assert [a["node"] for a in doc["answers"]] == expected_tagged
    for found in doc["answers"]:
        below = [v for v in dr.what_is_downstream_of(found["node"]) if v.name != found["node"]]
        if reaching:
            below = [v for v in below if matches_query(v.tags, _filter(reaching))]
        assert found["reaches"] == sorted(v.name for v in below), found["node"]
        owners = {o for v in below if "owner" in v.tags for o in _values(v.tags["owner"])}
        assert found["owners"] == sorted(owners), found["node"]
    shown = {n["name"] for n in doc["nodes"]}
    reached = {n for a in doc["answers"] for n in a["reaches"]}
    assert shown == set(expected_tagged) | (reached if reaching else set())


def test_reaching_lines_show_list_valued_tags(livedag: Run, tmp_path: Path) -> None:
    (tmp_path / "contacts.py").write_text(LIST_TAGS)
    text = livedag("lineage", "tagged", "pii=phone", "--reaching", "artifact", str(tmp_path)).out
    assert text == (
        "contacts -> campaign, report (artifact=['report', 'dashboard']); "
        "owners: finance, marketing, sales\n"
    )
    names = livedag("lineage", "tagged", "pii=email", str(tmp_path)).out
    assert names.split() == ["contacts", "email_hashes"]
