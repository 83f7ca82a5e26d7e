"""The idle reading ahead of renames: the consumers of a much-taken parameter are read, others
are left to the first rename that needs them, and an edit re-reads only the edited file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from livedag.server.lsp import plain_consumers, rename_warmup
from livedag.server.lsp.function_source import source_at
from livedag.server.workspace import Workspace


def _module(takers: int) -> str:
    parts = ["def raw_total(seed: int) -> int:\n    return seed\n"]
    parts += [
        f"def use_{i}(raw_total: int) -> int:\n    return raw_total + {i}\n" for i in range(takers)
    ]
    parts.append("def lonely(use_0: int) -> int:\n    return use_0\n")
    return "\n\n".join(parts)


class _Session:
    listeners: list[Any] = []
    snapshot = None


def _read(source: Any) -> set[str]:
    return {key[2] for key, facts in source._facts.items() if facts is not None}


def test_consumers_of_a_much_taken_parameter_are_read_ahead(tmp_path: Path) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text(_module(rename_warmup.HOT))
    workspace = Workspace([tmp_path])
    snapshot = workspace.index()
    warmer = rename_warmup.ConsumerWarmer(_Session())  # type: ignore[arg-type]
    warmer._pending = set(snapshot.paths())
    for _ in warmer._plan(snapshot):
        pass
    source = source_at(snapshot, flow)
    assert source is not None
    takers = {f"use_{i}" for i in range(rename_warmup.HOT)}
    assert _read(source) == takers  # `lonely` and `raw_total` take nothing much-taken
    assert warmer.hot == {"raw_total"}
    read = [c for c in source.consumers.values() if isinstance(c, plain_consumers.Consumer)]
    assert len(read) == rename_warmup.HOT
    # An edit: the file is counted again (one taker fewer: no longer much-taken).
    text = flow.read_text().replace("def use_0(raw_total: int)", "def use_0(seed: int)")
    text = text.replace("return raw_total + 0", "return seed + 0")
    snapshot = workspace.update(flow, text)
    warmer._pending = {flow.resolve()}
    for _ in warmer._plan(snapshot):
        pass
    assert warmer.takers["raw_total"] == rename_warmup.HOT - 1
    assert "raw_total" not in warmer.hot
    source = source_at(snapshot, flow)
    assert source is not None and _read(source) == set()
