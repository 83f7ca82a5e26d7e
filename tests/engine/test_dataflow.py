"""Dataflow construction and the problems it finds (LD001–LD004), on hand-built NodeSpecs."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from livedag.engine.codes import Code
from livedag.engine.dataflow import OPTIONAL_TAG, Dataflow
from livedag.engine.specs import (
    Dependency,
    FunctionSpec,
    Location,
    NodeKind,
    NodeSpec,
    Parameter,
    Problem,
    Severity,
    TypeRef,
)

INT = TypeRef("int")
SERIES = TypeRef("pd.Series", "pandas.Series")


def loc(line: int, column: int = 4, path: str = "/w/m.py") -> Location:
    return Location(path, line, column, line, column + 3)


def node(
    name: str,
    *deps: str | Dependency,
    type: TypeRef | None = INT,
    line: int = 1,
    tags: dict[str, str] | None = None,
) -> NodeSpec:
    """A function node whose dependencies sit on the node's line at increasing columns."""
    dependencies = tuple(
        d if isinstance(d, Dependency) else Dependency(d, INT, location=loc(line, 20 + 10 * i))
        for i, d in enumerate(deps)
    )
    return NodeSpec(
        name=name,
        type=type,
        dependencies=dependencies,
        tags={"module": "m", **(tags or {})},
        function=name,
        module="m",
        location=loc(line),
    )


def codes(problems: Sequence[Problem]) -> list[str]:
    return sorted(p.code for p in problems)


def test_edges_run_producer_to_consumer_and_inputs_are_synthesized() -> None:
    flow = Dataflow.build([node("b", "a"), node("c", "b", "a")])
    assert set(flow.graph.edges) == {("a", "b"), ("b", "c"), ("a", "c")}
    assert flow.nodes["a"].kind is NodeKind.INPUT
    assert flow.nodes["a"].type == INT
    assert flow.graph.nodes["b"]["spec"] is flow.nodes["b"]
    assert flow.problems == []


def test_config_keys_become_config_nodes_and_shadow_functions() -> None:
    flow = Dataflow.build([node("b", "region"), node("rate", "x")], config={"rate": 3, "region": 1})
    assert flow.nodes["region"].kind is NodeKind.CONFIG
    # Hamilton lets the config value replace a function of the same name.
    assert flow.nodes["rate"].kind is NodeKind.CONFIG
    assert "x" not in flow.nodes
    assert flow.definitions("rate")[0].kind is NodeKind.FUNCTION


def test_every_config_key_is_a_node_asked_for_or_not() -> None:
    """Hamilton makes a node of every config key, so `livedag graph` and the driver list them."""
    flow = Dataflow.build([node("b", "region")], config={"region": 1, "debug": True})
    debug = flow.nodes["debug"]
    assert debug.kind is NodeKind.CONFIG and debug.type is not None and debug.type.text == "Any"
    assert flow.graph.has_node("debug") and flow.graph.degree("debug") == 0
    assert "debug" in flow.topological_order()
    assert flow.problems == []


def test_an_update_keeps_a_config_key_its_last_asker_let_go() -> None:
    flow = Dataflow.build([node("b", "region")], config={"region": 1})
    after = flow.updated([node("b")])
    assert after.nodes["region"].kind is NodeKind.CONFIG
    assert after.graph.degree("region") == 0
    cold = Dataflow.build([node("b")], config={"region": 1})
    assert after.nodes == cold.nodes and set(after.graph.edges) == set(cold.graph.edges)


def test_an_input_only_asked_for_with_defaults_is_optional() -> None:
    optional = Dependency("threshold", INT, optional=True)
    flow = Dataflow.build([node("b", optional), node("c", optional, "d")])
    assert flow.nodes["threshold"].tags.get(OPTIONAL_TAG) is True
    assert flow.nodes["d"].tags.get(OPTIONAL_TAG) is None
    assert flow.graph.edges["threshold", "b"]["optional"] is True
    mixed = Dataflow.build([node("b", optional), node("c", "threshold")])
    assert OPTIONAL_TAG not in mixed.nodes["threshold"].tags


def test_rule_problems_are_kept() -> None:
    given = Problem(Code.DECORATOR_MISUSE, Severity.ERROR, "bad decorator", loc(9))
    flow = Dataflow.build([node("a")], problems=[given])
    assert flow.problems == [given]


