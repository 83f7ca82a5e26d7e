"""parameterize*, inject, extract_*/unpack_fields: node names, dependencies, compute."""

from __future__ import annotations

from pathlib import Path

import pytest
from livedag.engine.codes import Code
from livedag.engine.rules import expand_function
from livedag.engine.specs import Call, Parameter, Symbol, TypeRef

from tests.rules.rulekit import (
    at,
    deps,
    execute,
    expand,
    hamilton_rejects,
    live_nodes,
    livedag_codes,
    problems,
    spec,
    unknown,
)

FRAME = "pd.DataFrame"


def source(name: str) -> Call:
    return Call("source", (name,))


def value(v: object) -> Call:
    return Call("value", (v,))


def group(*args: object, **kwargs: object) -> Call:
    return Call("group", args, kwargs)


# --- parameterize ---------------------------------------------------------------------------------


def test_parameterize_makes_one_node_per_output_with_sources_as_dependencies() -> None:
    call = Call(
        "parameterize",
        kwargs={
            "out_a": {"x": source("raw_a"), "y": value(2)},
            "out_b": {"x": source("raw_b")},
        },
    )
    nodes = expand(spec(call, params=("x", "y")))
    assert {n: deps(node) for n, node in nodes.items()} == {
        "out_a": ["raw_a"],
        "out_b": ["raw_b", "y"],
    }


def test_output_and_source_locations_come_from_their_strings() -> None:
    name, upstream = at("out_a", 3), at("raw", 4)
    call = Call("parameterize", kwargs={name: {"x": Call("source", (upstream,))}})
    node = expand(spec(call, params=("x",)))["out_a"]
    assert node.location == name.location
    assert node.dependencies[0].location == upstream.location


def test_group_gathers_sources_into_one_parameter() -> None:
    call = Call(
        "parameterize",
        kwargs={"total": {"parts": group(source("a"), value(1), source("b"))}},
    )
    node = expand(spec(call, params=(("parts", "list[int]"),)))["total"]
    assert deps(node) == ["a", "b"]
    assert node.dependencies[0].type == TypeRef("int")


def test_group_needs_a_list_or_dict_annotation() -> None:
    call = Call("parameterize", kwargs={"t": {"parts": group(source("a"))}})
    assert problems(spec(call, params=(("parts", "int"),))) == [Code.DECORATOR_MISUSE]
    named = Call("parameterize", kwargs={"t": {"parts": group(x=source("a"))}})
    assert problems(spec(named, params=(("parts", "list[int]"),))) == [Code.DECORATOR_MISUSE]
    assert problems(spec(named, params=(("parts", "dict[str, int]"),))) == []


def test_tuple_form_sets_the_doc_and_templates_fill_the_rest() -> None:
    call = Call(
        "parameterize",
        kwargs={
            "own": ({"x": value(1)}, "Its own doc."),
            "templ": {"x": source("raw")},
        },
    )
    nodes = expand(spec(call, params=("x",), doc="{output_name} from {x}, {missing}."))
    assert nodes["own"].doc == "Its own doc."
    assert nodes["templ"].doc == "templ from raw, missing."


@pytest.mark.parametrize(
    ("call", "params"),
    [
        (Call("parameterize", kwargs={"o": {"x": 3}}), ("x",)),
        (Call("parameterize", kwargs={"o": {"nope": value(1)}}), ("x",)),
        (Call("parameterize", kwargs={"o": {"x": value(1)}}), ("x", "output_name")),
        (Call("parameterize", ({"x": value(1)},)), ("x",)),
        (Call("parameterize", kwargs={"o": ({"x": value(1)},)}), ("x",)),
        (Call("parameterize_sources"), ("x",)),
        (Call("parameterize_sources", kwargs={"o": {}}), ("x",)),
        (Call("parameterize_values", ("x", {"o": 1})), ("x",)),
        (Call("parametrized_input", ("x", {"raw": "o"})), ("x",)),
        (Call("inject", kwargs={"x": 5}), ("x",)),
    ],
)
def test_parameterize_misuse_is_ld006(call: Call, params: tuple[str, ...]) -> None:
    assert problems(spec(call, params=params)) == [Code.DECORATOR_MISUSE]


