"""What Hamilton names a data check's node after: the name of the validator that makes it.

A check of node `fn` is the node `fn_<validator.name()>`.  Which validator that is:

- `@check_output(<arg>=...)`: for each keyword, the first of Hamilton's default validator classes
  whose `arg()` is the keyword and which `applies_to` the node's type
  (`data_quality.default_validators.resolve_default_validators`; the pandera validators join
  the list when pandera is installed, ibis's and pydantic's when their plugins load).  Most
  classes inherit `name()` from `BaseDefaultValidator` (`<arg>_validator`); the pandera and
  pydantic ones have their own (`pandera_schema_validator`, `pydantic_validator`), so `schema=`
  names its node by the node's type: pandera's for pandas, polars, dask and pyspark-pandas
  frames, ibis's `schema_validator` for an ibis table.
- `@check_output_custom(v, ...)`: `v.name()`.  Known for Hamilton's and livedag's own classes;
  for a user's class read from its body (through its bases) when `name()` just returns a
  string, and otherwise unknown (the rule reports LD008 rather than guess).

Only names are decided here, from qualified class names and `TypeRef`s: nothing is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..specs import ClassInfo, TypeRef
from .type_names import ANY, DATAFRAME, SERIES, generic_parts, is_subclass, type_name

REAL = "numbers.Real"
# The frame and column types of the dataframe libraries pandera checks (Hamilton registers one
# pair per loaded extension), and ibis's, by library.
PANDERA_LIBRARIES = ("pandas", "polars", "dask", "pyspark.pandas")


def frame(library: str) -> str:
    return DATAFRAME if library == "pandas" else f"{library}:frame"


def column(library: str) -> str:
    return SERIES if library == "pandas" else f"{library}:column"


@dataclass(frozen=True)
class ValidatorClass:
    """One validator class, as far as naming its node needs: the keyword it answers to, the
    types it applies to (canonical names, see `type_family`) and its `name()` when it has one
    of its own instead of `BaseDefaultValidator`'s."""

    qualified: str
    arg: str
    applies_to: tuple[str, ...]
    own_name: str | None = None
    obj: Any = field(default=None, compare=False)  # the live class (runtime front end only)

    @property
    def name(self) -> str:
        return self.own_name or f"{self.arg}_validator"

    def applies(self, family: str) -> bool:
        return any(is_subclass(family, kind) for kind in self.applies_to)


_DQ = "hamilton.data_quality.default_validators"
# Hamilton's `AVAILABLE_DEFAULT_VALIDATORS`, in its order, then what its plugins append.
DEFAULT_VALIDATORS: tuple[ValidatorClass, ...] = (
    ValidatorClass(f"{_DQ}.AllowNaNsValidatorPandasSeries", "allow_nans", (SERIES,)),
    ValidatorClass(f"{_DQ}.DataInRangeValidatorPandasSeries", "range", (SERIES,)),
    ValidatorClass(f"{_DQ}.DataInRangeValidatorPrimitives", "range", (REAL,)),
    ValidatorClass(f"{_DQ}.DataInValuesValidatorPandasSeries", "values_in", (SERIES,)),
    ValidatorClass(f"{_DQ}.DataInValuesValidatorPrimitives", "values_in", (REAL, "str")),
    ValidatorClass(f"{_DQ}.DataTypeValidatorPandasSeries", "data_type", (SERIES,)),
    ValidatorClass(f"{_DQ}.DataTypeValidatorPrimitives", "data_type", (REAL, "str", "bool")),
    ValidatorClass(f"{_DQ}.MaxFractionNansValidatorPandasSeries", "max_fraction_nans", (SERIES,)),
    ValidatorClass(f"{_DQ}.MaxStandardDevValidatorPandasSeries", "max_standard_dev", (SERIES,)),
    ValidatorClass(f"{_DQ}.MeanInRangeValidatorPandasSeries", "mean_in_range", (SERIES,)),
    ValidatorClass(f"{_DQ}.AllowNoneValidator", "allow_none", (ANY,)),
    ValidatorClass(f"{_DQ}.StrContainsValidator", "contains", ("str",)),
    ValidatorClass(f"{_DQ}.StrDoesNotContainValidator", "does_not_contain", ("str",)),
    ValidatorClass(
        "hamilton.data_quality.pandera_validators.PanderaDataFrameValidator",
        "schema",
        tuple(frame(lib) for lib in PANDERA_LIBRARIES),
        "pandera_schema_validator",
    ),
    ValidatorClass(
        "hamilton.data_quality.pandera_validators.PanderaSeriesSchemaValidator",
        "schema",
        tuple(column(lib) for lib in PANDERA_LIBRARIES),
        "pandera_schema_validator",
    ),
    ValidatorClass(
        "hamilton.plugins.ibis_extensions.SchemaValidatorIbis", "schema", ("ibis:frame",)
    ),
    # Applies to dict and to pydantic models; a model class is a type we cannot name here, so
    # only a known type that is not a dict is ruled out.
    ValidatorClass(
        "hamilton.plugins.pydantic_extensions.PydanticModelValidator",
        "model",
        ("dict",),
        "pydantic_validator",
    ),
)
# livedag's runtime counterparts, for users who pass them to @check_output_custom.
_LD = "livedag.engine.validators"
LIVEDAG_VALIDATORS: tuple[ValidatorClass, ...] = (
    ValidatorClass(f"{_LD}.RangeValidator", "range", (SERIES, REAL)),
    ValidatorClass(f"{_LD}.ValuesInValidator", "values_in", (SERIES, REAL, "str")),
    ValidatorClass(f"{_LD}.DataTypeValidator", "data_type", (SERIES, REAL, "str", "bool")),
    ValidatorClass(f"{_LD}.MaxFractionNansValidator", "max_fraction_nans", (SERIES,)),
    ValidatorClass(f"{_LD}.AllowNansValidator", "allow_nans", (SERIES,)),
    ValidatorClass(f"{_LD}.MaxStandardDevValidator", "max_standard_dev", (SERIES,)),
    ValidatorClass(f"{_LD}.MeanInRangeValidator", "mean_in_range", (SERIES,)),
    ValidatorClass(f"{_LD}.AllowNoneValidator", "allow_none", (ANY,)),
    ValidatorClass(f"{_LD}.ContainsValidator", "contains", ("str",)),
    ValidatorClass(f"{_LD}.DoesNotContainValidator", "does_not_contain", ("str",)),
    ValidatorClass(
        f"{_LD}.SchemaValidator",
        "schema",
        tuple(k for lib in PANDERA_LIBRARIES for k in (frame(lib), column(lib))),
        "pandera_schema_validator",
    ),
    ValidatorClass(f"{_LD}.ModelValidator", "model", ("dict",), "pydantic_validator"),
)
KNOWN_CLASSES: dict[str, ValidatorClass] = {
    c.qualified: c for c in (*DEFAULT_VALIDATORS, *LIVEDAG_VALIDATORS)
}
CHECK_ARGS: frozenset[str] = frozenset(c.arg for c in DEFAULT_VALIDATORS)
# Base classes whose `name()` is abstract, and the one whose `name()` is `<arg()>_validator`.
_ABSTRACT_BASES = frozenset(
    f"{m}.{c}"
    for m in ("hamilton.data_quality.base", _LD)
    for c in ("DataValidator", "AsyncDataValidator")
)
_ARG_NAMED_BASES = frozenset(
    f"{m}.{c}"
    for m in ("hamilton.data_quality.base", _LD)
    for c in ("BaseDefaultValidator", "AsyncBaseDefaultValidator")
)

