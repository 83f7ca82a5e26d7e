"""Data checks that run when a `@check_output` node is computed.

The names mirror `hamilton.data_quality.base` (`DataValidator`, `ValidationResult`, ...), so a
custom validator written for Hamilton works here unchanged.  The graph rules decide *which* checks
a node gets (`livedag.engine.rules.check_output`); this module only runs them and acts on the
outcome: a failed `warn` check is logged on the `livedag.validation` logger, failed `fail` checks
raise `DataValidationError`.  pandas and numpy are imported only when a check looks at data.
"""

from __future__ import annotations

import abc
import enum
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("livedag.validation")


class DataValidationError(Exception):
    """A `fail` check did not pass; the message names the node and every failed check."""


class DataValidationLevel(enum.Enum):
    WARN = "warn"
    FAIL = "fail"


@dataclass
class ValidationResult:
    passes: bool
    message: str
    diagnostics: dict[str, Any] = field(default_factory=dict)


class DataValidator(abc.ABC):
    """One check of a node's value; `name()` is what the check's node is named after."""

    def __init__(self, importance: str):
        self._importance = DataValidationLevel(importance)

    @property
    def importance(self) -> DataValidationLevel:
        return self._importance

    @abc.abstractmethod
    def applies_to(self, datatype: type) -> bool: ...

    @abc.abstractmethod
    def description(self) -> str: ...

    @classmethod
    @abc.abstractmethod
    def name(cls) -> str: ...

    @abc.abstractmethod
    def validate(self, dataset: Any) -> ValidationResult: ...


class BaseDefaultValidator(DataValidator, abc.ABC):
    """A check selected by one keyword of `@check_output` (its `arg()`)."""

    @classmethod
    @abc.abstractmethod
    def arg(cls) -> str: ...

    @classmethod
    def name(cls) -> str:
        return f"{cls.arg()}_validator"

    def applies_to(self, datatype: type) -> bool:
        return True


def _is_series(data: Any) -> bool:
    return type(data).__module__.startswith("pandas") and type(data).__name__ == "Series"


def _scalar(data: Any) -> Any:
    """Dask-like lazy scalars compute first, as Hamilton's checks do."""
    return data.compute() if hasattr(data, "dask") else data


class RangeValidator(BaseDefaultValidator):
    def __init__(self, range: tuple[float, float], importance: str):  # noqa: A002 (Hamilton's keyword)
        super().__init__(importance)
        self.range = tuple(range)

    @classmethod
    def arg(cls) -> str:
        return "range"

    def description(self) -> str:
        return f"Validates that the data falls within the range {self.range}"

    def validate(self, dataset: Any) -> ValidationResult:
        low, high = self.range
        if _is_series(dataset):
            inside = int(dataset.between(low, high, inclusive="both").sum())
            outside = len(dataset) - inside
            return ValidationResult(
                outside == 0,
                f"Series contains {inside} values in range ({low},{high}), and {outside} outside.",
                {"range": self.range, "in_range": inside, "out_range": outside},
            )
        value = _scalar(dataset)
        passes = bool(low <= value <= high)
        verdict = "falls" if passes else "does not fall"
        return ValidationResult(
            passes,
            f"Data point {value} {verdict} within acceptable range: ({low}, {high})",
            {"range": self.range, "value": value},
        )


class ValuesInValidator(BaseDefaultValidator):
    def __init__(self, values_in: Iterable[Any], importance: str):
        super().__init__(importance)
        self.values = frozenset(values_in)

    @classmethod
    def arg(cls) -> str:
        return "values_in"

    def description(self) -> str:
        return f"Validates that all data points are from a fixed set of values: {set(self.values)}"

    def validate(self, dataset: Any) -> ValidationResult:
        if _is_series(dataset):
            valid = dataset.isin(self.values) | dataset.isna()  # NA is left to the NaN checks
            wrong = int((~valid).sum())
            message = (
                f"Series contains {len(dataset) - wrong} correct and {wrong} incorrect values."
            )
            if wrong:
                message += f" Valid values are: {sorted(map(repr, self.values))}."
            return ValidationResult(wrong == 0, message, {"incorrect_values_count": wrong})
        value = _scalar(dataset)
        passes = value in self.values
        message = f"Value {value!r} is {'' if passes else 'not '}one of the valid values."
        return ValidationResult(passes, message, {"values": self.values, "value": value})


