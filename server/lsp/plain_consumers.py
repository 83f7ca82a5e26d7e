"""The consumers a rename reaches through a plain parameter, read once: for `rename_plan`.

Most consumers of a node take it as a parameter of their own function, with no decorator naming
it: renaming it there edits the parameter and its uses in the body, which `function_facts` read
once from the function's text.  What `check_consumer` and `rename_parameter` would find for such
a consumer is kept per analysis (`Consumer`, `plain_parameter`, in `ModuleSource.consumers`), and
a node's consumers in one dataflow, merged per file, per snapshot (`ConsumerBlock`), so a rename
of an input that 400 functions take adds its 800 edits a file at a time and writes their JSON
from pieces encoded once (`FileEdits.pieces`).  Any other consumer (a decorator string, another
module, a decorator naming the node, a body unsafe to rename) takes the full path in
`rename_plan`, which must give the same edits (tests compare both).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from livedag.engine.specs import Dependency, Location, NodeSpec

from .function_source import FunctionAt, ModuleSource, path_of, source_at
from .rename_checks import Refused, check_rewritten
from .text_edits import Span

if TYPE_CHECKING:
    from livedag.server.workspace import DataflowView, Snapshot


@dataclass(frozen=True)
class Consumer:
    """A consumer asking for a node through a plain parameter of its own function, with every
    place the rename edits there (the parameter, its uses): what `check_consumer` and
    `rename_parameter` read of it, kept per analysis (`ModuleSource.consumers`).  The rename
    still refuses a new name the function's text holds (`text`), and asks `check_rewritten`,
    which depends on the whole workspace."""

    path: Path
    function: FunctionAt  # the consumer's function (check_consumer checks it)
    asks_in: FunctionAt  # the function the parameter is in (the same one, as a rule)
    spans: tuple[Span, ...]
    text: str  # the piece of the module parsed for it
    touches: tuple[Path, int]  # (path, asks_in.start): the function the edits reach


def plain_consumer(
    snapshot: Snapshot, consumer: NodeSpec, asks_at: Location | None, old: str
) -> tuple[ModuleSource, Consumer | None] | None:
    """The consumer's module and its `Consumer`; None (either) when the consumer needs the full
    path: a decorator string, another module, a decorator naming `old`, a body unsafe to
    rename, a piece that does not parse."""
    loc = consumer.location
    if loc is None or asks_at is None or loc.path is None or asks_at.path != loc.path:
        return None
    source = source_at(snapshot, loc.path)
    if source is None:
        return None
    at = (asks_at.line, asks_at.column, asks_at.end_line, asks_at.end_column)
    key = (*at, loc.line, consumer.function, old)
    try:
        return source, source.consumers[key]
    except KeyError:
        pass
    known = source.consumers[key] = _read_consumer(source, consumer, loc, asks_at, old)
    return source, known


def _read_consumer(
    source: ModuleSource, consumer: NodeSpec, loc: Location, asks_at: Location, old: str
) -> Consumer | None:
    function = source.function_at(loc.line)
    if function is None or function.spec.name != consumer.function:
        return None
    read = plain_parameter(source, asks_at, old)
    if read is None:
        return None
    asks_in, spans, text = read
    path = path_of(asks_at.path or "")
    return Consumer(path, function, asks_in, spans, text, (path, asks_in.start))


PlainParameter = tuple[FunctionAt, tuple[Span, ...], str]


def plain_parameter(source: ModuleSource, location: Location, old: str) -> PlainParameter | None:
    """A parameter `old` at `location` as `rename_parameter` renames it when nothing needs the
    function's AST: its function, the spans (the parameter, its uses) and the text they were
    read from (the new name must not be in it).  None when the full path must decide: a
    string, a computed name, a decorator naming `old`, a body unsafe to rename, a piece that
    does not parse.  Kept per analysis (`ModuleSource.consumers`)."""
    at = (location.line, location.column, location.end_line, location.end_column)
    key = ("parameter", *at, old)
    try:
        return source.consumers[key]
    except KeyError:
        pass
    read = source.consumers[key] = _read_parameter(source, location, old)
    return read


def _read_parameter(source: ModuleSource, location: Location, old: str) -> PlainParameter | None:
    if source.text_at(location) != old:
        return None
    found = source.function_at(location.line)
    if found is None:
        return None
    spec = found.spec
    if spec.location is not None and spec.location.line > location.line:
        return None
    facts = source.facts(found)
    if facts is None or old in facts.decorator_names:
        return None
    relative = facts.uses(old)
    if relative is None:
        return None
    line, shift, width = location.line, found.start - 1, len(old)
    spans = [Span(line, location.column, line, location.end_column)]
    spans += [Span(at + shift, column, at + shift, column + width) for at, column in relative]
    return found, tuple(spans), facts.text


ConsumerRead = tuple[NodeSpec, Dependency, "ModuleSource | None", "Consumer | None"]


class FileEdits:
    """One file's share of a `ConsumerBlock`: its plain consumers' spans, merged."""

    __slots__ = ("keys", "starts", "touched", "_pieces", "_ordered")

    def __init__(self) -> None:
        self.keys: dict[Span, None] = {}
        self.starts: set[tuple[int, int]] = set()
        self.touched: dict[tuple[Path, int], ModuleSource] = {}
        self._pieces: list[str] | None = None
        self._ordered: list[Span] = []

    def ordered(self) -> list[Span]:
        """The spans in the file's order: the spans of `pieces`, one for one."""
        self.pieces()
        return self._ordered

    def pieces(self) -> list[str]:
        """Each edit's `TextEdit` JSON up to its new text, in the file's order, for an ASCII
        file (columns as they are): `rename.workspace_edit_text` adds the new text."""
        if self._pieces is None:
            ordered = self._ordered = sorted(self.keys, key=lambda span: (span.line, span.column))
            self._pieces = [
                f'{{"range":{{"start":{{"line":{span.line - 1},"character":{span.column}}},'
                f'"end":{{"line":{span.end_line - 1},"character":{span.end_column}}}}},'
                '"newText":'
                for span in ordered
            ]
        return self._pieces


