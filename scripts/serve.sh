#!/usr/bin/env bash
# `make run`: starts `tributary serve` on the embedded store in the foreground,
# after printing how to reach it with a fresh admin key.
set -euo pipefail
BIN=${1:-build/tributary}
DATA_DIR=${TRIBUTARY_DATA_DIR:-./tributary-data}
HOST=${TRIBUTARY_HOST:-127.0.0.1}
PORT=${TRIBUTARY_PORT:-8000}
mkdir -p "$DATA_DIR"
if [ -z "${TRIBUTARY_API_KEYS:-}" ]; then
  KEY=$("$BIN" --data-dir "$DATA_DIR" keys create --tenant default --admin 2>/dev/null)
  cat <<MSG
== tributary serve on http://$HOST:$PORT (store: $DATA_DIR)
   A new admin key for tenant 'default' (shown once; only its hash is stored):

     export KEY=$KEY

   Try:
     curl -s -X POST "http://localhost:$PORT/api/v1/datasets/sample/import" \\
       -H "Authorization: ApiKey \$KEY" -F "file=@data/sample.csv" -F "format=csv"
     curl -s -H "Authorization: ApiKey \$KEY" http://localhost:$PORT/api/v1/import
     curl -s -H "Authorization: ApiKey \$KEY" http://localhost:$PORT/api/v1/openapi.json

   Ctrl-C stops the server; running jobs resume at the next start.
MSG
fi
exec "$BIN" --data-dir "$DATA_DIR" serve --host "$HOST" --port "$PORT"
