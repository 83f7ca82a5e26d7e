"""The rule runner itself: the default node, tag targeting, problem reporting."""

from livedag.engine.codes import Code
from livedag.engine.rules import expand_function
from livedag.engine.specs import Call, FunctionSpec, Parameter, ParameterKind, TypeRef

INT = TypeRef("int")


def spec(*decorators: Call, returns: TypeRef | None = INT) -> FunctionSpec:
    return FunctionSpec(
        name="total",
        module="m",
        parameters=(
            Parameter("a", TypeRef("int")),
            Parameter("b", TypeRef("int"), has_default=True),
            Parameter("rest", TypeRef("int"), kind=ParameterKind.VAR_KEYWORD),
        ),
        returns=returns,
        decorators=decorators,
    )


def test_plain_function_is_one_node_with_its_parameters_as_dependencies() -> None:
    (node,) = expand_function(spec(), {}).nodes
    assert node.name == "total"
    assert [(d.name, d.optional) for d in node.dependencies] == [("a", False), ("b", True)]
    assert node.tags == {"module": "m"}


def test_tag_adds_user_tags() -> None:
    (node,) = expand_function(spec(Call("tag", kwargs={"owner": "ds"})), {}).nodes
    assert node.user_tags == {"owner": "ds"}


def test_misused_decorator_is_reported_and_the_node_survives() -> None:
    out = expand_function(spec(Call("tag", args=("oops",))), {})
    assert [n.name for n in out.nodes] == ["total"]
    assert [p.code for p in out.problems] == [Code.DECORATOR_MISUSE]


def test_missing_return_annotation_is_ld005() -> None:
    out = expand_function(spec(returns=None), {})
    assert [p.code for p in out.problems] == [Code.MISSING_ANNOTATION]


def test_unknown_decorators_change_nothing() -> None:
    out = expand_function(spec(Call("functools.cache", known=False)), {})
    assert [n.name for n in out.nodes] == ["total"] and not out.problems


def test_renamed_function_nodes_still_name_the_def_they_come_from() -> None:
    renamed = FunctionSpec(
        name="rate__us",
        module="m",
        returns=INT,
        decorators=(Call("config.when", kwargs={"region": "us"}),),
    )
    (node,) = expand_function(renamed, {"region": "us"}).nodes
    assert (node.name, node.function) == ("rate", "rate__us")


def test_a_decorator_written_without_its_call_is_ld006_and_no_node() -> None:
    out = expand_function(spec(Call("extract_columns", bare=True)), {})
    assert out.nodes == []
    assert [p.code for p in out.problems] == [Code.DECORATOR_MISUSE]
    assert "@extract_columns(...)" in out.problems[0].message


def test_hamilton_exclude_is_meant_to_be_bare() -> None:
    out = expand_function(spec(Call("hamilton_exclude", bare=True)), {})
    assert out.nodes == [] and out.problems == []


def test_bare_decorators_at_runtime_also_leave_no_node() -> None:
    import types

    from livedag.engine.function_modifiers import tag
    from livedag.engine.introspect import module_functions

    module = types.ModuleType("m_bare")

    def total(a: int) -> int:
        return a

    total.__module__ = "m_bare"
    module.total = tag(total)  # what `@tag` without parentheses binds
    assert module_functions(module) == []
