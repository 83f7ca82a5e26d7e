"""A small logistic-regression churn model (numpy only) and what it produces."""

from __future__ import annotations

import numpy as np
import pandas as pd
from livedag.engine.function_modifiers import tag

FEATURES = ["age_normalized", "is_free_email", "is_paying", "tenure_months", "sessions", "minutes"]


def _design(frame: pd.DataFrame) -> np.ndarray:
    x = frame[FEATURES].to_numpy(dtype=float)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)
    return np.hstack([np.ones((len(x), 1)), x])


@tag(owner="data-science", artifact="churn_model", importance="production")
def churn_model(training_set: pd.DataFrame, learning_rate: float = 0.1) -> dict:
    """Weights fitted by weighted gradient descent on the log loss."""
    x = _design(training_set)
    y = training_set["churned"].to_numpy(dtype=float)
    w = training_set["weight"].to_numpy(dtype=float)
    beta = np.zeros(x.shape[1])
    for _ in range(300):
        p = 1.0 / (1.0 + np.exp(-x @ beta))
        beta -= learning_rate * x.T @ (w * (p - y)) / w.sum()
    return {"features": FEATURES, "coefficients": beta.tolist()}


@tag(owner="data-science", artifact="churn_scores")
def churn_scores(churn_model: dict, training_set: pd.DataFrame) -> pd.Series:
    """Probability of churn per customer."""
    beta = np.asarray(churn_model["coefficients"])
    scores = 1.0 / (1.0 + np.exp(-_design(training_set) @ beta))
    return pd.Series(scores, index=training_set.index, name="churn_score")


@tag(owner="data-science", artifact="model_report")
def model_accuracy(churn_scores: pd.Series, training_set: pd.DataFrame) -> float:
    """Share of customers the model classifies right at a 0.5 threshold."""
    predicted = (churn_scores > 0.5).astype(int)
    return float((predicted == training_set["churned"]).mean())
