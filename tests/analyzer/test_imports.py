"""Decorators are recognized by what they resolve to through the module's imports."""

from __future__ import annotations

import pytest

from tests.analyzer.helpers import analyze, decorator, functions

BODY = "\ndef f(x: int) -> int:\n    return x\n"


@pytest.mark.parametrize(
    ("imports", "written", "expected"),
    [
        (
            "from hamilton.function_modifiers import extract_columns",
            "extract_columns('a')",
            "extract_columns",
        ),
        (
            "from hamilton.function_modifiers import extract_columns as ec",
            "ec('a')",
            "extract_columns",
        ),
        ("from hamilton import function_modifiers as fm", "fm.tag(owner='x')", "tag"),
        ("from hamilton import function_modifiers", "function_modifiers.tag(owner='x')", "tag"),
        ("import hamilton.function_modifiers", "hamilton.function_modifiers.tag(owner='x')", "tag"),
        (
            "import hamilton.function_modifiers as hfm",
            "hfm.extract_columns('a')",
            "extract_columns",
        ),
        (
            "from hamilton.function_modifiers.expanders import extract_columns",
            "extract_columns('a')",
            "extract_columns",
        ),
        (
            "from hamilton.function_modifiers import expanders",
            "expanders.extract_columns('a')",
            "extract_columns",
        ),
        (
            "import hamilton.function_modifiers.expanders",
            "hamilton.function_modifiers.expanders.extract_columns('a')",
            "extract_columns",
        ),
        (
            "from hamilton.function_modifiers.configuration import config",
            "config.when(a=1)",
            "config.when",
        ),
        (
            "from hamilton.function_modifiers import config",
            "config.when_not(a=1)",
            "config.when_not",
        ),
        ("from hamilton.function_modifiers.metadata import tag", "tag(owner='x')", "tag"),
        (
            "from hamilton.function_modifiers.validation import check_output",
            "check_output(range=(0, 1))",
            "check_output",
        ),
        (
            "from hamilton.function_modifiers.adapters import load_from",
            "load_from.csv(path='x')",
            "load_from.csv",
        ),
        (
            "from hamilton.function_modifiers import load_from",
            "load_from.parquet(path='x')",
            "load_from.parquet",
        ),
        (
            "from hamilton.plugins.h_pandas import with_columns",
            "with_columns(columns_to_pass=['a'])",
            "with_columns",
        ),
        ("from hamilton.function_modifiers.recursive import subdag", "subdag()", "subdag"),
        (
            "from livedag.engine.function_modifiers import extract_columns",
            "extract_columns('a')",
            "extract_columns",
        ),
        (
            "from livedag.engine import function_modifiers as lfm",
            "lfm.config.when(a=1)",
            "config.when",
        ),
        (
            "from hamilton.function_modifiers import hamilton_exclude",
            "hamilton_exclude",
            "hamilton_exclude",
        ),
    ],
)
def test_decorator_is_recognized(imports: str, written: str, expected: str) -> None:
    call = decorator(f"{imports}\n\n@{written}{BODY}")
    assert (call.name, call.known) == (expected, True)


@pytest.mark.parametrize(
    ("imports", "written", "expected"),
    [
        ("import functools", "functools.cache", "functools.cache"),
        ("from mylib import tag", "tag(owner='x')", "mylib.tag"),
        ("", "undefined_thing(1)", "undefined_thing"),
        (
            "from hamilton import function_modifiers as fm",
            "fm.not_a_decorator(1)",
            "hamilton.function_modifiers.not_a_decorator",
        ),
    ],
)
def test_other_decorators_are_kept_as_unknown_records(
    imports: str, written: str, expected: str
) -> None:
    call = decorator(f"{imports}\n\n@{written}{BODY}")
    assert (call.name, call.known) == (expected, False)


def test_a_local_name_shadows_an_import() -> None:
    imports = "from hamilton.function_modifiers import tag\n\ndef tag(x): return x\n"
    source = f"{imports}\n@tag(owner='x'){BODY}"
    assert decorator(source).known is False


def test_helpers_become_call_records_with_locations() -> None:
    call = decorator(
        "from hamilton.function_modifiers import parameterize, source, value\n"
        "@parameterize(a=dict(x=source('raw'), k=value(3)))" + BODY
    )
    inner = call.kwargs["a"]
    assert inner["x"].name == "source" and inner["x"].args == ("raw",)
    assert inner["k"].name == "value" and inner["k"].args == (3,)
    assert inner["x"].args[0].location.column == inner["x"].location.column + 7


def test_step_chains_keep_their_methods() -> None:
    call = decorator(
        "from hamilton.function_modifiers import pipe_input, step, source\n"
        "def _norm(x: int) -> int:\n    return x\n"
        "@pipe_input(step(_norm, k=source('y')).named('n').when(a=1))" + BODY
    )
    (chain,) = call.args
    assert chain.name == "step"
    assert [m.name for m in chain.methods] == ["named", "when"]
    assert chain.args[0].name == "_norm" and chain.args[0].spec.name == "_norm"


def test_resolve_at_becomes_the_enum_symbol() -> None:
    call = decorator(
        "from hamilton.function_modifiers import resolve, ResolveAt, tag\n"
        "@resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=lambda owner: tag(owner=owner))"
        + BODY
    )
    assert call.kwargs["when"].name == "ResolveAt.CONFIG_AVAILABLE"
    produced = call.kwargs["decorate_with"].obj(owner="ds")
    assert (produced.name, dict(produced.kwargs)) == ("tag", {"owner": "ds"})


def test_imports_map_local_names_to_qualified_names() -> None:
    found = analyze(
        "import pandas as pd\nimport os.path\nfrom hamilton import function_modifiers as fm\n"
        "from .sibling import thing\n"
    ).imports
    assert found == {
        "pd": "pandas",
        "os": "os",
        "fm": "hamilton.function_modifiers",
        "thing": "sibling.thing",
    }


@pytest.mark.parametrize(
    ("imports", "text", "qualified"),
    [
        ("import pandas as pd", "pd.Series", "pandas.Series"),
        ("import pandas", "pandas.Series", "pandas.Series"),
        ("from pandas import Series", "Series", "pandas.Series"),
        ("import pandas as pd", "dict[str, pd.Series]", "dict[str, pandas.Series]"),
        (
            "from typing import Optional\nimport pandas as pd",
            "Optional[pd.Series]",
            "Optional[pandas.Series]",
        ),
        ("", "int", "int"),
        ("", "Unimported", None),
    ],
)
def test_annotations_resolve_through_imports(
    imports: str, text: str, qualified: str | None
) -> None:
    spec = functions(f"{imports}\n\ndef f(x: {text}) -> {text}:\n    return x\n")["f"]
    assert spec.returns is not None and spec.parameters[0].annotation is not None
    assert spec.returns.text == text
    assert spec.returns.qualified == qualified
    assert spec.parameters[0].annotation.qualified == qualified
