"""Lifecycle adapters at the level the driver calls them, and the set that dispatches to them.

Hamilton's adapter protocol, by method name: *hooks* (every adapter implementing one is called, in
the order given), *methods* (replace a step of the driver; at most one adapter each) and
*validators* (checks at build time).  The driver calls them with livedag's objects
(`graph_types.RuntimeNode`/`RuntimeGraph`).

Adapters are found by the methods they define, so an adapter written against apache-hamilton's
`hamilton.lifecycle` works unchanged: where its class inherits one of Hamilton's bridges (the
`@final` methods of `hamilton.lifecycle.api` that turn a hook call into `run_before_...`), the
same-named bridge of `livedag.engine.lifecycle.api` is used instead, so the user's method receives
the same arguments it would from Hamilton.  What this driver cannot honour (async hooks) is refused
when the driver is built, never skipped.
"""

from __future__ import annotations

import abc
import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

# Hooks the driver calls (`does_hook` / `call_all_lifecycle_hooks_sync`).  The task hooks are
# only called under dynamic execution, as in Hamilton.
HOOKS = (
    "pre_do_anything",
    "post_graph_construct",
    "pre_graph_execute",
    "post_graph_execute",
    "pre_node_execute",
    "post_node_execute",
    "post_task_group",
    "post_task_expand",
    "pre_task_submission",
    "post_task_return",
    "pre_task_execute",
    "post_task_execute",
)
# Methods that replace a step of the driver (one adapter each).
METHODS = (
    "do_node_execute",
    "do_remote_execute",
    "do_build_result",
    "do_validate_input",
    "do_check_edge_types_match",
)
VALIDATORS = ("validate_node", "validate_graph")
_HAMILTON_BRIDGES = "hamilton.lifecycle.api"


class InvalidLifecycleAdapter(ValueError):
    """An adapter the driver cannot use (nothing it implements is called, or it is async)."""


class ValidationException(Exception):
    """A static validator (`validate_node` / `validate_graph`) rejected the dataflow."""


@dataclass
class ValidationResult:
    success: bool
    error: str | None
    validator: object


# --- the base classes, one per hook, method or validator (Hamilton's `lifecycle.base`) ---------


class BasePreDoAnythingHook(abc.ABC):
    @abc.abstractmethod
    def pre_do_anything(self) -> None:
        """Runs before the driver does anything (before the graph is built)."""


class BasePostGraphConstruct(abc.ABC):
    @abc.abstractmethod
    def post_graph_construct(self, *, graph: Any, modules: Sequence[Any], config: Any) -> None:
        """Runs once the graph is built (`graph` is a `RuntimeGraph`)."""


class BasePreGraphExecute(abc.ABC):
    @abc.abstractmethod
    def pre_graph_execute(
        self, *, run_id: str, graph: Any, final_vars: list[str], inputs: Any, overrides: Any
    ) -> None:
        """Runs before a graph execution."""


class BasePostGraphExecute(abc.ABC):
    @abc.abstractmethod
    def post_graph_execute(
        self, *, run_id: str, graph: Any, success: bool, error: Exception | None, results: Any
    ) -> None:
        """Runs after a graph execution, whether it succeeded or not."""


class BasePreNodeExecute(abc.ABC):
    @abc.abstractmethod
    def pre_node_execute(
        self, *, run_id: str, node_: Any, kwargs: dict[str, Any], task_id: str | None = None
    ) -> None:
        """Runs before each node (`node_` is a `RuntimeNode`)."""


class BasePostNodeExecute(abc.ABC):
    @abc.abstractmethod
    def post_node_execute(
        self,
        *,
        run_id: str,
        node_: Any,
        kwargs: dict[str, Any],
        success: bool,
        error: Exception | None,
        result: Any,
        task_id: str | None = None,
    ) -> None:
        """Runs after each node, whether it succeeded or not."""


class BaseDoNodeExecute(abc.ABC):
    @abc.abstractmethod
    def do_node_execute(
        self, *, run_id: str, node_: Any, kwargs: dict[str, Any], task_id: str | None = None
    ) -> Any:
        """Runs a node in place of the driver (return its value)."""


class BaseDoRemoteExecute(abc.ABC):
    @abc.abstractmethod
    def do_remote_execute(
        self, *, node: Any, execute_lifecycle_for_node: Callable[..., Any], **kwargs: Any
    ) -> Any:
        """Runs a node's whole lifecycle (hooks included) somewhere else."""


class BaseDoBuildResult(abc.ABC):
    @abc.abstractmethod
    def do_build_result(self, *, outputs: Any) -> Any:
        """Turns the requested outputs into what `execute` returns."""


class BaseDoValidateInput(abc.ABC):
    @abc.abstractmethod
    def do_validate_input(self, *, node_type: type, input_value: Any) -> bool:
        """Whether an input value is acceptable for a node type (or-ed with the default check)."""


class BaseDoCheckEdgeTypesMatch(abc.ABC):
    @abc.abstractmethod
    def do_check_edge_types_match(self, *, type_from: type, type_to: type) -> bool:
        """Whether an edge between two annotations is acceptable (or-ed with the default)."""


class BaseValidateNode(abc.ABC):
    @abc.abstractmethod
    def validate_node(self, *, created_node: Any) -> tuple[bool, str | None]:
        """Check one node once built: (valid, error message)."""


class BaseValidateGraph(abc.ABC):
    @abc.abstractmethod
    def validate_graph(
        self, *, graph: Any, modules: Sequence[Any], config: Any
    ) -> tuple[bool, str | None]:
        """Check the whole graph once built: (valid, error message)."""


