"""load_from / save_to / dataloader / datasaver: node shapes, misuse, and real files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from livedag.engine.adapters import AdapterError, load
from livedag.engine.codes import Code
from livedag.engine.rules import expand_function
from livedag.engine.rules.plugins import PluginDependency
from livedag.engine.specs import Call, FunctionSpec, Location, Parameter, Severity, TypeRef, Unknown

from tests.rules.rulekit import (
    at,
    deps,
    execute,
    expand,
    hamilton_rejects,
    live_nodes,
    livedag_codes,
    spec,
)

WHERE = Location("m.py", 2, 0, 2, 40)


def source(name: str) -> Call:
    return Call("source", (at(name),))


def loader(fmt: str, **kwargs: object) -> Call:
    return Call(f"load_from.{fmt}", (), kwargs, location=WHERE)


def saver(fmt: str, **kwargs: object) -> Call:
    return Call(f"save_to.{fmt}", (), kwargs, location=WHERE)


def frame_fn(*decorators: Call, params: tuple = (("df", "pd.DataFrame"),)) -> FunctionSpec:
    return spec(*decorators, name="orders", params=params, returns="pd.DataFrame")


def codes_and_message(fn: FunctionSpec) -> tuple[list[str], str]:
    out = expand_function(fn, {})
    return [p.code for p in out.problems], " ".join(p.message for p in out.problems)


# --- load_from -----------------------------------------------------------------------------------


def test_load_from_adds_a_loader_and_a_selector_and_rewires_the_parameter() -> None:
    nodes = expand(frame_fn(loader("csv", path=source("orders_path"), sep=",")))
    assert list(nodes) == ["orders", "orders.load_data.df", "orders.select_data.df"]
    assert deps(nodes["orders"]) == ["orders.select_data.df"]
    assert deps(nodes["orders.select_data.df"]) == ["orders.load_data.df"]
    assert deps(nodes["orders.load_data.df"]) == ["orders_path"]


def test_a_source_dependency_is_located_at_its_string() -> None:
    nodes = expand(frame_fn(loader("csv", path=source("orders_path"))))
    (dep,) = nodes["orders.load_data.df"].dependencies
    assert dep.location == at("orders_path").location
    assert nodes["orders.load_data.df"].location == WHERE


def test_a_source_for_an_optional_argument_is_an_optional_dependency() -> None:
    nodes = expand(frame_fn(loader("csv", path="x.csv", sep=source("separator"))))
    (dep,) = nodes["orders.load_data.df"].dependencies
    assert (dep.name, dep.optional) == ("separator", True)


def test_inject_picks_the_parameter_and_the_others_stay_dependencies() -> None:
    fn = frame_fn(
        loader("json", path=source("p"), inject_="data"),
        params=(("data", "dict"), ("region", "str")),
    )
    nodes = expand(fn)
    assert deps(nodes["orders"]) == ["orders.select_data.data", "region"]


def test_the_loader_class_is_chosen_by_type() -> None:
    as_dict = expand(frame_fn(loader("json", path="a.json"), params=(("d", "dict"),)))
    assert as_dict["orders.load_data.d"].tags["hamilton.data_loader.classname"] == "JSONDataLoader"
    as_frame = expand(frame_fn(loader("json", filepath_or_buffer="a.json")))
    assert as_frame["orders.load_data.df"].tags["hamilton.data_loader.classname"] == (
        "PandasJsonReader"
    )


def test_an_unknown_argument_is_ld008_and_the_loader_nodes_stay() -> None:
    out = expand_function(frame_fn(loader("csv", path=Unknown("DATA / 'x.csv'"))), {})
    assert [p.code for p in out.problems] == [Code.UNKNOWABLE]
    assert {n.name for n in out.nodes} == {"orders", "orders.load_data.df", "orders.select_data.df"}


def test_an_annotation_we_cannot_see_through_still_makes_the_nodes() -> None:
    fn = frame_fn(loader("json", path=source("p")), params=(("d", "Settings"),))
    assert deps(expand(fn)["orders.load_data.d"]) == ["p"]


@pytest.mark.parametrize(
    ("call", "params", "says"),
    [
        (loader("csv", path="x"), (("a", "pd.DataFrame"), ("b", "int")), "inject_="),
        (loader("csv", path="x", inject_="c"), (("a", "pd.DataFrame"),), "not a parameter"),
        (loader("csv", path="x"), (), "no parameters"),
        (loader("csv", path="x"), (("a", "dict"),), "cannot load into dict"),
        (loader("csv"), (("a", "pd.DataFrame"),), "needs path"),
        (loader("csv", path="x", pth="y"), (("a", "pd.DataFrame"),), "does not take pth"),
        (Call("load_from.csv", ("x.csv",)), (("a", "pd.DataFrame"),), "keyword arguments"),
        (
            loader("csv", path=Call("configuration", ("k",))),
            (("a", "pd.DataFrame"),),
            "not configuration",
        ),
    ],
)
def test_load_from_misuse_is_ld006(call: Call, params: tuple, says: str) -> None:
    codes, message = codes_and_message(frame_fn(call, params=params))
    assert codes == [Code.DECORATOR_MISUSE] and says in message


def test_an_unannotated_parameter_cannot_choose_a_loader() -> None:
    from livedag.engine.specs import Parameter

    codes, message = codes_and_message(frame_fn(loader("csv", path="x"), params=(Parameter("a"),)))
    assert codes == [Code.DECORATOR_MISUSE] and "type annotation" in message


# --- save_to -------------------------------------------------------------------------------------


def test_save_to_adds_a_saver_named_save_dot_node_by_default() -> None:
    nodes = expand(frame_fn(saver("csv", path=source("out_path"))))
    assert set(deps(nodes["save.orders"])) == {"out_path", "orders"}
    assert deps(nodes["orders"]) == ["df"]


def test_output_name_names_the_saver_where_it_is_written() -> None:
    fn = frame_fn(saver("csv", path="x.csv", output_name_=at("orders_file")))
    node = expand(fn)["orders_file"]
    assert deps(node) == ["orders"]
    assert node.location == at("orders_file").location


def test_layered_savers_save_what_is_below_them() -> None:
    fn = spec(
        saver("json", path=source("p1"), output_name_="out1"),
        saver("json", path=source("p2"), output_name_="out2", target_="f"),
        returns="dict",
    )
    nodes = expand(fn)
    assert set(deps(nodes["out2"])) == {"p2", "f"}
    assert set(deps(nodes["out1"])) == {"p1", "out2"}


@pytest.mark.parametrize(
    ("calls", "returns", "says"),
    [
        ((saver("json", path="x"),), "int", "cannot save"),
        ((saver("csv"),), "pd.DataFrame", "needs path"),
        ((saver("csv", path="x", target_="nope"),), "pd.DataFrame", "nope"),
        (
            (saver("csv", path="x"), Call("extract_columns", ("x", "y"))),
            "pd.DataFrame",
            "pass target_",
        ),
    ],
)
def test_save_to_misuse_is_ld006(calls: tuple[Call, ...], returns: str, says: str) -> None:
    codes, message = codes_and_message(spec(*calls, returns=returns))
    assert codes == [Code.DECORATOR_MISUSE] and says in message


# --- dataloader / datasaver ----------------------------------------------------------------------


def test_dataloader_makes_a_metadata_node_and_the_data_node() -> None:
    fn = spec(Call("dataloader"), name="customers", returns="tuple[pd.DataFrame, dict]")
    nodes = expand(fn)
    assert deps(nodes["customers.loader"]) == ["a"]
    assert deps(nodes["customers"]) == ["customers.loader"]
    assert nodes["customers"].type is not None and nodes["customers"].type.text == "pd.DataFrame"


@pytest.mark.parametrize(
    ("returns", "says"),
    [
        ("pd.DataFrame", "must return a tuple"),
        ("tuple[pd.DataFrame, dict, int]", "length 2"),
        ("tuple[pd.DataFrame, list]", "metadata"),
        ("tuple[pd.DataFrame, dict[int, str]]", "str keys"),
        (None, "return annotation"),
    ],
)
def test_dataloader_misuse_is_ld006(returns: str | None, says: str) -> None:
    codes, message = codes_and_message(spec(Call("dataloader"), returns=returns))
    assert codes == [Code.DECORATOR_MISUSE] and says in message


def test_datasaver_is_the_function_node_tagged_as_a_saver() -> None:
    nodes = expand(spec(Call("datasaver"), name="save_it", returns="dict"))
    assert deps(nodes["save_it"]) == ["a"] and nodes["save_it"].tags["hamilton.data_saver"]


@pytest.mark.parametrize("returns", ["dict[str, int]", "int"])
def test_datasaver_wants_plain_dict(returns: str) -> None:
    assert codes_and_message(spec(Call("datasaver"), returns=returns))[0] == [Code.DECORATOR_MISUSE]


MISUSES = {
    "two params no inject_": (
        "@load_from.csv(path='x.csv')\ndef f(a: pd.DataFrame, b: int) -> int:\n    return b\n"
    ),
    "missing path": "@load_from.csv()\ndef f(a: pd.DataFrame) -> int:\n    return 1\n",
    "csv into dict": "@load_from.csv(path='x')\ndef f(a: dict) -> int:\n    return 1\n",
    "json int": "@save_to.json(path='x')\ndef f(a: int) -> int:\n    return a\n",
    "extra arg": (
        "@save_to.csv(path='x', pth='y')\ndef f(a: pd.DataFrame) -> pd.DataFrame:\n    return a\n"
    ),
    "loader not tuple": "@dataloader()\ndef f(a: int) -> int:\n    return a\n",
}


@pytest.mark.parametrize("body", MISUSES.values(), ids=MISUSES.keys())
def test_what_hamilton_rejects_livedag_reports(tmp_path: Path, body: str) -> None:
    module = (
        "import pandas as pd\n"
        "from hamilton.function_modifiers import load_from, save_to, dataloader\n" + body
    )
    assert hamilton_rejects(tmp_path, module)
    assert Code.DECORATOR_MISUSE in livedag_codes(tmp_path, module)


# --- real files ----------------------------------------------------------------------------------

LIVE = """
import pandas as pd
from hamilton.function_modifiers import dataloader, load_from, save_to, source, value

