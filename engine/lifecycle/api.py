"""The lifecycle adapters users write, under Hamilton's names and signatures.

Subclass one and implement its `run_...` methods; the `@final` bridges below turn the driver's
calls into those.  The same bridges serve adapters written against `hamilton.lifecycle.api` (see
`base`), so a hook written for Hamilton gets the same arguments here.
"""

from __future__ import annotations

import abc
from collections.abc import Collection
from typing import Any, final

from ..graph_types import HamiltonGraph, HamiltonNode, RuntimeGraph, RuntimeNode
from ..specs import NodeKind, NodeRole
from .base import (
    BaseDoBuildResult,
    BaseDoCheckEdgeTypesMatch,
    BaseDoNodeExecute,
    BaseDoValidateInput,
    BasePostGraphConstruct,
    BasePostGraphExecute,
    BasePostNodeExecute,
    BasePreGraphExecute,
    BasePreNodeExecute,
    BaseValidateGraph,
    BaseValidateNode,
)


class ResultBuilder(BaseDoBuildResult, abc.ABC):
    """Builds what `execute` returns from the requested outputs."""

    @abc.abstractmethod
    def build_result(self, **outputs: Any) -> Any:
        """The result for these outputs (name → value, in the order requested)."""

    @final
    def do_build_result(self, *, outputs: Any) -> Any:
        return self.build_result(**outputs)

    def input_types(self) -> list[type]:
        return [Any]

    def output_type(self) -> Any:
        return Any


class LegacyResultMixin(ResultBuilder, abc.ABC):
    """A result builder whose `build_result` is a static method (Hamilton's older style)."""

    @staticmethod
    def build_result(**outputs: Any) -> Any:
        """The result for these outputs."""


class GraphAdapter(
    BaseDoNodeExecute, LegacyResultMixin, BaseDoValidateInput, BaseDoCheckEdgeTypesMatch, abc.ABC
):
    """Hamilton's legacy graph adapter: runs each node (`execute_node`), checks input and edge
    types, and builds the result."""

    @staticmethod
    @abc.abstractmethod
    def check_input_type(node_type: type, input_value: Any) -> bool:
        """Whether an input value suits the node's type."""

    @staticmethod
    @abc.abstractmethod
    def check_node_type_equivalence(node_type: type, input_type: type) -> bool:
        """Whether two annotations should be taken as the same."""

    @final
    def do_node_execute(
        self, *, run_id: str, node_: RuntimeNode, kwargs: dict[str, Any], task_id: str | None = None
    ) -> Any:
        return self.execute_node(node_, kwargs)

    @final
    def do_validate_input(self, *, node_type: type, input_value: Any) -> bool:
        return self.check_input_type(node_type, input_value)

    @final
    def do_check_edge_types_match(self, *, type_from: type, type_to: type) -> bool:
        return self.check_node_type_equivalence(type_to, type_from)

    @abc.abstractmethod
    def execute_node(self, node: RuntimeNode, kwargs: dict[str, Any]) -> Any:
        """Run one node (`node.callable(**kwargs)` runs it as the driver would)."""


class NodeExecutionHook(BasePreNodeExecute, BasePostNodeExecute, abc.ABC):
    """Runs code before and after every node: timing, logging, tracing."""

    @abc.abstractmethod
    def run_before_node_execution(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_kwargs: dict[str, Any],
        node_return_type: type,
        task_id: str | None,
        run_id: str,
        node_input_types: dict[str, Any],
        **future_kwargs: Any,
    ) -> None:
        """Called before the node runs, with the values it is about to receive."""

    @final
    def pre_node_execute(
        self, *, run_id: str, node_: RuntimeNode, kwargs: dict[str, Any], task_id: str | None = None
    ) -> None:
        self.run_before_node_execution(
            node_name=node_.name,
            node_tags=node_.tags,
            node_kwargs=kwargs,
            node_return_type=node_.type,
            task_id=task_id,
            run_id=run_id,
            node_input_types={k: v[0] for k, v in node_.input_types.items()},
        )

    @abc.abstractmethod
    def run_after_node_execution(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_kwargs: dict[str, Any],
        node_return_type: type,
        result: Any,
        error: Exception | None,
        success: bool,
        task_id: str | None,
        run_id: str,
        **future_kwargs: Any,
    ) -> None:
        """Called after the node ran: its result, or the error it raised."""

    @final
    def post_node_execute(
        self,
        *,
        run_id: str,
        node_: RuntimeNode,
        kwargs: dict[str, Any],
        success: bool,
        error: Exception | None,
        result: Any,
        task_id: str | None = None,
    ) -> None:
        self.run_after_node_execution(
            node_name=node_.name,
            node_tags=node_.tags,
            node_kwargs=kwargs,
            node_return_type=node_.type,
            result=result,
            error=error,
            task_id=task_id,
            success=success,
            run_id=run_id,
        )