def test_bad_doc_template_is_ld006() -> None:
    call = Call("parameterize", kwargs={"o": {"x": value(1)}})
    assert problems(spec(call, params=("x",), doc="{0} positional")) == [Code.DECORATOR_MISUSE]


def test_unknown_binding_keeps_the_other_outputs_and_bindings() -> None:
    call = Call(
        "parameterize",
        kwargs={
            "known": {"x": source("raw"), "y": unknown()},
            "hidden": unknown(),
        },
    )
    out = expand_function(spec(call, params=("x", "y")), {})
    assert {n.name: deps(n) for n in out.nodes} == {"known": ["raw"]}
    assert [p.code for p in out.problems] == [Code.UNKNOWABLE, Code.UNKNOWABLE]


def test_unknown_source_name_is_ld008_for_that_parameter() -> None:
    call = Call("parameterize", kwargs={"o": {"x": Call("source", (unknown(),))}})
    out = expand_function(spec(call, params=("x", "y")), {})
    assert [deps(n) for n in out.nodes] == [["y"]]
    assert [p.code for p in out.problems] == [Code.UNKNOWABLE]


def test_configuration_binding_keeps_the_parameter_as_hamilton_does() -> None:
    call = Call("parameterize", kwargs={"o": {"x": Call("configuration", ("k",))}})
    assert deps(expand(spec(call, params=("x",)))["o"]) == ["x"]


def test_shorthands() -> None:
    values = Call("parameterize_values", ("w", {("r7", "doc7"): 7, ("r28", "doc"): 28}))
    nodes = expand(spec(values, params=("s", "w")))
    assert {n: deps(node) for n, node in nodes.items()} == {"r7": ["s"], "r28": ["s"]}
    assert nodes["r7"].doc == "doc7"
    sources = Call("parameterize_sources", kwargs={"g": {"a": "up"}})
    assert deps(expand(spec(sources, params=("a", "b")))["g"]) == ["up", "b"]
    legacy = Call("parametrized_input", ("a", {"up": ("out", "doc")}))
    assert deps(expand(spec(legacy, params=("a",)))["out"]) == ["up"]
    inputs = Call("parameterized_inputs", kwargs={"g": {"a": "up"}})
    assert deps(expand(spec(inputs, params=("a",)))["g"]) == ["up"]


def test_inject_keeps_the_function_name() -> None:
    call = Call("inject", kwargs={"parts": group(source("a"), source("b")), "k": value(1)})
    nodes = expand(spec(call, name="blend", params=(("parts", "list[int]"), "k", "bias")))
    assert {n: deps(node) for n, node in nodes.items()} == {"blend": ["a", "b", "bias"]}


def test_two_expanders_are_ld006() -> None:
    fn = spec(
        Call("inject", kwargs={"x": value(1)}),
        Call("parameterize", kwargs={"o": {}}),
        params=("x",),
    )
    assert problems(fn) == [Code.DECORATOR_MISUSE]


# --- extract_columns / extract_fields / unpack_fields ---------------------------------------


def test_extract_columns_adds_one_node_per_column() -> None:
    call = Call("extract_columns", (at("a"), ("b", "doc b")))
    nodes = expand(spec(call, returns=FRAME, doc="frame doc"))
    assert {n: deps(node) for n, node in nodes.items()} == {"f": ["a"], "a": ["f"], "b": ["f"]}
    assert nodes["b"].doc == "doc b" and nodes["a"].doc == "frame doc"
    assert nodes["a"].type == TypeRef("pd.Series") and nodes["a"].location is not None


def test_extract_columns_with_an_unknown_column_keeps_the_known_ones() -> None:
    out = expand_function(spec(Call("extract_columns", ("a", unknown())), returns=FRAME), {})
    assert [n.name for n in out.nodes] == ["f", "a"]
    assert [p.code for p in out.problems] == [Code.UNKNOWABLE]


