"""must_not_reach, kept incrementally: where a policy's data goes, and the paths that break it.

Per policy the check keeps which nodes data from a `from` match reaches ("tainted"), with, for
each node, how many of its producers pass data on (a node passes it on unless it matches
`unless_through`) and one of them (its parent on a path back to a source).  An edit changes the
edges into the re-linked nodes and their tags; the counts are adjusted for exactly those, and only
nodes whose count falls to zero or rises from it are looked at again, gains before losses (a
parameter swapped for another that carries the same data changes nothing downstream).  Work
follows what changed, not the size of the graph.  On a cycle (LD001) a count can live on the
cycle's own support, so a tainted node on a cycle that loses support is taken out with all it
passes data to and tainted again from the outside (`_rederive`).

A tainted target (a `must_not_reach` match that is not itself an `unless_through` match) is a
violation; its path follows parents.  It is reported at the edge that creates the forbidden path:
the parameter through which the consumer joins it.  Every edge the editor saw appear is stamped
with the version that added it (`policy_check.py`); the violation blames the newest edge on its
path (the one just typed), and the first edge, where the matched data is first taken in, when
none is newer than the rest (a cold check, as `livedag lint` makes).  A violation keeps its path
and blamed edge while that path still holds, so a diagnostic does not wander while the user types
elsewhere.  Violations blamed on the same edge are one diagnostic; related information walks the
path node by node.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from livedag.engine.codes import Code
from livedag.engine.specs import Location, NodeSpec, Problem, Related

from .policies import Policy, TagMatch, finding_message, tag_values

Edge = tuple[str, str]


@dataclass
class Taint:
    """Where one must_not_reach policy's data goes, over the latest graph.

    Mutable and large, so it is handed from one version's check to the next rather than copied:
    `spent` marks the check it was taken from, which can then no longer be updated."""

    count: dict[str, int]  # node -> how many of its producers pass data on
    tainted: set[str]  # sources, and nodes with a producer that passes data on
    passing: set[str]  # tainted nodes that are no barrier
    parent: dict[str, str | None]  # tainted node -> a passing producer (None: a source)
    # node -> the targets whose reported path runs through it (to find what an edit touches)
    through: dict[str, set[str]] = field(default_factory=dict)
    spent: bool = False


@dataclass
class ReachState:
    """One must_not_reach policy's state over one graph."""

    sources: set[str]
    targets: set[str]
    barriers: set[str]
    taint: Taint
    violations: dict[str, tuple[tuple[str, ...], int]]  # target -> (path, blamed edge index)
    problems: tuple[Problem, ...] = ()


def cold_reach(
    policy: Policy, nodes: Mapping[str, NodeSpec], succ: Mapping[str, Mapping[str, Any]]
) -> ReachState:
    """One must_not_reach policy checked afresh over a graph."""
    sources, targets, barriers = members(policy, nodes.values())
    taint = spread(sources, succ, barriers)
    violations = {}
    for target in targets:
        if target in taint.tainted and target not in barriers:
            path = path_to(target, taint.parent)
            violations[target] = (path, blame(path, {}))
            _index(taint.through, target, path)
    state = ReachState(sources, targets, barriers, taint, violations)
    state.problems = reach_problems(policy, state, nodes)
    return state


def members(policy: Policy, nodes: Iterable[NodeSpec]) -> tuple[set[str], set[str], set[str]]:
    sources: set[str] = set()
    targets: set[str] = set()
    barriers: set[str] = set()
    through = policy.unless_through
    for node in nodes:
        tags = node.tags
        if not tags:
            continue
        if policy.source.matches(tags):
            sources.add(node.name)
        if policy.target.matches(tags):
            targets.add(node.name)
        if through is not None and through.matches(tags):
            barriers.add(node.name)
    return sources, targets, barriers


def spread(
    sources: Iterable[str], succ: Mapping[str, Mapping[str, Any]], barriers: set[str]
) -> Taint:
    """Where data from `sources` goes: breadth first, so parents make shortest paths."""
    parent: dict[str, str | None] = {s: None for s in sorted(sources) if s in succ}
    queue = deque(parent)
    while queue:
        node = queue.popleft()
        if node in barriers:
            continue
        for after in succ[node]:
            if after not in parent:
                parent[after] = node
                queue.append(after)
    tainted = set(parent)
    passing = tainted - barriers
    count: dict[str, int] = {}
    for node in passing:
        for after in succ[node]:
            count[after] = count.get(after, 0) + 1
    return Taint(count, tainted, passing, parent)


def path_to(target: str, parent: Mapping[str, str | None]) -> tuple[str, ...]:
    """The path from a source to tainted `target`, following parents."""
    path = [target]
    step = parent[target]
    while step is not None and len(path) <= len(parent):
        path.append(step)
        step = parent[step]
    return tuple(reversed(path))


