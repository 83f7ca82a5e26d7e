"""The dataflow of bench/dask_scale.py: sensor readings → valid ones → energy → per sensor.

Every node but the loader is written once for pandas and Dask (the operations both share); the
loader is picked by config (`engine`: `pandas` or `dask`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from livedag.engine.function_modifiers import config

SENSORS = 1_000


def make_partition(index: int, rows: int) -> pd.DataFrame:
    """One partition of readings, the same for a given index wherever it is made."""
    rng = np.random.default_rng(index)
    return pd.DataFrame(
        {
            "sensor": rng.integers(0, SENSORS, rows),
            "voltage": rng.normal(230.0, 5.0, rows),
            "current": rng.gamma(2.0, 1.5, rows),
            "ok": rng.random(rows) > 0.05,
        }
    )


@config.when(engine="pandas")
def readings__pandas(partitions: int, rows_per_partition: int) -> pd.DataFrame:
    """All partitions, built and concatenated in this process."""
    frames = [make_partition(i, rows_per_partition) for i in range(partitions)]
    return pd.concat(frames, ignore_index=True)


@config.when(engine="dask")
def readings__dask(partitions: int, rows_per_partition: int) -> Any:
    """The same partitions as a lazy Dask DataFrame: each is made on a worker."""
    import dask.dataframe as dd

    return dd.from_map(make_partition, range(partitions), rows=rows_per_partition)


def valid(readings: Any) -> Any:
    """Readings flagged ok, with a plausible voltage."""
    return readings[readings["ok"] & (readings["voltage"] > 200.0)]


def energy(valid: Any) -> Any:
    """Power over a one-second reading, damped by a log for the heavy tail."""
    power = valid["voltage"] * valid["current"]
    return np.log1p(power) * np.sqrt(power)


def energy_per_sensor(valid: Any, energy: Any) -> Any:
    """Mean energy of each sensor.  On Dask, one output partition: the 1,000 means are small, and
    Dask would otherwise shuffle every row to compute them."""
    grouped = valid.assign(energy=energy).groupby("sensor")["energy"]
    return grouped.mean(split_out=1) if hasattr(valid, "npartitions") else grouped.mean()


def total_energy(energy: Any) -> Any:
    return energy.sum()


def valid_rows(valid: Any) -> Any:
    return valid.shape[0]
