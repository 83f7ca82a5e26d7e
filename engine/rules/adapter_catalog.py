"""The data adapters `load_from.<format>` and `save_to.<format>` choose from, and the choice.

Per format, the adapter classes apache-hamilton 1.90 registers, in registration order (its own,
then each plugin's in the order Hamilton loads them): the types each loads into or saves from, its
required and optional arguments, and the plugin it comes with (see `plugins`: those exist only
when the plugin's libraries are installed).  Hamilton picks the *last registered* class that fits
the annotated type (`choose_adapter`), checks the decorator's arguments against it
(`check_arguments`), and a `source(...)` argument becomes a dependency of the loader or saver node
(optional when the argument is).  Kept as data so choosing never needs pandas imported;
`livedag.engine.adapters` implements the built-in classes for the runtime.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..specs import Call, TypeRef, Unknown
from . import plugins as p
from .plugins import Plugin, names_type, qualified_type
from .registry import DecoratorError
from .type_names import ANY, DATAFRAME, NDARRAY, OBJECT, canonical, is_subclass, type_name


@dataclass(frozen=True)
class AdapterClass:
    """One adapter class.  `types` are canonical type names (`type_names`) or a plugin's types
    (`package.Class`, see `plugins.names_type`).  `optional` is None when livedag does not list a
    plugin class's optional arguments: then only the required ones are checked."""

    name: str
    types: tuple[str, ...]
    required: tuple[str, ...]
    optional: frozenset[str] | None
    plugin: Plugin | None = None

    @property
    def arguments(self) -> tuple[str, ...]:
        return self.required + tuple(sorted(self.optional or ()))


def _adapter(
    name: str, types: tuple[str, ...], required: str = "", optional: str = ""
) -> AdapterClass:
    return AdapterClass(name, types, tuple(required.split()), frozenset(optional.split()))


_DF = (DATAFRAME,)
_READ_CSV_OPTIONS = (
    "sep delimiter header names index_col usecols dtype engine converters true_values "
    "false_values skipinitialspace skiprows skipfooter nrows na_values keep_default_na na_filter "
    "verbose skip_blank_lines parse_dates keep_date_col date_format dayfirst cache_dates iterator "
    "chunksize compression thousands decimal lineterminator quotechar quoting doublequote "
    "escapechar comment encoding encoding_errors dialect on_bad_lines delim_whitespace low_memory "
    "memory_map float_precision storage_options dtype_backend"
)
_PRIMITIVES = ("str", "int", "float", "bool", "dict", "list")

LOADERS: dict[str, tuple[AdapterClass, ...]] = {
    "csv": (_adapter("PandasCSVReader", _DF, "path", _READ_CSV_OPTIONS),),
    "environment": (_adapter("EnvVarDataLoader", ("dict",), "names"),),
    "excel": (
        _adapter(
            "PandasExcelReader",
            _DF,
            "",
            "path sheet_name header names index_col usecols dtype engine converters true_values "
            "false_values skiprows nrows keep_default_na na_filter verbose parse_dates "
            "date_format thousands decimal comment skipfooter storage_options dtype_backend "
            "engine_kwargs",
        ),
    ),
    "feather": (
        _adapter(
            "PandasFeatherReader", _DF, "path", "columns use_threads storage_options dtype_backend"
        ),
    ),
    "file": (_adapter("RawFileDataLoader", ("str",), "path", "encoding"),),
    "fwf": (
        _adapter(
            "PandasFWFReader",
            _DF,
            "filepath_or_buffer",
            "colspecs widths infer_nrows dtype_backend",
        ),
    ),
    "html": (
        _adapter(
            "PandasHtmlReader",
            _DF,
            "io",
            "match flavor header index_col skiprows attrs parse_dates thousands encoding decimal "
            "converters na_values keep_default_na displayed_only extract_links dtype_backend "
            "storage_options",
        ),
    ),
    "json": (
        _adapter("JSONDataLoader", ("dict", "list"), "path"),
        _adapter(
            "PandasJsonReader",
            _DF,
            "filepath_or_buffer",
            "chunksize compression convert_axes convert_dates date_unit dtype dtype_backend "
            "encoding encoding_errors engine keep_default_dates lines nrows orient precise_float "
            "storage_options typ",
        ),
    ),
    "literal": (_adapter("LiteralValueDataLoader", (ANY,), "value"),),
    "npy": (
        _adapter(
            "NumpyNpyReader", (NDARRAY,), "path", "mmap_mode allow_pickle fix_imports encoding"
        ),
    ),
    "orc": (_adapter("PandasORCReader", _DF, "path", "columns dtype_backend filesystem"),),
    "parquet": (
        _adapter(
            "PandasParquetReader",
            _DF,
            "path",
            "engine columns storage_options use_nullable_dtypes dtype_backend filesystem filters",
        ),
    ),
    "pickle": (
        _adapter("PickleLoader", (OBJECT, ANY), "path"),
        _adapter(
            "PandasPickleReader", _DF, "", "filepath_or_buffer path compression storage_options"
        ),
    ),
    "spss": (
        _adapter("PandasSPSSReader", _DF, "path", "usecols convert_categoricals dtype_backend"),
    ),
    "sql": (
        _adapter(
            "PandasSqlReader",
            _DF,
            "query_or_table db_connection",
            "chunksize coerce_float columns dtype dtype_backend index_col params parse_dates",
        ),
    ),
    "stata": (
        _adapter(
            "PandasStataReader",
            _DF,
            "filepath_or_buffer",
            "convert_dates convert_categoricals index_col convert_missing preserve_dtypes columns "
            "order_categoricals chunksize iterator compression storage_options",
        ),
    ),
    "table": (
        _adapter(
            "PandasTableReader",
            _DF,
            "filepath_or_buffer",
            _READ_CSV_OPTIONS + " infer_datetime_format date_parser",
        ),
    ),
    "xml": (
        _adapter(
            "PandasXmlReader",
            _DF,
            "path_or_buffer",
            "xpath namespace elems_only attrs_only names dtype converters parse_dates encoding "
            "parser stylesheet iterparse compression storage_options dtype_backend",
        ),
    ),
}

