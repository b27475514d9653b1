#!/usr/bin/env bash
# Times tributary and DuckDB doing the same work on N synthetic records, in one
# run, and prints medians, ratios and peak memory.
#   bench/run.sh [N] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")"
N=${1:-50000}
ROUNDS=${2:-3}
BIN=../build/tributary
OUT=out
mkdir -p "$OUT"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
[ -d node_modules/@duckdb/node-api ] || npm install --no-audit --no-fund --silent

if [ ! -f "$OUT/records.jsonl" ] || [ "$(cat "$OUT/.n" 2>/dev/null)" != "$N" ]; then
  echo "generating $N records..."
  node gen.mjs "$N" 768 "$OUT"
  echo "$N" > "$OUT/.n"
fi
ls -l "$OUT/records.jsonl" "$OUT/records.csv"

# measure NAME CMD...: runs CMD, appends "NAME seconds peak_kb" to results.
RESULTS="$OUT/results.txt"
: > "$RESULTS"
measure() {
  local name=$1; shift
  sync
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/stderr.txt" || {
    echo "FAILED: $name"; cat "$OUT/stderr.txt"; exit 1; }
  echo "$name $(tail -n 1 "$OUT/time.txt")" >> "$RESULTS"
}

# warm FILE: reads FILE into the page cache, so both sides of an import start
# from the same cache state (exports write with O_DIRECT and leave their file
# uncached, which would otherwise penalise whichever side reads it first).
warm() { cat "$1" > /dev/null; }

for r in $(seq 1 "$ROUNDS"); do
  echo "round $r/$ROUNDS"
  rm -rf "$OUT/trib-jsonl" "$OUT/trib-csv" "$OUT"/duck-*.db* "$OUT"/exp-*
  warm "$OUT/records.jsonl"
  measure trib-import-jsonl $BIN --data-dir "$OUT/trib-jsonl" import-data --collection bench --input-file "$OUT/records.jsonl" --quiet
  warm "$OUT/records.csv"
  measure trib-import-csv $BIN --data-dir "$OUT/trib-csv" import-data --collection bench --input-file "$OUT/records.csv" --quiet
  measure trib-export-jsonl $BIN --data-dir "$OUT/trib-jsonl" export --collection bench --output-file "$OUT/exp-trib.jsonl" --quiet
  measure trib-export-csv $BIN --data-dir "$OUT/trib-jsonl" export --collection bench --output-file "$OUT/exp-trib.csv" --quiet
  warm "$OUT/records.jsonl"
  measure duck-import-jsonl node duckdb.mjs import-jsonl "$OUT/records.jsonl" "$OUT/duck-jsonl.db"
  warm "$OUT/records.csv"
  measure duck-import-csv node duckdb.mjs import-csv "$OUT/records.csv" "$OUT/duck-csv.db"
  measure duck-export-jsonl node duckdb.mjs export-jsonl "$OUT/duck-jsonl.db" "$OUT/exp-duck.jsonl"
  measure duck-export-csv node duckdb.mjs export-csv "$OUT/duck-jsonl.db" "$OUT/exp-duck.csv"
  # Parquet: both sides export the same collection; both import the same file (tributary's export).
  measure trib-export-parquet $BIN --data-dir "$OUT/trib-jsonl" export --collection bench --output-file "$OUT/exp-trib.parquet" --quiet
  measure duck-export-parquet node duckdb.mjs export-parquet "$OUT/duck-jsonl.db" "$OUT/exp-duck.parquet"
  rm -rf "$OUT/trib-parquet"
  warm "$OUT/exp-trib.parquet"
  measure trib-import-parquet $BIN --data-dir "$OUT/trib-parquet" import-data --collection bench --input-file "$OUT/exp-trib.parquet" --quiet
  warm "$OUT/exp-trib.parquet"
  measure duck-import-parquet node duckdb.mjs import-parquet "$OUT/exp-trib.parquet" "$OUT/duck-parquet.db"
done
ls -l "$OUT/exp-trib.parquet" "$OUT/exp-duck.parquet"

node - "$RESULTS" <<'JS'
const fs = require('fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => l.split(' '));
const by = {};
for (const [name, s, kb] of rows) (by[name] ??= []).push([+s, +kb]);
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const targets = { 'import-jsonl': 4, 'import-csv': 6, 'export-jsonl': 8, 'export-csv': 8,
  'import-parquet': 5, 'export-parquet': 5 };
console.log('\noperation      tributary(s)  duckdb(s)  ratio  target  trib peak MB  duck peak MB');
for (const op of Object.keys(targets)) {
  const t = by['trib-' + op], d = by['duck-' + op];
  const ts = med(t.map((x) => x[0])), ds = med(d.map((x) => x[0]));
  const tm = Math.max(...t.map((x) => x[1])) / 1024, dm = Math.max(...d.map((x) => x[1])) / 1024;
  const ratio = ds / ts;
  console.log(`${op.padEnd(14)} ${ts.toFixed(2).padStart(12)} ${ds.toFixed(2).padStart(10)} ${ratio.toFixed(2).padStart(6)}` +
    `  ${('>=' + targets[op]).padStart(6)} ${tm.toFixed(0).padStart(13)} ${dm.toFixed(0).padStart(13)}` +
    `  ${ratio >= targets[op] ? 'ok' : 'BELOW TARGET'}${tm <= 256 ? '' : ' RSS>256MB'}`);
}
JS
