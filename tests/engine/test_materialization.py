"""`materialize`, `with_materializers` and `to.<format>`/`from_.<format>`, held against
apache-hamilton: the same files written, the same metadata keys, the same values returned, and
Hamilton's own factories accepted."""

from __future__ import annotations

import json
import pickle
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from livedag.engine import base, driver
from livedag.engine.function_modifiers import source, value
from livedag.engine.io.materialization import MaterializationError, from_, to

ModuleFactory = Callable[[str], types.ModuleType]  # the `make_module` fixture (conftest.py)

FLOW = """
import pandas as pd

def raw(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"a": list(range(rows)), "b": [i * 10 for i in range(rows)]})

def total(raw: pd.DataFrame) -> pd.Series:
    return raw["a"] + raw["b"]

def doubled(total: pd.Series) -> pd.Series:
    return total * 2

def summary(total: pd.Series) -> dict:
    return {"count": int(total.count()), "sum": int(total.sum())}

def out_dir() -> str:
    return "unused"
"""


def _hamilton(module: types.ModuleType) -> Any:
    from hamilton import base as hamilton_base
    from hamilton import driver as hamilton_driver

    return (
        hamilton_driver.Builder()
        .with_modules(module)
        .with_adapters(hamilton_base.DictResult())
        .build()
    )


def _ours(module: types.ModuleType) -> driver.Driver:
    return driver.Builder().with_modules(module).build()


def test_saving_writes_what_hamilton_writes(make_module: ModuleFactory, tmp_path: Path) -> None:
    from hamilton import base as hamilton_base
    from hamilton.io import materialization as hamilton_io

    module = make_module(FLOW)
    results = {}
    for who, dr, to_, combine in (
        ("ours", _ours(module), to, base.PandasDataFrameResult()),
        ("theirs", _hamilton(module), hamilton_io.to, hamilton_base.PandasDataFrameResult()),
    ):
        folder = tmp_path / who
        folder.mkdir()
        metadata, extra = dr.materialize(
            to_.csv(
                id="frame_csv",
                dependencies=["total", "doubled"],
                combine=combine,
                path=str(folder / "f.csv"),
            ),  # noqa: E501
            to_.json(id="summary_json", dependencies=["summary"], path=str(folder / "s.json")),
            to_.pickle(id="raw_pickle", dependencies=["raw"], path=str(folder / "r.pkl")),
            additional_vars=["summary"],
            inputs={"rows": 3},
        )
        results[who] = (metadata, extra, folder)
    (ours_meta, ours_extra, ours_dir), (their_meta, their_extra, their_dir) = results.values()
    assert ours_extra == their_extra == {"summary": {"count": 3, "sum": 33}}
    assert set(ours_meta) == set(their_meta) == {"frame_csv", "summary_json", "raw_pickle"}
    for saved in ours_meta:  # the same metadata, in Hamilton's shape
        assert _shape(ours_meta[saved]) == _shape(their_meta[saved]), saved
    assert ours_meta["summary_json"]["file_metadata"]["path"].endswith("s.json")
    assert ours_meta["frame_csv"]["dataframe_metadata"]["column_names"] == ["total", "doubled"]
    assert (ours_dir / "f.csv").read_text() == (their_dir / "f.csv").read_text()
    assert json.loads((ours_dir / "s.json").read_text()) == json.loads(
        (their_dir / "s.json").read_text()
    )  # noqa: E501
    with open(ours_dir / "r.pkl", "rb") as mine, open(their_dir / "r.pkl", "rb") as reference:
        pd.testing.assert_frame_equal(pickle.load(mine), pickle.load(reference))


def test_loading_replaces_a_node_as_in_hamilton(make_module: ModuleFactory, tmp_path: Path) -> None:
    from hamilton.io import materialization as hamilton_io

    csv = tmp_path / "in.csv"
    pd.DataFrame({"a": [5, 6], "b": [1, 1]}).to_csv(csv, index=False)
    module = make_module(FLOW)
    ours = _ours(module).materialize(
        from_.csv(target="raw", path=str(csv)), additional_vars=["summary"]
    )
    theirs = _hamilton(module).materialize(
        hamilton_io.from_.csv(target="raw", path=str(csv)), additional_vars=["summary"]
    )
    assert ours == theirs == ({}, {"summary": {"count": 2, "sum": 13}})


