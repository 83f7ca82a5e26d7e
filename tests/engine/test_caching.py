"""`Builder.with_cache()`: a second run retrieves what the first stored, a changed function or
input recomputes what it reaches, and recompute/ignore/disable lists do what Hamilton's do.

Each scenario runs on livedag's driver and on apache-hamilton 1.90's with the same module and
its own cache directory under tmp_path; the nodes each run executed and retrieved (from
`dr.cache.logs(run_id, level="info")`) must be the same, and so must the results."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from livedag.engine import driver
from livedag.engine.caching import CachingBehavior, ResultCache

ModuleFactory = Callable[[str], types.ModuleType]  # the `make_module` fixture (conftest.py)

FLOW = """
CALLS = []

def raw(x: int) -> list:
    CALLS.append("raw")
    return list(range(x))

def doubled(raw: list) -> list:
    CALLS.append("doubled")
    return [v * 2 for v in raw]

def total(doubled: list, offset: int = 0) -> int:
    CALLS.append("total")
    return sum(doubled) + offset

def size(raw: list) -> int:
    CALLS.append("size")
    return len(raw)
"""

# `doubled` computes the same values another way: its code changes, its result does not.
FLOW_NEW_CODE = FLOW.replace("[v * 2 for v in raw]", "[v + v for v in raw]")
# `raw` now gives different values.
FLOW_NEW_RAW = FLOW.replace("list(range(x))", "list(range(1, x + 1))")

OUTPUTS = ["total", "size"]


def _livedag(module: types.ModuleType, path: Path, **cache: Any) -> Any:
    return driver.Builder().with_modules(module).with_cache(path=path, **cache).build()


def _hamilton(module: types.ModuleType, path: Path, **cache: Any) -> Any:
    from hamilton import driver as hamilton_driver

    return hamilton_driver.Builder().with_modules(module).with_cache(path=path, **cache).build()


def _what_ran(dr: Any) -> dict[str, str]:
    """node -> 'execute_node' or 'get_result' in the driver's last run."""
    logs = dr.cache.logs(dr.cache.last_run_id, level="info")
    return {name: events[-1].event_type.value for name, events in sorted(logs.items())}


def _both(
    make_module: ModuleFactory, tmp_path: Path, sources: list[str], **cache: Any
) -> list[tuple[dict[str, str], Any, list[str]]]:
    """Run `sources` in turn (each a new module, one cache per driver kind); per run, what ran,
    the result and the functions called, after checking Hamilton's runs agree."""
    runs: dict[str, list[tuple[dict[str, str], Any, list[str]]]] = {}
    for kind, build in (("livedag", _livedag), ("hamilton", _hamilton)):
        runs[kind] = []
        for source in sources:
            module = make_module(source)
            dr = build(module, tmp_path / kind, **cache)
            result = dr.execute(OUTPUTS, inputs={"x": 4})
            runs[kind].append((_what_ran(dr), result, list(module.CALLS)))
    assert runs["livedag"] == runs["hamilton"]
    return runs["livedag"]


def test_second_run_retrieves_instead_of_executing(
    make_module: ModuleFactory, tmp_path: Path
) -> None:
    first, second = _both(make_module, tmp_path, [FLOW, FLOW])
    assert first[2] == ["raw", "doubled", "total", "size"]
    assert set(first[0].values()) == {"execute_node"}
    assert second[2] == []  # nothing ran: every result came from the cache
    assert set(second[0].values()) == {"get_result"}
    assert second[1] == first[1] == {"total": 12, "size": 4}


def test_same_driver_twice_retrieves(make_module: ModuleFactory, tmp_path: Path) -> None:
    module = make_module(FLOW)
    dr = _livedag(module, tmp_path / "cache")
    dr.execute(OUTPUTS, inputs={"x": 4})
    module.CALLS.clear()
    assert dr.execute(OUTPUTS, inputs={"x": 4}) == {"total": 12, "size": 4}
    assert module.CALLS == []
    assert dr.cache.retrieved() == ["raw", "doubled", "total", "size"]
    assert dr.cache.executed() == []
    assert len(dr.cache.run_ids) == 2


def test_changed_code_recomputes_that_node_only(make_module: ModuleFactory, tmp_path: Path) -> None:
    _, changed = _both(make_module, tmp_path, [FLOW, FLOW_NEW_CODE])
    # doubled's code changed; its result did not, so total is still retrieved.
    assert changed[2] == ["doubled"]


