"""Dataframe types Hamilton's plugins register: `@extract_columns` and `@schema.output` on them.

Hamilton accepts a polars, vaex, ibis, dask or pandas-on-Spark frame under `@extract_columns`,
and any registered frame (Spark's too) under `@schema.output`, when the plugin's library is
installed.  The rules make the nodes as the plugin would and say so (LD008 information, which
the server drops when it sees the library); they never call it an error.
"""

from __future__ import annotations

import pytest
from livedag.engine.codes import Code
from livedag.engine.rules import expand_function
from livedag.engine.rules.plugins import PluginDependency, names_type, plugin_frame
from livedag.engine.specs import Call, FunctionSpec, Severity, TypeRef

from tests.rules.rulekit import HERE


def frame_function(decorator: Call, text: str, qualified: str | None) -> FunctionSpec:
    return FunctionSpec(
        name="frame",
        module="m",
        returns=TypeRef(text, qualified),
        decorators=(decorator,),
        location=HERE,
    )


@pytest.mark.parametrize(
    ("text", "qualified", "column", "libraries"),
    [
        (
            "vaex.dataframe.DataFrame",
            "vaex.dataframe.DataFrame",
            "vaex.expression.Expression",
            ("vaex",),
        ),
        ("ir.Table", "ibis.expr.types.Table", "ir.Column", ("ibis",)),
        ("ibis.Table", "ibis.Table", "ibis.expr.types.Column", ("ibis",)),
        ("ps.DataFrame", "pyspark.pandas.DataFrame", "ps.Series", ("pyspark",)),
        ("dd.DataFrame", "dask.dataframe.DataFrame", "dd.Series", ("dask",)),
        ("pl.LazyFrame", "polars.LazyFrame", "pl.Expr", ("polars",)),
        ("pl.DataFrame", "polars.DataFrame", "pl.Series", ("polars",)),
    ],
)
def test_extract_columns_on_a_plugin_frame_makes_typed_columns_and_says_whose(
    text: str, qualified: str, column: str, libraries: tuple[str, ...]
) -> None:
    out = expand_function(frame_function(Call("extract_columns", ("a", "b")), text, qualified), {})
    (notice,) = out.problems
    assert isinstance(notice, PluginDependency)
    assert (notice.code, notice.severity, notice.libraries) == (
        Code.UNKNOWABLE,
        Severity.INFO,
        libraries,
    )
    assert "plugin" in notice.message and libraries[0] in notice.message
    nodes = {n.name: n for n in out.nodes}
    assert set(nodes) == {"frame", "a", "b"}
    assert nodes["a"].type is not None and nodes["a"].type.text == column


def test_a_spark_frame_has_no_columns_to_extract_but_takes_a_schema() -> None:
    spark = ("ps.DataFrame", "pyspark.sql.DataFrame")
    extracted = expand_function(frame_function(Call("extract_columns", ("a",)), *spark), {})
    assert [p.code for p in extracted.problems] == [Code.DECORATOR_MISUSE]
    schema = expand_function(frame_function(Call("schema.output", (("a", "int"),)), *spark), {})
    assert [(p.code, getattr(p, "libraries", None)) for p in schema.problems] == [
        (Code.UNKNOWABLE, ("pyspark",))
    ]
    (node,) = schema.nodes
    assert node.tags["hamilton.internal.schema_output"] == "a=int"


def test_a_type_that_is_no_frame_stays_an_error() -> None:
    out = expand_function(
        frame_function(Call("extract_columns", ("a",)), "int", "builtins.int"), {}
    )
    assert [p.code for p in out.problems] == [Code.DECORATOR_MISUSE]


@pytest.mark.parametrize(
    ("pattern", "qualified", "verdict"),
    [
        ("polars.DataFrame", "polars.DataFrame", True),
        ("polars.DataFrame", "polars.dataframe.frame.DataFrame", True),
        ("polars.DataFrame", "polars.LazyFrame", None),
        ("pyspark.sql.DataFrame", "pyspark.sql.dataframe.DataFrame", True),
        ("pyspark.sql.DataFrame", "pyspark.pandas.frame.DataFrame", None),
        ("xgboost.XGBModel", "xgboost.XGBRegressor", None),
        ("sklearn.*Display", "sklearn.metrics.ConfusionMatrixDisplay", True),
        ("polars.DataFrame", "pandas.DataFrame", False),
    ],
)
def test_a_plugin_type_is_named_through_any_module_of_its_package(
    pattern: str, qualified: str, verdict: bool | None
) -> None:
    assert names_type(pattern, qualified) is verdict


def test_only_a_qualified_name_names_a_plugin_frame() -> None:
    assert plugin_frame(TypeRef("pl.DataFrame")) is None  # unresolved: it could be anything
    found = plugin_frame(TypeRef("pl.DataFrame", "polars.DataFrame"))
    assert found is not None and found.plugin.name == "polars"