class DataTypeValidator(BaseDefaultValidator):
    def __init__(self, data_type: type, importance: str):
        super().__init__(importance)
        self.datatype = data_type

    @classmethod
    def arg(cls) -> str:
        return "data_type"

    def description(self) -> str:
        return f"Validates that the data is of type {self.datatype}"

    def validate(self, dataset: Any) -> ValidationResult:
        if _is_series(dataset):
            import numpy as np

            actual = getattr(dataset.dtype, "type", dataset.dtype)
            passes = bool(np.issubdtype(actual, self.datatype))
        else:
            actual = type(_scalar(dataset))
            passes = isinstance(_scalar(dataset), self.datatype)
        return ValidationResult(
            passes,
            f"Requires data type {self.datatype}, got {actual}. "
            f"This {'is' if passes else 'is not'} a match.",
            {"required_dtype": self.datatype, "actual_dtype": actual},
        )


class MaxFractionNansValidator(BaseDefaultValidator):
    def __init__(self, max_fraction_nans: float, importance: str):
        super().__init__(importance)
        if not 0 <= max_fraction_nans <= 1:
            raise ValueError("max_fraction_nans must be between 0 and 1")
        self.max_fraction_nans = max_fraction_nans

    @classmethod
    def arg(cls) -> str:
        return "max_fraction_nans"

    def description(self) -> str:
        return f"Validates that no more than {self.max_fraction_nans:.2%} of the data is NaN"

    def validate(self, dataset: Any) -> ValidationResult:
        total = len(dataset)
        nans = int(dataset.isna().sum())
        fraction = nans / total if total else 0.0
        passes = fraction <= self.max_fraction_nans
        return ValidationResult(
            passes,
            f"{nans} of {total} items are NaN ({fraction:.2%}); at most "
            f"{self.max_fraction_nans:.2%} is allowed.",
            {"total_nan": nans, "total_length": total, "fraction_na": fraction},
        )


class AllowNansValidator(MaxFractionNansValidator):
    def __init__(self, allow_nans: bool, importance: str):
        if allow_nans:
            raise ValueError("allow_nans=True checks nothing; use max_fraction_nans=... instead")
        super().__init__(0.0, importance)

    @classmethod
    def arg(cls) -> str:
        return "allow_nans"


class MaxStandardDevValidator(BaseDefaultValidator):
    def __init__(self, max_standard_dev: float, importance: str):
        super().__init__(importance)
        self.max_standard_dev = max_standard_dev

    @classmethod
    def arg(cls) -> str:
        return "max_standard_dev"

    def description(self) -> str:
        return f"Validates that the standard deviation is at most {self.max_standard_dev}"

    def validate(self, dataset: Any) -> ValidationResult:
        std = dataset.std()
        passes = bool(std <= self.max_standard_dev)
        return ValidationResult(
            passes,
            f"Standard deviation is {std}; the maximum allowed is {self.max_standard_dev}.",
            {"standard_dev": std, "max_standard_dev": self.max_standard_dev},
        )


class MeanInRangeValidator(BaseDefaultValidator):
    def __init__(self, mean_in_range: tuple[float, float], importance: str):
        super().__init__(importance)
        self.mean_in_range = tuple(mean_in_range)

    @classmethod
    def arg(cls) -> str:
        return "mean_in_range"

    def description(self) -> str:
        return f"Validates that the mean lies in {list(self.mean_in_range)}"

    def validate(self, dataset: Any) -> ValidationResult:
        mean = dataset.mean()
        low, high = self.mean_in_range
        passes = bool(low <= mean <= high)
        return ValidationResult(
            passes,
            f"Mean is {mean}; it {'is' if passes else 'is not'} in [{low}, {high}].",
            {"dataset_mean": mean, "mean_in_range": self.mean_in_range},
        )


class AllowNoneValidator(BaseDefaultValidator):
    def __init__(self, allow_none: bool, importance: str):
        super().__init__(importance)
        self.allow_none = allow_none

    @classmethod
    def arg(cls) -> str:
        return "allow_none"

    def description(self) -> str:
        return "No-op validator." if self.allow_none else "Validates that the output is not None"

    def validate(self, dataset: Any) -> ValidationResult:
        passes = self.allow_none or dataset is not None
        return ValidationResult(passes, "Data is not None" if passes else "Data is None")