def test_sources_and_values_as_arguments(make_module: ModuleFactory, tmp_path: Path) -> None:
    module = make_module(FLOW)
    target = tmp_path / "s.json"
    metadata, _ = _ours(module).materialize(
        to.json(id="saved", dependencies=["summary"], path=source("where")),
        inputs={"rows": 2, "where": str(target)},
    )
    assert json.loads(target.read_text()) == {"count": 2, "sum": 11}
    assert metadata["saved"]["file_metadata"]["path"] == str(target)
    _ours(module).materialize(
        to.json(id="saved", dependencies=["summary"], path=value(str(tmp_path / "v.json"))),
        inputs={"rows": 1},
    )
    assert json.loads((tmp_path / "v.json").read_text()) == {"count": 1, "sum": 0}


def test_hamiltons_factories_and_source_work_on_livedags_driver(
    make_module: ModuleFactory, tmp_path: Path
) -> None:  # noqa: E501
    from hamilton.function_modifiers import source as hamilton_source
    from hamilton.io import materialization as hamilton_io

    module = make_module(FLOW)
    target = tmp_path / "s.json"
    metadata, extra = _ours(module).materialize(
        hamilton_io.to.json(id="saved", dependencies=["summary"], path=hamilton_source("where")),
        additional_vars=["total"],
        inputs={"rows": 2, "where": str(target)},
    )
    assert json.loads(target.read_text()) == {"count": 2, "sum": 11}
    assert metadata["saved"]["file_metadata"]["path"] == str(target) and list(extra) == ["total"]


def test_with_materializers_makes_nodes_execute_can_ask_for(
    make_module: ModuleFactory, tmp_path: Path
) -> None:  # noqa: E501
    module = make_module(FLOW)
    path = tmp_path / "t.pkl"
    dr = (
        driver.Builder()
        .with_modules(module)
        .with_materializers(
            to.pickle(id="total_pickle", dependencies=[module.total], path=str(path))
        )
        .build()
    )
    result = dr.execute(["total_pickle"], inputs={"rows": 2})
    assert result["total_pickle"]["file_metadata"]["path"] == str(path)
    assert pickle.loads(path.read_bytes()).tolist() == [0, 11]
    saver = next(v for v in dr.list_available_variables() if v.name == "total_pickle")
    assert saver.tags["hamilton.data_saver"] is True
    assert saver.required_dependencies == {"total"}


def test_hooks_see_the_savers_run(make_module: ModuleFactory, tmp_path: Path) -> None:
    from livedag.engine import lifecycle

    ran: list[str] = []

    class Record(lifecycle.NodeExecutionHook):
        def run_before_node_execution(self, *, node_name: str, **rest: Any) -> None:
            ran.append(node_name)

        def run_after_node_execution(self, **rest: Any) -> None:
            pass

    module = make_module(FLOW)
    dr = driver.Builder().with_modules(module).with_adapters(Record()).build()
    dr.materialize(
        to.json(id="saved", dependencies=["summary"], path=str(tmp_path / "s.json")),
        inputs={"rows": 1},
    )
    assert ran == ["raw", "total", "summary", "saved"]


def test_mistakes_are_clear_errors(make_module: ModuleFactory, tmp_path: Path) -> None:
    module = make_module(FLOW)
    dr = _ours(module)
    with pytest.raises(AttributeError, match="to has no format 'cvs'"):
        to.cvs  # noqa: B018
    with pytest.raises(MaterializationError, match="pass combine="):
        dr.materialize(to.csv(id="x", dependencies=["total", "doubled"], path="x.csv"))
    with pytest.raises(MaterializationError, match="does not have"):
        dr.materialize(to.json(id="x", dependencies=["totl"], path="x.json"))
    with pytest.raises(MaterializationError, match="needs path"):
        dr.materialize(to.json(id="x", dependencies=["summary"]))
    with pytest.raises(MaterializationError, match="cannot save"):
        dr.materialize(to.csv(id="x", dependencies=["summary"], path="x.csv"))
    with pytest.raises(MaterializationError, match="unpack it"):
        driver.Builder().with_materializers([to.json(id="x", dependencies=["summary"], path="p")])
    with pytest.raises(ValueError, match="No output requested"):
        dr.materialize()


