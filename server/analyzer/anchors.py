"""Locations that move with their block.

An edit that adds a line above a block moves every location in it.  Rebuilding each FunctionSpec
below the edit (thousands, on every Enter) would cost more than the keystroke budget and would
give every one of them a new identity, defeating caches downstream.  Instead, every location the
analyzer makes is relative to its block's `Anchor`; moving a block moves its anchor, and every
location made from it (in FunctionSpecs, in the rules' NodeSpecs and Problems built from them)
reads the new line.  Locations compare, hash and print exactly like plain `Location`s.
"""

from __future__ import annotations

from typing import Any

from livedag.engine.specs import Location


class Anchor:
    """Where a block currently starts (0-based document line); moved when lines shift above it."""

    __slots__ = ("start",)

    def __init__(self, start: int) -> None:
        self.start = start

    def __repr__(self) -> str:
        return f"Anchor({self.start})"


class AnchoredLocation(Location):
    """A `Location` whose lines are counted from an anchor (see the module docstring)."""

    __slots__ = ("_anchor", "_line", "_end_line")
    _anchor: Anchor | None
    _line: int
    _end_line: int

    def __init__(
        self,
        path: str | None,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        anchor: Anchor | None = None,
    ) -> None:
        # `line` and `end_line` are relative to the anchor when there is one, absolute otherwise.
        # Location is frozen: its slots are written past its __setattr__, as dataclasses do.
        set_ = object.__setattr__
        set_(self, "_anchor", anchor)
        set_(self, "_line", line)
        set_(self, "_end_line", end_line)
        set_(self, "path", path)
        set_(self, "column", column)
        set_(self, "end_column", end_column)

    @property
    def line(self) -> int:
        anchor = self._anchor
        return self._line if anchor is None else anchor.start + self._line

    @property
    def end_line(self) -> int:
        anchor = self._anchor
        return self._end_line if anchor is None else anchor.start + self._end_line

    def _key(self) -> tuple[Any, ...]:
        return (self.path, self.line, self.column, self.end_line, self.end_column)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() == (
            other.path,
            other.line,
            other.column,
            other.end_line,
            other.end_column,
        )

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Location(path={self.path!r}, line={self.line}, column={self.column}, "
            f"end_line={self.end_line}, end_column={self.end_column})"
        )

    def stays_with(self, other: Location | None) -> bool:
        return self == other and self._anchor is getattr(other, "_anchor", None)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Location, self._key())

    def __copy__(self) -> AnchoredLocation:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> AnchoredLocation:
        return self
