#!/usr/bin/env bash
# End-to-end tests of the synthub CLI. Usage: cli_test.sh path/to/synthub
# Each check prints "ok - ..." or "FAIL - ..."; the script exits 1 if any failed.
set -uo pipefail
SYNTHUB=$(readlink -f "$1")
source "$(dirname "$0")/lib.sh"
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
WORK=$(new_work_dir cli)
trap 'umount "$WORK/tiny" 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"
shard_hashes() { python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("\n".join(s["sha256"] for s in m["shards"]))' "$1/manifest.json"; }

# A small recipe that still exercises everything: keyed search, patches,
# 4 flips, several shards with a short last one.
SMALL=(--categories 6 --size 64 --points 6000 --draws 2 --shard-size 52 --search-mode keyed
       --search-size 128 --search-points 20000 --seed 5 --quiet)

# --- command line conventions ----------------------------------------------
for c in search generate verify inspect pack index; do
  expect_exit 0 "$c --help exits 0" "usage: synthub $c" "$SYNTHUB" "$c" --help
done
expect_exit 2 "unknown flag is a usage error" "unknown flag --frobnicate" "$SYNTHUB" generate --out x --frobnicate 1
expect_exit 2 "bad number is a usage error" "--size: expected an integer" "$SYNTHUB" generate --out x --size big
expect_exit 2 "bad draw mode named" "--draw" "$SYNTHUB" generate --out x --draw sparkles
expect_exit 2 "unknown command" "unknown command" "$SYNTHUB" frobnicate
expect_exit 2 "numpy search cannot be split" "cannot be split" "$SYNTHUB" search --out p --shards 0/2
expect_exit 1 "a search that finds nothing gives up with a message" "nothing accepted in 3 trials" \
  "$SYNTHUB" search --mode keyed --categories 4 --threshold 0.99 --max-trials 3 --points 20000 \
  --search-size 64 --threads 2 --quiet --out never
expect_exit 2 "an unreachable threshold is refused up front" "cannot be reached" \
  "$SYNTHUB" search --mode keyed --categories 4 --threshold 0.5 --points 1000 --out never

# --- keyed search: 1 process == 2 processes == 2 MPI ranks -------------------
S=(--mode keyed --categories 8 --points 20000 --search-size 128 --quiet)
"$SYNTHUB" search "${S[@]}" --out s1 >/dev/null 2>&1
"$SYNTHUB" search "${S[@]}" --out s2 --shards 0/2 >/dev/null 2>&1
"$SYNTHUB" search "${S[@]}" --out s2 --shards 1/2 --threads 1 >/dev/null 2>&1
check "keyed search: 1 process == 2 processes" diff -r -x search.json s1 s2
check "keyed search wrote 8 categories" test "$(ls s1/*.csv | wc -l)" = 8
if [ -n "${SYNTHUB_TEST_NO_MPI:-}" ]; then
  echo "# skipped MPI checks (SYNTHUB_TEST_NO_MPI: this build has no MPI)"
elif command -v mpirun >/dev/null; then
  "${MPIRUN[@]}" "$SYNTHUB" search "${S[@]}" --out s3 >/dev/null 2>mpi_err.txt
  check "keyed search: 2 MPI ranks == 1 process" diff -r -x search.json s1 s3
else
  fail "mpirun not installed"
fi

# --- generate: same bytes for any thread / process / rank count --------------
"$SYNTHUB" generate "${SMALL[@]}" --threads 1 --out g1 > g1.txt 2>&1
check "generate writes a manifest" test -f g1/manifest.json
check "generate: 6 categories x 200 = 1200 samples" grep -q '"num_samples": 1200' g1/manifest.json
"$SYNTHUB" generate "${SMALL[@]}" --threads 2 --out g2 >/dev/null 2>&1
check "1 thread == 2 threads (byte-identical shards)" same_dataset g1 g2
"$SYNTHUB" generate "${SMALL[@]}" --shards 0/2 --out g3 >/dev/null 2>&1
check "part 0/2 alone writes no manifest" test ! -f g3/manifest.json
"$SYNTHUB" generate "${SMALL[@]}" --shards 1/2 --out g3 >/dev/null 2>&1
check "--shards 0/2 + 1/2 == one process" same_dataset g1 g3
"$SYNTHUB" generate "${SMALL[@]}" --shard-range 0..10 --out g5 >/dev/null 2>&1
"$SYNTHUB" generate "${SMALL[@]}" --shard-range 11..100 --out g5 >/dev/null 2>&1
check "--shard-range halves == one process" same_dataset g1 g5
if [ -z "${SYNTHUB_TEST_NO_MPI:-}" ] && command -v mpirun >/dev/null; then
  "${MPIRUN[@]}" "$SYNTHUB" generate "${SMALL[@]}" --threads 1 --out g4 >/dev/null 2>mpi_err.txt
  check "mpirun -np 2 == one process" same_dataset g1 g4
fi
"$SYNTHUB" generate --params s1 --categories 8 --size 64 --points 6000 --draws 1 --flips 2 \
  --shard-size 50 --draw point_color --format webp --quiet --out gw >/dev/null 2>&1
check "generate from a params folder, point_color, webp" grep -q '"webp"' gw/manifest.json
check "webp members in shards" bash -c "tar tf gw/*000000.tar | grep -q '.webp$'"
"$SYNTHUB" generate "${SMALL[@]}" --format jpg --dali-index --wids --out gj >/dev/null 2>&1
check "DALI .idx sidecars written" test -f gj/fractaldb-000000.idx
check "DALI index header" bash -c "head -1 gj/fractaldb-000000.idx | grep -q '^v1.2 52$'"
check "DALI index has one line per sample" test "$(($(wc -l < gj/fractaldb-000000.idx) - 1))" = 52
check "wids index written" grep -q wids-shard-index-v1 gj/wids.json

# --- readers of the ecosystem ------------------------------------------------
check "GNU tar lists every member" test "$(tar tf g1/fractaldb-000000.tar | wc -l)" = 104
mkdir -p x && tar xf g1/fractaldb-000000.tar -C x
check "GNU tar extracts PNGs" bash -c "file x/*.png 2>/dev/null | head -1 | grep -q PNG || head -c 8 \$(ls x/*.png | head -1) | grep -q PNG"
check "Python tarfile reads every shard" python3 - g1 <<'PY'
import sys, tarfile, glob, json
m = json.load(open(sys.argv[1] + "/manifest.json"))
total = 0
for s in m["shards"]:
    with tarfile.open(sys.argv[1] + "/" + s["name"]) as t:
        names = t.getnames()
        assert all(i.isreg() and i.mtime == 0 and i.uid == 0 and i.mode == 0o644 for i in t.getmembers())
        assert len(names) == 2 * s["samples"], (len(names), s)
        pngs = [n for n in names if n.endswith(".png")]
        assert all(t.extractfile(n).read(8) == b"\x89PNG\r\n\x1a\n" for n in pngs)
        assert [n.split(".")[0] for n in names[0::2]] == [n.split(".")[0] for n in names[1::2]]
        total += len(pngs)
assert total == m["num_samples"], total
PY

# --- verify and inspect -------------------------------------------------------
expect_exit 0 "verify passes on a fresh dataset" "0 problem" "$SYNTHUB" verify g1
cp -r g1 bad
python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(3000); b=f.read(1); f.seek(3000); f.write(bytes([b[0]^1]))" bad/fractaldb-000002.tar
expect_exit 1 "verify catches a flipped byte and names the shard" "BAD fractaldb-000002.tar" "$SYNTHUB" verify bad
cp g1/fractaldb-000002.tar bad/ && truncate -s 4096 bad/fractaldb-000003.tar
expect_exit 1 "verify catches a truncated shard" "BAD fractaldb-000003.tar" "$SYNTHUB" verify bad
expect_exit 1 "verify without a manifest" "manifest.json" "$SYNTHUB" verify x
# Sample index sidecars: generate writes them; index --check compares them with
# the shards; index rewrites them (the same bytes); a stale one is named.
expect_exit 0 "generate's sidecars match their shards" "0 problem" "$SYNTHUB" index --check g1
mkdir -p idx && cp g1/*.tar g1/*.sidx g1/manifest.json idx/
cp idx/fractaldb-000000.sidx idx/want.sidx && rm idx/fractaldb-000000.sidx
expect_exit 1 "index --check names a missing sidecar" "fractaldb-000000.sidx: missing" "$SYNTHUB" index --check idx
expect_exit 0 "index writes the sidecars" "sample index(es) written" "$SYNTHUB" index idx
cmp idx/fractaldb-000000.sidx idx/want.sidx || fail "index wrote another sidecar than generate"
cp g1/fractaldb-000001.tar idx/fractaldb-000000.tar
expect_exit 1 "index --check names a stale sidecar" "another version of the shard" "$SYNTHUB" index --check idx/fractaldb-000000.tar
expect_exit 2 "index of a missing file" "not a shard file" "$SYNTHUB" index nope.tar
mkdir -p vidx && cp g1/* vidx/
printf '\x01' | dd of=vidx/fractaldb-000001.sidx bs=1 seek=100 conv=notrunc 2>/dev/null
expect_exit 1 "verify checks the sidecars and names the shard" "BAD fractaldb-000001.tar: .*fractaldb-000001.sidx" "$SYNTHUB" verify vidx
rm vidx/*.sidx
expect_exit 0 "verify accepts a dataset without sidecars" "0 problem" "$SYNTHUB" verify vidx
mkdir -p badm && cp g1/*.tar badm/ && cp g1/manifest.json badm/
check "manifest_sha256 = SHA-256 of the canonical form (Python recomputes it)" /usr/bin/python3 -c '
import hashlib, json, sys
m = json.load(open(sys.argv[1])); want = m.pop("manifest_sha256")
assert hashlib.sha256(json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest() == want' badm/manifest.json
sed -i 's/"num_classes": 6/"num_classes": 7/' badm/manifest.json
expect_exit 1 "verify catches an edited manifest" "manifest_sha256 does not match" "$SYNTHUB" verify badm
# An edit that re-computes the checksum still has to agree with params.ustar's hash.
/usr/bin/python3 -c '
import hashlib, json, sys
m = json.load(open(sys.argv[1])); m.pop("manifest_sha256"); m["num_classes"] = 6
m["recipe"]["params_sha256"] = "0" * 64
m["manifest_sha256"] = hashlib.sha256(json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
open(sys.argv[1], "w").write(json.dumps(m, indent=1))' badm/manifest.json
expect_exit 1 "verify cross-checks recipe.params_sha256 with params.ustar" "recipe.params_sha256 differs from the hash listed for params.ustar" "$SYNTHUB" verify badm
"$SYNTHUB" inspect g1 --contact-sheet sheet.png > inspect.txt
check "inspect prints the summary" grep -q "samples:        1200" inspect.txt
check "inspect writes a PNG contact sheet" bash -c "head -c 4 sheet.png | grep -q PNG"
check "inspect says where the samples came from" grep -q "source:         generated" inspect.txt

# --- dataset layout: the shards are the only *.tar -----------------------------
check "the shards are the only *.tar of a dataset (glob == manifest shards)" python3 - g1 <<'PY'
import glob, json, os, sys
m = json.load(open(sys.argv[1] + "/manifest.json"))
assert sorted(os.path.basename(p) for p in glob.glob(sys.argv[1] + "/*.tar")) == sorted(s["name"] for s in m["shards"])
PY
check "ls *.tar lists shards only" bash -c "ls g1/*.tar | grep -qv 'fractaldb-[0-9]*\.tar' && exit 1 || exit 0"
check "the parameters are params.ustar, listed and pinned by the recipe" python3 - g1 <<'PY'
import hashlib, json, sys, tarfile
d = sys.argv[1]; m = json.load(open(d + "/manifest.json"))
assert m["format_version"] == 3 and m["source"] == "generated", (m["format_version"], m.get("source"))
assert [f["name"] for f in m["files"]] == ["params.ustar"], m["files"]
sha = hashlib.sha256(open(d + "/params.ustar", "rb").read()).hexdigest()
assert m["files"][0]["sha256"] == sha == m["recipe"]["params_sha256"]
with tarfile.open(d + "/params.ustar") as t:  # still a plain ustar file of CSVs
    assert t.getnames() == ["%05d.csv" % i for i in range(6)], t.getnames()
PY
# A webdataset-style reader over glob("*.tar"): every sample has an image and a label.
check "a glob(*.tar) webdataset reader sees exactly the dataset's samples" python3 - g1 <<'PY'
import glob, json, sys, tarfile
m = json.load(open(sys.argv[1] + "/manifest.json")); samples = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.tar")):
    with tarfile.open(path) as t:
        keys = {}
        for n in t.getnames():
            k, e = n.split(".", 1); keys.setdefault(k, set()).add(e)
    assert all(e == {"png", "cls"} for e in keys.values()), (path, keys)
    samples += len(keys)
assert samples == m["num_samples"], samples
PY
# A dataset of the layout before manifest format 3: params.tar, no "source",
# format_version 2 (the checksum recomputed as a version 2 writer did).
to_old_layout() {  # to_old_layout SRC DST
  cp -r "$1" "$2"
  [ -f "$2/params.ustar" ] && mv "$2/params.ustar" "$2/params.tar"
  /usr/bin/python3 - "$2/manifest.json" <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1])); m.pop("manifest_sha256"); m.pop("source")
m["format_version"] = 2
for f in m["files"]:
    if f["name"] == "params.ustar": f["name"] = "params.tar"
m["manifest_sha256"] = hashlib.sha256(json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
open(sys.argv[1], "w").write(json.dumps(m, indent=1) + "\n")
PY
}
to_old_layout g1 gold
check "old layout: the fixture has params.tar and a version 2 manifest" bash -c \
  "test -f gold/params.tar -a ! -e gold/params.ustar && grep -q '\"format_version\": 2' gold/manifest.json && ! grep -q '\"source\"' gold/manifest.json"
expect_exit 0 "old layout: verify passes" "0 problem" "$SYNTHUB" verify gold
"$SYNTHUB" inspect gold > inspect_old.txt 2>&1
check "old layout: inspect reads it as generated" grep -q "source:         generated" inspect_old.txt
cp -r gold goldbad
/usr/bin/python3 - goldbad/manifest.json <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1])); m.pop("manifest_sha256"); m["recipe"]["params_sha256"] = "0" * 64
m["manifest_sha256"] = hashlib.sha256(json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
open(sys.argv[1], "w").write(json.dumps(m, indent=1))
PY
expect_exit 1 "old layout: verify cross-checks recipe.params_sha256 with params.tar" "differs from the hash listed for params.tar" "$SYNTHUB" verify goldbad
"$SYNTHUB" load render:g1 --shuffle none --limit 3 --batch-size 4 --image-size 32 > render_new.txt 2>render_new_err.txt
"$SYNTHUB" load render:gold --shuffle none --limit 3 --batch-size 4 --image-size 32 > render_old.txt 2>render_old_err.txt
check "old layout: render: reads params.tar (no search) and renders the same samples" bash -c \
  "test \$(grep -vc '^#' render_old.txt) = 12 && diff <(grep -v '^#' render_new.txt) <(grep -v '^#' render_old.txt) >/dev/null && \
   ! grep -q searching render_old_err.txt render_new_err.txt"
"$SYNTHUB" generate "${SMALL[@]}" --out gold > gold_resume.txt 2>&1
check "old layout: generate resumes it (keeps every shard, reads params.tar)" grep -q "this run wrote 0" gold_resume.txt
check "old layout: the resumed folder keeps params.tar (no params.ustar) and its shards" bash -c \
  "test -f gold/params.tar -a ! -e gold/params.ustar && for f in g1/*.tar; do cmp -s \$f gold/\$(basename \$f) || exit 1; done"
check "old layout: its rewritten manifest (format 3) lists params.tar and verifies" bash -c \
  "grep -q '\"name\": \"params.tar\"' gold/manifest.json && grep -q '\"format_version\": 3' gold/manifest.json && '$SYNTHUB' verify gold >/dev/null"

# --- resume after kill -9 -----------------------------------------------------
BIG=(--categories 6 --size 96 --points 20000 --draws 4 --shard-size 40 --search-mode keyed
     --search-size 128 --search-points 20000 --seed 9 --threads 1 --quiet)
"$SYNTHUB" generate "${BIG[@]}" --out ref >/dev/null 2>&1
"$SYNTHUB" generate "${BIG[@]}" --out killed >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  [ "$(ls killed/.synthub/*.tar.json 2>/dev/null | wc -l)" -ge 3 ] && break; sleep 0.05
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
check "killed run left no manifest" test ! -f killed/manifest.json
n_before=$(ls killed/.synthub/*.tar.json 2>/dev/null | wc -l)
# Damage one finished shard: the rerun must notice and regenerate it.
first=$(ls killed/*.tar | head -1)
python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(700); f.write(b'X')" "$first"
"$SYNTHUB" generate "${BIG[@]}" --out killed > resume.txt 2>&1
check "resume kept the finished shards ($n_before)" grep -q "kept $((n_before - 1)) verified" resume.txt
check "resume regenerated the damaged shard" grep -q "does not match its record" resume.txt
check "resumed dataset == uninterrupted" same_dataset ref killed
check "no temporaries left" test -z "$(find killed -name '*.tmp.*')"
"$SYNTHUB" generate "${BIG[@]}" --out killed > rerun.txt 2>&1
check "a rerun of a complete dataset writes nothing" grep -q "this run wrote 0" rerun.txt

# --- bad input ------------------------------------------------------------------
mkdir -p badcsv && cp s1/*.csv badcsv/ && echo "1,2,three,4,5,6,0.5" > badcsv/00003.csv
expect_exit 1 "malformed CSV named with its line" "00003.csv:1" "$SYNTHUB" generate --params badcsv --out o1 --quiet
mkdir -p gap && cp s1/*.csv gap/ && rm gap/00004.csv
expect_exit 1 "a params folder with a gap names the missing file" "00004.csv: missing" "$SYNTHUB" generate --params gap --out o2 --quiet
before=$(sha256sum g1/manifest.json)
expect_exit 1 "an output of another recipe is refused" "different recipe" "$SYNTHUB" generate "${SMALL[@]}" --size 72 --out g1
check "the refused output is untouched" test "$(sha256sum g1/manifest.json)" = "$before"
check "and still verifies" "$SYNTHUB" verify g1
touch afile
expect_exit 1 "unwritable output named" "afile/out" "$SYNTHUB" generate "${SMALL[@]}" --out afile/out
mkdir -p tiny
if mount -t tmpfs -o size=400k tmpfs tiny 2>/dev/null; then
  expect_exit 1 "a full disk is a clear error" "disk full" "$SYNTHUB" generate "${SMALL[@]}" --out tiny/d
  check "a full disk leaves no partial shard" test -z "$(find tiny -name '*.tmp.*')"
  for f in tiny/d/*.tar; do
    check "finished shard $(basename "$f") on the full disk is intact" \
      cmp -s "$f" "g1/$(basename "$f")"
  done
  umount tiny
else
  echo "# skipped full-disk check: cannot mount tmpfs here"
fi

# --- pack an image folder --------------------------------------------------------
mkdir -p folder/cat folder/dog
i=0; for f in x/*.png; do if [ $((i % 2)) = 0 ]; then cp "$f" folder/cat/; else cp "$f" folder/dog/; fi; i=$((i+1)); done
echo "not an image" > folder/dog/readme.txt
"$SYNTHUB" pack imagefolder folder --out packed --shard-size 10 --quiet > pack.txt 2>&1
check "pack: 52 images of 2 classes" grep -q "52 images of 2 classes" pack.txt
check "pack output verifies" "$SYNTHUB" verify packed
check "pack keeps class names" grep -q '"dog"' packed/manifest.json
check "pack: the manifest says the samples are packed" grep -q '"source": "packed"' packed/manifest.json
"$SYNTHUB" inspect packed > inspect_packed.txt 2>&1
check "inspect: a packed set" grep -q "source:         packed" inspect_packed.txt
expect_exit 1 "load render: refuses a packed set" "packed dataset has no recipe to render" \
  "$SYNTHUB" load render:packed --limit 1 --batch-size 4 --image-size 32
to_old_layout packed packed_old
check "old layout: a packed set (version 2, packed_from in the recipe) verifies" "$SYNTHUB" verify packed_old
"$SYNTHUB" inspect packed_old > inspect_packed_old.txt 2>&1
check "old layout: inspect reads it as packed" grep -q "source:         packed" inspect_packed_old.txt
expect_exit 1 "old layout: load render: refuses the packed set" "packed dataset has no recipe to render" \
  "$SYNTHUB" load render:packed_old --limit 1 --batch-size 4 --image-size 32
mkdir -p tiny2
if mount -t tmpfs -o size=40k tmpfs tiny2 2>/dev/null; then
  expect_exit 1 "pack on a full disk is a clear error" "disk full\|No space left" \
    "$SYNTHUB" pack imagefolder folder --out tiny2/p --shard-size 10 --quiet
  check "pack on a full disk leaves no partial shard and no manifest" \
    bash -c "test -z \"\$(find tiny2 -name '*.tmp.*')\" && test ! -e tiny2/p/manifest.json"
  umount tiny2
else
  echo "# skipped full-disk check of pack: cannot mount tmpfs here"
fi
"$SYNTHUB" load folder --shuffle none --image-size 16 --batch-size 4 --keep-last > folder_load.txt 2>/dev/null
check "load: an image folder, one file per sample" test "$(grep -vc '^#' folder_load.txt)" = 52
check "load: image folder labels from class names" grep -q "2 classes" folder_load.txt
cp folder/cat/$(ls folder/cat | head -1) folder/cat/broken.jpg
expect_exit 1 "pack names a file that is not what its extension says" "broken.jpg" "$SYNTHUB" pack imagefolder folder --out packed2 --quiet

# --- loader: local, HTTP, other tar writers -------------------------------------
L=(--shuffle none --layout u8 --image-size 32 --batch-size 8 --keep-last)
"$SYNTHUB" load g1 "${L[@]}" > load_local.txt 2>load_err.txt
check "load: 1200 samples from a dataset folder" test "$(grep -vc '^#' load_local.txt)" = 1200
check "load: len() printed" grep -q "150 batches per epoch" load_local.txt
"$SYNTHUB" load g1 --shuffle none --image-size 32 --batch-size 8 --limit 4 --rand-augment rand-m9-mstd0.5-inc1 \
  --color-jitter 0.4 --random-erasing 0.5 --vflip > load_aug.txt 2>load_aug_err.txt
check "load: RandAugment, colour jitter, random erasing and vflip run, same samples" \
  diff <(grep -v '^#' load_aug.txt) <(grep -v '^#' load_local.txt | head -32)
expect_exit 2 "load: a bad --rand-augment is named" "--rand-augment: unknown section 'w0'" \
  "$SYNTHUB" load g1 --rand-augment rand-m9-w0
expect_exit 2 "load: --random-erasing is a probability" "--random-erasing is a probability" \
  "$SYNTHUB" load g1 --random-erasing 1.5
"$SYNTHUB" load "g1/fractaldb-{000000..000023}.tar" "${L[@]}" > load_brace.txt 2>/dev/null
check "load: brace spec == dataset folder" diff <(grep -v '^#' load_local.txt) <(grep -v '^#' load_brace.txt)
python3 -m http.server --bind 127.0.0.1 0 --directory "$WORK" > http_server.log 2>&1 &
http_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(grep -o 'port [0-9]*' http_server.log | head -1 | cut -d' ' -f2); [ -n "$port" ] && break; sleep 0.05
done
if [ -n "$port" ]; then
  "$SYNTHUB" load "http://127.0.0.1:$port/g1/" "${L[@]}" > load_http.txt 2>http_err.txt
  check "load over HTTP (folder URL) == local" diff <(grep -v '^#' load_local.txt) <(grep -v '^#' load_http.txt)
  "$SYNTHUB" load "http://127.0.0.1:$port/g1/fractaldb-{000000..000001}.tar::g1/fractaldb-000002.tar" \
    "${L[@]}" > load_mixed.txt 2>/dev/null
  check "load: '::' list of URLs and a local path" test "$(grep -vc '^#' load_mixed.txt)" = 156
  expect_exit 1 "load: HTTP 404 is a clear error" "HTTP 404" "$SYNTHUB" load "http://127.0.0.1:$port/nope.tar" "${L[@]}"
  expect_exit 2 "load: global shuffle refuses URLs" "--shuffle: global reads samples by offset" \
    "$SYNTHUB" load "http://127.0.0.1:$port/g1/" --shuffle global
else
  fail "could not start a loopback HTTP server"
fi
kill $http_pid 2>/dev/null
python3 "$TESTS_DIR/http_fault_server.py" "$WORK" fault_port.txt &
fault_pid=$!
for _ in $(seq 1 100); do [ -s fault_port.txt ] && break; sleep 0.05; done
check "the mid-stream fault server is up" test -s fault_port.txt
expect_exit 1 "load: a download cut mid-stream is an error naming the URL" "fractaldb-000000.tar@[0-9]*: download failed" \
  "$SYNTHUB" load "http://127.0.0.1:$(cat fault_port.txt)/g1/fractaldb-000000.tar" "${L[@]}"
"$SYNTHUB" load "http://127.0.0.1:$(cat fault_port.txt)/g1/fractaldb-{000000..000001}.tar::g1/fractaldb-000002.tar" \
  "${L[@]}" --on-error skip > skip.txt 2>skip_err.txt
check "load --on-error skip survives a cut download" grep -q "download failed" skip_err.txt
check "load --on-error skip still delivers" test "$(grep -vc "^#" skip.txt)" -gt 60
kill $fault_pid 2>/dev/null
# Shards written by GNU tar in its three formats, with long names.
mkdir -p gt/a_very_long_directory_name_that_makes_the_member_path_longer_than_one_hundred_bytes_for_sure
for i in 0 1 2 3 4 5; do
  k=gt/a_very_long_directory_name_that_makes_the_member_path_longer_than_one_hundred_bytes_for_sure/s$i
  cp "$(ls x/*.png | sed -n "$((i+1))p")" "$k.png"; echo -n "$((i % 3))" > "$k.cls"
done
for fmt in gnu posix; do
  (cd gt && tar --sort=name --format=$fmt -cf ../gt_$fmt.tar a_very_long*)
  "$SYNTHUB" load gt_$fmt.tar "${L[@]}" > gt_$fmt.txt 2>/dev/null
  check "load: GNU tar --format=$fmt shard with long names (6 samples)" test "$(grep -vc '^#' gt_$fmt.txt)" = 6
  check "load: labels from GNU tar --format=$fmt" bash -c "grep -v '^#' gt_$fmt.txt | awk '{print \$5}' | tr -d '\n' | grep -q 012012"
done
# Shards as the Python webdataset writer makes them: tarfile (PAX by default, or GNU),
# members key.png + key.cls, keys with dots in directories.
python3 - x <<'PY'
import io, os, sys, tarfile
pngs = sorted(f for f in os.listdir(sys.argv[1]) if f.endswith(".png"))[:5]
for fmt, name in ((tarfile.PAX_FORMAT, "py_pax.tar"), (tarfile.GNU_FORMAT, "py_gnu.tar")):
    with tarfile.open(name, "w", format=fmt) as t:
        for i, f in enumerate(pngs):
            for ext, data in (("png", open(os.path.join(sys.argv[1], f), "rb").read()), ("cls", str(i % 2).encode())):
                info = tarfile.TarInfo(f"dir.v1/sample{i:03d}.{ext}")
                info.size, info.mtime = len(data), 1700000000
                t.addfile(info, io.BytesIO(data))
PY
for f in py_pax py_gnu; do
  "$SYNTHUB" load $f.tar "${L[@]}" > $f.txt 2>/dev/null
  check "load: Python tarfile ($f) shard, 5 samples" test "$(grep -vc '^#' $f.txt)" = 5
  check "load: Python tarfile ($f) keys keep the dotted directory" grep -q "dir.v1/sample004 0" $f.txt
done
(cd x && tar --sort=name --format=ustar -cf ../gt_ustar.tar $(ls | head -20))
"$SYNTHUB" load gt_ustar.tar "${L[@]}" > gt_ustar.txt 2>/dev/null
check "load: GNU tar --format=ustar shard (10 samples)" test "$(grep -vc '^#' gt_ustar.txt)" = 10
"$SYNTHUB" load render:demo --limit 2 --batch-size 4 --image-size 32 > render.txt 2>/dev/null
check "load: render source yields samples" test "$(grep -vc '^#' render.txt)" = 8
expect_exit 2 "load: bad --shuffle value" "--shuffle: expected none, local or global, got 'sometimes'" \
  "$SYNTHUB" load g1 --shuffle sometimes
expect_exit 2 "load: the loader's field is reported as its flag" "--batch-size must be >= 1" \
  "$SYNTHUB" load g1 --batch-size 0
expect_exit 2 "load: rank out of range names both flags" "--rank must be in \[0, --world-size)" \
  "$SYNTHUB" load g1 --rank 2 --world-size 2
expect_exit 2 "load: --scale outside (0, 1] is a usage error" "--scale: need 0 < MIN <= MAX <= 1" \
  "$SYNTHUB" load g1 --scale 0.5,2
expect_exit 2 "load: --mean takes one or three values" "--mean: expected one value or three" \
  "$SYNTHUB" load g1 --mean 0.1,0.2
for c in load bench-load; do
  expect_exit 0 "$c --help prints the loader flags' defaults" "--scale V .*(default: 0.08,1)" "$SYNTHUB" "$c" --help
  expect_exit 0 "$c --help wins over other flags" "usage: synthub $c" "$SYNTHUB" "$c" --frobnicate --help
done
for scale in 0.25,1 0.25..1 0.25; do  # MIN,MAX; the old load spelling; the old pretrain one (MAX 1)
  expect_exit 0 "load: --scale $scale accepted" "samples in the dataset" "$SYNTHUB" load g1 --limit 1 --scale $scale
done
"$SYNTHUB" bench-load g1 --image-size 64 > bench_load.json 2>/dev/null
check "bench-load reports per-stage time" python3 -c "import json; d=json.load(open('bench_load.json')); assert d['images']>0 and d['decode_s']>0 and d['files_opened']==24, d"

# --- pack CIFAR-10 / CIFAR-100 / IDX (MNIST) ---------------------------------------
PY3=/usr/bin/python3  # Debian's, with PIL (python3 on PATH may lack it)
# Tiny CIFAR-10: 5 train batches of 3 records + a test batch of 4, pixels from a seeded RNG.
$PY3 - <<'PY'
import gzip, os, random, struct
random.seed(7)
def rec(prefix): return bytes(prefix) + bytes(random.randrange(256) for _ in range(3072))
os.makedirs("c10", exist_ok=True); os.makedirs("c100/cifar-100-binary", exist_ok=True)
for i in range(1, 6):
    open(f"c10/data_batch_{i}.bin", "wb").write(b"".join(rec([(3 * i + r) % 10]) for r in range(3)))
open("c10/test_batch.bin", "wb").write(b"".join(rec([r]) for r in range(4)))
open("c10/batches.meta.txt", "w").write("\n".join("airplane automobile bird cat deer dog frog horse ship truck".split()) + "\n\n")
# CIFAR-100 (in the tarball's subfolder): coarse + fine label bytes.
open("c100/cifar-100-binary/train.bin", "wb").write(b"".join(rec([r % 20, 90 + r]) for r in range(7)))
open("c100/cifar-100-binary/test.bin", "wb").write(b"".join(rec([19, 99]) for r in range(2)))
# IDX: 7 images of 5 rows x 4 columns, gzip and raw.
imgs = bytes(random.randrange(256) for _ in range(7 * 20)); labels = bytes([0, 1, 2, 3, 4, 5, 11])
for opener, suffix in ((gzip.open, ".gz"), (open, "")):
    with opener("imgs-idx3-ubyte" + suffix, "wb") as f: f.write(struct.pack(">IIII", 0x803, 7, 5, 4) + imgs)
    with opener("labels-idx1-ubyte" + suffix, "wb") as f: f.write(struct.pack(">II", 0x801, 7) + labels)
open("imgs_short-idx3-ubyte", "wb").write(struct.pack(">IIII", 0x803, 7, 5, 4) + imgs[:-3])
PY
# png_pixels FILE.tar MEMBER: the decoded pixels, hex, as PIL sees them (mode, then bytes).
png_pixels() { $PY3 -c 'import io,sys,tarfile; from PIL import Image
t=tarfile.open(sys.argv[1]); im=Image.open(io.BytesIO(t.extractfile(sys.argv[2]).read()))
print(im.mode, im.size, im.tobytes().hex())' "$1" "$2"; }
# cifar_pixels FILE RECORD HEADER: the record's planes interleaved to RGB, hex.
cifar_pixels() { $PY3 -c 'import sys; d=open(sys.argv[1],"rb").read(); r=int(sys.argv[2]); h=int(sys.argv[3])
p=d[r*(h+3072)+h:(r+1)*(h+3072)]; print("RGB", (32, 32), bytes(p[c*1024+i] for i in range(1024) for c in range(3)).hex())' "$1" "$2" "$3"; }
"$SYNTHUB" pack cifar c10 --out c10_out --shard-size 4 --quiet > c10.txt 2>&1
check "pack cifar: CIFAR-10 detected" grep -q "CIFAR-10" c10.txt
check "pack cifar: 15 train images of 10 classes in 4 shards" grep -q "c10_out/train: 15 images of 10 classes in 4 shards" c10.txt
check "pack cifar: 4 test images" grep -q "c10_out/test: 4 images" c10.txt
check "pack cifar: train verifies" "$SYNTHUB" verify c10_out/train
check "pack cifar: test verifies" "$SYNTHUB" verify c10_out/test
check "pack cifar: label names from batches.meta.txt" grep -q '"truck"' c10_out/train/manifest.json
check "pack cifar: shard names" test -f c10_out/train/cifar10-train-000003.tar
# Key 4 = data_batch_2.bin record 1 (file order): label (3*2+1)%10 = 7, pixels unchanged.
check "pack cifar: RGB pixels round-trip (planes -> PNG)" test "$(png_pixels c10_out/train/cifar10-train-000001.tar 000000004.png)" = "$(cifar_pixels c10/data_batch_2.bin 1 1)"
check "pack cifar: label of key 4" test "$(tar xOf c10_out/train/cifar10-train-000001.tar 000000004.cls)" = 7
"$SYNTHUB" load c10_out/train --shuffle none --image-size 32 --batch-size 5 > c10_load.txt 2>/dev/null
check "load: packed CIFAR-10, 15 samples of 3x32x32" test "$(grep -c ' 3x32x32$' c10_load.txt)" = 15
"$SYNTHUB" pack cifar c100 --out c100_out --quiet > c100.txt 2>&1
check "pack cifar: CIFAR-100 (tarball subfolder), fine labels" grep -q "c100_out/train: 7 images of 100 classes" c100.txt
check "pack cifar: fine label" test "$(tar xOf c100_out/train/cifar100-train-000000.tar 000000006.cls)" = 96
check "pack cifar: CIFAR-100 pixels round-trip" test "$(png_pixels c100_out/test/cifar100-test-000000.tar 000000001.png)" = "$(cifar_pixels c100/cifar-100-binary/test.bin 1 2)"
"$SYNTHUB" pack cifar c100 --out c100_coarse --labels coarse --quiet > c100c.txt 2>&1
check "pack cifar: --labels coarse gives 20 classes" grep -q "c100_coarse/train: 7 images of 20 classes" c100c.txt
check "pack cifar: coarse label" test "$(tar xOf c100_coarse/train/cifar100-train-000000.tar 000000006.cls)" = 6
expect_exit 2 "pack cifar: --labels is for CIFAR-100" "CIFAR-100 only" "$SYNTHUB" pack cifar c10 --out x10 --labels coarse
expect_exit 2 "pack cifar: bad --labels value" "fine or coarse" "$SYNTHUB" pack cifar c100 --out x100 --labels medium
cp -r c10 c10_bad && head -c 3000 c10/test_batch.bin >> c10_bad/test_batch.bin
expect_exit 1 "pack cifar: a truncated file is named" "test_batch.bin: size 15292 is not a whole number of 3073-byte records" \
  "$SYNTHUB" pack cifar c10_bad --out x --quiet
rm c10_bad/test_batch.bin
expect_exit 1 "pack cifar: a missing file is named" "test_batch.bin: missing" "$SYNTHUB" pack cifar c10_bad --out x --quiet
cp c10/test_batch.bin c10_bad/ && printf '\x0c' | dd of=c10_bad/data_batch_3.bin bs=1 seek=3073 conv=notrunc 2>/dev/null
expect_exit 1 "pack cifar: a label out of range names file and record" "data_batch_3.bin: record 1 (offset 3073): label 12 >= 10 classes" \
  "$SYNTHUB" pack cifar c10_bad --out x --quiet
expect_exit 1 "pack cifar: not a CIFAR folder" "not a CIFAR binary folder" "$SYNTHUB" pack cifar folder --out x --quiet

"$SYNTHUB" pack idx imgs-idx3-ubyte.gz labels-idx1-ubyte.gz --classes 12 --out idx_gz --shard-size 3 --quiet > idx.txt 2>&1
check "pack idx (gz): 7 images of 12 classes in 3 shards" grep -q "idx_gz: 7 images of 12 classes in 3 shards" idx.txt
check "pack idx (gz): verifies" "$SYNTHUB" verify idx_gz
check "pack idx: gray pixels round-trip (5 rows x 4 columns)" test "$(png_pixels idx_gz/dataset-000002.tar 000000006.png)" = \
  "L (4, 5) $($PY3 -c 'import sys; d=open(sys.argv[1],"rb").read()[16:]; print(d[6*20:7*20].hex())' imgs-idx3-ubyte)"
"$SYNTHUB" pack idx imgs-idx3-ubyte labels-idx1-ubyte --classes 0 --out idx_raw --shard-size 3 --quiet > idx_raw.txt 2>&1
check "pack idx (raw): --classes 0 = max label + 1" grep -q "idx_raw: 7 images of 12 classes" idx_raw.txt
check "pack idx: gz and raw give the same shards" bash -c 'for f in idx_gz/*.tar; do cmp -s "$f" "idx_raw/${f#idx_gz/}" || exit 1; done'
"$SYNTHUB" pack idx imgs-idx3-ubyte.gz labels-idx1-ubyte.gz --limit 5 --out idx_lim --quiet > idx_lim.txt 2>&1
check "pack idx: --limit 5" grep -q "idx_lim: 5 images of 10 classes" idx_lim.txt
"$SYNTHUB" load idx_lim --shuffle none --image-size 8 --batch-size 5 > idx_load.txt 2>/dev/null
check "load: gray PNGs decode to 3 channels" test "$(grep -c ' 3x8x8$' idx_load.txt)" = 5
expect_exit 1 "pack idx: label >= --classes names the item" "label 11 of item 6 >= 10 classes" \
  "$SYNTHUB" pack idx imgs-idx3-ubyte.gz labels-idx1-ubyte.gz --out x --quiet
expect_exit 1 "pack idx: a truncated file is named" "imgs_short-idx3-ubyte: truncated" \
  "$SYNTHUB" pack idx imgs_short-idx3-ubyte labels-idx1-ubyte --classes 12 --out x --quiet
expect_exit 1 "pack idx: labels and images swapped" "IDX magic 0x00000801, expected 0x00000803" \
  "$SYNTHUB" pack idx labels-idx1-ubyte imgs-idx3-ubyte --out x --quiet
expect_exit 1 "pack idx: a missing file is named" "nope.gz: no such file" "$SYNTHUB" pack idx nope.gz labels-idx1-ubyte --out x --quiet
expect_exit 2 "pack idx: --limit is for idx only" "--limit is for 'pack idx'" "$SYNTHUB" pack cifar c10 --out x --limit 3

# --- plot training curves ------------------------------------------------------------
expect_exit 0 "plot --help exits 0" "usage: synthub plot" "$SYNTHUB" plot --help
expect_exit 0 "pack --help lists cifar and idx" "synthub pack idx IMAGES LABELS" "$SYNTHUB" pack --help
mkdir -p run_local run_global
for r in run_local run_global; do
  $PY3 - "$r" <<'PY'
import json, math, sys
with open(sys.argv[1] + "/metrics.jsonl", "w") as f:
    f.write(json.dumps({"kind": "config", "model": "vit_tiny"}) + "\n")
    for step in range(0, 400, 10):
        f.write(json.dumps({"kind": "train", "epoch": step // 100, "step": step, "loss": 6.9 * math.exp(-step / 300) + 0.1 * math.sin(step),
                            "lr": 1e-3, "images_per_s": 1000.0, "data_wait_s": 0.01, "compute_s": 0.1}) + "\n")
        if step % 100 == 90:
            f.write(json.dumps({"kind": "eval", "epoch": step // 100 + 1, "step": step, "loss": 2.0, "top1": 10.0 + step / 10, "top5": 50.0}) + "\n")
PY
done
"$SYNTHUB" plot run_local > plot.txt 2>&1
check "plot: one run writes RUN_DIR/curves.svg" grep -q "<svg" run_local/curves.svg
check "plot: loss and top-1 curves drawn" test "$(grep -c '<polyline' run_local/curves.svg)" = 3
"$SYNTHUB" plot run_local run_global --out both.svg --title "local vs global shuffle" > plot2.txt 2>&1
check "plot: two runs, legend names both" bash -c "grep -q '>run_local' both.svg && grep -q '>run_global' both.svg && grep -q 'local vs global shuffle' both.svg"
check "plot: SVG is well-formed XML" $PY3 -c "import xml.dom.minidom,sys; xml.dom.minidom.parse('both.svg')"
mkdir -p run_flat && $PY3 - run_flat <<'PY'
import json, sys
with open(sys.argv[1] + "/metrics.jsonl", "w") as f:
    for e in range(5):
        f.write(json.dumps({"kind": "train", "epoch": e, "step": 10 * e + 10, "loss": 2.3}) + "\n")
        f.write(json.dumps({"kind": "eval", "epoch": e + 1, "step": 10 * e + 10, "loss": 2.3, "top1": 10.0, "top5": 50.0}) + "\n")
PY
"$SYNTHUB" plot run_flat > plot3.txt 2>&1
check "plot: a flat top-1 curve is drawn inside its panel, its value among the ticks" $PY3 - run_flat/curves.svg <<'PY'
import re, sys
svg = open(sys.argv[1]).read()
clip = re.search(r'<clipPath id="clip-top1"><rect x="[-\d.]+" y="([-\d.]+)" width="[-\d.]+" height="([-\d.]+)"', svg)
top, height = float(clip.group(1)) + 4, float(clip.group(2)) - 8
cys = [float(c) for c in re.findall(r'<circle cx="[-\d.]+" cy="([-\d.]+)"', svg)]
assert len(cys) == 5 and all(top + 20 < cy < top + height - 20 for cy in cys), (top, height, cys)
assert re.search(r'>10(\.0)?</text>', svg), "no tick at 10"
PY
expect_exit 2 "plot: --out required for several runs" "--out is required" "$SYNTHUB" plot run_local run_global
cp -r run_local run_bad && echo '{"kind": "train", "step": 5, "loss": ' >> run_bad/metrics.jsonl
expect_exit 1 "plot: a malformed line is named (file:line)" "run_bad/metrics.jsonl:46: not valid JSON" "$SYNTHUB" plot run_bad
mkdir -p run_empty && : > run_empty/metrics.jsonl
expect_exit 1 "plot: an empty metrics file" "run_empty/metrics.jsonl: no \"kind\"" "$SYNTHUB" plot run_empty
expect_exit 1 "plot: a folder without metrics.jsonl" "metrics.jsonl: no such file" "$SYNTHUB" plot folder

finish
