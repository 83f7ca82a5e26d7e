"""Rename, on the analysis: the edits it plans, applied to the texts and analysed again.

The property: for every fixture dataflow and every node a rename accepts, the graph after the
edits is the old graph with that one node renamed (same kinds, types and edges).  Renames that
also rename a key of the data (`@extract_columns("age")`, confirmed by the user in the editor)
are included: the graph cannot tell the data was not renamed, Hamilton's run can, so the executed
fixtures take only renames that need no confirmation.  Tricky Python
scoping is tested on small modules: shadowing, nested scopes, class bodies, keyword arguments.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from livedag.server.lsp.rename import Refused, apply, plan_rename
from livedag.server.workspace import Snapshot, Workspace

FIXTURES = Path(__file__).parent.parent / "fixtures" / "dataflows"
# Fixtures with plain functions: some rename there must be accepted.
ACCEPTING = {
    "basic_plain",
    "basic_redefined",
    "config_variants",
    "expanders_columns",
    "metadata_tags",
}


def _index(root: Path) -> Snapshot:
    return Workspace([root]).index()


def _shape(snapshot: Snapshot, rename: dict[str, str]) -> dict[str, set[tuple[object, ...]]]:
    """Each dataflow's nodes as (name, kind, type, dependencies), with names mapped."""
    out: dict[str, set[tuple[object, ...]]] = {}
    for view in snapshot.dataflows:
        out[view.name] = {
            (
                rename.get(n.name, n.name),
                n.kind,
                n.type.text if n.type is not None else None,
                tuple(sorted(rename.get(d.name, d.name) for d in n.dependencies)),
            )
            for n in view.graph.nodes.values()
        }
    return out


def _renamed(root: Path, tmp: Path, snapshot: Snapshot, old: str, new: str) -> Snapshot:
    plan = plan_rename(snapshot, old, new, data_keys=True)
    target = tmp / f"{old}-to-{new}"
    shutil.copytree(root, target)
    for path, edits in plan.edits.items():
        module = snapshot.module(path)
        assert module is not None
        (target / path.relative_to(root)).write_text(apply(module.text, edits))
    return _index(target)


def _renaming(before: Snapshot, after: Snapshot, old: str, new: str) -> dict[str, str]:
    """`old -> new`, and the nodes a decorator names after `old` and makes with it (the
    `old_raw` and `old_<check>_validator` of `@check_output`) renamed alike: no other name may
    have changed."""
    names = {n for view in before.dataflows for n in view.graph.nodes}
    gone = names - {n for view in after.dataflows for n in view.graph.nodes}
    makers = {
        (node.module, node.function)
        for view in before.dataflows
        for node in view.graph.definitions(old)
    }
    mapping = {old: new}
    for name in gone - {old}:
        assert name.startswith(old + "_"), f"{name} changed when renaming {old}"
        made_by = {
            (n.module, n.function)
            for view in before.dataflows
            for n in view.graph.definitions(name)
        }
        assert made_by <= makers, f"{name} is not made with {old}"
        mapping[name] = new + name[len(old) :]
    return mapping


