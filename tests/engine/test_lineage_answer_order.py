"""Lineage answers list their nodes in the order Hamilton's do (its documented "unsorted" order:
a depth-first traversal collected in a set), so a script that prints them reads the same."""

from __future__ import annotations

import itertools
import types
from collections.abc import Callable

from hamilton import driver as hamilton_driver
from livedag.engine import driver

FLOW = """
import pandas as pd

def raw(path: str) -> pd.DataFrame:
    return pd.DataFrame()

def clean(raw: pd.DataFrame, threshold: float) -> pd.DataFrame:
    return raw

def encoders(raw: pd.DataFrame) -> dict:
    return {}

def features(clean: pd.DataFrame, encoders: dict) -> pd.DataFrame:
    return clean

def labels(raw: pd.DataFrame) -> pd.Series:
    return raw.iloc[:, 0]

def training_set(features: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    return features

def model(training_set: pd.DataFrame, seed: int = 3) -> object:
    return object()

def report(model: object, encoders: dict, clean: pd.DataFrame) -> str:
    return ""

def unrelated(other_input: int) -> int:
    return other_input
"""


def test_upstream_downstream_and_paths_list_nodes_as_hamilton_does(
    make_module: Callable[[str], types.ModuleType],
) -> None:
    module = make_module(FLOW)
    ours = driver.Builder().with_modules(module).build()
    theirs = hamilton_driver.Builder().with_modules(module).build()
    names = [v.name for v in theirs.list_available_variables()]
    assert {v.name for v in ours.list_available_variables()} == set(names)

    def listed(answer: list) -> list[str]:
        return [v.name for v in answer]

    for name in names:
        assert listed(ours.what_is_upstream_of(name)) == listed(theirs.what_is_upstream_of(name))
        assert listed(ours.what_is_downstream_of(name)) == listed(
            theirs.what_is_downstream_of(name)
        )
    for pair in [("raw", "report"), ("encoders", "report"), ("clean", "training_set")]:
        assert listed(ours.what_is_upstream_of(*pair)) == listed(theirs.what_is_upstream_of(*pair))
    for up, down in itertools.permutations(["raw", "clean", "encoders", "model", "report"], 2):
        assert listed(ours.what_is_the_path_between(up, down)) == listed(
            theirs.what_is_the_path_between(up, down)
        ), (up, down)
