"""The runtime driver: Hamilton's `driver.Driver` / `driver.Builder` API over livedag's engine.

Imported modules become FunctionSpecs (`introspect`), the graph rules make the nodes, a
`Dataflow` links and validates them, and `execution` runs what the outputs need.  The graph that
runs is therefore the very graph the editor shows.  As in Hamilton, graph errors (cycles,
duplicates, type mismatches, missing annotations, misused decorators) stop construction, all of
them listed at once.

Defaults follow Hamilton: `Driver(config, *modules)` returns a pandas DataFrame from `execute`,
`Builder().build()` a dict unless a result builder is added.
"""

from __future__ import annotations

import copy
import json
import logging
import types
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import base, dynamic, execution, runners, visualize
from .caching import ResultCache
from .codes import Code
from .dataflow import Dataflow
from .graph_types import HamiltonNode, RuntimeGraph
from .introspect import module_functions
from .io import materialization
from .lifecycle.base import LifecycleAdapterSet, ValidationException
from .rules import expand_module
from .specs import NodeSpec, Problem, Severity

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

# Problems Hamilton refuses to build a graph with.
BLOCKING_CODES = frozenset(
    {
        Code.CYCLE,
        Code.DUPLICATE_NODE,
        Code.TYPE_MISMATCH,
        Code.MISSING_ANNOTATION,
        Code.DECORATOR_MISUSE,
    }
)


class GraphError(ValueError):
    """The modules do not form a dataflow Hamilton would build; `problems` lists why."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        listed = "\n".join(f"  {p.code} {p.location or '<unknown>'}: {p.message}" for p in problems)
        super().__init__(
            f"{len(problems)} problem(s) prevent building the dataflow; fix them and rebuild:\n"
            + listed
        )


# One node as the driver lists it: Hamilton's `driver.Variable` is its `HamiltonNode`.
Variable = HamiltonNode


def _adapter_list(adapter: Any) -> list[Any]:
    if adapter is None:
        return []
    if isinstance(adapter, LifecycleAdapterSet):
        return adapter.adapters
    if isinstance(adapter, (list, tuple)):
        return [a for a in adapter if a is not None]
    return [adapter]


def _refuse_unsupported(adapters: Sequence[Any]) -> None:
    """Adapters whose work livedag's driver does not do: an error, never a silent drop."""
    for adapter in adapters:
        if isinstance(adapter, ResultCache):
            continue
        if type(adapter).__name__ in ("HamiltonCacheAdapter", "SmartCacheAdapter"):
            raise ValueError(
                f"{type(adapter).__name__} is Hamilton's cache adapter, which works on "
                f"Hamilton's graph only; use Builder().with_cache(...) for livedag's cache"
            )
    caches = [a for a in adapters if isinstance(a, ResultCache)]
    if len(caches) > 1:
        raise ValueError("Cannot use .with_cache() twice, or with another ResultCache adapter")


def _builds_result(adapter: Any) -> bool:
    return callable(getattr(adapter, "do_build_result", None)) or base.is_result_builder(adapter)


