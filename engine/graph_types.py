"""What a running dataflow looks like from outside: Hamilton's `graph_types` shapes over livedag's.

- `HamiltonNode` / `HamiltonGraph`: the public, read-only view Hamilton gives lifecycle hooks
  (`GraphExecutionHook.run_before_graph_execution(graph=...)`) and the driver's listings
  (`driver.Variable` is `HamiltonNode`, as in Hamilton).
- `RuntimeNode` / `RuntimeGraph`: the lower-level objects the lifecycle *base* hooks receive
  (`pre_node_execute(node_=...)`, `pre_graph_execute(graph=...)`), shaped like Hamilton's
  `node.Node` and `FunctionGraph` where hooks read them (name, type, tags, callable,
  input_types, ...).  `RuntimeGraph.flow` is the livedag `Dataflow` underneath.

Everything here is built lazily from a `Dataflow` plus the live functions the nodes came from.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import inspect
import logging
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .dataflow import Dataflow
from .specs import NodeKind, NodeRole, NodeSpec

logger = logging.getLogger(__name__)

# (module, function name) -> the live function, as the driver collects them from its modules.
Functions = Mapping[tuple[str | None, str | None], Callable[..., Any]]


class DependencyType(enum.Enum):
    """Whether a node must have a dependency's value or may leave it to the parameter default."""

    REQUIRED = 1
    OPTIONAL = 2


def type_as_string(type_: Any) -> str:
    """A short name for a type (`DataFrame`, `int`, `list`), as Hamilton prints node types."""
    if typing.get_origin(type_) is typing.Annotated:
        return type_as_string(typing.get_args(type_)[0])
    name = getattr(type_, "__name__", None)
    if name:
        return str(name)
    origin = typing.get_origin(type_)
    if origin is not None:
        return type_as_string(origin)
    return repr(type_)


def live_type(spec: NodeSpec) -> Any:
    """The node's live type, `Any` when it has none (source-built or unannotated)."""
    if spec.type is not None and spec.type.obj is not None:
        return spec.type.obj
    return Any