def blame(path: tuple[str, ...], stamps: Mapping[Edge, int]) -> int:
    """The index of the edge a violation is reported at: the newest, else the first."""
    best, newest = 0, -1
    for index in range(len(path) - 1):
        stamp = stamps.get((path[index], path[index + 1]), 0)
        if stamp > newest:
            best, newest = index, stamp
    return best


def _parameter(nodes: Mapping[str, NodeSpec], consumer: str, producer: str) -> Location | None:
    """Where `consumer` asks for `producer`: its parameter (or decorator argument)."""
    spec = nodes.get(consumer)
    if spec is None:
        return None
    for dependency in spec.dependencies:
        if dependency.name == producer and dependency.location is not None:
            return dependency.location
    return spec.location


def _tags_text(match: TagMatch, tags: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={'/'.join(tag_values(tags[k]))}" for k, _ in match.wanted if k in tags)


def reach_problems(
    policy: Policy, state: ReachState, nodes: Mapping[str, NodeSpec]
) -> tuple[Problem, ...]:
    groups: dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]] = {}
    for target in sorted(state.violations):
        path, blamed = state.violations[target]
        key = path[blamed : blamed + 2]
        groups.setdefault(key, []).append((target, path))
    problems = []
    for key, found in groups.items():
        target, path = found[0]
        if len(key) == 2:
            where = _parameter(nodes, key[1], key[0])
        else:
            where = nodes[key[0]].location if key[0] in nodes else None
        source = nodes[path[0]]
        end = nodes[target]
        said = (
            f"`{path[0]}` ({_tags_text(policy.source, source.tags)}) reaches `{target}` "
            f"({_tags_text(policy.target, end.tags)})"
        )
        if len(path) > 2:
            said += " through " + " -> ".join(f"`{n}`" for n in path[1:-1])
        elif len(path) == 1:
            said = f"`{target}` is both {policy.source} and {policy.target}"
        others = [t for t, _ in found[1:]]
        if others:
            shown = ", ".join(f"`{t}`" for t in others[:5])
            said += f"; through the same edge it also reaches {shown}"
            if len(others) > 5:
                said += f" and {len(others) - 5} more"
        hint = f"no path may lead from {policy.source} to {policy.target}"
        if policy.unless_through is not None:
            hint += f" unless it passes a node with {policy.unless_through}"
        related = []
        for index, name in enumerate(path):
            spec = nodes.get(name)
            if spec is None or spec.location is None:
                continue
            if index == 0:
                text = f"{name}: {policy.source} (where the path starts)"
            elif index == len(path) - 1:
                text = f"{name}: {policy.target} (what it must not reach)"
            else:
                text = f"{name}: step {index} of the path"
            related.append(Related(spec.location, text))
        for other in others:
            spec = nodes.get(other)
            if spec is not None and spec.location is not None:
                related.append(Related(spec.location, f"{other}: also reached"))
        problems.append(
            Problem(
                Code.POLICY_VIOLATION,
                policy.severity,
                finding_message(policy, said, hint),
                where,
                tuple(related),
                node=key[-1],
            )
        )
    return tuple(problems)


