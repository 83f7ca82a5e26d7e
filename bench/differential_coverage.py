"""Which decorators the differential fixtures exercise, and how many nodes agree three ways.

    .venv/bin/python bench/differential_coverage.py

For every fixture module and config: Hamilton's nodes, livedag's runtime nodes and livedag's static
nodes are compared (names, dependencies, user tags); the decorators are read from the static
FunctionSpecs, so the list is what the analyzer recognised, not what the file's text mentions.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests package: its oracle, and the fixtures it imports

from livedag.server.analyzer import analyze_source  # noqa: E402

from tests.oracle import (  # noqa: E402
    fixture_configs,
    fixture_paths,
    hamilton_nodes,
    runtime_nodes,
)
from tests.test_differential_static import static_nodes  # noqa: E402


def decorators_in(path: Path) -> set[str]:
    analysis = analyze_source(path.read_text(), module=path.stem, path=str(path))
    names: set[str] = set()
    for spec in analysis.functions:
        for call in spec.decorators:
            if call.known:
                names.add(call.name)
                names.update(m.name for m in call.args if hasattr(m, "methods") and m.known)
    return names


def main() -> int:
    used: Counter[str] = Counter()
    cases = agree = nodes = 0
    disagreements = []
    for path in fixture_paths():
        used.update(decorators_in(path))
        for config in fixture_configs(path):
            cases += 1
            expected = hamilton_nodes(path, config)
            runtime = runtime_nodes(path, config)
            static = static_nodes(path, config)
            nodes += len(expected)
            if expected == runtime == static:
                agree += len(expected)
            else:
                disagreements.append(f"{path.stem} {config}")
    print(f"fixtures: {len(fixture_paths())}, fixture x config cases: {cases}")
    print(f"Hamilton nodes: {nodes}; equal in runtime and static graphs: {agree}")
    for case in disagreements:
        print(f"  differs: {case}")
    print("decorators exercised (fixture files using each):")
    for name, count in sorted(used.items()):
        print(f"  {name}: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