def _fixture_roots() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("fixture", _fixture_roots(), ids=lambda p: p.stem)
def test_every_accepted_rename_renames_exactly_one_node(fixture: Path, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copy(fixture, root / fixture.name)
    snapshot = _index(root)
    names = sorted({n for view in snapshot.dataflows for n in view.graph.nodes})
    renamed = 0
    for old in names:
        new = f"{old.replace('.', '_')}_renamed"
        try:
            after = _renamed(root, tmp_path, snapshot, old, new)
        except Refused:
            continue
        renamed += 1
        assert _shape(after, {}) == _shape(snapshot, _renaming(snapshot, after, old, new)), old
    if fixture.stem in ACCEPTING:
        assert renamed, "every rename was refused"


def _one(tmp_path: Path, text: str) -> tuple[Path, Snapshot]:
    (tmp_path / "flow.py").write_text(text)
    return tmp_path, _index(tmp_path)


TRICKY = '''"""Scoping cases."""

from hamilton.function_modifiers import source, parameterize


def age(people: int) -> int:
    return people


def report(age: int, other: int = 3) -> dict:
    helper = lambda age: age + 1
    scaled = lambda k: age * k
    squares = [age * i for i in range(age)]
    shadowed = [age for age in range(3)]

    def inner(z: int) -> int:
        return age + z

    def hides(age: int) -> int:
        return age

    class Holder:
        age = 1
        seen = age

        def method(self) -> int:
            return age

    return dict(age=age, text=f"{age}", parts=(helper, scaled, squares, shadowed, inner, hides))


@parameterize(doubled=dict(x=source("age")))
def twice(x: int) -> int:
    return 2 * x
'''


def test_parameter_uses_are_renamed_with_python_scoping(tmp_path: Path) -> None:
    root, snapshot = _one(tmp_path, TRICKY)
    plan = plan_rename(snapshot, "age", "years")
    text = apply(snapshot.module(root / "flow.py").text, plan.edits[root / "flow.py"])  # type: ignore[union-attr]
    assert "def years(people: int)" in text
    assert "def report(years: int, other: int = 3)" in text
    assert "helper = lambda age: age + 1" in text  # its own parameter
    assert "scaled = lambda k: years * k" in text
    assert "squares = [years * i for i in range(years)]" in text
    assert "shadowed = [age for age in range(3)]" in text
    assert "return years + z" in text
    assert "def hides(age: int) -> int:\n        return age\n" in text
    assert "age = 1\n        seen = age\n" in text  # the class's own name
    assert "def method(self) -> int:\n            return years" in text
    assert 'dict(age=years, text=f"{years}"' in text  # keyword names are not the variable
    assert 'source("years")' in text
    after = _renamed(root, tmp_path, snapshot, "age", "years")
    assert _shape(after, {}) == _shape(snapshot, {"age": "years"})


def test_what_a_rename_derives_from_an_analysis_goes_with_it(tmp_path: Path) -> None:
    """The per-module tables rename keeps (parsed functions, config variants, ...) are let go
    with the analysis they came from: a keystroke's old analysis must not stay in memory."""
    import gc

    from livedag.server.lsp import function_source

    _, snapshot = _one(tmp_path, TRICKY)
    plan_rename(snapshot, "age", "years")
    module = snapshot.module(tmp_path / "flow.py")
    assert function_source._SOURCES.get(module) is not None
    held = len(function_source._SOURCES)
    del module, snapshot
    gc.collect()
    assert len(function_source._SOURCES) < held


def test_collisions_are_refused_and_parameterize_keywords_renamed(tmp_path: Path) -> None:
    root, snapshot = _one(tmp_path, TRICKY)
    with pytest.raises(Refused, match="already a node"):
        plan_rename(snapshot, "age", "people")
    with pytest.raises(Refused, match="already a name in `report`"):
        plan_rename(snapshot, "age", "helper")  # a local of a consumer
    plan = plan_rename(snapshot, "doubled", "tripled")  # a @parameterize keyword
    assert [text for edits in plan.edits.values() for text in edits.values()] == ["tripled"]
    after = _renamed(root, tmp_path, snapshot, "doubled", "tripled")
    assert _shape(after, {}) == _shape(snapshot, {"doubled": "tripled"})
    with pytest.raises(Refused, match="not a Python identifier"):
        plan_rename(snapshot, "age", "class")


def test_config_variant_keeps_its_suffix_and_module_references_follow(tmp_path: Path) -> None:
    text = """from hamilton.function_modifiers import config


@config.when(mode="a")
def base__a(x: int) -> int:
    return x


@config.when(mode="b")
def base__b(x: int) -> int:
    return x


def use(base: int) -> int:
    return base


def plain(x: int) -> int:
    return x


def calls(x: int) -> int:
    return plain(x) + 1


@config.when(mode="b")
def scaled__b(plain: int) -> int:
    return plain * 2
"""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.livedag.dataflows.main]\nmodules = ["flow"]\nconfig = {mode = "a"}\n'
    )
    root, snapshot = _one(tmp_path, text)
    plan = plan_rename(snapshot, "base", "core")
    out = apply(text, plan.edits[root / "flow.py"])
    assert "def core__a(x: int)" in out
    # The variant mode "a" leaves out is in no graph, yet mode "b" builds it: renamed too.
    assert "def core__b(x: int)" in out
    assert "def use(core: int) -> int:\n    return core" in out
    plan = plan_rename(snapshot, "plain", "simple")
    out = apply(text, plan.edits[root / "flow.py"])
    assert "def simple(x: int)" in out and "return simple(x) + 1" in out
    assert "def scaled__b(simple: int) -> int:\n    return simple * 2" in out


