#!/usr/bin/env bash
# Global shuffle at scale: what a rank pays before its first batch.
# Usage: bench/index_run.sh [BUILD] [SHARDS]   (default build/, 300000 shards)
#
# A real dataset of 10 shards x 1,000 samples (synthub generate, with its
# sample index sidecars), then synthetic datasets whose manifests list SHARDS
# shards of 1,000 samples: each shard file and sidecar a symbolic link to one
# of the 10 real ones (the manifest records the real one's size and SHA-256),
# so a 300M-sample dataset costs 600k links, not 300M images, and every batch
# is still read and decoded for real. For each: `bench-load --shuffle global
# --limit 5`, its first_batch_s (from the start to the first batch: setup, epoch
# plan and the first 64 samples read and decoded) and peak
# RSS; with sidecars and, on 1M samples, without (the tar headers walked).
# Targets: setup under 1 s per million samples; index memory at most 16 bytes
# per sample (RSS above the 10k-sample run's, per sample: everything the
# rank holds for the dataset, manifest and epoch plan included).
source "$(dirname "$0")/lib.sh" index "$@"
SHARDS=${2:-300000}
cd "$WORK"
"$SYNTHUB" generate --out g --categories 10 --size 32 --points 2000 --draws 10 --flips 4 \
  --search-mode keyed --search-size 64 --search-points 5000 --shard-size 1000 --quiet >/dev/null

# synth NAME SHARDS [nosidx]: the synthetic dataset NAME.
synth() {
  python3 - "$@" <<'PY'
import hashlib, json, os, sys
name, shards = sys.argv[1], int(sys.argv[2])
sidecars = len(sys.argv) < 4
m = json.load(open("g/manifest.json"))
m.pop("manifest_sha256")
real = m["shards"]
os.makedirs(name)
records = []
for k in range(shards):
    r = real[k % len(real)]
    shard = "big-%07d.tar" % k
    os.symlink(os.path.abspath("g/" + r["name"]), os.path.join(name, shard))
    if sidecars:
        os.symlink(os.path.abspath("g/" + r["name"][:-4] + ".sidx"), os.path.join(name, shard[:-4] + ".sidx"))
    records.append(dict(r, name=shard))
m["shards"] = records
m["num_samples"] = sum(r["samples"] for r in records)
m["files"] = []
canonical = json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
m["manifest_sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
json.dump(m, open(os.path.join(name, "manifest.json"), "w"))
PY
}

# measure DATASET SAMPLES LABEL
measure() {
  read -r wall cpu rss < <(timed "$SYNTHUB" bench-load "$1" --shuffle global --limit 5 --workers 1 \
                              --batch-size 64 --image-size 32 --layout u8)
  python3 - "$2" "$3" "$rss" "$WORK/o" <<'PY'
import json, sys
samples, label, rss, path = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
j = json.loads([l for l in open(path) if l.startswith("{")][-1])
print(json.dumps(dict(label=label, samples=samples, setup_s=j["first_batch_s"], rss_mib=rss,
                      shards_walked=j.get("shards_walked", 0))))
PY
}

small=$((SHARDS < 1000 ? SHARDS : 1000))
synth walk "$small" nosidx
synth sidx "$small"
synth big "$SHARDS"
{
  measure g 10000 "10k samples, sidecars (baseline)"
  measure walk $((small * 1000)) "$((small))k samples, no sidecars: tar headers walked"
  measure sidx $((small * 1000)) "$((small))k samples, sidecars"
  measure big $((SHARDS * 1000)) "$((SHARDS / 1000))M samples, sidecars"
} > "$WORK/rows"
python3 - "$WORK/rows" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
base = rows[0]
print("| dataset | s to the first batch | s per million samples | peak RSS MiB | bytes per sample above the 10k run | shards walked |")
print("|---|---:|---:|---:|---:|---:|")
for r in rows:
    extra = (r["rss_mib"] - base["rss_mib"]) * 2**20 / r["samples"] if r is not base else 0
    print(f"| {r['label']} | {r['setup_s']:.2f} | {r['setup_s'] / r['samples'] * 1e6:.3f} | "
          f"{r['rss_mib']:.0f} | {extra:.1f} | {r['shards_walked']} |")
big = rows[-1]
print()
print(f"- {big['label']}: setup {big['setup_s'] / big['samples'] * 1e6:.3f} s per million samples "
      f"(target < 1); {(big['rss_mib'] - base['rss_mib']) * 2**20 / big['samples']:.1f} bytes per sample "
      f"(target <= 16, everything the rank holds included)")
PY
