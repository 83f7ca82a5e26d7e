"""Completion and rename end to end over stdio, with VS Code's and Neovim's capabilities."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.lsp_harness import FEATURES, MODEL, RUN, open_file, position, replace_text

pytestmark = pytest.mark.asyncio


def _doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def _complete(client: LanguageClient, uri: str, pos: types.Position) -> types.CompletionList:
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=_doc(uri), position=pos)
    )
    assert isinstance(result, types.CompletionList), result
    return result


async def test_completion_in_a_parameter_list_of_an_unsaved_buffer(
    client: LanguageClient, workspace: Path
) -> None:
    # A new consumer typed in model.py (not saved): `def churn(age_n` is still being written.
    text = MODEL.replace("import pandas as pd\n", "") + "\n\ndef churn(score: pd.Series, age_n"
    uri = open_file(client, workspace / "model.py", MODEL)
    replace_text(client, uri, text, 2)
    last = text.count("age_n") - 1
    result = await _complete(client, uri, position(text, "age_n", nth=last, offset=5))
    labels = [item.label for item in result.items]
    assert labels[0] == "age_normalized"
    assert "score" not in labels and "churn" not in labels  # in the signature; the function itself
    item = result.items[0]
    assert isinstance(item.text_edit, types.TextEdit)
    assert item.text_edit.new_text == "age_normalized: pd.Series"
    assert item.text_edit.range.start == position(text, "age_n", nth=last)
    # The module lost its pandas import: completion adds it.
    assert item.additional_text_edits is not None
    assert [e.new_text for e in item.additional_text_edits] == ["import pandas as pd\n"]
    caps = client.capabilities.text_document if client.capabilities else None
    support = caps.completion.completion_item.resolve_support if caps and caps.completion else None
    if support is not None and "documentation" in support.properties:  # VS Code: resolved lazily
        assert item.documentation is None
        item = await client.completion_item_resolve_async(item)
    assert isinstance(item.documentation, types.MarkupContent)
    assert "Zero mean unit variance age." in item.documentation.value
    assert "`owner=data-science`" in item.documentation.value


async def test_completion_in_driver_strings_and_tags(
    client: LanguageClient, workspace: Path
) -> None:
    text = RUN + 'dr.what_is_upstream_of("inc")\ndr.execute(["sc"], inputs={"peo": 1})\n'
    uri = open_file(client, workspace / "run.py", text)
    upstream = await _complete(client, uri, position(text, '"inc"', offset=4))
    assert [i.label for i in upstream.items][:2] == ["income", "income_scaled"]
    outputs = await _complete(client, uri, position(text, '"sc"', offset=3))
    assert [i.label for i in outputs.items] == ["score", "scaled"] or outputs.items[
        0
    ].label == "score"
    keys = await _complete(client, uri, position(text, '"peo"', offset=4))
    assert keys.items[0].label == "people_path"  # the external input first
    features = open_file(client, workspace / "features.py")
    tags = await _complete(client, features, position(FEATURES, 'owner="data-science"'))
    assert {"owner", "source", "pii"} <= {i.label for i in tags.items}
    outputs_text = FEATURES.replace(
        '@extract_columns("age"', '@tag_outputs(inc)\n@extract_columns("age"'
    )
    replace_text(client, features, outputs_text, 2)
    targets = await _complete(
        client, features, position(outputs_text, "tag_outputs(inc", offset=15)
    )
    assert [i.label for i in targets.items] == ["income"]


async def test_rename_across_files_and_driver(client: LanguageClient, workspace: Path) -> None:
    features = open_file(client, workspace / "features.py")
    model = open_file(client, workspace / "model.py")
    run = (workspace / "run.py").as_uri()
    # From the parameter that asks for it in model.py: the def in features.py, the parameter and
    # its use in score's body.
    at = position(MODEL, "age_normalized:", offset=3)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=_doc(model), position=at)
    )
    assert isinstance(prepared, types.PrepareRenamePlaceholder), prepared
    assert prepared.placeholder == "age_normalized"
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=_doc(model), position=at, new_name="age_z")
    )
    assert edit is not None and edit.changes is not None
    assert set(edit.changes) == {features, model}
    assert [e.new_text for e in edit.changes[features]] == ["age_z"]
    assert edit.changes[features][0].range.start == position(FEATURES, "age_normalized(")
    assert len(edit.changes[model]) == 2
    # From the def: the driver's execute(["score", ...]) follows.
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=_doc(model),
            position=position(MODEL, "def score", offset=5),
            new_name="churn",
        )
    )
    assert edit is not None and edit.changes is not None
    assert [e.new_text for e in edit.changes[run]] == ["churn"]
    assert edit.changes[run][0].range.start == position(RUN, '"score"', offset=1)


async def test_a_column_named_by_extract_columns_needs_confirmation(
    client: LanguageClient, workspace: Path
) -> None:
    """`@extract_columns("age")` takes the column `age`: renaming the node renames the column
    the function must return.  An editor that can confirm edits (VS Code) gets that edit
    annotated as needing confirmation, saying what else to rename; Neovim 0.7 cannot, and the
    rename is refused saying why."""
    features = open_file(client, workspace / "features.py")
    run = open_file(client, workspace / "run.py")
    at = position(FEATURES, '"age"', offset=2)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=_doc(features), position=at)
    )
    assert isinstance(prepared, types.PrepareRenamePlaceholder) and prepared.placeholder == "age"
    params = types.RenameParams(text_document=_doc(features), position=at, new_name="years")
    caps = client.capabilities.workspace if client.capabilities else None
    edit_caps = caps.workspace_edit if caps is not None else None
    if edit_caps is None or edit_caps.change_annotation_support is None:
        with pytest.raises(Exception, match="cannot ask you to confirm"):
            await client.text_document_rename_async(params)
        return
    edit = await client.text_document_rename_async(params)
    assert edit is not None and edit.document_changes is not None and edit.changes is None
    assert edit.change_annotations is not None
    (annotation_id, annotation), *_ = edit.change_annotations.items()
    assert annotation.needs_confirmation is True
    assert "DataFrame column" in annotation.label
    by_uri = {
        change.text_document.uri: change.edits
        for change in edit.document_changes
        if isinstance(change, types.TextDocumentEdit)
    }
    annotated = [e for e in by_uri[features] if getattr(e, "annotation_id", None) == annotation_id]
    assert [e.range.start for e in annotated] == [position(FEATURES, '"age"', offset=1)]
    plain = [e for e in by_uri[features] if getattr(e, "annotation_id", None) is None]
    # age_normalized(age: ...): the parameter and its three uses in the body.
    assert len(plain) == 4 and {e.new_text for e in plain} == {"years"}
    assert [e.range.start for e in by_uri[run]] == [position(RUN, '"age"', offset=1)]


async def test_rename_a_parameterize_keyword_and_refuse_collisions(
    client: LanguageClient, workspace: Path
) -> None:
    features = open_file(client, workspace / "features.py")
    model = open_file(client, workspace / "model.py")
    at = position(MODEL, "income_scaled:", offset=2)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=_doc(model), position=at)
    )
    assert isinstance(prepared, types.PrepareRenamePlaceholder)
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=_doc(model), position=at, new_name="income_x2")
    )
    assert edit is not None and edit.changes is not None
    (keyword,) = edit.changes[features]
    assert keyword.range.start == position(FEATURES, "income_scaled=dict")
    assert len(edit.changes[model]) == 2
    with pytest.raises(Exception, match="already a node"):
        await client.text_document_rename_async(
            types.RenameParams(
                text_document=_doc(features),
                position=position(FEATURES, "def contact", offset=5),
                new_name="income",
            )
        )


CONFIGURED = {
    "flow.py": """from hamilton.function_modifiers import config


