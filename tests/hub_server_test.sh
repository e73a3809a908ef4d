#!/usr/bin/env bash
# End-to-end tests of the hub's HTTP server and pull client:
#   synthub hub serve / pull against a store filled with synthub hub add.
# Usage: hub_server_test.sh path/to/synthub. Prints "ok - ..." / "FAIL - ..."
# and exits 1 if any check failed. Everything runs on 127.0.0.1.
set -uo pipefail
SYNTHUB=$(readlink -f "$1")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hub_backend.sh"
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
WORK=$(new_work_dir hubsrv)
SERVER_PID=
PROXY_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT && echo "# work dir: $WORK"
cd "$WORK"
# A private copy: a rebuild of the tree while this runs must not swap the binary.
use_private_binaries
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }  # status_of CURL-ARGS...
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }

# --- a store with a small dataset and a tiny model ----------------------------
"$SYNTHUB" generate --categories 4 --size 32 --points 2000 --draws 2 --shard-size 24 \
  --instances-per-category 12 --search-mode keyed --search-size 48 --search-points 8000 --seed 3 \
  --quiet --out ds >/dev/null 2>&1
check "a 4-class dataset to publish" test -f ds/manifest.json
H=$WORK/store
hub_init "$H" >/dev/null
"$SYNTHUB" hub add ds --hub "$H" --name alice/frac4 --tag v1 >add_ds.txt 2>add_ds.err
DS_ID=$(grep -o '[0-9a-f]\{64\}' add_ds.txt | head -1)
check "hub add publishes the dataset" test -n "$DS_ID"
TOKEN=$("$SYNTHUB" hub token --hub "$H" --owner alice --scope write 2>/dev/null | tail -1)
OTHER=$("$SYNTHUB" hub token --hub "$H" --owner bob --scope write 2>/dev/null | tail -1)
READER=$("$SYNTHUB" hub token --hub "$H" --owner alice --scope read 2>/dev/null | tail -1)
check "tokens created" test -n "$TOKEN" -a -n "$OTHER" -a -n "$READER"

# --- the server -----------------------------------------------------------------
"$SYNTHUB" hub serve --hub "$H" --port 0 --threads 16 >serve.out 2>serve.err &
SERVER_PID=$!
for _ in $(seq 100); do grep -q "listening on" serve.out 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.]*:[0-9]*' serve.out | head -1)
check "serve prints its address (port 0 picks one)" test -n "$URL"
F=$URL/files/alice/frac4

# --- keep-alive: a small request on a reused connection answers at once --------
# (without TCP_NODELAY, Nagle's algorithm meets the client's delayed ACK: about
# 40 ms for every request after the first on a connection)
check "kept-alive small requests take milliseconds, not Nagle's 40 ms" python3 - "$URL" <<'PY'
import http.client, statistics, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
times = []
for i in range(30):
    t = time.monotonic()
    c.request("GET", "/files/alice/frac4/latest/manifest.json")
    r = c.getresponse(); body = r.read()
    assert r.status == 200 and len(body) > 100, r.status
    times.append(time.monotonic() - t)
median = statistics.median(times[1:])
print(f"median {median * 1000:.1f} ms over {len(times) - 1} kept-alive requests", file=sys.stderr)
sys.exit(0 if median < 0.010 else 1)
PY

# --- the front: downloads answered by the event loops ------------------------------
# A revision's file by id (/files/.../<id>/... and the HF resolve route) is
# answered by the loops (on SQLite also /files by tag, and the GET /api/ reads);
# everything else by the request threads. One kept-alive connection mixes
# both, pipelined; a slow reader forces partial sends; both paths send the
# same headers.
check "pipelined requests mixing pinned downloads and API calls on one connection" python3 - "$URL" "$DS_ID" <<'PY'
import hashlib, json, socket, sys, time, urllib.parse, urllib.request
u = urllib.parse.urlparse(sys.argv[1]); rid = sys.argv[2]
listing = json.load(urllib.request.urlopen(f"{sys.argv[1]}/files/alice/frac4/{rid}/"))
files = {f["path"]: f for f in listing["files"]}
shard = next(p for p in files if p.endswith(".tar"))
want = {p: urllib.request.urlopen(f"{sys.argv[1]}/files/alice/frac4/{rid}/{p}").read() for p in ("manifest.json", shard)}

def connect(rcvbuf=None):
    s = socket.socket()
    if rcvbuf: s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect((u.hostname, u.port)); s.settimeout(10)
    return s

