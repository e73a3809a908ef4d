#!/usr/bin/env bash
# Fault injection for the hub: kill -9 `synthub hub serve` KILLS times at
# random moments while uploads (PUT blobs + POST revisions, at 1 MB/s so
# that they are in flight) and pulls run against it, restarting it after each
# kill; then `synthub hub verify` must pass, every revision must be committed
# once, tmp/ must be empty, and a pull of everything must equal the originals
# byte for byte. Then a full disk (tmpfs) under `hub add` and under `hub pull`:
# a clear error, nothing corrupt, no partial file in place.
# Usage: hub_kill_test.sh SYNTHUB [KILLS] (ctest runs 20; docs/reliability.md).
set -uo pipefail
SYNTHUB=$(readlink -f "$1")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hub_backend.sh"
KILLS=${2:-20}
WORK=$(new_work_dir hubkill)
SERVER_PID=; BG_PIDS=()
cleanup() {
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
  wait 2>/dev/null
  for m in "$WORK"/disk*; do umount "$m" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
use_private_binaries
RANDOM=11  # reproducible kill times and file sizes

# --- REVS revisions of 3 random files each, their canonical manifests -------------
REVS=24
mkdir -p src
for i in $(seq "$REVS"); do
  mkdir -p "src/r$i/data"
  head -c $((RANDOM * 24 + 1000)) /dev/urandom >"src/r$i/data/a.bin"
  head -c $((RANDOM * 24 + 1000)) /dev/urandom >"src/r$i/data/b.bin"
  echo "revision $i" >"src/r$i/README.md"
done
/usr/bin/python3 - "$REVS" <<'PY'
import hashlib, json, os, sys
for i in range(1, int(sys.argv[1]) + 1):
    root = f"src/r{i}"
    files = []
    for path in ("README.md", "data/a.bin", "data/b.bin"):
        b = open(os.path.join(root, path), "rb").read()
        files.append({"path": path, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b)})
    m = {"files": files, "format": "synthub-revision", "kind": "dataset", "meta": {"license": "cc0-1.0"},
         "name": f"alice/r{i}", "version": 1}
    open(f"src/r{i}.json", "w").write(json.dumps(m, sort_keys=True, separators=(",", ":")))
PY
H=$WORK/store
hub_init "$H" >/dev/null
TOKEN=$("$SYNTHUB" hub token --hub "$H" --owner alice --scope write 2>/dev/null | tail -1)
check "a store and a write token" test -n "$TOKEN"

# --- the server on a fixed port, restarted after every kill ------------------------
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
start_server() {
  "$SYNTHUB" hub serve --hub "$H" --port "$PORT" --threads 4 >>serve.out 2>>serve.err &
  SERVER_PID=$!
  for _ in $(seq 200); do curl -s -o /dev/null "$URL/api/revisions" && return 0; sleep 0.05; done
  return 1
}
start_server || fail "the server starts"

# Uploader: each revision's blobs (at 1 MB/s, so kills land mid-upload), then
# its manifest; a failure (server gone) retries the revision from the start.
upload() {  # upload I: 0 when the revision is committed
  local i=$1 f sha code
  for f in README.md data/a.bin data/b.bin; do
    sha=$(sha256sum "src/r$i/$f" | cut -d' ' -f1)
    code=$(curl -s -o /dev/null -w '%{http_code}' --limit-rate 1M -X PUT --data-binary "@src/r$i/$f" \
      -H "Authorization: Bearer $TOKEN" "$URL/api/blobs/$sha?owner=alice")
    [ "$code" = 200 ] || [ "$code" = 201 ] || return 1
  done
  code=$(curl -s -o "post$i.out" -w '%{http_code}' -X POST --data-binary "@src/r$i.json" \
    -H "Authorization: Bearer $TOKEN" "$URL/api/revisions")
  [ "$code" = 201 ]
}
(
  for i in $(seq "$REVS"); do
    tries=0
    until upload "$i"; do tries=$((tries+1)); sleep 0.1; done
    echo "$i $tries" >>committed.txt
  done
) &
UPLOADER=$!; BG_PIDS+=("$UPLOADER")
# Puller: the newest committed revision, again and again, into one cache.
(
  while [ ! -e stop_pulls ]; do
    i=$(tail -1 committed.txt 2>/dev/null | cut -d' ' -f1)
    if [ -n "$i" ]; then
      if "$SYNTHUB" hub pull "alice/r$i" --from "$URL" --to pcache --parallel 2 --quiet >/dev/null 2>>pull.err; then
        echo ok >>pulls.txt
      else
        echo failed >>pulls.txt
      fi
    fi
    sleep 0.05
  done
) &
PULLER=$!; BG_PIDS+=("$PULLER")

