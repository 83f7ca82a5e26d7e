"""The loaders and savers behind `load_from.<format>` and `save_to.<format>` at run time.

The graph rules (`livedag.engine.rules.adapters`) choose an adapter by Hamilton's class name
(`PandasCSVReader`, `JSONDataLoader`, ...) and call `load(name, arguments)` or
`save(name, data, arguments)` when the node runs (`to.<format>` / `from_.<format>` too, see
`io.materialization`).  Loaders return `(data, metadata)`, savers return metadata, as Hamilton's
do and in Hamilton's shape (`file_metadata`, `dataframe_metadata`).  pandas, numpy and yaml are
imported only when used; parquet needs pyarrow (or fastparquet) installed, and says so when it is
missing.
"""

from __future__ import annotations

import json
import os
import pickle
import time
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

Arguments = Mapping[str, Any]


class AdapterError(Exception):
    """An adapter cannot run here (unknown, or a package it needs is missing)."""


FILE_METADATA = "file_metadata"
DATAFRAME_METADATA = "dataframe_metadata"


def file_metadata(path: Any) -> dict[str, Any]:
    """What was read or written where, in Hamilton's shape: `{"file_metadata": {"path",
    "size", "last_modified", "timestamp", "scheme", "notes", "__version__"}}` (size None unless
    a local file)."""
    where = str(path)
    scheme = urllib.parse.urlparse(where).scheme
    local = (scheme == "" or (len(scheme) == 1 and scheme.isalpha())) and os.path.exists(where)
    return {
        FILE_METADATA: {
            "size": os.path.getsize(where) if local else None,
            "path": where,
            "last_modified": os.path.getmtime(where) if local else time.time(),
            "timestamp": time.time(),
            "scheme": scheme,
            "notes": ""
            if local
            else f"File metadata is unsupported for scheme: {scheme} or path: {where} does not "
            f"exist.",
            "__version__": "1.0.0",
        }
    }


def _frame_metadata(frame: Any) -> dict[str, Any]:
    columns = list(getattr(frame, "columns", []))
    return {
        DATAFRAME_METADATA: {
            "__version__": "1.0.0",
            "rows": len(frame),
            "columns": len(columns),
            "column_names": columns,
            "datatypes": [str(t) for t in getattr(frame, "dtypes", [])],
        }
    }


def _pandas() -> Any:
    import pandas

    return pandas