def _strings(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


class ContainsValidator(BaseDefaultValidator):
    def __init__(self, contains: str | Sequence[str], importance: str):
        super().__init__(importance)
        self.contains = _strings(contains)

    @classmethod
    def arg(cls) -> str:
        return "contains"

    def description(self) -> str:
        return f"Validates that a string contains {self.contains}"

    def validate(self, dataset: Any) -> ValidationResult:
        missing = [part for part in self.contains if part not in dataset]
        return ValidationResult(
            not missing, f"String does not contain {missing}" if missing else ""
        )


class DoesNotContainValidator(BaseDefaultValidator):
    def __init__(self, does_not_contain: str | Sequence[str], importance: str):
        super().__init__(importance)
        self.does_not_contain = _strings(does_not_contain)

    @classmethod
    def arg(cls) -> str:
        return "does_not_contain"

    def description(self) -> str:
        return f"Validates that a string does not contain {self.does_not_contain}"

    def validate(self, dataset: Any) -> ValidationResult:
        found = [part for part in self.does_not_contain if part in dataset]
        return ValidationResult(not found, f"String contains {found}" if found else "")


class SchemaValidator(BaseDefaultValidator):
    """A pandera schema (`schema=`); needs pandera installed when the node runs."""

    def __init__(self, schema: Any, importance: str):
        super().__init__(importance)
        self.schema = schema

    @classmethod
    def arg(cls) -> str:
        return "schema"

    @classmethod
    def name(cls) -> str:
        return "pandera_schema_validator"  # as Hamilton's pandera validators are named

    def description(self) -> str:
        return "Validates that the data matches its pandera schema"

    def validate(self, dataset: Any) -> ValidationResult:
        try:
            self.schema.validate(dataset, lazy=True)
        except Exception as exc:  # pandera's SchemaErrors; its type lives in an optional package
            return ValidationResult(False, str(exc))
        return ValidationResult(True, "Data matches the schema")


class ModelValidator(BaseDefaultValidator):
    """A pydantic model (`model=`), checked in strict mode as Hamilton does (no coercion);
    needs pydantic 2 installed when the node runs."""

    def __init__(self, model: Any, importance: str):
        super().__init__(importance)
        self.model = model

    @classmethod
    def arg(cls) -> str:
        return "model"

    @classmethod
    def name(cls) -> str:
        return "pydantic_validator"  # as Hamilton's pydantic validator is named

    def description(self) -> str:
        return "Validates that the data is compatible with its pydantic model"

    def validate(self, dataset: Any) -> ValidationResult:
        from pydantic import TypeAdapter, ValidationError

        try:
            TypeAdapter(self.model).validate_python(dataset, strict=True)
        except ValidationError as exc:
            return ValidationResult(False, str(exc), {"model_errors": exc.errors()})
        return ValidationResult(True, f"Data passes pydantic check for model {self.model}")


DEFAULT_VALIDATORS: dict[str, type[BaseDefaultValidator]] = {
    cls.arg(): cls
    for cls in (
        RangeValidator,
        ValuesInValidator,
        DataTypeValidator,
        MaxFractionNansValidator,
        AllowNansValidator,
        MaxStandardDevValidator,
        MeanInRangeValidator,
        AllowNoneValidator,
        ContainsValidator,
        DoesNotContainValidator,
        SchemaValidator,
        ModelValidator,
    )
}


def default_validator(arg: str, setting: Any, importance: str) -> DataValidator:
    """The check `@check_output(<arg>=<setting>)` stands for."""
    make: Callable[..., DataValidator] = DEFAULT_VALIDATORS[arg]  # each takes (setting, importance)
    return make(setting, importance=importance)


def validator_name(validator: Any) -> str:
    """What Hamilton names a validator's node after (`<node>_<name>`)."""
    name = validator.name
    return str(name() if callable(name) else name)


def importance_of(validator: Any) -> DataValidationLevel:
    level = getattr(validator, "importance", DataValidationLevel.WARN)
    return DataValidationLevel(getattr(level, "value", level))


def run_check(validator: Any) -> Callable[..., Any]:
    """The compute of a check's node: validate the one value it depends on."""

    def check(**values: Any) -> Any:
        (data,) = values.values()
        return validator.validate(data)

    return check


def _failure_text(node: str, validator: Any, result: Any) -> str:
    diagnostics = getattr(result, "diagnostics", None)
    text = f"[{node}:{validator_name(validator)}] check failed: {result.message}"
    return f"{text} ({diagnostics})" if diagnostics else text


def act_on(node: str, checks: Sequence[tuple[Any, Any]]) -> None:
    """Log failed `warn` checks; raise DataValidationError listing every failed `fail` check."""
    failures = []
    for validator, result in checks:
        if result.passes:
            continue
        text = _failure_text(node, validator, result)
        if importance_of(validator) is DataValidationLevel.WARN:
            logger.warning(text)
        else:
            logger.error(text)
            failures.append(text)
    if failures:
        raise DataValidationError(
            f"{len(failures)} data check(s) of node {node!r} failed:\n" + "\n".join(failures)
        )


def guarded_output(node: str, raw: str, checks: Sequence[tuple[str, Any]]) -> Callable[..., Any]:
    """The compute of the checked node: act on its checks' results, then pass the raw value on."""

    def output(**values: Any) -> Any:
        act_on(node, [(validator, values[name]) for name, validator in checks])
        return values[raw]

    return output


__all__ = [
    "DEFAULT_VALIDATORS",
    "BaseDefaultValidator",
    "DataValidationError",
    "DataValidationLevel",
    "DataValidator",
    "ValidationResult",
    "act_on",
    "default_validator",
    "guarded_output",
    "importance_of",
    "run_check",
    "validator_name",
]
