#!/usr/bin/env bash
# Several servers, one hub: two `synthub hub serve` processes share one
# PostgreSQL catalogue and one blob folder (docs/hub.md, "Several servers").
# On a PostgreSQL server of its own (scripts/postgres-cluster.sh), so that it
# can restart it:
#   1. concurrent publishers of one name and one tag, half on each server;
#   2. tag moves racing on both servers;
#   3. garbage collection: a blob gc removed is never referenced by a later
#      commit (the commit is refused, the re-upload succeeds), and `hub gc
#      --grace-hours 0` plus `hub verify` looping while both servers publish
#      leave every revision complete;
#   4. one server killed mid-upload, its uploads retried on the other;
#   5. PostgreSQL restarted three times under an upload loop: 503s with
#      Retry-After, never a 500, and afterwards every revision complete;
#   6. both servers agree on everything; hub verify is clean.
# Usage: hub_cluster_test.sh SYNTHUB. Skipped (77) without PostgreSQL.
set -uo pipefail
SYNTHUB=$(readlink -f "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
PGC="$HERE/../scripts/postgres-cluster.sh"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "SKIP: no PostgreSQL server installed"
  exit 77
fi
WORK=$(new_work_dir hubcluster)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  "$PGC" stop "$WORK/pg" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
use_private_binaries
RANDOM=7
py() { /usr/bin/python3 "$@"; }

"$PGC" start "$WORK/pg" || { fail "a PostgreSQL server starts"; finish; exit 1; }
PGURL=$("$PGC" url "$WORK/pg")
H=$WORK/hub
"$SYNTHUB" hub init "$H" --catalogue "$PGURL" >init.out 2>&1
check "hub init --catalogue postgresql://... (Unix socket)" grep -q "PostgreSQL" init.out
TOKEN=$("$SYNTHUB" hub token --hub "$H" --owner '*' --scope write 2>/dev/null | tail -1)

free_port() { py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT_A=$(free_port); PORT_B=$(free_port)
A=http://127.0.0.1:$PORT_A; B=http://127.0.0.1:$PORT_B
declare -A SERVER_PID
start_server() {  # start_server A|B
  local port; port=$([ "$1" = A ] && echo "$PORT_A" || echo "$PORT_B")
  "$SYNTHUB" hub serve --hub "$H" --port "$port" --threads 4 >>"serve$1.out" 2>>"serve$1.err" &
  SERVER_PID[$1]=$!
  PIDS+=($!)
  for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$port/api/revisions" && return 0; sleep 0.05; done
  return 1
}
start_server A && start_server B
check "two servers on one hub" bash -c "curl -sf $A/api/revisions >/dev/null && curl -sf $B/api/revisions >/dev/null"

# Revisions of lab/shared (and lab/other), 2 random files each, with manifests.
make_rev() {  # make_rev I NAME [BYTES]
  mkdir -p "src/$1"
  head -c "${3:-$((RANDOM * 8 + 1000))}" /dev/urandom >"src/$1/data.bin"
  echo "revision $1 of $2" >"src/$1/README.md"
  py - "$1" "$2" <<'PY'
import hashlib, json, sys
i, name = sys.argv[1], sys.argv[2]
files = []
for path in ("README.md", "data.bin"):
    b = open(f"src/{i}/{path}", "rb").read()
    files.append({"path": path, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b)})
m = {"files": files, "format": "synthub-revision", "kind": "dataset", "meta": {"license": "cc0-1.0"},
     "name": name, "version": 1}
b = json.dumps(m, sort_keys=True, separators=(",", ":"))
open(f"src/{i}.json", "w").write(b)
open(f"src/{i}.id", "w").write(hashlib.sha256(b.encode()).hexdigest())
PY
}
# publish URL I [RATE]: blobs, then the manifest; 0 when committed. Prints
# the status codes seen to codes.txt.
publish() {
  local url=$1 i=$2 rate=${3:-0} f sha code name
  name=$(py -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "src/$i.json")
  for f in README.md data.bin; do
    sha=$(sha256sum "src/$i/$f" | cut -d' ' -f1)
    code=$(curl -s -o /dev/null -w '%{http_code}' --limit-rate "$rate" -X PUT --data-binary "@src/$i/$f" \
      -H "Authorization: Bearer $TOKEN" "$url/api/blobs/$sha?owner=${name%%/*}")
    echo "$code" >>codes.txt
    [ "$code" = 200 ] || [ "$code" = 201 ] || return 1
  done
  code=$(curl -s -o "post$i.out" -w '%{http_code}' -X POST --data-binary "@src/$i.json" \
    -H "Authorization: Bearer $TOKEN" "$url/api/revisions")
  echo "$code" >>codes.txt
  [ "$code" = 201 ]
}
put_tag() {  # put_tag URL NAME TAG ID
  curl -s -o /dev/null -w '%{http_code}' -X PUT -d "{\"revision\":\"$4\"}" \
    -H "Authorization: Bearer $TOKEN" "$1/api/tags/$2/$3"
}
resolve() { curl -sf "$1/api/revisions/$2" | py -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

# --- 1. concurrent publishers of one name and tag, on both servers ------------------
N=12
for i in $(seq $N); do make_rev "s$i" lab/shared; done
JOBS=()
for i in $(seq $N); do
  (
    url=$([ $((i % 2)) = 0 ] && echo "$A" || echo "$B")
    other=$([ $((i % 2)) = 0 ] && echo "$B" || echo "$A")
    publish "$url" "s$i" && publish "$other" "s$i" && [ "$(put_tag "$url" lab/shared stable "$(cat "src/s$i.id")")" = 200 ] \
      && echo "s$i" >>published.txt
  ) &
  JOBS+=($!)
done
wait "${JOBS[@]}"
check "$N publishers of lab/shared (each on both servers at once, then tag stable) all commit" \
  test "$(sort -u published.txt | wc -l)" = $N
count_revisions() { curl -sf "$1/api/revisions?q=$2" | py -c 'import json,sys; print(len(json.load(sys.stdin)["revisions"]))'; }
check "... as $N revisions, seen alike by both servers" \
  test "$(count_revisions "$A" lab/shared)" = $N -a "$(count_revisions "$B" lab/shared)" = $N
stable=$(resolve "$A" lab/shared@stable)
check "the tag stable points at one of them, the same on both servers" bash -c \
  "grep -qx '$stable' src/s*.id && test '$(resolve "$B" lab/shared@stable)' = '$stable'"
check "one row per (name, tag) in the catalogue" test \
  "$(psql "$PGURL" -qAt -c "SELECT COUNT(*) FROM (SELECT name, tag FROM tags GROUP BY name, tag HAVING COUNT(*) > 1) d")" = 0

# --- 2. tag moves racing on both servers ----------------------------------------------
JOBS=()
for s in A B; do
  (
    url=$([ $s = A ] && echo "$A" || echo "$B")
    for k in $(seq 20); do
      i=$(( (k * 5 + ${#s}) % N + 1 ))
      code=$(put_tag "$url" lab/shared race "$(cat "src/s$i.id")")
      echo "$code" >>race_codes.txt
    done
  ) &
  JOBS+=($!)
done
wait "${JOBS[@]}"
race=$(resolve "$A" lab/shared@race)
check "40 racing tag moves: all 200, the tag on one revision, the same on both servers" bash -c \
  "test \$(grep -cx 200 race_codes.txt) = 40 && grep -qx '$race' src/s*.id && test '$(resolve "$B" lab/shared@race)' = '$race'"

# --- 3. garbage collection never removes a blob a commit is about to reference ---------
make_rev g1 lab/gc
f=src/g1/data.bin
sha=$(sha256sum "$f" | cut -d' ' -f1)
curl -s -o /dev/null -X PUT --data-binary "@$f" -H "Authorization: Bearer $TOKEN" "$A/api/blobs/$sha?owner=lab"
blob="$H/blobs/sha256/${sha:0:2}/$sha"
"$SYNTHUB" hub gc --hub "$H" >gc1.out 2>&1
check "gc keeps an unreferenced blob uploaded within the grace period (an upload between blobs and commit)" \
  test -e "$blob"
touch -d '2 days ago' "$blob"  # an upload abandoned long ago
"$SYNTHUB" hub gc --hub "$H" >gc2.out 2>&1
check "gc removes it once older than the grace period" test ! -e "$blob"
publish "$B" g1 >/dev/null 2>&1 && ok_g1=1 || ok_g1=0
check "a commit naming it after gc removed it still works: the client's upload puts it back first" test $ok_g1 = 1
# The commit itself re-checks every blob under the store lock, which gc holds
# exclusively while it decides: a manifest whose blob went is refused (the
# client re-uploads), so no revision ever names a missing blob.
make_rev g2 lab/gc
for f in README.md data.bin; do
  s=$(sha256sum "src/g2/$f" | cut -d' ' -f1)
  curl -s -o /dev/null -X PUT --data-binary "@src/g2/$f" -H "Authorization: Bearer $TOKEN" "$A/api/blobs/$s?owner=lab"
  touch -d '2 days ago' "$H/blobs/sha256/${s:0:2}/$s"
done
"$SYNTHUB" hub gc --hub "$H" >gc3.out 2>&1
code=$(curl -s -o post_g2.out -w '%{http_code}' -X POST --data-binary @src/g2.json \
  -H "Authorization: Bearer $TOKEN" "$B/api/revisions")
check "a commit on server B of blobs that gc removed is refused (400 'not uploaded'), nothing catalogued" bash -c \
  "test $code = 400 && grep -q 'not uploaded' post_g2.out && \
   test \"\$(curl -s -o /dev/null -w '%{http_code}' $A/api/revisions/lab/gc@$(cat src/g2.id))\" = 404"
check "... and succeeds after the re-upload" publish "$B" g2

# gc (grace 0) and verify in loops while both servers publish new revisions.
for i in $(seq 16); do make_rev "c$i" "lab/churn-$((i % 4))"; done
touch gc_running
(
  n=0
  while [ -e gc_running ]; do
    "$SYNTHUB" hub gc --hub "$H" --grace-hours 0 >>gc_loop.out 2>&1 || echo "gc failed" >>gc_loop.err
    n=$((n + 1))
    sleep 0.2
  done
  echo "$n" >gc_rounds.txt
) &
GC=$!
(
  while [ -e gc_running ]; do
    "$SYNTHUB" hub verify --hub "$H" >verify_loop.out 2>&1 || cp verify_loop.out verify_loop_failed.out
  done
) &
VERIFY=$!
PUBS=()
for s in A B; do
  (
    url=$([ $s = A ] && echo "$A" || echo "$B")
    for i in $(seq 16); do
      [ $((i % 2)) = $([ $s = A ] && echo 0 || echo 1) ] || continue
      tries=0
      until publish "$url" "c$i"; do tries=$((tries + 1)); [ $tries -gt 200 ] && break; done
      echo "c$i $tries" >>churn_committed.txt
    done
  ) &
  PUBS+=($!)
done
wait "${PUBS[@]}"
sleep 0.5
rm -f gc_running
wait "$GC" "$VERIFY"
echo "# gc ran $(cat gc_rounds.txt) times with grace 0 during 16 commits on two servers;" \
  "$(awk '{s+=$2} END {print s+0}' churn_committed.txt) commits refused and retried"
check "16 revisions committed on two servers while gc --grace-hours 0 looped" \
  test "$(awk '$2 <= 200' churn_committed.txt | wc -l)" = 16
check "gc never failed, and hub verify found nothing while it ran beside them" \
  test ! -e gc_loop.err -a ! -e verify_loop_failed.out

# --- 4. one server killed mid-upload; the other takes over -----------------------------
for i in $(seq 6); do make_rev "k$i" lab/killed 3000000; done  # 3 MB at 1 MB/s: in flight for 3 s
(
  for i in $(seq 6); do
    url=$A
    until publish "$url" "k$i" 1M; do url=$B; done   # A gone: fail over to B
    echo "k$i" >>killed_committed.txt
  done
) &
UP=$!
sleep 1.5
in_tmp=$(ls -A "$H/tmp" | wc -l)
kill -9 "${SERVER_PID[A]}"
wait "${SERVER_PID[A]}" 2>/dev/null
wait "$UP"
check "server A killed mid-upload ($in_tmp upload(s) in tmp/): every upload finished on server B" \
  test "$(wc -l <killed_committed.txt)" = 6 -a "$in_tmp" -ge 1
start_server A
check "server A restarted: its dead upload's temporary is gone, B's work is visible on A" bash -c \
  "test -z \"\$(ls -A '$H/tmp')\" && test \$(curl -sf '$A/api/revisions?q=lab/killed' | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"revisions\"]))') = 6"

# --- 5. PostgreSQL restarts under an upload loop ----------------------------------------
for i in $(seq 10); do make_rev "p$i" lab/restart; done
rm -f codes.txt
(
  for i in $(seq 10); do
    url=$([ $((i % 2)) = 0 ] && echo "$A" || echo "$B")
    tries=0
    until publish "$url" "p$i" 200K; do tries=$((tries + 1)); sleep 0.2; [ $tries -gt 100 ] && break; done
    echo "p$i $tries" >>restart_committed.txt
  done
) &
UP=$!
(
  while kill -0 "$UP" 2>/dev/null; do
    for url in "$A" "$B"; do
      curl -s -D - -o /dev/null "$url/api/revisions?q=lab" 2>/dev/null | tr -d '\r' | \
        awk 'NR==1 {print $2} /^Retry-After/ {print "retry-after"}' >>reads.txt
    done
  done
) &
READS=$!
for r in 1 2 3; do
  sleep 1
  "$PGC" restart "$WORK/pg" || fail "PostgreSQL restart $r"
done
wait "$UP"
kill "$READS" 2>/dev/null; wait "$READS" 2>/dev/null
n503=$(grep -cx 503 reads.txt codes.txt | awk -F: '{s+=$2} END {print s+0}')
echo "# 3 PostgreSQL restarts: $(wc -l <reads.txt) reads, $n503 answered 503; uploads retried" \
  "$(awk '{s+=$2} END {print s+0}' restart_committed.txt) times"
check "every upload committed after 3 PostgreSQL restarts" \
  test "$(awk '$2 <= 100' restart_committed.txt | wc -l)" = 10
check "requests during a restart got 503 with Retry-After, never a 500" bash -c \
  "test $n503 -ge 1 && grep -q retry-after reads.txt && ! grep -qx 500 reads.txt codes.txt"
check "the servers log the catalogue as unavailable, and kept serving" bash -c \
  "grep -qh 'unavailable\| 503 ' serveA.err serveB.err && curl -sf $A/api/revisions >/dev/null && curl -sf $B/api/revisions >/dev/null"

# --- 6. both servers agree; the store is consistent -----------------------------------
curl -sf "$A/api/revisions" | py -c 'import json,sys; print(sorted((r["name"], r["id"]) for r in json.load(sys.stdin)["revisions"]))' >listA.txt
curl -sf "$B/api/revisions" | py -c 'import json,sys; print(sorted((r["name"], r["id"]) for r in json.load(sys.stdin)["revisions"]))' >listB.txt
check "both servers list the same revisions" cmp -s listA.txt listB.txt
allsame=1
for i in s1 s$N g1 g2 c1 c16 k1 k6 p1 p10; do
  name=$(py -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "src/$i.json")
  dir=$("$SYNTHUB" hub pull "$name@$(cat "src/$i.id")" --from "$( [ "${i: -1}" = 1 ] && echo "$A" || echo "$B")" \
        --to pulls --quiet 2>>pull.err | tail -1)
  for f in README.md data.bin; do cmp -s "src/$i/$f" "$dir/$f" || { allsame=0; echo "# differs: $i $f"; }; done
done
check "revisions pulled from either server equal what was published, byte for byte" test $allsame = 1
"$SYNTHUB" hub verify --hub "$H" >verify.out 2>&1
check "hub verify: every revision complete, every blob re-hashed, while both servers run" test $? = 0
sed 's/^/#   /' verify.out | tail -3
finish
