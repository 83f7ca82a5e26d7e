"""Registers the LSP harness's fixtures and markers for this folder.

Tests import helpers from `lsp_harness` by that unique name: `from conftest import ...` would
resolve to whichever folder's conftest pytest happened to import first.
"""

from lsp_harness import (  # noqa: F401  (fixtures and hooks pytest finds by name)
    client,
    pytest_configure,
    shared_client,
    shared_workspace,
    workspace,
)