class GraphExecutionHook(BasePreGraphExecute, BasePostGraphExecute):
    """Runs code before and after every execution of the graph."""

    @final
    def pre_graph_execute(
        self,
        *,
        run_id: str,
        graph: RuntimeGraph,
        final_vars: list[str],
        inputs: dict[str, Any] | None,
        overrides: dict[str, Any] | None,
    ) -> None:
        from ..execution import execution_path

        self.run_before_graph_execution(
            graph=graph.hamilton_graph,
            final_vars=final_vars,
            inputs=inputs,
            overrides=overrides,
            execution_path=execution_path(graph.flow, final_vars, inputs, overrides),
            run_id=run_id,
        )

    @final
    def post_graph_execute(
        self,
        *,
        run_id: str,
        graph: RuntimeGraph,
        success: bool,
        error: Exception | None,
        results: dict[str, Any] | None,
    ) -> None:
        self.run_after_graph_execution(
            graph=graph.hamilton_graph, success=success, error=error, results=results, run_id=run_id
        )

    @abc.abstractmethod
    def run_before_graph_execution(
        self,
        *,
        graph: HamiltonGraph,
        final_vars: list[str],
        inputs: dict[str, Any] | None,
        overrides: dict[str, Any] | None,
        execution_path: Collection[str],
        run_id: str,
        **future_kwargs: Any,
    ) -> None:
        """Called before execution; `execution_path` names the function nodes that will run."""

    @abc.abstractmethod
    def run_after_graph_execution(
        self,
        *,
        graph: HamiltonGraph,
        success: bool,
        error: Exception | None,
        results: dict[str, Any] | None,
        run_id: str,
        **future_kwargs: Any,
    ) -> None:
        """Called after execution, successful or not."""


class NodeExecutionMethod(BaseDoNodeExecute):
    """Runs each node in place of the driver (`node_callable(**node_kwargs)` is the default)."""

    @final
    def do_node_execute(
        self, *, run_id: str, node_: RuntimeNode, kwargs: dict[str, Any], task_id: str | None = None
    ) -> Any:
        return self.run_to_execute_node(
            node_name=node_.name,
            node_tags=node_.tags,
            node_callable=node_.callable,
            node_kwargs=kwargs,
            task_id=task_id,
            is_expand=node_.node_role is NodeRole.EXPAND,
            is_collect=node_.node_role is NodeRole.COLLECT,
        )

    @abc.abstractmethod
    def run_to_execute_node(
        self,
        *,
        node_name: str,
        node_tags: dict[str, Any],
        node_callable: Any,
        node_kwargs: dict[str, Any],
        task_id: str | None,
        is_expand: bool,
        is_collect: bool,
        **future_kwargs: Any,
    ) -> Any:
        """Run the node and return its value."""


class EdgeConnectionHook(BaseDoCheckEdgeTypesMatch, BaseDoValidateInput, abc.ABC):
    """Loosens type checks: edges between annotations, and input values (or-ed with the
    default checks, so it can only accept more)."""

    @final
    def do_check_edge_types_match(self, *, type_from: type, type_to: type) -> bool:
        return self.check_edge_types_match(type_from, type_to)

    @abc.abstractmethod
    def check_edge_types_match(self, type_from: type, type_to: type, **kwargs: Any) -> bool:
        """Whether a producer of `type_from` may feed a parameter of `type_to`."""

    @final
    def do_validate_input(self, *, node_type: type, input_value: Any) -> bool:
        return self.validate_input(node_type=node_type, input_value=input_value)

    @abc.abstractmethod
    def validate_input(self, node_type: type, input_value: Any, **kwargs: Any) -> bool:
        """Whether an input value is acceptable for a node of `node_type`."""


class StaticValidator(BaseValidateGraph, BaseValidateNode):
    """Checks the dataflow when the driver is built; a failure stops the build."""

    def run_to_validate_node(self, *, node: Any, **future_kwargs: Any) -> tuple[bool, str | None]:
        """(valid, error message) for one node (a `HamiltonNode`)."""
        return True, None

    def run_to_validate_graph(
        self, graph: HamiltonGraph, **future_kwargs: Any
    ) -> tuple[bool, str | None]:
        """(valid, error message) for the whole graph."""
        return True, None

    @final
    def validate_node(self, *, created_node: RuntimeNode) -> tuple[bool, str | None]:
        return self.run_to_validate_node(node=_hamilton_node(created_node))

    @final
    def validate_graph(
        self, *, graph: RuntimeGraph, modules: Any, config: Any
    ) -> tuple[bool, str | None]:
        return self.run_to_validate_graph(graph=graph.hamilton_graph)


def _hamilton_node(node: RuntimeNode) -> HamiltonNode:
    spec = node.spec
    return HamiltonNode(
        name=spec.name,
        type=node.type,
        tags=dict(spec.tags),
        is_external_input=spec.kind is not NodeKind.FUNCTION,
        originating_functions=node.originating_functions,
        documentation=spec.doc,
        required_dependencies={d.name for d in spec.dependencies if not d.optional},
        optional_dependencies={d.name for d in spec.dependencies if d.optional},
    )


class GraphConstructionHook(BasePostGraphConstruct, abc.ABC):
    """Runs once the graph is built (e.g. to record a hash of it)."""

    @final
    def post_graph_construct(self, *, graph: RuntimeGraph, modules: Any, config: Any) -> None:
        self.run_after_graph_construction(graph=graph.hamilton_graph, config=config)

    @abc.abstractmethod
    def run_after_graph_construction(
        self, *, graph: HamiltonGraph, config: Any, **future_kwargs: Any
    ) -> None:
        """Called with the built graph and the config it was built with."""
