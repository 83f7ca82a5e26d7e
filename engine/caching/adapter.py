"""The result cache `Builder.with_cache()` adds: Hamilton's caching, as a lifecycle adapter.

Before a node runs, its cache key is made from its code version and the data versions of the
values it receives.  If the metadata store knows that key and the result store holds the data
version it led to, the stored result is returned and the node does not run; otherwise the node
runs and its result is stored.  Per node, a behaviour decides (Hamilton's four):

- default: retrieve when possible, else run and store;
- recompute: always run, still store (so later runs and dependents can use it);
- disable: run as if there were no cache; dependents are recomputed as well;
- ignore: run as if there were no cache; dependents treat it as constant.

Everything a run did is kept by run id (`run_ids`, `behaviors`, `code_versions`,
`data_versions`, `cache_keys`, `logs(run_id)`), as Hamilton's `dr.cache` exposes it.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import json
import logging
import uuid
from collections.abc import Collection
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from ..lifecycle.base import (
    BaseDoNodeExecute,
    BasePostNodeExecute,
    BasePreGraphExecute,
    BasePreNodeExecute,
)
from ..rules.metadata import CACHE_BEHAVIOR_TAG, CACHE_FORMAT_TAG
from ..specs import NodeKind
from . import fingerprint
from .stores import FileResultStore, ResultRetrievalError, SQLiteMetadataStore

logger = logging.getLogger(__name__)

LOADER_TAG = "hamilton.data_loader"
SAVER_TAG = "hamilton.data_saver"

BehaviorName = Literal["default", "recompute", "disable", "ignore"]


class CachingBehavior(enum.Enum):
    """What the cache does for one node (see the module docstring)."""

    DEFAULT = 1
    RECOMPUTE = 2
    DISABLE = 3
    IGNORE = 4

    @classmethod
    def from_string(cls, name: str) -> CachingBehavior:
        try:
            return cls[str(name).upper()]
        except KeyError:
            known = ", ".join(repr(b.name.lower()) for b in cls)
            raise ValueError(f"{name!r} is not a caching behavior; use one of {known}") from None


class CachingEventType(enum.Enum):
    """What an event in `logs()` records (Hamilton's names)."""

    GET_DATA_VERSION = "get_data_version"
    SET_DATA_VERSION = "set_data_version"
    GET_CACHE_KEY = "get_cache_key"
    SET_CACHE_KEY = "set_cache_key"
    GET_RESULT = "get_result"
    SET_RESULT = "set_result"
    MISSING_RESULT = "missing_result"
    FAILED_RETRIEVAL = "failed_retrieval"
    EXECUTE_NODE = "execute_node"
    FAILED_EXECUTION = "failed_execution"
    RESOLVE_BEHAVIOR = "resolve_behavior"
    UNHASHABLE_DATA_VERSION = "unhashable_data_version"
    IS_OVERRIDE = "is_override"
    IS_INPUT = "is_input"
    IS_FINAL_VAR = "is_final_var"


# The events `logs(level="info")` keeps: a node's result was retrieved, or it ran.
INFO_EVENTS = (CachingEventType.GET_RESULT, CachingEventType.EXECUTE_NODE)


@dataclasses.dataclass(frozen=True)
class CachingEvent:
    """One thing the cache did for one node in one run."""

    run_id: str
    actor: Literal["adapter", "metadata_store", "result_store"]
    event_type: CachingEventType
    node_name: str
    task_id: str | None = None
    msg: str | None = None
    value: Any = None
    timestamp: float = dataclasses.field(
        default_factory=lambda: datetime.now(timezone.utc).timestamp()
    )

    def __str__(self) -> str:
        parts = [self.node_name, self.actor, self.event_type.value]
        if self.msg:
            parts.append(self.msg)
        return "::".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "timestamp": self.timestamp,
            "node_name": self.node_name,
            "task_id": self.task_id,
            "actor": self.actor,
            "event_type": self.event_type.value,
            "msg": self.msg,
            "value": None if self.value is None else str(self.value),
        }


def cache_key(node_name: str, code_version: str, dependencies: dict[str, str]) -> str:
    """The key a result is stored under: the node, its code, and what it was given."""
    given = ",".join(f"{name}={version}" for name, version in sorted(dependencies.items()))
    return f"{node_name}-{code_version}-{fingerprint.data_version(given)}"


def _names(value: Literal[True] | Collection[str] | None, parameter: str) -> Any:
    if value is None or value is True:
        return value
    if isinstance(value, str) or not isinstance(value, Collection):
        raise TypeError(
            f"with_cache({parameter}=...) takes True or a list of node names, not {value!r}"
        )
    return frozenset(value)


