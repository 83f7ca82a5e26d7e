"""The per-graph indexes behind the request paths answer exactly what a walk of the graph does."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from livedag.engine.codes import Code
from livedag.engine.dataflow import Dataflow
from livedag.server.analyzer import analyze_source
from livedag.server.lsp import symbols
from livedag.server.lsp.convert import JsonArray, JsonObject, json_converter
from livedag.server.lsp.diagnostics import DiagnosticsPublisher, _touched_files
from livedag.server.lsp.graph_index import GraphIndex, GraphIndexes, SignatureMemo, is_pii
from livedag.server.lsp.locate import Role, build_index
from livedag.server.lsp.session import Session
from livedag.server.lsp.symbols import (
    SymbolCache,
    document_symbols,
    encoded_document_symbols,
    nodes_by_function,
)
from livedag.server.lsp.warmup import Warmer
from livedag.server.workspace import Workspace
from lsprotocol import types

from tests.lsp.lsp_harness import STANDARD

DIAMONDS = """
import pandas as pd
from hamilton.function_modifiers import extract_columns, tag


@tag(owner="crm", pii="true")
def people(path: str) -> pd.DataFrame:
    return pd.read_csv(path)


@extract_columns("age", "email")
def columns(people: pd.DataFrame) -> pd.DataFrame:
    return people


def left(age: pd.Series, scale: float) -> pd.Series:
    return age * scale


@tag(owner="ds")
def right(age: pd.Series, email: pd.Series) -> pd.Series:
    return age


def joined(left: pd.Series, right: pd.Series, bonus: int = 1) -> pd.Series:
    return left + right


def unrelated(other: int) -> int:
    return other
"""

CYCLE = """
def a(c: int, x: int) -> int:
    return c


def b(a: int) -> int:
    return a


def c(b: int) -> int:
    return b


def d(c: int) -> int:
    return c
