"""Hover, definition, references and symbols across files and through decorators, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.lsp_harness import FEATURES, MODEL, RUN, open_file, position

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _text(result: types.Hover | None) -> str:
    assert result is not None
    contents = result.contents
    assert isinstance(contents, types.MarkupContent)
    return contents.value


async def _hover(client: LanguageClient, uri: str, pos: types.Position) -> str:
    return _text(
        await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
        )
    )


async def _definition(
    client: LanguageClient, uri: str, pos: types.Position
) -> list[types.Location]:
    result = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
    )
    assert isinstance(result, list), result
    return [r for r in result if isinstance(r, types.Location)]


def _at(locations: list[types.Location], uri: str, pos: types.Position) -> bool:
    """Some location in `uri` covers `pos`."""
    return any(
        loc.uri == uri
        and loc.range.start.line == pos.line
        and loc.range.start.character <= pos.character <= loc.range.end.character
        for loc in locations
    )


async def test_hover_shows_lineage_on_function_parameter_and_decorator_string(
    shared_client: LanguageClient, shared_workspace: Path
) -> None:
    client, workspace = shared_client, shared_workspace
    uri = open_file(client, workspace / "features.py")

    on_function = await _hover(client, uri, position(FEATURES, "def age_normalized", offset=5))
    assert "age_normalized: pd.Series" in on_function
    assert "Zero mean unit variance age." in on_function
    assert "`owner=data-science`" in on_function
    assert "**Upstream** `age`, `contact`" in on_function
    assert "`score`" in on_function  # downstream, in model.py
    # the loader it rests on with its tags, not the path the loader reads (issue 16)
    assert "`people` (loader, `owner=data-eng`, `source=crm`)" in on_function
    assert "people_path" not in on_function
    assert "**PII** reaches it from `contact`" in on_function

    on_parameter = await _hover(client, uri, position(FEATURES, "age: pd.Series", offset=1))
    assert "**`age`** is satisfied by" in on_parameter
    assert "made by `people_columns`" in on_parameter

    on_string = await _hover(client, uri, position(FEATURES, '"income"', offset=2))
    assert "income: pd.Series" in on_string
    assert "`income_scaled`" in on_string  # downstream through @parameterize(source("income"))
    assert "no PII-tagged node reaches it" in on_string


async def test_definition_across_files_and_through_decorators(
    shared_client: LanguageClient, shared_workspace: Path
) -> None:
    client, workspace = shared_client, shared_workspace
    features = (workspace / "features.py").as_uri()
    model = open_file(client, workspace / "model.py")
    run = open_file(client, workspace / "run.py")

    # A parameter in model.py -> the def in features.py.
    found = await _definition(client, model, position(MODEL, "age_normalized:", offset=2))
    assert _at(found, features, position(FEATURES, "def age_normalized", offset=4))

    # A parameter made by @parameterize -> the decorator that names it.
    found = await _definition(client, model, position(MODEL, "income_scaled:", offset=2))
    assert found and all(loc.uri == features for loc in found)
    assert found[0].range.start.line == position(FEATURES, "@parameterize").line

    # A parameter made by @extract_columns -> the string that names the column.
    open_file(client, workspace / "features.py")
    found = await _definition(client, features, position(FEATURES, "age: pd.Series", offset=1))
    assert _at(found, features, position(FEATURES, '"age"', offset=1))

    # source("income") inside @parameterize -> the column string too.
    found = await _definition(client, features, position(FEATURES, 'source("income")', offset=9))
    assert _at(found, features, position(FEATURES, '"income"', offset=1))

    # A driver string -> the node's definition.
    found = await _definition(client, run, position(RUN, '"score"', offset=2))
    assert _at(found, model, position(MODEL, "def score", offset=4))


async def test_references_find_every_consumer_across_files(
    shared_client: LanguageClient, shared_workspace: Path
) -> None:
    client, workspace = shared_client, shared_workspace
    features = open_file(client, workspace / "features.py")
    model = (workspace / "model.py").as_uri()
    run = (workspace / "run.py").as_uri()

    result = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=features),
            position=position(FEATURES, '"age"', offset=2),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    assert result is not None
    assert _at(result, features, position(FEATURES, "age: pd.Series", offset=1))
    assert _at(result, run, position(RUN, '"age"', offset=1))
    assert not _at(result, features, position(FEATURES, '"age"', offset=1))

    result = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=features),
            position=position(FEATURES, "def age_normalized", offset=5),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert result is not None
    assert _at(result, model, position(MODEL, "age_normalized:", offset=1))
    assert _at(result, features, position(FEATURES, "def age_normalized", offset=5))


async def test_document_symbols_nest_decorator_nodes_under_their_function(
    shared_client: LanguageClient, shared_workspace: Path
) -> None:
    client, workspace = shared_client, shared_workspace
    uri = open_file(client, workspace / "features.py")
    result = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result
    if isinstance(result[0], types.DocumentSymbol):
        tree = {s.name: sorted(c.name for c in s.children or []) for s in result}
        # the function's own node is the symbol itself, not a child too
        assert tree["people_columns"] == ["age", "email", "income"]
        assert tree["scaled"] == ["income_scaled"]
        assert tree["people"] == []
        # The whole statement: from the outermost decorator's `@` to the end of the body.
        people = next(s for s in result if s.name == "people")
        assert people.range.start == position(FEATURES, '@tag(source="crm"')
        assert people.range.end == position(FEATURES, "(people_path)\n", offset=13)
        assert people.selection_range.start == position(FEATURES, "def people(", offset=4)
    else:
        flat = {(s.name, s.container_name) for s in result}
        assert ("income_scaled", "scaled") in flat

    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="incsca"))
    assert found is not None
    assert [s.name for s in found] == ["income_scaled"]
