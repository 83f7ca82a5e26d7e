"""JSON-RPC envelopes, parameter messages and edit repair, on values (no server, no bytes)."""

from __future__ import annotations

from typing import Any

import pytest
from livedag.server.lsp import edit_repair, jsonrpc
from livedag.server.lsp.convert import json_converter
from livedag.server.lsp.jsonrpc import Kind, Rejected
from lsprotocol import types


@pytest.mark.parametrize(
    ("message", "kind", "msg_id"),
    [
        ({"jsonrpc": "2.0", "id": 1, "method": "m"}, Kind.REQUEST, 1),
        ({"jsonrpc": "2.0", "id": "a", "method": "m", "params": []}, Kind.REQUEST, "a"),
        ({"jsonrpc": "2.0", "method": "m", "params": None}, Kind.NOTIFICATION, None),
        ({"jsonrpc": "2.0", "id": 3, "result": None}, Kind.RESPONSE, 3),
    ],
)
def test_valid_envelopes(message: dict[str, Any], kind: Kind, msg_id: Any) -> None:
    found = jsonrpc.envelope(message)
    assert (found.kind, found.msg_id, found.problem) == (kind, msg_id, None)


@pytest.mark.parametrize(
    ("message", "answer_id", "said"),
    [
        ([], None, "a JSON object"),
        ({"jsonrpc": "2.0"}, None, 'neither a "method"'),
        ({"jsonrpc": "1.0", "id": 4, "method": "m"}, 4, '"jsonrpc" must be "2.0", not the string'),
        ({"id": 4, "method": "m"}, 4, '"jsonrpc" must be "2.0", not nothing'),
        ({"jsonrpc": "2.0", "id": {"a": 1}, "method": "m"}, None, '"id" must be'),
        ({"jsonrpc": "2.0", "id": False, "method": "m"}, None, "not false"),
        (
            {"jsonrpc": "2.0", "id": 4, "method": 7},
            4,
            '"method" must be a string, not the number 7',
        ),
        ({"jsonrpc": "2.0", "id": 4, "method": "m", "params": "x"}, 4, "an object or an array"),
    ],
)
def test_invalid_envelopes_say_why_and_which_id_to_answer(
    message: Any, answer_id: Any, said: str
) -> None:
    with pytest.raises(Rejected) as rejected:
        jsonrpc.envelope(message)
    assert rejected.value.code == jsonrpc.INVALID_REQUEST
    assert rejected.value.msg_id == answer_id
    assert said in rejected.value.message


@pytest.mark.parametrize(
    ("response", "said"),
    [
        ({"jsonrpc": "2.0", "id": 1}, "exactly one of"),
        ({"jsonrpc": "2.0", "id": 1, "error": {"code": "x", "message": "m"}}, "integer"),
        ({"jsonrpc": "2.0", "id": [1], "result": 1}, '"id" must be'),
    ],
)
def test_malformed_responses_are_described(response: dict[str, Any], said: str) -> None:
    assert said in (jsonrpc.envelope(response).problem or "")


def test_uris_that_name_no_document_are_found_wherever_they_are() -> None:
    assert jsonrpc.uri_problem({"textDocument": {"uri": "file:///a.py"}}) is None
    assert "params.textDocument.uri contains a NUL" in str(
        jsonrpc.uri_problem({"textDocument": {"uri": "file:///a\x00.py"}})
    )
    found = jsonrpc.uri_problem({"changes": [{"uri": "file:///a"}, {"uri": "file:///\ud800"}]})
    assert found is not None and found.startswith("params.changes[1].uri is not valid Unicode")
    assert "%00" in str(jsonrpc.uri_problem({"rootUri": "file:///x%00y"}))
    assert jsonrpc.uri_problem({"uri": "untitled:%00"}) is None  # names no file anyway
    text = {"textDocument": {"uri": "file:///a.py", "text": "\x00\ud800"}}
    assert jsonrpc.uri_problem(text) is None  # a document's text may hold anything


