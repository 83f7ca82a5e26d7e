"""How the workspace uses entries of the analysis cache (`analysis_cache.py`): a module standing
for its cached analysis until its blocks are needed (`CachedSource`), what an analysis read of
other modules (`reads_closure`, checked on load by `reads_hold`), and whether jedi answered for
it (`AnsweredNames`: then it is not written)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .analysis_cache import Entry, Read

if TYPE_CHECKING:
    from .analyzer import ExternalNames, ModuleAnalysis, ModuleSource


class CachedSource:
    """Stands for a `ModuleSource` whose analysis came from the cache.

    It answers with that analysis until something needs the module's blocks: a text for it
    (the editor opens it, or it changes), another module asking for one of its constants, or a
    refresh that concerns it.  Then the module is parsed for real (`make`) and everything goes
    to that `ModuleSource` from then on, exactly as if it had been analysed at start.
    """

    def __init__(
        self,
        entry: Entry,
        make: Callable[[], ModuleSource],
        external: ExternalNames | None,
    ) -> None:
        self.entry = entry
        self.module = entry.module
        self.path: str | None = entry.path
        self._analysis = entry.analysis
        self._make = make
        self._external = external
        self._modules_read = entry.modules_read()
        self._real: ModuleSource | None = None

    @property
    def real(self) -> ModuleSource | None:
        """The parsed module, once something needed it."""
        return self._real

    def materialize(self, *, catch_up: bool = True) -> ModuleSource:
        """The module parsed for real, in the state a source analysed at start would be in now:
        analysed without jedi's answers (as a fresh process analyses it), then refreshed when
        jedi has answered some of its names since (`catch_up`), as the workspace did then."""
        if self._real is None:
            real = self._make()
            view = real.external
            blind = isinstance(getattr(view, "blind", None), bool)
            if blind:
                view.blind = True  # type: ignore[union-attr]
            try:
                real.update(self._analysis.text)
            finally:
                if blind:
                    view.blind = False  # type: ignore[union-attr]
            self._real = real
            if catch_up and self._answered():
                real.refresh()
        return self._real

    def _answered(self) -> bool:
        pending = self._analysis.pending_names
        return bool(pending) and self._external is not None and self._external.knows_any(pending)

    def update(self, text: str) -> ModuleAnalysis:
        # Any text, the same one too: an editor opening the file is about to type into it, and
        # parsing it now keeps the first keystroke incremental (measured in the 100 x 200
        # benchmark: parsed at the first keystroke instead, that keystroke took 0.2-0.7 s and
        # the next few were slow while the new objects settled).
        return self.materialize().update(text)

    def refresh(self, modules: Collection[str] | None = None) -> ModuleAnalysis | None:
        if self._real is None:
            if modules is None:  # jedi answered: this refresh is the catch-up itself
                return self.materialize(catch_up=False).refresh()
            if self._modules_read.isdisjoint(modules) and not self._answered():
                return self._analysis  # what the real refresh would find: nothing to redo
        return self.materialize().refresh(modules)

    def constant(self, name: str) -> Any:
        return self.materialize().constant(name)


class AnsweredNames:
    """One module's view of the shared `ExternalNames`, noting whether jedi answered it: such
    an analysis is not what a fresh process makes, so it is not written to the on-disk cache."""

    def __init__(self, shared: ExternalNames) -> None:
        self._shared = shared
        self.answered = False
        # While a module from the cache is parsed for real, it is analysed as a fresh process
        # would (no answers), then refreshed: the way the workspace analysed it at start.
        self.blind = False

    def lookup(self, qualified: str) -> str | None:
        found = None if self.blind else self._shared.lookup(qualified)
        if found is not None:
            self.answered = True
        return found

    def knows_any(self, names: Iterable[str]) -> bool:
        return not self.blind and self._shared.knows_any(names)

    def resolve(self, names: Iterable[str]) -> dict[str, str]:
        return self._shared.resolve(names)


def reads_closure(
    start: str,
    reads_of: Callable[[str], Iterable[Read] | None],
) -> tuple[Read, ...] | None:
    """Every read the module at `start` depends on, its own and those of the modules it read,
    transitively; None when one of them cannot be told (the entry must not be written)."""
    found: dict[tuple[str, str], Read] = {}
    seen = {start}
    stack = [start]
    while stack:
        near = stack.pop()
        reads = reads_of(near)
        if reads is None:
            return None
        for read in reads:
            found.setdefault((read.module, read.near), read)
            if read.path is not None and read.path not in seen:
                seen.add(read.path)
                stack.append(read.path)
    return tuple(found.values())


def reads_hold(
    reads: Iterable[Read],
    resolve: Callable[[str, str], str | None],
    hash_of: Mapping[str, str | None] | Callable[[str], str | None],
) -> bool:
    """Whether every read would be answered the same today: the name resolves to the same
    file, whose text has the same hash."""
    lookup = hash_of.get if isinstance(hash_of, Mapping) else hash_of
    for read in reads:
        if resolve(read.module, read.near) != read.path:
            return False
        if read.path is not None and lookup(read.path) != read.text_hash:
            return False
    return True
