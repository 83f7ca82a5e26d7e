"""The safe constant evaluator, through decorator arguments (`@tag(k=<expression>)`)."""

from __future__ import annotations

from typing import Any

import pytest
from livedag.engine.codes import Code
from livedag.engine.specs import FunctionRef, LocatedStr, ModuleRef, Symbol, Unknown

from tests.analyzer.helpers import analyze, functions

HEAD = "from hamilton.function_modifiers import tag, extract_columns, source, value, group, does\n"


def argument(expression: str, prelude: str = "") -> Any:
    source = f"{HEAD}{prelude}\n@tag(k={expression})\ndef f(x: int) -> int:\n    return x\n"
    return functions(source)["f"].decorators[0].kwargs["k"]


@pytest.mark.parametrize(
    ("expression", "prelude", "expected"),
    [
        ("'a'", "", "a"),
        ("(1, 2.5, None, True, b'x')", "", (1, 2.5, None, True, b"x")),
        ("[1, *L, 4]", "L = [2, 3]", [1, 2, 3, 4]),
        ("{'a': 1, **D}", "D = {'b': 2}", {"a": 1, "b": 2}),
        ("{1, 2}", "", {1, 2}),
        ("f'{P}_{N:03d}'", "P = 'x'\nN = 7", "x_007"),
        ("'%s_%d' % (P, 2)", "P = 'y'", "y_2"),
        ("'{}-{k}'.format(P, k=1)", "P = 'z'", "z-1"),
        ("[c + '_n' for c in COLS if c != 'b']", "COLS = ['a', 'b', 'c']", ["a_n", "c_n"]),
        ("{k: v * 2 for k, v in M.items()}", "M = {'a': 1}", {"a": 2}),
        ("dict(a=1, b=[1, 2])", "", {"a": 1, "b": [1, 2]}),
        ("sorted(set(['b', 'a']))", "", ["a", "b"]),
        ("'-'.join(['a', 'b']).upper()", "", "A-B"),
        ("A if FLAG else B", "FLAG = False\nA = 1\nB = 2", 2),
        ("X['k'][1]", "X = {'k': [5, 6]}", 6),
        ("-N + 1", "N = 3", -2),
        ("C2", "C1 = 'a'\nC2 = C1 + 'b'", "ab"),
        ("list(range(3))", "", [0, 1, 2]),
    ],
)
def test_constant_expressions(expression: str, prelude: str, expected: Any) -> None:
    assert argument(expression, prelude) == expected


def test_strings_remember_where_they_were_written() -> None:
    source = (
        f"{HEAD}COLS = ['age']\n@extract_columns(*COLS, 'héllo')\ndef f(x: int) -> int:\n"
        "    return x\n"
    )
    call = functions(source)["f"].decorators[0]
    age, hello = call.args
    assert isinstance(age, LocatedStr) and (age.location.line, age.location.column) == (2, 8)
    assert (hello.location.line, hello.location.column, hello.location.end_column) == (3, 24, 31)


@pytest.mark.parametrize(
    ("expression", "prelude", "reason"),
    [
        ("load()", "", "`load`"),
        ("os.environ['X']", "import os", "os.environ"),
        ("UNDEFINED", "", "not defined"),
        ("x", "x = compute()", "`compute`"),
        ("'{0.__class__}'.format(1)", "", "attribute or index"),
        ("'x' * 10**9", "", "not a constant expression"),
        ("[i for i in range(10**6)]", "", "range too large"),
    ],
)
def test_what_cannot_be_known_is_unknown_at_that_argument(
    expression: str, prelude: str, reason: str
) -> None:
    found = argument(expression, prelude)
    assert isinstance(found, Unknown)
    assert reason in found.reason
    assert found.location is not None and found.location.line == 3 + prelude.count("\n")


def test_unknown_star_arguments_stay_in_place() -> None:
    source = f"{HEAD}@extract_columns('a', *get())\ndef f(x: int) -> int:\n    return x\n"
    call = functions(source)["f"].decorators[0]
    assert call.args[0] == "a" and isinstance(call.args[1], Unknown)


def test_unknown_double_star_keeps_a_marker_key() -> None:
    source = f"{HEAD}@tag(**load())\ndef f(x: int) -> int:\n    return x\n"
    (value_,) = functions(source)["f"].decorators[0].kwargs.values()
    assert isinstance(value_, Unknown)


def test_functions_types_and_modules() -> None:
    source = (
        f"{HEAD}import numpy as np\nimport features\n"
        "def _sum(a: int, b: int) -> int:\n    return a + b\n"
        "@tag(fn=_sum, t=np.int64, m=features, b=int)\ndef f(x: int) -> int:\n    return x\n"
    )
    kwargs = functions(source)["f"].decorators[0].kwargs
    assert isinstance(kwargs["fn"], FunctionRef) and kwargs["fn"].spec.name == "_sum"
    assert kwargs["t"] == Symbol("numpy.int64")
    assert kwargs["b"] == Symbol("builtins.int")
    assert kwargs["m"] == Symbol("features")  # no workspace: an outside module


class Workspace:
    """A resolver over two in-memory modules."""

    def __init__(self) -> None:
        self.helpers = analyze(
            "def _norm(x: int) -> int:\n    return x\nCOLS = ['a']\n", module="pkg.helpers"
        )

    def module_functions(self, module: str) -> Any:
        return self.helpers.functions if module == "pkg.helpers" else None

    def module_constant(self, module: str, name: str) -> Any:
        return ["a", "b"] if (module, name) == ("pkg.helpers", "COLS") else Unknown("no")

    def resolve_name(self, module: str, name: str) -> str | None:
        if (module, name) == ("pkg.helpers", "ec"):
            return "hamilton.function_modifiers.extract_columns"
        return None


