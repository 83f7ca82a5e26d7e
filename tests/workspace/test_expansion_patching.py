"""The expansion cache patches a module's expansion after an edit (only the functions between the
unchanged head and tail are looked at); what it hands back must equal expanding the module whole,
`@mutate` functions (a module rewrite) included."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from livedag.engine.rules import expand_module
from livedag.engine.specs import NodeSpec
from livedag.server import linking
from livedag.server.analyzer import ModuleSource

HEADER = "from hamilton.function_modifiers import mutate, tag\n\n\n"
NAMES = ["raw_total", "doubled", "report", "_fix", "_helper"]

function = st.tuples(
    st.sampled_from(NAMES),
    st.lists(st.sampled_from(["raw", *NAMES[:3]]), max_size=2, unique=True),
    # mutate is rare, so that most versions take the patching path and some leave or enter it
    st.sampled_from(["", "", "", "@tag(owner='a')\n", "", "", "@mutate(doubled)\n"]),
    st.integers(0, 2),  # the body, so that some edits change nothing but the body
)
# Names may repeat within a version (a function defined twice), so an equal re-expansion can be
# found under a name more than one block defines.
versions = st.lists(st.lists(function, min_size=1, max_size=6), min_size=2, max_size=6)


def _source(defs: list[tuple[str, list[str], str, int]]) -> str:
    blocks = []
    for name, params, decorator, body in defs:
        signature = ", ".join(f"{p}: int" for p in params)
        if decorator.startswith("@mutate"):
            signature = ", ".join(["x: int", *(f"{p}: int" for p in params)])
        blocks.append(f"{decorator}def {name}({signature}) -> int:\n    return {body}\n")
    return HEADER + "\n\n".join(blocks)


def _located(nodes: list[NodeSpec]) -> list[tuple[NodeSpec, object]]:
    return [(node, node.location) for node in nodes]


@settings(max_examples=150, deadline=None)
@given(history=versions)
def test_a_patched_expansion_equals_expanding_the_module_whole(
    history: list[list[tuple[str, list[str], str, int]]],
) -> None:
    analyzer = ModuleSource("features", None)
    cache = linking.ExpansionCache()
    previous: set[int] | None = None
    for defs in history:
        functions = analyzer.update(_source(defs)).functions
        got, change = cache.expand_module("flow", "features", functions, {})
        whole = expand_module(functions, {})
        assert _located(got.nodes) == _located(whole.nodes)
        assert got.problems == whole.problems
        now = {id(node) for node in got.nodes}
        if previous is not None and change is None:
            assert now == previous  # "no change" means the very same node objects
        if change is not None and change.relinkable and previous is not None:
            assert {id(n) for n in change.removed} == previous - now
            assert {id(n) for n in change.added} == now - previous
        previous = now
