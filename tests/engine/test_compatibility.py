"""Runtime type compatibility (LD004) held against apache-hamilton's own `types_match`."""

from __future__ import annotations

import typing
from typing import Any, Optional, TypeVar, Union

import pandas as pd
import pytest
from hamilton import htypes
from livedag.engine.compatibility import runtime_types_match, types_compatible
from livedag.engine.introspect import type_ref

T = TypeVar("T")


class Base:
    pass


class Child(Base):
    pass


PAIRS: list[tuple[Any, Any]] = [
    (int, int),
    (bool, int),
    (int, float),
    (int, str),
    (Child, Base),
    (Base, Child),
    (Optional[int], int),  # noqa: UP045  (the typing spelling is the point)
    (int, Optional[int]),  # noqa: UP045
    (int, int | None),
    (int, Union[int, str]),  # noqa: UP007
    (list[int], list),
    (list, list[int]),
    (typing.List[int], list[int]),  # noqa: UP006
    (dict[str, int], dict[str, float]),
    (dict[str, int], dict[str, int]),
    (pd.Series, pd.DataFrame),
    (pd.Series, pd.Series),
    (pd.Series, Any),
    (Any, int),
    (pd.DataFrame, object),
    (htypes.Parallelizable[int], int),
    (int, htypes.Collect[int]),
    (T, T),
    (T, int),
    (pd.Series, typing.Annotated[pd.Series, int]),
]


@pytest.mark.parametrize(("produced", "requested"), PAIRS, ids=[repr(p) for p in PAIRS])
def test_runtime_check_agrees_with_hamilton(produced: Any, requested: Any) -> None:
    theirs = htypes.types_match(param_type=requested, required_node_type=produced)
    assert runtime_types_match(produced, requested) == theirs


def test_annotated_producer_is_accepted_where_hamilton_is_stricter() -> None:
    """Looking through Annotated on the producer side too is a deliberate leniency."""
    produced = typing.Annotated[pd.Series, int]
    assert runtime_types_match(produced, pd.Series)


def test_type_refs_use_the_runtime_check_when_both_types_are_live() -> None:
    assert types_compatible(type_ref(bool), type_ref(int))
    assert not types_compatible(type_ref(pd.Series), type_ref(pd.DataFrame))
    assert types_compatible(None, type_ref(int))
