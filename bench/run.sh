#!/usr/bin/env bash
# Measures synthub against its baselines in one run and prints a report
# (docs/benchmarks.md records one). Usage: bench/run.sh [build-dir]
# Needs a Release build (scripts/build.sh). Takes about 8 minutes on 2 cores.
source "$(dirname "$0")/lib.sh" bench "${1:-}"
echo "# synthub benchmark — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

echo; echo "## Rendering at paper settings (362x362, 200k points, patch_gray, k=0.4), one thread"
"$BUILD/bench/synthub_bench" --benchmark_format=json --benchmark_out="$WORK/gb.json" \
  --benchmark_out_format=json >/dev/null 2>&1
python3 - "$WORK/gb.json" <<'PY'
import json, sys
b = {x["name"].split("/")[0]: x for x in json.load(open(sys.argv[1]))["benchmarks"]}
naive = b["BM_RenderNaiveReference"]["items_per_second"]
ours = b["BM_RenderSynthub"]["items_per_second"]
floor = b["BM_RenderChaosAndPatchOnly"]["items_per_second"]
trial = b["BM_SearchTrialSynthub"]["items_per_second"]
print(f"| pipeline | images per CPU-s | bytes/image |\n|---|---:|---:|")
print(f"| naive C++ transcription of the reference (libpng RGB, per-draw chaos game) | {naive:.0f} | {b['BM_RenderNaiveReference']['bytes_per_image']:.0f} |")
print(f"| synthub (gray PNG, Z_RLE, vectorised masks) | {ours:.0f} | {b['BM_RenderSynthub']['bytes_per_image']:.0f} |")
print(f"| chaos game + 3x3 patches only (the physical floor, no encode) | {floor:.0f} | - |")
print(f"\nsynthub / naive baseline (same run): {ours / naive:.1f}x")
print(f"synthub / reference Python (0.6 img per CPU-s, docs/benchmarks.md): {ours / 0.6:.0f}x (target 300x)")
print(f"synthub / physical floor: {100 * ours / floor:.0f}% of the chaos-game-plus-patch rate")
print(f"search trial (100k points, 512^2): {trial:.0f} trials per CPU-s (reference Python 5.5)")
PY

echo; echo "## Bit-exact FractalDB-1k category search (42,655 trials)"
read -r wall cpu _ < <(timed "$SYNTHUB" search --categories 1000 --threads 1 --quiet --out "$WORK/p1")
echo "- 1 thread: $cpu CPU-s, $wall s wall (target <= 60 CPU-s; reference Python about 7,800 CPU-s)"
read -r wall2 cpu2 _ < <(timed "$SYNTHUB" search --categories 1000 --threads 2 --quiet --out "$WORK/p2")
echo "- 2 threads: $cpu2 CPU-s, $wall2 s wall"
if diff -r -x search.json -x LICENSE "$WORK/p1" "$ROOT/tests/data/fractaldb-1k-published-params" >/dev/null 2>&1; then
  echo "- all 1,000 CSVs identical to the published ones"
else
  echo "- published CSVs not found or different"
fi

echo; echo "## One thread against two (CPU seconds side by side)"
bash "$ROOT/bench/threads_run.sh" "$BUILD"

echo; echo "## End-to-end generate (4 published categories x 1,000 = 4,000 images, PNG, shards of 1,000)"
mkdir -p "$WORK/params4" && cp "$WORK/p1"/0000[0-3].csv "$WORK/params4/"
G=(generate --params "$WORK/params4" --shard-size 1000 --quiet)
echo "| run | wall s | CPU s | images/s | images per CPU-s |"; echo "|---|---:|---:|---:|---:|"
for run in "1 thread:--threads 1:" "2 threads:--threads 2:" "mpirun -np 2 x 1 thread:--threads 1:mpi"; do
  IFS=: read -r label flags mode <<<"$run"
  out="$WORK/g_${label// /_}"
  if [ "$mode" = mpi ]; then
    command -v mpirun >/dev/null || { echo "| $label | no mpirun | | | |"; continue; }
    read -r w c _ < <(timed mpirun --allow-run-as-root --oversubscribe -np 2 --mca btl self,tcp \
      --mca btl_tcp_if_include lo "$SYNTHUB" "${G[@]}" $flags --out "$out")
  else
    read -r w c _ < <(timed "$SYNTHUB" "${G[@]}" $flags --out "$out")
  fi
  python3 -c "print(f'| $label | {$w:.2f} | {$c:.2f} | {4000/$w:.0f} | {4000/$c:.0f} |')"
done
same=yes
for d in "$WORK"/g_2* "$WORK"/g_mpi*; do cmp -s "$WORK/g_1_thread/manifest.json" "$d/manifest.json" || same=no; done
echo; echo "byte-identical output across the three runs: $same"

echo; echo "## Storage: shards vs one file per image"
d="$WORK/g_1_thread"
shard_bytes=$(cat "$d"/*.tar | wc -c)
files=$(find "$d" -type f | wc -l)
mkdir -p "$WORK/loose" && for s in "$d"/fractaldb-*.tar; do tar xf "$s" -C "$WORK/loose"; done
loose_files=$(find "$WORK/loose" -type f | wc -l)
loose_alloc=$(du -s --block-size=1 "$WORK/loose" | cut -f1)
python3 - <<PY
imgs = 4000
print("| layout | bytes per image | inodes per 1,000 images |\n|---|---:|---:|")
print(f"| synthub shards (+ manifest, params, records) | {$shard_bytes/imgs:.0f} | {$files/imgs*1000:.2f} |")
print(f"| one file per image (.png + .cls, allocated on this file system) | {$loose_alloc/imgs:.0f} | {$loose_files/imgs*1000:.0f} |")
PY
