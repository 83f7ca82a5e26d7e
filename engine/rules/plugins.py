"""Hamilton's plugins: what each adds to the graph rules, and which libraries it needs.

Hamilton loads a plugin (`hamilton.plugins.<name>_extensions`) when the libraries it imports are
installed.  A plugin registers data adapters (`load_from.hf_dataset`, a `load_from.csv` that reads
into a Spark frame; see `adapter_catalog`) and dataframe types (`@extract_columns` on a polars or
vaex frame, `@schema.output` on a Spark one; `FRAMES` here).  Reading source, livedag cannot know
which libraries the code will run with, so the rules make the nodes each plugin would make and say
what they relied on: a `PluginDependency`, an LD008 information naming the libraries.  The language
server drops it when it sees those libraries in the project's environment; a rule never errs on
something a plugin provides.

pandas and numpy come with Hamilton itself, so what their plugins provide is always there.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from ..codes import Code
from ..specs import Location, Problem, Severity, TypeRef


@dataclass(frozen=True)
class Plugin:
    """A Hamilton plugin and the top-level packages it imports (import names, not PyPI names)."""

    name: str
    libraries: tuple[str, ...]


YAML = Plugin("yaml", ("yaml",))
MATPLOTLIB = Plugin("matplotlib", ("matplotlib",))
PLOTLY = Plugin("plotly", ("plotly",))
POLARS = Plugin("polars", ("polars",))
POLARS_LAZYFRAME = Plugin("polars_lazyframe", ("polars",))
PYSPARK_PANDAS = Plugin("pyspark_pandas", ("pyspark",))
SPARK = Plugin("spark", ("pyspark",))
DASK = Plugin("dask", ("dask",))
GEOPANDAS = Plugin("geopandas", ("geopandas",))
XGBOOST = Plugin("xgboost", ("xgboost",))
LIGHTGBM = Plugin("lightgbm", ("lightgbm",))
SKLEARN_PLOT = Plugin("sklearn_plot", ("sklearn", "matplotlib"))
VAEX = Plugin("vaex", ("vaex",))
IBIS = Plugin("ibis", ("ibis",))
DLT = Plugin("dlt", ("dlt",))
KEDRO = Plugin("kedro", ("kedro",))
HUGGINGFACE = Plugin("huggingface", ("datasets",))
# The lancedb saver is registered only when lancedb imports too.
HUGGINGFACE_LANCEDB = Plugin("huggingface", ("datasets", "lancedb"))
MLFLOW = Plugin("mlflow", ("mlflow",))


# --- types a plugin speaks of -------------------------------------------------------------------
#
# A plugin's type is written `package.Class` (`Class` may hold `*`).  An annotation names it
# when its qualified name is `package.Class` or `package.<modules>.Class`: `polars.DataFrame`
# is also `polars.dataframe.frame.DataFrame`, `ibis.expr.types.Table` is also `ibis.Table`,
# while `pyspark.pandas.DataFrame` is not `pyspark.sql.DataFrame`.


def qualified_type(ref: TypeRef | None) -> str | None:
    """The qualified name of an annotation: the live class's, else the one the analyzer found."""
    if ref is None:
        return None
    obj = ref.obj
    if isinstance(obj, type):
        return f"{obj.__module__}.{obj.__qualname__}"
    return ref.qualified


def names_type(pattern: str, qualified: str) -> bool | None:
    """True when `qualified` is the plugin type `pattern`; None when it is another class of the
    same library (perhaps a subclass: `xgboost.XGBRegressor` of `xgboost.XGBModel`); else False."""
    package, _, cls = pattern.rpartition(".")
    if qualified == pattern or (
        qualified.startswith(package + ".") and fnmatchcase(qualified.rpartition(".")[2], cls)
    ):
        return True
    if qualified.split(".", 1)[0] == package.split(".", 1)[0]:
        return None
    return False


@dataclass(frozen=True)
class PluginFrame:
    """A dataframe type a plugin registers with Hamilton, and the (qualified) type of one of its
    columns; None: registered without one, so `@schema.output` accepts it, `@extract_columns`
    does not."""

    plugin: Plugin
    type: str
    column: str | None


FRAMES: tuple[PluginFrame, ...] = (
    PluginFrame(POLARS, "polars.DataFrame", "polars.Series"),
    PluginFrame(POLARS_LAZYFRAME, "polars.LazyFrame", "polars.Expr"),
    PluginFrame(PYSPARK_PANDAS, "pyspark.pandas.DataFrame", "pyspark.pandas.Series"),
    PluginFrame(SPARK, "pyspark.sql.DataFrame", None),
    PluginFrame(DASK, "dask.dataframe.DataFrame", "dask.dataframe.Series"),
    PluginFrame(GEOPANDAS, "geopandas.GeoDataFrame", "geopandas.GeoSeries"),
    PluginFrame(VAEX, "vaex.DataFrame", "vaex.expression.Expression"),
    PluginFrame(IBIS, "ibis.Table", "ibis.expr.types.Column"),
)


def plugin_frame(ref: TypeRef | None) -> PluginFrame | None:
    """The plugin dataframe type an annotation names, if any."""
    qualified = qualified_type(ref)
    if qualified is None:
        return None
    return next((f for f in FRAMES if names_type(f.type, qualified)), None)


def column_of(frame: PluginFrame, ref: TypeRef) -> TypeRef | None:
    """The column type of `frame`, spelled the way the annotation is (`ir.Table` → `ir.Column`,
    `pl.DataFrame` → `pl.Series`) when the column lives where the frame was imported from."""
    if frame.column is None:
        return None
    qualified = qualified_type(ref) or ""
    column_module, _, column_class = frame.column.rpartition(".")
    prefix = ref.text.rpartition(".")[0]
    if prefix and qualified.rpartition(".")[0] == column_module:
        return TypeRef(f"{prefix}.{column_class}", frame.column)
    return TypeRef(frame.column, frame.column)


# --- what the rules say they relied on ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PluginDependency(Problem):
    """LD008 information: nodes made as a plugin makes them, which holds only when `libraries`
    are installed where the code runs (the server drops it when it sees them)."""

    libraries: tuple[str, ...] = ()


def plugin_dependency(plugin: Plugin, what: str, location: Location | None) -> PluginDependency:
    """`what` (e.g. "`save_to.lancedb`") comes from `plugin`: the information to report."""
    packages = " and ".join(plugin.libraries)
    noun = "package" if len(plugin.libraries) == 1 else "packages"
    return PluginDependency(
        Code.UNKNOWABLE,
        Severity.INFO,
        f"{what} comes from Hamilton's {plugin.name} plugin; livedag cannot see the {packages} "
        f"{noun} here, so its nodes are assumed as the plugin makes them",
        location,
        libraries=plugin.libraries,
    )
