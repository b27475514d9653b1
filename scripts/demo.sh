#!/usr/bin/env bash
# The main job on the embedded default store: import the sample file, show the
# collection, export it filtered and whole, and check the round trip.
set -euo pipefail
BIN=${1:-build/tributary}
DATA_DIR=${TRIBUTARY_DATA_DIR:-./tributary-data}
OUT=${DEMO_OUT:-./tributary-data/demo-out}
mkdir -p "$OUT"

echo "== import data/sample.csv into collection 'sample' (store: $DATA_DIR)"
"$BIN" --data-dir "$DATA_DIR" import-data --collection sample --input-file data/sample.csv --mode upsert
echo
"$BIN" --data-dir "$DATA_DIR" collections show sample
echo
echo "== export the English chunks as JSONL"
"$BIN" --data-dir "$DATA_DIR" export --collection sample --filter '{"language": "en", "metadata.rating": {"$gte": 4}}' \
  --output-file "$OUT/sample-en.jsonl"
cat "$OUT/sample-en.jsonl"
echo
echo "== export everything as CSV, import it into a second collection, compare"
"$BIN" --data-dir "$DATA_DIR" export --collection sample --output-file "$OUT/sample.csv"
"$BIN" --data-dir "$DATA_DIR" import-data --collection sample-copy --input-file "$OUT/sample.csv" --mode upsert --quiet
"$BIN" --data-dir "$DATA_DIR" export --collection sample-copy --output-file "$OUT/sample-copy.csv" --quiet
if cmp -s "$OUT/sample.csv" "$OUT/sample-copy.csv"; then
  echo "round trip: identical ($(wc -l < "$OUT/sample.csv") lines)"
else
  echo "round trip: files differ" >&2
  exit 1
fi
echo
"$BIN" --data-dir "$DATA_DIR" status
