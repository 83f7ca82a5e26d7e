"""A parameter with a default needs no producer: declaring inputs must not make it an error."""

from __future__ import annotations

from livedag.engine.codes import Code
from livedag.engine.dataflow import Dataflow
from livedag.engine.specs import Dependency, NodeSpec, TypeRef

FLOAT = TypeRef("float")


def model(*deps: Dependency) -> NodeSpec:
    return NodeSpec("model", FLOAT, deps)


def ld002(flow: Dataflow) -> list[tuple[str, str]]:
    return [
        (p.severity.value, p.message) for p in flow.problems if p.code == Code.UNKNOWN_DEPENDENCY
    ]


def test_a_defaulted_parameter_nobody_produces_is_fine_with_declared_inputs() -> None:
    flow = Dataflow.build(
        [model(Dependency("data", FLOAT), Dependency("learning_rate", FLOAT, optional=True))],
        declared_inputs=["data"],
    )
    assert ld002(flow) == []


def test_a_required_undeclared_parameter_is_still_an_error() -> None:
    flow = Dataflow.build([model(Dependency("data", FLOAT))], declared_inputs=[])
    assert [severity for severity, _ in ld002(flow)] == ["error"]


def test_a_defaulted_parameter_that_looks_like_a_typo_is_a_warning() -> None:
    rate = NodeSpec("learning_rate", FLOAT)
    flow = Dataflow.build(
        [rate, model(Dependency("learning_rat", FLOAT, optional=True))], declared_inputs=[]
    )
    ((severity, message),) = ld002(flow)
    assert severity == "warning" and "learning_rate" in message
