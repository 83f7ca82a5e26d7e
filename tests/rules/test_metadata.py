"""tag, tag_outputs, schema.output, cache: which nodes get which tags, and what Hamilton refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from livedag.engine.codes import Code
from livedag.engine.rules.metadata import CACHE_BEHAVIOR_TAG, SCHEMA_OUTPUT_TAG
from livedag.engine.specs import Call, Severity

from tests.rules.rulekit import at, expand, hamilton_rejects, livedag_codes, problems, spec, unknown

FRAME = "pd.DataFrame"


def test_tag_values_may_be_strings_or_lists_of_strings() -> None:
    node = expand(spec(Call("tag", kwargs={"owner": "ds", "users": ["a", "b"]})))["f"]
    assert node.user_tags == {"owner": "ds", "users": ["a", "b"]}


def test_tag_targets_the_sinks_by_default_and_named_nodes_with_target() -> None:
    columns = Call("extract_columns", ("x", "y"))
    sinks = expand(spec(Call("tag", kwargs={"k": "v"}), columns, returns=FRAME))
    assert {n for n, node in sinks.items() if node.user_tags} == {"x", "y"}
    one = expand(spec(Call("tag", kwargs={"k": "v", "target_": "f"}), columns, returns=FRAME))
    assert {n for n, node in one.items() if node.user_tags} == {"f"}
    every = expand(spec(Call("tag", kwargs={"k": "v", "target_": ...}), columns, returns=FRAME))
    assert all(node.user_tags == {"k": "v"} for node in every.values())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hamilton.x": "v"},
        {"module": "v"},
        {"gdpr": "v"},
        {"bad key": "v"},
        {"a..b": "v"},
        {"k": 3},
        {"k": []},
        {"k": ["a", "a"]},
        {"k": ["a", 1]},
    ],
)
def test_tag_misuse_is_ld006(kwargs: dict[str, object]) -> None:
    out = problems(spec(Call("tag", kwargs=kwargs)))
    assert out == [Code.DECORATOR_MISUSE]


def test_reserved_namespace_can_be_bypassed_as_in_hamilton() -> None:
    call = Call("tag", kwargs={"gdpr.kind": "email", "bypass_reserved_namespaces_": True})
    assert expand(spec(call))["f"].user_tags == {"gdpr.kind": "email"}


def test_unknown_tag_value_keeps_the_known_tags_and_says_so() -> None:
    from livedag.engine.rules import expand_function

    out = expand_function(spec(Call("tag", kwargs={"owner": "ds", "cost": unknown()})), {})
    assert out.nodes[0].user_tags == {"owner": "ds"}
    assert [(p.code, p.severity) for p in out.problems] == [(Code.UNKNOWABLE, Severity.INFO)]


def test_unknown_target_is_ld008() -> None:
    assert problems(spec(Call("tag", kwargs={"k": "v", "target_": unknown()}))) == [Code.UNKNOWABLE]


def test_missing_target_is_ld006_and_names_the_nodes() -> None:
    from livedag.engine.rules import expand_function

    out = expand_function(spec(Call("tag", kwargs={"k": "v", "target_": "nope"})), {})
    assert [p.code for p in out.problems] == [Code.DECORATOR_MISUSE] and "nope" in out.problems[
        0
    ].message


def test_tag_outputs_tags_the_named_nodes_only() -> None:
    fn = spec(
        Call("tag_outputs", kwargs={"x": {"a": "1"}, "not_made": {"b": "2"}}),
        Call("extract_columns", ("x", "y")),
        returns=FRAME,
    )
    nodes = expand(fn)
    assert nodes["x"].user_tags == {"a": "1"} and nodes["y"].user_tags == {}


def test_tag_outputs_needs_dicts() -> None:
    assert problems(spec(Call("tag_outputs", kwargs={"f": "owner"}))) == [Code.DECORATOR_MISUSE]


def test_schema_output_is_an_internal_tag_on_dataframes() -> None:
    fn = spec(Call("schema.output", (("a", "int"), ("b", "float"))), returns=FRAME)
    node = expand(fn)["f"]
    assert node.tags[SCHEMA_OUTPUT_TAG] == "a=int,b=float" and node.user_tags == {}


def test_schema_output_on_a_non_dataframe_is_ld006() -> None:
    fn = spec(Call("schema.output", (("a", "int"),)), returns="int")
    assert problems(fn) == [Code.DECORATOR_MISUSE]


def test_schema_output_above_another_node_decorator_is_ld006() -> None:
    fn = spec(Call("schema.output", (("a", "int"),)), Call("tag", kwargs={"k": "v"}), returns=FRAME)
    assert problems(fn) == [Code.DECORATOR_MISUSE]
    below = spec(
        Call("tag", kwargs={"k": "v"}), Call("schema.output", (("a", "int"),)), returns=FRAME
    )
    assert problems(below) == []


def test_cache_tags_every_node_by_default() -> None:
    fn = spec(
        Call("cache", kwargs={"behavior": "recompute"}),
        Call("extract_columns", ("x",)),
        returns=FRAME,
    )
    nodes = expand(fn)
    assert {n: node.user_tags.get(CACHE_BEHAVIOR_TAG) for n, node in nodes.items()} == {
        "f": "recompute",
        "x": "recompute",
    }


def test_cache_rejects_positional_and_unknown_arguments() -> None:
    assert problems(spec(Call("cache", ("json",)))) == [Code.DECORATOR_MISUSE]
    assert problems(spec(Call("cache", kwargs={"store": "s3"}))) == [Code.DECORATOR_MISUSE]


def test_tags_from_located_strings_compare_as_plain_strings() -> None:
    node = expand(spec(Call("tag", kwargs={"owner": at("ds")})))["f"]
    assert node.user_tags == {"owner": "ds"}


HAMILTON_REFUSES = {
    "reserved": """
        from hamilton.function_modifiers import tag
        @tag(**{"dag.x": "v"})
        def f(a: int) -> int:
            return a
    """,
    "value": """
        from hamilton.function_modifiers import tag
        @tag(k=["a", "a"])
        def f(a: int) -> int:
            return a
    """,
    "schema_on_int": """
        from hamilton.function_modifiers import schema
        @schema.output(("a", "int"))
        def f(a: int) -> int:
            return a
    """,
    "schema_above_tag": """
        import pandas as pd
        from hamilton.function_modifiers import schema, tag
        @schema.output(("a", "int"))
        @tag(k="v")
        def f(a: int) -> pd.DataFrame:
            return a
    """,
    "target_missing": """
        from hamilton.function_modifiers import tag
        @tag(k="v", target_="g")
        def f(a: int) -> int:
            return a
    """,
}


@pytest.mark.parametrize("case", sorted(HAMILTON_REFUSES))
def test_what_hamilton_refuses_is_ld006(tmp_path: Path, case: str) -> None:
    body = HAMILTON_REFUSES[case]
    assert hamilton_rejects(tmp_path, body)
    assert livedag_codes(tmp_path, body) == [Code.DECORATOR_MISUSE]


def test_tag_outputs_with_an_unknown_value_keeps_the_rest() -> None:
    from livedag.engine.rules import expand_function

    call = Call("tag_outputs", kwargs={"f": {"a": "1", "b": unknown()}})
    out = expand_function(spec(call), {})
    assert out.nodes[0].user_tags == {"a": "1"}
    assert [p.code for p in out.problems] == [Code.UNKNOWABLE]