@config.when(region="eu")
def price__eu(base: float) -> float:
    return base


def total(price: float) -> float:
    return price
""",
    "run.py": """from hamilton import driver

import flow

dr = driver.Builder().with_modules(flow).with_config({"region": "eu", "mode": "fast"}).build()
""",
}


@pytest.mark.files(CONFIGURED)
async def test_completion_of_config_keys_in_config_when(
    client: LanguageClient, workspace: Path
) -> None:
    text = CONFIGURED["flow.py"].replace('@config.when(region="eu")', "@config.when(re)")
    uri = open_file(client, workspace / "flow.py", text)
    found = await _complete(client, uri, position(text, "when(re", offset=len("when(re")))
    assert [i.label for i in found.items] == ["region"]


CHECKED = """
import pandas as pd
from hamilton.function_modifiers import check_output


@check_output(range=(0, 1))
def share(total: pd.Series) -> pd.Series:
    return total / total.sum()


def report(sh"""


@pytest.mark.files({"flow.py": CHECKED})
async def test_completion_leaves_out_check_output_internals(
    client: LanguageClient, workspace: Path
) -> None:
    """`share_raw` and `share_range_validator` are part of `share` (the preview folds them in):
    a parameter list is offered `share` only."""
    uri = open_file(client, workspace / "flow.py", CHECKED)
    result = await _complete(client, uri, position(CHECKED, "report(sh", offset=9))
    labels = [item.label for item in result.items]
    assert "share" in labels
    assert not [label for label in labels if label.startswith("share_")], labels