def test_changed_result_recomputes_downstream(make_module: ModuleFactory, tmp_path: Path) -> None:
    _, changed = _both(make_module, tmp_path, [FLOW, FLOW_NEW_RAW])
    assert changed[2] == ["raw", "doubled", "total", "size"]
    assert changed[1] == {"total": 20, "size": 4}


def test_changed_input_recomputes(make_module: ModuleFactory, tmp_path: Path) -> None:
    module = make_module(FLOW)
    dr = _livedag(module, tmp_path / "cache")
    dr.execute(OUTPUTS, inputs={"x": 4})
    module.CALLS.clear()
    assert dr.execute(OUTPUTS, inputs={"x": 5}) == {"total": 20, "size": 5}
    assert module.CALLS == ["raw", "doubled", "total", "size"]
    module.CALLS.clear()
    dr.execute(OUTPUTS, inputs={"x": 4})  # back to the first input: all stored
    assert module.CALLS == []


def test_override_feeds_the_cache_key(make_module: ModuleFactory, tmp_path: Path) -> None:
    module = make_module(FLOW)
    dr = _livedag(module, tmp_path / "cache")
    dr.execute(["total"], inputs={"x": 4})
    module.CALLS.clear()
    assert dr.execute(["total"], inputs={"x": 4}, overrides={"doubled": [1]}) == {"total": 1}
    assert module.CALLS == ["total"]


@pytest.mark.parametrize(
    "cache",
    [
        {"recompute": ["doubled"]},
        {"ignore": ["raw"]},
        {"disable": ["raw"]},
        {"recompute": True},
        {"default_behavior": "disable"},
        {"default_behavior": "disable", "default": ["size"]},
    ],
    ids=str,
)
def test_behaviors_as_hamilton(
    make_module: ModuleFactory, tmp_path: Path, cache: dict[str, Any]
) -> None:
    runs = _both(make_module, tmp_path, [FLOW, FLOW], **cache)
    assert runs[1][1] == {"total": 12, "size": 4}


def test_behaviors_resolved(make_module: ModuleFactory, tmp_path: Path) -> None:
    dr = _livedag(make_module(FLOW), tmp_path / "cache", recompute=["doubled"], ignore=["raw"])
    dr.execute(OUTPUTS, inputs={"x": 4})
    behaviors = dr.cache.behaviors[dr.cache.last_run_id]
    assert behaviors["doubled"] is CachingBehavior.RECOMPUTE
    assert behaviors["raw"] is CachingBehavior.IGNORE
    assert behaviors["total"] is CachingBehavior.DEFAULT


def test_cache_decorator_behavior(make_module: ModuleFactory, tmp_path: Path) -> None:
    source = "from hamilton.function_modifiers import cache\n" + FLOW.replace(
        "def size(", '@cache(behavior="recompute")\ndef size('
    )
    _, second = _both(make_module, tmp_path, [source, source])
    assert second[2] == ["size"]


def test_inspection_attributes(make_module: ModuleFactory, tmp_path: Path) -> None:
    dr = _livedag(make_module(FLOW), tmp_path / "cache")
    dr.execute(OUTPUTS, inputs={"x": 4})
    run = dr.cache.last_run_id
    assert dr.cache.run_ids == [run]
    key = dr.cache.cache_keys[run]["total"]
    version = dr.cache.data_versions[run]["total"]
    assert dr.cache.metadata_store.get(key) == version
    assert dr.cache.result_store.get(version) == 12
    assert dr.cache.get_cache_key(run, "total") == key
    assert dr.cache.get_data_version(run, "total") == version
    assert set(dr.cache.code_versions[run]) >= {"raw", "doubled", "total", "size"}
    assert [row["node_name"] for row in dr.cache.metadata_store.get_run(run)] == [
        "raw",
        "doubled",
        "total",
        "size",
    ]
    debug = dr.cache.logs(run, level="debug")
    assert "x" in debug  # the input was versioned
    assert str(dr.cache.logs(run)["total"][0]) == "total::adapter::execute_node"
    assert (tmp_path / "cache" / "metadata_store.db").exists()