class Reader:
    def __init__(self, s, delay=0.0): self.s, self.buf, self.delay = s, b"", delay
    def more(self):
        if self.delay: time.sleep(self.delay)
        d = self.s.recv(2048 if self.delay else 65536)
        if not d: raise EOFError("connection closed")
        self.buf += d
    def response(self, head_only=False):
        while b"\r\n\r\n" not in self.buf: self.more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        h = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        n = 0 if head_only else int(h.get("content-length", 0))
        while len(self.buf) < n: self.more()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, h, body

def get(path, extra="", method="GET"):
    return f"{method} {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode()

pin = f"/files/alice/frac4/{rid}"
etag = '"' + files[shard]["sha256"] + '"'
s = connect(); r = Reader(s)
s.sendall(get(f"{pin}/manifest.json") + get("/api/revisions") + get(f"{pin}/{shard}", "Range: bytes=100-1123\r\n")
          + get(f"/datasets/alice/frac4/resolve/{rid}/{shard}", method="HEAD")
          + get(f"{pin}/{shard}", f"If-None-Match: {etag}\r\n") + get(f"{pin}/no-such-file")
          + get(f"{pin}/{shard}"))
st, h, body = r.response(); assert (st, body) == (200, want["manifest.json"]), st
st, h, body = r.response(); assert st == 200 and "revisions" in json.loads(body), st
st, h, body = r.response(); assert st == 206 and body == want[shard][100:1124], (st, len(body))
assert h["content-range"] == f"bytes 100-1123/{len(want[shard])}", h
st, h, body = r.response(head_only=True)
assert st == 200 and h["x-repo-commit"] == rid and h["x-linked-etag"] == etag and int(h["content-length"]) == len(want[shard]), h
st, h, body = r.response(); assert st == 304 and body == b"", st
st, h, body = r.response(); assert st == 404, st
st, h, body = r.response(); assert st == 200 and body == want[shard], st
# A head trickling in byte by byte, then Connection: close.
s = connect(); r = Reader(s)
for b in get(f"{pin}/{shard}", "Connection: close\r\n"):
    s.send(bytes([b])); time.sleep(0.001)
st, h, body = r.response(); assert st == 200 and body == want[shard] and h.get("connection") == "close", (st, h)
assert s.recv(1) == b"", "the server closes after Connection: close"
# A slow reader with a small receive buffer: the server's sends stop and resume.
s = connect(rcvbuf=4096); r = Reader(s, delay=0.002)
s.sendall(get(f"{pin}/{shard}") * 2)
for _ in range(2):
    st, h, body = r.response(); assert st == 200 and hashlib.sha256(body).hexdigest() == files[shard]["sha256"], st
# The request threads (the HF route by tag) and the loops (by id) send the
# same headers, but for the cache policy of a pinned URL; so do /files by tag
# (loops on SQLite, request threads on PostgreSQL) and by id.
def headers(path):
    with urllib.request.urlopen(sys.argv[1] + path) as resp: return {k.lower(): v for k, v in resp.headers.items()}
for by_tag, by_id in ((f"/datasets/alice/frac4/resolve/v1/{shard}", f"/datasets/alice/frac4/resolve/{rid}/{shard}"),
                      (f"/files/alice/frac4/v1/{shard}", f"{pin}/{shard}")):
    a, b = headers(by_tag), headers(by_id)
    assert a.keys() == b.keys(), (sorted(a), sorted(b))
    assert {k: v for k, v in a.items() if k != "cache-control"} == {k: v for k, v in b.items() if k != "cache-control"}, (a, b)
    assert b["cache-control"] == "public, max-age=31536000, immutable" and a["cache-control"] == "no-cache", (a, b)
PY
check "the loops log each pinned download like the request threads do" grep -q "GET /files/alice/frac4/$DS_ID/manifest.json 200 " serve.err

# --- the loader reads shards from the server: pretrain a few steps --------------
# Builds without libtorch (the sanitizer presets) have a pretrain that only says so.
NO_TORCH=$("$SYNTHUB" pretrain --data /nonexistent --out /nonexistent 2>&1 | grep -c "no libtorch")
if [ "$NO_TORCH" = 0 ]; then
  "$SYNTHUB" pretrain --data "$F/latest/" --out run --model vit_custom --img-size 16 --patch 4 --depth 1 \
    --dim 16 --heads 2 --threads 1 --workers 1 --batch-size 8 --max-steps 3 --log-every 1 \
    >pretrain.out 2>pretrain.err
  check "pretrain --data http://.../files/alice/frac4/latest/ trains 3 steps" \
    bash -c "test -s run/model.safetensors && grep -q '\"step\": 3' run/metrics.jsonl"
  check "the shards were read through the server" grep -q "GET /files/alice/frac4/latest/frac4-000000.tar 200\|GET /files/alice/frac4/latest/.*\.tar 20[06]" serve.err
  MODEL_DIR=run