@load_from.csv(path=source("orders_path"))
def orders(raw: pd.DataFrame) -> pd.DataFrame:
    return raw[raw["amount"] > 0]

@save_to.csv(path=source("report_path"), output_name_="report_file")
def report(orders: pd.DataFrame) -> pd.DataFrame:
    return orders.groupby("region", as_index=False)["amount"].sum()

@save_to.json(path=source("summary_path"))
@load_from.json(path=source("settings_path"), inject_="settings")
def summary(settings: dict, report: pd.DataFrame) -> dict:
    return {"currency": settings["currency"], "regions": len(report)}

@save_to.pickle(path=source("pickle_path"))
@load_from.literal(value=value(3))
def copies(n: int) -> int:
    return n

@dataloader()
def lookup(lookup_path: str) -> tuple[dict, dict]:
    with open(lookup_path) as handle:
        return {"rows": len(handle.read().splitlines())}, {"path": lookup_path}
"""


def test_loaders_and_savers_touch_real_files(tmp_path: Path) -> None:
    orders_csv = tmp_path / "orders.csv"
    orders_csv.write_text("region,amount\nEU,3\nEU,4\nUS,-1\nUS,5\n")
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"currency": "EUR"}))
    paths = {
        "orders_path": str(orders_csv),
        "report_path": str(tmp_path / "report.csv"),
        "settings_path": str(settings),
        "summary_path": str(tmp_path / "summary.json"),
        "pickle_path": str(tmp_path / "copies.pkl"),
        "lookup_path": str(orders_csv),
    }
    nodes = live_nodes(tmp_path, LIVE)

    metadata = execute(nodes, "report_file", paths)
    written = pd.read_csv(tmp_path / "report.csv")
    assert written.to_dict("list") == {"region": ["EU", "US"], "amount": [7, 5]}
    assert metadata["dataframe_metadata"]["rows"] == 2  # Hamilton's metadata shape

    execute(nodes, "save.summary", paths)
    assert json.loads((tmp_path / "summary.json").read_text()) == {"currency": "EUR", "regions": 2}

    execute(nodes, "save.copies", paths)
    assert pd.read_pickle(tmp_path / "copies.pkl") == 3

    assert execute(nodes, "lookup", paths) == {"rows": 5}
    assert execute(nodes, "lookup.loader", paths)[1] == {"path": str(orders_csv)}


def test_a_loader_livedag_cannot_run_says_what_to_do() -> None:
    with pytest.raises(AdapterError, match="run this dataflow with Hamilton"):
        load("SnowflakeReader", {})


def test_unknown_format_is_ld006_naming_the_known_ones() -> None:
    from livedag.engine.rules import expand_function
    from livedag.engine.specs import Call, FunctionSpec, Parameter, TypeRef

    spec = FunctionSpec(
        "orders",
        "m",
        (Parameter("raw", TypeRef("pd.DataFrame")),),
        TypeRef("pd.DataFrame"),
        decorators=(Call("load_from.cvs", kwargs={"path": "x.csv", "inject_": "raw"}),),
    )
    out = expand_function(spec, {})
    (problem,) = out.problems
    assert (
        problem.code == Code.DECORATOR_MISUSE
        and "'cvs'" in problem.message
        and "csv" in problem.message
    )


# --- what Hamilton's plugins provide -------------------------------------------------------------


def typed(name: str, text: str, qualified: str) -> Parameter:
    """A parameter annotated with a library's type, qualified as the analyzer qualifies it."""
    return Parameter(name, TypeRef(text, qualified), location=WHERE)