class ConsumerBlock:
    """A node's consumers in one dataflow of one snapshot, with what was read of each
    (`reads`, in the graph's order), the ones the full path renames (`slow`), and the plain
    ones merged per file (`files`): renamed together when none of their texts holds the new
    name (`texts`) and every function they edit passed `check_rewritten` (`passed`)."""

    __slots__ = ("view", "reads", "slow", "files", "_texts", "texts", "passed")

    def __init__(self, view: DataflowView) -> None:
        self.view = view
        self.reads: list[ConsumerRead] = []
        self.slow: list[tuple[NodeSpec, Dependency]] = []
        self.files: dict[Path, FileEdits] = {}
        self._texts: list[str] = []
        self.texts = ""  # the plain consumers' texts, "\0" between (`finish`)
        self.passed: bool | None = None

    def add(self, read: ConsumerRead) -> None:
        consumer, dep, source, known = read
        self.reads.append(read)
        if source is None or known is None:
            self.slow.append((consumer, dep))
            return
        share = self.files.get(known.path)
        if share is None:
            share = self.files[known.path] = FileEdits()
        share.keys.update(dict.fromkeys(known.spans))
        share.starts.update((span.line, span.column) for span in known.spans)
        share.touched[known.touches] = source
        self._texts.append(known.text)

    def finish(self) -> None:
        self.texts = "\0".join(self._texts)  # a name cannot hold \0: no match across texts
        self._texts = []

    def renames_together(self, snapshot: Snapshot, old: str, new: str) -> bool:
        """Whether the plain consumers can be renamed a file at a time: what each would do on
        its own then neither refuses nor differs (see the class docstring)."""
        return new not in self.texts and self.checked(snapshot, old)

    def checked(self, snapshot: Snapshot, old: str) -> bool:
        """Whether every function the plain consumers edit passes `check_rewritten` (which
        depends on the function and the snapshot only; asked once)."""
        if self.passed is None:
            self.passed = True
            for _, _, _, known in self.reads:
                if known is not None:
                    try:
                        check_rewritten(snapshot, known.path, known.function, old)
                    except Refused:
                        self.passed = False  # consumer by consumer: the refusal in order
                        break
        return self.passed


_BLOCKS: weakref.WeakKeyDictionary[Snapshot, dict[tuple[int, str], ConsumerBlock]]
_BLOCKS = weakref.WeakKeyDictionary()


def consumer_block(snapshot: Snapshot, view: DataflowView, old: str) -> ConsumerBlock:
    """The view's consumers of `old` with what `plain_consumer` read of each, kept per
    snapshot: renaming a node again, or after the idle warming made it (`rename_warmup`),
    reads nothing."""
    for _ in consumer_block_steps(snapshot, view, old):
        pass
    return _BLOCKS[snapshot][(id(view), old)]


def consumer_block_steps(snapshot: Snapshot, view: DataflowView, old: str) -> Iterator[None]:
    """Make `consumer_block` (when not made yet), yielding every 64 consumers."""
    per_view = _BLOCKS.get(snapshot)
    if per_view is None:
        per_view = _BLOCKS[snapshot] = {}
    known = per_view.get((id(view), old))
    if known is not None and known.view is view:
        return
    block = ConsumerBlock(view)
    for count, (consumer, dep) in enumerate(view.graph.consumers(old)):
        read = plain_consumer(snapshot, consumer, dep.location, old)
        block.add((consumer, dep, *read) if read is not None else (consumer, dep, None, None))
        if count % 64 == 63:
            yield
    block.finish()
    per_view[(id(view), old)] = block