class Driver:
    """Builds the dataflow of `modules` under `config` and executes it."""

    def __init__(
        self,
        config: Mapping[str, Any],
        *modules: types.ModuleType,
        adapter: Any = None,
        allow_module_overrides: bool = False,
        _materializers: Sequence[Any] | None = None,
        _use_legacy_adapter: bool = True,
        _graph_executor: runners.DataflowRunner | None = None,
    ):
        adapters = _adapter_list(adapter)
        _refuse_unsupported(adapters)
        # Dynamic execution or an adapter running nodes elsewhere (Dask); None: in process.
        adapters, self.graph_executor = runners.pick(adapters, _graph_executor)
        if any(isinstance(a, ResultCache) for a in adapters):
            elsewhere = [type(self.graph_executor).__name__] if self.graph_executor else []
            elsewhere += [
                type(a).__name__
                for a in adapters
                if callable(getattr(a, "do_remote_execute", None))
            ]
            if elsewhere:
                raise NotImplementedError(
                    f"with_cache() with {', '.join(elsewhere)} is not supported: livedag's cache "
                    f"runs with the in-process executor only; drop with_cache() or the dynamic "
                    f"execution / Dask / Ray adapter"
                )
        if _use_legacy_adapter and not any(_builds_result(a) for a in adapters):
            adapters.append(base.PandasDataFrameResult())
        self.adapter = LifecycleAdapterSet(*adapters)
        if self.adapter.does_hook("pre_do_anything"):
            self.adapter.call_all_lifecycle_hooks_sync("pre_do_anything")
        self.config = dict(config)
        self.graph_modules = modules
        self.flow, self._functions = _build_dataflow(modules, self.config, allow_module_overrides)
        self._check_buildable(self.flow)
        if _materializers:
            self.flow = materialization.with_materializers(
                self.flow, _materializers, self._output_names
            )
            self._check_buildable(self.flow)
        self.graph = self._runtime_graph(self.flow)
        self._validate_and_announce(self.graph)

    def _check_buildable(self, flow: Dataflow) -> None:
        blocking = [
            p for p in flow.problems if p.severity is Severity.ERROR and p.code in BLOCKING_CODES
        ]
        if blocking and self.adapter.does_method("do_check_edge_types_match"):
            blocking = [p for p in blocking if not self._edge_types_accepted(flow, p)]
        if blocking:
            raise GraphError(blocking)

    def _edge_types_accepted(self, flow: Dataflow, problem: Problem) -> bool:
        """Whether an adapter's `do_check_edge_types_match` accepts every mismatched edge an
        LD004 problem is about (it can only loosen the check, as in Hamilton)."""
        spec = flow.nodes.get(problem.node or "")
        if problem.code is not Code.TYPE_MISMATCH or spec is None:
            return False
        for dep in spec.dependencies:
            producer = flow.nodes.get(dep.name)
            if producer is None or dep.type is None or producer.type is None:
                continue
            if dep.type.key == producer.type.key:
                continue
            accepted = self.adapter.call_lifecycle_method_sync(
                "do_check_edge_types_match",
                type_from=producer.type.obj if producer.type.obj is not None else Any,
                type_to=dep.type.obj if dep.type.obj is not None else Any,
            )
            if not accepted:
                return False
        return True

    def _runtime_graph(self, flow: Dataflow) -> RuntimeGraph:
        return RuntimeGraph(flow, self._functions, execution.node_callable)

    def _validate_and_announce(self, graph: RuntimeGraph) -> None:
        """Run the adapters' static validators, then their post-construction hooks."""
        if self.adapter.does_validation("validate_node"):
            failures = {}
            for name in graph.flow.nodes:
                errors = [
                    str(r.error)
                    for r in self.adapter.call_all_validators_sync(
                        "validate_node", created_node=graph.node(name)
                    )
                ]
                if errors:
                    failures[name] = errors
            if failures:
                listed = "\n  ".join(
                    f"{name}: {'; '.join(errors)}" for name, errors in sorted(failures.items())
                )
                raise ValidationException(
                    f"Node validation failed! {len(failures)} errors encountered:\n  {listed}"
                )
        if self.adapter.does_validation("validate_graph"):
            results = self.adapter.call_all_validators_sync(
                "validate_graph", graph=graph, modules=self.graph_modules, config=self.config
            )
            if results:
                errors = sorted(str(r.error) for r in results)
                raise ValidationException(
                    f"Graph validation failed! {len(errors)} errors encountered: "
                    + "; ".join(errors)
                )
        if self.adapter.does_hook("post_graph_construct"):
            self.adapter.call_all_lifecycle_hooks_sync(
                "post_graph_construct", graph=graph, modules=self.graph_modules, config=self.config
            )

    # --- execution ------------------------------------------------------------------------------

    def execute(
        self,
        final_vars: Sequence[str | Callable[..., Any] | Variable],
        overrides: Mapping[str, Any] | None = None,
        display_graph: bool = False,
        inputs: Mapping[str, Any] | None = None,
    ) -> Any:
        """Compute `final_vars` and combine them with the result builder (dict if none).

        Graph hooks run around it, node hooks around each node; the result builder runs inside
        (its failure is the run's failure, as in Hamilton)."""
        if display_graph:
            logger.warning("display_graph=True is deprecated; use visualize_execution() instead")
        names = self._output_names(final_vars)
        run_id = str(uuid.uuid4())
        self._before_run(run_id, self.graph, names, inputs, overrides)
        outputs: Any = None
        error: Exception | None = None
        try:
            outputs = self._run(self.graph, names, inputs, overrides, run_id)
            if self.adapter.does_method("do_build_result"):
                outputs = self.adapter.call_lifecycle_method_sync(
                    "do_build_result", outputs=outputs
                )
        except Exception as exc:
            error = exc
            raise
        finally:
            self._after_run(run_id, self.graph, error, outputs)
        return outputs

    def raw_execute(
        self,
        final_vars: Sequence[str | Callable[..., Any] | Variable],
        overrides: Mapping[str, Any] | None = None,
        display_graph: bool = False,
        inputs: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Compute `final_vars` and return them as a dict, in the order requested (graph hooks
        run; the result builder does not)."""
        if display_graph:
            logger.warning("display_graph=True is deprecated; use visualize_execution() instead")
        names = self._output_names(final_vars)
        run_id = str(uuid.uuid4())
        self._before_run(run_id, self.graph, names, inputs, overrides)
        outputs: dict[str, Any] | None = None
        error: Exception | None = None
        try:
            outputs = self._run(self.graph, names, inputs, overrides, run_id)
        except Exception as exc:
            error = exc
            raise
        finally:
            self._after_run(run_id, self.graph, error, outputs)
        return outputs

    def _run(
        self,
        graph: RuntimeGraph,
        names: list[str],
        inputs: Mapping[str, Any] | None,
        overrides: Mapping[str, Any] | None,
        run_id: str,
    ) -> dict[str, Any]:
        """Compute `names` over `graph` (the driver's, or one with materializers added)."""
        if self.graph_executor is not None:  # dynamic execution, or Dask
            return self.graph_executor.execute(
                graph.flow,
                names,
                inputs=inputs,
                overrides=overrides,
                adapters=self.adapter,
                graph=graph,
                run_id=run_id,
            )
        return execution.run(
            graph.flow,
            names,
            inputs=inputs,
            overrides=overrides,
            adapters=self.adapter,
            graph=graph,
            run_id=run_id,
        )

    def _before_run(
        self,
        run_id: str,
        graph: RuntimeGraph,
        names: list[str],
        inputs: Mapping[str, Any] | None,
        overrides: Mapping[str, Any] | None,
    ) -> None:
        if self.adapter.does_hook("pre_graph_execute"):
            self.adapter.call_all_lifecycle_hooks_sync(
                "pre_graph_execute",
                run_id=run_id,
                graph=graph,
                final_vars=names,
                inputs=inputs,
                overrides=overrides,
            )

    def _after_run(
        self, run_id: str, graph: RuntimeGraph, error: Exception | None, results: Any
    ) -> None:
        if self.adapter.does_hook("post_graph_execute"):
            self.adapter.call_all_lifecycle_hooks_sync(
                "post_graph_execute",
                run_id=run_id,
                graph=graph,
                success=error is None,
                error=error,
                results=results,
            )

    @property
    def cache(self) -> ResultCache:
        """The result cache `Builder.with_cache()` added (run ids, versions, logs, stores)."""
        for adapter in self.adapter.adapters:
            if isinstance(adapter, ResultCache):
                return adapter
        raise KeyError(
            "Cache not yet set: add one with Builder().with_cache() when building the Driver"
        )

    def validate_execution(
        self,
        final_vars: Sequence[str | Callable[..., Any] | Variable],
        overrides: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> None:
        """Raise what `execute` would raise before running anything (unknown outputs, missing
        or ill-typed inputs); return quietly when it could start."""
        self._validate(self.flow, self._output_names(final_vars), inputs, overrides)

    def _validate(
        self,
        flow: Dataflow,
        names: Sequence[str],
        inputs: Mapping[str, Any] | None,
        overrides: Mapping[str, Any] | None,
    ) -> set[str]:
        """Check an execution of `names` over `flow` could start; the nodes it needs."""
        overrides = dict(overrides or {})
        given = execution.given_values(self.config, inputs)
        execution.check_outputs(flow, names, given)
        needed = execution.needed_nodes(flow, names, given, overrides)
        validate_input = None
        if self.adapter.does_method("do_validate_input"):

            def validate_input(node_type: Any, value: Any) -> bool:
                return bool(
                    self.adapter.call_lifecycle_method_sync(
                        "do_validate_input", node_type=node_type, input_value=value
                    )
                )

        execution.check_inputs(flow, names, needed, given, overrides, validate_input)
        if isinstance(self.graph_executor, dynamic.TaskBasedGraphExecutor):
            dynamic.make_plan(flow, names, needed, overrides)  # refusals, before running
        return needed

    @staticmethod
    def validate_inputs(
        fn_graph: Dataflow | RuntimeGraph,
        adapter: Any,
        user_nodes: Collection[str | Variable],
        inputs: Mapping[str, Any] | None = None,
        nodes_set: Collection[str | Variable] | None = None,
    ) -> None:
        """Hamilton's input check, on its own: inputs must not clash with the config; each of
        `user_nodes` (external inputs, by name or Variable) must be supplied when a node of
        `nodes_set` (default: all) requires it, and must suit its type (an adapter's
        `do_validate_input` decides when it has one).  Raises ValueError listing every problem."""
        flow = fn_graph.flow if isinstance(fn_graph, RuntimeGraph) else fn_graph
        adapters = (
            adapter
            if isinstance(adapter, LifecycleAdapterSet)
            else LifecycleAdapterSet(*_adapter_list(adapter))
        )
        given = execution.given_values(flow.config, inputs)
        within = {_name_of(n) for n in nodes_set} if nodes_set is not None else set(flow.nodes)
        errors = []
        for name in sorted(_name_of(n) for n in user_nodes):
            spec = flow.nodes.get(name)
            if spec is None:
                errors.append(f"Error: {name!r} is not a node of the dataflow")
                continue
            if name not in given:
                requiring = sorted(
                    s.name
                    for s, dep in flow.consumers(name)
                    if s.name in within and not dep.optional
                )
                if requiring:
                    errors.append(
                        f"Error: Required input {name} not provided for nodes: {requiring}."
                    )
                continue
            value = given[name]
            expected = spec.type.obj if spec.type is not None and spec.type.obj is not None else Any
            if adapters.does_method("do_validate_input"):
                valid = value is None or bool(
                    adapters.call_lifecycle_method_sync(
                        "do_validate_input", node_type=expected, input_value=value
                    )
                )
            else:
                valid = value is None or execution.value_matches(value, expected)
            if not valid:
                errors.append(
                    f"Error: Type requirement mismatch. Expected {name}:{expected} got "
                    f"{value!r}:{type(value)} instead."
                )
        if errors:
            raise ValueError(
                f"{len(errors)} errors encountered: \n  " + "\n  ".join(sorted(errors))
            )

    def _output_names(self, final_vars: Sequence[str | Callable[..., Any] | Variable]) -> list[str]:
        names = []
        for var in final_vars:
            if isinstance(var, str):
                names.append(var)
            elif isinstance(var, Variable):
                names.append(var.name)
            elif callable(var):
                name = getattr(var, "__name__", repr(var))
                base_name = name.split("__")[0] if "__" in name.strip("_") else name
                names.append(name if name in self.flow.nodes else base_name)
            else:
                raise TypeError(f"outputs are names or functions, got {var!r}")
        return names

    # --- materialization ------------------------------------------------------------------------

    def _materialized(
        self, materializers: Sequence[Any], additional_vars: Sequence[Any] | None
    ) -> tuple[RuntimeGraph, list[str], list[str]]:
        """The graph with `materializers` added, the additional outputs and the saver ids."""
        materialization.check_factories(materializers, "materialize")
        extra = self._output_names(list(additional_vars or []))
        ids = [m.id for m in materializers if materialization.is_materializer(m)]
        if not ids and not extra:
            raise ValueError(
                "No output requested: pass materializers that save data (to.<format>(...)), "
                "or name outputs to compute in additional_vars"
            )
        flow = materialization.with_materializers(self.flow, materializers, self._output_names)
        self._check_buildable(flow)
        return self._runtime_graph(flow), extra, ids

    def materialize(
        self,
        *materializers: Any,
        additional_vars: Sequence[str | Callable[..., Any] | Variable] | None = None,
        overrides: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Run with ad-hoc savers (`to.<format>`) and loaders (`from_.<format>`): returns the
        savers' metadata by id and the `additional_vars` values, both as dicts."""
        graph, extra, ids = self._materialized(materializers, additional_vars)
        self._validate_and_announce(graph)
        run_id = str(uuid.uuid4())
        names = extra + ids
        self._before_run(run_id, graph, names, inputs, overrides)
        outputs: tuple[dict[str, Any], dict[str, Any]] | None = None
        error: Exception | None = None
        try:
            raw = self._run(graph, names, inputs, overrides, run_id)
            outputs = ({i: raw[i] for i in ids}, {n: raw[n] for n in extra})
        except Exception as exc:
            error = exc
            raise
        finally:
            self._after_run(run_id, graph, error, outputs[1] if outputs else None)
        return outputs

    def validate_materialization(
        self,
        *materializers: Any,
        additional_vars: Sequence[str | Callable[..., Any] | Variable] | None = None,
        overrides: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> None:
        """`materialize` as a dry run: raise what it would raise before running anything."""
        graph, extra, ids = self._materialized(materializers, additional_vars)
        self._validate(graph.flow, extra + ids, inputs, overrides)

    def visualize_materialization(
        self,
        *materializers: Any,
        output_file_path: str | Path | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        additional_vars: Sequence[str | Callable[..., Any] | Variable] | None = None,
        inputs: Mapping[str, Any] | None = None,
        graphviz_kwargs: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
        show_legend: bool = True,
        orient: str = "LR",
        hide_inputs: bool = False,
        deduplicate_inputs: bool = False,
        show_schema: bool = True,
        custom_style_function: Callable[..., Any] | None = None,
        bypass_validation: bool = False,
        keep_dot: bool = False,
    ) -> str:
        """DOT text of what `materialize` would run; rendered when a path is given."""
        graph, extra, ids = self._materialized(materializers, additional_vars)
        return self._execution_picture(
            graph.flow,
            extra + ids,
            output_file_path,
            render_kwargs,
            inputs,
            graphviz_kwargs,
            overrides,
            show_legend=show_legend,
            orient=orient,
            hide_inputs=hide_inputs,
            bypass_validation=bypass_validation,
            keep_dot=keep_dot,
        )

    def export_execution(
        self,
        final_vars: Sequence[str | Callable[..., Any] | Variable],
        inputs: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> str:
        """JSON text describing every node executing `final_vars` touches (inputs included),
        sorted by name: `{"nodes": [{"name", "tags", "output_type", ...}]}`."""
        names = self._output_names(final_vars)
        needed = self._validate(self.flow, names, inputs, overrides)
        described = [
            self._variable(spec).as_dict()
            for name, spec in self.flow.nodes.items()
            if name in needed
        ]
        return json.dumps({"nodes": sorted(described, key=lambda n: n["name"])}, default=str)

    def has_cycles(self, final_vars: Sequence[str | Callable[..., Any] | Variable]) -> bool:
        """Whether what computing `final_vars` needs contains a cycle."""
        import networkx as nx  # imported when first needed (see adjacency.digraph_from)

        names = [n for n in self._output_names(final_vars) if n in self.flow.nodes]
        upstream = self.flow.upstream_of(*names) | set(names) if names else set()
        return not nx.is_directed_acyclic_graph(self.flow.graph.subgraph(upstream))

    # --- what is there --------------------------------------------------------------------------

    def _variable(self, spec: NodeSpec) -> Variable:
        return self.graph.hamilton_node(spec)

    def list_available_variables(
        self, *, tag_filter: Mapping[str, str | list[str] | None] | None = None
    ) -> list[Variable]:
        """Every node (config keys included, as in Hamilton), optionally filtered by tags:
        a value matches exactly, a list matches any of its values, None matches any value."""
        found = [self._variable(spec) for spec in self.flow.nodes.values()]
        if not tag_filter:
            return found
        return [v for v in found if _matches(v.tags, tag_filter)]

    def _check_names(self, names: Sequence[str]) -> None:
        execution.check_outputs(self.flow, names, self.config)

    def _variables_in(self, names: Iterable[str]) -> list[Variable]:
        nodes = self.flow.nodes
        return [self._variable(nodes[name]) for name in names]

    def what_is_upstream_of(self, *node_names: str) -> list[Variable]:
        """The named nodes and everything they depend on."""
        self._check_names(node_names)
        return self._variables_in(_as_hamilton_lists(self.flow, node_names, upward=True))

    def what_is_downstream_of(self, *node_names: str) -> list[Variable]:
        """The named nodes and everything that depends on them."""
        self._check_names(node_names)
        return self._variables_in(_as_hamilton_lists(self.flow, node_names, upward=False))

    def what_is_the_path_between(
        self, upstream_node_name: str, downstream_node_name: str
    ) -> list[Variable]:
        """Nodes on any path from one node down to the other, both included (empty: no path)."""
        for name, role in ((upstream_node_name, "Upstream"), (downstream_node_name, "Downstream")):
            if name not in self.flow.nodes:
                guesses = self.flow.closest_names(name)
                hint = f"; did you mean {' or '.join(map(repr, guesses))}?" if guesses else ""
                raise ValueError(f"{role} node '{name}' is not in the dataflow{hint}")
        down = _as_hamilton_lists(self.flow, [upstream_node_name], upward=False)
        up = _as_hamilton_lists(self.flow, [downstream_node_name], upward=True)
        # Copied first, as Hamilton does (a copy may have a larger table, so another order).
        path = set(down).intersection(set(up))
        return self._variables_in(path)  # empty when there is no path

    def visualize_path_between(
        self,
        upstream_node_name: str,
        downstream_node_name: str,
        output_file_path: str | Path | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        graphviz_kwargs: Mapping[str, Any] | None = None,
        strict_path_visualization: bool = False,
        show_legend: bool = True,
        orient: str = "LR",
        hide_inputs: bool = False,
        deduplicate_inputs: bool = False,
        show_schema: bool = True,
        custom_style_function: Callable[..., Any] | None = None,
        keep_dot: bool = False,
    ) -> str:
        """DOT text of the nodes on a path from one node down to the other (plus, unless
        `strict_path_visualization`, what they depend on); ValueError when there is no path."""
        on_path = {
            v.name for v in self.what_is_the_path_between(upstream_node_name, downstream_node_name)
        }
        if not on_path:
            raise ValueError(
                f"No path found between {upstream_node_name} and {downstream_node_name}: "
                f"'{downstream_node_name}' does not depend on '{upstream_node_name}'"
            )
        shown = set(on_path)
        if not strict_path_visualization:
            for name in on_path:
                shown.update(self.flow.nodes[name].dependency_names)
        dot = visualize.to_dot(
            self.flow,
            shown,
            outputs=(upstream_node_name, downstream_node_name),
            path=on_path,
            orient=orient,
            hide_inputs=hide_inputs,
            show_legend=show_legend,
            graph_attributes=(graphviz_kwargs or {}).get("graph_attr"),
        )
        if output_file_path is not None:
            visualize.render(dot, output_file_path, render_kwargs, keep_dot=keep_dot)
        return dot

    # --- pictures -------------------------------------------------------------------------------

    def display_all_functions(
        self,
        output_file_path: str | Path | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        graphviz_kwargs: Mapping[str, Any] | None = None,
        show_legend: bool = True,
        orient: str = "LR",
        hide_inputs: bool = False,
        deduplicate_inputs: bool = False,
        show_schema: bool = True,
        custom_style_function: Callable[..., Any] | None = None,
        keep_dot: bool = False,
    ) -> str:
        """DOT text of the whole dataflow; also rendered to `output_file_path` when given."""
        dot = visualize.to_dot(
            self.flow,
            orient=orient,
            hide_inputs=hide_inputs,
            show_legend=show_legend,
            graph_attributes=(graphviz_kwargs or {}).get("graph_attr"),
        )
        if output_file_path is not None:
            visualize.render(dot, output_file_path, render_kwargs, keep_dot=keep_dot)
        return dot

    def visualize_execution(
        self,
        final_vars: Sequence[str | Callable[..., Any] | Variable],
        output_file_path: str | Path | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        graphviz_kwargs: Mapping[str, Any] | None = None,
        overrides: Mapping[str, Any] | None = None,
        show_legend: bool = True,
        orient: str = "LR",
        hide_inputs: bool = False,
        deduplicate_inputs: bool = False,
        show_schema: bool = True,
        custom_style_function: Callable[..., Any] | None = None,
        bypass_validation: bool = False,
        keep_dot: bool = False,
    ) -> str:
        """DOT text of what computing `final_vars` runs; rendered when a path is given.

        Like Hamilton, missing inputs are an error unless `bypass_validation`.
        """
        return self._execution_picture(
            self.flow,
            self._output_names(final_vars),
            output_file_path,
            render_kwargs,
            inputs,
            graphviz_kwargs,
            overrides,
            show_legend=show_legend,
            orient=orient,
            hide_inputs=hide_inputs,
            bypass_validation=bypass_validation,
            keep_dot=keep_dot,
        )

    def _execution_picture(
        self,
        flow: Dataflow,
        names: list[str],
        output_file_path: str | Path | None,
        render_kwargs: Mapping[str, Any] | None,
        inputs: Mapping[str, Any] | None,
        graphviz_kwargs: Mapping[str, Any] | None,
        overrides: Mapping[str, Any] | None,
        *,
        show_legend: bool,
        orient: str,
        hide_inputs: bool,
        bypass_validation: bool,
        keep_dot: bool,
    ) -> str:
        overrides = dict(overrides or {})
        given = execution.given_values(self.config, inputs)
        if bypass_validation:
            execution.check_outputs(flow, names, given)
            needed = execution.needed_nodes(flow, names, given, overrides)
        else:
            needed = self._validate(flow, names, inputs, overrides)
        dot = visualize.to_dot(
            flow,
            needed,
            outputs=names,
            supplied=[n for n in needed if n in given],
            overrides=overrides,
            orient=orient,
            hide_inputs=hide_inputs,
            show_legend=show_legend,
            graph_attributes=(graphviz_kwargs or {}).get("graph_attr"),
        )
        if output_file_path is not None:
            visualize.render(dot, output_file_path, render_kwargs, keep_dot=keep_dot)
        return dot

    def display_upstream_of(
        self,
        *node_names: str,
        output_file_path: str | Path | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        orient: str = "LR",
        show_legend: bool = True,
        keep_dot: bool = False,
    ) -> str:
        """DOT text of the named nodes and everything upstream of them."""
        self._check_names(node_names)
        shown = self.flow.upstream_of(*node_names) | set(node_names)
        return self._display(
            shown, node_names, output_file_path, render_kwargs, orient, show_legend, keep_dot
        )

    def display_downstream_of(
        self,
        *node_names: str,
        output_file_path: str | Path | None = None,
        render_kwargs: Mapping[str, Any] | None = None,
        orient: str = "LR",
        show_legend: bool = True,
        keep_dot: bool = False,
    ) -> str:
        """DOT text of the named nodes and everything downstream of them."""
        self._check_names(node_names)
        shown = self.flow.downstream_of(*node_names) | set(node_names)
        return self._display(
            shown, node_names, output_file_path, render_kwargs, orient, show_legend, keep_dot
        )

    def _display(
        self,
        shown: set[str],
        outputs: tuple[str, ...],
        output_file_path: str | Path | None,
        render_kwargs: Mapping[str, Any] | None,
        orient: str,
        show_legend: bool,
        keep_dot: bool,
    ) -> str:
        dot = visualize.to_dot(
            self.flow, shown, outputs=outputs, orient=orient, show_legend=show_legend
        )
        if output_file_path is not None:
            visualize.render(dot, output_file_path, render_kwargs, keep_dot=keep_dot)
        return dot

    def to_mermaid(self) -> str:
        """Mermaid text of the whole dataflow (a livedag addition)."""
        return visualize.to_mermaid(self.flow)


def _name_of(node: str | Variable) -> str:
    return node if isinstance(node, str) else node.name


def _matches(tags: Mapping[str, Any], query: Mapping[str, str | list[str] | None]) -> bool:
    for key, wanted in query.items():
        if key not in tags:
            return False
        if wanted is None:
            continue
        have = tags[key]
        have_values = set(have) if isinstance(have, list) else {have}
        wanted_values = set(wanted) if isinstance(wanted, list) else {wanted}
        if not have_values & wanted_values:
            return False
    return True


def _build_dataflow(
    modules: Sequence[types.ModuleType],
    config: Mapping[str, Any],
    allow_module_overrides: bool,
) -> tuple[Dataflow, dict[tuple[str | None, str | None], Callable[..., Any]]]:
    nodes: dict[str, NodeSpec] = {}
    ordered: list[NodeSpec] = []
    problems: list[Problem] = []
    functions: dict[tuple[str | None, str | None], Callable[..., Any]] = {}
    for module in modules:
        specs = module_functions(module)
        for function in specs:
            functions[(function.module, function.name)] = function.obj
            if function.is_async and function.is_public:
                problems.append(
                    Problem(
                        Code.DECORATOR_MISUSE,
                        Severity.ERROR,
                        f"{function.qualified_name} is async; livedag's driver runs "
                        f"synchronously. Make it a regular function (or use Hamilton's async "
                        f"driver)",
                        function.location,
                        node=function.name,
                    )
                )
        expansion = expand_module(specs, config)
        problems.extend(expansion.problems)
        for made in expansion.nodes:
            if allow_module_overrides and made.name in nodes:
                ordered = [n for n in ordered if n.name != made.name]
            nodes[made.name] = made
            ordered.append(made)
    return Dataflow.build(ordered, config=config, problems=problems), functions


class Builder:
    """Hamilton's fluent way to make a Driver: modules, config, adapters, then `build()`."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self.modules: list[types.ModuleType] = []
        self.adapters: list[Any] = []
        self.legacy_graph_adapter: Any = None
        self.materializers: list[Any] = []
        self._allow_module_overrides = False
        # Dynamic execution (enable_dynamic_execution and the executors).
        self.v2_executor = False
        self.execution_manager: Any = None
        self.local_executor: Any = None
        self.remote_executor: Any = None

    def with_config(self, config: Mapping[str, Any]) -> Builder:
        """Add config (later calls win)."""
        self.config.update(config)
        return self

    def with_modules(self, *modules: types.ModuleType) -> Builder:
        self.modules.extend(modules)
        return self

    def with_adapters(self, *adapters: Any) -> Builder:
        self.adapters.extend(adapters)
        return self

    def with_adapter(self, adapter: Any) -> Builder:
        """A legacy graph adapter such as `base.SimplePythonGraphAdapter(...)` (only one)."""
        if self.legacy_graph_adapter is not None:
            raise ValueError("Cannot set adapter twice.")
        self.legacy_graph_adapter = adapter
        return self

    def with_materializers(self, *materializers: Any) -> Builder:
        """Add `to.<format>(...)` savers and `from_.<format>(...)` loaders to the dataflow; their
        nodes can then be requested by name in `execute`."""
        materialization.check_factories(materializers, "with_materializers")
        self.materializers.extend(materializers)
        return self

    def with_cache(
        self,
        path: str | Path = ".hamilton_cache",
        metadata_store: Any = None,
        result_store: Any = None,
        default: Any = None,
        recompute: Any = None,
        ignore: Any = None,
        disable: Any = None,
        default_behavior: Any = "default",
        default_loader_behavior: Any = "default",
        default_saver_behavior: Any = "default",
        log_to_file: bool = False,
    ) -> Builder:
        """Cache results under `path`: a node whose code and inputs are unchanged since a run
        that stored its result is not run again (see `livedag.engine.caching`).  `recompute`,
        `ignore`, `disable` and `default` take node names (or True for all); the
        `default_*behavior`s apply to nodes not listed."""
        if any(isinstance(a, ResultCache) for a in self.adapters):
            raise ValueError("Cannot use .with_cache() twice")
        self.adapters.append(
            ResultCache(
                path=path,
                metadata_store=metadata_store,
                result_store=result_store,
                default=default,
                recompute=recompute,
                ignore=ignore,
                disable=disable,
                default_behavior=default_behavior,
                default_loader_behavior=default_loader_behavior,
                default_saver_behavior=default_saver_behavior,
                log_to_file=log_to_file,
            )
        )
        return self

    @property
    def cache(self) -> ResultCache | None:
        """The cache `with_cache()` added, if any."""
        return next((a for a in self.adapters if isinstance(a, ResultCache)), None)

    def copy(self) -> Builder:
        """A new Builder with this one's settings; lists and dicts are copied, so adding to
        either builder leaves the other as it was (adapters and modules themselves are shared)."""
        new = copy.copy(self)
        for name, held in vars(self).items():
            if isinstance(held, (list, dict, set)):
                setattr(new, name, copy.copy(held))
        return new

    def allow_module_overrides(self) -> Builder:
        """Later modules replace same-named nodes of earlier ones instead of clashing."""
        self._allow_module_overrides = True
        return self

    def build(self) -> Driver:
        adapters = list(self.adapters)
        if self.legacy_graph_adapter is not None:
            adapters.append(self.legacy_graph_adapter)
        return Driver(
            self.config,
            *self.modules,
            adapter=adapters,
            allow_module_overrides=self._allow_module_overrides,
            _materializers=self.materializers,
            _use_legacy_adapter=False,
            _graph_executor=self._dynamic_executor(),
        )

    # --- dynamic execution (Parallelizable/Collect); the logic lives in engine/dynamic.py ------

    def enable_dynamic_execution(self, *, allow_experimental_mode: bool = False) -> Builder:
        """Run task by task, so `Parallelizable[...]`/`Collect[...]` nodes work (Hamilton's
        experimental mode, which must be asked for by name)."""
        if not allow_experimental_mode:
            raise ValueError(
                "Dynamic execution is experimental (as in Hamilton); enable it with "
                "enable_dynamic_execution(allow_experimental_mode=True)"
            )
        self.v2_executor = True
        return self

    def _require_dynamic(self, what: str) -> None:
        if not self.v2_executor:
            raise ValueError(
                f"Cannot set {what} without dynamic execution; call "
                f"enable_dynamic_execution(allow_experimental_mode=True) first"
            )

    def with_local_executor(self, local_executor: Any) -> Builder:
        """The executor of ordinary tasks (default: synchronous, in the driver's thread)."""
        self._require_dynamic("a local executor")
        if self.local_executor is not None:
            raise ValueError("Cannot set local executor twice")
        if self.execution_manager is not None:
            raise ValueError("Cannot set local executor with an execution manager set")
        self.local_executor = local_executor
        return self

    def with_remote_executor(self, remote_executor: Any) -> Builder:
        """The executor of parallel blocks (default: `MultiThreadingExecutor(max_tasks=10)`)."""
        self._require_dynamic("a remote executor")
        if self.remote_executor is not None:
            raise ValueError("Cannot set remote executor twice")
        if self.execution_manager is not None:
            raise ValueError("Cannot set remote executor with an execution manager set")
        self.remote_executor = remote_executor
        return self

    def with_execution_manager(self, execution_manager: Any) -> Builder:
        """Choose the executor of each task yourself (a `livedag.engine.executors`
        `ExecutionManager`); excludes with_local_executor/with_remote_executor."""
        self._require_dynamic("an execution manager")
        if self.execution_manager is not None:
            raise ValueError("Cannot set execution manager twice")
        if self.local_executor is not None or self.remote_executor is not None:
            raise ValueError("Cannot set an execution manager with local/remote executors set")
        self.execution_manager = execution_manager
        return self

    def _dynamic_executor(self) -> dynamic.TaskBasedGraphExecutor | None:
        if not self.v2_executor:
            return None
        manager = self.execution_manager or dynamic.default_execution_manager(
            self.local_executor, self.remote_executor
        )
        return dynamic.TaskBasedGraphExecutor(manager)


def _as_hamilton_lists(flow: Dataflow, starts: Iterable[str], *, upward: bool) -> set[str]:
    """The named nodes and all they reach, as the set Hamilton's lineage answers iterate.

    Hamilton documents these lists as unsorted: they are its traversal collected in a set of
    nodes, which hash as their names.  The same traversal (apache-hamilton 1.90's iterative one:
    a node's neighbours are added when it is taken from the stack, in reverse; dependencies in
    parameter order, dependents in the order they were linked) collected in a set of names
    iterates in the same order within a process, so printed answers read as Hamilton's do.
    """
    adjacency = flow.graph.pred if upward else flow.graph.succ
    found: set[str] = set()
    for start in starts:
        found.add(start)
        stack = [start]
        while stack:
            for name in reversed(list(adjacency[stack.pop()])):
                if name not in found:
                    found.add(name)
                    stack.append(name)
    return found
