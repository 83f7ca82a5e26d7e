"""The data adapters `load_from.<format>` and `save_to.<format>` choose from, and the choice.

Per format, the adapter classes apache-hamilton 1.90 registers (with its pandas, numpy and yaml
plugins), in registration order: the types each loads into or saves from, and its required and
optional arguments.  Hamilton picks the *last registered* class that fits the annotated type
(`choose_adapter`), checks the decorator's arguments against it (`check_arguments`), and a
`source(...)` argument becomes a dependency of the loader or saver node (optional when the
argument is).  Kept as data so choosing never needs pandas imported; `livedag.engine.adapters`
implements the classes for the runtime.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..specs import Call, TypeRef, Unknown
from .registry import DecoratorError
from .type_names import ANY, DATAFRAME, NDARRAY, OBJECT, is_subclass, type_name


@dataclass(frozen=True)
class AdapterClass:
    name: str
    types: tuple[str, ...]
    required: tuple[str, ...]
    optional: frozenset[str]

    @property
    def arguments(self) -> tuple[str, ...]:
        return self.required + tuple(sorted(self.optional))


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
    "yaml": (_adapter("YAMLDataLoader", _PRIMITIVES, "path"),),
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
    "yaml": (_adapter("YAMLDataSaver", _PRIMITIVES, "path"),),
}


# --- choosing an adapter class ----------------------------------------------------------------


def _loads_into(cls: AdapterClass, wanted: str) -> bool:
    return any(is_subclass(t, wanted) for t in cls.types)


def _saves_from(cls: AdapterClass, given: str) -> bool:
    return any(is_subclass(given, t) for t in cls.types)


def choose_adapter(
    classes: Sequence[AdapterClass], type_ref: TypeRef | None, loading: bool
) -> AdapterClass | None | Unknown:
    """Hamilton's choice: the last registered class that fits, else one that takes `Any`.

    Returns `Unknown` when the type cannot be told statically and several classes could fit.
    """
    found = type_name(type_ref)
    if found is None:
        return classes[0] if len(classes) == 1 else Unknown("the annotated type is not known")
    fits = _loads_into if loading else _saves_from
    for cls in reversed(classes):
        if fits(cls, found):
            return cls
    for cls in reversed(classes):
        if ANY in cls.types:
            return cls
    return None


def check_arguments(cls: AdapterClass, given: Sequence[str], what: str, call: Call) -> None:
    missing = [a for a in cls.required if a not in given]
    if missing:
        raise DecoratorError(
            f"{what} ({cls.name}) needs {', '.join(missing)}: add "
            f"{', '.join(f'{a}=...' for a in missing)} (a literal, value(...) or source(...))",
            call.location,
        )
    extra = [a for a in given if a not in cls.required and a not in cls.optional]
    if extra:
        raise DecoratorError(
            f"{what} ({cls.name}) does not take {', '.join(extra)}; it takes "
            f"{', '.join(cls.arguments) or 'no arguments'}",
            call.location,
        )
