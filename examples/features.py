"""Per-customer features for the churn model."""

from __future__ import annotations

import pandas as pd
from livedag.engine.function_modifiers import check_output, config, tag


def age_mean(age: pd.Series) -> float:
    """Mean customer age."""
    return float(age.mean())


def age_stddev(age: pd.Series) -> float:
    """Standard deviation of customer age."""
    return float(age.std())


@check_output(range=(-5.0, 5.0), importance="warn")
@tag(owner="data-science")
def age_normalized(age: pd.Series, age_mean: float, age_stddev: float) -> pd.Series:
    """Zero mean unit variance age."""
    return (age - age_mean) / age_stddev


@tag(owner="data-science", PII="true")
def email_domain(email: pd.Series) -> pd.Series:
    """The part of the e-mail address after the @."""
    return email.str.split("@").str[1]


@tag(owner="data-science")
def is_free_email(email_domain: pd.Series) -> pd.Series:
    """1 for addresses at a free mail provider."""
    return email_domain.isin(["gmail.com", "yahoo.com", "outlook.com"]).astype(int)


@tag(owner="data-science")
def is_paying(plan: pd.Series) -> pd.Series:
    """1 for customers on a paid plan."""
    return (plan != "free").astype(int)


@config.when(region="eu")
def country_weight__eu(country: pd.Series) -> pd.Series:
    """EU markets weigh double: the model is tuned for them."""
    return country.isin(["DE", "FR", "ES"]).astype(float) + 1.0


@config.when_not(region="eu")
def country_weight__global(country: pd.Series) -> pd.Series:
    """Every market weighs the same."""
    return pd.Series(1.0, index=country.index)
