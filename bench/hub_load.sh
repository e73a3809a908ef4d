#!/usr/bin/env bash
# Load test of `synthub hub serve` on 127.0.0.1 with wrk (keep-alive, as wrk
# does by default): the revision listing, search, one revision (JSON API), the
# Hugging Face info endpoint, a dataset's manifest.json (a small file) and
# shard downloads, on each catalogue (SQLite; PostgreSQL on a throwaway server
# from scripts/postgres-cluster.sh) with 1 and 2 servers sharing the hub (two
# wrk processes then, one per server, their figures summed); then nginx
# (Debian's) serving the same two files from disk, the physical reference,
# and the ratios the hub's goals are set in.
# Usage: bench/hub_load.sh [path/to/synthub] [seconds per run (10)] [server threads (64)]
# Prints one Markdown table row per run: requests/s, MB/s, latency, errors
# (socket errors + non-2xx responses). Needs wrk and nginx (Debian packages;
# without nginx the reference rows are left out, without PostgreSQL its rows).
set -euo pipefail
SYNTHUB=$(readlink -f "${1:-build/synthub}")
SECONDS_PER_RUN=${2:-10}
THREADS=${3:-64}
PGC=$(cd "$(dirname "$0")/.." && pwd)/scripts/postgres-cluster.sh
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/synthub_hubload.XXXXXX)
SERVERS=()
NGINX=
stop_servers() {
  local p
  for p in "${SERVERS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
  SERVERS=()
}
cleanup() {
  stop_servers
  [ -n "$NGINX" ] && kill "$NGINX" 2>/dev/null
  wait 2>/dev/null
  "$PGC" stop "$WORK/pg" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"

# A dataset with a few shards, published on each catalogue.
"$SYNTHUB" generate --categories 8 --size 64 --points 4000 --draws 1 --instances-per-category 60 \
  --shard-size 120 --search-mode keyed --search-size 64 --search-points 8000 --seed 1 --quiet \
  --out ds >/dev/null 2>&1
# ... and one of a single 5.8 MB shard (2,000 images of 128 x 128).
"$SYNTHUB" generate --categories 20 --size 128 --points 6000 --draws 1 --instances-per-category 100 \
  --shard-size 2000 --search-mode keyed --search-size 64 --search-points 8000 --seed 2 --quiet \
  --out big >/dev/null 2>&1
SHARD=$(basename "$(ls ds/*.tar | head -1)")
SHARD_BYTES=$(stat -c %s "ds/$SHARD")
BIG=$(basename "$(ls big/*.tar | head -1)")
BIG_BYTES=$(stat -c %s "big/$BIG")
BACKENDS=(sqlite)
if "$PGC" start "$WORK/pg" >/dev/null 2>&1; then
  BACKENDS+=(postgresql)
else
  echo "# no PostgreSQL server: its rows are left out"
fi
for b in "${BACKENDS[@]}"; do
  if [ "$b" = sqlite ]; then
    "$SYNTHUB" hub init "store-$b" >/dev/null
  else
    "$SYNTHUB" hub init "store-$b" --catalogue "$("$PGC" url "$WORK/pg")" >/dev/null
  fi
  "$SYNTHUB" hub add ds --hub "store-$b" --name bench/frac8 --tag v1 >/dev/null 2>&1
  "$SYNTHUB" hub add big --hub "store-$b" --name bench/big --tag v1 >/dev/null 2>&1
done
# Files by revision id, as the page, the wids index, the webdataset line and
# the HF clients (after their first request) address them; one row by tag.
ID=$("$SYNTHUB" hub show bench/frac8@v1 --hub store-sqlite --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
BIG_ID=$("$SYNTHUB" hub show bench/big@v1 --hub store-sqlite --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

URLS=()
start_servers() {  # start_servers BACKEND N: N servers on one hub
  local i
  URLS=()
  for i in $(seq "$2"); do
    "$SYNTHUB" hub serve --hub "store-$1" --port 0 --threads "$THREADS" >"serve$i.out" 2>/dev/null &
    SERVERS+=($!)
    for _ in $(seq 100); do grep -q "listening on" "serve$i.out" 2>/dev/null && break; sleep 0.1; done
    URLS+=("$(grep -o 'http://[0-9.]*:[0-9]*' "serve$i.out" | head -1)")
  done
  # Warm-up, not measured: the request threads open their catalogue
  # connections (on PostgreSQL, 16-32 at once take a second or more) and the
  # loops learn the pinned revisions, as on a server that has been running.
  local warm=()
  for i in "${!URLS[@]}"; do
    wrk -t1 -c$((32 / ${#URLS[@]})) -d2s "${URLS[$i]}/api/revisions" >/dev/null &
    warm+=($!)
  done
  wait "${warm[@]}"
  for i in "${!URLS[@]}"; do
    curl -s -o /dev/null "${URLS[$i]}/files/bench/frac8/$ID/manifest.json"
    curl -s -o /dev/null "${URLS[$i]}/files/bench/big/$BIG_ID/$BIG"
  done
}

echo "# each server start is followed by a 2 s warm-up (wrk on the revision listing), not measured"
echo "# $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), server --threads $THREADS," \
  "32 connections in all, ${SECONDS_PER_RUN}s a row: wrk -t2 -c32 against one server, wrk -t1 -c16 against each of two"
echo "# shards: $SHARD, $SHARD_BYTES bytes; large: $BIG of bench/big, $BIG_BYTES bytes"
echo "| request | requests/s | MB/s | mean latency | errors |"
echo "|---|---:|---:|---:|---:|"
# run LABEL PATH: one wrk per URL in URLS at once; prints their summed row
# (errors: socket errors plus non-2xx responses).
run() {
  local n=${#URLS[@]} i pids=()
  for i in $(seq 0 $((n - 1))); do
    if [ "$n" = 1 ]; then
      wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" "${URLS[$i]}$2" >"wrk$i.out" &
    else
      wrk -t1 -c$((32 / n)) -d"${SECONDS_PER_RUN}s" "${URLS[$i]}$2" >"wrk$i.out" &
    fi
    pids+=($!)
  done
  wait "${pids[@]}"
  cat wrk*.out | awk -v label="$1" '
    /Requests\/sec/ {rps += $2}
    /Transfer\/sec/ {v = $2; u = substr(v, length(v) - 1); x = v + 0;
                     if (u == "GB") x *= 1024; else if (u == "KB") x /= 1024; else if (u != "MB") x /= 1048576;
                     mbs += x * 1.048576}
    /^ +Latency/ {l = $2; ms = l + 0; if (l ~ /us$/) ms /= 1000; else if (l ~ /[0-9]s$/ && l !~ /ms$/) ms *= 1000;
                  lat += ms; nl++}
    /Socket errors/ {gsub(",", ""); err += $4 + $6 + $8 + $10}
    /Non-2xx/ {err += $5}
    END {printf "| %s | %.0f | %.1f | %.2f ms | %d |\n", label, rps, mbs, lat / nl, err}'
  rm -f wrk*.out
}
label() { echo "$1, $2 server$([ "$2" = 2 ] && echo s):"; }
# field LABEL COLUMN: that column of the row whose label is LABEL, or LABEL + " (...)".
field() {
  awk -F' *[|] *' -v c="$2" -v l="$1" \
    'index($2, l) == 1 && (length($2) == length(l) || substr($2, length(l) + 1, 2) == " (") {print $c}' "$WORK/rows"
}
for b in "${BACKENDS[@]}"; do
  for n in 1 2; do
    start_servers "$b" "$n"
    p=$(label "$b" "$n")
    run "$p revision listing (GET /api/revisions)" "/api/revisions"
    run "$p search (GET /api/revisions?q=frac)" "/api/revisions?q=frac"
    run "$p one revision (GET /api/revisions/bench/frac8@v1)" "/api/revisions/bench/frac8@v1"
    run "$p HF info (GET /api/datasets/bench/frac8/revision/v1)" "/api/datasets/bench/frac8/revision/v1"
    run "$p small file by tag (GET /files/bench/frac8/v1/manifest.json)" "/files/bench/frac8/v1/manifest.json"
    run "$p small file (GET /files/bench/frac8/<id>/manifest.json)" "/files/bench/frac8/$ID/manifest.json"
    run "$p shard (GET /files/bench/frac8/<id>/$SHARD)" "/files/bench/frac8/$ID/$SHARD"
    run "$p large shard (GET /files/bench/big/<id>/$BIG)" "/files/bench/big/$BIG_ID/$BIG"
    stop_servers
  done
done | tee "$WORK/rows"
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
  # nginx serving the same two files from disk: 2 workers (the cores), sendfile.
  mkdir -p www logs && cp ds/manifest.json "ds/$SHARD" www/ && cp "big/$BIG" "www/big-$BIG"
  chmod 755 "$WORK" www && chmod 644 www/*  # nginx's workers run as nobody
  cat > nginx.conf <<EOF
worker_processes 2;
daemon off;
pid $WORK/logs/nginx.pid;
error_log $WORK/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:18099; root $WORK/www; }
}
EOF
  ${NGINX_BIN:-/usr/sbin/nginx} -p "$WORK" -c "$WORK/nginx.conf" 2>/dev/null &
  NGINX=$!
  sleep 0.5
  URLS=(http://127.0.0.1:18099)
  { run "nginx: the same manifest.json" "/manifest.json"
    run "nginx: the same shard" "/$SHARD"
    run "nginx: the same large shard" "/big-$BIG"; } | tee -a "$WORK/rows"
  ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}')" "$1" "$2"; }
  for b in "${BACKENDS[@]}"; do
    for n in 1 2; do
      p=$(label "$b" "$n")
      echo
      echo "$p"
      echo "- shards: hub / nginx MB/s = $(ratio "$(field "$p shard" 4)" "$(field 'nginx: the same shard' 4)") (goal 0.9)"
      echo "- large shards: hub / nginx MB/s = $(ratio "$(field "$p large shard" 4)" "$(field 'nginx: the same large shard' 4)") (goal 0.9)"
      echo "- small file: hub / nginx requests/s = $(ratio "$(field "$p small file" 3)" "$(field 'nginx: the same manifest.json' 3)") (goal 0.3)"
      for api in "revision listing" "search" "one revision" "HF info" "small file by tag"; do
        echo "- $api / small file requests/s = $(ratio "$(field "$p $api" 3)" "$(field "$p small file" 3)")" \
          "(goal on SQLite: within 2x, i.e. >= 0.5)"
      done
    done
  done
fi