def test_params_problems_name_the_field_as_the_protocol_does() -> None:
    converter = json_converter()
    bad = {"textDocument": {"uri": 5}, "position": {"line": -1, "character": "0"}}
    with pytest.raises(Exception) as failed:
        converter.structure(
            {"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": bad},
            types.HoverRequest,
        )
    said = jsonrpc.params_problem(failed.value)
    assert "params.textDocument.uri: expected a string" in said
    assert "params.position.character: expected an integer" in said
    assert "text_document" not in said


def _change(version: Any, *edits: Any) -> dict[str, Any]:
    return {
        "textDocument": {"uri": "file:///a.py", "version": version},
        "contentChanges": list(edits),
    }


def _edit(start: tuple[Any, Any], end: tuple[Any, Any]) -> dict[str, Any]:
    points = {"start": start, "end": end}
    return {"range": {k: {"line": v[0], "character": v[1]} for k, v in points.items()}, "text": "x"}


@pytest.mark.parametrize(
    ("version", "last", "used"),
    [(None, 4, 5), (2**31, 4, 5), ("7", None, 1), (-(2**31) - 1, 2**31 - 1, 1), (3, 9, 3)],
)
def test_an_unusable_version_counts_on_from_the_last(version: Any, last: Any, used: int) -> None:
    repaired = edit_repair.repair(types.TEXT_DOCUMENT_DID_CHANGE, _change(version), last)
    assert repaired.params["textDocument"]["version"] == used


def test_positions_are_clamped_into_range_and_the_original_is_untouched() -> None:
    original = _change(2, _edit((-1, 2**40), (2.0, -5)))
    repaired = edit_repair.repair(types.TEXT_DOCUMENT_DID_CHANGE, original, 1)
    edit_range = repaired.params["contentChanges"][0]["range"]
    assert edit_range == {
        "start": {"line": 0, "character": 2**31 - 1},
        "end": {"line": 2, "character": 0},
    }
    assert original["contentChanges"][0]["range"]["start"]["line"] == -1
    assert "contentChanges[0].range.end.line 2.0 taken as 2" in repaired.notes
    assert "contentChanges[0].range.start.line -1 clamped to 0" in repaired.notes


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ([], "not an object"),
        ({"contentChanges": []}, "which document"),
        (_change(2, {"range": None, "text": "x"}), "not a range"),
        (_change(2, {"text": 5}), "no text"),
        (_change(2, _edit(("one", 0), (0, 0))), "not a line or column number"),
        (_change(2, _edit((1.5, 0), (0, 0))), "not a line or column number"),
        ({**_change(2), "contentChanges": "all"}, "not an array"),
    ],
)
def test_what_cannot_be_repaired_says_why(params: Any, said: str) -> None:
    with pytest.raises(edit_repair.Unrepairable, match=said):
        edit_repair.repair(types.TEXT_DOCUMENT_DID_CHANGE, params, 1)


def test_a_did_open_without_a_version_opens_at_version_1() -> None:
    document = {"uri": "file:///a.py", "languageId": None, "version": None, "text": "x = 1\n"}
    repaired = edit_repair.repair(types.TEXT_DOCUMENT_DID_OPEN, {"textDocument": document}, None)
    assert repaired.params["textDocument"]["version"] == 1
    assert repaired.params["textDocument"]["languageId"] == "python"


def test_enum_fields_sent_back_by_the_client_are_sent_on() -> None:
    """VS Code sends a completion item back to resolve it with `insertTextFormat`, `kind`, ...:
    they are read as their enums and the answer is written again (it once failed to be sent)."""
    converter = json_converter()
    sent = {"label": "age", "kind": 6, "insertTextFormat": 1, "insertTextMode": 2, "tags": [1]}
    item = converter.structure(sent, types.CompletionItem)
    assert item.insert_text_format is types.InsertTextFormat.PlainText
    assert converter.unstructure(item) == sent
    newer = converter.structure({"label": "x", "kind": 99}, types.CompletionItem)
    assert converter.unstructure(newer) == {"label": "x", "kind": 99}