@pytest.mark.parametrize(
    ("call", "returns"),
    [
        (Call("extract_columns", ("a",)), "int"),
        (Call("extract_columns", ("a",)), "pandas.Series"),
        (Call("extract_columns"), FRAME),
        (Call("extract_columns", (["a", "b"],)), FRAME),
        (Call("extract_columns", ("a",), {"fill": 0}), FRAME),
        (Call("extract_fields", ({"a": int},)), "dict"),  # a live int is not a Symbol
        (Call("extract_fields", ({"a": "int"},)), "dict"),
        (Call("extract_fields", (["a"],)), "dict"),
        (Call("extract_fields", (["a"],)), "int"),
        (Call("extract_fields", ()), "dict[str, int]"),
        (Call("extract_fields", ({},)), "dict"),
        (Call("unpack_fields", ("a", "b")), "tuple[int]"),
        (Call("unpack_fields", ("a",)), "list[int]"),
        (Call("unpack_fields", ("a",)), "tuple[..., int]"),
    ],
)
def test_extraction_misuse_is_ld006(call: Call, returns: str) -> None:
    assert problems(spec(call, returns=returns)) == [Code.DECORATOR_MISUSE]


def test_extract_fields_forms() -> None:
    typed = Call("extract_fields", ({"a": Symbol("int"), "b": TypeRef("list[str]")},))
    nodes = expand(spec(typed, returns="dict"))
    assert nodes["a"].type == TypeRef("int", "int") and deps(nodes["b"]) == ["f"]
    listed = Call("extract_fields", (["a", "b"],))
    assert expand(spec(listed, returns="dict[str, float]"))["b"].type == TypeRef("float")
    spread = Call("extract_fields", ("a", "b"))
    assert sorted(expand(spec(spread, returns="Dict[str, float]"))) == ["a", "b", "f"]


def test_extract_fields_without_fields_on_an_unreadable_class_is_ld008() -> None:
    assert problems(spec(Call("extract_fields"), returns="Result")) == [Code.UNKNOWABLE]


def test_unpack_fields_types_come_from_the_tuple() -> None:
    nodes = expand(spec(Call("unpack_fields", ("x", "y")), returns="tuple[int, str]"))
    assert (nodes["x"].type, nodes["y"].type) == (TypeRef("int"), TypeRef("str"))
    many = expand(spec(Call("unpack_fields", ("x", "y", "z")), returns="tuple[int, ...]"))
    assert [deps(many[n]) for n in ("x", "y", "z")] == [["f"]] * 3


def test_extract_after_parameterize_with_several_outputs_is_ld006() -> None:
    fn = spec(
        Call("extract_columns", ("a",)),
        Call("parameterize", kwargs={"o1": {"x": value(1)}, "o2": {"x": value(2)}}),
        params=("x",),
        returns=FRAME,
    )
    assert problems(fn) == [Code.DECORATOR_MISUSE]


def test_parameterize_extract_columns_names_each_frame_after_its_index() -> None:
    extracts = (
        Call("ParameterizedExtract", (("a1", "a2"), {"x": source("s1")})),
        Call("ParameterizedExtract", (("b1",), {"x": source("s2")})),
    )
    nodes = expand(
        spec(Call("parameterize_extract_columns", extracts), params=("x", "y"), returns=FRAME)
    )
    assert {n: deps(node) for n, node in nodes.items()} == {
        "f__0": ["s1", "y"],
        "a1": ["f__0"],
        "a2": ["f__0"],
        "f__1": ["s2", "y"],
        "b1": ["f__1"],
    }


# --- compute: the runtime executes what the rules made ------------------------------------------


