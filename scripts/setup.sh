#!/usr/bin/env bash
# Create .venv (if missing) and install livedag editable with its test dependencies.
# Run by scripts/example.sh and scripts/test.sh; safe to run again.  pip's output goes to
# .venv/setup.log and is shown only when something fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
log=.venv/setup.log
if ! {
  .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip &&
    .venv/bin/python -m pip install --disable-pip-version-check -e ".[test]"
} >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "setup failed: the full pip log is in $log" >&2
  exit 1
fi
echo "livedag installed in .venv ($(.venv/bin/livedag --version))"
