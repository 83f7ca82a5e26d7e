"""Quick fixes, call hierarchy, code lens, inlay hints and document highlights end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.lsp_harness import (
    FEATURES,
    MODEL,
    RUN,
    diagnostics_until,
    open_file,
    position,
    replace_text,
)

pytestmark = pytest.mark.asyncio


def _doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def test_typo_quick_fixes_replace_the_parameter_and_its_uses(
    client: LanguageClient, workspace: Path
) -> None:
    typo = MODEL.replace("age_normalized", "age_normalised")
    uri = open_file(client, workspace / "model.py", MODEL)
    replace_text(client, uri, typo, 2)
    found = await diagnostics_until(client, uri, lambda ds: any(str(d.code) == "LD002" for d in ds))
    diagnostic = next(d for d in found if str(d.code) == "LD002")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=_doc(uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions
    fixes = [a for a in actions if isinstance(a, types.CodeAction)]
    best = fixes[0]
    assert best.title == "Replace `age_normalised` with `age_normalized`"
    assert best.is_preferred
    assert best.edit is not None and best.edit.changes is not None
    edits = best.edit.changes[uri]
    assert [e.new_text for e in edits] == ["age_normalized", "age_normalized"]  # param and use
    assert edits[1].range.start == position(typo, "age_normalised +", offset=0)
    stub = next(a for a in fixes if a.title.startswith("Create function"))
    assert stub.edit is not None and stub.edit.changes is not None
    assert "def age_normalised() -> pd.Series:" in stub.edit.changes[uri][0].new_text


async def test_typo_in_the_parameter_only_is_fixed_by_the_parameter_alone(
    client: LanguageClient, workspace: Path
) -> None:
    typo = MODEL.replace("def score(age_normalized", "def score(age_normalised")
    uri = open_file(client, workspace / "model.py", MODEL)
    replace_text(client, uri, typo, 2)
    found = await diagnostics_until(client, uri, lambda ds: any(str(d.code) == "LD002" for d in ds))
    diagnostic = next(d for d in found if str(d.code) == "LD002")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=_doc(uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions
    best = actions[0]
    assert isinstance(best, types.CodeAction) and best.edit and best.edit.changes
    assert [e.new_text for e in best.edit.changes[uri]] == ["age_normalized"]


async def test_call_hierarchy_is_lineage_across_files(
    client: LanguageClient, workspace: Path
) -> None:
    features = open_file(client, workspace / "features.py")
    model = (workspace / "model.py").as_uri()
    items = await client.text_document_prepare_call_hierarchy_async(
        types.CallHierarchyPrepareParams(
            text_document=_doc(features),
            position=position(FEATURES, "def age_normalized", offset=6),
        )
    )
    assert items and items[0].name == "age_normalized"
    incoming = await client.call_hierarchy_incoming_calls_async(
        types.CallHierarchyIncomingCallsParams(item=items[0])
    )
    assert incoming is not None
    assert [(c.from_.name, c.from_.uri) for c in incoming] == [("score", model)]
    outgoing = await client.call_hierarchy_outgoing_calls_async(
        types.CallHierarchyOutgoingCallsParams(item=items[0])
    )
    assert outgoing is not None
    assert sorted(c.to.name for c in outgoing) == ["age", "contact"]
    # Through a decorator: `age` is made by @extract_columns; its dependency is people_columns.
    age = next(c.to for c in outgoing if c.to.name == "age")
    deeper = await client.call_hierarchy_outgoing_calls_async(
        types.CallHierarchyOutgoingCallsParams(item=age)
    )
    assert deeper is not None and [c.to.name for c in deeper] == ["people_columns"]


async def test_code_lens_counts_follow_edits(client: LanguageClient, workspace: Path) -> None:
    uri = open_file(client, workspace / "features.py")
    # contact <- email <- people_columns <- people <- people_path; -> age_normalized -> score
    titles = await _lens_titles(client, uri, position(FEATURES, "def contact", offset=4))
    assert titles == ["↑ 4 upstream", "↓ 2 downstream"]
    edited = FEATURES.replace("def contact(email: pd.Series)", "def contact(people_path: str)")
    replace_text(client, uri, edited, 2)
    titles = await _lens_titles(client, uri, position(edited, "def contact", offset=4))
    assert titles == ["↑ 1 upstream", "↓ 2 downstream"]  # now only the input


async def _lens_titles(client: LanguageClient, uri: str, start: types.Position) -> list[str]:
    """The titles of the lenses above the function whose name starts at `start`, resolved."""
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=_doc(uri))
    )
    assert lenses is not None
    titles = []
    for lens in lenses:
        if lens.range.start == start:
            resolved = await client.code_lens_resolve_async(lens)
            assert resolved.command is not None
            titles.append(resolved.command.title)
    return titles


async def test_inlay_hints_say_where_a_parameter_comes_from(
    client: LanguageClient, workspace: Path
) -> None:
    model = open_file(client, workspace / "model.py")
    features = open_file(client, workspace / "features.py")
    whole = types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=99, character=0)
    )
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=_doc(model), range=whole)
    )
    assert hints is not None
    assert sorted(str(h.label) for h in hints) == [
        "← features.age_normalized",
        "← features.income_scaled",
    ]
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=_doc(features), range=whole)
    )
    assert hints is not None
    assert [str(h.label) for h in hints] == ["← input"]  # people_path; the rest are local
    assert hints[0].position == position(FEATURES, "people_path:", offset=len("people_path"))


async def test_document_highlight_marks_definition_and_uses(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "features.py")
    found = await client.text_document_document_highlight_async(
        types.DocumentHighlightParams(
            text_document=_doc(uri), position=position(FEATURES, '"email"', offset=2)
        )
    )
    assert found is not None
    kinds = sorted((h.range.start.line, h.kind) for h in found)
    assert kinds == [
        (position(FEATURES, '"email"').line, types.DocumentHighlightKind.Write),
        (position(FEATURES, "email: pd.Series").line, types.DocumentHighlightKind.Read),
    ]


ANNOTATIONS = '''"""Annotation problems."""

import pandas as pd


def spend(raw: pd.Series) -> pd.Series:
    return raw


def daily(spend: dict[str, int], days: int) -> float:
    return len(spend) / days


def unannotated(days: int):
    return days * 2


def doubled(unannotated: int) -> int:
    return unannotated


def also(unannotated: int) -> int:
    return unannotated
'''


async def _fixes(client: LanguageClient, uri: str, code: str) -> list[types.CodeAction]:
    found = await diagnostics_until(client, uri, lambda ds: any(str(d.code) == code for d in ds))
    diagnostic = next(d for d in found if str(d.code) == code)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=_doc(uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    return [a for a in actions or [] if isinstance(a, types.CodeAction)]


@pytest.mark.files({"flow.py": ANNOTATIONS})
async def test_annotation_quick_fixes(client: LanguageClient, workspace: Path) -> None:
    uri = open_file(client, workspace / "flow.py")
    mismatch, reverse = await _fixes(client, uri, "LD004")
    assert mismatch.title == "Annotate `spend` as `pd.Series` (what `spend` returns)"
    assert mismatch.is_preferred
    assert mismatch.edit is not None and mismatch.edit.changes is not None
    (edit,) = mismatch.edit.changes[uri]
    assert edit.new_text == "pd.Series"
    assert edit.range.start == position(ANNOTATIONS, "dict[str, int]")
    assert edit.range.end == position(ANNOTATIONS, "dict[str, int]", offset=len("dict[str, int]"))
    # The reverse: the producer returns what the consumer asks for.
    assert reverse.title == "Make `spend` return `dict[str, int]` (as `daily` annotates it)"
    assert not reverse.is_preferred
    assert reverse.edit is not None and reverse.edit.changes is not None
    (edit,) = reverse.edit.changes[uri]
    assert edit.new_text == "dict[str, int]"
    returns = position(ANNOTATIONS, "-> pd.Series", offset=3)
    assert (edit.range.start, edit.range.end.character) == (returns, returns.character + 9)
    missing = await _fixes(client, uri, "LD005")
    assert [a.title for a in missing] == ["Add `-> int` (how its consumers annotate it)"]
    assert missing[0].edit is not None and missing[0].edit.changes is not None
    (edit,) = missing[0].edit.changes[uri]
    assert edit.new_text == " -> int"
    assert edit.range.start == position(ANNOTATIONS, "(days: int):", offset=len("(days: int)"))


PRODUCER = '''"""Made here."""


def amounts(raw: list) -> list:
    return raw
'''

CONSUMER = '''"""Used here."""

import numpy as np


def total(amounts: np.ndarray) -> float:
    return float(amounts.sum())
'''


@pytest.mark.files(
    {
        "producer.py": PRODUCER,
        "consumer.py": CONSUMER,
        "pyproject.toml": '[tool.livedag.dataflows.main]\nmodules = ["producer", "consumer"]\n',
    }
)
async def test_mismatch_fixes_carry_the_import_each_side_needs(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "consumer.py")
    producer_uri = (workspace / "producer.py").resolve().as_uri()
    mismatch, reverse = await _fixes(client, uri, "LD004")
    assert mismatch.edit is not None and mismatch.edit.changes is not None
    assert [e.new_text for e in mismatch.edit.changes[uri]] == ["list"]  # a builtin: no import
    assert reverse.title == "Make `amounts` return `np.ndarray` (as `total` annotates it)"
    assert reverse.edit is not None and reverse.edit.changes is not None
    assert list(reverse.edit.changes) == [producer_uri]
    annotation, imported = reverse.edit.changes[producer_uri]
    assert annotation.new_text == "np.ndarray"
    assert annotation.range.start == position(PRODUCER, "-> list", offset=3)
    assert imported.new_text == "import numpy as np\n"
    assert imported.range.start == imported.range.end == types.Position(line=1, character=0)


MISSING_RUN = RUN.replace('inputs={"people_path": "people.csv"}', 'inputs={"unused": 1}')


@pytest.mark.files({"features.py": FEATURES, "model.py": MODEL, "run.py": MISSING_RUN})
async def test_missing_input_is_added_to_the_driver_inputs(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "run.py")
    (fix,) = await _fixes(client, uri, "LD010")
    assert fix.title == "Add `people_path` to inputs={...}"
    assert fix.edit is not None and fix.edit.changes is not None
    (edit,) = fix.edit.changes[uri]
    assert edit.new_text == ', "people_path": ...'
    assert edit.range.start == position(MISSING_RUN, "1})", offset=1)


DECLARED = {
    "pyproject.toml": '[tool.livedag.dataflows.main]\nmodules = ["flow"]\ninputs = ["raw"]\n',
    "flow.py": """def cleaned(raw: int) -> int:
    return raw