def test_names_from_constants_are_refused_and_check_output_names_follow(tmp_path: Path) -> None:
    text = """import pandas as pd
from hamilton.function_modifiers import check_output, extract_columns

COLUMNS = ["north", "south"]


def frame(raw: pd.DataFrame) -> pd.DataFrame:
    return raw


@extract_columns(*COLUMNS)
def split(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


@check_output(range=(0, 1))
def share(north: pd.Series) -> pd.Series:
    return north
"""
    _, snapshot = _one(tmp_path, text)
    with pytest.raises(Refused, match="outside `split`"):
        plan_rename(snapshot, "north", "top")
    # @check_output names its nodes after the checked one: they follow it.
    plan = plan_rename(snapshot, "share", "portion")
    assert plan.derived == {
        "share_raw": "portion_raw",
        "share_range_validator": "portion_range_validator",
    }
    root = tmp_path
    after = _renamed(root, tmp_path, snapshot, "share", "portion")
    assert _shape(after, {}) == _shape(snapshot, {"share": "portion", **plan.derived})


COLUMNS = """import pandas as pd
from hamilton.function_modifiers import extract_columns, tag_outputs


def frame(raw: pd.DataFrame) -> pd.DataFrame:
    return raw


@tag_outputs(north={"owner": "geo"}, south={"owner": "sales"})
@extract_columns("north", "south")
def split(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


def share(north: pd.Series) -> pd.Series:
    return north / north.sum()
"""


def test_a_column_is_renamed_only_with_confirmation_and_its_tag_outputs_key_follows(
    tmp_path: Path,
) -> None:
    root, snapshot = _one(tmp_path, COLUMNS)
    with pytest.raises(Refused, match="cannot ask you to confirm"):
        plan_rename(snapshot, "north", "top")
    plan = plan_rename(snapshot, "north", "top", data_keys=True)
    path = root / "flow.py"
    text = apply(COLUMNS, plan.edits[path])
    assert '@tag_outputs(top={"owner": "geo"}, south={"owner": "sales"})' in text
    assert '@extract_columns("top", "south")' in text
    assert "def share(top: pd.Series) -> pd.Series:\n    return top / top.sum()" in text
    # Only the column's string asks for confirmation, labelled with what else to rename.
    ((span, data_key),) = plan.confirm[path].items()
    assert COLUMNS.split("\n")[span.line - 1][span.column - 1 : span.end_column + 1] == '"north"'
    assert data_key.label == "Rename the DataFrame column too"
    after = _renamed(root, tmp_path, snapshot, "north", "top")
    assert _shape(after, {}) == _shape(snapshot, {"north": "top"})
    tags = {v.graph.nodes["top"].user_tags["owner"] for v in after.dataflows}
    assert tags == {"geo"}


FIELDS = """from hamilton.function_modifiers import extract_fields


@extract_fields({"gross": int, "net": int})
def amounts(orders: int) -> dict:
    return {"gross": orders, "net": orders - 1}


def margin(gross: int, net: int) -> int:
    return gross - net
"""


def test_an_extract_fields_key_is_a_dict_field_to_rename_too(tmp_path: Path) -> None:
    root, snapshot = _one(tmp_path, FIELDS)
    plan = plan_rename(snapshot, "gross", "total", data_keys=True)
    path = root / "flow.py"
    text = apply(FIELDS, plan.edits[path])
    assert '@extract_fields({"total": int, "net": int})' in text
    assert "def margin(total: int, net: int) -> int:\n    return total - net" in text
    assert 'return {"gross": orders' in text  # the data itself is the user's to rename
    ((_, data_key),) = plan.confirm[path].items()
    assert data_key.label == "Rename the dict field too"
    assert "amounts" in data_key.description
    after = _renamed(root, tmp_path, snapshot, "gross", "total")
    assert _shape(after, {}) == _shape(snapshot, {"gross": "total"})


STEPS = """from hamilton.function_modifiers import pipe_input, source, step, value


def _add(x: int, amount: int = 1) -> int:
    return x + amount


def _scale(x: int, factor: int) -> int:
    return x * factor


def raw(events: int) -> int:
    return events


@pipe_input(step(_add), step(_scale, factor=source("weight")))
def total(raw: int) -> int:
    return raw
"""


