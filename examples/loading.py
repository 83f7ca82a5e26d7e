"""Raw data: customers from the CRM export, product events from the event stream."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from livedag.engine.function_modifiers import extract_columns, tag


@tag(source="crm_db", owner="data-eng", importance="high", target_=...)
@tag(PII="true", target_="email")
@extract_columns("customer_id", "age", "email", "country", "plan", "tenure_months")
def customers(data_dir: str) -> pd.DataFrame:
    """One row per customer, as exported from the CRM."""
    return pd.read_csv(Path(data_dir) / "customers.csv")


@tag(source="event_stream", owner="data-eng")
def events(data_dir: str) -> pd.DataFrame:
    """One row per session: which customer, which day, how long."""
    frame = pd.read_csv(Path(data_dir) / "events.csv", parse_dates=["day"])
    return frame