def plugin_notices(fn: FunctionSpec) -> list[tuple[str, tuple[str, ...]]]:
    out = expand_function(fn, {})
    assert all(p.code == Code.UNKNOWABLE for p in out.problems), out.problems
    return [(p.code, p.libraries) for p in out.problems if isinstance(p, PluginDependency)]


def test_a_plugin_only_format_makes_the_plugins_nodes_with_an_information() -> None:
    fn = spec(
        loader("hf_dataset", path="conll2003"),
        name="tokens",
        params=(typed("ds", "Dataset", "datasets.Dataset"),),
        returns="list",
    )
    assert plugin_notices(fn) == [(Code.UNKNOWABLE, ("datasets",))]
    (notice,) = expand_function(fn, {}).problems
    assert notice.severity is Severity.INFO and "huggingface plugin" in notice.message
    nodes = {n.name: n for n in expand_function(fn, {}).nodes}
    assert set(nodes) == {"tokens", "tokens.load_data.ds", "tokens.select_data.ds"}
    loaded = nodes["tokens.load_data.ds"].tags
    assert loaded["hamilton.data_loader.classname"] == "HuggingFaceDSLoader"


def test_a_saver_that_needs_two_libraries_names_both() -> None:
    fn = spec(
        saver("lancedb", db_client=source("db"), table_name="t"),
        name="rows",
        params=(),
        returns="datasets.Dataset",
    )
    assert plugin_notices(fn) == [(Code.UNKNOWABLE, ("datasets", "lancedb"))]
    nodes = {n.name: n for n in expand_function(fn, {}).nodes}
    assert deps(nodes["save.rows"]) == ["db", "rows"]