def test_names_from_other_workspace_modules() -> None:
    source = (
        "from pkg.helpers import COLS, _norm, ec\nfrom pkg import helpers\n"
        "from hamilton.function_modifiers import tag\n"
        "@ec(*COLS)\n@tag(fn=_norm, mod=helpers)\ndef f(x: int) -> int:\n    return x\n"
    )
    spec = functions(source, Workspace())["f"]
    columns, tags = spec.decorators
    assert (columns.name, columns.args) == ("extract_columns", ("a", "b"))
    assert tags.kwargs["fn"].spec is not None and tags.kwargs["fn"].module == "pkg.helpers"
    assert isinstance(tags.kwargs["mod"], ModuleRef) and tags.kwargs["mod"].name == "pkg.helpers"


def test_decorator_kept_in_a_constant() -> None:
    source = f"{HEAD}OWNED = tag(owner='ds')\n@OWNED\ndef f(x: int) -> int:\n    return x\n"
    call = functions(source)["f"].decorators[0]
    assert (call.name, dict(call.kwargs), call.location.line) == ("tag", {"owner": "ds"}, 3)


def test_lambdas_evaluate_with_their_arguments_and_never_run_code() -> None:
    source = (
        "from hamilton.function_modifiers import resolve, ResolveAt, extract_columns\n"
        "@resolve(when=ResolveAt.CONFIG_AVAILABLE, decorate_with=lambda cols, sep='_': "
        "extract_columns(*[c + sep for c in cols], __import__('os').getcwd()))\n"
        "def f(x: int) -> int:\n    return x\n"
    )
    ref = functions(source)["f"].decorators[0].kwargs["decorate_with"]
    produced = ref.obj(["a", "b"])
    assert produced.args[:2] == ("a_", "b_")
    assert isinstance(produced.args[2], Unknown)
    import inspect

    assert list(inspect.signature(ref.obj).parameters) == ["cols", "sep"]


def test_rules_see_exact_locations_for_nodes_and_ld008() -> None:
    from livedag.engine.rules import expand_module

    source = (
        "import pandas as pd\nfrom hamilton.function_modifiers import extract_columns\n"
        "@extract_columns('age', 'income')\ndef people(raw: pd.DataFrame) -> pd.DataFrame:\n"
        "    return raw\n"
        "@extract_columns(*load())\ndef other(raw: pd.DataFrame) -> pd.DataFrame:\n"
        "    return raw\n"
    )
    expansion = expand_module(analyze(source).functions, {})
    age = next(n for n in expansion.nodes if n.name == "age")
    assert age.location is not None
    assert (age.location.line, age.location.column, age.location.end_column) == (3, 17, 22)
    (problem,) = [p for p in expansion.problems if p.code == Code.UNKNOWABLE]
    assert problem.location is not None
    assert (problem.location.line, problem.location.column) == (6, 18)


@pytest.mark.parametrize(
    ("expression", "prelude", "expected"),
    [
        ("dict(file_type='pdf')", "", {"file_type": "pdf"}),
        ("dict(**BASE, n=2)", "BASE = {'a': 1}", {"a": 1, "n": 2}),
        ("dict(BASE, n=2)", "BASE = dict(a=1)", {"a": 1, "n": 2}),
        ("dict([('a', 1), ['b', 2]], c=3)", "", {"a": 1, "b": 2, "c": 3}),
        ("dict(zip('ab', range(2)))", "", {"a": 0, "b": 1}),
        ("dict()", "", {}),
        ("CFG", "CFG = dict(region='US', n=dict(k=1))", {"region": "US", "n": {"k": 1}}),
    ],
)
def test_dict_calls_read_like_dict_displays(expression: str, prelude: str, expected: Any) -> None:
    assert argument(expression, prelude) == expected


@pytest.mark.parametrize(
    ("expression", "marker", "reason"),
    [
        ("dict(**load(), n=2)", "**load()", "`load`"),
        ("dict(pairs(), n=2)", "**pairs()", "`pairs`"),
    ],
)
def test_what_dict_cannot_know_is_one_marked_entry(
    expression: str, marker: str, reason: str
) -> None:
    found = argument(expression)
    assert set(found) == {marker, "n"} and found["n"] == 2
    assert isinstance(found[marker], Unknown) and reason in found[marker].reason


@pytest.mark.parametrize(
    ("expression", "prelude", "reason"),
    [
        ("dict(a, b)", "a = {}\nb = {}", "at most 1 argument"),
        ("dict(*a)", "a = [{}]", "unpacking"),
        ("dict(1)", "", "not a mapping or key/value pairs"),
        ("dict([(1, 2, 3)])", "", "not a mapping or key/value pairs"),
        ("dict([([1], 2)])", "", "not a mapping or key/value pairs"),
        ("dict(k=1)", "dict = make_dict()", "`make_dict`"),  # shadowed at module level
        ("dict(k=1)", "from mylib import dict", "calling `mylib.dict`"),  # imported
    ],
)
def test_dict_calls_that_cannot_be_read(expression: str, prelude: str, reason: str) -> None:
    found = argument(expression, prelude)
    assert isinstance(found, Unknown) and reason in found.reason


def test_dict_shadowed_inside_a_comprehension_is_not_the_builtin() -> None:
    found = argument("[dict(k=1) for dict in FACTORIES]", "FACTORIES = [1]")
    assert isinstance(found[0], Unknown)
