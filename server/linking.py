"""From analyzed modules to a `Dataflow`: expansion with a cache, and the driver checks.

Expansion is the costly part of linking, and after a keystroke only one function has changed.
The analyzer hands back the *same* FunctionSpec object for a block it did not re-parse, so the
cache is keyed by object identity (not equality: equality ignores locations, and a function whose
lines moved must be re-expanded to move its problems).  Module-wide rewrites run first, exactly as
`expand_module` does them, so the nodes are the ones the runtime makes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from livedag.engine.dataflow import Dataflow
from livedag.engine.rules import MODULE_REWRITES, Expansion, expand_function
from livedag.engine.specs import FunctionSpec, NodeKind, NodeSpec, Problem, Severity


def config_key(config: Mapping[str, Any]) -> str:
    """A stable key for a config (values may be unhashable)."""
    return repr(sorted((str(k), repr(v)) for k, v in config.items()))


@dataclass
class _ModuleEntry:
    config: str
    source: Sequence[FunctionSpec]  # the analyzer's tuple: the same object while nothing changed
    functions: dict[int, tuple[FunctionSpec, Expansion]]
    result: Expansion


@dataclass
class ExpansionCache:
    """Expansions of each module's functions, per dataflow, reused while the spec object is.

    Entries are kept per dataflow (`scope`) so that "did this module's nodes change since this
    dataflow was last linked" has an answer even when a module is in several dataflows.
    """

    _entries: dict[tuple[str, str], _ModuleEntry] = field(default_factory=dict)

    def expand_module(
        self,
        scope: str,
        module_key: str,
        functions: Sequence[FunctionSpec],
        config: Mapping[str, Any],
    ) -> tuple[Expansion, bool]:
        """What `expand_module(functions, config)` gives, and whether it differs from last time.

        Only functions whose spec object is new are expanded again.  "Differs" includes moved
        locations: problems must follow their lines even when the graph's shape is the same.
        """
        key = (scope, module_key)
        ckey = config_key(config)
        entry = self._entries.get(key)
        if entry is not None and entry.config != ckey:
            entry = None
        if entry is not None and entry.source is functions:
            return entry.result, False
        old = entry.functions if entry is not None else {}
        fresh: dict[int, tuple[FunctionSpec, Expansion]] = {}
        specs = list(functions)
        out = Expansion()
        for rewrite in MODULE_REWRITES:
            specs = rewrite(specs, out.problems)
        for spec in specs:
            if not spec.is_public:
                continue
            hit = old.get(id(spec))
            if hit is None or hit[0] is not spec:
                hit = (spec, expand_function(spec, config))
            fresh[id(spec)] = hit
            out.extend(hit[1])
        self._entries[key] = _ModuleEntry(ckey, functions, fresh, out)
        return out, entry is None or not same_expansion(entry.result, out)

    def forget(self, module_key: str) -> None:
        for key in [k for k in self._entries if k[1] == module_key]:
            del self._entries[key]


def same_expansion(before: Expansion, after: Expansion) -> bool:
    """Equal nodes and problems, locations included (NodeSpec equality leaves them out)."""
    if len(before.nodes) != len(after.nodes) or before.problems != after.problems:
        return False
    for old, new in zip(before.nodes, after.nodes, strict=True):
        if old is new:
            continue
        if old != new or old.location != new.location:
            return False
        if any(
            a.location != b.location
            for a, b in zip(old.dependencies, new.dependencies, strict=True)
        ):
            return False
    return True


def expand_all(
    scope: str,
    modules: Iterable[tuple[str, Sequence[FunctionSpec]]],
    config: Mapping[str, Any],
    cache: ExpansionCache,
) -> tuple[list[NodeSpec], list[Problem], bool]:
    """Every module's nodes and rule problems, and whether any module's changed."""
    nodes: list[NodeSpec] = []
    problems: list[Problem] = []
    changed = False
    for module_key, functions in modules:
        expansion, differs = cache.expand_module(scope, module_key, functions, config)
        changed = changed or differs
        nodes.extend(expansion.nodes)
        problems.extend(expansion.problems)
    return nodes, problems, changed


def link(
    modules: Iterable[tuple[str, Sequence[FunctionSpec]]],
    *,
    config: Mapping[str, Any],
    declared_inputs: Collection[str] | None,
    cache: ExpansionCache,
    scope: str = "",
) -> Dataflow:
    """One dataflow from `(module key, functions)` pairs."""
    nodes, problems, _ = expand_all(scope, modules, config, cache)
    return Dataflow.build(nodes, config=config, declared_inputs=declared_inputs, problems=problems)


def driver_problems(graph: Dataflow, drivers: Iterable[tuple[Path, Any]]) -> list[Problem]:
    """LD009 and LD010 for the driver scripts that run `graph`.

    LD009 sits on the string naming an output nobody defines; LD010 on the execute call whose
    requested outputs need inputs it does not pass (config values count as supplied).
    """
    out: list[Problem] = []
    for _path, use in drivers:
        supplied = {str(name) for name in use.inputs} | {str(k) for k in graph.config}
        wanted: list[str] = []
        for output in use.outputs:
            node = graph.node(str(output))
            if node is not None and (node.kind is NodeKind.FUNCTION or str(output) in supplied):
                wanted.append(str(output))
                continue
            out.append(
                Problem(
                    "LD009",
                    Severity.ERROR,
                    f"the driver asks for {str(output)!r}, which no function in this dataflow "
                    f"defines{_did_you_mean(graph, str(output))}",
                    getattr(output, "location", None) or use.location,
                    node=str(output),
                )
            )
        if not wanted or not _inputs_known(use):
            continue
        missing = sorted(graph.required_inputs(wanted) - supplied)
        if missing:
            names = ", ".join(repr(m) for m in missing)
            out.append(
                Problem(
                    "LD010",
                    Severity.WARNING,
                    f"the requested outputs need input(s) {names} that this call does not "
                    f"supply; pass them in inputs={{...}} or add them to the config",
                    use.execute_location or use.location,
                )
            )
    return out


def _inputs_known(use: Any) -> bool:
    """False when the driver's inputs are a variable the analyzer could not read."""
    return not use.inputs_unknown


def _did_you_mean(graph: Dataflow, name: str) -> str:
    close = [n for n in graph.closest_names(name) if n != name]
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(n) for n in close) + "?"