kills=0; mid_upload=0
while [ $kills -lt "$KILLS" ]; do
  sleep "$(printf '0.%d' $((RANDOM % 9 + 1)))"
  [ -n "$(ls -A "$H/tmp" 2>/dev/null)" ] && mid_upload=$((mid_upload+1))
  kill -9 "$SERVER_PID" 2>/dev/null && kills=$((kills+1))
  wait "$SERVER_PID" 2>/dev/null
  start_server || { fail "the server restarts after kill $kills"; break; }
done
for _ in $(seq 1200); do kill -0 "$UPLOADER" 2>/dev/null || break; sleep 0.1; done
touch stop_pulls; wait "$PULLER" 2>/dev/null
echo "# hub serve: $kills kills survived ($mid_upload with an upload in tmp/); uploads retried" \
  "$(awk '{s+=$2} END {print s+0}' committed.txt) times; pulls during the kills:" \
  "$(grep -c ok pulls.txt 2>/dev/null) complete, $(grep -c failed pulls.txt 2>/dev/null) cut off"
check "$KILLS kills of the server, each restarted" test "$kills" = "$KILLS"
check "every revision committed in the end" test "$(wc -l <committed.txt)" = "$REVS"
check "the server lists each of them once" bash -c \
  "test \"\$(curl -sf '$URL/api/revisions' | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"revisions\"]))')\" = $REVS"
check "pulls cut off by kills never left a wrong file in place" bash -c '
  for d in pcache/alice/*/*/; do
    i=$(basename "$(dirname "$d")")
    for f in README.md data/a.bin data/b.bin; do [ ! -e "$d/$f" ] || cmp -s "$d/$f" "src/$i/$f" || exit 1; done
  done'

# A final pull of everything, byte for byte.
allsame=1
for i in $(seq "$REVS"); do
  dir=$("$SYNTHUB" hub pull "alice/r$i" --from "$URL" --to final --quiet 2>>final.err | tail -1)
  for f in README.md data/a.bin data/b.bin; do cmp -s "src/r$i/$f" "$dir/$f" || allsame=0; done
done
check "a pull of all $REVS revisions after the kills equals the originals byte for byte" test "$allsame" = 1
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
"$SYNTHUB" hub verify --hub "$H" >verify.out 2>verify.err
check "hub verify: the store is consistent after the kills" test $? = 0
sed 's/^/#   /' verify.out
check "no upload left in tmp/ once the server is gone" test -z "$(ls -A "$H/tmp")"
check "nothing but blobs under blobs/ (verify re-hashed each)" grep -q ": ok$" verify.out

# verify itself detects damage: a flipped byte, a missing blob, a stray file.
B=$(find "$H/blobs" -type f | sort | head -1)
cp -r "$H" damaged && chmod -R u+w damaged
DB=damaged/blobs/sha256/$(basename "$(dirname "$B")")/$(basename "$B")
printf '\xff' | dd of="$DB" bs=1 seek=3 conv=notrunc 2>/dev/null
"$SYNTHUB" hub verify --hub damaged >/dev/null 2>dv.err
rc=$?
check "hub verify detects a flipped byte in a blob (exit 1, names it)" \
  bash -c "[ $rc = 1 ] && grep -q 'content hashes to' dv.err && grep -q '$(basename "$B")' dv.err"
rm -f "$DB"
"$SYNTHUB" hub verify --hub damaged >/dev/null 2>dv2.err
check "hub verify detects a missing blob" grep -q "is missing" dv2.err
touch damaged/blobs/sha256/00/stray.tmp 2>/dev/null || { mkdir -p damaged/blobs/sha256/00 && touch damaged/blobs/sha256/00/stray.tmp; }
"$SYNTHUB" hub verify --hub damaged >/dev/null 2>dv3.err
check "hub verify detects a stray file under blobs/" grep -q "stray" dv3.err

# --- a full disk under hub add and hub pull -----------------------------------------
"$SYNTHUB" generate --categories 4 --size 32 --points 2000 --draws 2 --shard-size 24 \
  --instances-per-category 12 --search-mode keyed --search-size 48 --search-points 8000 --seed 3 \
  --quiet --out ds >/dev/null 2>&1
mkdir -p big && head -c 3000000 /dev/urandom >big/blob.bin
mkdir -p disk1
if mount -t tmpfs -o size=700k tmpfs disk1 2>/dev/null; then
  hub_init disk1/hub >/dev/null
  "$SYNTHUB" hub add ds --hub disk1/hub --name alice/small >add1.out 2>add1.err
  check "hub add on a small disk: a dataset that fits" test $? = 0
  "$SYNTHUB" generate --categories 4 --size 256 --points 100000 --draws 2 --shard-size 24 \
    --instances-per-category 32 --search-mode keyed --search-size 48 --search-points 8000 --seed 4 \
    --quiet --out ds_big >/dev/null 2>&1
  "$SYNTHUB" hub add ds_big --hub disk1/hub --name alice/toobig >add2.out 2>add2.err
  rc=$?
  check "hub add on a full disk: exit 1 with a clear error ($(tail -1 add2.err | cut -c1-120))" \
    bash -c "[ $rc = 1 ] && grep -qi 'no space left\|disk is full\|disk full' add2.err"
  "$SYNTHUB" hub verify --hub disk1/hub >v1.out 2>v1.err
  check "hub verify passes on the full disk's store" test $? = 0
  check "the full disk's store has the first revision and not the refused one" bash -c \
    "'$SYNTHUB' hub show alice/small --hub disk1/hub >/dev/null 2>&1 && ! '$SYNTHUB' hub show alice/toobig --hub disk1/hub >/dev/null 2>&1"
  check "no temporary left in the full disk's tmp/" test -z "$(ls -A disk1/hub/tmp)"
  "$SYNTHUB" hub gc --hub disk1/hub --dry-run >gc1.out 2>&1
  check "hub gc --dry-run: the refused add's blobs are unreferenced and, being new, kept ($(cat gc1.out))" \
    grep -q "would remove 0 .*kept [1-9]" gc1.out
  "$SYNTHUB" hub gc --hub disk1/hub --grace-hours 0 >gc2.out 2>&1
  check "hub gc --grace-hours 0 removes them ($(cat gc2.out))" grep -q "removed [1-9]" gc2.out
  "$SYNTHUB" hub verify --hub disk1/hub >v2.out 2>v2.err
  rc=$?
  check "after gc: hub verify passes, nothing unreferenced ($(cat v2.out))" \
    bash -c "[ $rc = 0 ] && grep -q ', 0 unreferenced)' v2.out"
  # The server's disk fills during an upload: 507, nothing left in tmp/, still serving.
  T1=$("$SYNTHUB" hub token --hub disk1/hub --owner alice --scope write 2>/dev/null | tail -1)
  P1=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$SYNTHUB" hub serve --hub disk1/hub --port "$P1" --threads 2 >serve1.out 2>&1 &
  S1=$!
  for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$P1/api/revisions" && break; sleep 0.05; done
  code=$(curl -s -o put1.out -w '%{http_code}' -X PUT --data-binary @big/blob.bin -H "Authorization: Bearer $T1" \
    "http://127.0.0.1:$P1/api/blobs/$(sha256sum <big/blob.bin | cut -d' ' -f1)?owner=alice")
  check "an upload that fills the server's disk: 507 ($(cat put1.out))" test "$code" = 507
  check "the server goes on serving after its disk filled" \
    curl -sf -o /dev/null "http://127.0.0.1:$P1/api/revisions"
  check "no partial upload left in the full store's tmp/" test -z "$(ls -A disk1/hub/tmp)"
  "$SYNTHUB" hub verify --hub disk1/hub >/dev/null 2>&1
  check "hub verify passes after the refused upload" test $? = 0
  kill "$S1" 2>/dev/null; wait "$S1" 2>/dev/null
  umount disk1
else
  echo "# skipped the full-disk checks: cannot mount a tmpfs here"
fi

# hub pull into a cache on a small disk: the 3 MB file does not fit.
BIG_SHA=$(sha256sum big/blob.bin | cut -d' ' -f1)
/usr/bin/python3 -c 'import json,sys; sys.stdout.write(json.dumps({"files":[{"path":"blob.bin","sha256":sys.argv[1],"size":3000000},{"path":"small.txt","sha256":sys.argv[2],"size":6}],"format":"synthub-revision","kind":"dataset","meta":{},"name":"alice/big","version":1},sort_keys=True,separators=(",",":")))' \
  "$BIG_SHA" "$(printf 'small\n' | sha256sum | cut -d' ' -f1)" >big.json
printf 'small\n' >big/small.txt
start_server || fail "the server starts again"
curl -s -o /dev/null -X PUT --data-binary @big/blob.bin -H "Authorization: Bearer $TOKEN" "$URL/api/blobs/$BIG_SHA?owner=alice"
curl -s -o /dev/null -X PUT --data-binary @big/small.txt -H "Authorization: Bearer $TOKEN" \
  "$URL/api/blobs/$(sha256sum <big/small.txt | cut -d' ' -f1)?owner=alice"
curl -s -o /dev/null -X POST --data-binary @big.json -H "Authorization: Bearer $TOKEN" "$URL/api/revisions"
# hub gc while the server runs: an orphan blob (uploaded, never committed) goes only after its grace.
printf 'orphan\n' >orphan.txt
ORPHAN=$(sha256sum <orphan.txt | cut -d' ' -f1)
curl -s -o /dev/null -X PUT --data-binary @orphan.txt -H "Authorization: Bearer $TOKEN" "$URL/api/blobs/$ORPHAN?owner=alice"
"$SYNTHUB" hub gc --hub "$H" >gc3.out 2>&1
check "hub gc keeps a fresh unreferenced blob (an upload may be about to commit)" \
  bash -c "grep -q 'removed 0 ' gc3.out && test -f '$H/blobs/sha256/${ORPHAN:0:2}/$ORPHAN'"
touch -d '2 days ago' "$H/blobs/sha256/${ORPHAN:0:2}/$ORPHAN"
curl -s -o /dev/null -X PUT --data-binary @orphan.txt -H "Authorization: Bearer $TOKEN" "$URL/api/blobs/$ORPHAN?owner=alice"
"$SYNTHUB" hub gc --hub "$H" >gc4a.out 2>&1
check "an old orphan uploaded again counts as new: hub gc keeps it" \
  bash -c "grep -q 'removed 0 ' gc4a.out && test -f '$H/blobs/sha256/${ORPHAN:0:2}/$ORPHAN'"
touch -d '2 days ago' "$H/blobs/sha256/${ORPHAN:0:2}/$ORPHAN"
"$SYNTHUB" hub gc --hub "$H" >gc4.out 2>&1
check "hub gc removes it once older than the grace period ($(cat gc4.out))" \
  bash -c "grep -q 'removed [1-9]' gc4.out && test ! -e '$H/blobs/sha256/${ORPHAN:0:2}/$ORPHAN'"
"$SYNTHUB" hub verify --hub "$H" >v3.out 2>v3.err
check "after gc under a running server: hub verify passes" test $? = 0
mkdir -p disk2
if mount -t tmpfs -o size=1m tmpfs disk2 2>/dev/null; then
  "$SYNTHUB" hub pull alice/big --from "$URL" --to disk2/cache --quiet >pf.out 2>pf.err
  rc=$?
  check "hub pull into a full cache: exit 1 with a clear error ($(tail -1 pf.err | cut -c1-120))" \
    bash -c "[ $rc = 1 ] && grep -qi 'no space left' pf.err"
  check "no partial download renamed into place" bash -c \
    "! find disk2/cache -name blob.bin | grep -q . && for f in \$(find disk2/cache -name small.txt); do cmp -s \$f big/small.txt || exit 1; done"
  check "no partial left in the cache's .partial/" test -z "$(ls -A disk2/cache/.partial 2>/dev/null)"
  umount disk2
else
  echo "# skipped the full-disk pull check: cannot mount a tmpfs here"
fi
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=

finish