def test_pipes_are_renamed_through_but_not_a_step_function_s_parameters(tmp_path: Path) -> None:
    """A module with `@pipe_input` is no longer refused as a whole: the piped parameter and the
    `source(...)` a step takes are renamed; a step function's own parameter is bound by name by
    every `step(...)` that uses it, so renaming the node it asks for is refused, saying so."""
    root, snapshot = _one(tmp_path, STEPS)
    plan = plan_rename(snapshot, "raw", "cleaned")
    text = apply(STEPS, plan.edits[root / "flow.py"])
    assert "def cleaned(events: int)" in text
    assert "def total(cleaned: int) -> int:\n    return cleaned" in text
    after = _renamed(root, tmp_path, snapshot, "raw", "cleaned")
    assert _shape(after, {}) == _shape(snapshot, {"raw": "cleaned"})
    plan = plan_rename(snapshot, "weight", "scale")
    assert 'step(_scale, factor=source("scale"))' in apply(STEPS, plan.edits[root / "flow.py"])
    with pytest.raises(Refused, match=r"step\(\.\.\.\) at flow.py:16 builds nodes from `_add`"):
        plan_rename(snapshot, "amount", "quantity")


SUBDAG = """from hamilton.function_modifiers import source, subdag


def reading(raw_reading: float) -> float:
    return raw_reading


def house_meter(meter_input: float) -> float:
    return meter_input * 2


@subdag(reading, inputs={"raw_reading": source("meter_input")})
def house(reading: float) -> float:
    return reading
"""


CHECKED_COLUMNS = """import pandas as pd
from hamilton.function_modifiers import check_output, extract_columns


@check_output(range=(0.0, 1.0), target_="net")
@extract_columns("net", "net_margin")
def split(raw: pd.DataFrame) -> pd.DataFrame:
    return raw


def report(net: pd.Series, net_margin: pd.Series) -> pd.Series:
    return net + net_margin
"""


def test_check_output_names_follow_but_a_column_that_looks_alike_does_not(
    tmp_path: Path,
) -> None:
    root, snapshot = _one(tmp_path, CHECKED_COLUMNS)
    plan = plan_rename(snapshot, "net", "gain", data_keys=True)
    assert plan.derived == {"net_raw": "gain_raw", "net_range_validator": "gain_range_validator"}
    text = apply(CHECKED_COLUMNS, plan.edits[root / "flow.py"])
    assert '@check_output(range=(0.0, 1.0), target_="gain")' in text
    assert '@extract_columns("gain", "net_margin")' in text
    assert "def report(gain: pd.Series, net_margin: pd.Series)" in text
    after = _renamed(root, tmp_path, snapshot, "net", "gain")
    assert _shape(after, {}) == _shape(snapshot, {"net": "gain", **plan.derived})


def test_a_subdag_s_inputs_follow_and_what_it_builds_from_is_refused(tmp_path: Path) -> None:
    root, snapshot = _one(tmp_path, SUBDAG)
    plan = plan_rename(snapshot, "meter_input", "meter")
    text = apply(SUBDAG, plan.edits[root / "flow.py"])
    assert "def house_meter(meter: float) -> float:\n    return meter * 2" in text
    assert '@subdag(reading, inputs={"raw_reading": source("meter")})' in text
    after = _renamed(root, tmp_path, snapshot, "meter_input", "meter")
    assert _shape(after, {}) == _shape(snapshot, {"meter_input": "meter"})
    # `reading`'s parameter is bound by name by the subdag's inputs: not renamed silently.
    message = r"renaming `raw_reading` changes `reading` \(flow.py:4\), and @subdag at flow.py:12"
    with pytest.raises(Refused, match=message):
        plan_rename(snapshot, "raw_reading", "raw")


