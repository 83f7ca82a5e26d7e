"""Every command sees the dataflows `lint` sees, and `--dataflow` picks one by its shown name."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]

DRIVER = """from hamilton import driver

import {modules}

dr = driver.Builder().with_modules({modules}){config}.build()
dr.execute([{outputs}], inputs={{"raw": []}})
"""


def _driver(modules: str, outputs: str = '"total"', config: str = "") -> str:
    return DRIVER.format(modules=modules, outputs=outputs, config=config)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """Two variants of `cleaned` (one per driver: no duplicate), and a script that builds two
    dataflows; run_us.py asks for an output nobody defines (LD009)."""
    (tmp_path / "clean_eu.py").write_text("def cleaned(raw: list) -> list:\n    return raw\n")
    (tmp_path / "clean_us.py").write_text("def cleaned(raw: list) -> list:\n    return raw[:1]\n")
    (tmp_path / "report.py").write_text(
        "def total(cleaned: list) -> int:\n    return len(cleaned)\n"
    )
    (tmp_path / "run_eu.py").write_text(_driver("clean_eu, report"))
    (tmp_path / "run_us.py").write_text(_driver("clean_us, report", '"total", "totl"'))
    (tmp_path / "two.py").write_text(
        "from hamilton import driver\n\nimport clean_eu\nimport report\n\n"
        'a = driver.Builder().with_modules(report, clean_eu).with_config({"mode": "a"}).build()\n'
        'b = driver.Builder().with_modules(report, clean_eu).with_config({"mode": "b"}).build()\n'
    )
    return tmp_path


NAMES = ["run_eu.py", "run_us.py", "two.py:6", "two.py:7"]


def test_dataflows_lists_each_with_modules_config_and_drivers(livedag: Run, shop: Path) -> None:
    result = livedag("dataflows", "--format", "json", str(shop))
    assert result.code == 0, result.err
    flows = {f["name"]: f for f in json.loads(result.out)["dataflows"]}
    assert sorted(flows) == NAMES
    assert [m["module"] for m in flows["run_eu.py"]["modules"]] == ["clean_eu", "report"]
    assert flows["run_eu.py"]["kind"] == "driver"
    assert flows["run_eu.py"]["id"] == f"driver:{shop / 'run_eu.py'}"
    assert flows["two.py:7"]["config"] == {"mode": "b"}
    assert [d.rpartition(":")[2] for d in flows["two.py:7"]["drivers"]] == ["7"]
    assert flows["run_us.py"]["problems"] == {"error": 1}
    text = livedag("dataflows", str(shop)).out
    assert [line.split()[0] for line in text.splitlines() if not line.startswith(" ")] == NAMES
    assert '  config:  {"mode": "b"}' in text and "  modules: clean_eu, report" in text
    overridden = livedag("dataflows", "--format", "json", "--config", "mode=c", str(shop))
    assert {f["name"]: f["config"] for f in json.loads(overridden.out)["dataflows"]} == {
        "run_eu.py": {"mode": "c"},
        "run_us.py": {"mode": "c"},
        "two.py:6": {"mode": "c"},
        "two.py:7": {"mode": "c"},
    }


def test_graph_asks_which_dataflow_when_there_are_several(livedag: Run, shop: Path) -> None:
    result = livedag("graph", str(shop))
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and "4 dataflows" in result.err
    assert all(name in result.err for name in NAMES)
    assert "--dataflow NAME" in result.err and "--dataflow all" in result.err


def test_graph_and_lint_see_the_same_dataflows_and_problems(livedag: Run, shop: Path) -> None:
    """The issue's case: merging every module made a duplicate `cleaned` lint never saw."""
    every = livedag("graph", "--dataflow", "all", str(shop))
    assert every.code == 0, every.err
    documents = json.loads(every.out)["dataflows"]
    assert [d["dataflow"] for d in documents] == NAMES
    for doc in documents:
        # every config key is a node too, as in Hamilton (the two.py dataflows set `mode`)
        config_nodes = {"mode"} if doc["dataflow"].startswith("two.py") else set()
        assert {n["name"] for n in doc["nodes"]} == {"cleaned", "raw", "total", *config_nodes}
    from_graph = sorted((p["code"], p["path"], p["line"]) for d in documents for p in d["problems"])
    lint = livedag("lint", "--format", "json", str(shop))
    from_lint = sorted((p["code"], p["path"], p["line"]) for p in json.loads(lint.out)["problems"])
    assert from_graph == from_lint
    assert [code for code, _, _ in from_lint] == ["LD009"]


