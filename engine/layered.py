"""A name-keyed table that versions share: a flat dict and the few names changed since.

A keystroke re-links a handful of names in a dataflow of 20,000, and the old version must stay as
it was.  Copying a 20,000-entry dict per keystroke (and freeing the old one later) was a large part
of what a keystroke cost.  A `Layered` table keeps the flat dict it started from and, on top, the
entries changed since (None for a removed name); the next version copies only that top layer, and
folds it into a new flat dict once it grows past `FOLD_AT`, so a lookup stays two dict probes and
the copying is spread over hundreds of keystrokes.

Only lookups, membership, length and iteration (the flat dict's order, then names added since)
are offered to readers; writers go through `edited()`, which returns a new table, and
`set`/`remove` (or `table[key] = value`) on that one before anyone else sees it.  Values are
never None (None marks a removed name).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar, overload

K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")

FOLD_AT = 512  # names changed since the flat dict, before they are folded into a new one
_GONE = None


class Layered(Mapping[K, V], Generic[K, V]):
    """`base` with the entries of `top` laid over it (a None value: the name is gone)."""

    __slots__ = ("_base", "_top", "_length")

    def __init__(self, base: dict[K, V], top: dict[K, V | None] | None = None) -> None:
        self._base = base
        self._top: dict[K, V | None] = top if top is not None else {}
        length = len(base)
        for key, value in self._top.items():
            length += (value is not _GONE) - (key in base)
        self._length = length

    @classmethod
    def of(cls, table: Mapping[K, V]) -> Layered[K, V]:
        """`table` as a layered one (itself when it is one; a plain dict is taken, not copied)."""
        if isinstance(table, Layered):
            return table
        return cls(table if isinstance(table, dict) else dict(table))

    def edited(self) -> Layered[K, V]:
        """A new table with these entries, to be changed with `set` and `remove` (this one is
        left as it is): the top layer copied, or everything folded into one flat dict."""
        if len(self._top) < FOLD_AT:
            return Layered(self._base, dict(self._top))
        return Layered(dict(self.items()))

    def set(self, key: K, value: V) -> None:
        if key not in self:
            self._length += 1
        self._top[key] = value

    __setitem__ = set

    def remove(self, key: K) -> None:
        if key in self:
            self._length -= 1
            if key in self._base:
                self._top[key] = _GONE
            else:
                del self._top[key]

    # --- Mapping ---------------------------------------------------------------------------------

    @overload
    def get(self, key: K, /) -> V | None: ...

    @overload
    def get(self, key: K, default: V | D, /) -> V | D: ...

    def get(self, key: K, default: object = None) -> object:
        top = self._top
        if key in top:
            value = top[key]
            return default if value is _GONE else value
        return self._base.get(key, default)

    def __getitem__(self, key: K) -> V:
        top = self._top
        if key in top:
            value = top[key]
            if value is _GONE:
                raise KeyError(key)
            return value
        return self._base[key]

    def __contains__(self, key: object) -> bool:
        top = self._top
        if key in top:
            return top[key] is not _GONE
        return key in self._base

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[K]:
        top = self._top
        for key in self._base:
            if key not in top or top[key] is not _GONE:
                yield key
        for key, value in top.items():
            if value is not _GONE and key not in self._base:
                yield key

    def __repr__(self) -> str:
        return f"Layered({len(self)} entries, {len(self._top)} in the top layer)"
