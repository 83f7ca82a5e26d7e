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
from livedag.engine.specs import FunctionSpec, NodeKind, Problem, Severity


def config_key(config: Mapping[str, Any]) -> str:
    """A stable key for a config (values may be unhashable)."""
    return repr(sorted((str(k), repr(v)) for k, v in config.items()))


@dataclass
class ExpansionCache:
    """Expansions of each module's functions under each config, reused while the spec is."""

    _by_module: dict[tuple[str, str], dict[int, tuple[FunctionSpec, Expansion]]] = field(
        default_factory=dict
    )

    def expand_module(
        self, module_key: str, functions: Sequence[FunctionSpec], config: Mapping[str, Any]
    ) -> Expansion:
        """What `expand_module(functions, config)` gives, re-expanding changed functions only."""
        key = (module_key, config_key(config))
        old = self._by_module.get(key, {})
        new: dict[int, tuple[FunctionSpec, Expansion]] = {}
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
            new[id(spec)] = hit
            out.extend(hit[1])
        self._by_module[key] = new
        return out

    def forget(self, module_key: str) -> None:
        for key in [k for k in self._by_module if k[0] == module_key]:
            del self._by_module[key]


def link(
    modules: Iterable[tuple[str, Sequence[FunctionSpec]]],
    *,
    config: Mapping[str, Any],
    declared_inputs: Collection[str] | None,
    cache: ExpansionCache,
) -> Dataflow:
    """One dataflow from `(module key, functions)` pairs."""
    nodes = []
    problems: list[Problem] = []
    for module_key, functions in modules:
        expansion = cache.expand_module(module_key, functions, config)
        nodes.extend(expansion.nodes)
        problems.extend(expansion.problems)
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
                    use.location,
                )
            )
    return out


def _inputs_known(use: Any) -> bool:
    """False when the driver's inputs are a variable the analyzer could not read."""
    return not getattr(use, "inputs_unknown", False)


def _did_you_mean(graph: Dataflow, name: str) -> str:
    close = [n for n in graph.closest_names(name) if n != name]
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(n) for n in close) + "?"