def test_cache_writes_only_under_path(
    make_module: ModuleFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    dr = _livedag(make_module(FLOW), tmp_path / "cache", log_to_file=True)
    dr.execute(OUTPUTS, inputs={"x": 4})
    assert list(work.iterdir()) == []
    assert (tmp_path / "cache" / "cache_logs.jsonl").read_text().count("\n") > 4


def test_unpicklable_result_is_recomputed_with_a_warning(
    make_module: ModuleFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    module = make_module(
        """
CALLS = []

def handle(x: int) -> object:
    CALLS.append("handle")
    return lambda: x

def used(handle: object) -> int:
    CALLS.append("used")
    return handle()
"""
    )
    dr = _livedag(module, tmp_path / "cache")
    dr.execute(["used"], inputs={"x": 1})
    module.CALLS.clear()
    assert dr.execute(["used"], inputs={"x": 1}) == {"used": 1}
    assert module.CALLS == ["handle", "used"]
    assert "cannot version" in caplog.text


def test_refusals_name_the_parameter(make_module: ModuleFactory, tmp_path: Path) -> None:
    builder = driver.Builder().with_modules(make_module(FLOW))
    with pytest.raises(ValueError, match="only one of default/recompute/ignore/disable"):
        builder.with_cache(path=tmp_path, recompute=True, ignore=True)
    with pytest.raises(ValueError, match="default_behavior"):
        builder.with_cache(path=tmp_path, default_behavior="sometimes")
    with pytest.raises(TypeError, match="recompute"):
        builder.with_cache(path=tmp_path, recompute="doubled")
    with pytest.raises(TypeError, match="result_store"):
        builder.with_cache(path=tmp_path, result_store=object())
    builder.with_cache(path=tmp_path)
    with pytest.raises(ValueError, match="twice"):
        builder.with_cache(path=tmp_path)
    dr = builder.build()
    assert isinstance(dr.cache, ResultCache)
    with pytest.raises(KeyError, match="with_cache"):
        _ = driver.Builder().with_modules(make_module(FLOW)).build().cache


def test_dynamic_execution_with_cache_is_refused(
    make_module: ModuleFactory, tmp_path: Path
) -> None:
    with pytest.raises(NotImplementedError, match="with_cache"):
        (
            driver.Builder()
            .with_modules(make_module(FLOW))
            .enable_dynamic_execution(allow_experimental_mode=True)
            .with_cache(path=tmp_path)
            .build()
        )


def test_cache_format_is_refused(make_module: ModuleFactory, tmp_path: Path) -> None:
    source = "from hamilton.function_modifiers import cache\n" + FLOW.replace(
        "def size(", '@cache(format="json")\ndef size('
    )
    dr = _livedag(make_module(source), tmp_path / "cache")
    with pytest.raises(NotImplementedError, match="format"):
        dr.execute(OUTPUTS, inputs={"x": 4})


def test_hamilton_cache_adapter_is_refused(make_module: ModuleFactory, tmp_path: Path) -> None:
    from hamilton.caching.adapter import HamiltonCacheAdapter

    with pytest.raises(ValueError, match=r"with_cache"):
        driver.Builder().with_modules(make_module(FLOW)).with_adapters(
            HamiltonCacheAdapter(path=tmp_path / "cache")
        ).build()


def test_view_run_marks_retrieved_nodes(make_module: ModuleFactory, tmp_path: Path) -> None:
    module = make_module(FLOW)
    dr = _livedag(module, tmp_path / "cache")
    dr.execute(["total"], inputs={"x": 4})
    first = dr.cache.view_run()
    assert "from cache" not in first and '"total"' in first and '"size"' not in first
    dr.execute(["total"], inputs={"x": 4})
    second = dr.cache.view_run(output_file_path=tmp_path / "run.dot")
    assert second.count('xlabel="from cache"') == 3  # raw, doubled, total
    assert (tmp_path / "run.dot").read_text() == second
    assert dr.cache.view_run(dr.cache.run_ids[0]) == first


def test_materialized_saver_is_cached_as_in_hamilton(
    make_module: ModuleFactory, tmp_path: Path
) -> None:
    from hamilton import driver as hamilton_driver
    from hamilton.io.materialization import to

    module = make_module(
        """
import pandas as pd

CALLS = []

def frame(n: int) -> pd.DataFrame:
    CALLS.append("frame")
    return pd.DataFrame({"a": range(n)})
"""
    )
    runs: dict[str, list[Any]] = {}
    for kind, made in (("livedag", driver), ("hamilton", hamilton_driver)):
        runs[kind] = []
        for _ in range(2):
            dr = made.Builder().with_modules(module).with_cache(path=tmp_path / kind).build()
            module.CALLS.clear()
            saver = to.csv(id="saved", dependencies=["frame"], path=str(tmp_path / f"{kind}.csv"))
            dr.materialize(saver, inputs={"n": 3})
            runs[kind].append((_what_ran(dr), list(module.CALLS)))
    assert runs["livedag"] == runs["hamilton"]
    assert runs["livedag"][1] == ({"frame": "get_result", "saved": "get_result"}, [])