"""


def _flow(text: str, module: str = "m", path: str | None = None) -> Dataflow:
    analysis = analyze_source(text, module=module, path=path)
    return Dataflow.from_functions({module: analysis.functions})


def _check_against_walks(graph: Dataflow) -> None:
    index = GraphIndex(graph)
    for name in graph.nodes:
        ancestors = graph.upstream_of(name)
        assert index.upstream(name) == sorted(ancestors), name
        assert index.downstream(name) == sorted(graph.downstream_of(name)), name
        roots = sorted(n for n in ancestors if graph.graph.in_degree(n) == 0)
        assert index.sources(name) == roots, name
        pii = sorted(n for n in ancestors | {name} if is_pii(graph.nodes[n].tags))
        assert index.pii_reaching(name) == pii, name


def test_ancestors_descendants_roots_and_pii_match_a_walk() -> None:
    graph = _flow(DIAMONDS)
    assert graph.is_acyclic
    _check_against_walks(graph)
    index = GraphIndex(graph)
    assert index.sources("joined") == ["bonus", "path", "scale"]
    assert index.pii_reaching("joined") == ["people"]


def test_a_cycle_is_answered_like_a_walk() -> None:
    graph = _flow(CYCLE)
    assert not graph.is_acyclic
    _check_against_walks(graph)
    assert "a" not in GraphIndex(graph).upstream("a")


def test_bit_sets_decode_to_sorted_names() -> None:
    graph = _flow(DIAMONDS)  # held: an index keeps its graph weakly
    index = GraphIndex(graph)
    every = sum(map(index.bit_of, index.names))
    assert index.names_of(every) == sorted(index.names)
    assert index.names_of(0) == []
    last = index.names[-1]
    assert index.names_of(index.bit_of(last) | index.bit_of(index.names[0])) == [
        index.names[0],
        last,
    ]


def test_signature_ignores_moved_code_but_not_what_a_preview_draws() -> None:
    indexes = GraphIndexes()
    base = indexes.signature(_flow(DIAMONDS))
    assert indexes.signature(_flow("\n\n\n" + DIAMONDS)) == base
    no_default = DIAMONDS.replace("bonus: int = 1", "bonus: int")
    assert indexes.signature(_flow(no_default)) != base  # the edge is no longer optional
    assert indexes.signature(_flow(DIAMONDS.replace('owner="ds"', 'owner="bi"'))) != base


def test_pictures_are_reused_while_the_graph_draws_the_same() -> None:
    indexes = GraphIndexes()
    drawn: list[int] = []

    def draw() -> dict[str, str]:
        drawn.append(1)
        return {"dot": str(len(drawn))}

    first, moved = _flow(DIAMONDS), _flow("\n\n" + DIAMONDS)
    names = tuple(first.nodes)
    assert indexes.render(first, (names, None), draw) is indexes.render(moved, (names, None), draw)
    indexes.render(_flow(DIAMONDS.replace("scale: float", "scale: int")), (names, None), draw)
    assert len(drawn) == 2


def test_file_index_finds_targets_building_only_the_function_asked_about(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    text = DIAMONDS + "".join(
        f"\n\ndef filler_{i}(joined: pd.Series) -> pd.Series:\n    return joined\n"
        for i in range(50)
    )
    analysis = analyze_source(text, module="m", path=str(path))
    graph = Dataflow.from_functions({"m": analysis.functions})
    index = build_index(path, analysis, GraphIndex(graph))
    lines = text.split("\n")

    def at(needle: str, nth: int = 0) -> tuple[int, int]:
        found = [(i + 1, line.index(needle)) for i, line in enumerate(lines) if needle in line]
        return found[nth]

    target = index.at(*at('"email"'))
    assert target is not None and (target.role, target.name) == (Role.NODE, "email")
    target = index.at(*at("def columns"))
    assert target is None  # on `def`, not on the name
    line, column = at("def columns(")
    target = index.at(line, column + 6)
    assert target is not None and target.role is Role.FUNCTION
    assert set(target.nodes) == {"age", "email", "columns"}
    line, column = at("email: pd.Series")
    target = index.at(line, column)
    assert target is not None and (target.role, target.nodes) == (Role.PARAMETER, ("right",))
    line, column = at("joined: pd.Series", 7)
    target = index.at(line, column)
    assert target is not None and target.nodes == ("filler_7",)
    assert len(index._by_function) == 3  # the three functions asked about, of 56
    everything = list(index.targets())
    assert (
        len({t.nodes for t in everything if t.role is Role.PARAMETER and t.name == "joined"}) == 50
    )


def test_only_files_whose_problems_changed_are_republished(tmp_path: Path) -> None:
    for name, text in STANDARD.items():
        (tmp_path / name).write_text(text)
    workspace = Workspace([tmp_path])
    before = workspace.index()
    model = (tmp_path / "model.py").resolve()
    features = (tmp_path / "features.py").resolve()
    body_edit = STANDARD["model.py"].replace("age_normalized + income_scaled", "income_scaled")
    after = workspace.update(model, body_edit)
    assert _touched_files(before, after) == set()
    cycle = STANDARD["features.py"].replace(
        "def contact(email: pd.Series)", "def contact(email: pd.Series, score: pd.Series)"
    )
    cyclic = workspace.update(features, cycle)
    assert _touched_files(after, cyclic) == {features, model}


def test_plain_json_results_pass_the_converter_untouched() -> None:
    converter = json_converter()
    result = JsonObject(nodes=[{"id": "a"}])
    assert converter.unstructure(result) is result
    diagnostics = JsonArray([{"message": "x", "range": {}}])
    plain = converter.unstructure(
        types.PublishDiagnosticsParams(uri="file:///m.py", diagnostics=diagnostics)
    )
    assert plain == {"uri": "file:///m.py", "diagnostics": diagnostics}
    usual = converter.unstructure(
        types.PublishDiagnosticsParams(
            uri="file:///m.py",
            version=3,
            diagnostics=[
                types.Diagnostic(
                    range=types.Range(
                        start=types.Position(line=0, character=0),
                        end=types.Position(line=0, character=1),
                    ),
                    message="x",
                )
            ],
        )
    )
    assert json.loads(json.dumps(usual))["diagnostics"][0]["message"] == "x"
    assert usual["version"] == 3


def _session(root: Path) -> tuple[Session, Workspace]:
    workspace = Workspace([root])
    session = Session(None)  # no client: nothing is sent
    session.workspace, session.snapshot = workspace, workspace.index()
    return session, workspace


def test_node_json_is_reused_until_its_file_changes(tmp_path: Path) -> None:
    for name, text in STANDARD.items():
        (tmp_path / name).write_text(text)
    session, workspace = _session(tmp_path)
    model = (tmp_path / "model.py").resolve()
    graph = session.snapshot.dataflows_for(model)[0].graph
    people, score = graph.nodes["people"], graph.nodes["score"]
    first = session.node_json.many([people, score])
    assert first[1]["location"]["range"]["start"] == {"line": 5, "character": 4}
    session.snapshot = workspace.update(model, "\n\n" + STANDARD["model.py"])
    graph = session.snapshot.dataflows_for(model)[0].graph
    again = session.node_json.many([graph.nodes["people"], graph.nodes["score"]])
    assert again[0] is first[0]  # features.py did not change
    assert again[1]["location"]["range"]["start"] == {"line": 7, "character": 4}
    session.positions.encoding = types.PositionEncodingKind.Utf8
    assert session.node_json.one(graph.nodes["people"]) is not first[0]


def _symbol_texts(cache: SymbolCache, path: Path) -> dict[str, str]:
    return {entry.spec.name: entry.text for entry in cache._by_path[path].values()}


def test_symbols_are_rebuilt_only_for_functions_that_changed_or_moved(tmp_path: Path) -> None:
    for name, text in STANDARD.items():
        (tmp_path / name).write_text(text)
    session, workspace = _session(tmp_path)
    features = (tmp_path / "features.py").resolve()
    cache = SymbolCache()
    before = {s["name"]: s for s in document_symbols(session, session.snapshot, features, cache)}
    children = {c["name"] for c in before["people_columns"]["children"]}
    assert children == {"age", "income", "email"}  # and the symbol is people_columns itself
    texts = _symbol_texts(cache, features)
    edited = STANDARD["features.py"].replace("return email", "return email.str.lower()")
    session.snapshot = workspace.update(features, edited)
    document_symbols(session, session.snapshot, features, cache)
    after = _symbol_texts(cache, features)
    assert after["people"] is texts["people"] and after["scaled"] is texts["scaled"]
    moved = edited.replace('"""Features of people."""', '"""Features\n\nof people."""')
    session.snapshot = workspace.update(features, moved)
    shifted = {s["name"]: s for s in document_symbols(session, session.snapshot, features, cache)}
    assert _symbol_texts(cache, features)["scaled"] is not texts["scaled"]
    line = before["scaled"]["selectionRange"]["start"]["line"]
    assert shifted["scaled"]["selectionRange"]["start"]["line"] == line + 2
    assert shifted["scaled"]["range"]["end"]["line"] == before["scaled"]["range"]["end"]["line"] + 2
    # The JSON text sent to the client is the symbols, encoded once and reused while unchanged.
    encoded = encoded_document_symbols(session, session.snapshot, features, cache)
    assert json.loads(encoded.text) == list(shifted.values())
    assert encoded_document_symbols(session, session.snapshot, features, cache) is encoded
    # ... and what a fresh cache builds from nothing
    assert json.loads(encoded.text) == document_symbols(session, session.snapshot, features)


_OUTLINED = '''"""Naïve features: 100% of them."""
import pandas as pd
from hamilton.function_modifiers import config, extract_columns, parameterize, value


@extract_columns("âge", "income")
def people(path: str) -> pd.DataFrame:
    """People, 50% of them."""
    return pd.read_csv(path)


def score(âge: pd.Series, income: pd.Series) -> "pd.Series[100%]":
    return âge * income


@parameterize(low={"x": value(1)}, high={"x": value(2)})
def level(x: int) -> int:
    return x


@config.when(mode="a")
def pick__a(score: pd.Series) -> pd.Series:
    return score
'''


@pytest.mark.parametrize("flat_above", [2000, 3])
def test_incremental_outline_equals_a_fresh_one_after_every_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flat_above: int
) -> None:
    """Edits that move functions (lines added or removed above them), change one, add and
    remove one, with non-ASCII text (UTF-16 columns) and `%` in details: the outline kept up to
    date function by function is always the one built from nothing (nested, and flat once the
    module has more functions than the limit)."""
    import random

    monkeypatch.setattr(symbols, "FLAT_OUTLINE_FUNCTIONS", flat_above)

    path = tmp_path / "flow.py"
    path.write_text(_OUTLINED)
    workspace = Workspace([tmp_path])
    session = Session(None)
    session.workspace, session.snapshot = workspace, workspace.index()
    path = path.resolve()
    cache = SymbolCache()
    rnd = random.Random(7)
    text = _OUTLINED
    moves = 0
    for step in range(60):
        lines = text.split("\n")
        at = rnd.randrange(len(lines))
        choice = rnd.random()
        if choice < 0.35:
            lines.insert(at, "")  # an Enter: everything below moves down
        elif choice < 0.5 and lines[at] == "":
            del lines[at]  # a blank line gone: everything below moves up
        elif choice < 0.7:
            lines.insert(at, f"# é {step}")
        elif choice < 0.85:
            lines.append(
                f"\n\ndef extra_{step}(score: pd.Series) -> pd.Series:\n    return score\n"
            )
        else:
            text = text.replace("def score(", "def score2(") if step % 2 else text
        if choice < 0.85:
            text = "\n".join(lines)
        session.snapshot = workspace.update(path, text)
        before = {id(e): e.line for e in cache._by_path.get(path, {}).values()}
        kept = json.loads(encoded_document_symbols(session, session.snapshot, path, cache).text)
        moves += sum(
            1 for e in cache._by_path[path].values() if id(e) in before and before[id(e)] != e.line
        )
        fresh = json.loads(
            encoded_document_symbols(session, session.snapshot, path, SymbolCache()).text
        )
        assert kept == fresh, step
    assert moves > 20  # the templates were used, not only fresh builds
    people = next(s for s in kept if s["name"] == "people")
    if flat_above < 4:
        assert "children" not in people and people["detail"] == "pd.DataFrame · makes âge, income"
    else:
        assert [c["name"] for c in people["children"]] == ["âge", "income"]
    for utf16 in (types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf8):
        session.positions.encoding = utf16
        kept = json.loads(encoded_document_symbols(session, session.snapshot, path, cache).text)
        fresh = json.loads(
            encoded_document_symbols(session, session.snapshot, path, SymbolCache()).text
        )
        assert kept == fresh


def test_warming_prepares_the_indexes_of_the_touched_dataflow(tmp_path: Path) -> None:
    for name, text in STANDARD.items():
        (tmp_path / name).write_text(text)
    session, _ = _session(tmp_path)
    snapshot = session.snapshot
    assert snapshot is not None
    graph = snapshot.dataflows[0].graph

    async def warm() -> None:
        warmer = Warmer(session)
        warmer(None, snapshot, set())
        warmer._run()  # what the timer would do after a pause

    asyncio.run(warm())
    index = session.indexes.of(graph)
    assert index._made_by is not None
    assert set(index._up) == set(graph.nodes)  # every ancestor set, within the budget


class _Recorder:
    """Stands in for the server: keeps what would have been published."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[Any]]] = []  # uri, diagnostics in JSON form

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None:
        self.sent.append((params.uri, list(params.diagnostics)))


