"""`livedag serve` hands its arguments to the language server's own entry point."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from livedag.server.lsp import server


def test_serve_passes_its_arguments_on(
    livedag: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        seen.append(argv)
        return 7

    monkeypatch.setattr(server, "main", fake_main)
    assert livedag("serve", "--log-level", "debug").code == 7
    assert seen == [["--log-level", "debug"]]


def test_serve_reports_bad_server_arguments(livedag: Callable[..., Any]) -> None:
    result = livedag("serve", "--tcp", "nope")
    assert result.code == 2 and "--tcp wants HOST:PORT" in result.err
