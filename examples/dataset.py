"""The modelling table: features and the label, one row per customer."""

from __future__ import annotations

import pandas as pd
from livedag.engine.function_modifiers import tag


@tag(owner="data-science")
def churned(days_since_last_session: pd.Series) -> pd.Series:
    """The label: no session in the last 60 days."""
    return (days_since_last_session > 60).astype(int)


@tag(owner="data-science", artifact="training_set", importance="high")
def training_set(
    customer_id: pd.Series,
    age_normalized: pd.Series,
    is_free_email: pd.Series,
    is_paying: pd.Series,
    tenure_months: pd.Series,
    sessions_per_customer: pd.Series,
    minutes_per_customer: pd.Series,
    country_weight: pd.Series,
    churned: pd.Series,
) -> pd.DataFrame:
    """Everything the model trains on, indexed by customer."""
    return pd.DataFrame(
        {
            "age_normalized": age_normalized,
            "is_free_email": is_free_email,
            "is_paying": is_paying,
            "tenure_months": tenure_months.astype(float),
            "sessions": sessions_per_customer,
            "minutes": minutes_per_customer,
            "weight": country_weight,
            "churned": churned,
        }
    ).set_index(customer_id)