def test_diagnostics_are_converted_again_only_when_their_problem_changed_or_moved(
    tmp_path: Path,
) -> None:
    typo = "\n\ndef extra(agee: pd.Series) -> pd.Series:\n    return agee\n"
    files = {**STANDARD, "model.py": STANDARD["model.py"] + typo}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    recorder = _Recorder()
    workspace = Workspace([tmp_path])
    session = Session(recorder)
    session.workspace, session.snapshot = workspace, workspace.index()
    publisher = DiagnosticsPublisher(session)
    model = (tmp_path / "model.py").resolve()
    session.open_versions[model.as_uri()] = 1
    session.path_of(model.as_uri())
    publisher(None, session.snapshot, {model})
    (first,) = [diagnostics for uri, diagnostics in recorder.sent if uri == model.as_uri()]
    (warning,) = [d for d in first if d["code"] == "LD002"]

    def republish(text: str) -> dict[str, Any]:
        before = session.snapshot
        session.snapshot = workspace.update(model, text)
        recorder.sent.clear()
        publisher(before, session.snapshot, {model})
        ((_, sent),) = recorder.sent
        (found,) = [d for d in sent if d["code"] == "LD002"]
        return dict(found)

    (problem,) = [
        p for p in session.snapshot.problems_for(model) if p.code == Code.UNKNOWN_DEPENDENCY
    ]
    assert publisher.converted(problem)[0] is warning  # converted once, then reused
    body_edit = files["model.py"].replace("age_normalized + income_scaled", "income_scaled")
    assert republish(body_edit) == warning
    moved = republish("\n\n" + body_edit)  # the same problem object may have moved with its block
    assert moved["range"]["start"]["line"] == warning["range"]["start"]["line"] + 2


