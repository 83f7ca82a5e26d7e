"""Blocks an edit drops are freed by reference counting, not left for a full collection: the
language server collects the whole heap only in long pauses, so cyclic leftovers of each
keystroke piled up over a day of typing without one."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from livedag.server.analyzer.blocks import Block
from livedag.server.analyzer.module import ModuleSource

HEADER = "import pandas as pd\nLIMIT = 3\n\n\n"


def _module(functions: int) -> str:
    return HEADER + "".join(
        f"def f{i}(raw: pd.Series, f{i - 1 if i else 'x'}: pd.Series) -> pd.Series:\n"
        f"    return raw + {i}\n\n\n"
        for i in range(functions)
    )


@contextmanager
def _no_collector() -> Iterator[None]:
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _blocks_alive() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Block)


def test_edited_blocks_are_freed_without_a_collection() -> None:
    text = _module(30)
    source = ModuleSource("m", "/ws/m.py")
    source.update(text)
    with _no_collector():
        baseline = _blocks_alive()
        for k in range(200):  # body edits, renames and their undo
            edited = text.replace(f"    return raw + {k % 30}\n", f"    return raw * {k}\n")
            if k % 3 == 1:
                edited = edited.replace(f"def f{k % 30}(", f"def g{k % 30}(")
            source.update(edited if k % 4 else text)
        assert _blocks_alive() <= baseline + 2  # the edited block(s), not one per edit


def test_a_whole_new_text_frees_the_old_blocks() -> None:
    source = ModuleSource("m", "/ws/m.py")
    source.update(_module(30))
    with _no_collector():
        baseline = _blocks_alive()
        for k in range(10):  # a paste over everything: the module is split again
            source.update(f"# version {k}\n" * 400 + _module(30 + k % 2))
        assert _blocks_alive() <= baseline + 2
