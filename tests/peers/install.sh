#!/usr/bin/env bash
# Installs the test peers (DuckDB's Node API and hyparquet) from the npm
# registry into tests/peers/node_modules, once. Prints nothing when present.
# Tests run in parallel and each may call this: a lock serialises them, and a
# marker written after a complete, importable install tells the later ones
# it is done. A tree left without the marker (an interrupted install) is
# removed and installed again.
set -euo pipefail
cd "$(dirname "$0")"
marker=node_modules/.tributary-installed
[ -f "$marker" ] && exit 0
exec 9>.install.lock
flock 9
[ -f "$marker" ] && exit 0
command -v npm >/dev/null || { echo "npm is not installed" >&2; exit 1; }
rm -rf node_modules
# npm ci refuses this lock file (it lists platform-specific optional
# packages of @duckdb/node-bindings only for the platforms npm saw), so
# install from package.json with the lock as a guide.
npm install --no-audit --no-fund --silent
node --input-type=module -e "
  await import('@duckdb/node-api');
  await import('hyparquet');
  await import('hyparquet-compressors');
" || { echo "the test peers did not install completely" >&2; exit 1; }
touch "$marker"
