"""Facts the rules read from plain data that used to need live objects: TypedDict fields
(`TypeRef.fields`), whether a body is a stub (`FunctionSpec.body_is_stub`), and whether a decorator
was written bare (`Call.bare`); each checked on hand-made specs and against Hamilton."""

from __future__ import annotations

import textwrap
import typing
from dataclasses import replace
from pathlib import Path

import pytest
import typing_extensions
from livedag.engine import function_modifiers as fm
from livedag.engine.codes import Code
from livedag.engine.introspect import function_spec, type_ref
from livedag.engine.rules import expand_function, expand_module
from livedag.engine.specs import Call, FunctionRef, TypeRef
from livedag.server.analyzer import analyze_source

from tests.rules.rulekit import expand, hamilton_rejects, livedag_codes, problems, spec

RESULT = TypeRef(
    "Result",
    "m.Result",
    fields=(("model", TypeRef("str", "str")), ("score", TypeRef("float", "float"))),
)


# --- @extract_fields() on a described TypedDict ---------------------------------------------------


def test_extract_fields_without_arguments_splits_every_field_of_the_typed_dict() -> None:
    nodes = expand(replace(spec(Call("extract_fields")), returns=RESULT))
    assert list(nodes) == ["f", "model", "score"]
    assert nodes["score"].type == TypeRef("float", "float")
    assert [d.name for d in nodes["model"].dependencies] == ["f"]


def test_extract_fields_names_a_subset_of_the_typed_dict() -> None:
    nodes = expand(replace(spec(Call("extract_fields", (["score"],))), returns=RESULT))
    assert list(nodes) == ["f", "score"]
    assert nodes["score"].type == TypeRef("float", "float")


def test_extract_fields_naming_what_the_typed_dict_lacks_is_misuse() -> None:
    fn = replace(spec(Call("extract_fields", (["accuracy"],))), returns=RESULT)
    assert problems(fn) == [Code.DECORATOR_MISUSE]


def test_a_class_the_front_end_could_not_see_into_stays_unknowable() -> None:
    fn = replace(spec(Call("extract_fields")), returns=TypeRef("Result", "m.Result"))
    assert problems(fn) == [Code.UNKNOWABLE]


def test_an_empty_typed_dict_has_nothing_to_extract() -> None:
    fn = replace(spec(Call("extract_fields")), returns=TypeRef("Empty", "m.Empty", fields=()))
    assert problems(fn) == [Code.DECORATOR_MISUSE]


class _Plain(typing.TypedDict):
    a: int
    b: typing.NotRequired[str]


class _Backport(typing_extensions.TypedDict):
    c: float


class _Unresolvable(typing.TypedDict):
    d: Missing  # type: ignore[name-defined]  # noqa: F821


class _NotADict:
    a: int


def test_the_runtime_front_end_describes_both_typed_dict_flavours() -> None:
    described = {cls: type_ref(cls) for cls in (_Plain, _Backport, _Unresolvable, _NotADict)}
    fields = {
        cls: [(n, t.text) for n, t in ref.fields or ()] for cls, ref in described.items() if ref
    }
    assert fields[_Plain] == [("a", "int"), ("b", "str")]
    assert fields[_Backport] == [("c", "float")]
    assert fields[_Unresolvable] == [("d", "Missing")]  # as written, when it cannot be resolved
    assert described[_NotADict] is not None and described[_NotADict].fields is None


# --- @does and the body it replaces ---------------------------------------------------------------


def _sum(**values: int) -> int:
    return sum(values.values())


def _does(body_is_stub: bool | None) -> list[str]:
    ref = FunctionRef("_sum", "m", function_spec(_sum))
    return problems(replace(spec(Call("does", (ref,))), body_is_stub=body_is_stub))


@pytest.mark.parametrize(
    ("stub", "codes"), [(True, []), (None, []), (False, [Code.DECORATOR_MISUSE])]
)
def test_does_rejects_a_body_only_when_the_front_end_knows_it_does_something(
    stub: bool | None, codes: list[str]
) -> None:
    assert _does(stub) == codes


def test_does_on_a_body_that_computes_is_refused_by_hamilton_and_by_livedag(
    tmp_path: Path,
) -> None:
    body = """
        from hamilton.function_modifiers import does

        def _sum(**values: int) -> int:
            return sum(values.values())

        @does(_sum)
        def total(a: int, b: int) -> int:
            return a + b
        """
    assert hamilton_rejects(tmp_path, body)
    assert livedag_codes(tmp_path, body) == [Code.DECORATOR_MISUSE]


# --- @hamilton_exclude, bare or called ----------------------------------------------------------


def test_bare_hamilton_exclude_drops_the_function_quietly() -> None:
    out = expand_function(spec(Call("hamilton_exclude", bare=True)), {})
    assert (out.nodes, out.problems) == ([], [])


def test_called_hamilton_exclude_drops_the_function_and_says_hamilton_fails() -> None:
    out = expand_function(spec(Call("hamilton_exclude")), {})
    assert out.nodes == []
    assert [p.code for p in out.problems] == [Code.DECORATOR_MISUSE]
    assert "without parentheses" in out.problems[0].message


def test_the_livedag_decorator_records_which_form_was_written() -> None:
    @fm.hamilton_exclude
    def bare() -> int:
        return 1

    @fm.hamilton_exclude()
    def called() -> int:
        return 1

    assert function_spec(bare).decorators[0].bare
    assert not function_spec(called).decorators[0].bare


@pytest.mark.parametrize(
    ("written", "rejected"), [("@hamilton_exclude", False), ("@hamilton_exclude()", True)]
)
def test_hamilton_exclude_forms_match_hamilton(
    tmp_path: Path, written: str, rejected: bool
) -> None:
    body = f"""
        from hamilton.function_modifiers import hamilton_exclude

        {written}
        def helper(x):
            return x

        def used(a: int) -> int:
            return a
        """
    assert bool(hamilton_rejects(tmp_path, body)) is rejected
    assert (Code.DECORATOR_MISUSE in livedag_codes(tmp_path, body)) is rejected


def test_a_parameter_without_annotation_is_ld005_as_hamilton_refuses_it(tmp_path: Path) -> None:
    body = """
    def raw() -> int:
        return 1


    def doubled(raw, factor: int = 2) -> int:
        return raw * factor
    """
    assert "Missing type hint for raw" in hamilton_rejects(tmp_path, body)
    assert livedag_codes(tmp_path, body) == [Code.MISSING_ANNOTATION]
    static = analyze_source(textwrap.dedent(body), module="case", path="case.py")
    assert [p.code for p in expand_module(static.functions, {}).problems] == [
        Code.MISSING_ANNOTATION
    ]
