#!/usr/bin/env bash
# Load test of `synthub hub serve` on 127.0.0.1 with wrk: revision manifest
# reads (JSON API), a dataset's manifest.json, and shard downloads.
# Usage: bench/hub_load.sh [path/to/synthub] [seconds per run (10)] [server threads (64)]
# Prints one Markdown table row per run: requests/s, MB/s, latency, errors
# (socket errors + non-2xx responses). Needs wrk (Debian package).
set -euo pipefail
SYNTHUB=$(readlink -f "${1:-build/synthub}")
SECONDS_PER_RUN=${2:-10}
THREADS=${3:-64}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/synthub_hubload.XXXXXX)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"

# A dataset with a few shards of about 1 MB each.
"$SYNTHUB" generate --categories 8 --size 64 --points 4000 --draws 1 --instances-per-category 60 \
  --shard-size 120 --search-mode keyed --search-size 64 --search-points 8000 --seed 1 --quiet \
  --out ds >/dev/null 2>&1
"$SYNTHUB" hub init store >/dev/null
"$SYNTHUB" hub add ds --hub store --name bench/frac8 --tag v1 >/dev/null 2>&1
SHARD=$(basename "$(ls ds/*.tar | head -1)")
SHARD_BYTES=$(stat -c %s "ds/$SHARD")
"$SYNTHUB" hub serve --hub store --port 0 --threads "$THREADS" >serve.out 2>/dev/null &
SERVER=$!
for _ in $(seq 100); do grep -q "listening on" serve.out 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.]*:[0-9]*' serve.out | head -1)

echo "# $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), server --threads $THREADS, wrk -t2 -c32 -d${SECONDS_PER_RUN}s"
echo "# shard: $SHARD, $SHARD_BYTES bytes"
echo "| request | requests/s | MB/s | mean latency | errors |"
echo "|---|---:|---:|---:|---:|"
run() {  # run LABEL PATH
  local out
  out=$(wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" --latency "$URL$2")
  local rps mbs lat sock non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  mbs=$(echo "$out" | awk '/Transfer\/sec/ {v=$2; u=substr(v, length(v)-1); n=v+0;
        if (u=="GB") n*=1024; else if (u=="KB") n/=1024; else if (u!="MB") n/=1048576; printf "%.1f", n*1.048576}')
  lat=$(echo "$out" | awk '/^ +Latency/ {print $2; exit}')
  sock=$(echo "$out" | awk '/Socket errors/ {gsub(",", ""); print $4+$6+$8+$10}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  echo "| $1 | $rps | $mbs | $lat | $(( ${sock:-0} + ${non2xx:-0} )) |"
}
run "revision manifest (GET /api/revisions/bench/frac8@v1)" "/api/revisions/bench/frac8@v1"
run "dataset manifest.json (GET /files/.../v1/manifest.json)" "/files/bench/frac8/v1/manifest.json"
run "shard download ($SHARD_BYTES bytes)" "/files/bench/frac8/v1/$SHARD"