class ResultCache(BaseDoNodeExecute, BasePreGraphExecute, BasePreNodeExecute, BasePostNodeExecute):
    """The adapter `Builder.with_cache()` adds; the driver exposes it as `dr.cache`."""

    def __init__(
        self,
        path: str | Path = ".hamilton_cache",
        metadata_store: Any = None,
        result_store: Any = None,
        default: Literal[True] | Collection[str] | None = None,
        recompute: Literal[True] | Collection[str] | None = None,
        ignore: Literal[True] | Collection[str] | None = None,
        disable: Literal[True] | Collection[str] | None = None,
        default_behavior: BehaviorName | None = None,
        default_loader_behavior: BehaviorName | None = None,
        default_saver_behavior: BehaviorName | None = None,
        log_to_file: bool = False,
    ):
        chosen = {"default": default, "recompute": recompute, "ignore": ignore, "disable": disable}
        every = [name for name, value in chosen.items() if value is True]
        if len(every) > 1:
            raise ValueError(
                f"with_cache(): only one of default/recompute/ignore/disable can be True (got "
                f"{', '.join(every)}); pass lists of node names for the others"
            )
        self._chosen = {
            CachingBehavior.from_string(name): _names(value, name) for name, value in chosen.items()
        }
        for parameter, value in (
            ("default_behavior", default_behavior),
            ("default_loader_behavior", default_loader_behavior),
            ("default_saver_behavior", default_saver_behavior),
        ):
            if value is not None:
                try:
                    CachingBehavior.from_string(value)
                except ValueError as exc:
                    raise ValueError(f"with_cache({parameter}=...): {exc}") from None
        self.default_behavior = default_behavior
        self.default_loader_behavior = default_loader_behavior
        self.default_saver_behavior = default_saver_behavior
        self._path = Path(path)
        self.metadata_store = _store(
            metadata_store, "metadata_store", ("get", "set", "initialize", "delete")
        ) or SQLiteMetadataStore(self._path)
        self.result_store = _store(
            result_store, "result_store", ("get", "set", "exists", "delete")
        ) or FileResultStore(self._path)
        self.log_to_file = log_to_file
        # What each run did, by run id.
        self.run_ids: list[str] = []
        self.behaviors: dict[str, dict[str, CachingBehavior]] = {}
        self.code_versions: dict[str, dict[str, str]] = {}
        self.data_versions: dict[str, dict[str, str]] = {}
        self.cache_keys: dict[str, dict[str, str]] = {}
        self._logs: dict[str, list[CachingEvent]] = {}
        self._graphs: dict[str, Any] = {}

    @property
    def last_run_id(self) -> str:
        """The id of the run started last."""
        if not self.run_ids:
            raise IndexError("the driver has not executed anything with this cache yet")
        return self.run_ids[-1]

    # --- what users inspect ---------------------------------------------------------------------

    def logs(self, run_id: str | None = None, level: Literal["debug", "info"] = "info") -> dict:
        """Events by run id (no `run_id`), or one run's events by node name.  At level "info"
        only results retrieved and nodes executed are kept; "debug" keeps every event."""
        if level not in ("info", "debug"):
            raise ValueError(f"logs(level={level!r}): use 'info' or 'debug'")

        def kept(event: CachingEvent) -> bool:
            return level == "debug" or event.event_type in INFO_EVENTS

        if run_id is None:
            return {
                rid: [e for e in events if kept(e)]
                for rid, events in self._logs.items()
                if any(kept(e) for e in events)
            }
        if run_id not in self._logs:
            raise KeyError(f"run_id {run_id!r} is not a run of this cache; see .run_ids")
        by_node: dict[str, list[CachingEvent]] = collections.defaultdict(list)
        for event in self._logs[run_id]:
            if kept(event):
                by_node[event.node_name].append(event)
        return dict(by_node)

    def retrieved(self, run_id: str | None = None) -> list[str]:
        """Nodes whose result came from the cache in a run (default: the last), in run order."""
        return self._nodes_with(CachingEventType.GET_RESULT, run_id)

    def executed(self, run_id: str | None = None) -> list[str]:
        """Nodes that ran in a run (default: the last), in run order."""
        return self._nodes_with(CachingEventType.EXECUTE_NODE, run_id)

    def _nodes_with(self, kind: CachingEventType, run_id: str | None) -> list[str]:
        events = self._logs[run_id if run_id is not None else self.last_run_id]
        return [e.node_name for e in events if e.event_type is kind]

    def view_run(
        self, run_id: str | None = None, output_file_path: str | Path | None = None
    ) -> str:
        """DOT text of a run (default: the last) with the nodes retrieved from the cache drawn
        thick and orange, labelled "from cache"; rendered when `output_file_path` is given."""
        from .. import visualize  # the driver's pictures; imported late (visualize is heavy)

        run_id = run_id if run_id is not None else self.last_run_id
        graph = self._graphs[run_id]
        events = self._logs[run_id]
        outputs = [e.node_name for e in events if e.event_type is CachingEventType.IS_FINAL_VAR]
        ran = {e.node_name for e in events if e.event_type in INFO_EVENTS}
        supplied = [e.node_name for e in events if e.event_type is CachingEventType.IS_INPUT]
        overridden = [e.node_name for e in events if e.event_type is CachingEventType.IS_OVERRIDE]
        dot = visualize.to_dot(
            graph.flow,
            ran | set(outputs) | set(supplied) | set(overridden),
            outputs=outputs,
            supplied=supplied,
            overrides=overridden,
        )
        retrieved = self.retrieved(run_id)
        if retrieved:
            marks = [
                f'  "{name}" [penwidth=3, color="#F06449", xlabel="from cache"];'
                for name in retrieved
            ]
            dot = dot.rstrip().removesuffix("}") + "\n".join(marks) + "\n}\n"
        if output_file_path is not None:
            visualize.render(dot, output_file_path)
        return dot

    def get_cache_key(self, run_id: str, node_name: str, task_id: str | None = None) -> str | None:
        return self.cache_keys.get(run_id, {}).get(node_name)

    def get_data_version(
        self,
        run_id: str,
        node_name: str,
        cache_key: str | None = None,
        task_id: str | None = None,
    ) -> str | None:
        """The data version a run gave `node_name`, else the one stored under `cache_key`."""
        found = self.data_versions.get(run_id, {}).get(node_name)
        if found is None and cache_key is not None:
            found = self.metadata_store.get(cache_key)
        return found

    def version_data(self, result: Any, run_id: str | None = None) -> str:
        return fingerprint.data_version(result)

    def version_code(self, node_name: str, run_id: str | None = None) -> str:
        graph = self._graphs[run_id if run_id is not None else self.last_run_id]
        return _code_version(graph.node(node_name))

    def resolve_behaviors(self, run_id: str) -> dict[str, CachingBehavior]:
        """Each node's behaviour in a run: `with_cache()`'s lists first, then `@cache(behavior=)`,
        then the default for loaders, savers and other nodes."""
        graph = self._graphs[run_id]
        resolved = {name: self._behavior_of(graph.node(name)) for name in graph.flow.nodes}
        # A loaded value behaves as the loader that made it (Hamilton's `from_`/`@load_from`).
        for name, spec in graph.flow.nodes.items():
            main = spec.tags.get(f"{LOADER_TAG}.node")
            if spec.tags.get(LOADER_TAG) is True and main and main != name and main in resolved:
                resolved[name] = resolved[main]
        return resolved

    def _behavior_of(self, node: Any) -> CachingBehavior:
        if node.spec.role.name == "EXPAND":
            return CachingBehavior.RECOMPUTE
        listed = [
            b
            for b, names in self._chosen.items()
            if names and names is not True and node.name in names
        ]
        if len(listed) > 1:
            raise ValueError(
                f"with_cache(): node {node.name!r} is listed under several behaviors "
                f"({', '.join(b.name.lower() for b in listed)}); list it under one"
            )
        if listed:
            return listed[0]
        for behavior, names in self._chosen.items():
            if names is True:
                return behavior
        tagged = node.tags.get(CACHE_BEHAVIOR_TAG)
        if tagged is not None:
            return CachingBehavior.from_string(tagged)
        fallback = self.default_behavior or "default"
        if node.tags.get(LOADER_TAG):
            return CachingBehavior.from_string(self.default_loader_behavior or fallback)
        if node.tags.get(SAVER_TAG):
            return CachingBehavior.from_string(self.default_saver_behavior or fallback)
        return CachingBehavior.from_string(fallback)

    # --- lifecycle ------------------------------------------------------------------------------

    def pre_graph_execute(
        self,
        *,
        run_id: str,
        graph: Any,
        final_vars: list[str],
        inputs: dict[str, Any] | None,
        overrides: dict[str, Any] | None,
        **future_kwargs: Any,
    ) -> None:
        formatted = [n for n, s in graph.flow.nodes.items() if s.tags.get(CACHE_FORMAT_TAG)]
        if formatted:
            raise NotImplementedError(
                f"@cache(format=...) on {', '.join(sorted(formatted))}: livedag's cache stores "
                f"results as pickles only; remove format= (results are still cached)"
            )
        self.run_ids.append(run_id)
        self._logs[run_id] = []
        self._graphs[run_id] = graph
        self.metadata_store.initialize(run_id)
        self.code_versions[run_id] = {
            name: _code_version(graph.node(name))
            for name, spec in graph.flow.nodes.items()
            if spec.kind is NodeKind.FUNCTION
        }
        self.data_versions[run_id] = {}
        self.cache_keys[run_id] = {}
        self.behaviors[run_id] = self.resolve_behaviors(run_id)
        for name, behavior in self.behaviors[run_id].items():
            self._log(run_id, name, "adapter", CachingEventType.RESOLVE_BEHAVIOR, value=behavior)
        for name in final_vars:
            self._log(run_id, name, "adapter", CachingEventType.IS_FINAL_VAR)
        for name, value in (inputs or {}).items():
            self.code_versions[run_id][name] = f"input__{name}"
            self._set_data_version(run_id, name, self._version(run_id, name, value))
            self._log(run_id, name, "adapter", CachingEventType.IS_INPUT)
        for name, value in (overrides or {}).items():
            self._set_data_version(run_id, name, self._version(run_id, name, value))
            self._log(run_id, name, "adapter", CachingEventType.IS_OVERRIDE)

    def pre_node_execute(
        self,
        *,
        run_id: str,
        node_: Any,
        kwargs: dict[str, Any],
        task_id: str | None = None,
        **future_kwargs: Any,
    ) -> None:
        """Make the node's cache key from its code and what it receives."""
        self._refuse_tasks(task_id)
        name = node_.name
        behaviors = self.behaviors[run_id]
        if behaviors.get(name) in (CachingBehavior.DISABLE, CachingBehavior.IGNORE):
            return
        versions: dict[str, str] = {}
        for dep in node_.spec.dependencies:
            if dep.name not in kwargs:  # an optional parameter left to its default (in the code)
                versions[dep.name] = "<default>"
                continue
            behavior = behaviors.get(dep.name)
            if behavior is CachingBehavior.IGNORE:
                versions[dep.name] = "<ignore>"
            elif behavior is CachingBehavior.DISABLE:
                versions[dep.name] = f"<disable>_{uuid.uuid4()}"
            else:
                known = self.data_versions[run_id].get(dep.name)
                if known is None:  # a config value, or a value computed without versioning
                    known = fingerprint.data_version(kwargs[dep.name])
                if known.startswith(fingerprint.UNHASHABLE):
                    known = f"{fingerprint.UNHASHABLE}_{uuid.uuid4()}"
                versions[dep.name] = known
        key = cache_key(name, self.code_versions[run_id][name], versions)
        self.cache_keys[run_id][name] = key
        self._log(run_id, name, "adapter", CachingEventType.SET_CACHE_KEY, value=key)

    def do_node_execute(
        self,
        *,
        run_id: str,
        node_: Any,
        kwargs: dict[str, Any],
        task_id: str | None = None,
        **future_kwargs: Any,
    ) -> Any:
        """The stored result when the cache key leads to one; else run the node."""
        name = node_.name
        behavior = self.behaviors[run_id].get(name, CachingBehavior.DEFAULT)
        key = self.cache_keys[run_id].get(name)
        if behavior is CachingBehavior.DEFAULT and key is not None:
            stored = self.metadata_store.get(key)
            self._log(
                run_id,
                name,
                "metadata_store",
                CachingEventType.GET_DATA_VERSION,
                msg="hit" if stored is not None else "miss",
            )
            if stored is not None and self.result_store.exists(stored):
                try:
                    result = self.result_store.get(stored)
                except ResultRetrievalError as exc:
                    self._log(
                        run_id, name, "result_store", CachingEventType.FAILED_RETRIEVAL, str(exc)
                    )
                    self.metadata_store.delete(key)
                    self.result_store.delete(stored)
                else:
                    self._set_data_version(run_id, name, stored)
                    self._log(
                        run_id,
                        name,
                        "result_store",
                        CachingEventType.GET_RESULT,
                        msg="hit",
                        value=stored,
                    )
                    return result
            elif stored is not None:
                self._log(
                    run_id, name, "result_store", CachingEventType.MISSING_RESULT, value=stored
                )
        result = node_.callable(**kwargs)
        self._log(run_id, name, "adapter", CachingEventType.EXECUTE_NODE)
        if behavior is CachingBehavior.DISABLE:
            return result
        version = self._version(run_id, name, _data_part(node_, result))
        if node_.tags.get(SAVER_TAG):
            version = f"{name}__metadata"  # a saver's metadata carries times: not a version
        self._set_data_version(run_id, name, version)
        if key is not None and not version.startswith(fingerprint.UNHASHABLE):
            self.metadata_store.set(
                cache_key=key,
                data_version=version,
                run_id=run_id,
                node_name=name,
                code_version=self.code_versions[run_id][name],
            )
            self._log(
                run_id, name, "metadata_store", CachingEventType.SET_DATA_VERSION, value=version
            )
        return result

    def post_node_execute(
        self,
        *,
        run_id: str,
        node_: Any,
        success: bool = True,
        error: Exception | None = None,
        result: Any = None,
        task_id: str | None = None,
        **future_kwargs: Any,
    ) -> None:
        """Store a result the cache does not hold yet."""
        name = node_.name
        if not success:
            self._log(run_id, name, "adapter", CachingEventType.FAILED_EXECUTION, msg=str(error))
            return
        behavior = self.behaviors[run_id].get(name, CachingBehavior.DEFAULT)
        if behavior is CachingBehavior.DISABLE or self.cache_keys[run_id].get(name) is None:
            return
        version = self.data_versions[run_id].get(name)
        if version is None or version.startswith(fingerprint.UNHASHABLE):
            return
        if not self.result_store.exists(version):
            self.result_store.set(data_version=version, result=result)
            self._log(run_id, name, "result_store", CachingEventType.SET_RESULT, value=version)

    # --- internals ------------------------------------------------------------------------------

    def _refuse_tasks(self, task_id: str | None) -> None:
        if task_id is not None:
            raise NotImplementedError(
                "with_cache() together with enable_dynamic_execution (Parallelizable/Collect "
                "tasks) is not supported by livedag's cache; drop one of them"
            )

    def _version(self, run_id: str, name: str, value: Any) -> str:
        version = fingerprint.data_version(value)
        if version == fingerprint.UNHASHABLE:
            self._log(
                run_id,
                name,
                "adapter",
                CachingEventType.UNHASHABLE_DATA_VERSION,
                msg=f"unhashable type {type(value)}; set the node's behavior to 'ignore' to "
                f"silence this",
            )
            logger.warning(
                "Node %r returned a %s the cache cannot version: it and what depends on it are "
                "recomputed every run. Give it the 'ignore' or 'disable' behavior to silence this",
                name,
                type(value).__name__,
            )
            return f"{fingerprint.UNHASHABLE}_{uuid.uuid4()}"
        return version

    def _set_data_version(self, run_id: str, name: str, version: str) -> None:
        self.data_versions[run_id][name] = version

    def _log(
        self,
        run_id: str,
        node_name: str,
        actor: Literal["adapter", "metadata_store", "result_store"],
        event_type: CachingEventType,
        msg: str | None = None,
        value: Any = None,
    ) -> None:
        event = CachingEvent(run_id, actor, event_type, node_name, None, msg, value)
        self._logs[run_id].append(event)
        if event_type in INFO_EVENTS:
            logger.info("%s", event)
        else:
            logger.debug("%s", event)
        if self.log_to_file:
            with (self._path / "cache_logs.jsonl").open("a") as out:
                out.write(json.dumps(event.as_dict()) + "\n")


def _data_part(node: Any, result: Any) -> Any:
    """What is versioned: a loader's data without its metadata (which carries load times)."""
    if node.tags.get(LOADER_TAG) and node.tags.get(f"{LOADER_TAG}.has_metadata"):
        if isinstance(result, tuple) and result:
            return result[0]
    return result


def _code_version(node: Any) -> str:
    functions = node.originating_functions
    described = f"{node.name}|{sorted((k, repr(v)) for k, v in node.tags.items())}"
    return fingerprint.code_version(functions[0] if functions else None, described)


def _store(given: Any, parameter: str, needed: tuple[str, ...]) -> Any:
    if given is None:
        return None
    missing = [m for m in needed if not callable(getattr(given, m, None))]
    if missing:
        raise TypeError(
            f"with_cache({parameter}=...): {type(given).__name__} lacks {', '.join(missing)}; "
            f"pass a store from livedag.engine.caching.stores, or leave {parameter} out"
        )
    return given
