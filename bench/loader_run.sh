#!/usr/bin/env bash
# Loader benchmark, every figure from one run on the same images: 224 x 224
# JPEG (q90) FractalDB images in shards. Usage: bench/loader_run.sh [build-dir]
source "$(dirname "$0")/lib.sh" loader_bench "${1:-}"
PY=/usr/bin/python3
echo "# synthub loader benchmark — $(date -u +%Y-%m-%d), $(nproc) cores"
"$SYNTHUB" generate --categories 8 --size 224 --points 60000 --draws 2 --draw patch_color \
  --format jpg --quality 90 --shard-size 400 --search-mode keyed --search-size 256 \
  --search-points 40000 --quiet --out "$WORK/d" >/dev/null 2>&1
n=$(python3 -c "import json; print(json.load(open('$WORK/d/manifest.json'))['num_samples'])")
kb=$(python3 -c "import json; m=json.load(open('$WORK/d/manifest.json')); print(round(sum(s['bytes'] for s in m['shards'])/m['num_samples']/1024,1))")
echo "dataset: $n JPEG images, 224 x 224, $kb KiB per sample in the shards"
mkdir -p "$WORK/loose" && for s in "$WORK"/d/fractaldb-*.tar; do tar xf "$s" -C "$WORK/loose"; done
# The same images as an ImageFolder tree (class/xxx.jpg), for the loose-file rows.
mkdir -p "$WORK/folder" && for f in "$WORK"/loose/*.jpg; do
  c=$(cat "${f%.jpg}.cls"); mkdir -p "$WORK/folder/c$c"; cp "$f" "$WORK/folder/c$c/"; done

echo; echo "## Decode + random resized crop 224 + normalise (float32 CHW), images per CPU-second"
echo "| path | images per CPU-s | vs bare decode |"; echo "|---|---:|---:|"
bare=$("$BUILD/bench/synthub_decode_bench" "$WORK"/d/fractaldb-*.tar | python3 -c "import json,sys; print(json.load(sys.stdin)['images_per_cpu_s'])")
echo "| bare libturbojpeg decode from memory (the ceiling) | $bare | 100% |"
for w in 1; do
  read -r wall cpu rss < <(timed "$SYNTHUB" bench-load "$WORK/d" --workers $w --prefetch 2 --batch-size 64 --epochs 3)
  ips=$(python3 -c "print(round(3 * ($n // 64 * 64) / $cpu, 1))")
  echo "| synthub loader from shards, 1 worker (whole process CPU) | $ips | $(python3 -c "print(round(100*$ips/$bare))")% |"
done
pt=$($PY "$ROOT/bench/python_baseline.py" tar "$WORK"/d/fractaldb-*.tar | python3 -c "import json,sys; print(json.load(sys.stdin)['images_per_cpu_s'])")
pf=$($PY "$ROOT/bench/python_baseline.py" folder "$WORK/folder" | python3 -c "import json,sys; print(json.load(sys.stdin)['images_per_cpu_s'])")
echo "| Python tarfile + PIL (same work) | $pt | $(python3 -c "print(round(100*$pt/$bare))")% |"
echo "| loose files + PIL (ImageFolder-like) | $pf | $(python3 -c "print(round(100*$pf/$bare))")% |"
echo; echo "synthub / Python tarfile+PIL: $(python3 -c "print(round($ips/$pt,1))")x (target 2.5x); synthub / bare decode: $(python3 -c "print(round(100*$ips/$bare))")% (target 85%)"

echo; echo "## Scaling and memory (shards, 224, float32, batch 64)"
echo "| workers | images/s | images per CPU-s | peak RSS MiB |"; echo "|---:|---:|---:|---:|"
for w in 1 2; do
  read -r wall cpu rss < <(timed "$SYNTHUB" bench-load "$WORK/d" --workers $w --prefetch 4 --batch-size 64)
  python3 -c "import json; d=json.load(open('$WORK/o')); print(f\"| $w | {d['images_per_s']:.0f} | {d['images']/$cpu:.0f} | $rss |\")"
done

echo; echo "## Three sources, 2 workers, 224 float32 (what bench-load reports)"
echo "| source | images/s | images per CPU-s | files opened (inodes) | bytes read |"; echo "|---|---:|---:|---:|---:|"
read -r wall cpu rss < <(timed "$SYNTHUB" bench-load "$WORK/d" --workers 2)
python3 -c "import json; d=json.load(open('$WORK/o')); print(f\"| shards | {d['images_per_s']:.0f} | {d['images']/$cpu:.0f} | {d['files_opened']} | {d['bytes_read']} |\")"
read -r wall cpu rss < <(timed "$SYNTHUB" bench-load "$WORK/folder" --workers 2)
python3 -c "import json; d=json.load(open('$WORK/o')); print(f\"| loose files (ImageFolder tree) | {d['images_per_s']:.0f} | {d['images']/$cpu:.0f} | {d['files_opened']} | {d['bytes_read']} |\")"
read -r wall cpu rss < <(timed "$SYNTHUB" bench-load render:demo --workers 2 --limit 40)
python3 -c "import json; d=json.load(open('$WORK/o')); print(f\"| on-the-fly render (demo recipe: 128 px, 20k points) | {d['images_per_s']:.0f} | {d['images']/($cpu - d['setup_cpu_s']):.0f} | 0 | 0 |\")"