def update_reach(
    policy: Policy,
    state: ReachState,
    nodes: Mapping[str, NodeSpec],
    succ: Mapping[str, Mapping[str, Any]],
    pred: Mapping[str, Mapping[str, Any]],
    changed: set[str],
    added: Sequence[Edge],
    removed: Sequence[Edge],
    stamps: Mapping[Edge, int],
    cyclic: set[str],
) -> ReachState:
    taint = state.taint
    state.taint = Taint({}, set(), set(), {}, spent=True)  # handed over (see `Taint`)
    taint = Taint(taint.count, taint.tainted, taint.passing, taint.parent, taint.through)
    count, tainted, passing, parent = taint.count, taint.tainted, taint.passing, taint.parent
    sources, targets, barriers = set(state.sources), set(state.targets), set(state.barriers)
    for name in changed:
        sources.discard(name)
        targets.discard(name)
        barriers.discard(name)
    more = members(policy, [nodes[name] for name in changed if name in nodes])
    sources |= more[0]
    targets |= more[1]
    barriers |= more[2]
    # The counts follow the new edges at once; which nodes flip is settled below.
    # On a cycle a count can stay above zero on the cycle's own support: such nodes are
    # suspects, re-derived at the end (`_rederive`).
    suspects: set[str] = set()
    if cyclic:
        suspects.update(n for n in changed if n in cyclic and n in tainted)
    for producer, consumer in removed:
        if producer in passing:
            count[consumer] -= 1
            if consumer in cyclic:
                suspects.add(consumer)
    for producer, consumer in added:
        if producer in passing:
            count[consumer] = count.get(consumer, 0) + 1
    for name in changed:
        if name not in nodes and name not in succ:  # gone: its edges were all in `removed`
            count.pop(name, None)
            parent.pop(name, None)
            tainted.discard(name)
            passing.discard(name)
    flipped: set[str] = set()
    losses: list[str] = []
    queue = deque(sorted(name for name in changed if name in succ))
    # gains first: a node that merely swapped one carrier of the data for another never flips
    while queue:
        node = queue.popleft()
        now = node in sources or count.get(node, 0) > 0
        if not now:
            if node in tainted:
                losses.append(node)
            continue
        _reparent(node, sources, passing, parent, pred)
        if node not in tainted:
            tainted.add(node)
            flipped.add(node)
        passes = node not in barriers
        if passes and node not in passing:
            passing.add(node)
            for after in succ[node]:
                count[after] = count.get(after, 0) + 1
                queue.append(after)
        elif not passes and node in passing:
            losses.append(node)
    stack = losses
    while stack:
        node = stack.pop()
        now = node in sources or count.get(node, 0) > 0
        if now:
            _reparent(node, sources, passing, parent, pred)
            if node not in barriers or node not in passing:
                continue
        elif node in tainted:
            tainted.discard(node)
            parent.pop(node, None)
            flipped.add(node)
        if node in passing:
            passing.discard(node)
            for after in succ[node]:
                count[after] -= 1
                stack.append(after)
                if after in cyclic:
                    suspects.add(after)
        elif node in tainted:  # still tainted, its parent may have gone
            _reparent(node, sources, passing, parent, pred)
    if suspects:
        flipped |= _rederive(suspects & tainted, taint, sources, barriers, succ, pred)
    violations = dict(state.violations)
    through = taint.through
    touched = flipped | changed
    affected = touched & targets
    for name in touched:
        affected |= through.get(name, set())
    dirty = False
    for target in sorted(affected):
        kept = violations.get(target)
        live = target in targets and target in tainted and target not in barriers
        if kept is not None and live and _holds(kept[0], sources, passing, pred):
            if changed.intersection(kept[0]):  # same path, but a re-linked node: new locations
                dirty = True
            continue
        if kept is None and not live:
            continue
        dirty = True
        if kept is not None:
            del violations[target]
            _unindex(through, target, kept[0])
        if live:
            path = path_to(target, parent)
            violations[target] = (path, blame(path, stamps))
            _index(through, target, path)
    fresh = ReachState(sources, targets, barriers, taint, violations, state.problems)
    if dirty:
        fresh.problems = reach_problems(policy, fresh, nodes)
    return fresh


def _index(through: dict[str, set[str]], target: str, path: tuple[str, ...]) -> None:
    for name in path:
        through.setdefault(name, set()).add(target)


def _unindex(through: dict[str, set[str]], target: str, path: tuple[str, ...]) -> None:
    for name in path:
        found = through.get(name)
        if found is not None:
            found.discard(target)
            if not found:
                del through[name]


def _rederive(
    suspects: set[str],
    taint: Taint,
    sources: set[str],
    barriers: set[str],
    succ: Mapping[str, Mapping[str, Any]],
    pred: Mapping[str, Mapping[str, Any]],
) -> set[str]:
    """Taint again, from scratch, `suspects` (tainted nodes on cycles that lost some support)
    and what they pass data to.

    Whatever a node of that region passes data to is in the region too, so taking the region's
    own contributions out leaves each count with the producers outside it, and spreading again
    from the region's sources and supported nodes gives its taint; nothing outside changes.
    Returns the region (the nodes whose taint may have changed)."""
    count, tainted, passing, parent = taint.count, taint.tainted, taint.passing, taint.parent
    region = set(suspects)
    stack = [n for n in suspects if n in passing]
    while stack:
        for after in succ[stack.pop()]:
            if after not in region:
                region.add(after)
                if after in passing:
                    stack.append(after)
    for node in region & passing:
        for after in succ[node]:
            count[after] -= 1
    passing -= region
    tainted -= region
    for node in region:
        parent.pop(node, None)
    queue = deque(sorted(n for n in region if n in sources or count.get(n, 0) > 0))
    while queue:
        node = queue.popleft()
        if node in tainted:
            continue
        tainted.add(node)
        _reparent(node, sources, passing, parent, pred)
        if node not in barriers:
            passing.add(node)
            for after in succ[node]:
                count[after] = count.get(after, 0) + 1
                if after not in tainted:
                    queue.append(after)
    return region


def _reparent(
    node: str,
    sources: set[str],
    passing: set[str],
    parent: dict[str, str | None],
    pred: Mapping[str, Mapping[str, Any]],
) -> None:
    """Keeps `parent[node]` a passing producer of a tainted node (None for a source)."""
    if node in sources:
        parent[node] = None
        return
    known = parent.get(node)
    producers = pred.get(node, {})
    if known is not None and known in passing and known in producers:
        return
    parent[node] = next((p for p in producers if p in passing), None)


def _holds(
    path: tuple[str, ...],
    sources: set[str],
    passing: set[str],
    pred: Mapping[str, Mapping[str, Any]],
) -> bool:
    """Whether an earlier violation's path is still a path that breaks the policy."""
    if path[0] not in sources:
        return False
    for index, name in enumerate(path[:-1]):
        if name not in passing or name not in pred.get(path[index + 1], ()):
            return False
    return True
