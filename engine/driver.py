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

import logging
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import base, dynamic, execution, runners, visualize
from .dataflow import Dataflow
from .introspect import module_functions
from .rules import expand_module
from .specs import NodeKind, NodeSpec, Problem, Severity

logger = logging.getLogger(__name__)

# Problems Hamilton refuses to build a graph with.
BLOCKING_CODES = frozenset({"LD001", "LD003", "LD004", "LD005", "LD006"})


class GraphError(ValueError):
    """The modules do not form a dataflow Hamilton would build; `problems` lists why."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        listed = "\n".join(f"  {p.code} {p.location or '<unknown>'}: {p.message}" for p in problems)
        super().__init__(
            f"{len(problems)} problem(s) prevent building the dataflow; fix them and rebuild:\n"
            + listed
        )


@dataclass
class Variable:
    """One node as the driver lists it (Hamilton's `HamiltonNode`)."""

    name: str
    type: Any
    tags: dict[str, Any]
    is_external_input: bool
    originating_functions: tuple[Callable[..., Any], ...] | None
    documentation: str | None
    required_dependencies: set[str] = field(default_factory=set)
    optional_dependencies: set[str] = field(default_factory=set)

    def __repr__(self) -> str:
        return f'Variable("{self.name}": {getattr(self.type, "__name__", self.type)})'


def _result_builder(adapters: Sequence[Any]) -> Any | None:
    builders = [a for a in adapters if base.is_result_builder(a)]
    if len(builders) > 1:
        kinds = ", ".join(type(b).__name__ for b in builders)
        raise ValueError(f"{len(builders)} result builders given ({kinds}); pass exactly one")
    return builders[0] if builders else None


class Driver:
    """Builds the dataflow of `modules` under `config` and executes it."""

    def __init__(
        self,
        config: Mapping[str, Any],
        *modules: types.ModuleType,
        adapter: Any = None,
        allow_module_overrides: bool = False,
        _use_legacy_adapter: bool = True,
        _graph_executor: runners.DataflowRunner | None = None,
    ):
        adapters = adapter if isinstance(adapter, (list, tuple)) else [adapter]
        adapters = [a for a in adapters if a is not None]
        # Dynamic execution or an adapter running nodes elsewhere (Dask); None: in process.
        adapters, self.graph_executor = runners.pick(adapters, _graph_executor)
        builder = _result_builder(adapters)
        for ignored in adapters:
            if ignored is not builder:
                logger.warning(
                    "livedag's driver only uses result builders; ignoring adapter %r", ignored
                )
        if builder is None and _use_legacy_adapter:
            builder = base.PandasDataFrameResult()
        self.adapter = builder
        self.config = dict(config)
        self.graph_modules = modules
        self.flow, self._functions = _build_dataflow(modules, self.config, allow_module_overrides)
        blocking = [
            p
            for p in self.flow.problems
            if p.severity is Severity.ERROR and p.code in BLOCKING_CODES
        ]
        blocking = runners.unexcused(blocking, self.flow, self.graph_executor)
        if blocking:
            raise GraphError(blocking)

    # --- execution ------------------------------------------------------------------------------

    def execute(
        self,
        final_vars: Sequence[str | Callable[..., Any] | Variable],
        overrides: Mapping[str, Any] | None = None,
        display_graph: bool = False,
        inputs: Mapping[str, Any] | None = None,
    ) -> Any:
        """Compute `final_vars` and combine them with the result builder (dict if none)."""
        outputs = self.raw_execute(final_vars, overrides, display_graph, inputs)
        if self.adapter is None:
            return outputs
        return self.adapter.build_result(**outputs)

    def raw_execute(
        self,
        final_vars: Sequence[str | Callable[..., Any] | Variable],
        overrides: Mapping[str, Any] | None = None,
        display_graph: bool = False,
        inputs: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Compute `final_vars` and return them as a dict, in the order requested."""
        if display_graph:
            logger.warning("display_graph=True is deprecated; use visualize_execution() instead")
        names = self._output_names(final_vars)
        if self.graph_executor is not None:
            return self.graph_executor.execute(self.flow, names, inputs=inputs, overrides=overrides)
        return execution.run(self.flow, names, inputs=inputs, overrides=overrides)

    def validate_execution(
        self,
        final_vars: Sequence[str | Callable[..., Any] | Variable],
        overrides: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> None:
        """Raise what `execute` would raise before running anything (unknown outputs, missing
        or ill-typed inputs); return quietly when it could start."""
        names = self._output_names(final_vars)
        overrides = dict(overrides or {})
        given = execution.given_values(self.config, inputs)
        execution.check_outputs(self.flow, names, given)
        needed = execution.needed_nodes(self.flow, names, given, overrides)
        execution.check_inputs(self.flow, names, needed, given, overrides)
        if isinstance(self.graph_executor, dynamic.TaskBasedGraphExecutor):
            dynamic.make_plan(self.flow, names, needed, overrides)  # refusals, before running

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

    # --- what is there --------------------------------------------------------------------------

    def _variable(self, spec: NodeSpec) -> Variable:
        fn = self._functions.get((spec.module, spec.function))
        is_function = spec.kind is NodeKind.FUNCTION
        return Variable(
            name=spec.name,
            type=spec.type.obj if spec.type is not None and spec.type.obj is not None else Any,
            tags=dict(spec.tags),
            is_external_input=not is_function,
            originating_functions=(fn,) if is_function and fn is not None else None,
            documentation=spec.doc or None,
            required_dependencies={d.name for d in spec.dependencies if not d.optional},
            optional_dependencies={d.name for d in spec.dependencies if d.optional},
        )

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

    def _variables(self, names: set[str]) -> list[Variable]:
        return [self._variable(spec) for name, spec in self.flow.nodes.items() if name in names]

    def what_is_upstream_of(self, *node_names: str) -> list[Variable]:
        """The named nodes and everything they depend on."""
        self._check_names(node_names)
        return self._variables(self.flow.upstream_of(*node_names) | set(node_names))

    def what_is_downstream_of(self, *node_names: str) -> list[Variable]:
        """The named nodes and everything that depends on them."""
        self._check_names(node_names)
        return self._variables(self.flow.downstream_of(*node_names) | set(node_names))

    def what_is_the_path_between(
        self, upstream_node_name: str, downstream_node_name: str
    ) -> list[Variable]:
        """Nodes on any path from one node down to the other, both included (empty: no path)."""
        for name, role in ((upstream_node_name, "Upstream"), (downstream_node_name, "Downstream")):
            if name not in self.flow.nodes:
                guesses = self.flow.closest_names(name)
                hint = f"; did you mean {' or '.join(map(repr, guesses))}?" if guesses else ""
                raise ValueError(f"{role} node '{name}' is not in the dataflow{hint}")
        down = self.flow.downstream_of(upstream_node_name) | {upstream_node_name}
        up = self.flow.upstream_of(downstream_node_name) | {downstream_node_name}
        return self._variables(down & up)  # empty when there is no path

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
        names = self._output_names(final_vars)
        overrides = dict(overrides or {})
        given = execution.given_values(self.config, inputs)
        execution.check_outputs(self.flow, names, given)
        needed = execution.needed_nodes(self.flow, names, given, overrides)
        if not bypass_validation:
            execution.check_inputs(self.flow, names, needed, given, overrides)
        dot = visualize.to_dot(
            self.flow,
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
                        "LD006",
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
