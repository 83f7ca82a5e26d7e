#!/usr/bin/env bash
# mypy over livedag as Python imports it: `livedag.engine` and `livedag.server`.
#
# The folders engine/ and server/ install as livedag.engine and livedag.server through setuptools'
# package-dir mapping, and the editable install reaches them through an import hook that mypy
# cannot follow. Checked as plain folders, every `from livedag.engine import ...` in server code
# would be Any to mypy, and a type mistake across the boundary would pass. So the check runs over
# a tree of links, .typecheck/livedag/{engine,server} (made here, git-ignored), with error paths
# mapped back to the real files.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .typecheck/livedag
ln -sfn ../../engine .typecheck/livedag/engine
ln -sfn ../../server .typecheck/livedag/server
status=0
.venv/bin/mypy "$@" > .typecheck/report.txt 2>&1 || status=$?
sed 's#^\.typecheck/livedag/##' .typecheck/report.txt
exit "$status"
