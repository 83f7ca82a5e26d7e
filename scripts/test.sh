#!/usr/bin/env bash
# Set up a fresh machine and run the whole test suite: lint, types, Python tests, editor tests.
# This is the README's test command and what CI (.ci/run) runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/system-deps.sh

echo "== ruff"
.venv/bin/ruff check engine server tests examples bench
.venv/bin/ruff format --check engine server tests examples bench
echo "== mypy"
bash scripts/typecheck.sh

echo "== pytest"
# Every test, the slow ones too (the inner loop while editing is `pytest -m "not slow"`).
# pytest exits 5 when it collected no test: that is a failure here, as is any other non-zero code.
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"

if [ -f scripts/test-vscode.sh ]; then
  echo "== vscode-client"
  bash scripts/test-vscode.sh
fi