# --- LD001 ---------------------------------------------------------------------------------------


def test_cycle_reported_at_every_edge_with_the_whole_cycle_named() -> None:
    flow = Dataflow.build([node("a", "c", line=1), node("b", "a", line=2), node("c", "b", line=3)])
    cycles = [p for p in flow.problems if p.code == Code.CYCLE]
    assert len(cycles) == 3
    assert all("a -> b -> c -> a" in p.message for p in cycles)
    # each at the consumer's parameter naming its producer
    where = {(p.node, p.location.line, p.location.column) for p in cycles if p.location}
    assert where == {("a", 1, 20), ("b", 2, 20), ("c", 3, 20)}
    for p in cycles:
        assert len(p.related) == 2
        assert p.location not in {r.location for r in p.related}
    assert not flow.is_acyclic
    with pytest.raises(ValueError, match="a -> b -> c -> a"):
        flow.topological_order()


def test_self_dependency_and_two_cycles_sharing_a_node() -> None:
    flow = Dataflow.build([node("s", "s"), node("x", "y", "z"), node("y", "x"), node("z", "x")])
    messages = sorted(p.message.split(":")[0] for p in flow.problems if p.code == Code.CYCLE)
    assert messages == [
        "cycle s -> s",
        "cycle x -> y -> x",
        "cycle x -> y -> x",
        "cycle x -> z -> x",
        "cycle x -> z -> x",
    ]


def test_nodes_downstream_of_a_cycle_are_not_in_it() -> None:
    flow = Dataflow.build([node("a", "b"), node("b", "a"), node("after", "a")])
    assert {p.node for p in flow.problems if p.code == Code.CYCLE} == {"a", "b"}


def test_acyclic_graph_has_a_topological_order() -> None:
    flow = Dataflow.build([node("c", "b"), node("b", "a"), node("a")])
    order = flow.topological_order()
    assert order.index("a") < order.index("b") < order.index("c")


# --- LD002 ---------------------------------------------------------------------------------------


def test_unknown_dependency_is_silent_unless_it_looks_like_a_typo() -> None:
    flow = Dataflow.build([node("age_mean"), node("report", "age_maen", "raw_data", line=4)])
    (problem,) = flow.problems
    assert problem.code == Code.UNKNOWN_DEPENDENCY and problem.severity is Severity.WARNING
    assert "did you mean 'age_mean'" in problem.message
    assert problem.location == loc(4, 20)


def test_unknown_dependency_is_an_error_when_inputs_are_declared() -> None:
    flow = Dataflow.build(
        [node("age_mean", "age"), node("report", "age_maen", "raw", "region")],
        declared_inputs={"age", "raw"},
        config={"region": "US"},
    )
    problems = [p for p in flow.problems if p.code == Code.UNKNOWN_DEPENDENCY]
    assert [(p.severity, p.node) for p in problems] == [(Severity.ERROR, "report")]
    assert "'age_maen'" in problems[0].message and "age_mean" in problems[0].message


def test_typo_detection_covers_swaps_case_and_underscores() -> None:
    produced = [node("customer_age"), node("email_domain")]
    for typo in ("cutsomer_age", "Customer_Age", "customerage", "email_domains"):
        flow = Dataflow.build([*produced, node("f", typo)])
        assert codes(flow.problems) == [Code.UNKNOWN_DEPENDENCY], typo
    assert Dataflow.build([*produced, node("f", "country")]).problems == []


def test_a_hint_never_names_the_asking_node_itself() -> None:
    """`totals(total)`: renaming `total` to `totals` would make `totals` depend on itself."""
    assert Dataflow.build([node("totals", "total")]).problems == []
    flow = Dataflow.build([node("totals", "total", line=1), node("report", "total", line=2)])
    (problem,) = flow.problems
    assert problem.node == "report" and "did you mean 'totals'" in problem.message
    strict = Dataflow.build([node("totals", "total")], declared_inputs=set())
    (error,) = strict.problems
    assert error.severity is Severity.ERROR and "did you mean" not in error.message.lower()


@pytest.mark.parametrize(
    ("asked", "produced"),
    [("lft", "left"), ("left", "lft"), ("agg", "ag_g"), ("elf", "efl"), ("LFT", "lft")],
)
def test_three_letter_names_get_hints_too(asked: str, produced: str) -> None:
    (problem,) = Dataflow.build([node(produced), node("f", asked)]).problems
    assert (
        problem.code == Code.UNKNOWN_DEPENDENCY and f"did you mean '{produced}'" in problem.message
    )


