"""The driver checks: LD009 (an output nobody defines) and LD010 (an input nobody supplies) for
the driver scripts that run a dataflow, judged only on what can be known.

A driver may choose its modules or config at run time (`with_modules(*get_loaders())`,
`with_config(load_yaml())`).  While its modules cannot all be read, its outputs are not checked;
while its config is not all known, a name some config could make (`possible_names`, the rules
run under an `OpenConfig`) is neither a missing output, a missing input nor a typo.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livedag.engine.codes import Code
from livedag.engine.dataflow import Dataflow
from livedag.engine.specs import FunctionSpec, NodeKind, Problem, Severity, Unknown
from livedag.engine.traversal import RequiredInputs

from .linking import ExpansionCache, expand_all


@dataclass(frozen=True)
class DriverChecks:
    """LD009/LD010 of one dataflow version, with what the next version needs to update them."""

    graph: Dataflow
    problems: tuple[Problem, ...]
    requirements: tuple[RequiredInputs | None, ...]  # per driver use (None: nothing to count)


def check_drivers(
    graph: Dataflow,
    drivers: Sequence[tuple[Path, Any]],
    previous: DriverChecks | None = None,
    changed: Collection[str] | None = None,
    possible: Callable[[], Collection[str]] | None = None,
    elsewhere: Sequence[Sequence[str]] = (),
) -> DriverChecks:
    """LD009 and LD010 for the driver scripts that run `graph`.

    LD009 sits on the string naming an output nobody defines; LD010 on the execute call whose
    requested outputs need inputs it does not pass (config values count as supplied).  With the
    checks of the `previous` version and the names of the nodes `changed` since, the inputs the
    outputs need are updated instead of walked again (the keystroke path).

    Nothing is judged on what cannot be known.  While some of a driver's modules cannot be read
    (chosen at run time, or outside the workspace: `elsewhere`, per driver) its outputs are not
    checked at all, and one LD008 information says so.  While its config is not all known, an
    output missing from the graph that some config could make (`possible`: the names the
    modules make with every unknown config key left open) is not an error either, nor is such a
    name a missing input; and when the config may hold keys livedag cannot see, it may supply
    any input: LD010 is not judged.
    """
    out: list[Problem] = []
    requirements: list[RequiredInputs | None] = []
    possible_names: Collection[str] | None = None
    for index, (_path, use) in enumerate(drivers):
        unread = tuple(getattr(use, "unknown_modules", ()))
        if index < len(elsewhere):
            unread += tuple(f"{name} (not in the workspace)" for name in elsewhere[index])
        if unread:
            if use.outputs:
                out.append(_not_checked(use, unread))
            requirements.append(None)
            continue
        unknown_keys = _unknown_config(use.config)
        supplied = {str(name) for name in use.inputs} | {str(k) for k in graph.config}
        supplied |= {str(k) for k in use.config if not str(k).startswith("**")}
        wanted: list[str] = []
        undecided: list[str] = []
        for output in use.outputs:
            node = graph.node(str(output))
            if node is not None and (node.kind is NodeKind.FUNCTION or str(output) in supplied):
                wanted.append(str(output))
                continue
            if unknown_keys and possible is not None:
                if possible_names is None:
                    possible_names = possible()
                if str(output) in possible_names:
                    undecided.append(str(output))
                    continue
            out.append(
                Problem(
                    Code.UNKNOWN_OUTPUT,
                    Severity.ERROR,
                    f"the driver asks for {str(output)!r}, which no function in this dataflow "
                    f"defines{_did_you_mean(graph, str(output))}",
                    getattr(output, "location", None) or use.location,
                    node=str(output),
                )
            )
        if undecided:
            out.append(_config_decides(use, undecided, unknown_keys))
        requirement = None
        open_config = any(key.startswith("**") for key in unknown_keys)
        if wanted and _inputs_known(use) and not open_config:
            requirement = _requirement(graph, wanted, index, previous, changed)
            needed = requirement.needed(graph.nodes, graph.unproduced_names())
            missing = sorted(needed - supplied)
            if missing and unknown_keys and possible is not None:
                if possible_names is None:  # the config may select a function that makes it
                    possible_names = possible()
                missing = [name for name in missing if name not in possible_names]
            if missing:
                names = ", ".join(repr(m) for m in missing)
                out.append(
                    Problem(
                        Code.MISSING_INPUT,
                        Severity.WARNING,
                        f"the requested outputs need input(s) {names} that this call does not "
                        f"supply; pass them in inputs={{...}} or add them to the config",
                        use.location,
                    )
                )
        requirements.append(requirement)
    return DriverChecks(graph, tuple(out), tuple(requirements))


def _unknown_config(config: Mapping[str, Any]) -> list[str]:
    """The config keys whose value cannot be known, and `**name` for a part that cannot be read
    at all (then any key may be there)."""
    return [str(k) for k, v in config.items() if isinstance(v, Unknown)]


def _not_checked(use: Any, unread: Sequence[str]) -> Problem:
    asked = ", ".join(repr(str(o)) for o in use.outputs)
    return Problem(
        Code.UNKNOWABLE,
        Severity.INFO,
        f"the driver's modules are not all known without running code ({', '.join(unread)}), "
        f"so whether its dataflow makes {asked} is not checked",
        use.location,
    )


def _config_decides(use: Any, outputs: Sequence[str], unknown_keys: Sequence[str]) -> Problem:
    asked = ", ".join(repr(o) for o in outputs)
    return Problem(
        Code.UNKNOWABLE,
        Severity.INFO,
        f"{asked} depend(s) on the driver's config, which is not all known without running code "
        f"({', '.join(unknown_keys)}), so whether the dataflow makes them is not checked",
        use.location,
    )


class OpenConfig(Mapping[str, Any]):
    """A config whose other keys may hold anything: the rules see an undecidable value for each
    (`@config.when` on it keeps every variant), so expanding under it makes every node some
    config could make."""

    def __init__(self, known: Mapping[str, Any]):
        self._known = dict(known)

    def __getitem__(self, key: str) -> Any:
        if key in self._known:
            return self._known[key]
        return Unknown(f"the driver's config may set {key!r} at run time")

    def __contains__(self, key: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)


def without_config_made(
    graph: Dataflow, problems: Sequence[Problem], possible: Callable[[], Collection[str]]
) -> Sequence[Problem]:
    """`problems` less the typo warnings (LD002) about a name that some config makes: while
    the driver's config is not all known, such a name is no typo, just not made under the
    config livedag can see."""
    hints = [
        p for p in problems if p.code is Code.UNKNOWN_DEPENDENCY and p.severity is Severity.WARNING
    ]
    if not hints:
        return problems
    names = possible()
    unproduced = set(graph.unproduced_names())
    made = {
        (spec.name, dep.location or spec.location)
        for spec in graph.nodes.values()
        for dep in spec.dependencies
        if dep.name in unproduced and dep.name in names
    }
    dropped = {id(p) for p in hints if (p.node, p.location) in made}
    return [p for p in problems if id(p) not in dropped] if dropped else problems


def possible_names(
    scope: str,
    modules: Iterable[tuple[str, Sequence[FunctionSpec]]],
    config: Mapping[str, Any],
    cache: ExpansionCache,
) -> set[str]:
    """The names of the nodes `modules` make under some config that agrees with `config`."""
    expanded = expand_all(f"{scope}#open-config", modules, OpenConfig(config), cache)
    return {node.name for node in expanded.nodes}


def _requirement(
    graph: Dataflow,
    wanted: list[str],
    index: int,
    previous: DriverChecks | None,
    changed: Collection[str] | None,
) -> RequiredInputs:
    """The counts of what `wanted` needs, updated from the previous version when possible."""
    before = None
    if previous is not None and changed is not None and index < len(previous.requirements):
        before = previous.requirements[index]
    if (
        before is not None
        and changed is not None
        and previous is not None
        and before.outputs == tuple(wanted)
    ):
        cycles = graph.nodes_on_cycles()
        return before.updated(previous.graph.nodes, graph.nodes, changed, cycles)
    return RequiredInputs(wanted, graph.nodes)


def _inputs_known(use: Any) -> bool:
    """False when the driver's inputs are a variable the analyzer could not read."""
    return not use.inputs_unknown


def _did_you_mean(graph: Dataflow, name: str) -> str:
    close = [n for n in graph.closest_names(name) if n != name]
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(n) for n in close) + "?"
