"""Regenerate the example's small CSV files (deterministic; the outputs are committed)."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).parent
COUNTRIES = ["DE", "FR", "US", "GB", "ES", "BR", "IN"]
PLANS = ["free", "basic", "pro"]
DOMAINS = ["gmail.com", "yahoo.com", "acme.io", "example.org", "outlook.com"]


def _write_csvs() -> None:
    rng = random.Random(7)
    start = date(2026, 1, 1)
    with open(HERE / "customers.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["customer_id", "age", "email", "country", "plan", "tenure_months"])
        for cid in range(1, 201):
            out.writerow(
                [
                    cid,
                    rng.randint(18, 75),
                    f"user{cid}@{rng.choice(DOMAINS)}",
                    rng.choice(COUNTRIES),
                    rng.choices(PLANS, weights=[5, 3, 2])[0],
                    rng.randint(1, 60),
                ]
            )
    with open(HERE / "events.csv", "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["customer_id", "day", "session_minutes"])
        for cid in range(1, 201):
            for _ in range(rng.randint(0, 12)):
                day = start + timedelta(days=rng.randint(0, 120))
                out.writerow([cid, day.isoformat(), round(rng.uniform(1, 90), 1)])


if __name__ == "__main__":
    _write_csvs()