SAVERS: dict[str, tuple[AdapterClass, ...]] = {
    "csv": (
        _adapter(
            "PandasCSVWriter",
            _DF,
            "path",
            "sep na_rep float_format columns header index index_label mode encoding compression "
            "quoting quotechar lineterminator chunksize date_format doublequote escapechar "
            "decimal errors storage_options",
        ),
    ),
    "excel": (
        _adapter(
            "PandasExcelWriter",
            _DF,
            "path",
            "sheet_name na_rep float_format columns header index index_label startrow startcol "
            "engine merge_cells inf_rep freeze_panes storage_options engine_kwargs mode "
            "if_sheet_exists datetime_format date_format",
        ),
    ),
    "feather": (
        _adapter(
            "PandasFeatherWriter",
            _DF,
            "path",
            "dest compression compression_level chunksize version",
        ),
    ),
    "file": (
        _adapter("RawFileDataSaver", ("str",), "path", "encoding"),
        _adapter("RawFileDataSaverBytes", ("bytes", "io.BytesIO"), "path"),
    ),
    "html": (
        _adapter(
            "PandasHtmlWriter",
            _DF,
            "",
            "buf columns col_space header index na_rep formatters float_format sparsify "
            "index_names justify max_rows max_cols show_dimensions decimal bold_rows classes "
            "escape notebook border table_id render_links encoding",
        ),
    ),
    "json": (
        _adapter("JSONDataSaver", ("dict", "list"), "path"),
        _adapter(
            "PandasJsonWriter",
            _DF,
            "filepath_or_buffer",
            "compression date_format date_unit default_handler double_precision force_ascii "
            "index indent lines mode orient storage_options",
        ),
    ),
    "memory": (_adapter("InMemoryResult", (ANY,)),),
    "npy": (_adapter("NumpyNpyWriter", (NDARRAY,), "path", "allow_pickle fix_imports"),),
    "orc": (_adapter("PandasORCWriter", _DF, "path", "engine index engine_kwargs"),),
    "parquet": (
        _adapter(
            "PandasParquetWriter",
            _DF,
            "path",
            "engine compression index partition_cols storage_options extra_kwargs",
        ),
    ),
    "pickle": (
        _adapter("PickleSaver", (OBJECT,), "path"),
        _adapter("PandasPickleWriter", _DF, "path", "compression protocol storage_options"),
    ),
    "sql": (
        _adapter(
            "PandasSqlWriter",
            _DF,
            "table_name db_connection",
            "chunksize dtype if_exists index index_label method schema",
        ),
    ),
    "stata": (
        _adapter(
            "PandasStataWriter",
            _DF,
            "",
            "path convert_dates write_index byteorder time_stamp data_label variable_labels "
            "version convert_strl compression storage_options value_labels",
        ),
    ),
    "xml": (
        _adapter(
            "PandasXmlWriter",
            _DF,
            "path_or_buffer",
            "index root_name row_name na_rep attr_cols elems_cols namespaces prefix encoding "
            "xml_declaration pretty_print parser stylesheet compression storage_options",
        ),
    ),
}


# --- what the plugins add ---------------------------------------------------------------------
# Per plugin, in the order Hamilton loads them: (format, class).  Only the required arguments of
# a plugin's class are listed; its optional ones vary with the library's version.

