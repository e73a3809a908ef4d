#!/usr/bin/env bash
# End-to-end: one sample grouping for every reader. A dataset whose shards use
# .label / .cls.txt label members and carry __meta__-style metadata members
# loads the same samples with --shuffle none, local and global (with and
# without a manifest), and verify counts what the loader counts; a repeated
# extension fails alike everywhere. Usage: grouping_test.sh path/to/synthub
set -uo pipefail
SYNTHUB=$(readlink -f "$1")
WORK=$(mktemp -d /tmp/synthub_grouping.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
passed=0; failed=0
ok()   { echo "ok - $1"; passed=$((passed+1)); }
fail() { echo "FAIL - $1"; failed=$((failed+1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }
PY3=/usr/bin/python3

# 12 tiny grayscale PNGs in two classes (zlib only, no PIL), packed by synthub.
$PY3 - <<'PY'
import os, struct, zlib
def png(w, h, v):
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    raw = b"".join(b"\0" + bytes([v]) * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
for c in ("cat", "dog"):
    os.makedirs(f"folder/{c}", exist_ok=True)
for i in range(12):
    c = ("cat", "dog")[i % 2]
    open(f"folder/{c}/img{i:02d}.png", "wb").write(png(12, 10, 40 + 10 * i))
PY
"$SYNTHUB" pack imagefolder folder --out ds --shard-size 5 --quiet > pack.txt 2>&1
check "pack made the dataset" test -f ds/manifest.json

# Rewrite every shard as another writer might: a __meta__.json member first,
# labels as .label / .cls.txt / .cls in turn, an __info__ member between the
# members of one sample; drop the sample indexes pack wrote for the old shards;
# then fix the manifest's sizes, hashes and checksum.
$PY3 - ds <<'PY'
import hashlib, io, json, os, sys, tarfile
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
n = 0
for s in m["shards"]:
    path = os.path.join(d, s["name"])
    with tarfile.open(path) as t:
        members = [(x.name, t.extractfile(x).read()) for x in t.getmembers()]
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        def add(name, data):
            info = tarfile.TarInfo(name); info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        add("__meta__.json", b'{"writer": "test"}')
        for name, data in members:
            key, ext = name.split(".", 1)
            if ext == "cls":
                ext = ("label", "cls.txt", "cls")[n % 3]
                if ext == "cls.txt": data += b"\n"
                add("__info__", b"metadata between members") if n % 4 == 0 else None
                n += 1
            add(key + "." + ext, data)
    data = out.getvalue()
    open(path, "wb").write(data)
    os.remove(path[:-4] + ".sidx")  # pack's sample index no longer fits the rewritten shard
    s["bytes"], s["sha256"] = len(data), hashlib.sha256(data).hexdigest()
m.pop("manifest_sha256")
m["manifest_sha256"] = hashlib.sha256(json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
open(os.path.join(d, "manifest.json"), "w").write(json.dumps(m, indent=1))
PY
check "the shards now carry .label, .cls.txt and __meta__ members" \
  bash -c "tar tf ds/\$(ls ds | grep -m1 '\.tar$') | grep -q '__meta__.json' && cat ds/*.tar | grep -aq '\.label' && cat ds/*.tar | grep -aq '\.cls\.txt'"

"$SYNTHUB" verify ds > verify.txt 2>&1
check "verify: 12 samples, no problem" grep -q "12 samples, [0-9]* bytes, 0 problem" verify.txt

L=(--layout u8 --image-size 8 --batch-size 4 --keep-last)
for spec in ds "ds/*.tar"; do
  [ "$spec" = ds ] && what="with a manifest" || what="without a manifest (counted)"
  [ "$spec" != ds ] && spec=$(ls ds/*.tar | paste -sd: | sed 's/:/::/g')
  for mode in none local global; do
    "$SYNTHUB" load "$spec" --shuffle $mode "${L[@]}" > load_$mode.txt 2> load_$mode.err
    grep -v '^#' load_$mode.txt | awk '{print $4, $5}' | sort > keys_$mode.txt
    check "load --shuffle $mode $what: 12 samples" test "$(wc -l < keys_$mode.txt)" = 12
  done
  check "load $what: local == none (same samples and labels)" cmp -s keys_none.txt keys_local.txt
  check "load $what: global == none (same samples and labels)" cmp -s keys_none.txt keys_global.txt
  check "load $what: labels are the class indices" \
    bash -c "awk '{print \$2}' keys_none.txt | sort -u | tr -d '\n' | grep -qx 01"
done

# A repeated extension ("A.png" and "A.PNG") is an error in every mode and in verify.
first=$(ls ds/*.tar | head -1)
$PY3 - "$first" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    members = [(x.name, t.extractfile(x).read()) for x in t.getmembers()]
out = io.BytesIO()
with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for i, (name, data) in enumerate(members):
        for n in ([name, name.replace(".png", ".PNG")] if name.endswith(".png") and i > 3 else [name]):
            info = tarfile.TarInfo(n); info.size = len(data); t.addfile(info, io.BytesIO(data))
open("repeat.tar", "wb").write(out.getvalue())
PY
for mode in none local global; do
  "$SYNTHUB" load repeat.tar --shuffle $mode "${L[@]}" > /dev/null 2> repeat_$mode.err
  rc=$?
  check "load --shuffle $mode: a repeated extension is an error (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -q \"repeats extension 'png'\" repeat_$mode.err"
done
cp -r ds ds_repeat && cp repeat.tar "ds_repeat/$(basename "$first")"
"$SYNTHUB" verify ds_repeat > verify_repeat.txt 2>&1
check "verify: a repeated extension is reported" grep -q "repeats extension 'png'" verify_repeat.txt

echo "# $passed passed, $failed failed"
[ "$failed" = 0 ]
