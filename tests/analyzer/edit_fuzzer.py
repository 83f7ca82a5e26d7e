"""The edit-consistency fuzzer: random edits through the keystroke path, each result compared with a
fresh analysis of the same text.

Edits are seeded and replayable: each stores positions that `apply` takes modulo the text's
length, so any sub-list of edits still applies, which is what shrinking a failure needs.  A failure
is shrunk to a minimal edit list and a minimal starting text and printed as Python literals that
reproduce it.  `tests/analyzer/test_edit_fuzzer.py` runs a quick profile; `bench/edit_fuzz.py` a
long one.
"""

from __future__ import annotations

import ast
import random
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from livedag.server.analyzer import ModuleAnalysis, ModuleSource, analyze_source

_SNIPPETS = [
    "else", "else:", ":", "(", ")", "[", "]", "{", "}", '"""', "'''", '"', "'", "#", "\n", "\r",
    "\r\n", "    ", "\t", "def ", "class ", "@", " = ", "return ", "é", "😀", "ü", "\\", ",", "x",
    "pass\n", "if x:\n", "try:\n", "except* E:\n", "async ", "await ", "lambda: 0", "f'{x}'",
    "List[Foo]", "Foo | None", "-> int", ": int", "import ", "from ", "*", "**", "...", "'''\n",
    '"""\n', "\n:", "\n\n\n", "del ", "yield ", "global x\n", ";", "=", "->",
]  # fmt: skip
_WORDS = ["total", "pd.Series", "def f(x: int) -> int:\n    return x\n", '"""Doc."""', "source"]
_DECORATORS = [
    '@tag(owner="fuzz")',
    "@extract_columns(*COLUMNS)",
    "@config.when(region=dict(a=1)['a'])",
    "@tag(**SETTINGS)",
    "@parameterize(p=dict(x=source('a')))",
    "@does(_helper)",
    "@check_output(range=(0, 1))",
]
_DEF = re.compile(r"^(?:async )?def (\w+)\(([^):,=]*)", re.MULTILINE)


@dataclass(frozen=True)
class Edit:
    """One edit; positions are taken modulo the text's length when applied."""

    kind: str
    pos: int
    length: int = 0
    payload: str = ""

    def apply(self, text: str, history: Sequence[str]) -> str:
        n = len(text)
        if self.kind == "insert":
            at = self.pos % (n + 1)
            return text[:at] + self.payload + text[at:]
        if self.kind == "delete":
            at = self.pos % (n + 1)
            return text[:at] + text[at + self.length :]
        if self.kind == "line":  # insert at a line start
            starts = _line_starts(text)
            at = starts[self.pos % len(starts)]
            return text[:at] + self.payload + text[at:]
        if self.kind == "ending":  # change one line ending
            ends = [m.start() for m in re.finditer(r"\r\n|\r|\n", text)]
            if not ends:
                return text
            at = ends[self.pos % len(ends)]
            width = 2 if text.startswith("\r\n", at) else 1
            return text[:at] + self.payload + text[at + width :]
        if self.kind == "rename":  # a function's first parameter, everywhere as a word
            found = list(_DEF.finditer(text))
            names = [m.group(2).split(":")[0].strip() for m in found]
            names = [name for name in names if name.isidentifier()]
            if not names:
                return text
            old = names[self.pos % len(names)]
            return re.sub(rf"\b{re.escape(old)}\b", self.payload, text)
        if self.kind == "decorate":
            found = [m.start() for m in _DEF.finditer(text)]
            if not found:
                return text
            at = found[self.pos % len(found)]
            return text[:at] + self.payload + "\n" + text[at:]
        if self.kind == "undo":
            return history[-1 - self.pos % len(history)] if history else text
        if self.kind == "fix":  # back to the last text that parsed, as a user fixes errors
            for earlier in reversed(history):
                if _parses(earlier):
                    return earlier
            return text
        raise ValueError(f"unknown edit {self.kind}")


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]


def random_edits(rng: random.Random, text: str, others: Sequence[str]) -> list[Edit]:
    """One user action: usually one edit, sometimes a short burst (typing a word, a syntax
    error made and fixed)."""
    n = len(text)
    roll = rng.random()
    if roll < 0.30:
        return [Edit("insert", rng.randrange(n + 1), payload=rng.choice(_SNIPPETS))]
    if roll < 0.42:
        return [Edit("delete", rng.randrange(n + 1), rng.choice([1, 1, 2, 5, 20, 80]))]
    if roll < 0.50:
        word, at = rng.choice(_WORDS), rng.randrange(n + 1)
        return [Edit("insert", at + i, payload=ch) for i, ch in enumerate(word)]  # typed
    if roll < 0.58:
        other = rng.choice(others)
        a = rng.randrange(len(other) + 1)
        chunk = other[a : a + rng.choice([10, 60, 200, 600])]
        return [Edit("line", rng.randrange(10_000), payload=chunk)]  # pasted
    if roll < 0.65:
        return [Edit("rename", rng.randrange(1000), payload=rng.choice(["x", "spend", "café"]))]
    if roll < 0.72:
        return [Edit("decorate", rng.randrange(1000), payload=rng.choice(_DECORATORS))]
    if roll < 0.80:  # a syntax error made, then fixed
        at, snippet = rng.randrange(n + 1), rng.choice(["(", '"""', "else", ":", "[", "'''"])
        return [Edit("insert", at, payload=snippet), Edit("delete", at, len(snippet))]
    if roll < 0.88:
        return [Edit("ending", rng.randrange(10_000), payload=rng.choice(["\r\n", "\r", "\n"]))]
    if roll < 0.94:
        return [Edit("line", rng.randrange(10_000), payload=rng.choice(["é = 'ü'\n", "😀\n"]))]
    if roll < 0.97:
        return [Edit("undo", rng.randrange(5))]
    return [Edit("fix", 0)]