def scored(cleaned: int, weight: int) -> int:
    return cleaned * weight
""",
}


@pytest.mark.files(DECLARED)
async def test_unknown_name_can_be_declared_as_an_input(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "flow.py")
    fixes = await _fixes(client, uri, "LD002")
    declare = next(f for f in fixes if f.title.startswith("Declare"))
    assert declare.title == "Declare `weight` as an input of dataflow `main` (pyproject.toml)"
    assert declare.edit is not None and declare.edit.changes is not None
    pyproject = (workspace / "pyproject.toml").as_uri()
    (edit,) = declare.edit.changes[pyproject]
    assert edit.new_text == '"weight", '
    assert edit.range.start == types.Position(line=2, character=len("inputs = ["))


async def test_lenses_and_hints_are_refreshed_when_a_graph_changes(
    client: LanguageClient, workspace: Path
) -> None:
    caps = client.capabilities.workspace if client.capabilities else None
    lens_caps = caps.code_lens if caps else None
    if not (lens_caps and lens_caps.refresh_support):
        pytest.skip("this client does not support workspace/codeLens/refresh")
    uri = open_file(client, workspace / "features.py")
    await diagnostics_until(client, uri, lambda ds: True)
    refreshed: dict[str, asyncio.Event] = client.refreshed  # type: ignore[attr-defined]
    for event in refreshed.values():
        event.clear()  # the first graphs (after indexing) may have asked already
    edited = FEATURES.replace("def contact(email: pd.Series)", "def contact(people_path: str)")
    replace_text(client, uri, edited, 2)
    await asyncio.wait_for(refreshed[types.WORKSPACE_CODE_LENS_REFRESH].wait(), 10)
    hint_caps = caps.inlay_hint if caps else None
    if hint_caps and hint_caps.refresh_support:
        await asyncio.wait_for(refreshed[types.WORKSPACE_INLAY_HINT_REFRESH].wait(), 10)


ARTIFACTS = """from hamilton.function_modifiers import tag


