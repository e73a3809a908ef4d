#!/usr/bin/env bash
# Measures the 3D families (MV-FractalDB, ExFractalDB, 3D-OFDB) per CPU core
# in one run: each stage of synthub's pipeline (bench/fractal3d_bench.cc)
# against the PNG decode of the same views (the goal: a view from a cached
# cloud costs less than its decode), a naive C++ transcription and the
# published pipeline in Python (bench/fractal3d_python.py), then generate
# end to end into shards. Prints a Markdown report (docs/benchmarks.md,
# "3D families", records one).
# Usage: bench/fractal3d_run.sh [build-dir]   (a Release build with the
# synthub and synthub_fractal3d_bench targets; about a minute).
source "$(dirname "$0")/lib.sh" fractal3d "${1:-}"
echo "### synthub 3D families benchmark — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD/bench/synthub_fractal3d_bench" --categories 4 > "$WORK/cc.json"
/usr/bin/python3 "$ROOT/bench/fractal3d_python.py" --clouds 3 --views 24 > "$WORK/py.json"
# End to end: 4 categories of mv-fractaldb (145 x 12 views) and exfractaldb
# (1,000 random views) into PNG shards, search included, one thread.
for fam in mv-fractaldb exfractaldb; do
  read -r wall cpu _ < <(timed "$SYNTHUB" generate --family $fam --categories 4 --threads 1 \
    --quiet --out "$WORK/g_$fam")
  echo "$fam $cpu $(cat "$WORK/g_$fam"/*.tar | wc -c) $(grep -o '"num_samples": [0-9]*' "$WORK/g_$fam/manifest.json" | grep -o '[0-9]*$')" >> "$WORK/e2e.txt"
done
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
c = json.load(open(f"{w}/cc.json"))
p = json.load(open(f"{w}/py.json"))
e2e = [line.split() for line in open(f"{w}/e2e.txt")]
view = c["project_us"] + c["encode_us"]
mv = c["cloud_us"] / 12 + view
print()
print("| stage, per core | synthub | naive C++ | published (Python) |")
print("|---|---:|---:|---:|")
print(f"| instance cloud: 10,000-point chaos game + normalisation | {c['cloud_us']:.0f} us | "
      f"{c['naive_cloud_us']:.0f} us | {p['cloud_s'] * 1e6:.0f} us |")
print(f"| a 224^2 view from a cached cloud: projection | {c['project_us']:.0f} us | | |")
print(f"| ... + PNG encode | {c['encode_us']:.0f} us | {c['naive_view_us']:.0f} us (both) | "
      f"{p['view_s'] * 1e6:.0f} us (numpy + PIL, both) |")
print(f"| MV-FractalDB image (cloud / 12 + view) | {mv:.0f} us: {1e6 / mv:,.0f} img/CPU-s | "
      f"{c['naive_cloud_us'] / 12 + c['naive_view_us']:.0f} us | "
      f"{1e6 / p['mv_images_per_cpu_s']:.0f} us: {p['mv_images_per_cpu_s']:.0f} img/CPU-s |")
print(f"| search trial (acceptance {100 * c['search_acceptance']:.2f} % at variance 0.05) | "
      f"{c['search_trial_us']:.0f} us | | |")
print()
print(f"- **Goal: a view from a cached cloud costs less than decoding its PNG.** Projection "
      f"{c['project_us']:.0f} us vs PNG decode {c['decode_us']:.0f} us (the loader's decoder, to "
      f"RGB; {c['png_bytes']:.0f}-byte PNGs): **{c['project_us'] / c['decode_us']:.2f}x** the decode.")
print(f"- Per image, MV-FractalDB (12 views share a cloud): chaos game {c['cloud_us'] / 12:.0f} us "
      f"({100 * c['cloud_us'] / 12 / mv:.0f} %), projection {c['project_us']:.0f} us "
      f"({100 * c['project_us'] / mv:.0f} %), PNG encode {c['encode_us']:.0f} us "
      f"({100 * c['encode_us'] / mv:.0f} %). The family's renderer per sample (view stream, "
      f"cache): mv-fractaldb {c['mv_sample_us']:.0f} us, exfractaldb {c['ex_sample_us']:.0f} us.")
print(f"- Ratios in this run: synthub's MV-FractalDB image is "
      f"**{(c['naive_cloud_us'] / 12 + c['naive_view_us']) / mv:.0f}x** the naive C++ "
      f"transcription and **{p['mv_images_per_cpu_s'] and (1e6 / p['mv_images_per_cpu_s']) / mv:.0f}x** "
      f"the Python pipeline per core (which leaves out the PLY round trip and the GPU).")
for fam, cpu, nbytes, n in e2e:
    print(f"- `generate --family {fam} --categories 4 --threads 1`: {int(n):,} images in {float(cpu):.2f} "
          f"CPU s, search included: **{int(n) / float(cpu):,.0f} images per CPU-s**, "
          f"{int(nbytes) / int(n) / 1024:.1f} KiB per image in the shards.")
PY