@pytest.mark.parametrize(("asked", "produced"), [("age", "ago"), ("ab", "abc"), ("lft", "lf")])
def test_short_names_one_letter_off_are_not_typos(asked: str, produced: str) -> None:
    assert Dataflow.build([node(produced), node("f", asked)]).problems == []


@pytest.mark.parametrize(
    ("asked", "produced"),
    [
        ("y_validation", "X_validation"),
        ("season_5", "season_1"),
        ("lat_b", "lat_a"),
        ("v1.e", "v1.c"),
        ("param1", "param1b"),
    ],
)
def test_names_that_differ_in_a_digit_or_a_one_letter_word_are_not_typos(
    asked: str, produced: str
) -> None:
    """`y_validation` is the labels beside the `X_validation` features, not a slip of it."""
    assert Dataflow.build([node(produced), node("f", asked)]).problems == []


def test_closest_names_share_the_typo_rules() -> None:
    flow = Dataflow.build([node("left"), node("right"), node("lft_total", "lft")])
    assert flow.closest_names("lft")[0] == "left"
    assert "lft" not in flow.closest_names("lft")


# --- LD003 ---------------------------------------------------------------------------------------


def test_duplicates_report_each_definition_and_keep_the_first_as_the_node() -> None:
    first, second = node("a", "x", line=1), node("a", "y", line=7)
    flow = Dataflow.build([first, second, node("b", "a")])
    dupes = [p for p in flow.problems if p.code == Code.DUPLICATE_NODE]
    assert sorted(p.location.line for p in dupes if p.location) == [1, 7]
    assert all(len(p.related) == 1 for p in dupes)
    assert flow.nodes["a"] is first
    assert flow.definitions("a") == [first, second]
    # the second definition still asks for its dependency (references), but adds no edge
    assert [s.name for s, _ in flow.consumers("y")] == ["a"]
    assert not flow.graph.has_edge("y", "a")


# --- LD004 ---------------------------------------------------------------------------------------


def test_type_mismatch_between_producer_and_consumer() -> None:
    producer = node("age", type=SERIES, line=1)
    consumer = node("mean", Dependency("age", INT, location=loc(5, 9)), line=5)
    (problem,) = Dataflow.build([producer, consumer]).problems
    assert problem.code == Code.TYPE_MISMATCH
    assert problem.location == loc(5, 9)
    assert problem.related[0].location == loc(1)
    assert "pd.Series" in problem.message and "int" in problem.message


@pytest.mark.parametrize(
    ("produced", "requested"),
    [
        ("pd.Series", "pandas.Series"),
        ("pd.Series", "Any"),
        ("int", "typing.Optional[int]"),
        ("int", "int | None"),
        ("bool", "int"),
        ("list[int]", "List[int]"),
        ("dict[str, int]", "dict"),
        ("MyFrame", "pd.DataFrame"),  # unknown class: may well be a subclass
        ("pd.Series", "Annotated[pd.Series, int]"),
        ("pd.Series", "object"),
        ("Parallelizable[int]", "int"),
        ("int", "Collect[int]"),
        ("np.float64", "float"),
    ],
)
def test_static_types_that_must_not_be_reported(produced: str, requested: str) -> None:
    flow = Dataflow.build(
        [node("a", type=TypeRef(produced)), node("b", Dependency("a", TypeRef(requested)))]
    )
    assert flow.problems == []


@pytest.mark.parametrize(
    ("produced", "requested"),
    [("pd.Series", "pd.DataFrame"), ("int", "float"), ("list[int]", "list[str]"), ("str", "int")],
)
def test_static_types_that_are_reported(produced: str, requested: str) -> None:
    flow = Dataflow.build(
        [node("a", type=TypeRef(produced)), node("b", Dependency("a", TypeRef(requested)))]
    )
    assert codes(flow.problems) == [Code.TYPE_MISMATCH]


def test_consumers_of_an_input_that_disagree_on_its_type() -> None:
    flow = Dataflow.build(
        [
            node("a", Dependency("raw", TypeRef("int"))),
            node("b", Dependency("raw", TypeRef("bool"))),  # tighter: accepted, as in Hamilton
            node("c", Dependency("raw", TypeRef("str"), location=loc(8))),
        ]
    )
    (problem,) = flow.problems
    assert problem.code == Code.TYPE_MISMATCH and problem.location == loc(8)


