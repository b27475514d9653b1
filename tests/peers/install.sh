#!/usr/bin/env bash
# Installs the test peers (DuckDB's Node API and hyparquet) from the npm
# registry into tests/peers/node_modules, once. Prints nothing when present.
# Tests run in parallel and each may call this: a lock serialises them, and a
# marker written after a complete install tells the later ones it is done.
set -euo pipefail
cd "$(dirname "$0")"
marker=node_modules/.tributary-installed
[ -f "$marker" ] && exit 0
exec 9>.install.lock
flock 9
[ -f "$marker" ] && exit 0
command -v npm >/dev/null || { echo "npm is not installed" >&2; exit 1; }
npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent
[ -d node_modules/@duckdb/node-api ] && [ -d node_modules/hyparquet ] && [ -d node_modules/hyparquet-compressors ]
touch "$marker"