EXECUTED = [
    "basic_plain",
    "expanders_columns",
    "metadata_tags",
    "macros_does",
    "static_conditional",
    "macros_mutate",
    "macros_mutate_repeated",
    "pipes_output",
    "pipes_stacked",
    "rules_mutate_twice",
    "pipes_input",
    "validation_checks",
    "rules_validator_names",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", EXECUTED)
def test_renamed_fixtures_run_the_same_under_hamilton(name: str, tmp_path: Path) -> None:
    """Hamilton's runnable behaviour is unchanged: every node gives the value it gave before,
    under its new name (inputs renamed too)."""
    from hamilton import driver as hamilton_driver

    from tests.oracle import (
        fixture_configs,
        fixture_inputs,
        hamilton_inputs,
        load_module,
        outcome_diff,
        run_each,
    )

    fixture = FIXTURES / f"{name}.py"
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copy(fixture, root / fixture.name)
    snapshot = _index(root)
    names = sorted({n for view in snapshot.dataflows for n in view.graph.nodes})
    plans = {}
    for old in names:
        try:
            plans[old] = plan_rename(snapshot, old, f"{old}_renamed")
        except Refused:
            continue
    assert plans
    module = snapshot.module(root / fixture.name)
    assert module is not None
    # Every config the fixture runs under: a rename must reach the variants others leave out.
    for config in fixture_configs(fixture):
        inputs = fixture_inputs(fixture, tmp_path, hamilton_inputs(fixture, config))
        loaded = load_module(fixture, prefix="rn_before")
        before = run_each(hamilton_driver, loaded, config, inputs)
        for old, plan in plans.items():
            new = plan.new
            text = apply(module.text, plan.edits.get(root / fixture.name, {}))
            after = run_each(
                hamilton_driver,
                load_module(fixture, text=text, prefix="rn_after"),
                config,
                {new if k == old else k: v for k, v in inputs.items()},
            )
            names = {old: new, **plan.derived}
            expected = {names.get(k, k): v for k, v in before.items()}
            assert outcome_diff(expected, after) == "", (old, config)


TAGGED_FLOW = """
from hamilton.function_modifiers import tag


def raw(path: str) -> int:
    return 1


@tag(owner="ds", artifact="model")
def model(raw: int) -> int:
    return raw


def score(model: int) -> int:
    return model
"""

TAGGED_RUN = """
from hamilton import driver

import flow


def main() -> None:
    dr = driver.Builder().with_modules(flow).build()
    results = dr.execute(["score", "model"], inputs={"path": "x"})
    print(results["model"], results.get('score'), results["raw"], other["model"])


other = {"model": 1}
results = {"model": 2}  # not what execute returned
print(results["model"])
"""


def test_a_tag_value_naming_the_node_is_confirmed_or_left_and_result_keys_follow(
    tmp_path: Path,
) -> None:
    """`@tag(artifact="model")` is metadata: renamed only with the user's confirmation (left as
    it is by an editor that cannot ask), never a reason to refuse.  The keys read from what the
    driver's `execute` returned are node names: renamed, or the script fails with a KeyError."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "flow.py").write_text(TAGGED_FLOW.lstrip())
    (root / "run.py").write_text(TAGGED_RUN.lstrip())
    snapshot = _index(root)
    asking = plan_rename(snapshot, "model", "fitted", data_keys=True)
    flow = apply(snapshot.module(root / "flow.py").text, asking.edits[root / "flow.py"])  # type: ignore[union-attr]
    assert '@tag(owner="ds", artifact="fitted")' in flow and "def fitted(raw: int)" in flow
    [(span, why)] = asking.confirm[root / "flow.py"].items()
    assert why.label == "Rename the tag value too" and span.line == 8  # the @tag line
    run = apply(snapshot.module(root / "run.py").text, asking.edits[root / "run.py"])  # type: ignore[union-attr]
    assert 'dr.execute(["score", "fitted"]' in run
    assert 'print(results["fitted"], results.get(\'score\'), results["raw"], other["model"])' in run
    assert 'results = {"model": 2}  # not what execute returned\nprint(results["model"])' in run
    silent = plan_rename(snapshot, "model", "fitted")  # an editor without change annotations
    flow = apply(snapshot.module(root / "flow.py").text, silent.edits[root / "flow.py"])  # type: ignore[union-attr]
    assert '@tag(owner="ds", artifact="model")' in flow and "def fitted(raw: int)" in flow
    assert not silent.confirm
    after = _renamed(root, tmp_path, snapshot, "model", "fitted")  # (the driver's path differs)
    assert list(_shape(after, {}).values()) == list(_shape(snapshot, {"model": "fitted"}).values())