def _missing(package: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(package) is None


def _needs(package: str, what: str, install: str | None = None) -> None:
    if _missing(package):
        raise AdapterError(
            f"{what} needs the {package!r} package: pip install {install or package}"
        )


# --- loaders ------------------------------------------------------------------------------------


# The readers whose Hamilton loader reads with `dtype_backend="numpy_nullable"` unless told
# otherwise (pandas >= 2): their columns come out as Float64, Int64, string, ... as in Hamilton.
_NULLABLE_BY_DEFAULT = frozenset(
    {
        "read_csv",
        "read_table",
        "read_fwf",
        "read_parquet",
        "read_feather",
        "read_orc",
        "read_excel",
        "read_xml",
        "read_html",
        "read_spss",
    }
)


def _pandas_reader(function: str, first: str) -> Callable[[Arguments], tuple[Any, dict[str, Any]]]:
    """A loader that calls `pandas.<function>(<first>, **rest)`."""

    def load(arguments: Arguments) -> tuple[Any, dict[str, Any]]:
        rest = dict(arguments)
        where = rest.pop(first)
        pandas = _pandas()
        if function in _NULLABLE_BY_DEFAULT and int(pandas.__version__.split(".")[0]) >= 2:
            rest.setdefault("dtype_backend", "numpy_nullable")
        if function == "read_parquet" and _missing("fastparquet"):
            _needs("pyarrow", "load_from.parquet")
        frame = getattr(pandas, function)(where, **rest)
        return frame, {**file_metadata(where), **_frame_metadata(frame)}

    return load


def _load_json(arguments: Arguments) -> tuple[Any, dict[str, Any]]:
    with open(arguments["path"], encoding="utf-8") as handle:
        return json.load(handle), file_metadata(arguments["path"])


def _load_pickle(arguments: Arguments) -> tuple[Any, dict[str, Any]]:
    with open(arguments["path"], "rb") as handle:
        return pickle.load(handle), file_metadata(arguments["path"])


def _load_pandas_pickle(arguments: Arguments) -> tuple[Any, dict[str, Any]]:
    rest = dict(arguments)
    where = rest.pop("filepath_or_buffer", None) or rest.pop("path")
    rest.pop("path", None)
    frame = _pandas().read_pickle(where, **rest)
    return frame, {**file_metadata(where), **_frame_metadata(frame)}


def _load_file(arguments: Arguments) -> tuple[Any, dict[str, Any]]:
    text = Path(arguments["path"]).read_text(encoding=arguments.get("encoding", "utf-8"))
    return text, file_metadata(arguments["path"])


def _load_environment(arguments: Arguments) -> tuple[Any, dict[str, Any]]:
    names = arguments["names"]
    return {name: os.environ[name] for name in names}, {}


def _load_literal(arguments: Arguments) -> tuple[Any, dict[str, Any]]:
    return arguments["value"], {}


def _load_yaml(arguments: Arguments) -> tuple[Any, dict[str, Any]]:
    _needs("yaml", "load_from.yaml", "pyyaml")
    import yaml

    with open(arguments["path"], encoding="utf-8") as handle:
        return yaml.safe_load(handle), file_metadata(arguments["path"])


def _load_npy(arguments: Arguments) -> tuple[Any, dict[str, Any]]:
    import numpy

    rest = dict(arguments)
    where = rest.pop("path")
    return numpy.load(where, **rest), file_metadata(where)


LOADERS: dict[str, Callable[[Arguments], tuple[Any, dict[str, Any]]]] = {
    "PandasCSVReader": _pandas_reader("read_csv", "path"),
    "PandasTableReader": _pandas_reader("read_table", "filepath_or_buffer"),
    "PandasFWFReader": _pandas_reader("read_fwf", "filepath_or_buffer"),
    "PandasJsonReader": _pandas_reader("read_json", "filepath_or_buffer"),
    "PandasParquetReader": _pandas_reader("read_parquet", "path"),
    "PandasFeatherReader": _pandas_reader("read_feather", "path"),
    "PandasORCReader": _pandas_reader("read_orc", "path"),
    "PandasExcelReader": _pandas_reader("read_excel", "path"),
    "PandasXmlReader": _pandas_reader("read_xml", "path_or_buffer"),
    "PandasStataReader": _pandas_reader("read_stata", "filepath_or_buffer"),
    "PandasSPSSReader": _pandas_reader("read_spss", "path"),
    "PandasPickleReader": _load_pandas_pickle,
    "JSONDataLoader": _load_json,
    "PickleLoader": _load_pickle,
    "RawFileDataLoader": _load_file,
    "EnvVarDataLoader": _load_environment,
    "LiteralValueDataLoader": _load_literal,
    "YAMLDataLoader": _load_yaml,
    "NumpyNpyReader": _load_npy,
}


# --- savers -------------------------------------------------------------------------------------


def _pandas_writer(method: str, first: str) -> Callable[[Any, Arguments], dict[str, Any]]:
    """A saver that calls `frame.<method>(<first>, **rest)`."""

    def save(frame: Any, arguments: Arguments) -> dict[str, Any]:
        rest = dict(arguments)
        where = rest.pop(first)
        if method == "to_parquet" and _missing("fastparquet"):
            _needs("pyarrow", "save_to.parquet")
        if method == "to_csv":
            rest.setdefault("index", False)
        getattr(frame, method)(where, **rest)
        return {**file_metadata(where), **_frame_metadata(frame)}

    return save


def _save_json(data: Any, arguments: Arguments) -> dict[str, Any]:
    with open(arguments["path"], "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return file_metadata(arguments["path"])


def _save_pickle(data: Any, arguments: Arguments) -> dict[str, Any]:
    with open(arguments["path"], "wb") as handle:
        pickle.dump(data, handle)
    return file_metadata(arguments["path"])


def _save_file(data: Any, arguments: Arguments) -> dict[str, Any]:
    path = Path(arguments["path"])
    if isinstance(data, str):
        path.write_text(data, encoding=arguments.get("encoding", "utf-8"))
    else:
        path.write_bytes(data.getvalue() if hasattr(data, "getvalue") else data)
    return file_metadata(path)


def _save_yaml(data: Any, arguments: Arguments) -> dict[str, Any]:
    _needs("yaml", "save_to.yaml", "pyyaml")
    import yaml

    with open(arguments["path"], "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)
    return file_metadata(arguments["path"])


def _save_npy(data: Any, arguments: Arguments) -> dict[str, Any]:
    import numpy

    rest = dict(arguments)
    where = rest.pop("path")
    numpy.save(where, data, **rest)
    return file_metadata(where)


def _save_in_memory(data: Any, arguments: Arguments) -> Any:
    return data


SAVERS: dict[str, Callable[[Any, Arguments], Any]] = {
    "PandasCSVWriter": _pandas_writer("to_csv", "path"),
    "PandasJsonWriter": _pandas_writer("to_json", "filepath_or_buffer"),
    "PandasParquetWriter": _pandas_writer("to_parquet", "path"),
    "PandasFeatherWriter": _pandas_writer("to_feather", "path"),
    "PandasORCWriter": _pandas_writer("to_orc", "path"),
    "PandasExcelWriter": _pandas_writer("to_excel", "path"),
    "PandasXmlWriter": _pandas_writer("to_xml", "path_or_buffer"),
    "PandasPickleWriter": _pandas_writer("to_pickle", "path"),
    "JSONDataSaver": _save_json,
    "PickleSaver": _save_pickle,
    "RawFileDataSaver": _save_file,
    "RawFileDataSaverBytes": _save_file,
    "YAMLDataSaver": _save_yaml,
    "NumpyNpyWriter": _save_npy,
    "InMemoryResult": _save_in_memory,
}


def load(adapter: str, arguments: Arguments) -> tuple[Any, dict[str, Any]]:
    """Run loader `adapter` (a Hamilton class name) with `arguments`: `(data, metadata)`."""
    if adapter not in LOADERS:
        raise AdapterError(
            f"livedag has no runtime loader {adapter!r}; run this dataflow with Hamilton, or use "
            f"one of: {', '.join(sorted(LOADERS))}"
        )
    return LOADERS[adapter](arguments)


def save(adapter: str, data: Any, arguments: Arguments) -> Any:
    """Run saver `adapter` (a Hamilton class name) on `data`: the saving metadata."""
    if adapter not in SAVERS:
        raise AdapterError(
            f"livedag has no runtime saver {adapter!r}; run this dataflow with Hamilton, or use "
            f"one of: {', '.join(sorted(SAVERS))}"
        )
    return SAVERS[adapter](data, arguments)