_PL = ("polars.DataFrame",)
_PL_BOTH = ("polars.DataFrame", "polars.LazyFrame")
_LAZY = ("polars.LazyFrame",)
_SPARK = ("pyspark.sql.DataFrame",)
_XGB = ("xgboost.XGBModel", "xgboost.Booster")
_LGBM = ("lightgbm.LGBMModel", "lightgbm.Booster", "lightgbm.CVBooster")
_HF = ("datasets.Dataset", "datasets.DatasetDict", "datasets.IterableDataset")
_HF_ALL = (*_HF, "datasets.IterableDatasetDict")
_FIGURE = "matplotlib.figure.Figure"
_PLOTLY = ("plotly.graph_objects.Figure",)


def _plugin(
    plugin: Plugin, fmt: str, name: str, types: tuple[str, ...], required: str = ""
) -> tuple[str, AdapterClass]:
    return fmt, AdapterClass(name, types, tuple(required.split()), None, plugin)


_PLUGIN_LOADERS: tuple[tuple[str, AdapterClass], ...] = (
    ("yaml", AdapterClass("YAMLDataLoader", _PRIMITIVES, ("path",), frozenset(), p.YAML)),
    _plugin(p.POLARS, "csv", "PolarsCSVReader", _PL, "file"),
    _plugin(p.POLARS, "parquet", "PolarsParquetReader", _PL, "file"),
    _plugin(p.POLARS, "feather", "PolarsFeatherReader", _PL, "source"),
    _plugin(p.POLARS, "avro", "PolarsAvroReader", _PL, "file"),
    _plugin(p.POLARS, "json", "PolarsJSONReader", _PL, "source"),
    _plugin(p.POLARS, "spreadsheet", "PolarsSpreadsheetReader", _PL, "source"),
    _plugin(p.POLARS, "database", "PolarsDatabaseReader", _PL, "query connection"),
    _plugin(p.POLARS_LAZYFRAME, "csv", "PolarsScanCSVReader", _LAZY, "file"),
    _plugin(p.POLARS_LAZYFRAME, "parquet", "PolarsScanParquetReader", _LAZY, "file"),
    _plugin(p.POLARS_LAZYFRAME, "feather", "PolarsScanFeatherReader", _LAZY, "source"),
    _plugin(p.SPARK, "csv", "CSVDataLoader", _SPARK, "spark path"),
    _plugin(p.SPARK, "parquet", "ParquetDataLoader", _SPARK, "spark path"),
    _plugin(p.XGBOOST, "json", "XGBoostJsonReader", _XGB, "path"),
    _plugin(p.LIGHTGBM, "file", "LightGBMFileReader", _LGBM, "path"),
    _plugin(p.DLT, "dlt", "DltResourceLoader", (DATAFRAME,), "resource"),
    _plugin(p.KEDRO, "kedro", "KedroLoader", (ANY,), "dataset_name catalog"),
    _plugin(p.HUGGINGFACE, "hf_dataset", "HuggingFaceDSLoader", _HF_ALL, "path"),
    _plugin(p.MLFLOW, "mlflow", "MLFlowModelLoader", (ANY,)),
)
_PLUGIN_SAVERS: tuple[tuple[str, AdapterClass], ...] = (
    ("yaml", AdapterClass("YAMLDataSaver", _PRIMITIVES, ("path",), frozenset(), p.YAML)),
    _plugin(p.MATPLOTLIB, "plt", "MatplotlibWriter", (_FIGURE,), "path"),
    _plugin(p.PLOTLY, "plotly", "PlotlyStaticWriter", _PLOTLY, "path"),
    _plugin(p.PLOTLY, "html", "PlotlyInteractiveWriter", _PLOTLY, "path"),
    _plugin(p.POLARS, "csv", "PolarsCSVWriter", _PL_BOTH, "file"),
    _plugin(p.POLARS, "parquet", "PolarsParquetWriter", _PL_BOTH, "file"),
    _plugin(p.POLARS, "feather", "PolarsFeatherWriter", _PL_BOTH),
    _plugin(p.POLARS, "avro", "PolarsAvroWriter", _PL_BOTH, "file"),
    _plugin(p.POLARS, "json", "PolarsJSONWriter", _PL_BOTH, "file"),
    _plugin(p.POLARS, "spreadsheet", "PolarsSpreadsheetWriter", _PL_BOTH, "workbook"),
    _plugin(p.POLARS, "database", "PolarsDatabaseWriter", _PL_BOTH, "table_name connection"),
    _plugin(p.XGBOOST, "json", "XGBoostJsonWriter", _XGB, "path"),
    _plugin(p.LIGHTGBM, "file", "LightGBMFileWriter", _LGBM, "path"),
    _plugin(p.SKLEARN_PLOT, "png", "SklearnPlotSaver", ("sklearn.*Display", _FIGURE), "path"),
    _plugin(
        p.DLT, "dlt", "DltDestinationSaver", (DATAFRAME, "typing.Iterable"), "pipeline table_name"
    ),
    _plugin(p.KEDRO, "kedro", "KedroSaver", (ANY,), "dataset_name catalog"),
    _plugin(p.HUGGINGFACE, "parquet", "HuggingFaceDSParquetSaver", _HF_ALL, "path_or_buf"),
    _plugin(
        p.HUGGINGFACE_LANCEDB,
        "lancedb",
        "HuggingFaceDSLanceDBSaver",
        _HF_ALL,
        "db_client table_name",
    ),
    _plugin(p.MLFLOW, "mlflow", "MLFlowModelSaver", (ANY,)),
)


