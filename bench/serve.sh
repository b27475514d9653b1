#!/usr/bin/env bash
# The REST service against the command line, on the bench's N-record files:
#   1. import of the JSONL file through the API (upload + job, until the job
#      is completed) vs the same import with `tributary import-data`
#      (target: API <= 1.3x CLI), median of ROUNDS;
#   2. download of a whole-collection JSONL export: throughput against
#      reading the same file from disk, and the server's RSS while it streams;
#   3. a bounded load (wrk) on a job status route and the download route while
#      two imports run: every response must be a 2xx and no row may be lost.
#   bench/serve.sh [N] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")"
N=${1:-50000}
ROUNDS=${2:-3}
BIN=$(realpath "${TRIBUTARY_BIN:-../build/tributary}")  # TRIBUTARY_BIN: another build to measure
OUT=out
mkdir -p "$OUT"
if [ ! -f "$OUT/records.jsonl" ] || [ "$(cat "$OUT/.n" 2>/dev/null)" != "$N" ]; then
  echo "generating $N records..."
  node gen.mjs "$N" 768 "$OUT"
  echo "$N" > "$OUT/.n"
fi
FILE=$(realpath "$OUT/records.jsonl")
ls -l "$FILE"
KEY=bench-key-0000001
now() { date +%s.%N; }
SERVER_PID=
stop_server() { if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=; fi; }
trap stop_server EXIT
start_server() {  # data dir
  # The old server's output goes too: its port must not be taken for the new one's.
  rm -rf "$1" "$1.out" "$1.err"
  TRIBUTARY_API_KEYS="$KEY:bench:admin" "$BIN" --data-dir "$1" serve --port 0 > "$1.out" 2> "$1.err" &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    PORT=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$1.out" 2>/dev/null || true)
    [ -n "$PORT" ] && break
    sleep 0.05
  done
  URL=http://127.0.0.1:$PORT
}
H="Authorization: ApiKey $KEY"
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
# One GET over bash's own /dev/tcp: no process is started, so polling does
# not take CPU from the server it measures (a curl process costs about 6 ms of
# CPU; one every 10 ms would take a third of a core). Sets BODY.
BODY=
get_body() {  # path
  local resp
  exec {conn}<>"/dev/tcp/127.0.0.1/$PORT"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ApiKey %s\r\nConnection: close\r\n\r\n' "$1" "$KEY" >&"$conn"
  IFS= read -r -d '' resp <&"$conn" || true
  exec {conn}<&-
  BODY=${resp#*$'\r\n\r\n'}
}
# A pipe nobody writes to: `read -t` on it is a sleep without a process.
exec {NAP}<> <(:)
wait_job() {  # kind id -> prints the final job object
  # Polled every 10 ms.
  local re='"status": *"(queued|running)"'
  while true; do
    get_body "/api/v1/$1/$2"
    if [[ $BODY =~ $re ]]; then read -r -t 0.01 -u "$NAP" || true; else echo "$BODY"; return; fi
  done
}

echo "== 1. import of $N records: API (upload + job) vs CLI"
cli_times=(); api_times=()
for r in $(seq 1 "$ROUNDS"); do
  rm -rf "$OUT/cli-store"; sync
  t0=$(now)
  "$BIN" --data-dir "$OUT/cli-store" import-data --collection bench --input-file "$FILE" --quiet
  t1=$(now); cli_times+=("$(echo "$t1 - $t0" | bc)")
  start_server "$OUT/api-store"; sync
  t0=$(now)
  resp=$(curl -s -H "$H" -F "file=@$FILE" -F "format=jsonl" "$URL/api/v1/datasets/bench/import")
  re='"job_id": *"([^"]+)"'
  [[ $resp =~ $re ]] || { echo "import was not accepted: $resp"; exit 1; }
  id=${BASH_REMATCH[1]}
  job=$(wait_job import "$id")
  t1=$(now); api_times+=("$(echo "$t1 - $t0" | bc)")
  ok=$(echo "$job" | field '["successful_rows"]')
  [ "$ok" = "$N" ] || { echo "API import: $ok of $N rows"; exit 1; }
  [ "$r" = "$ROUNDS" ] || stop_server
  echo "round $r: cli ${cli_times[-1]}s  api ${api_times[-1]}s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
CLI=$(median "${cli_times[@]}"); API=$(median "${api_times[@]}")
RATIO=$(echo "scale=3; $API / $CLI" | bc)
echo "import median: cli ${CLI}s, api ${API}s, ratio ${RATIO} (target <= 1.3) $( [ "$(echo "$RATIO <= 1.3" | bc)" = 1 ] && echo ok || echo ABOVE TARGET)"

echo "== 2. download of a whole-collection JSONL export"
eid=$(curl -s -H "$H" -H "Content-Type: application/json" -d '{"format":"jsonl"}' "$URL/api/v1/datasets/bench/export" | field '["job_id"]')
ej=$(wait_job export "$eid")
SIZE=$(echo "$ej" | field '["file_size"]')
EXPORT_FILE="$OUT/api-store/jobs/$eid/export.jsonl"
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
RSS_BEFORE=$(rss)
peak=$RSS_BEFORE
( while kill -0 "$SERVER_PID" 2>/dev/null; do awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; sleep 0.02; done ) > "$OUT/rss.txt" &
SAMPLER=$!
for _ in 1 2 3; do
  curl -s -H "$H" -o /dev/null -w '%{size_download} %{time_total} %{speed_download}\n' "$URL/api/v1/export/$eid/download"
done | tee "$OUT/dl.txt"
kill $SAMPLER 2>/dev/null || true
peak=$(sort -n "$OUT/rss.txt" | tail -1)
DL=$(awk '{print $3}' "$OUT/dl.txt" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
t0=$(now); cat "$EXPORT_FILE" > /dev/null; t1=$(now)
DISK=$(echo "$SIZE / ($t1 - $t0)" | bc)
echo "download: $SIZE bytes at $(echo "$DL / 1048576" | bc) MiB/s (median of 3); reading the file: $(echo "$DISK / 1048576" | bc) MiB/s (page cache)"
echo "server RSS: ${RSS_BEFORE} KiB before, ${peak} KiB peak while downloading"

echo "== 3. load: wrk on status and download while two imports run"
if command -v wrk >/dev/null; then
  i1=$(curl -s -H "$H" -F "file=@$FILE" -F "format=jsonl" "$URL/api/v1/datasets/load-a/import" | field '["job_id"]')
  i2=$(curl -s -H "$H" -F "file=@$FILE" -F "format=jsonl" "$URL/api/v1/datasets/load-b/import" | field '["job_id"]')
  wrk -t1 -c4 -d5s -H "$H" "$URL/api/v1/import/$i1" > "$OUT/wrk-status.txt" &
  W1=$!
  wrk -t1 -c2 -d5s -H "$H" "$URL/api/v1/export/$eid/download" > "$OUT/wrk-download.txt"
  wait $W1
  for f in status download; do
    echo "-- $f"; grep -E "Requests/sec|Latency|requests in|Non-2xx|Socket errors|Transfer/sec" "$OUT/wrk-$f.txt"
  done
  ERRORS=$(cat "$OUT"/wrk-*.txt | grep -cE "Non-2xx|Socket errors" || true)
  a=$(wait_job import "$i1" | field '["successful_rows"]'); b=$(wait_job import "$i2" | field '["successful_rows"]')
  ca=$(curl -s -H "$H" "$URL/api/v1/datasets/load-a" | field '["count"]'); cb=$(curl -s -H "$H" "$URL/api/v1/datasets/load-b" | field '["count"]')
  echo "imports under load: $a and $b rows ok, datasets hold $ca and $cb (of $N each); error lines in wrk output: $ERRORS"
  [ "$ca" = "$N" ] && [ "$cb" = "$N" ] && [ "$ERRORS" = 0 ] || { echo "LOAD TEST FAILED"; exit 1; }
else
  echo "wrk is not installed (scripts/install-deps.sh installs it)"
fi
