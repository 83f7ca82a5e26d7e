"""Every construct of Python's grammar goes through the analyzer without an exception and without
an LD012: the isolation of failures (test_failures.py) must not hide bugs.

A construct newer than the running Python is a syntax error there: it must then be an LD007 on its
own block, never an exception, and the rest of the module is still analysed.  Each case is
analysed fresh, and typed into a `ModuleSource` piece by piece (the keystroke path), which must
agree with the fresh analysis after every piece."""

from __future__ import annotations

import ast
import logging
import sys
import textwrap
from collections.abc import Iterator

import pytest
from livedag.engine.codes import Code
from livedag.server.analyzer import ModuleAnalysis, ModuleSource, analyze_source

HEADER = textwrap.dedent(
    """\
    from __future__ import annotations
    import typing
    from dataclasses import dataclass
    from typing import (
        Annotated, Any, Callable, List, Literal, Optional, Sequence, TypeAlias, TypedDict,
    )
    import pandas as pd
    from hamilton.function_modifiers import (
        config, extract_columns, extract_fields, parameterize, source, tag, value,
    )
    from hamilton.htypes import Collect, Parallelizable
    """
)
CANARY = "\n\ndef canary(x: int) -> int:\n    return x\n"

# (name, source, the oldest Python whose parser accepts it)
CASES: list[tuple[str, str, tuple[int, int]]] = [
    (
        "type aliases",
        """
        Verdict = bool | None
        Frame: TypeAlias = "pd.DataFrame"
        Pair = tuple[int, int]
        def all_ok(verdicts: Sequence[Verdict], pair: Pair) -> bool: ...
        def frames(a: List[Frame], b: Optional[Verdict], c: dict[str, list[Verdict]]) -> Frame:
            return a[0]
        """,
        (3, 10),
    ),
    ("PEP 695 type statement", "type Point = tuple[float, float]\n", (3, 12)),
    ("PEP 695 generic alias", "type ListOrSet[T] = list[T] | set[T]\n", (3, 12)),
    ("PEP 695 generic function", "def first[T](xs: list[T]) -> T:\n    return xs[0]\n", (3, 12)),
    (
        "PEP 695 bounds, TypeVarTuple and ParamSpec",
        "def g[T: int, *Ts, **P](x: T, *a: *Ts) -> T:\n    return x\n",
        (3, 12),
    ),
    ("PEP 695 generic class", "class Box[T]:\n    item: T\n", (3, 12)),
    ("PEP 696 type parameter defaults", "def h[T = int](x: T) -> T:\n    return x\n", (3, 13)),
    (
        "match statements",
        """
        command = "go"
        match command.split():
            case [action]:
                def matched(x: int) -> int:
                    return x
            case [action, obj] if obj:
                pass
            case {"k": v, **rest}:
                pass
            case pd.DataFrame(shape=(rows, _)) | [*_, 0]:
                pass
            case str() as s if (n := len(s)) > 2:
                pass
            case _:
                pass
        def matcher(x: int) -> int:
            match x:
                case 1 | 2:
                    return 1
                case int(y):
                    return y
            return 0
        """,
        (3, 10),
    ),
    (
        "walrus",
        """
        (limit := 10)
        @tag(size=str(n := 3), bound=f"{(m := 4)}")
        def walrus(a: int = (b := 2)) -> int:
            if (c := a + 1) > 2:
                return [y for x in range(3) if (y := x)][0]
            return c
        """,
        (3, 10),
    ),
    (
        "PEP 604 annotations, resolved or not",
        """
        def union(a: int | None, b: Foo | None, c: list[int | None] | dict[str, "Foo"]) -> X | None:
            return None
        def unresolved(a: "Foo | None") -> List[Foo]:
            return []
        def deep(a: Annotated[Foo, Bar()], b: Callable[[Foo], Bar], c: Foo[int]) -> Foo.Bar[Baz]:
            pass
        """,
        (3, 10),
    ),
    (
        "PEP 646 star annotations",
        """
        from typing import TypeVarTuple
        Ts = TypeVarTuple("Ts")
        def variadic(*args: *Ts) -> tuple[int, *Ts]:
            return (1, *args)
        def shape(x: Array[*Ts], y: tuple[*Ts, int]) -> Array[int, *Ts]:
            return x
        """,
        (3, 11),
    ),
    (
        "star-expressions in subscripts",
        """
        idx = (1, 2)
        picked = grid[*idx]
        sliced = grid[1:2, ..., ::3, -1:]
        @tag(cell=str(grid[*idx]), part=str((1, 2, 3)[1:]))
        def starred(x: int) -> int:
            return grid[*idx, 0]
        """,
        (3, 11),
    ),
    (
        "decorators on classes",
        """
        @dataclass(frozen=True)
        class Settings:
            name: str = "x"
        @tag(owner="a")
        class Tagged:
            pass
        @typing.final
        @dataclass
        class Both(Settings):
            other: int = 0
        def settings(s: Settings, t: Tagged) -> Both:
            return Both()
        """,
        (3, 10),
    ),
    (
        "nested functions, closures, global and nonlocal",
        """
        counter = 0
        global counter
        def outer(x: int) -> int:
            global counter
            total = 0
            def inner(y: int) -> int:
                nonlocal total
                total += y
                class Local:
                    def method(self) -> int:
                        return total
                return Local().method()
            return inner(x)
        """,
        (3, 10),
    ),
    (
        "lambdas in defaults and decorator arguments",
        """
        def keyed(x: int, key=lambda v, *a, w=1, **k: v * 2, other=(lambda: 1)()) -> int:
            return key(x)
        @tag(a=str((lambda v=1: v)()), b=str((lambda: 1)(2)), c=str((lambda *a, **k: k)(z=1)))
        def lambdas(x: int) -> int:
            return x
        WRONG = (lambda a: a)()
        @tag(w=WRONG)
        def uses_wrong(x: int) -> int:
            return x
        """,
        (3, 10),
    ),
    (
        "async code and async comprehensions",
        """
        SQUARES = [i async for i in source_of_numbers()]
        async def fetched(url: str) -> str:
            async with session() as s:
                async for chunk in s:
                    await chunk
            return [x async for x in aiter_of(url) if await x][0]
        async def generated(n: int) -> typing.AsyncIterator[int]:
            yield n
        @tag(k=str([x async for x in y]))
        def async_arg(x: int) -> int:
            return x
        """,
        (3, 10),
    ),
    (
        "f-strings, nested quotes and specs",
        """
        width = 8
        name = "n"
        label = f"{name!r:>{width}}-{'a'}-{name=}-{width:#x}-{{literal}}"
        @tag(owner=f"{name}{'-'.join(['a', 'b'])}", spec=f"{3.14159:.{2}f}", conv=f"{name!a}")
        def formatted(x: int) -> str:
            return f"{x}" f'{x!s}' rf"\\d{x}" + f'''{x}'''
        """,
        (3, 10),
    ),
    (
        "PEP 701 f-strings",
        'd = {"k": 1}\n'
        'text = f"{d["k"]}-{"\\n".join(["a"])}"\n'
        '@tag(owner=f"{d["k"]}")\n'
        "def pep701(x: int) -> int:\n    return x\n",
        (3, 12),
    ),
    (
        "try/except* and friends",
        """
        try:
            import numpy as np
        except* ImportError:
            np = None
        try:
            def guarded(x: int) -> int:
                return x
        except (ValueError, TypeError) as err:
            def fallback(x: int) -> int:
                return x
        else:
            def otherwise(x: int) -> int:
                return x
        finally:
            CLEANED = True
        """,
        (3, 11),
    ),
    (
        "chained comparisons",
        """
        IN_RANGE = 1 < 2 <= 3 != 4
        OUT = 1 < "a"
        @config.when(flag=0 < 1 < 2)
        def ranged__on(x: int) -> int:
            return x if 0 <= x < 10 else -x
        """,
        (3, 10),
    ),
    (
        "PEP 614 decorators",
        """
        buttons = [tag]
        registry = {"tag": tag}
        @buttons[0](owner="x")
        def by_index(x: int) -> int:
            return x
        @registry["tag"](owner="y")
        def by_key(x: int) -> int:
            return x
        @(lambda f: f)
        def by_lambda(x: int) -> int:
            return x
        @tag if True else config
        def by_condition(x: int) -> int:
            return x
        @buttons[0].__call__(owner="z").__call__
        def by_chain(x: int) -> int:
            return x
        @(yield_decorator := tag(owner="w"))
        def by_walrus(x: int) -> int:
            return x
        """,
        (3, 10),
    ),
    (
        "string annotations",
        """
        def strings(a: "pd.Series", b: "List[Foo]", c: "int | None", d: "not valid (") -> "Foo":
            pass
        def odd_strings(a: "", b: "   ", c: "List['pd.Series']", d: "1 +") -> "dict[str, 'Foo']":
            pass
        def unparsable(a: Optional["x y"], b: List["("]) -> "lambda: 1":
            pass
        """,
        (3, 10),
    ),
    (
        "expressions as annotations",
        """
        def exotic(
            a: foo()[int], b: a.b[c].d, c: (lambda: int), d: x[1:2], e: int if X else str,
            f: [int], g: {"a": int}, h: f"{int}", i: -1, j: not int, k: (yield),
        ) -> (await x):
            pass
        def variadic_kw(*args: int, **kwargs: typing.Unpack[Settings]) -> None:
            pass
        """,
        (3, 10),
    ),
    (
        "parameter kinds and unicode names",
        """
        def kinds(a: int, /, b: int = 1, *args: int, c: int, d: int = 2, **kw: int) -> int:
            return a
        def café(è: int, 変数: str = "é😀") -> int:
            return è
        """,
        (3, 10),
    ),
    (
        "module-level statements",
        """
        __all__ = ["a"]
        __all__ += ["b"]
        count: int
        first, *rest = [1, 2, 3]
        a = b = c = 1
        x, y = y, x = 1, 2
        del a
        assert b, "message"
        if typing.TYPE_CHECKING:
            from collections.abc import Iterator
        elif False:
            pass
        while False:
            break
        for i in range(3):
            continue
        else:
            pass
        with open("f") as fh, open("g") as (gh):
            pass
        with (open("f") as fh2, open("g") as gh2):
            pass
        raise ValueError("x") from None
        return 1
        yield 2
        await three()
        print(*[1], **{"sep": ""})
        import os.path as osp, sys
        from . import sibling
        from .. import parent
        from ...far import away
        from os import *
        NUMBERS = (1j, 0x1F, 0o7, 0b1, 1_000, 1e10, 10**100, ..., None, b"x", "a" "b")
        """,
        (3, 10),
    ),
    (
        "values the evaluator meets",
        """
        BASE = {"a": 1}
        MERGED = {**BASE, "b": 2} | {"c": 3}
        SETS = {1, 2} | {3} & {3}
        COMP = {k: v for k, v in BASE.items() if v} | dict(zip("ab", range(2)))
        GEN = list(x * 2 for x in range(3))
        NESTED = [[y for y in range(x)] for x in range(3)]
        BAD_UNPACK = [(a, b) for a, b in [1, 2]]
        ODD = [1][5], {[]: 1}, {[1]}, 1 / 0, "%d" % "a", sorted([1, "a"]), max(), int("x")
        MORE = "a".replace("a", 1), {}.get(), "a".split(maxsplit=1), "{0.real}".format(1)
        BIG = [1] * 10**9, "x" * 10**9, 2 ** 10**9, range(10**10), 10**10 * 10**10
        OPS = 3 @ 4, not BASE, -"a", ~1.5, +True, 1 if BASE else 2, BASE and 0 or None
        ATTRS = (1).real, BASE.keys, "a".nothing, pd.DataFrame, typing.Any
        SLICES = "abc"[::-1], [1, 2][1:], "abc"[BASE]
        CALLS = len(5), enumerate([1], "a"), sum(["a"]), round(1.5, "a"), str(b"a")
        FORMATS = "%(a)s" % BASE, "{}".format(*[1]), "{a}".format(**BASE), f"{BASE!r:{'>'}10}"
        @tag(**{"k": "v"}, **BASE)
        @extract_columns(*[c for c in "ab"], *"cd")
        @parameterize(**{f"p_{i}": {"x": source("a"), "y": value(i)} for i in range(2)})
        def evaluated(x: pd.DataFrame, y: int) -> pd.DataFrame:
            return x
        """,
        (3, 10),
    ),
    (
        "Hamilton types and TypedDicts",
        """
        class Row(TypedDict, total=False):
            a: int
            b: Annotated[typing.NotRequired[str], "doc"]
        Functional = TypedDict("Functional", {"a": int, **BASE})
        Empty = TypedDict("Empty")
        class Starred(*bases, metaclass=Meta, **options):
            pass
        @extract_fields()
        def row(x: int) -> Row:
            return {"a": x}
        def fanned(n: int) -> Parallelizable[int]:
            yield from range(n)
        def gathered(fanned: Collect[int]) -> int:
            return sum(fanned)
        """,
        (3, 10),
    ),
]