def _with_plugins(
    built_in: dict[str, tuple[AdapterClass, ...]], added: tuple[tuple[str, AdapterClass], ...]
) -> dict[str, tuple[AdapterClass, ...]]:
    out = {fmt: list(classes) for fmt, classes in built_in.items()}
    for fmt, cls in added:
        out.setdefault(fmt, []).append(cls)
    return {fmt: tuple(classes) for fmt, classes in sorted(out.items())}


LOADERS = _with_plugins(LOADERS, _PLUGIN_LOADERS)
SAVERS = _with_plugins(SAVERS, _PLUGIN_SAVERS)


# --- choosing an adapter class ----------------------------------------------------------------


def _fits(
    cls: AdapterClass, found: str | None, qualified: str | None, loading: bool
) -> bool | None:
    """Whether `cls` loads into (or saves from) the annotated type; None when that cannot be told
    (another class of a plugin type's library: maybe a subclass)."""
    verdict: bool | None = False
    for t in cls.types:
        if canonical(t) is not None or t in (ANY, OBJECT, DATAFRAME, NDARRAY):
            if found is not None and (is_subclass(t, found) if loading else is_subclass(found, t)):
                return True
        elif qualified is not None:
            named = names_type(t, qualified)
            if named:
                return True
            if named is None:
                verdict = None
    return verdict


def choose_adapter(
    classes: Sequence[AdapterClass], type_ref: TypeRef | None, loading: bool
) -> AdapterClass | None | Unknown:
    """Hamilton's choice: the last registered class that fits, else one that takes `Any`.

    A class that names the type exactly wins over one that may (a plugin type's library).
    Returns `Unknown` when it cannot be told statically: the type is not known and several
    classes could fit, or the last class that fits comes from a plugin and another one fits too
    (which one Hamilton takes depends on the plugins installed where the code runs).
    """
    found = type_name(type_ref)
    qualified = qualified_type(type_ref)
    verdicts = [(c, _fits(c, found, qualified, loading)) for c in classes]
    fitting = [c for c, fits in verdicts if fits] or [c for c, fits in verdicts if fits is None]
    if not fitting and found is None:
        return classes[0] if len(classes) == 1 else Unknown("the annotated type is not known")
    if not fitting:
        fitting = [c for c in classes if ANY in c.types]
    if not fitting:
        return None
    last = fitting[-1]
    if last.plugin is not None and len(fitting) > 1:
        return Unknown("which class applies depends on the plugins installed")
    return last


def check_arguments(cls: AdapterClass, given: Sequence[str], what: str, call: Call) -> None:
    missing = [a for a in cls.required if a not in given]
    if missing:
        raise DecoratorError(
            f"{what} ({cls.name}) needs {', '.join(missing)}: add "
            f"{', '.join(f'{a}=...' for a in missing)} (a literal, value(...) or source(...))",
            call.location,
        )
    if cls.optional is None:
        return  # a plugin's class: its optional arguments are not listed
    extra = [a for a in given if a not in cls.required and a not in cls.optional]
    if extra:
        raise DecoratorError(
            f"{what} ({cls.name}) does not take {', '.join(extra)}; it takes "
            f"{', '.join(cls.arguments) or 'no arguments'}",
            call.location,
        )


def plugins_behind(
    classes: Sequence[AdapterClass], chosen: AdapterClass | Unknown
) -> Plugin | None:
    """The plugin a choice relies on: the chosen class's, or, when the choice is open, the one
    plugin every candidate comes from (`load_from.hf_dataset` on a type livedag cannot read)."""
    if isinstance(chosen, AdapterClass):
        return chosen.plugin
    owners = {c.plugin for c in classes}
    if len(owners) == 1:
        return next(iter(owners))
    return None
