"""Result builders: what `Driver.execute` turns the requested outputs into.

Same names and behaviour as Hamilton's `hamilton.base`, so driver scripts switch by changing one
import.  Any object with a `build_result(**outputs)` method works as a result builder (Hamilton's
own included).
"""

from __future__ import annotations

import abc
import logging
from typing import Any

logger = logging.getLogger(__name__)


class ResultMixin(abc.ABC):
    """Turns the computed outputs (name → value, in the order requested) into one result."""

    @staticmethod
    @abc.abstractmethod
    def build_result(**outputs: Any) -> Any:
        """The result `execute` returns for these outputs."""


class DictResult(ResultMixin):
    """The outputs as a plain dict (what `Builder().build()` returns without a result builder)."""

    @staticmethod
    def build_result(**outputs: Any) -> dict[str, Any]:
        return outputs


class PandasDataFrameResult(ResultMixin):
    """One pandas DataFrame, as Hamilton combines outputs (the legacy `Driver(...)` default).

    - a single DataFrame output is returned as is;
    - only scalars/objects (nothing list-like) become one row;
    - DataFrames among several outputs are unpacked into `output.column` columns;
    - otherwise series and scalars are joined on their index by pandas.
    """

    @staticmethod
    def build_result(**outputs: Any) -> Any:
        import pandas as pd

        if len(outputs) == 1:
            (only,) = outputs.values()
            if isinstance(only, pd.DataFrame):
                return only
        if not any(pd.api.types.is_list_like(value) for value in outputs.values()):
            return pd.DataFrame([outputs])
        if not any(isinstance(value, pd.DataFrame) for value in outputs.values()):
            return pd.DataFrame(outputs)
        flattened: dict[str, Any] = {}
        for name, value in outputs.items():
            if isinstance(value, pd.DataFrame):
                for column, series in value.to_dict(orient="series").items():
                    flattened[f"{name}.{column}"] = series
                continue
            if name in flattened:
                raise ValueError(
                    f"Output {name!r} collides with a column unpacked from a DataFrame output. "
                    f"Rename the output or the column"
                )
            flattened[name] = value
        return pd.DataFrame(flattened)


class HamiltonGraphAdapter(abc.ABC):
    """Base of the legacy graph adapters (accepted for Hamilton compatibility)."""

    @abc.abstractmethod
    def build_result(self, **outputs: Any) -> Any:
        """Combine the outputs into the result."""


class SimplePythonGraphAdapter(HamiltonGraphAdapter):
    """In-process execution with a chosen result builder (default: a pandas DataFrame)."""

    def __init__(self, result_builder: Any = None):
        self.result_builder = (
            result_builder if result_builder is not None else (PandasDataFrameResult())
        )

    def build_result(self, **outputs: Any) -> Any:
        return self.result_builder.build_result(**outputs)


class SimplePythonDataFrameGraphAdapter(SimplePythonGraphAdapter):
    """`SimplePythonGraphAdapter` that always builds a pandas DataFrame."""

    def __init__(self) -> None:
        super().__init__(PandasDataFrameResult())


def is_result_builder(adapter: Any) -> bool:
    """Whether `adapter` can build `execute`'s result (duck-typed, so Hamilton's work too)."""
    return callable(getattr(adapter, "build_result", None))