def test_every_problem_is_found_in_one_build() -> None:
    flow = Dataflow.build(
        [
            node("a", "b"),
            node("b", "a"),
            node("dataset"),
            node("dataset"),
            node("e", Dependency("dataset", TypeRef("str"))),
            node("f", "datset"),
        ]
    )
    assert codes(flow.problems) == [
        Code.CYCLE,
        Code.CYCLE,
        Code.UNKNOWN_DEPENDENCY,
        Code.DUPLICATE_NODE,
        Code.DUPLICATE_NODE,
        Code.TYPE_MISMATCH,
    ]


def test_from_functions_expands_each_module_with_the_rules() -> None:
    def spec(name: str, *params: str) -> FunctionSpec:
        return FunctionSpec(
            name=name,
            module="m",
            parameters=tuple(Parameter(p, INT) for p in params),
            returns=INT,
        )

    flow = Dataflow.from_functions(
        {"m": [spec("a", "x"), spec("_helper"), spec("b", "a", "region")]},
        config={"region": "eu"},
    )
    assert set(flow.nodes) == {"a", "b", "x", "region"}
    assert flow.nodes["region"].kind is NodeKind.CONFIG
    assert flow.config == {"region": "eu"}


def test_config_keys_are_typo_candidates_and_consumers_of_config_must_agree() -> None:
    flow = Dataflow.build([node("a", "regoin")], config={"region": "eu"})
    assert "did you mean 'region'" in flow.problems[0].message
    flow = Dataflow.build(
        [node("a", Dependency("region", TypeRef("str"))), node("b", Dependency("region", INT))],
        config={"region": "eu"},
    )
    assert codes(flow.problems) == [Code.TYPE_MISMATCH]


def test_running_a_dataflow_built_from_source_text_says_what_to_do() -> None:
    from livedag.engine.execution import ExecutionError, run

    flow = Dataflow.build([node("b", "a")])  # static specs: no compute
    with pytest.raises(ExecutionError, match="build the driver from imported modules"):
        run(flow, ["b"], inputs={"a": 1})


def test_closest_names_on_a_large_graph_still_finds_farther_matches() -> None:
    """Past 2,000 nodes difflib only looks at names sharing the first letters or word."""
    filler = [node(f"zz{i}_metric") for i in range(2_500)]
    flow = Dataflow.build([*filler, node("email_domain"), node("customer_email_domain")])
    assert len(flow.nodes) > 2_000
    assert flow.closest_names("email_dom")[0] == "email_domain"  # two edits away: difflib's
    assert flow.closest_names("zz17_metrc")[0] == "zz17_metric"  # one edit: the typo index
    assert flow.closest_names("qqqqqq") == []


def test_closest_names_on_a_large_graph_offers_inputs_too() -> None:
    filler = [node(f"zz{i}_metric", "raw_b") for i in range(2_500)]
    flow = Dataflow.build(filler)
    assert "raw_b" in flow.closest_names("raw_bb")  # an input, one edit away
    assert "raw_b" in flow.closest_names("rawb_x")  # an input, farther: difflib's


def test_closest_names_in_steps_answer_as_difflib_does_and_pause_between_names() -> None:
    import difflib

    from livedag.engine.dataflow import _close_matches_steps

    names = [f"m{i}_f{j}" for i in range(5) for j in range(40)] + ["m1f_1x", "m1_ff1"]
    for word in ("m1f_1", "m3_f2", "zz", "m4_f39x"):
        steps = _close_matches_steps(word, names, 3, 0.6, per_step=20)
        pauses = 0
        while True:
            try:
                next(steps)
                pauses += 1
            except StopIteration as done:
                assert done.value == difflib.get_close_matches(word, names, n=3, cutoff=0.6)
                break
        assert pauses == len(names) // 20
    filler = [node(f"zz{i}_metric") for i in range(2_500)]
    flow = Dataflow.build([*filler, node("email_domain")])
    steps = flow.closest_names_steps("email_dom", per_step=1)
    try:
        while True:
            next(steps)
    except StopIteration as done:
        assert done.value == flow.closest_names("email_dom") == ["email_domain"]