def test_spark_csv_is_chosen_by_the_spark_frame_and_takes_spark() -> None:
    fn = spec(
        loader("csv", path=source("orders_path"), sep="|", spark=source("spark")),
        name="orders",
        params=(typed("df", "ps.DataFrame", "pyspark.sql.DataFrame"),),
        returns="ps.DataFrame",
    )
    assert plugin_notices(fn) == [(Code.UNKNOWABLE, ("pyspark",))]
    nodes = {n.name: n for n in expand_function(fn, {}).nodes}
    loader_node = nodes["orders.load_data.df"]
    assert loader_node.tags["hamilton.data_loader.classname"] == "CSVDataLoader"
    assert {(d.name, d.optional) for d in loader_node.dependencies} == {
        ("orders_path", False),
        ("spark", False),
    }


def test_a_plugin_class_still_needs_its_required_arguments() -> None:
    lazy = (typed("data", "pl.LazyFrame", "polars.LazyFrame"),)
    fn = spec(loader("csv", file="x.csv"), name="raw", params=lazy, returns="int")
    assert plugin_notices(fn) == [(Code.UNKNOWABLE, ("polars",))]
    codes, message = codes_and_message(
        spec(loader("csv", path="x.csv"), name="raw", params=lazy, returns="int")
    )
    assert (
        codes == [Code.DECORATOR_MISUSE] and "PolarsScanCSVReader" in message and "file=" in message
    )


def test_pandas_frames_are_checked_as_before_and_need_no_plugin() -> None:
    codes, message = codes_and_message(frame_fn(loader("csv", path="x.csv", spark="s")))
    assert (
        codes == [Code.DECORATOR_MISUSE]
        and "PandasCSVReader" in message
        and "does not take spark" in message
    )
    assert expand_function(frame_fn(loader("csv", path="x.csv")), {}).problems == []


def test_a_type_livedag_cannot_read_leaves_the_class_open() -> None:
    # `Frame` could be pandas', polars' or Spark's: no argument is judged, no plugin is assumed.
    fn = frame_fn(loader("csv", path="x.csv", spark="s"), params=(("df", "Frame"),))
    assert expand_function(fn, {}).problems == []


def test_a_format_no_plugin_provides_is_still_ld006_listing_the_plugin_formats_too() -> None:
    codes, message = codes_and_message(frame_fn(loader("hf_datasett", path="x")))
    assert codes == [Code.DECORATOR_MISUSE] and "hf_dataset" in message and "spreadsheet" in message


def test_yaml_comes_from_a_plugin_too() -> None:
    fn = spec(loader("yaml", path="c.yaml"), name="settings", params=(("raw", "dict"),))
    assert plugin_notices(fn) == [(Code.UNKNOWABLE, ("yaml",))]
