#!/usr/bin/env bash
# Set up a fresh machine and run the main job: the bundled example dataflow, end to end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
.venv/bin/python examples/run.py "$@"
