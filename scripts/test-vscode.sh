#!/usr/bin/env bash
# Build, test and package the VS Code extension, then run the packaged .vsix in a real VS Code
# (code-server 4.100.3 = VS Code 1.100.3) driven from headless Chromium. Called by scripts/test.sh.
#   unit tests (Node test runner) -> .vsix (npm run package) -> webview page in Chromium -> e2e
# Screenshots go to test-artifacts/. LIVEDAG_E2E=editing runs only test/e2e/editing.test.ts of the
# e2e files (each starts its own code-server; one at a time). Needs chromium (scripts/system-deps.sh) and the repo's .venv
# with livedag installed (scripts/setup.sh); installs everything else itself.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
client="$repo/vscode-client"
export LIVEDAG_ARTIFACTS=${LIVEDAG_ARTIFACTS:-$repo/test-artifacts}
code_server_dir=${LIVEDAG_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/livedag/code-server-4.100.3}
python="$repo/.venv/bin/python"
mkdir -p "$LIVEDAG_ARTIFACTS"

command -v chromium >/dev/null || { echo "chromium is missing: run scripts/system-deps.sh (apt-get install chromium)" >&2; exit 1; }
"$python" -c "import livedag.server.cli" || { echo "livedag is not installed in $python: run scripts/setup.sh" >&2; exit 1; }

# code-server from the npm registry. Its install would download ripgrep from GitHub; @vscode/ripgrep
# first looks in $TMPDIR/vscode-ripgrep-cache-<version>/, so Debian's ripgrep is put there instead.
install_code_server() {
  local dir=$1 need=() tmp v
  command -v rg >/dev/null || need+=(ripgrep)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
  if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "install ${need[*]} (apt-get) first" >&2; return 1; }
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  tmp=$(mktemp -d)
  cp "$(command -v rg)" "$tmp/rg" && tar -C "$tmp" -czf "$tmp/rg.tgz" rg
  for v in 1.15.9 1.15.10 1.15.11 1.15.12 1.15.13 1.15.14 1.16.0 1.16.1; do
    mkdir -p "${TMPDIR:-/tmp}/vscode-ripgrep-cache-$v"
    cp "$tmp/rg.tgz" "${TMPDIR:-/tmp}/vscode-ripgrep-cache-$v/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  done
  command -v node-gyp >/dev/null || npm install -g --no-audit --no-fund node-gyp@12.4.0 >/dev/null
  mkdir -p "$dir"
  ( cd "$dir" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund code-server@4.100.3 >install.log 2>&1 ) \
    || { tail -n 20 "$dir/install.log" >&2; return 1; }
}

cd "$client"
echo "-- npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "-- build (tsc --noEmit, esbuild)"
npm run --silent build
node esbuild.mjs --tests

mkdir -p out/results
status=0
suite() {  # suite NAME PATH...: node's test runner, spec output here, TAP kept for the summary
  local name=$1; shift
  echo "-- $name"
  node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="out/results/$name.tap" "$@" || status=1
}

suite unit out/test/unit/
# livedag graph --format html ships the page built from this client: say when the committed copy is stale
node esbuild.mjs --production
node scripts/build-page.mjs --out out/graph.html >/dev/null
cmp -s out/graph.html ../server/output/page/graph.html ||
  echo "note: server/output/page/graph.html is older than the page; run: cd vscode-client && node esbuild.mjs --production && node scripts/build-page.mjs"
echo "-- package"
npm run --silent package
vsix="$client/livedag.vsix"
suite webview out/test/webview/

e2e_files() {  # the e2e test files to run: all, or those named in $LIVEDAG_E2E (space-separated)
  if [ -z "${LIVEDAG_E2E:-}" ]; then echo out/test/e2e/*.test.js; return; fi
  local name
  for name in $LIVEDAG_E2E; do
    [ -f "out/test/e2e/$name.test.js" ] || { echo "LIVEDAG_E2E: no test/e2e/$name.test.ts" >&2; exit 1; }
    echo "out/test/e2e/$name.test.js"
  done
}

if [ ! -x "$code_server_dir/node_modules/.bin/code-server" ]; then
  echo "-- installing code-server 4.100.3 into $code_server_dir"
  install_code_server "$code_server_dir"
fi
# the e2e test expects the nodes the server gives for the example today; a stale fixture is reported
node scripts/record-graph.js --python "$python" --out out/example-graph.json
cmp -s out/example-graph.json test/fixtures/example-graph.json ||
  echo "note: test/fixtures/example-graph.json differs from the server's answer; run: node vscode-client/scripts/record-graph.js"
e2e=$(e2e_files) || exit 1
CODE_SERVER="$code_server_dir/node_modules/.bin/code-server" VSIX="$vsix" LIVEDAG_PYTHON="$python" \
  EXAMPLE_GRAPH="$client/out/example-graph.json" suite e2e $e2e

passed=0; failed=0
for tap in out/results/*.tap; do
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -n 1)
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -n 1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
echo "screenshots: $LIVEDAG_ARTIFACTS"
echo "vscode-client: $passed passed, $failed failed"
exit $status
