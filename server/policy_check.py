"""Checking `[[tool.livedag.policies]]` (policies.py) against a dataflow: LD011.

Runs on the keystroke path, so the check of version N+1 starts from the check of version N and
redoes only what the re-linked nodes can change: must_not_reach policies through
`policy_reach.py`; require_tags / allowed_values look at one node at a time, so only changed nodes
are looked at again.  Every edge the editor sees appear is stamped here with the version that
added it: a path violation is reported at the newest edge on its path (`policy_reach.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from livedag.engine.codes import Code
from livedag.engine.dataflow import Dataflow
from livedag.engine.specs import NodeKind, NodeSpec, Problem

from .policies import Policy, PolicyKind, finding_message, tag_values
from .policy_reach import Edge, ReachState, cold_reach, update_reach


@dataclass
class TagFindings:
    """One require_tags / allowed_values policy's findings, by node."""

    found: dict[str, Problem]
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class PolicyCheck:
    """The policies' findings over one dataflow, and what the next version's check starts from."""

    policies: tuple[Policy, ...]
    graph: Dataflow | None
    version: int = 0
    stamps: Mapping[Edge, int] = field(default_factory=dict)
    states: tuple[ReachState | TagFindings, ...] = ()

    @property
    def problems(self) -> list[Problem]:
        return [p for state in self.states for p in state.problems]

    def subject_to(self, name: str) -> list[tuple[Policy, str]]:
        """The policies that speak of node `name`, each with how: as what paths start from,
        what they must not reach, what lets them through, or the nodes a tag rule applies to."""
        found: list[tuple[Policy, str]] = []
        node = self.graph.nodes.get(name) if self.graph is not None else None
        for policy, state in zip(self.policies, self.states, strict=True):
            if isinstance(state, ReachState):
                if name in state.sources:
                    found.append((policy, "from"))
                if name in state.targets:
                    found.append((policy, "must_not_reach"))
                if name in state.barriers:
                    found.append((policy, "unless_through"))
            elif node is not None and _applies(policy, node):
                found.append((policy, "for"))
        return found

    def violations(self) -> set[tuple[str, str]]:
        """Each finding as (policy, what): a must_not_reach one by its target (a shorter path to
        the same target is the same violation), a tag rule's by the node and what it lacks."""
        found: set[tuple[str, str]] = set()
        for policy, state in zip(self.policies, self.states, strict=True):
            if isinstance(state, ReachState):
                for target in state.violations:
                    found.add((policy.name, f"{policy.source} reaches `{target}`"))
            else:
                for problem in state.found.values():
                    found.add((policy.name, problem.message.partition(": ")[2].partition(";")[0]))
        return found


NO_POLICIES = PolicyCheck((), None)


def check_policies(
    policies: Sequence[Policy],
    graph: Dataflow,
    previous: PolicyCheck | None = None,
    changed: Iterable[str] | None = None,
) -> PolicyCheck:
    """The policies checked over `graph`: from `previous` (the check of the graph `graph` was
    re-linked from) when `changed` names the nodes re-linked, else afresh."""
    policies = tuple(policies)
    if not policies:
        return NO_POLICIES
    if (
        previous is None
        or changed is None
        or previous.graph is None
        or previous.policies != policies
    ):
        return _cold(policies, graph)
    return _update(policies, graph, previous, set(changed))


# --- cold ----------------------------------------------------------------------------------------


def _cold(policies: tuple[Policy, ...], graph: Dataflow) -> PolicyCheck:
    states: list[ReachState | TagFindings] = []
    nodes = graph.nodes
    succ = graph.succ
    for policy in policies:
        if policy.kind is PolicyKind.MUST_NOT_REACH:
            states.append(cold_reach(policy, nodes, succ))
        else:
            found = {}
            for node in nodes.values():
                problem = _mark(policy, node)
                if problem is not None:
                    found[node.name] = problem
            states.append(TagFindings(found, tuple(found.values())))
    return PolicyCheck(policies, graph, 0, {}, tuple(states))


def _applies(policy: Policy, node: NodeSpec) -> bool:
    return node.kind is NodeKind.FUNCTION and policy.applies_to.matches(node.tags)


def _mark(policy: Policy, node: NodeSpec) -> Problem | None:
    """A require_tags / allowed_values finding on one node, if it breaks the policy."""
    if not _applies(policy, node):
        return None
    tags = node.tags
    if policy.kind is PolicyKind.REQUIRE_TAGS:
        missing = [key for key in policy.required if key not in tags]
        if not missing:
            return None
        said = f"`{node.name}` has no tag {', '.join(missing)}"
        hint = f"add @tag({', '.join(f'{k}=...' for k in missing)})"
    else:
        wrong = []
        for key, allowed in policy.allowed:
            if key in tags:
                bad = [v for v in tag_values(tags[key]) if v not in allowed]
                if bad:
                    wrong.append(f"{key}={', '.join(bad)} (allowed: {', '.join(sorted(allowed))})")
        if not wrong:
            return None
        said = f"`{node.name}` has {'; '.join(wrong)}"
        hint = "use one of the allowed values"
    return Problem(
        Code.POLICY_VIOLATION,
        policy.severity,
        finding_message(policy, said, hint),
        node.location,
        node=node.name,
    )


# --- incremental ---------------------------------------------------------------------------------


def _update(
    policies: tuple[Policy, ...], graph: Dataflow, previous: PolicyCheck, changed: set[str]
) -> PolicyCheck:
    old = previous.graph
    assert old is not None
    if not changed:
        return PolicyCheck(policies, graph, previous.version, previous.stamps, previous.states)
    if any(isinstance(state, ReachState) and state.taint.spent for state in previous.states):
        return _cold(policies, graph)
    cyclic = graph.nodes_on_cycles()
    nodes = graph.nodes
    succ, pred, old_pred = graph.succ, graph.pred, old.pred
    version = previous.version + 1
    stamps = dict(previous.stamps)
    added: list[Edge] = []
    removed: list[Edge] = []
    for name in changed:
        now = pred.get(name, {})
        before = old_pred.get(name, {})
        for producer in now:
            if producer not in before:
                stamps[(producer, name)] = version
                added.append((producer, name))
        for producer in before:
            if producer not in now:
                stamps.pop((producer, name), None)
                removed.append((producer, name))
    states: list[ReachState | TagFindings] = []
    for policy, state in zip(policies, previous.states, strict=True):
        if isinstance(state, ReachState):
            states.append(
                update_reach(
                    policy, state, nodes, succ, pred, changed, added, removed, stamps, cyclic
                )
            )
        else:
            states.append(_update_marks(policy, state, nodes, changed))
    return PolicyCheck(policies, graph, version, stamps, tuple(states))


def _update_marks(
    policy: Policy, state: TagFindings, nodes: Mapping[str, NodeSpec], changed: set[str]
) -> TagFindings:
    found = dict(state.found)
    dirty = False
    for name in changed:
        had = found.pop(name, None)
        node = nodes.get(name)
        problem = _mark(policy, node) if node is not None else None
        if problem is not None:
            found[name] = problem
        dirty = dirty or had is not None or problem is not None
    return TagFindings(found, tuple(found.values()) if dirty else state.problems)
