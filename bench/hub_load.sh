#!/usr/bin/env bash
# Load test of `synthub hub serve` on 127.0.0.1 with wrk (keep-alive, as wrk
# does by default): the revision listing, search, one revision (JSON API), the
# Hugging Face info endpoint, a dataset's manifest.json (a small file) and
# shard downloads; then nginx (Debian's) serving the same two files from
# disk, the physical reference, and the ratios the hub's goals are set in.
# Usage: bench/hub_load.sh [path/to/synthub] [seconds per run (10)] [server threads (64)]
# Prints one Markdown table row per run: requests/s, MB/s, latency, errors
# (socket errors + non-2xx responses). Needs wrk and nginx (Debian packages;
# without nginx the reference rows are left out).
set -euo pipefail
SYNTHUB=$(readlink -f "${1:-build/synthub}")
SECONDS_PER_RUN=${2:-10}
THREADS=${3:-64}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/synthub_hubload.XXXXXX)
SERVER=
NGINX=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; [ -n "$NGINX" ] && kill $NGINX 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
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
field() { awk -F' *[|] *' -v c="$2" -v l="$1" 'index($2, l) == 1 {print $c}' "$WORK/rows"; }
{
run "revision listing (GET /api/revisions)" "/api/revisions"
run "search (GET /api/revisions?q=frac)" "/api/revisions?q=frac"
run "one revision (GET /api/revisions/bench/frac8@v1)" "/api/revisions/bench/frac8@v1"
run "HF info (GET /api/datasets/bench/frac8/revision/v1)" "/api/datasets/bench/frac8/revision/v1"
run "small file: manifest.json (GET /files/.../v1/manifest.json)" "/files/bench/frac8/v1/manifest.json"
run "shard download ($SHARD_BYTES bytes)" "/files/bench/frac8/v1/$SHARD"
} | tee "$WORK/rows"
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
  # nginx serving the same two files from disk: 2 workers (the cores), sendfile.
  mkdir -p www logs && cp ds/manifest.json "ds/$SHARD" www/
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
  URL=http://127.0.0.1:18099
  { run "nginx: the same manifest.json" "/manifest.json"
    run "nginx: the same shard" "/$SHARD"; } | tee -a "$WORK/rows"
  ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}')" "$1" "$2"; }
  echo
  echo "- shards: hub / nginx MB/s = $(ratio "$(field 'shard download' 4)" "$(field 'nginx: the same shard' 4)") (goal 0.9)"
  echo "- small file: hub / nginx requests/s = $(ratio "$(field 'small file' 3)" "$(field 'nginx: the same manifest' 3)") (goal 0.3)"
  for api in "revision listing" "search" "one revision" "HF info"; do
    echo "- $api / small file requests/s = $(ratio "$(field "$api" 3)" "$(field 'small file' 3)") (goal: within 2x, i.e. >= 0.5)"
  done
fi