@pytest.mark.parametrize(
    ("pick", "expected"),
    [
        ("run_us.py", "run_us.py"),  # the shown name
        ("two.py:7", "two.py:7"),
        ("{shop}/run_eu.py", "run_eu.py"),  # a path to the driver script
        ("driver:{shop}/run_eu.py", "run_eu.py"),  # the language server's id
    ],
)
def test_dataflow_option_picks_by_name_path_or_id(
    livedag: Run, shop: Path, pick: str, expected: str
) -> None:
    result = livedag("graph", "--dataflow", pick.format(shop=shop), str(shop))
    assert result.code == 0, result.err
    assert json.loads(result.out)["dataflow"] == expected


def test_a_script_that_builds_several_asks_for_its_line(livedag: Run, shop: Path) -> None:
    result = livedag("graph", str(shop / "two.py"))
    assert result.code == 2
    assert "2 dataflows" in result.err and "two.py:6, two.py:7" in result.err
    picked = livedag("graph", "--dataflow", "two.py:6", str(shop / "two.py"))
    assert json.loads(picked.out)["dataflow"] == "two.py:6"


def test_an_unknown_dataflow_is_a_usage_error_with_a_suggestion(livedag: Run, shop: Path) -> None:
    result = livedag("graph", "--dataflow", "run_eu", str(shop))
    assert result.code == 2 and result.out == ""
    assert "no dataflow named 'run_eu'" in result.err and "did you mean 'run_eu.py'" in result.err
    far = livedag("graph", "--dataflow", "zzzz", str(shop))
    assert far.code == 2 and "the dataflows there: run_eu.py, run_us.py" in far.err


def test_lineage_asks_the_dataflow_that_has_the_node(livedag: Run, shop: Path) -> None:
    (shop / "extra.py").write_text(
        "def ratio(share: float) -> float:\n    return share\n\n"
        "def percent(ratio: float) -> float:\n    return 100 * ratio\n"
    )
    only_one = livedag("lineage", "upstream", "percent", str(shop))
    assert only_one.code == 0, only_one.err
    assert only_one.out.split() == ["ratio", "share"]
    several = livedag("lineage", "upstream", "total", str(shop))
    assert several.code == 2 and "pick one with --dataflow NAME" in several.err
    assert "extra" not in several.err  # only the dataflows that have `total` are offered
    picked = livedag("lineage", "upstream", "total", "--dataflow", "run_us.py", str(shop))
    assert picked.out.split() == ["cleaned", "raw"]
    missing = livedag("lineage", "upstream", "totl", str(shop))
    assert missing.code == 2 and "did you mean 'total'" in missing.err
    tagged = livedag("lineage", "tagged", "owner", str(shop))
    assert tagged.code == 2 and "pick one with --dataflow NAME" in tagged.err


def test_lint_of_one_dataflow(livedag: Run, shop: Path) -> None:
    clean = livedag("lint", "--dataflow", "run_eu.py", str(shop))
    assert clean.code == 0 and clean.out == ""
    broken = livedag("lint", "--dataflow", "run_us.py", str(shop))
    assert broken.code == 1 and "run_us.py" in broken.out and "LD009" in broken.out


def test_a_declared_dataflow_is_named_as_declared(livedag: Run, shop: Path) -> None:
    (shop / "pyproject.toml").write_text(
        '[[tool.livedag.dataflows]]\nname = "shop"\nmodules = ["clean_eu", "report"]\n'
        'config = { mode = "a" }\ninputs = ["raw"]\n'
    )
    listed = json.loads(livedag("dataflows", "--format", "json", str(shop)).out)["dataflows"]
    shop_flow = next(f for f in listed if f["name"] == "shop")
    assert shop_flow["kind"] == "pyproject" and shop_flow["inputs"] == ["raw"]
    assert shop_flow["config"] == {"mode": "a"}
    assert any(d.endswith("run_eu.py:5") for d in shop_flow["drivers"])  # checked against it
    result = livedag("graph", "--dataflow", "shop", str(shop))
    assert result.code == 0, result.err
    assert json.loads(result.out)["dataflow"] == "shop"


