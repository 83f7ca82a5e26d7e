"""What a type annotation is, as far as choosing data checks and data adapters needs to know.

Hamilton picks a `@check_output` check or a `load_from`/`save_to` adapter class by the annotated
type.  Both front ends give us the annotation as a `TypeRef` (text as written, qualified name when
resolved); this module reduces it to the handful of type names those choices depend on, without
importing the types themselves.  `None` means "cannot tell" — rules then skip checks that depend on
the type rather than guess.
"""

from __future__ import annotations

from ..specs import TypeRef

DATAFRAME = "pandas.DataFrame"
SERIES = "pandas.Series"
NDARRAY = "numpy.ndarray"
ANY = "typing.Any"
OBJECT = "object"

_CANONICAL: dict[str, str] = {
    "pd.DataFrame": DATAFRAME,
    "pandas.DataFrame": DATAFRAME,
    "pandas.core.frame.DataFrame": DATAFRAME,
    "DataFrame": DATAFRAME,
    "pd.Series": SERIES,
    "pandas.Series": SERIES,
    "pandas.core.series.Series": SERIES,
    "Series": SERIES,
    "np.ndarray": NDARRAY,
    "numpy.ndarray": NDARRAY,
    "ndarray": NDARRAY,
    "Any": ANY,
    "typing.Any": ANY,
    "BytesIO": "io.BytesIO",
    "io.BytesIO": "io.BytesIO",
    "Dict": "dict",
    "typing.Dict": "dict",
    "List": "list",
    "typing.List": "list",
    "Tuple": "tuple",
    "typing.Tuple": "tuple",
}
for _builtin in ("dict", "list", "tuple", "str", "int", "float", "bool", "bytes", "object"):
    _CANONICAL[_builtin] = _builtin
    _CANONICAL[f"builtins.{_builtin}"] = _builtin
for _prefix in ("np", "numpy"):
    for _scalar in ("int8", "int16", "int32", "int64", "float16", "float32", "float64"):
        _CANONICAL[f"{_prefix}.{_scalar}"] = f"numpy.{_scalar}"
    _CANONICAL[f"{_prefix}.bool_"] = "numpy.bool_"

# Each known name with the names it is a subclass of (besides itself and `object`).
_BASES: dict[str, frozenset[str]] = {
    "bool": frozenset({"int", "numbers.Real"}),
    "int": frozenset({"numbers.Real"}),
    "float": frozenset({"numbers.Real"}),
    "numpy.float64": frozenset({"float", "numbers.Real"}),
    **{f"numpy.{s}": frozenset({"numbers.Real"}) for s in ("int8", "int16", "int32", "int64")},
    **{f"numpy.{s}": frozenset({"numbers.Real"}) for s in ("float16", "float32")},
}


def split_top_level(text: str) -> list[str]:
    """`"a, dict[str, int]"` → `["a", "dict[str, int]"]`: commas outside brackets only."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def generic_parts(text: str) -> tuple[str, list[str]]:
    """`"tuple[pd.DataFrame, dict]"` → `("tuple", ["pd.DataFrame", "dict"])`."""
    text = text.strip()
    if "[" not in text or not text.endswith("]"):
        return text, []
    head, _, rest = text.partition("[")
    return head.strip(), split_top_level(rest[:-1])


def canonical(text: str) -> str | None:
    """The canonical name of one annotation written as `text` (its origin for generics)."""
    head, _ = generic_parts(text.strip().strip("'\""))
    return _CANONICAL.get(head)


def union_members(text: str) -> list[str]:
    """The members of `A | B`, `Union[A, B]`, `Optional[A]` (just `[text]` otherwise)."""
    bars = [part.strip() for part in _split_bars(text)]
    if len(bars) > 1:
        return bars
    head, args = generic_parts(text)
    if head in ("Union", "typing.Union"):
        return args
    if head in ("Optional", "typing.Optional"):
        return [*args, "None"]
    return [text]


def _split_bars(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "[("
        depth -= char in "])"
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def type_name(ref: TypeRef | None) -> str | None:
    """The canonical name of an annotation, or None when it is a union or cannot be told."""
    if ref is None:
        return None
    for text in (ref.qualified, ref.text):
        if text and len(union_members(text)) == 1:
            found = canonical(text)
            if found is not None:
                return found
    return None


def is_subclass(name: str, base: str) -> bool:
    """Whether the type named `name` is a subclass of the type named `base`."""
    return name == base or base in (OBJECT, ANY) or base in _BASES.get(name, frozenset())