class BasePreTaskExecute(abc.ABC):
    @abc.abstractmethod
    def pre_task_execute(self, **kwargs: Any) -> None:
        """Runs before a task (dynamic execution only)."""


class BasePostTaskExecute(abc.ABC):
    @abc.abstractmethod
    def post_task_execute(self, **kwargs: Any) -> None:
        """Runs after a task (dynamic execution only)."""


LifecycleAdapter = Any  # anything implementing at least one of the methods above


# --- finding and calling what adapters implement -----------------------------------------------


def _bridge(adapter: object, name: str) -> Callable[..., Any] | None:
    """livedag's version of a Hamilton `lifecycle.api` bridge the adapter inherits, bound to it."""
    defined = inspect.getattr_static(type(adapter), name, None)
    function = getattr(defined, "__func__", defined)
    if getattr(function, "__module__", None) != _HAMILTON_BRIDGES:
        return None
    from . import api

    owner = getattr(function, "__qualname__", "").split(".")[0]
    ours = getattr(getattr(api, owner, None), name, None)
    return functools.partial(ours, adapter) if ours is not None else None


def _implementation(adapter: object, name: str) -> Callable[..., Any] | None:
    if inspect.getattr_static(type(adapter), name, None) is None:
        return None
    bound = getattr(adapter, name)
    if inspect.iscoroutinefunction(bound):
        raise InvalidLifecycleAdapter(
            f"{type(adapter).__name__}.{name} is async; livedag's driver runs synchronously. "
            f"Use a synchronous adapter, or Hamilton's async driver for this one"
        )
    return _bridge(adapter, name) or bound


def _legacy_result_builder(adapter: object) -> Callable[..., Any] | None:
    """`build_result(**outputs)` without `do_build_result`: Hamilton's ResultMixin style."""
    build = getattr(adapter, "build_result", None)
    if not callable(build):
        return None

    def do_build_result(*, outputs: Any) -> Any:
        return build(**outputs)

    return do_build_result


class LifecycleAdapterSet:
    """The adapters a driver was given, indexed by what they implement."""

    def __init__(self, *adapters: LifecycleAdapter):
        self._adapters = list({id(a): a for a in adapters}.values())
        self.hooks: dict[str, list[Callable[..., Any]]] = {}
        self.methods: dict[str, list[tuple[object, Callable[..., Any]]]] = {}
        self.validators: dict[str, list[tuple[object, Callable[..., Any]]]] = {}
        for adapter in self._adapters:
            found = False
            for name in HOOKS:
                impl = _implementation(adapter, name)
                if impl is not None:
                    self.hooks.setdefault(name, []).append(impl)
                    found = True
            for name in METHODS:
                impl = _implementation(adapter, name)
                if impl is None and name == "do_build_result":
                    impl = _legacy_result_builder(adapter)
                if impl is not None:
                    self.methods.setdefault(name, []).append((adapter, impl))
                    found = True
            for name in VALIDATORS:
                impl = _implementation(adapter, name)
                if impl is not None:
                    self.validators.setdefault(name, []).append((adapter, impl))
                    found = True
            if not found:
                raise InvalidLifecycleAdapter(
                    f"{adapter!r} implements none of the lifecycle hooks or methods livedag's "
                    f"driver calls ({', '.join(HOOKS + METHODS + VALIDATORS)}, or "
                    f"build_result); subclass one of livedag.engine.lifecycle's (or Hamilton's) "
                    f"adapter classes, or leave it out"
                )
        clashing = {
            name: [type(a).__name__ for a, _ in found]
            for name, found in self.methods.items()
            if len(found) > 1
        }
        if clashing:
            listed = "; ".join(f"{name}: {', '.join(who)}" for name, who in clashing.items())
            raise InvalidLifecycleAdapter(
                f"several adapters implement the same lifecycle method ({listed}); a method "
                f"replaces one step of the driver, so pass only one adapter for each"
            )

    @property
    def adapters(self) -> list[LifecycleAdapter]:
        return list(self._adapters)

    def does_hook(self, name: str, is_async: bool | None = None) -> bool:
        _known(name, HOOKS)
        return not is_async and name in self.hooks

    def does_method(self, name: str, is_async: bool | None = None) -> bool:
        _known(name, METHODS)
        return not is_async and name in self.methods

    def does_validation(self, name: str) -> bool:
        _known(name, VALIDATORS)
        return name in self.validators

    def call_all_lifecycle_hooks_sync(self, name: str, **kwargs: Any) -> None:
        for hook in self.hooks.get(name, ()):
            hook(**kwargs)

    def call_lifecycle_method_sync(self, name: str, **kwargs: Any) -> Any:
        if name not in self.methods:
            raise ValueError(f"no adapter implements lifecycle method {name!r}")
        ((_, method),) = self.methods[name]
        return method(**kwargs)

    def call_all_validators_sync(
        self, name: str, output_only_failures: bool = True, **kwargs: Any
    ) -> list[ValidationResult]:
        results = []
        for adapter, validate in self.validators.get(name, ()):
            valid, message = validate(**kwargs)
            if not valid or not output_only_failures:
                results.append(ValidationResult(bool(valid), message, adapter))
        return results


def _known(name: str, names: tuple[str, ...]) -> None:
    if name not in names:
        raise ValueError(f"{name!r} is not a lifecycle step livedag knows; known: {names}")