def test_a_module_of_its_own_is_named_by_its_module(livedag: Run, tmp_path: Path) -> None:
    (tmp_path / "prices.py").write_text(
        "def net(gross: float) -> float:\n    return gross / 1.2\n\n"
        "def rounded(net: float) -> float:\n    return round(net, 2)\n"
    )
    (tmp_path / "sizes.py").write_text(
        "def area(width: float, height: float) -> float:\n    return width * height\n\n"
        "def doubled(area: float) -> float:\n    return 2 * area\n"
    )
    result = livedag("graph", "--dataflow", "prices", str(tmp_path))
    assert result.code == 0, result.err
    assert {n["name"] for n in json.loads(result.out)["nodes"]} == {"gross", "net", "rounded"}
    # a module file named on its own is its own dataflow, as `lint` of that file sees it
    alone = livedag("graph", str(tmp_path / "sizes.py"))
    assert json.loads(alone.out)["dataflow"] == "sizes"


@pytest.mark.parametrize(("fmt", "comment"), [("dot", "//"), ("mermaid", "%%")])
def test_pictures_of_every_dataflow_say_which_is_which(
    livedag: Run, shop: Path, fmt: str, comment: str
) -> None:
    result = livedag("graph", "--format", fmt, "--dataflow", "all", str(shop))
    assert result.code == 0, result.err
    headers = [line for line in result.out.splitlines() if line.startswith(comment + " dataflow:")]
    assert headers == [f"{comment} dataflow: {name}" for name in NAMES]


def _script_and_package(root: Path, imports: str, modules: str) -> Path:
    """scripts/run.py using `shop/flow.py` of a package at the project root."""
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    (root / "shop").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "flow.py").write_text("def a(raw: int) -> int:\n    return raw\n")
    (root / "scripts").mkdir()
    script = root / "scripts" / "run.py"
    script.write_text(
        f"from hamilton import driver\n{imports}\n\n"
        f"dr = driver.Builder().with_modules({modules}).build()\n"
    )
    return script


def test_a_driver_script_finds_its_modules_in_a_package_above_it(
    livedag: Run, tmp_path: Path
) -> None:
    script = _script_and_package(tmp_path, "from shop import flow", "flow")
    result = livedag("graph", str(script))
    assert result.code == 0 and result.err == "", result.err
    doc = json.loads(result.out)
    assert doc["dataflow"] == "scripts/run.py"
    assert {n["name"] for n in doc["nodes"]} == {"a", "raw"}


def test_modules_a_driver_names_but_nobody_has_are_reported(livedag: Run, tmp_path: Path) -> None:
    script = _script_and_package(tmp_path, "from shop import flow\nimport gone", "flow, gone")
    partial = livedag("graph", str(script))
    assert partial.code == 0
    assert "scripts/run.py uses module(s) gone, found neither next to it" in partial.err
    assert "lacks their nodes" in partial.err
    listed = livedag("dataflows", str(tmp_path))
    assert "uses module(s) gone" in listed.err
    script.write_text(
        "from hamilton import driver\nimport gone\n\n"
        "dr = driver.Builder().with_modules(gone).build()\n"
    )
    nothing = livedag("graph", str(script))
    assert nothing.code == 2 and nothing.err.count("\n") == 1
    assert "uses module(s) gone" in nothing.err and "give the folder that holds them" in nothing.err


def test_a_module_that_is_also_a_driver_means_what_it_builds(livedag: Run, tmp_path: Path) -> None:
    """summary.py runs itself as a script and is also one of app.py's modules."""
    (tmp_path / "clean.py").write_text("def cleaned(raw: list) -> list:\n    return raw\n")
    (tmp_path / "summary.py").write_text(
        "from hamilton import driver\n\nimport clean\n\n\n"
        "def total(cleaned: list) -> int:\n    return len(cleaned)\n\n\n"
        'if __name__ == "__main__":\n'
        "    import summary\n\n"
        "    dr = driver.Builder().with_modules(clean, summary).build()\n"
    )
    (tmp_path / "app.py").write_text(_driver("summary, clean"))
    result = livedag("graph", str(tmp_path / "summary.py"))
    assert result.code == 0, result.err
    assert json.loads(result.out)["dataflow"] == "summary.py"
    assert sorted(
        f["name"]
        for f in json.loads(livedag("dataflows", "--format", "json", str(tmp_path)).out)[
            "dataflows"
        ]
    ) == ["app.py", "summary.py"]
