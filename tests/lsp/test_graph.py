"""The custom protocol end to end: livedag/graph, livedag/lineage, livedag/graphChanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from livedag.server.cli import main
from pygls.exceptions import JsonRpcInvalidParams
from pytest_lsp import LanguageClient

from tests.lsp.lsp_harness import MODEL, open_file, replace_text, until

pytestmark = pytest.mark.asyncio


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


async def _request(client: LanguageClient, method: str, params: dict[str, Any]) -> Any:
    return _plain(await client.protocol.send_request_async(method, params))


async def test_graph_of_a_document_and_of_a_focused_node(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "model.py")
    whole = await _request(client, "livedag/graph", {"uri": uri})
    assert whole["dataflow"] == f"driver:{(workspace / 'run.py').resolve()}"
    assert isinstance(whole["version"], int)
    nodes = {n["name"]: n for n in whole["nodes"]}
    assert {"score", "age", "income_scaled", "people_path"} <= set(nodes)
    score = nodes["score"]
    assert score["kind"] == "function" and score["type"] == "pd.Series"
    assert score["module"] == "model" and score["function"] == "score"
    assert score["doc"] == "The churn score."
    assert score["location"]["uri"] == uri
    assert score["location"]["range"]["start"] == {"line": 5, "character": 4}
    assert nodes["people_path"]["kind"] == "input" and nodes["people_path"]["location"] is None
    assert nodes["age_normalized"]["tags"] == {"owner": "data-science"}
    edges = {(e["source"], e["target"]) for e in whole["edges"]}
    assert ("age_normalized", "score") in edges and ("income", "income_scaled") in edges
    assert whole["dot"].startswith("digraph") and "score" in whole["dot"]
    assert whole["mermaid"].startswith("flowchart")

    focused = await _request(
        client,
        "livedag/graph",
        {"uri": uri, "node": "age_normalized", "depth": 1, "direction": "upstream"},
    )
    assert focused["focus"] == "age_normalized"
    assert sorted(n["name"] for n in focused["nodes"]) == ["age", "age_normalized", "contact"]

    with pytest.raises(JsonRpcInvalidParams, match="did you mean"):
        await _request(client, "livedag/graph", {"uri": uri, "node": "age_normalised"})
    assert await _request(client, "livedag/graph", {"uri": "file:///nowhere/x.py"}) is None


async def test_lineage_questions(client: LanguageClient, workspace: Path) -> None:
    uri = (workspace / "features.py").as_uri()
    up = await _request(
        client, "livedag/lineage", {"uri": uri, "question": "upstream", "node": "score"}
    )
    assert "people_path" in {n["name"] for n in up["nodes"]}
    path = await _request(
        client,
        "livedag/lineage",
        {"uri": uri, "question": "path", "node": "email", "target": "score"},
    )
    assert path["paths"] == [["email", "contact", "age_normalized", "score"]]
    tagged = await _request(
        client, "livedag/lineage", {"uri": uri, "question": "tagged", "tag": "pii=true"}
    )
    (answer,) = tagged["answers"]
    assert answer["node"] == "contact"
    assert answer["reaches"] == ["age_normalized", "score"]
    assert answer["owners"] == ["data-science"]


EXAMPLE = Path(__file__).resolve().parent.parent.parent / "examples"
EXAMPLE_FILES = {p.name: p.read_text() for p in sorted(EXAMPLE.glob("*.py"))}
LIST_TAGS = {"contacts.py": (EXAMPLE.parent / "tests/cli/contacts_with_list_tags.py").read_text()}


def _cli_lineage(capsys: pytest.CaptureFixture[str], folder: Path, params: dict[str, Any]) -> Any:
    """The same question asked of `livedag lineage` (the command, in this process)."""
    argv = ["lineage", params["question"]]
    argv += [params[k] for k in ("node", "target", "tag") if k in params]
    for option in ("depth", "reaching"):
        if option in params:
            argv += [f"--{option}", str(params[option])]
    capsys.readouterr()
    code = main([*argv, "--format", "json", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def _same(server: dict[str, Any], cli: dict[str, Any]) -> None:
    assert [n["name"] for n in server["nodes"]] == [n["name"] for n in cli["nodes"]]
    assert server.get("paths") == cli.get("paths")
    assert server.get("answers") == cli.get("answers")


async def _both_surfaces_agree(
    client: LanguageClient,
    capsys: pytest.CaptureFixture[str],
    uri: str,
    folder: Path,
    questions: list[dict[str, Any]],
) -> None:
    for params in questions:
        server = await _request(client, "livedag/lineage", {"uri": uri, **params})
        cli = _cli_lineage(capsys, folder, params)
        assert cli["nodes"], f"{params} finds nothing: it proves nothing"
        _same(server, cli)


@pytest.mark.files(EXAMPLE_FILES)
async def test_server_and_command_answer_alike_on_the_example(
    client: LanguageClient, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = open_file(client, workspace / "features.py")
    questions: list[dict[str, Any]] = [
        {"question": "upstream", "node": "churn_scores"},
        {"question": "upstream", "node": "churn_scores", "depth": 1},
        {"question": "downstream", "node": "email"},
        {"question": "path", "node": "email", "target": "churn_scores"},
        {"question": "tagged", "tag": "PII=true"},
        {"question": "tagged", "tag": "PII=true", "reaching": "artifact"},
        {"question": "tagged", "tag": "owner=data-eng", "reaching": "artifact=churn_scores"},
        {"question": "tagged", "tag": "source", "reaching": "owner"},
    ]
    await _both_surfaces_agree(client, capsys, uri, workspace, questions)
    # the owners of what `email` reaches, not of `email` itself (data-eng)
    email = await _request(
        client, "livedag/lineage", {"uri": uri, "question": "tagged", "tag": "PII=true"}
    )
    assert {a["node"]: a["owners"] for a in email["answers"]}["email"] == ["data-science"]


@pytest.mark.files(LIST_TAGS)
async def test_server_and_command_answer_alike_on_list_valued_tags(
    client: LanguageClient, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = open_file(client, workspace / "contacts.py")
    questions: list[dict[str, Any]] = [
        {"question": "tagged", "tag": "pii=phone"},
        {"question": "tagged", "tag": "pii=email", "reaching": "artifact"},
        {"question": "tagged", "tag": "owner=marketing", "reaching": "artifact=dashboard"},
        {"question": "downstream", "node": "contacts", "depth": 2},
    ]
    await _both_surfaces_agree(client, capsys, uri, workspace, questions)


async def test_lineage_params_are_checked(client: LanguageClient, workspace: Path) -> None:
    uri = open_file(client, workspace / "features.py")
    for params, message in (
        ({"question": "upstream"}, "needs the name of a node"),
        ({"question": "upstream", "node": "score", "depth": -1}, "depth must be 0 or more"),
        ({"question": "tagged", "tag": "=x"}, "is not a tag"),
        ({"question": "lineage"}, "must be one of"),
        ({"question": "upstream", "node": "scor"}, "did you mean 'score'"),
    ):
        with pytest.raises(JsonRpcInvalidParams, match=message):
            await _request(client, "livedag/lineage", {"uri": uri, **params})


async def test_graph_changed_is_sent_when_an_edit_alters_the_graph(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "model.py")
    await _request(client, "livedag/graph", {"uri": uri})  # indexed by now
    seen: list[Any] = []

    def changed_by_edit() -> bool:
        return any(uri in _plain(p)["uris"] for p in seen)

    @client.feature("livedag/graphChanged")
    def record(params: Any) -> None:
        seen.append(params)

    edited = MODEL + "\n\ndef bonus(score: float) -> float:\n    return score * 2\n"
    replace_text(client, uri, edited, version=2)
    await until(client, "livedag/graphChanged", changed_by_edit)
    note = _plain(seen[-1])
    assert note["dataflows"] == [f"driver:{(workspace / 'run.py').resolve()}"]
    graph = await _request(client, "livedag/graph", {"uri": uri})
    assert "bonus" in {n["name"] for n in graph["nodes"]}
    assert graph["version"] >= note["version"]
