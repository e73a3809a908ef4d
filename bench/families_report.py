#!/usr/bin/env python3
"""Prints the Markdown report of bench/families_run.sh from the files it left in
WORK (usage: families_report.py WORK [FAMILY...]): FAMILY.json (synthub_families_bench), FAMILY.py.json (contour_python.py
or ifs_python.py), FAMILY.tests.json (tests/contour_published.py, contour
families) and FAMILY.e2e (encoding|CPU s|shard bytes of `synthub generate`).
Every ratio is between two figures of this one run."""
import json
import os
import sys

WORK = sys.argv[1]
FAMILIES = sys.argv[2:] or ["visualatom", "rcdb", "ofdb", "1p-frac"]
TITLES = {"visualatom": "VisualAtom", "rcdb": "RCDB", "ofdb": "OFDB-2D", "1p-frac": "1p-frac"}


def load(name):
    with open(os.path.join(WORK, name)) as f:
        return json.load(f)


def e2e(family):
    rows = []
    with open(os.path.join(WORK, family + ".e2e")) as f:
        for line in f:
            name, cpu, size = line.strip().split("|")[:3]
            rows.append((name, float(cpu), int(size)))
    return rows


def row(label, s, synthub_s, note=""):
    ratio = f"{s / synthub_s:,.0f}x" if s / synthub_s >= 10 else f"{s / synthub_s:.1f}x"
    return f"| {label} | {s * 1e3:,.2f} | {1 / s:,.1f} | {ratio} |{note}"


summary = []


