"""Registers the LSP harness's fixtures and markers for this folder.

Tests import the helpers from `tests.lsp.lsp_harness`, never from a conftest (pytest imports
conftests itself; importing one by hand would load it twice).
"""

from tests.lsp.lsp_harness import (  # noqa: F401  (fixtures and hooks pytest finds by name)
    client,
    pytest_configure,
    shared_client,
    shared_workspace,
    workspace,
)