def case_text(source: str) -> str:
    return HEADER + textwrap.dedent(source).lstrip("\n") + CANARY


def parses_here(oldest: tuple[int, int]) -> bool:
    return sys.version_info[:2] >= oldest


@pytest.fixture
def tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """The analyzer's log records that carry a traceback (it swallowed an exception)."""
    with caplog.at_level(logging.DEBUG, logger="livedag.server.analyzer"):
        records: list[logging.LogRecord] = []
        yield records
        records.extend(r for r in caplog.records if r.exc_info)


def check(analysis: ModuleAnalysis, text: str, oldest: tuple[int, int]) -> None:
    codes = [p.code for p in analysis.problems]
    assert Code.ANALYSIS_FAILURE not in codes, [
        p.message for p in analysis.problems if p.code == Code.ANALYSIS_FAILURE
    ]
    assert "canary" in [f.name for f in analysis.functions]
    if parses_here(oldest):
        ast.parse(text)  # the case itself is valid Python here
        assert Code.SYNTAX_ERROR not in codes, [p.message for p in analysis.problems]
    else:
        assert Code.SYNTAX_ERROR in codes


@pytest.mark.parametrize(("source", "oldest"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_construct_is_analysed_fresh(
    source: str, oldest: tuple[int, int], tracebacks: list[logging.LogRecord]
) -> None:
    text = case_text(source)
    check(analyze_source(text, module="m", path="/ws/m.py"), text, oldest)
    with_crlf = text.replace("\n", "\r\n")
    check(analyze_source(with_crlf, module="m", path="/ws/m.py"), with_crlf, oldest)
    assert not tracebacks


def growing(text: str) -> Iterator[str]:
    """`text` typed a line at a time, then edited inside each line, then taken apart again."""
    lines = text.splitlines(keepends=True)
    for end in range(1, len(lines) + 1):
        yield "".join(lines[:end])
    for index, line in enumerate(lines):
        if line.strip():
            yield "".join([*lines[:index], line.rstrip("\n") + "  # edited\n", *lines[index + 1 :]])
    yield text
    for start in range(len(lines)):
        yield "".join(lines[start:])


def same(mine: ModuleAnalysis, fresh: ModuleAnalysis) -> None:
    assert mine.functions == fresh.functions
    assert [(p.code, p.message, p.location) for p in mine.problems] == [
        (p.code, p.message, p.location) for p in fresh.problems
    ]


@pytest.mark.parametrize(("source", "oldest"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_construct_is_analysed_on_the_keystroke_path(
    source: str, oldest: tuple[int, int], tracebacks: list[logging.LogRecord]
) -> None:
    text = case_text(source)
    module = ModuleSource("m", "/ws/m.py")
    for step in growing(text):
        analysis = module.update(step)
        assert Code.ANALYSIS_FAILURE not in [p.code for p in analysis.problems]
        same(analysis, analyze_source(step, module="m", path="/ws/m.py"))
    check(module.update(text), text, oldest)
    assert not tracebacks


def test_every_case_parses_as_expected_on_this_python() -> None:
    """The version table is right: a case marked for this Python parses, a newer one does not."""
    for name, source, oldest in CASES:
        try:
            ast.parse(case_text(source))
            parsed = True
        except SyntaxError:
            parsed = False
        assert parsed == parses_here(oldest), name