def cleaned(raw: int) -> int:
    return raw


@tag(artifact="true")
def report(cleaned: int) -> int:
    return cleaned
"""


@pytest.mark.files({"flow.py": ARTIFACTS})
async def test_code_lens_counts_artifacts_downstream(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "flow.py")
    await diagnostics_until(client, uri, lambda ds: True)
    titles = await _lens_titles(client, uri, position(ARTIFACTS, "def cleaned", offset=4))
    assert titles == ["↑ 1 upstream", "↓ 1 downstream · reaches 1 artifact"]


async def test_the_lens_list_follows_lines_added_above_and_is_the_same_when_asked_again(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_file(client, workspace / "features.py")
    params = types.CodeLensParams(text_document=_doc(uri))
    first = await client.text_document_code_lens_async(params)
    again = await client.text_document_code_lens_async(params)
    assert first and again == first
    at = position(FEATURES, "def contact", offset=4)
    assert sum(1 for lens in first if lens.range.start == at) == 2
    edited = "# a comment\n\n" + FEATURES
    replace_text(client, uri, edited, 2)
    moved = await client.text_document_code_lens_async(params)
    assert moved is not None and len(moved) == len(first)
    assert [lens.range.start.line for lens in moved] == [old.range.start.line + 2 for old in first]
    assert (
        sum(1 for lens in moved if lens.range.start == position(edited, "def contact", offset=4))
        == 2
    )
