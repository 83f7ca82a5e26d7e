"""Event-stream aggregates, one value per customer."""

from __future__ import annotations

import pandas as pd
from livedag.engine.function_modifiers import tag


@tag(owner="analytics")
def sessions_per_customer(events: pd.DataFrame, customer_id: pd.Series) -> pd.Series:
    """How many sessions each customer had (0 for none)."""
    counts = events.groupby("customer_id").size()
    return customer_id.map(counts).fillna(0).astype(float)


@tag(owner="analytics")
def minutes_per_customer(events: pd.DataFrame, customer_id: pd.Series) -> pd.Series:
    """Total session minutes per customer."""
    minutes = events.groupby("customer_id")["session_minutes"].sum()
    return customer_id.map(minutes).fillna(0.0)


@tag(owner="analytics")
def days_since_last_session(
    events: pd.DataFrame, customer_id: pd.Series, as_of: str = "2026-05-01"
) -> pd.Series:
    """Days between the customer's last session and `as_of` (999 when never seen)."""
    last = events.groupby("customer_id")["day"].max()
    delta = (pd.Timestamp(as_of) - customer_id.map(last)).dt.days
    return delta.fillna(999).astype(float)