def test_compute_of_expanded_nodes(tmp_path: Path) -> None:
    import pandas as pd

    body = """
        import pandas as pd
        from hamilton.function_modifiers import (
            extract_columns, extract_fields, group, inject, parameterize, source, unpack_fields,
            value, parameterize_extract_columns, ParameterizedExtract,
        )

        @extract_columns("a", "z", fill_with=0)
        def frame(raw: pd.DataFrame) -> pd.DataFrame:
            return raw

        @parameterize(scaled={"x": source("a"), "k": value(10)})
        def mult(x: pd.Series, k: int) -> pd.Series:
            return x * k

        @parameterize(summed={"x": group(source("a"), source("a"))})
        def add(x: list[pd.Series]) -> pd.Series:
            return sum(x)

        @inject(parts=group(first=source("a"), second=value(5)))
        def named(parts: dict[str, pd.Series]) -> pd.Series:
            return parts["first"] + parts["second"]

        @extract_fields({"lo": int, "hi": int})
        def bounds(a: pd.Series) -> dict:
            return {"lo": int(a.min())}

        @unpack_fields("head", "tail")
        def ends(a: pd.Series) -> tuple[int, int]:
            return int(a.iloc[0]), int(a.iloc[-1])

        @parameterize_extract_columns(ParameterizedExtract(("p", "q"), {"x": source("a")}))
        def pair(x: pd.Series) -> pd.DataFrame:
            return pd.concat([x, x * 2], axis=1)
    """
    nodes = live_nodes(tmp_path, body)
    raw = pd.DataFrame({"a": [1, 2, 3]})
    assert execute(nodes, "scaled", {"raw": raw}).tolist() == [10, 20, 30]
    assert execute(nodes, "summed", {"raw": raw}).tolist() == [2, 4, 6]
    assert execute(nodes, "z", {"raw": raw}).tolist() == [0, 0, 0]
    assert execute(nodes, "named", {"raw": raw}).tolist() == [6, 7, 8]
    assert execute(nodes, "lo", {"raw": raw}) == 1
    with pytest.raises(KeyError):
        execute(nodes, "hi", {"raw": raw})
    assert execute(nodes, "tail", {"raw": raw}) == 3
    assert execute(nodes, "q", {"raw": raw}).tolist() == [2, 4, 6]


def test_optional_parameter_left_unbound_uses_its_default(tmp_path: Path) -> None:
    body = """
        from hamilton.function_modifiers import parameterize, source
        @parameterize(out={"x": source("a")})
        def add(x: int, bonus: int = 100) -> int:
            return x + bonus
    """
    nodes = live_nodes(tmp_path, body)
    assert [(d.name, d.optional) for d in nodes[0].dependencies] == [("a", False), ("bonus", True)]
    assert nodes[0].compute is not None and nodes[0].compute(a=1) == 101


HAMILTON_REFUSES = {
    "bare_literal": """
        from hamilton.function_modifiers import parameterize
        @parameterize(o={"x": 3})
        def f(x: int) -> int:
            return x
    """,
    "unknown_param": """
        from hamilton.function_modifiers import parameterize, value
        @parameterize(o={"y": value(3)})
        def f(x: int) -> int:
            return x
    """,
    "group_not_list": """
        from hamilton.function_modifiers import inject, group, source
        @inject(x=group(source("a")))
        def f(x: int) -> int:
            return x
    """,
    "columns_on_int": """
        from hamilton.function_modifiers import extract_columns
        @extract_columns("a")
        def f(x: int) -> int:
            return x
    """,
    "fields_on_int": """
        from hamilton.function_modifiers import extract_fields
        @extract_fields({"a": int})
        def f(x: int) -> int:
            return x
    """,
    "fields_str_type": """
        from hamilton.function_modifiers import extract_fields
        @extract_fields({"a": "int"})
        def f(x: int) -> dict:
            return x
    """,
    "unpack_too_many": """
        from hamilton.function_modifiers import unpack_fields
        @unpack_fields("a", "b", "c")
        def f(x: int) -> tuple[int, int]:
            return x, x
    """,
    "two_expanders": """
        from hamilton.function_modifiers import inject, parameterize, value
        @inject(x=value(1))
        @parameterize(o={"x": value(2)})
        def f(x: int) -> int:
            return x
    """,
    "extract_many_sinks": """
        import pandas as pd
        from hamilton.function_modifiers import extract_columns, parameterize, value
        @extract_columns("a")
        @parameterize(o1={"x": value(1)}, o2={"x": value(2)})
        def f(x: int) -> pd.DataFrame:
            return x
    """,
}


@pytest.mark.parametrize("case", sorted(HAMILTON_REFUSES))
def test_what_hamilton_refuses_is_ld006(tmp_path: Path, case: str) -> None:
    body = HAMILTON_REFUSES[case]
    assert hamilton_rejects(tmp_path, body)
    assert livedag_codes(tmp_path, body) == [Code.DECORATOR_MISUSE]


def test_positional_parameters_are_keyword_bound() -> None:
    p = Parameter("x", TypeRef("int"), has_default=True)
    node = expand(spec(Call("inject", kwargs={"x": source("s")}), params=(p,)))["f"]
    assert [(d.name, d.optional) for d in node.dependencies] == [("s", True)]
