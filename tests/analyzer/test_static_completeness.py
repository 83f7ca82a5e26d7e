"""What source text alone now tells the rules: TypedDict fields (here and across the workspace),
whether a body is a stub, bare decorators, functions defined inside top-level if/try/with, and
cached constants that follow the names they read."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from livedag.engine.codes import Code
from livedag.engine.rules import expand_function
from livedag.server.analyzer.module import ModuleSource

from tests.analyzer.helpers import analyze, functions
from tests.analyzer.workspace_stub import DiskResolver

TYPES = """
from typing import TypedDict

class Scores(TypedDict):
    precision: float
    recall: float

class Metrics(Scores):
    f1: float
"""


def field_names(source: str, function: str = "f", resolver: DiskResolver | None = None) -> Any:
    returns = functions(source, resolver)[function].returns
    assert returns is not None
    return None if returns.fields is None else [name for name, _ in returns.fields]


# --- TypedDict fields -----------------------------------------------------------------------------


def test_a_typed_dict_of_the_same_module_is_described_with_its_fields() -> None:
    source = """
        from typing import Annotated, NotRequired, TypedDict

        class Base(TypedDict):
            count: int

        class Summary(Base, total=False):
            mean: float
            note: NotRequired[str]
            spread: Annotated[float, "sd"]

        def f() -> Summary:
            return {}
        """
    returns = functions(source)["f"].returns
    assert returns is not None and returns.fields is not None
    assert [(n, t.text) for n, t in returns.fields] == [
        ("count", "int"),
        ("mean", "float"),
        ("note", "str"),
        ("spread", "float"),
    ]


@pytest.mark.parametrize(
    "header",
    [
        "import typing_extensions\nclass R(typing_extensions.TypedDict):",
        "import typing as t\nclass R(t.TypedDict):",
        "from typing import TypedDict, Generic, TypeVar\nT = TypeVar('T')\n"
        "class R(TypedDict, Generic[T]):",
    ],
)
def test_every_spelling_of_typed_dict_is_recognised(header: str) -> None:
    source = f"{header}\n    a: int\n\ndef f() -> R:\n    return {{}}\n"
    assert field_names(source) == ["a"]


@pytest.mark.parametrize(
    "cls",
    [
        "class R:\n    a: int",  # a plain class
        "from dataclasses import dataclass\n@dataclass\nclass R:\n    a: int",
        "from somewhere import Base\nclass R(Base):\n    a: int",  # cannot see into the base
    ],
)
def test_other_classes_are_not_described(cls: str) -> None:
    assert field_names(f"{cls}\n\ndef f() -> R:\n    return R()\n") is None


def test_the_functional_typed_dict_syntax_is_described_here_and_across_modules(
    tmp_path: Path,
) -> None:
    functional = 'from typing import TypedDict\nPair = TypedDict("Pair", {"a": int, "b": str})\n'
    assert field_names(f"{functional}\ndef f() -> Pair:\n    return {{}}\n") == ["a", "b"]
    resolver = DiskResolver(tmp_path, {"shared": functional})
    source = "from shared import Pair\n\ndef f() -> Pair:\n    return {}\n"
    assert field_names(source, resolver=resolver) == ["a", "b"]


def test_a_string_annotation_and_a_later_class_are_seen_too() -> None:
    source = """
        from typing import TypedDict

        def f() -> "Late":
            return {}

        class Late(TypedDict):
            a: int
        """
    assert field_names(source) == ["a"]


def test_a_typed_dict_of_another_workspace_module_is_described(tmp_path: Path) -> None:
    resolver = DiskResolver(tmp_path, {"shared.types": TYPES, "shared": "from .types import *"})
    source = """
        from shared import types
        from shared.types import Scores

        def direct() -> Scores:
            return {}

        def through_module() -> types.Metrics:
            return {}
        """
    assert field_names(source, "direct", resolver) == ["precision", "recall"]
    assert field_names(source, "through_module", resolver) == ["precision", "recall", "f1"]


def test_a_re_exported_typed_dict_is_followed(tmp_path: Path) -> None:
    resolver = DiskResolver(
        tmp_path, {"shared.types": TYPES, "shared.api": "from shared.types import Metrics\n"}
    )
    source = "from shared.api import Metrics\n\ndef f() -> Metrics:\n    return {}\n"
    assert field_names(source, resolver=resolver) == ["precision", "recall", "f1"]


def test_editing_a_typed_dict_updates_the_functions_that_return_it() -> None:
    before = textwrap.dedent(
        """
        from typing import TypedDict

        class R(TypedDict):
            a: int

        def f() -> R:
            return {}
        """
    )
    source = ModuleSource("m", None)
    source.update(before)
    after = source.update(before.replace("a: int", "a: int\n    b: str"))
    returns = after.functions[0].returns
    assert returns is not None and [n for n, _ in returns.fields or ()] == ["a", "b"]


def test_a_constant_follows_an_edit_of_the_constant_it_is_made_of() -> None:
    before = textwrap.dedent(
        """
        from hamilton.function_modifiers import tag
        OWNER = "one"
        TAGS = {"owner": OWNER}

        @tag(**TAGS)
        def f() -> int:
            return 1
        """
    )
    source = ModuleSource("m", None)
    source.update(before)
    after = source.update(before.replace('"one"', '"two"'))
    assert dict(after.functions[0].decorators[0].kwargs) == {"owner": "two"}


# --- bodies and bare decorators -------------------------------------------------------------------

BODIES = {
    "pass": "pass",
    "docstring": '"""Doc."""',
    "docstring and pass": '"""Doc."""\n    pass',
    "ellipsis": "...",
    "docstring and ellipsis": '"""Doc."""\n    ...',
    "bare return": "return",
    "return None": "return None",
    "return a constant": "return 1",
    "two passes": "pass\n    pass",
    "pass then return": "pass\n    return None",
    "a constant": "1",
    "if False": "if False:\n        pass",
    "assignment": "x = 1",
    "computation": "return a + 1",
    "call": "print(a)",
    "raise": "raise NotImplementedError",
    "f-string": 'f"{a}"',
    "dead code": "return\n    x = 1",
    "loop": "for _ in range(a):\n        pass",
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_a_body_is_called_a_stub_only_where_hamilton_agrees(body: str) -> None:
    from hamilton.function_modifiers.macros import ensure_function_empty

    source = f"def f(a: int) -> int:\n    {body}\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, "<body>", "exec"), namespace)
    try:
        ensure_function_empty(namespace["f"])
        hamilton = True
    except Exception:
        hamilton = False
    static = analyze(source).functions[0].body_is_stub
    assert static in (None, hamilton)


def test_the_clear_cases_are_decided() -> None:
    decided = {
        name: analyze(f"def f(a: int) -> int:\n    {body}\n").functions[0].body_is_stub
        for name, body in BODIES.items()
    }
    assert all(decided[n] is True for n in ("pass", "docstring", "ellipsis", "docstring and pass"))
    assert all(decided[n] is False for n in ("assignment", "computation", "call", "raise"))


def test_bare_and_called_decorators_are_told_apart() -> None:
    source = """
        from hamilton.function_modifiers import hamilton_exclude

        @hamilton_exclude
        def bare(x):
            return x

        @hamilton_exclude()
        def called(x):
            return x
        """
    found = functions(source)
    assert found["bare"].decorators[0].bare and not found["called"].decorators[0].bare
    reported = {
        name: [p.code for p in expand_function(spec, {}).problems] for name, spec in found.items()
    }
    assert reported == {"bare": [], "called": [Code.DECORATOR_MISUSE]}


# --- definitions inside top-level compound statements --------------------------------------------


def test_functions_inside_if_try_and_with_are_extracted_on_the_normal_path() -> None:
    analysis = analyze(
        """
        import contextlib
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            def typing_only() -> int:
                return 1

        try:
            def in_try() -> int:
                return 1
        except ImportError:
            def _private_fallback() -> int:
                return 0
        else:
            def in_else() -> int:
                return 2

        with contextlib.suppress(Exception):
            def in_with() -> int:
                return 3
        """
    )
    assert [f.name for f in analysis.functions] == ["in_try", "in_else", "in_with"]
    assert analysis.problems == ()


def test_a_name_defined_on_two_branches_keeps_the_first_and_says_so() -> None:
    analysis = analyze(
        """
        import os

        if os.environ.get("FAST"):
            def speed(a: int) -> int:
                return a
        else:
            def speed(b: int) -> int:
                return b
        """
    )
    (speed,) = analysis.functions
    assert [p.name for p in speed.parameters] == ["a"]
    (problem,) = analysis.problems
    assert problem.code == Code.UNKNOWABLE and problem.location is not None
    assert (problem.location.line, problem.location.column) == (8, 8)  # the second `def speed`


def test_a_public_function_only_an_except_handler_defines_is_reported() -> None:
    analysis = analyze(
        """
        try:
            from fast import speed
        except ImportError:
            def speed(a: int) -> int:
                return a
        """
    )
    assert analysis.functions == ()
    assert [p.code for p in analysis.problems] == [Code.UNKNOWABLE]
    assert "try" in analysis.problems[0].message


def test_a_decorator_can_refer_to_a_function_defined_in_a_branch() -> None:
    found = functions(
        """
        import sys
        from hamilton.function_modifiers import does

        if sys.platform != "win32":
            def _add(**values: int) -> int:
                return sum(values.values())

        @does(_add)
        def total(a: int, b: int) -> int:
            pass
        """
    )
    ref = found["total"].decorators[0].args[0]
    assert ref.spec is not None and ref.spec.name == "_add"
