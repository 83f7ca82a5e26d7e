"""The rule runner itself: the default node, tag targeting, problem reporting."""

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
            Parameter("rest", kind=ParameterKind.VAR_KEYWORD),
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
    assert [p.code for p in out.problems] == ["LD006"]


def test_missing_return_annotation_is_ld005() -> None:
    out = expand_function(spec(returns=None), {})
    assert [p.code for p in out.problems] == ["LD005"]


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