OUTLINED = {
    "run.py": (
        "from hamilton import driver\nimport a\nimport b\n\n"
        "dr = driver.Builder().with_modules(a, b).with_config({'mode': 'x', 'rate': 2}).build()\n"
    ),
    "a.py": (
        "import pandas as pd\n"
        "from hamilton.function_modifiers import config, extract_columns\n\n\n"
        "def rate() -> float:\n    return 1.0\n\n\n"  # replaced by the config value
        "def twice() -> int:\n    return 1\n\n\n"  # also defined in b (LD003)
        "@extract_columns('c1', 'c2')\n"
        "def frame(rate: float) -> pd.DataFrame:\n    return pd.DataFrame()\n\n\n"
        "@config.when(mode='x')\n"
        "def pick__x(c1: pd.Series) -> pd.Series:\n    return c1\n\n\n"
        "@config.when(mode='y')\n"
        "def pick__y(c2: pd.Series) -> pd.Series:\n    return c2\n"
    ),
    "b.py": (
        "def twice() -> int:\n    return 2\n\n\ndef other(twice: int) -> int:\n    return twice\n"
    ),
}


def test_an_outline_names_the_nodes_the_graph_says_each_function_makes(tmp_path: Path) -> None:
    """The outline reads one module's nodes, not the graph; it must agree with the graph."""
    for name, text in OUTLINED.items():
        (tmp_path / name).write_text(text)
    session, workspace = _session(tmp_path)
    snapshot = session.snapshot
    assert snapshot is not None
    for module in ("a", "b"):
        path = (tmp_path / f"{module}.py").resolve()
        graph = snapshot.dataflows_for(path)[0].graph
        made = nodes_by_function(session, snapshot, path, module)
        functions = snapshot.module(path).functions
        assert functions
        for spec in functions:
            expected = GraphIndex(graph).made_by(module, spec.name)
            assert sorted(map(id, made(spec.name))) == sorted(map(id, expected)), spec.name
    path = (tmp_path / "a.py").resolve()
    made = nodes_by_function(session, snapshot, path, "a")
    assert made("rate") == ()  # the config value is the node
    assert [n.name for n in made("twice")] == ["twice"]  # a duplicate is still shown
    assert sorted(n.name for n in made("frame")) == ["c1", "c2", "frame"]
    assert [n.name for n in made("pick__x")] == ["pick"] and made("pick__y") == ()
    outline = {s["name"]: s for s in document_symbols(session, snapshot, path, SymbolCache())}
    assert outline["pick__x"]["detail"] == "node pick: pd.Series"  # a variant: no child
    assert "children" not in outline["pick__x"]
    assert outline["pick__y"]["detail"] == "no node under this config"
    assert [c["name"] for c in outline["frame"]["children"]] == ["c1", "c2"]
    assert outline["frame"]["detail"] == "pd.DataFrame"