def test_validate_and_visualize_materialization(make_module: ModuleFactory, tmp_path: Path) -> None:
    module = make_module(FLOW)
    dr = _ours(module)
    saver = to.json(id="saved", dependencies=["summary"], path=str(tmp_path / "s.json"))
    with pytest.raises(ValueError, match="'rows' is a required input"):
        dr.validate_materialization(saver)
    dr.validate_materialization(saver, inputs={"rows": 1})
    assert not (tmp_path / "s.json").exists()  # a dry run
    dot = dr.visualize_materialization(saver, inputs={"rows": 1})
    assert '"saved"' in dot and "shape=cylinder" in dot and '"doubled"' not in dot


def test_parquet_round_trip(make_module: ModuleFactory, tmp_path: Path) -> None:
    module = make_module(FLOW)
    path = tmp_path / "raw.parquet"
    if not any(_installed(p) for p in ("pyarrow", "fastparquet")):
        with pytest.raises(Exception, match="pip install pyarrow"):
            _ours(module).materialize(
                to.parquet(id="p", dependencies=["raw"], path=str(path)), inputs={"rows": 2}
            )
        return
    _ours(module).materialize(
        to.parquet(id="p", dependencies=["raw"], path=str(path)), inputs={"rows": 2}
    )  # noqa: E501
    _, extra = _ours(module).materialize(
        from_.parquet(target="raw", path=str(path)), additional_vars=["summary"]
    )  # noqa: E501
    assert extra == {"summary": {"count": 2, "sum": 11}}


def _shape(metadata: dict[str, Any]) -> dict[str, list[str]]:
    return {key: sorted(inner) for key, inner in metadata.items()}


def _installed(package: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(package) is not None


def test_a_saver_registered_with_hamilton_works_through_hamiltons_to(
    make_module: ModuleFactory, tmp_path: Path
) -> None:
    """Hamilton's materialization example registers its own DataSaver and uses Hamilton's `to`;
    with only the driver import swapped it must run the same."""
    import dataclasses

    from hamilton import registry
    from hamilton.io import materialization as hamilton_io
    from hamilton.io.data_adapters import DataSaver

    @dataclasses.dataclass
    class SummaryLines(DataSaver):
        path: str

        def save_data(self, data: dict) -> dict[str, Any]:
            Path(self.path).write_text("".join(f"{k}={v}\n" for k, v in data.items()))
            return {"lines": len(data)}

        @classmethod
        def applicable_types(cls) -> list[type]:
            return [dict]

        @classmethod
        def name(cls) -> str:
            return "livedag_test_lines"

    registry.register_adapter(SummaryLines)
    module = make_module(FLOW)
    saver = hamilton_io.to.livedag_test_lines(
        id="lines", dependencies=["summary"], path=str(tmp_path / "s.txt")
    )
    metadata, _ = _ours(module).materialize(saver, inputs={"rows": 2})
    assert metadata == {"lines": {"lines": 2}}
    assert (tmp_path / "s.txt").read_text() == "count=2\nsum=11\n"


def test_loading_a_config_value_loads_it_as_hamilton_does(
    make_module: ModuleFactory, tmp_path: Path
) -> None:
    from hamilton import base as hamilton_base
    from hamilton import driver as hamilton_driver
    from hamilton.io import materialization as hamilton_io

    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"rows": 4}))
    module = make_module("def rows_used(settings: dict) -> int:\n    return settings['rows']\n")
    ours = driver.Builder().with_modules(module).with_config({"settings": {"rows": 1}}).build()
    theirs = (
        hamilton_driver.Builder()
        .with_modules(module)
        .with_config({"settings": {"rows": 1}})
        .with_adapters(hamilton_base.DictResult())
        .build()
    )
    mine = ours.materialize(
        from_.json(target="settings", path=str(settings)), additional_vars=["rows_used"]
    )  # noqa: E501
    reference = theirs.materialize(
        hamilton_io.from_.json(target="settings", path=str(settings)), additional_vars=["rows_used"]
    )
    assert mine == reference == ({}, {"rows_used": 4})
