"""The bundled example's driver: train the churn model, then answer four lineage questions.

python examples/run.py                 # global markets
python examples/run.py --region eu     # the @config.when(region="eu") variant
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import aggregations  # noqa: E402
import dataset  # noqa: E402
import features  # noqa: E402
import loading  # noqa: E402
import model  # noqa: E402
from livedag.engine import base, driver  # noqa: E402


def build(region: str, adapter: Any = None) -> driver.Driver:
    """The example's driver; `adapter` replaces the dict result (examples/dask_run.py)."""
    return (
        driver.Builder()
        .with_modules(loading, features, aggregations, dataset, model)
        .with_config({"region": region})
        .with_adapters(adapter or base.DictResult())
        .build()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="global", help="config value for @config.when")
    args = parser.parse_args(argv)

    dr = build(args.region)
    results = dr.execute(
        ["churn_scores", "model_accuracy", "churn_model"],
        inputs={"data_dir": str(HERE / "data")},
    )
    scores = results["churn_scores"]
    print(f"Trained on {len(scores)} customers (region={args.region}).")
    print(f"Accuracy at 0.5: {results['model_accuracy']:.2%}")
    print(f"Highest churn risk: customer {scores.idxmax()} ({scores.max():.2f})")

    print("\n1. What produced the churn_scores artifact?")
    upstream = dr.what_is_upstream_of("churn_scores")
    print("  ", ", ".join(sorted(v.name for v in upstream)))

    print("\n2. Which sources and owners feed it?")
    sources = sorted({v.tags["source"] for v in upstream if "source" in v.tags})
    owners = sorted({v.tags["owner"] for v in upstream if "owner" in v.tags})
    print(f"   sources: {', '.join(sources)}; owners: {', '.join(owners)}")

    print("\n3. What is downstream of the event_stream source?")
    event_nodes = [
        v.name for v in dr.list_available_variables() if v.tags.get("source") == "event_stream"
    ]
    downstream = dr.what_is_downstream_of(*event_nodes)
    print("  ", ", ".join(sorted(v.name for v in downstream)))

    print("\n4. Which artifacts does PII end up in?")
    for var in dr.list_available_variables():
        if var.tags.get("PII") == "true":
            reached = [
                v.tags["artifact"]
                for v in dr.what_is_downstream_of(var.name)
                if "artifact" in v.tags
            ]
            print(f"   {var.name} -> {', '.join(sorted(reached)) or 'no artifact'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
