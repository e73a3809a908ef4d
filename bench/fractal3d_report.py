#!/usr/bin/env python3
"""Prints the Markdown report of bench/fractal3d_run.sh from the files it left
in WORK (usage: fractal3d_report.py WORK): cc.json (synthub_fractal3d_bench,
Google Benchmark JSON; the median of the repetitions when there are several),
py.json (fractal3d_python.py) and e2e.txt (FAMILY CATEGORIES CPU_S BYTES
IMAGES per `synthub generate` run). Every ratio is between two figures of
this one run."""
import json
import os
import sys

WORK = sys.argv[1]


def load(name):
    with open(os.path.join(WORK, name)) as f:
        return json.load(f)


cc = load("cc.json")
py = load("py.json")
SCALE = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
bench = {}
for b in cc["benchmarks"]:
    name = b.get("run_name", b["name"])
    if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
        continue
    if b.get("run_type") == "aggregate" or name not in bench:
        bench[name] = b


def us(name):
    """CPU microseconds per item of benchmark `name`."""
    b = bench[name]
    return b["cpu_time"] * SCALE[b["time_unit"]]


def counter(name, key):
    return bench[name][key]


def rate(micros):
    return f"{1e6 / micros:,.0f}"


def times(x):
    return f"{x:,.0f}x" if x >= 10 else f"{x:.1f}x"


VIEWS = 12
cloud, project, encode = us("BM_InstanceCloud"), us("BM_ProjectView"), us("BM_EncodePng")
ours = cloud / VIEWS + project + encode
mv_sample = us("BM_RenderSample/mv-fractaldb") + encode
ex_sample = us("BM_RenderSample/exfractaldb") + encode
n_cloud, n_view, n_encode = (us("BM_NaiveInstanceCloud"), us("BM_NaiveRenderView"),
                             us("BM_NaiveEncodeRgbPng"))
naive = n_cloud / VIEWS + n_view + n_encode
p_cloud = (py["cloud_s"] + py["upload_s"]) * 1e6
p_project, p_save = py["project_s"] * 1e6, py["save_s"] * 1e6
python = p_cloud / VIEWS + p_project + p_save
ctx = cc["context"]

print(f"\nOne run: {ctx['categories']} categories searched by synthub, {ctx['instances']} "
      f"instances (weight rows 0, 6, 72, 144) x {VIEWS} views of 224² for the C++ figures; "
      f"Python: {py['instances']} instances x {py['images'] // py['instances']} views of the "
      f"same categories. CPU time of one thread; the C++ figures are the median of "
      f"{cc['benchmarks'][0].get('repetitions', 1)} repetitions.\n")
print("#### MV-FractalDB image (one cloud, 12 views): per-image split, CPU µs\n")
print("| pipeline | chaos game (cloud / 12) | projection | PNG encode | per image | images per "
      "CPU-s | synthub is |")
print("|---|---:|---:|---:|---:|---:|---:|")
print(f"| synthub, stage by stage (gray PNG, the presets' encoding) | {cloud / VIEWS:.1f} | "
      f"{project:.1f} | {encode:.1f} | {ours:.1f} | **{rate(ours)}** | |")
print(f"| synthub, the family's `SampleRenderer` per sample (generate's order) + encode | "
      f"{us('BM_RenderSample/mv-fractaldb'):.1f} (both) | | {encode:.1f} | {mv_sample:.1f} | "
      f"{rate(mv_sample)} | |")
print(f"| naive C++ transcription (`bench/naive_fractal3d.cc`; RGB PNG, libpng defaults) | "
      f"{n_cloud / VIEWS:.1f} | {n_view:.1f} | {n_encode:.1f} | {naive:.1f} | {rate(naive)} | "
      f"**{times(naive / ours)}** faster |")
print(f"| published pipeline in Python (`bench/fractal3d_python.py`; numpy projection for the "
      f"GPU, PIL save) | {p_cloud / VIEWS:.1f} | {p_project:.1f} | {p_save:.1f} | "
      f"{python:.1f} | {rate(python)} | **{times(python / ours)}** faster |")
print()
print(f"- Share of synthub's image: chaos game {100 * cloud / VIEWS / ours:.0f} %, projection "
      f"{100 * project / ours:.0f} %, PNG encode {100 * encode / ours:.0f} %. One instance "
      f"cloud (10,000-point chaos game + normalisation): synthub {cloud:.0f} µs, naive C++ "
      f"{n_cloud:.0f} µs (+ float32 copy), Python {py['cloud_s'] * 1e6:,.0f} µs "
      f"+ {py['upload_s'] * 1e6:,.0f} µs for render.py's float32/ctypes vertex arrays.")
print(f"- ExFractalDB image (random views; about 7 images per instance cloud): the "
      f"family's renderer {us('BM_RenderSample/exfractaldb'):.1f} µs + encode {encode:.1f} µs "
      f"= {ex_sample:.1f} µs, **{rate(ex_sample)} images per CPU-s**.")
dec, native = us("BM_DecodePng"), us("BM_DecodePngNative")
print(f"- **Goal: a 224² view from a cached cloud costs less than decoding its PNG.** Projection "
      f"{project:.1f} µs vs the loader's PNG decode (libspng, to RGB) {dec:.1f} µs: "
      f"**{project / dec:.2f}x**; vs libspng's cheapest decode of the same files (8-bit gray "
      f"as stored) {native:.1f} µs: **{project / native:.2f}x**. PNGs of "
      f"{counter('BM_EncodePng', 'bytes_per_image'):,.0f} bytes (gray, the presets' "
      f"encoding); the naive C++ writes {counter('BM_NaiveEncodeRgbPng', 'bytes_per_image'):,.0f}"
      f" (RGB, level 6), PIL {py['png_bytes']:,.0f}.")
print(f"- Search: {us('BM_Search3Trial'):.0f} µs per trial (10,000 points), acceptance "
      f"{100 * counter('BM_Search3Trial', 'acceptance'):.2f} % at variance 0.05 in this run.")
print(f"- The naive transcription computes the same work: its clouds are bit-identical to "
      f"synthub's ({ctx['naive_clouds_identical']}); its views use double matrices and the plain "
      f"GL pixel rule without sub-pixel snapping ({ctx['naive_view_pixels']}).")
with open(os.path.join(WORK, "e2e.txt")) as f:
    for line in f:
        fam, cats, cpu, nbytes, n = line.split()
        cpu, n = float(cpu), int(n)
        print(f"- `generate --family {fam} --categories {cats} --threads 1` (search included): "
              f"{n:,} images in {cpu:.2f} CPU-s, **{n / cpu:,.0f} images per CPU-s**, "
              f"{int(nbytes) / n / 1024:.1f} KiB per image in the shards.")
