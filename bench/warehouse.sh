#!/usr/bin/env bash
# Backup and restore of a large collection, with peak memory.
#
#   bench/warehouse.sh [records] [dimension]      (default 1000000 x 64)
#
# Generates a JSONL file, imports it, then times `backup`, `verify` and
# `restore` under /usr/bin/time -v and prints wall time and peak RSS for
# each, so memory can be compared across sizes (it should stay flat).
#
# Disk: the JSONL input (about 10 bytes per dimension per record) is deleted
# once imported; what remains is the store and the backup, and during the
# restore the staging collection beside the old one. At 1,000,000 x 768
# that peaks near 21 GB; the script checks the free space of $TMPDIR first
# and refuses to start without it. Everything goes when it ends.
set -euo pipefail
N=${1:-1000000}
DIM=${2:-64}
BIN=${TRIBUTARY_BIN:-$(dirname "$0")/../build/tributary}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tributary-wh-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Peak bytes: two copies of the store (~8.3 bytes per dimension + ~300 per
# record, measured) plus the backup's text (~10 per dimension + ~120), with
# a tenth more for the WAL and slack.
need=$(( N * (DIM * 27 + 800) * 11 / 10 ))
avail=$(df --output=avail -B1 "$WORK" | tail -1 | tr -d ' ')
if [ "$avail" -lt "$need" ]; then
  echo "not enough disk in $WORK: about $((need >> 30)) GiB needed, $((avail >> 30)) GiB free" >&2
  exit 1
fi
echo "disk: about $((need >> 30)) GiB needed at the peak, $((avail >> 30)) GiB free"

python3 - "$N" "$DIM" > "$WORK/in.jsonl" <<'PY'
import sys, random
n, dim = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(7)
out = sys.stdout
for i in range(n):
    vec = ",".join("%.6g" % rnd.uniform(-1, 1) for _ in range(dim))
    out.write('{"id":"r%d","document_id":"d%d","values":[%s],"content":"chunk %d of a document","metadata":{"i":%d,"tag":"t%d"}}\n'
              % (i, i // 10, vec, i, i, i % 7))
PY
echo "input: $N records x $DIM dims, $(du -h "$WORK/in.jsonl" | cut -f1)"

measure() {  # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" > "$WORK/out" 2> "$WORK/time" || { cat "$WORK/time"; exit 1; }
  local wall rss
  wall=$(grep "Elapsed (wall clock)" "$WORK/time" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$WORK/time" | awk '{print $NF}')
  printf '%-10s wall %-10s peak RSS %7.1f MiB\n' "$label" "$wall" "$(echo "$rss / 1024" | bc -l)"
}

measure import "$BIN" --data-dir "$WORK/store" import-data -q --collection big --input-file "$WORK/in.jsonl" --batch-size 1000
rm "$WORK/in.jsonl"
measure backup "$BIN" --data-dir "$WORK/store" backup -q --backup-dir "$WORK/backups"
measure verify "$BIN" --data-dir "$WORK/store" verify --backup-dir "$WORK/backups"
echo "store $(du -sh "$WORK/store" | cut -f1), backup $(du -sh "$WORK/backups" | cut -f1)"
measure restore "$BIN" --data-dir "$WORK/store" restore -q --confirm --backup-dir "$WORK/backups"
rm -rf "$WORK/backups"
"$BIN" --data-dir "$WORK/store" collections list
