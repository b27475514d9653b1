#!/usr/bin/env bash
# Installs the test peers (DuckDB's Node API and hyparquet) from the npm
# registry into tests/peers/node_modules, once. Prints nothing when present.
set -euo pipefail
cd "$(dirname "$0")"
if [ -d node_modules/@duckdb/node-api ] && [ -d node_modules/hyparquet ] && [ -d node_modules/hyparquet-compressors ]; then exit 0; fi
command -v npm >/dev/null || { echo "npm is not installed" >&2; exit 1; }
npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent
