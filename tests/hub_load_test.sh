#!/usr/bin/env bash
# Concurrent load on `synthub hub serve` for SECONDS: 3 pull loops (4 download
# threads each, fresh caches), an upload loop (PUT blob + POST revision + tag
# move), and curl loops of Range requests, listings, searches and refusals.
# Every pulled file must equal its original; the server must then stop on
# SIGTERM with exit status 0. scripts/sanitizers.sh runs it on the TSan build
# (TSAN_OPTIONS=halt_on_error=1: a report ends the server with status 66).
# Usage: hub_load_test.sh SYNTHUB [SECONDS]
set -uo pipefail
SYNTHUB=$(readlink -f "$1")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hub_backend.sh"
SECONDS_LOAD=${2:-8}
WORK=$(new_work_dir hubload)
SERVER_PID=; BG=()
cleanup() {
  for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"

H=$WORK/store
hub_init "$H" >/dev/null
TOKEN=$("$SYNTHUB" hub token --hub "$H" --owner alice --scope write 2>/dev/null | tail -1)
"$SYNTHUB" hub serve --hub "$H" --port 0 --threads 8 >serve.out 2>serve.err &
SERVER_PID=$!
for _ in $(seq 300); do grep -q "listening on" serve.out 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.]*:[0-9]*' serve.out | head -1)
check "the server is up" test -n "$URL"

# commit NAME FILE...: uploads the files and commits them as dataset NAME.
commit() {
  local name=$1; shift
  local f sha
  for f in "$@"; do
    sha=$(sha256sum "$f" | cut -d' ' -f1)
    curl -sf -o /dev/null -X PUT --data-binary "@$f" -H "Authorization: Bearer $TOKEN" \
      "$URL/api/blobs/$sha?owner=alice" || return 1
  done
  /usr/bin/python3 - "$name" "$@" >"$name.json" <<'PY' || return 1
import hashlib, json, os, sys
files = [{"path": os.path.basename(p), "sha256": hashlib.sha256(open(p, "rb").read()).hexdigest(),
          "size": os.path.getsize(p)} for p in sorted(sys.argv[2:], key=os.path.basename)]
sys.stdout.write(json.dumps({"files": files, "format": "synthub-revision", "kind": "dataset", "meta": {},
                             "name": "alice/" + sys.argv[1], "version": 1}, sort_keys=True, separators=(",", ":")))
PY
  curl -sf -o "$name.post" -X POST --data-binary "@$name.json" -H "Authorization: Bearer $TOKEN" "$URL/api/revisions"
}
mkdir -p base
for i in 1 2 3 4 5 6; do head -c $((i * 150000)) /dev/urandom >"base/part$i.bin"; done
commit base base/part*.bin
check "a 6-file revision uploaded and committed" test -s base.post

end=$((SECONDS + SECONDS_LOAD))
for p in 1 2 3; do
  (
    n=0
    while [ $SECONDS -lt $end ]; do
      rm -rf "cache$p"
      dir=$("$SYNTHUB" hub pull alice/base --from "$URL" --to "cache$p" --parallel 4 --quiet 2>>"pull$p.err" | tail -1)
      for f in base/*.bin; do cmp -s "$f" "$dir/$(basename "$f")" || { echo "bad $dir/$f" >>bad.txt; }; done
      n=$((n+1))
    done
    echo "$n" >"pulls$p.txt"
  ) &
  BG+=($!)
done
(
  n=0
  while [ $SECONDS -lt $end ]; do
    n=$((n+1)); mkdir -p "up$n" && head -c 200000 /dev/urandom >"up$n/data.bin"
    commit "up$n" "up$n/data.bin" || echo "upload $n failed" >>bad.txt
    id=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "up$n.post" 2>/dev/null)
    curl -sf -o /dev/null -X PUT --data "{\"revision\": \"$id\"}" -H "Authorization: Bearer $TOKEN" \
      "$URL/api/tags/alice/up$n/stable" || echo "tag $n failed" >>bad.txt
  done
  echo "$n" >uploads.txt
) &
BG+=($!)
(
  n=0
  while [ $SECONDS -lt $end ]; do
    n=$((n+1))
    curl -s -o range.out -H 'Range: bytes=100-199' "$URL/files/alice/base/latest/part1.bin"
    cmp -s range.out <(head -c 200 base/part1.bin | tail -c 100) || echo "range $n wrong" >>bad.txt
    curl -sf -o /dev/null "$URL/api/revisions?q=up" || echo "search $n failed" >>bad.txt
    curl -sf -o /dev/null "$URL/api/revisions/alice/base@latest" || echo "show $n failed" >>bad.txt
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/files/alice/base/latest/../../hub.db")" = 400 ] \
      || [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/files/alice/base/latest/../../hub.db")" = 404 ] \
      || echo "traversal $n not refused" >>bad.txt
    curl -s -o /dev/null -H 'Range: bytes=99999999-' "$URL/blobs/$(sha256sum base/part2.bin | cut -d' ' -f1)"
  done
  echo "$n" >curls.txt
) &
BG+=($!)
for p in "${BG[@]}"; do wait "$p"; done
BG=()
echo "# load for ${SECONDS_LOAD} s: $(cat pulls1.txt pulls2.txt pulls3.txt | awk "{s+=\$1} END {print s}") pulls of 6 files," \
  "$(cat uploads.txt) uploads + commits + tag moves, $(cat curls.txt) rounds of 5 requests"
check "every pulled file equals its original; every upload, commit and request succeeded" test ! -s bad.txt
[ -s bad.txt ] && head -5 bad.txt | sed 's/^/#   /'
check "the server is still running" kill -0 "$SERVER_PID"
kill -TERM "$SERVER_PID"; wait "$SERVER_PID"; rc=$?; SERVER_PID=
check "SIGTERM stops the server with status 0 (got $rc)" test "$rc" = 0
check "no sanitizer report in the server's log" bash -c "! grep -q 'Sanitizer\|runtime error' serve.err"
grep -A20 'Sanitizer' serve.err | head -40 | sed 's/^/#   /'
"$SYNTHUB" hub verify --hub "$H" >verify.out 2>&1
check "hub verify passes after the load" test $? = 0

finish