_FRAME_NAMES = {"DataFrame": "frame", "Table": "frame", "Series": "column", "Column": "column"}
_LIBRARY_PREFIXES: tuple[tuple[str, str], ...] = (
    ("pyspark.pandas.", "pyspark.pandas"),
    ("polars.", "polars"),
    ("dask.", "dask"),
    ("ibis.", "ibis"),
)


def type_family(ref: TypeRef | None) -> str | None:
    """What choosing a validator needs of a node's type: a canonical name (`type_names`), or
    `<library>:frame` / `<library>:column` for another dataframe library's types; None when it
    cannot be told."""
    found = type_name(ref)
    if found is not None or ref is None:
        return found
    for text in (ref.qualified, ref.text):
        if not text:
            continue
        head, _ = generic_parts(text)
        kind = _FRAME_NAMES.get(head.rpartition(".")[2])
        for prefix, library in _LIBRARY_PREFIXES:
            if kind is not None and head.startswith(prefix):
                return f"{library}:{kind}"
    return None


class NoCheck(Exception):
    """No validator answers to this keyword for this type (Hamilton refuses it)."""


def default_check(
    arg: str, ref: TypeRef | None, candidates: Sequence[ValidatorClass] = DEFAULT_VALIDATORS
) -> ValidatorClass | None:
    """The validator `@check_output(<arg>=...)` makes for a node typed `ref`; when the type
    cannot be told, the first that answers if all that answer share its name, else None (the
    name depends on the type).  Raises NoCheck when none answers."""
    answering = [c for c in candidates if c.arg == arg]
    if not answering:
        raise NoCheck(f"there is no check named {arg!r}")
    family = type_family(ref)
    if family is None:
        return answering[0] if len({c.name for c in answering}) == 1 else None
    for validator in answering:
        if validator.applies(family):
            return validator
    kinds = sorted({k for c in answering for k in c.applies_to})
    raise NoCheck(f"check {arg!r} does not apply to type {ref}; it applies to {', '.join(kinds)}")


def checks_for(ref: TypeRef | None) -> list[str]:
    """The keywords that have a check for a node typed `ref` (for error messages)."""
    family = type_family(ref)
    return sorted({c.arg for c in DEFAULT_VALIDATORS if family and c.applies(family)})


def custom_check_name(qualified: str | None, info: ClassInfo | None) -> str | None:
    """`v.name()` of a validator object `v` of the class named `qualified` (or read as `info`),
    or None when it cannot be known without running code."""
    if info is None:
        known = KNOWN_CLASSES.get(qualified or "")
        return known.name if known is not None else None
    order = info.mro()
    if order is None:
        return None
    name = _resolve(order, "name")
    if name is not _ARG_NAMED:
        return name if isinstance(name, str) else None
    arg = _resolve(order, "arg")
    return f"{arg}_validator" if isinstance(arg, str) else None


_ARG_NAMED = object()  # `name()` is `BaseDefaultValidator`'s: `<arg()>_validator`


def _resolve(order: Sequence[ClassInfo | str], method: str) -> object:
    """What `method` returns, found along the MRO: a string, `_ARG_NAMED`, or None (unknown)."""
    for cls in order:
        if isinstance(cls, ClassInfo):
            defined, value = cls.method(method)
            if defined:
                return value if isinstance(value, str) else None
            continue
        known = KNOWN_CLASSES.get(cls)
        if known is not None:
            if method == "arg":
                return known.arg
            return known.own_name or _ARG_NAMED
        if cls in _ARG_NAMED_BASES:
            return _ARG_NAMED if method == "name" else None
        if cls in _ABSTRACT_BASES or cls in ("builtins.object", "object", "abc.ABC"):
            continue  # defines no `name()` / `arg()` a subclass would inherit
        return None  # a class we cannot see into may define it
    return None