def test_a_graph_signed_from_its_earlier_version_signs_as_a_fresh_one(tmp_path: Path) -> None:
    for name, text in STANDARD.items():
        (tmp_path / name).write_text(text)
    session, workspace = _session(tmp_path)
    features = (tmp_path / "features.py").resolve()
    graphs = [session.snapshot.dataflows_for(features)[0].graph]
    session.indexes.signature(graphs[0])
    text = STANDARD["features.py"]
    for step in range(6):
        text += f"\n\ndef extra_{step}(people: pd.DataFrame) -> int:\n    return {step}\n"
        if step == 3:
            text = text.replace("def extra_0(", "def extra_zero(")
        graph = workspace.update(features, text).dataflows_for(features)[0].graph
        graphs.append(graph)  # held: every version stays reachable
        if step % 2:  # every other version is signed, so some chains skip one
            earlier = graph.changed_since()
            assert earlier is not None
            assert session.indexes.signature(graph) == SignatureMemo().graph_signature(graph)
    assert len({session.indexes.signature(g) for g in graphs}) == len(graphs)


def test_a_flat_outline_names_at_most_a_few_made_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = ", ".join(f"out_{i}={{'x': value({i})}}" for i in range(12))
    (tmp_path / "wide.py").write_text(
        "from hamilton.function_modifiers import parameterize, value\n\n\n"
        f"@parameterize({outputs})\ndef level(x: int) -> int:\n    return x\n\n\n"
        "def other(out_1: int) -> int:\n    return out_1\n"
    )
    session, _ = _session(tmp_path)
    path = (tmp_path / "wide.py").resolve()
    monkeypatch.setattr(symbols, "FLAT_OUTLINE_FUNCTIONS", 1)
    outline = {s["name"]: s for s in document_symbols(session, session.snapshot, path)}
    names = ", ".join(f"out_{i}" for i in range(8))
    assert outline["level"]["detail"] == f"makes {names}, … (4 more)"
    assert "children" not in outline["level"] and outline["other"]["detail"] == "int"
    monkeypatch.setattr(symbols, "FLAT_OUTLINE_FUNCTIONS", 2)  # two functions: nested
    outline = {s["name"]: s for s in document_symbols(session, session.snapshot, path)}
    assert len(outline["level"]["children"]) == 12 and "detail" not in outline["level"]
