"""The annotations that mark dynamic (parallel) execution, under Hamilton's names.

    def files(folder: str) -> Parallelizable[str]: ...    # each element runs what follows once
    def size(files: str) -> int: ...                       # runs once per file
    def total(size: Collect[int]) -> int: ...              # gathers every run's result

Like the decorators in `livedag.engine.function_modifiers`, these only mark: what they mean for
the graph (the node roles) is decided by the graph rules (`livedag.engine.rules.parallel`), which
recognise Hamilton's `hamilton.htypes` types and these alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

Element = TypeVar("Element", covariant=True)


class Parallelizable(Iterable[Element], Protocol[Element]):
    """A function's return type: its result is iterated and each element flows on separately."""


class Collect(Iterable[Element], Protocol[Element]):
    """A parameter's type: the results of every parallel run of its producer, as one iterable."""


__all__ = ["Collect", "Parallelizable"]