def source_hash(fn: Callable[..., Any]) -> str | None:
    """sha256 of a function's source (None where the source cannot be read)."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return None
    return hashlib.sha256(source.encode()).hexdigest()


@dataclass
class HamiltonNode:
    """One node as users see it (Hamilton's `HamiltonNode`; the driver lists these)."""

    name: str
    type: Any
    tags: dict[str, Any]
    is_external_input: bool
    originating_functions: tuple[Callable[..., Any], ...] | None
    documentation: str | None
    required_dependencies: set[str] = field(default_factory=set)
    optional_dependencies: set[str] = field(default_factory=set)
    optional_dependencies_default_values: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def version(self) -> str | None:
        """A hash of the originating function's source; an external input's is its name."""
        if not self.originating_functions:
            return self.name if self.is_external_input else None
        return source_hash(self.originating_functions[0])

    def as_dict(self, include_optional_dependencies_default_values: bool = False) -> dict[str, Any]:
        """A JSON-ready description (what `Driver.export_execution` lists)."""
        source = None
        if self.originating_functions:
            try:
                source = inspect.getsource(self.originating_functions[0])
            except (OSError, TypeError):
                source = None
        described: dict[str, Any] = {
            "name": self.name,
            "tags": self.tags,
            "output_type": type_as_string(self.type),
            "required_dependencies": sorted(self.required_dependencies),
            "optional_dependencies": sorted(self.optional_dependencies),
            "source": source,
            "documentation": self.documentation,
            "version": self.version,
        }
        if include_optional_dependencies_default_values:
            described["optional_dependencies_default_values"] = dict(
                self.optional_dependencies_default_values
            )
        return described

    def __repr__(self) -> str:
        return f'Variable("{self.name}": {getattr(self.type, "__name__", self.type)})'


@dataclass
class HamiltonGraph:
    """All nodes of a dataflow as users see them (Hamilton's `HamiltonGraph`)."""

    nodes: list[HamiltonNode]

    @functools.cached_property
    def _by_name(self) -> dict[str, HamiltonNode]:
        return {n.name: n for n in self.nodes}

    def __getitem__(self, name: str) -> HamiltonNode:
        return self._by_name[name]

    @functools.cached_property
    def version(self) -> str:
        """A hash over the node versions: changes when any function's source does."""
        versions = sorted(v for v in (n.version for n in self.nodes) if v is not None)
        return hashlib.sha256(str(versions).encode()).hexdigest()

    def filter_nodes(self, keep: Callable[[HamiltonNode], bool]) -> list[HamiltonNode]:
        return [n for n in self.nodes if keep(n) is True]

    @staticmethod
    def from_graph(graph: RuntimeGraph) -> HamiltonGraph:
        return graph.hamilton_graph


@dataclass
class RuntimeNode:
    """A node as lifecycle base hooks receive it (the attributes of Hamilton's `node.Node`
    hooks read).  `callable(**kwargs)` runs the node; `spec` is livedag's NodeSpec."""

    spec: NodeSpec
    callable: Callable[..., Any]
    originating_functions: tuple[Callable[..., Any], ...] | None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def type(self) -> Any:
        return live_type(self.spec)

    @functools.cached_property
    def tags(self) -> dict[str, Any]:
        return dict(self.spec.tags)

    @property
    def documentation(self) -> str:
        return self.spec.doc

    @property
    def user_defined(self) -> bool:
        return self.spec.kind is not NodeKind.FUNCTION

    @property
    def node_role(self) -> NodeRole:
        return self.spec.role

    @functools.cached_property
    def input_types(self) -> dict[str, tuple[Any, DependencyType]]:
        return {
            d.name: (
                d.type.obj if d.type is not None and d.type.obj is not None else Any,
                DependencyType.OPTIONAL if d.optional else DependencyType.REQUIRED,
            )
            for d in self.spec.dependencies
        }

    def __call__(self, **kwargs: Any) -> Any:
        return self.callable(**kwargs)

    def __repr__(self) -> str:
        return f"<{self.name} {type_as_string(self.type)}>"


class RuntimeGraph:
    """The dataflow as lifecycle base hooks receive it (`graph=`): `nodes` by name, `config`,
    and the livedag `Dataflow` as `flow`."""

    def __init__(
        self,
        flow: Dataflow,
        functions: Functions,
        node_callable: Callable[[NodeSpec], Callable[..., Any]],
    ):
        self.flow = flow
        self._functions = functions
        self._node_callable = node_callable
        self._nodes: dict[str, RuntimeNode] = {}

    @property
    def config(self) -> Mapping[str, Any]:
        return self.flow.config

    def originating_functions(self, spec: NodeSpec) -> tuple[Callable[..., Any], ...] | None:
        """The function that made the node; for an input or config value a function asks for,
        the first function asking (as Hamilton records it)."""
        if spec.kind is not NodeKind.FUNCTION:
            consumers = self.flow.consumers(spec.name)
            if not consumers:
                return None
            spec = consumers[0][0]
        fn = self._functions.get((spec.module, spec.function))
        return (fn,) if fn is not None else None

    def node(self, name: str) -> RuntimeNode:
        found = self._nodes.get(name)
        if found is None:
            spec = self.flow.nodes[name]
            found = RuntimeNode(spec, self._node_callable(spec), self.originating_functions(spec))
            self._nodes[name] = found
        return found

    @property
    def nodes(self) -> dict[str, RuntimeNode]:
        return {name: self.node(name) for name in self.flow.nodes}

    def hamilton_node(self, spec: NodeSpec) -> HamiltonNode:
        return HamiltonNode(
            name=spec.name,
            type=live_type(spec),
            tags=dict(spec.tags),
            is_external_input=spec.kind is not NodeKind.FUNCTION,
            originating_functions=self.originating_functions(spec),
            documentation=spec.doc,
            required_dependencies={d.name for d in spec.dependencies if not d.optional},
            optional_dependencies={d.name for d in spec.dependencies if d.optional},
        )

    @functools.cached_property
    def hamilton_graph(self) -> HamiltonGraph:
        return HamiltonGraph([self.hamilton_node(spec) for spec in self.flow.nodes.values()])