def contour(family):
    b, py, tests = load(family + ".json"), load(family + ".py.json"), load(family + ".tests.json")
    n, p, m = b["images"], b["processes"], b["images_per_process"]
    ours = b["synthub_reference"]["cpu_s_per_image"]
    py_total = (py["render_cpu_s"] + py["save_cpu_s"]) / py["images"]
    py_render = py["render_cpu_s"] / py["images"]
    naive = b["naive"]
    naive_total = naive["render_cpu_s_per_image"] + naive["encode_cpu_s_per_image"]
    floor = b["floor"]["cpu_s_per_image"]
    same = (py["sha256"] == b["naive_sha256"] == tests["sha256"]
            and b["floor"]["pixels_equal_naive"] and b["synthub_reference"]["pixels_equal_naive"])
    print(f"\n#### {TITLES[family]}: 512², the first class of each of the {p} processes of the "
          f"published launch, {m} images each ({n} images, {b['segments'] / n:,.0f} line "
          f"segments per image on average)\n")
    print("| pipeline (the same images) | CPU ms per image | images per CPU-s | time / synthub |")
    print("|---|---:|---:|---:|")
    print(row("published algorithm in Python (`bench/contour_python.py`): render + PNG save",
              py_total, ours))
    print(row("the same, render only", py_render, ours))
    print(row("`tests/contour_published.py` (one `line` call per orbit; whole process, .npy "
              "out)", tests["cpu_s"] / tests["images"], ours))
    print(row("naive C++ transcription: render + RGB PNG (libpng defaults)", naive_total, ours))
    print(row("naive C++ transcription: render only", naive["render_cpu_s_per_image"], ours))
    print(row(f"**synthub render: (reference mode, `--reference-layout {p}`)**", ours, ours))
    print(row("floor: the images' pnoise1 batches and polylines only", floor, ours))
    print(f"\nPixels of all five: {'identical' if same else 'DIFFERENT'} ({n} images, SHA-256 "
          f"of the gray channel). Category draws of the reference mode: "
          f"{b['synthub_reference']['params_cpu_s'] * 1e3:.1f} ms in all.")
    k = b["synthub_keyed"]
    ks = k["cpu_s_per_image"]
    seg_ref, seg_keyed = b["segments"] / n, k["segments"] / k["images"]
    print(f"\nKeyed mode (the default): categories 0..{k['categories'] - 1} x "
          f"{k['images_per_category']} images, {seg_keyed:,.0f} segments per image: "
          f"{ks * 1e3:.2f} ms per image, {1 / ks:,.0f} images per CPU-s "
          f"({seg_keyed / ks / 1e6:.1f} M segments per CPU-s; reference mode above "
          f"{seg_ref / ours / 1e6:.1f} M, the Python {seg_ref / py_total / 1e6:.3f} M).")
    print("\nEncodings, on the keyed images (gray, 512²). `generate`: `synthub generate "
          f"--family {family} --categories {k['categories']} --images "
          f"{k['images_per_category']} --threads 1` end to end with that encoding (CPU s of the "
          "process / images: rendering, encoding, tar, SHA-256, process start); 'render + "
          "encode' is the two in-process figures' share of it.\n")
    print("| encoding | encode ms per image | bytes per image | generate ms per image | "
          "generate images per CPU-s | shard bytes per image | render + encode |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    runs = {name: (cpu, size) for name, cpu, size in e2e(family)}
    for enc in b["encodings"]:
        cpu, size = runs[enc["encoding"]]
        per = cpu / k["images"]
        e = enc["cpu_s_per_image"]
        print(f"| {enc['encoding']} | {e * 1e3:.2f} | {enc['bytes_per_image']:,.0f} | "
              f"{per * 1e3:.2f} | {1 / per:,.0f} | {size / k['images']:,.0f} | "
              f"{ks * 1e3:.2f} + {e * 1e3:.2f} ms = {100 * (ks + e) / per:.0f} % |")
    summary.append((TITLES[family], py_total, naive_total, ours, floor, same))
    print(f"\nsynthub / published Python: {py_total / ours:,.0f}x (render only: "
          f"{py_render / ours:,.0f}x; goal 300x); synthub / naive C++: "
          f"{naive_total / ours:.1f}x ({naive['render_cpu_s_per_image'] / ours:.1f}x on rendering "
          f"alone); synthub at {100 * floor / ours:.0f} % of its floor's rate.")


def ifs(family):
    b, py = load(family + ".json"), load(family + ".py.json")
    ours = b["synthub"]["cpu_s_per_image"]
    py_total = (py["render_cpu_s"] + py["save_cpu_s"]) / py["images"]
    naive = b["naive"]
    naive_total = naive["render_cpu_s_per_image"] + naive["encode_cpu_s_per_image"]
    floor = b["floor"]["cpu_s_per_image"]
    what = ("one image per category, the published weight file's first row (a x 0.2), no flip"
            if family == "ofdb" else "one image per class, perturbations of one base system")
    print(f"\n#### {TITLES[family]}: {b['size']}², {b['points']:,} points, patch gray, {what} "
          f"({b['images']} categories; Python: the first {py['images']})\n")
    print("| pipeline | CPU ms per image | images per CPU-s | time / synthub |")
    print("|---|---:|---:|---:|")
    extra = f" {py['draws']} draws for {py['images']} images" if family == "1p-frac" else ""
    print(row("published algorithm in Python (`bench/ifs_python.py`): render + PNG save" + extra,
              py_total, ours))
    print(row("the same, render only", py["render_cpu_s"] / py["images"], ours))
    print(row("naive C++ transcription: render + RGB PNG (libpng defaults)", naive_total, ours))
    print(row("naive C++ transcription: render only", naive["render_cpu_s_per_image"], ours))
    print(row("**synthub render:**", ours, ours))
    print(row("floor: chaos game + 3x3 patches (the same two calls as synthub's render: the "
              "difference is this machine's noise)", floor, ours))
    print("\n| encoding | encode ms per image | bytes per image |")
    print("|---|---:|---:|")
    for enc in b["encodings"]:
        print(f"| {enc['encoding']} | {enc['cpu_s_per_image'] * 1e3:.2f} | "
              f"{enc['bytes_per_image']:,.0f} |")
    with open(os.path.join(WORK, family + ".e2e")) as f:
        _, cpu, size, images = f.read().strip().split("|")
    cpu, size, images = float(cpu), int(size), int(images)
    params = ("its categories read from the published FractalDB-1k CSVs" if family == "ofdb"
              else "its class sampling included (the fill-rate redraws: "
              f"{b['params_cpu_s'] / b['images'] * 1e3:.1f} ms per class in the benchmark)")
    print(f"\n`synthub generate --family {family}` end to end ({images} images, 1 thread, "
          f"the default encoding, {params}): {cpu / images * 1e3:.2f} CPU ms per image, "
          f"{images / cpu:,.0f} images per CPU-s, {size / images:,.0f} shard bytes per image.")
    summary.append((TITLES[family], py_total, naive_total, ours, floor, None))
    print(f"\nsynthub / published Python: {py_total / ours:,.0f}x (goal 300x); synthub / naive "
          f"C++: {naive_total / ours:.1f}x; synthub at {100 * floor / ours:.0f} % of its floor's "
          "rate.")
    if family == "1p-frac":
        with_params = ours + b["params_cpu_s"] / b["images"]
        print(f"Counting synthub's class sampling too (it renders each class to test the fill "
              f"rate before `render:` renders it again): {with_params * 1e3:.2f} ms per image, "
              f"{py_total / with_params:,.0f}x the Python, which tests the image it saves.")


print("\nPer CPU core: every pipeline runs on one thread and is timed in CPU seconds "
      "(user + sys) of its own process; 'time / synthub' is the CPU time per image over "
      "synthub's `render:` time (rendering into memory, the family's SampleRenderer).")
for f in FAMILIES:
    contour(f) if f in ("visualatom", "rcdb") else ifs(f)
print("\n#### Summary (images per CPU-s, one core)\n")
print("| family | published Python | naive C++ (with its PNG) | synthub render: | floor | "
      "synthub / Python | synthub / naive | synthub / floor |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name, py_total, naive_total, ours, floor, _ in summary:
    print(f"| {name} | {1 / py_total:,.2f} | {1 / naive_total:,.1f} | {1 / ours:,.0f} | "
          f"{1 / floor:,.0f} | {py_total / ours:,.0f}x | {naive_total / ours:.1f}x | "
          f"{100 * floor / ours:.0f} % |")