else
  echo "# skipped pretrain from the server (no libtorch in this build)"
  MODEL_DIR=
fi
"$SYNTHUB" load "$F/v1/" --batch-size 8 --image-size 16 --shuffle none --keep-last >load.out 2>load.err
check "synthub load streams all 48 samples from the server URL" test "$(grep -c ' 3x16x16$' load.out)" = 48
if [ -n "$MODEL_DIR" ]; then
  cat > "$MODEL_DIR/README.md" <<'EOF'
---
license: apache-2.0
architecture: vit_custom
---
# Tiny ViT <script>alert(1)</script>

Pre-trained for **3 steps** on `alice/frac4`.

| metric | value |
|---|---|
| steps | 3 |
EOF
  "$SYNTHUB" hub add "$MODEL_DIR" --hub "$H" --name alice/tiny-vit --dataset alice/frac4@v1 >add_m.txt 2>add_m.err
  check "hub add publishes the model" grep -q '[0-9a-f]\{64\}' add_m.txt
fi

# --- JSON API ----------------------------------------------------------------------
curl -sf "$URL/api/revisions?kind=dataset" >list.json
check "list datasets names alice/frac4" json_field '["revisions"][0]["name"]' <list.json | grep -qx alice/frac4
curl -sf "$URL/api/revisions?kind=model" >models.json
check "list filters by kind" test "$(json_field '["revisions"].__len__()' <models.json)" = "$([ -n "$MODEL_DIR" ] && echo 1 || echo 0)"
check "search by text" bash -c "curl -sf '$URL/api/revisions?q=frac' | grep -q frac4"
check "a bad kind is a 400" test "$(status_of "$URL/api/revisions?kind=spoon")" = 400
curl -sf "$URL/api/revisions/alice/frac4@v1" >show.json
check "show alice/frac4@v1 gives its id" test "$(json_field '["id"]' <show.json)" = "$DS_ID"
check "the manifest bytes hash to the id" bash -c \
  "python3 -c 'import json,sys; sys.stdout.write(json.load(open(\"show.json\"))[\"manifest_json\"])' | sha256sum | grep -q $DS_ID"
check "show by id prefix" test "$(status_of "$URL/api/revisions/alice/frac4@${DS_ID:0:10}")" = 200
check "an unknown revision is a 404" test "$(status_of "$URL/api/revisions/alice/nope")" = 404

# --- webdataset / wids: the shards as one brace URL, and a wids index --------------
check "the revision's shard_pattern expands to exactly its shards; the wids index lists them, each URL serving its bytes" \
  python3 - "$URL" <<'PY'
import hashlib, json, re, sys, urllib.request
url = sys.argv[1]
get = lambda path: urllib.request.urlopen(url + path, timeout=10).read()
rev = json.loads(get("/api/revisions/alice/frac4@v1"))
m = re.fullmatch(r"(.*)\{(\d+)\.\.(\d+)\}(\.tar)", rev["shard_pattern"])
assert m, rev["shard_pattern"]
width = len(m.group(2))
expanded = [f"{m.group(1)}{i:0{width}d}{m.group(4)}" for i in range(int(m.group(2)), int(m.group(3)) + 1)]
tars = {f["path"]: f["sha256"] for f in rev["files"] if f["path"].endswith(".tar") and f["path"] != "params.tar"}
assert expanded == sorted(tars), (expanded, sorted(tars))
w = json.loads(get("/api/wids/alice/frac4@v1"))
assert w["__kind__"] == "wids-shard-index-v1" and w["revision"] == rev["id"], w
manifest = json.loads(get(f"/files/alice/frac4/{rev['id']}/manifest.json"))
assert sum(s["nsamples"] for s in w["shardlist"]) == manifest["num_samples"]
for s in w["shardlist"]:
    assert s["url"].startswith(url + f"/files/alice/frac4/{rev['id']}/"), s["url"]
    data = urllib.request.urlopen(s["url"], timeout=10).read()
    assert len(data) == s["filesize"] and hashlib.sha256(data).hexdigest() == tars[s["url"].rsplit("/", 1)[1]]
PY
check "wids of a model or an unknown revision: 404" bash -c \
  "test \$(curl -s -o /dev/null -w '%{http_code}' '$URL/api/wids/alice/nosuch') = 404"