@dataclass
class Mismatch:
    """The keystroke path disagreed with a fresh analysis."""

    base: str
    edits: list[Edit]
    difference: str
    shrunk: bool = False

    def report(self) -> str:
        edits = ",\n    ".join(repr(e) for e in self.edits)
        return (
            f"keystroke path != fresh analysis: {self.difference}\n"
            f"base = {self.base!r}\nedits = [\n    {edits},\n]"
        )


def _locations(analysis: ModuleAnalysis) -> list[Any]:
    out: list[Any] = []
    for spec in analysis.functions:
        out.append((spec.name, spec.location, [p.location for p in spec.parameters]))
        for call in spec.decorators:
            out.append((call.name, call.location))
    return out


def difference(mine: ModuleAnalysis, fresh: ModuleAnalysis) -> str | None:
    """What differs between two analyses of the same text (None: nothing)."""
    if mine.functions != fresh.functions:
        names = [f.name for f in mine.functions], [f.name for f in fresh.functions]
        if names[0] != names[1]:
            return f"functions {names[0]} != {names[1]}"
        for a, b in zip(mine.functions, fresh.functions, strict=True):
            if a != b:
                return f"function {a.name}: {a!r} != {b!r}"
    if _locations(mine) != _locations(fresh):
        return f"locations {_locations(mine)} != {_locations(fresh)}"
    problems = [(p.code, p.message, p.location, p.related) for p in mine.problems]
    expected = [(p.code, p.message, p.location, p.related) for p in fresh.problems]
    if problems != expected:
        return f"problems {problems} != {expected}"
    if dict(mine.imports) != dict(fresh.imports):
        return f"imports {dict(mine.imports)} != {dict(fresh.imports)}"
    if mine.drivers != fresh.drivers:
        return f"drivers {mine.drivers} != {fresh.drivers}"
    if mine.pending_names != fresh.pending_names:
        return f"pending names {mine.pending_names} != {fresh.pending_names}"
    return None


def replay(base: str, edits: Sequence[Edit]) -> str | None:
    """The first difference met applying `edits` to `base` one at a time, if any."""
    source = ModuleSource("m", "/ws/m.py")
    text = base
    history: list[str] = []
    found = difference(source.update(text), analyze_source(text, module="m", path="/ws/m.py"))
    if found:
        return found
    for edit in edits:
        history.append(text)
        text = edit.apply(text, history)
        found = difference(source.update(text), _fresh(text))
        if found:
            return found
    return None


def _fresh(text: str) -> ModuleAnalysis:
    return analyze_source(text, module="m", path="/ws/m.py")


def _ddmin(items: list[Any], fails: Callable[[list[Any]], bool]) -> list[Any]:
    """A 1-minimal sub-list of `items` for which `fails` still holds (delta debugging)."""
    chunks = 2
    while len(items) >= 2:
        size = max(len(items) // chunks, 1)
        for start in range(0, len(items), size):
            rest = items[:start] + items[start + size :]
            if fails(rest):
                items, chunks = rest, max(chunks - 1, 2)
                break
        else:
            if size == 1:
                break
            chunks = min(chunks * 2, len(items))
    return items


def shrink(mismatch: Mismatch, budget: int = 2000) -> Mismatch:
    """The same kind of failure with as few edits and as little starting text as it takes."""
    calls = 0

    def fails(base: str, edits: list[Edit]) -> bool:
        nonlocal calls
        calls += 1
        return calls <= budget and replay(base, edits) is not None

    edits = _ddmin(list(mismatch.edits), lambda e: fails(mismatch.base, e))
    lines = mismatch.base.splitlines(keepends=True)
    lines = _ddmin(lines, lambda kept: fails("".join(kept), edits))
    base = "".join(lines)
    found = replay(base, edits)
    if found is None:  # the budget ran out mid-way: keep what is known to fail
        return mismatch
    return Mismatch(base, edits, found, shrunk=True)


@dataclass
class FuzzResult:
    edits: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)


def fuzz(modules: Sequence[str], edits_per_module: int, seed: int) -> FuzzResult:
    """Random edits to each module through one `ModuleSource`, each compared with a fresh
    analysis.  After a mismatch the module goes on from the current text with a new source."""
    result = FuzzResult()
    for index, base in enumerate(modules):
        rng = random.Random(seed * 100_003 + index)
        source, text, start = ModuleSource("m", "/ws/m.py"), base, base
        source.update(text)
        history: list[str] = []
        applied: list[Edit] = []
        while len(applied) < edits_per_module:
            for edit in random_edits(rng, text, modules):
                history.append(text)
                text = edit.apply(text, history)
                applied.append(edit)
                result.edits += 1
                found = difference(source.update(text), _fresh(text))
                if found:
                    result.mismatches.append(Mismatch(start, list(applied), found))
                    source, start, applied, history = ModuleSource("m", "/ws/m.py"), text, [], []
                    source.update(text)
                    break
    return result