# --- downloads: whole, Range, 416, HEAD, ETag ---------------------------------------
SHARD=$(ls ds/*.tar | head -1); SHARD_NAME=$(basename "$SHARD")
curl -sf "$F/v1/$SHARD_NAME" -o got.tar
check "a shard downloads byte-identical" cmp -s got.tar "$SHARD"
curl -sf "$F/$DS_ID/manifest.json" -o got.json
check "by revision id too" cmp -s got.json ds/manifest.json
curl -s -D range.h -H 'Range: bytes=10-19' "$F/v1/$SHARD_NAME" -o range.bin
check "Range bytes=10-19: 206 with exactly those bytes" bash -c \
  "grep -q '^HTTP/1.1 206' range.h && cmp -s range.bin <(tail -c +11 '$SHARD' | head -c 10)"
check "Content-Range names the size" grep -qi "content-range: bytes 10-19/$(stat -c %s "$SHARD")" range.h
curl -s -H 'Range: bytes=-5' "$F/v1/$SHARD_NAME" -o suffix.bin
check "suffix range bytes=-5" cmp -s suffix.bin <(tail -c 5 "$SHARD")
check "a range past the end is a 416" test "$(status_of -H 'Range: bytes=99999999-' "$F/v1/$SHARD_NAME")" = 416
check "HEAD gives the length" bash -c "curl -sI '$F/v1/$SHARD_NAME' | grep -qi 'content-length: $(stat -c %s "$SHARD")'"
SHA=$(sha256sum "$SHARD" | cut -d' ' -f1)
check "ETag is the SHA-256" bash -c "curl -sI '$F/v1/$SHARD_NAME' | grep -qi 'etag: \"$SHA\"'"
check "GET /blobs/SHA256" bash -c "curl -sf '$URL/blobs/$SHA' | cmp -s - '$SHARD'"
check "a folder URL lists its files" bash -c "curl -sf '$F/v1/' | grep -q '$SHARD_NAME'"

# --- path traversal, NUL, over-long names: 400/404, never a file outside ---------
for p in "/files/../../etc/passwd" "/files/%2e%2e/%2e%2e/etc/passwd" "/files/alice/frac4/v1/..%2f..%2fhub.db" \
         "/files/alice/frac4/v1/%2e%2e/%2e%2e/hub.db" "/files/alice/frac4/v1/manifest.json%00.png" \
         "/files/alice/frac4/..%2fv1/manifest.json" "/files/alice/frac4/v1//etc/passwd" \
         "/files/alice/frac4/v1/%2fetc%2fpasswd" "/files/alice/frac4/v1/a%5c..%5c..%5chub.db" \
         "/files/alice/$(head -c 300 /dev/zero | tr '\0' a)/v1/manifest.json" \
         "/files/alice/frac4/$(head -c 100 /dev/zero | tr '\0' b)/manifest.json" \
         "/api/revisions/..%2f..%2fetc" "/api/revisions/alice/frac4@..%2f" "/blobs/../hub.db" \
         "/blobs/%2e%2e%2fhub.db"; do
  code=$(curl -s --path-as-is -o body.bin -w '%{http_code}' "$URL$p")
  if { [ "$code" = 400 ] || [ "$code" = 404 ]; } && ! grep -q "root:" body.bin && ! grep -q "SQLite format" body.bin; then
    ok "traversal $p -> $code"
  else
    fail "traversal $p -> $code"
  fi
done
LONG=$(head -c 9000 /dev/zero | tr '\0' a)
code=$(status_of "$URL/files/alice/frac4/v1/$LONG")
check "an over-long path is refused ($code)" bash -c "[ '$code' -ge 400 ] && [ '$code' -lt 500 ]"

# --- uploads ------------------------------------------------------------------------
head -c 100000 /dev/urandom >blob.bin
BSHA=$(sha256sum blob.bin | cut -d' ' -f1)
put() { curl -s -o put.out -w '%{http_code}' -X PUT --data-binary @blob.bin "$@"; }
check "upload without a token: 401" test "$(put "$URL/api/blobs/$BSHA?owner=alice")" = 401
check "upload with a wrong token: 401/403" bash -c "c=\$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary @blob.bin -H 'Authorization: Bearer shub_nope' '$URL/api/blobs/$BSHA?owner=alice'); [ \$c = 403 ] || [ \$c = 401 ]"
check "upload with another owner's token: 403" test "$(put -H "Authorization: Bearer $OTHER" "$URL/api/blobs/$BSHA?owner=alice")" = 403
check "upload with a read token: 403" test "$(put -H "Authorization: Bearer $READER" "$URL/api/blobs/$BSHA?owner=alice")" = 403
WRONG=$(echo wrong | sha256sum | cut -d' ' -f1)
check "upload with a wrong hash: 400" test "$(put -H "Authorization: Bearer $TOKEN" "$URL/api/blobs/$WRONG?owner=alice")" = 400
check "upload with a wrong size: 400" test "$(put -H "Authorization: Bearer $TOKEN" -H 'X-Size: 99999' "$URL/api/blobs/$BSHA?owner=alice")" = 400
check "nothing of the refused uploads in blobs/ or tmp/" bash -c \
  "! find '$H/blobs' -name '$WRONG' -o -name '$BSHA' | grep -q . && [ -z \"\$(ls -A '$H/tmp')\" ]"
check "upload with the right token and hash: 201" test "$(put -H "Authorization: Bearer $TOKEN" "$URL/api/blobs/$BSHA?owner=alice")" = 201
check "the uploaded blob downloads back" bash -c "curl -sf '$URL/blobs/$BSHA' | cmp -s - blob.bin"
check "tokens never reach the log" bash -c "! grep -q -e '$TOKEN' -e '$OTHER' -e shub_nope serve.err serve.out"

# A revision from uploaded blobs, then a tag move.
MAN=$(python3 -c 'import json,sys; print(json.dumps({"files":[{"path":"data/blob.bin","sha256":sys.argv[1],"size":100000}],"format":"synthub-revision","kind":"dataset","meta":{"license":"cc0-1.0"},"name":"alice/uploaded","version":1},sort_keys=True,separators=(",",":")))' "$BSHA")
printf '%s' "$MAN" >rev.json
post() { curl -s -o post.out -w '%{http_code}' -X POST --data-binary @rev.json -H 'Content-Type: application/json' "$@"; }
check "commit without a token: 401" test "$(post "$URL/api/revisions")" = 401
check "commit with another owner's token: 403" test "$(post -H "Authorization: Bearer $OTHER" "$URL/api/revisions")" = 403
check "commit with the owner's token: 201" test "$(post -H "Authorization: Bearer $TOKEN" "$URL/api/revisions")" = 201
UP_ID=$(json_field '["id"]' <post.out)
check "the commit id is the manifest's SHA-256" test "$UP_ID" = "$(sha256sum rev.json | cut -d' ' -f1)"
tag() { curl -s -o tag.out -w '%{http_code}' -X PUT --data "{\"revision\": \"$UP_ID\"}" "$@"; }
check "tag move without a token: 401" test "$(tag "$URL/api/tags/alice/uploaded/stable")" = 401
check "tag move: 200" test "$(tag -H "Authorization: Bearer $TOKEN" "$URL/api/tags/alice/uploaded/stable")" = 200
check "the tag resolves" bash -c "curl -sf '$URL/files/alice/uploaded/stable/data/blob.bin' | cmp -s - blob.bin"
check "a bad tag name is a 400" test "$(tag -H "Authorization: Bearer $TOKEN" "$URL/api/tags/alice/uploaded/..")" = 400

# --- pull: verified, resumable, offline, shared tiers ----------------------------------
"$SYNTHUB" hub pull alice/frac4@v1 --from "$URL" --to cache --parallel 4 >pull.out 2>pull.err
DIR=$(tail -1 pull.out)
check "pull prints the revision folder" test -f "$DIR/.revision.json"
check "pulled files equal the originals" bash -c "for f in ds/*.tar ds/manifest.json; do cmp -s \$f '$DIR'/\$(basename \$f) || exit 1; done"
check "nothing left in .partial" test -z "$(ls -A cache/.partial 2>/dev/null)"
before=$(grep -c "GET /files" serve.err)
"$SYNTHUB" hub pull alice/frac4@v1 --from "$URL" --to cache >/dev/null 2>&1
check "a second pull downloads no file again" test "$(grep -c "GET /files" serve.err)" = "$before"
"$SYNTHUB" hub pull alice/frac4@v1 --from "$H" --to cache_local >/dev/null 2>&1
check "pull from a local hub folder" bash -c "cmp -s ds/manifest.json cache_local/alice/frac4/$DS_ID/manifest.json"

# A download killed with -9 leaves a partial; the next pull resumes it.
# (a 3 MB file published through the API: upload, then commit)
mkdir -p bigds && head -c 3000000 /dev/urandom >bigds/big.bin
BIG_SHA=$(sha256sum bigds/big.bin | cut -d' ' -f1)
curl -s -o /dev/null -X PUT --data-binary @bigds/big.bin -H "Authorization: Bearer $TOKEN" "$URL/api/blobs/$BIG_SHA?owner=alice"
python3 -c 'import json,sys; sys.stdout.write(json.dumps({"files":[{"path":"big.bin","sha256":sys.argv[1],"size":3000000}],"format":"synthub-revision","kind":"dataset","meta":{},"name":"alice/big","version":1},sort_keys=True,separators=(",",":")))' "$BIG_SHA" >big.json
BIG_ID=$(curl -sf -X POST --data-binary @big.json -H "Authorization: Bearer $TOKEN" "$URL/api/revisions" | json_field '["id"]')
curl -s -o /dev/null -X PUT --data "{\"revision\": \"$BIG_ID\"}" -H "Authorization: Bearer $TOKEN" "$URL/api/tags/alice/big/latest"
SYNTHUB_HUB_MAX_SPEED=400000 "$SYNTHUB" hub pull alice/big --from "$URL" --to cache --parallel 1 >/dev/null 2>kill.err &
PULL=$!
for _ in $(seq 50); do ls cache/.partial/* >/dev/null 2>&1 && [ "$(du -b cache/.partial | cut -f1)" -gt 500000 ] && break; sleep 0.1; done
kill -9 $PULL; wait $PULL 2>/dev/null
PART=$(ls cache/.partial/ 2>/dev/null | head -1)
check "kill -9 mid-download leaves a partial file" test -n "$PART"
"$SYNTHUB" hub pull alice/big --from "$URL" --to cache >resume.out 2>resume.err
check "the next pull resumes it" grep -q "resuming at byte [1-9]" resume.err
check "the resumed file is complete and verified" cmp -s bigds/big.bin "$(tail -1 resume.out)/big.bin"
check "no partial left behind" test -z "$(ls -A cache/.partial)"
# A corrupt partial (wrong bytes) is detected by the hash and downloaded again.
sleep 0 & DEAD=$!; wait $DEAD
head -c 1000000 /dev/zero >"cache2.partial"; mkdir -p cache2/.partial && mv cache2.partial "cache2/.partial/$BIG_SHA.$DEAD.0000"
"$SYNTHUB" hub pull alice/big --from "$URL" --to cache2 >c2.out 2>c2.err
check "a corrupt partial fails the hash and is fetched again" cmp -s bigds/big.bin "$(tail -1 c2.out)/big.bin"

# Offline: complete revisions need no network; incomplete ones fail loudly.
expect_exit 0 "offline pull of a complete revision (by tag, from refs/)" "$DS_ID" \
  "$SYNTHUB" hub pull alice/frac4@v1 --to cache --offline
rm -f "$DIR/.revision.json" "$DIR/$SHARD_NAME"
expect_exit 1 "offline pull of an incomplete revision fails naming it" "incomplete\|not in the cache" \
  "$SYNTHUB" hub pull alice/frac4@$DS_ID --to cache --offline
expect_exit 1 "offline pull of an unknown tag fails" "offline" \
  "$SYNTHUB" hub pull alice/frac4@nope --to cache --offline
"$SYNTHUB" hub pull alice/frac4@v1 --from "$URL" --to cache >/dev/null 2>&1
check "an online pull completes it again" cmp -s "$SHARD" "$DIR/$SHARD_NAME"

# Shared read-only tier: a complete revision there is used as is, nothing written.
mkdir -p shared && cp -r cache/alice shared/ && chmod -R a-w shared
"$SYNTHUB" hub pull "alice/frac4@$DS_ID" --from "$URL" --to user --shared-cache shared >sh.out 2>sh.err
check "a complete shared-tier revision is returned from there" grep -q "^$WORK/shared/alice/frac4/$DS_ID\|^shared/alice/frac4/$DS_ID" sh.out
check "... without writing the user tier" test ! -e "user/alice/frac4/$DS_ID"
chmod -R u+w shared; rm -f "shared/alice/frac4/$DS_ID/.revision.json" "shared/alice/frac4/$DS_ID/$SHARD_NAME"; chmod -R a-w shared
"$SYNTHUB" hub pull "alice/frac4@$DS_ID" --from "$URL" --to user --shared-cache shared >sh2.out 2>sh2.err
check "an incomplete shared tier: the user tier gets a complete copy" bash -c \
  "test -f user/alice/frac4/$DS_ID/.revision.json && cmp -s '$SHARD' user/alice/frac4/$DS_ID/$SHARD_NAME"
chmod -R u+w shared

# --- a hub whose reads need a token: materialize sends it on every request --------------
# (tests/token_proxy.py answers 401 to any request without the bearer token)
python3 "$TESTS_DIR/token_proxy.py" "$URL" "$READER" proxy.port 2>proxy.err &
PROXY_PID=$!
for _ in $(seq 100); do [ -s proxy.port ] && break; sleep 0.1; done
PURL=http://127.0.0.1:$(cat proxy.port)
check "the token proxy refuses a read without the token" test "$(status_of "$PURL/api/revisions/alice/frac4@v1")" = 401
expect_exit 0 "materialize --token from a hub whose reads need it (revision, files)" \
  "alice/frac4@$DS_ID -> mat_tok: downloaded [1-9]" \
  "$SYNTHUB" hub materialize alice/frac4@v1 --from "$PURL" --token "$READER" --to mat_tok
check "... the files are the published ones" bash -c \
  "for f in ds/*.tar ds/manifest.json; do cmp -s \$f mat_tok/\$(basename \$f) || exit 1; done"
expect_exit 0 "materialize --regenerate with \$SYNTHUB_TOKEN (manifest, params.tar, card by token)" \
  "regenerated [1-9][0-9]* shard(s) .* downloaded [1-9][0-9]* other" env SYNTHUB_TOKEN="$READER" \
  "$SYNTHUB" hub materialize alice/frac4@v1 --from "$PURL" --regenerate --to mat_regen
check "... the regenerated folder equals the published one" bash -c \
  "for f in ds/*.tar ds/manifest.json; do cmp -s \$f mat_regen/\$(basename \$f) || exit 1; done"
expect_exit 1 "materialize without the token fails naming the URL, the 401 and the server's message" \
  "$PURL/api/revisions/alice/frac4%40v1: HTTP 401: this hub needs a read token" \
  env -u SYNTHUB_TOKEN "$SYNTHUB" hub materialize alice/frac4@v1 --from "$PURL" --to mat_notok
expect_exit 1 "pull without the token fails the same way" "HTTP 401" \
  env -u SYNTHUB_TOKEN "$SYNTHUB" hub pull alice/frac4@v1 --from "$PURL" --to cache_notok
kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=

# --- concurrency: 8 pulls and an upload at once -----------------------------------------
head -c 2000000 /dev/urandom >blob2.bin
B2=$(sha256sum blob2.bin | cut -d' ' -f1)
pids=()
for i in $(seq 8); do
  "$SYNTHUB" hub pull alice/frac4@v1 --from "$URL" --to "conc$((i % 2))" --parallel 4 >conc$i.out 2>conc$i.err &
  pids+=($!)
done
curl -s -o up.out -w '%{http_code}' -X PUT --data-binary @blob2.bin -H "Authorization: Bearer $TOKEN" \
  "$URL/api/blobs/$B2?owner=alice" >up.code &
pids+=($!)
allok=1
for p in "${pids[@]}"; do wait "$p" || allok=0; done
check "8 concurrent pulls (two sharing a cache) and an upload all succeed" test "$allok" = 1
check "the concurrent upload was stored" test "$(cat up.code)" = 201
check "every concurrent pull is complete" bash -c \
  "for c in conc0 conc1; do cmp -s '$SHARD' \$c/alice/frac4/$DS_ID/$SHARD_NAME || exit 1; done"

# --- the server killed mid-upload leaves the store consistent ---------------------------
head -c 20000000 /dev/urandom >blob3.bin
B3=$(sha256sum blob3.bin | cut -d' ' -f1)
curl -s --limit-rate 2M -o /dev/null -X PUT --data-binary @blob3.bin -H "Authorization: Bearer $TOKEN" \
  "$URL/api/blobs/$B3?owner=alice" &
UP=$!
sleep 1.5
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; wait $UP 2>/dev/null
check "no half-written blob is visible after the server died mid-upload" \
  bash -c "! find '$H/blobs' -name '$B3' | grep -q ."
"$SYNTHUB" hub serve --hub "$H" --port 0 >serve2.out 2>serve2.err &
SERVER_PID=$!
for _ in $(seq 100); do grep -q "listening on" serve2.out 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.]*:[0-9]*' serve2.out | head -1)
check "the restarted server serves the same catalogue" bash -c "curl -sf '$URL/api/revisions/alice/frac4@v1' | grep -q $DS_ID"
check "every blob in the store still matches its name" bash -c \
  "find '$H/blobs' -type f | while read -r b; do [ \"\$(sha256sum \"\$b\" | cut -d' ' -f1)\" = \"\$(basename \"\$b\")\" ] || exit 1; done"

# --- the web page in headless Chromium ---------------------------------------------------
# A dataset of another formula family, published beside the
# running server, for the page's family views.
"$SYNTHUB" generate --family visualatom --categories 3 --images 2 --size 64 --shard-size 6 --seed 7 \
  --quiet --out atoms >/dev/null 2>&1 && "$SYNTHUB" hub add atoms --hub "$H" --name alice/atoms3 >add_atoms.txt 2>&1
check "hub add publishes a VisualAtom dataset too" grep -q '[0-9a-f]\{64\}' add_atoms.txt
if [ -d "$TESTS_DIR/web/node_modules/playwright-core" ] && [ -x /usr/bin/chromium ]; then
  # Screenshots stay after the run in $SYNTHUB_TEST_ARTIFACTS (ctest sets it
  # to build/test-artifacts/TEST); the output names them.
  SHOTS=${SYNTHUB_TEST_ARTIFACTS:-$WORK/screenshots}
  mkdir -p "$SHOTS"
  SCREENSHOT_DIR=$SHOTS node "$TESTS_DIR/hub_web_test.mjs" "$URL" alice/frac4 \
    "$([ -n "$MODEL_DIR" ] && echo alice/tiny-vit)" alice/atoms3:visualatom >web.out 2>web.err
  check "the web page lists the dataset and model and shows their images (chromium)" test $? = 0
  cat web.out | sed 's/^/#   /'
else
  fail "playwright-core or chromium missing (run scripts/install-deps.sh)"
fi
# --- the Hugging Face download API: the official JS client, and the Python client's requests ---
if [ -d "$TESTS_DIR/web/node_modules/@huggingface/hub" ]; then
  node "$TESTS_DIR/hub_hf_test.mjs" "$URL" alice/frac4 "$([ -n "$MODEL_DIR" ] && echo alice/tiny-vit)" >hf.out 2>hf.err
  check "@huggingface/hub with hubUrl = the server: listFiles and downloadFile round trips" test $? = 0
  sed 's/^/#   /' hf.out; tail -3 hf.err | sed 's/^/#   /'
else
  fail "@huggingface/hub missing (run scripts/install-deps.sh)"
fi
# What huggingface_hub's snapshot_download and hf_hub_download send (HF_ENDPOINT=URL):
# the repository's revision info, then per file a HEAD of resolve/REV/FILE
# (commit, ETag, size headers) and a GET of the same URL.
check "the Python client's sequence with curl: info, HEAD resolve headers, GET bytes = listed SHA-256" bash -c '
  set -e
  info=$(curl -sf "'"$URL"'/api/datasets/alice/frac4/revision/main")
  sha=$(echo "$info" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"sha\"])")
  echo "$info" | python3 -c "import json,sys; [print(s[\"rfilename\"], s[\"lfs\"][\"sha256\"], s[\"size\"]) for s in json.load(sys.stdin)[\"siblings\"]]" > siblings.txt
  test -s siblings.txt
  while read -r f want size; do
    h=$(curl -sfI -H "Accept-Encoding: identity" "'"$URL"'/datasets/alice/frac4/resolve/$sha/$f")
    echo "$h" | grep -qi "^X-Repo-Commit: $sha" && echo "$h" | grep -qi "^ETag: \"$want\"" &&
      echo "$h" | grep -qi "^X-Linked-Size: $size" || { echo "# $f: headers $h" >&2; exit 1; }
    got=$(curl -sf "'"$URL"'/datasets/alice/frac4/resolve/$sha/$f" | sha256sum | cut -c1-64)
    test "$got" = "$want" || { echo "# $f: sha256 $got, listed $want" >&2; exit 1; }
  done < siblings.txt'
check "HF routes: a missing repo, revision or file is a 404 with the error code clients read" bash -c '
  curl -s -D - -o /dev/null "'"$URL"'/api/models/alice/frac4" | grep -qi "^X-Error-Code: RepoNotFound" &&
  curl -s -D - -o /dev/null "'"$URL"'/datasets/alice/frac4/resolve/nosuchtag/manifest.json" | grep -qi "^X-Error-Code: RevisionNotFound" &&
  curl -s -D - -o /dev/null "'"$URL"'/datasets/alice/frac4/resolve/main/nope.txt" | grep -qi "^X-Error-Code: EntryNotFound"'
check "HF routes: a traversal is refused (400), never a file" bash -c '
  test "$(curl -s -o /dev/null -w "%{http_code}" --path-as-is "'"$URL"'/datasets/alice/frac4/resolve/main/../../../etc/passwd")" = 400 &&
  test "$(curl -s -o /dev/null -w "%{http_code}" --path-as-is "'"$URL"'/api/datasets/alice/frac4/tree/main/..%2F..")" = 400'

check "SIGTERM stops the server" bash -c "kill -TERM $SERVER_PID; for i in \$(seq 50); do kill -0 $SERVER_PID 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
SERVER_PID=

finish
