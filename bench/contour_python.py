#!/usr/bin/env python3
"""Times the published VisualAtom and RCDB generators' per-image loop in Python
(render_VisualAtom.py, make_rcdb.py at their launch settings), written here
statement for statement as the scripts run it: a Python loop per vertex for the
uniform draws, noise.pnoise1, math.sin/math.cos and the vertex moves, and one
ImageDraw.line call per segment of every orbit, on a 512 x 512 RGB canvas,
then the PNG save (into memory here, timed apart).

The workload of bench/families_run.sh: process t = 0 .. P-1 of a launch with
P processes and P classes (random.seed(t + 1), its first class), M images each.
Prints one JSON object: CPU seconds of rendering and of saving, the images,
their orbits' segments, and the SHA-256 of each image's gray channel (the
other pipelines of the benchmark must render the same pixels).

  contour_python.py --family visualatom|rcdb --processes P --images M
Needs Debian's python3-noise and python3-pil (run with /usr/bin/python3)."""
import argparse
import hashlib
import io
import json
import math
import random
import time
import warnings

import noise
import numpy as np
from PIL import Image, ImageDraw

SIZE = 512


def centre(reach):
    h = (SIZE + random.randint(-reach, reach)) / 2
    w = (SIZE + random.randint(-reach, reach)) / 2
    return h, w


def visualatom(images, out):
    """One class of render_VisualAtom.py (make_VisualAtom.sh settings)."""
    q = random.randint(200, 1000)
    orbits = random.randint(1, 200)
    c = random.uniform(0, 4)
    width = random.uniform(0.0, 0.1)
    rad = random.randint(10, 60)
    n1 = random.randint(0, 20)
    while True:
        n2 = random.randint(0, 20)
        if n1 != n2 or n1 == 0:
            break
    ox = random.uniform(1, 2)
    oy = random.uniform(1, 2)
    pos_h, pos_w = centre(512)
    xs, ys, nx, ny = [], [], [], []
    for _ in range(images):
        im = Image.new("RGB", (SIZE, SIZE), (0, 0, 0))
        draw = ImageDraw.Draw(im)
        angle = (math.pi * 2) / q
        for v in range(q):
            xs.append(math.cos(angle * v) * rad * ox + pos_w)
            ys.append(math.sin(angle * v) * rad * oy + pos_h)
        xs.append(xs[0])
        ys.append(ys[0])
        for _ in range(orbits):
            gray = random.randint(0, 255)
            nx.clear()
            ny.clear()
            for v in range(q):
                nx.append(random.uniform(0, 10000))
                nx[v] = (noise.pnoise1(nx[v]) * c - c - 0.5 * math.sin(angle * v * n1)
                         - 0.5 * math.sin(angle * v * n2))
            for v in range(q):
                ny.append(random.uniform(0, 10000))
                ny[v] = (noise.pnoise1(ny[v]) * c - c - 0.5 * math.sin(angle * v * n1)
                         - 0.5 * math.sin(angle * v * n2))
            for v in range(q):
                xs[v] -= math.cos(angle * v) * (nx[v] - width)
                ys[v] -= math.sin(angle * v) * (ny[v] - width)
            xs[q] = xs[0]
            ys[q] = ys[0]
            for i in range(q):
                draw.line((xs[i], ys[i], xs[i + 1], ys[i + 1]), fill=(gray, gray, gray), width=1)
        out.append(im)
        xs.clear()
        ys.clear()
        pos_h, pos_w = centre(512)
    return q, orbits


def rcdb(images, out):
    """One class of make_rcdb.py (RCDB_render.sh settings)."""
    while True:
        q = int(random.expovariate(1 / 100))
        if 2 < q <= 200:
            break
    orbits = random.randint(1, 200)
    c = random.uniform(0, 4)
    width = random.uniform(0.0, 0.1)
    rad = random.randint(0, 100)
    ox = random.uniform(1, 2)
    oy = random.uniform(1, 2)
    pos_h, pos_w = centre(400)
    xs, ys, nx, ny = [], [], [], []
    for _ in range(images):
        im = Image.new("RGB", (SIZE, SIZE), (255, 255, 255))
        draw = ImageDraw.Draw(im)
        angle = (math.pi * 2) / q
        for v in range(q):
            xs.append(math.cos(angle * v) * rad * ox)
            ys.append(math.sin(angle * v) * rad * oy)
        xs.append(xs[0])
        ys.append(ys[0])
        for _ in range(orbits):
            gray = random.randint(0, SIZE / 2)  # a float bound, as published
            nx.clear()
            ny.clear()
            for v in range(q):
                nx.append(random.uniform(0, 10000))
                nx[v] = noise.pnoise1(nx[v]) * c * 2 - c
            for v in range(q):
                ny.append(random.uniform(0, 10000))
                ny[v] = noise.pnoise1(ny[v]) * c * 2 - c
            for v in range(q):
                xs[v] -= math.cos(angle * v) * (nx[v] - width)
                ys[v] -= math.sin(angle * v) * (ny[v] - width)
            xs[q] = xs[0]
            ys[q] = ys[0]
            for i in range(q):
                draw.line((xs[i] + pos_w, ys[i] + pos_h, xs[i + 1] + pos_w, ys[i + 1] + pos_h),
                          fill=(gray, gray, gray), width=1)
        out.append(im)
        xs.clear()
        ys.clear()
        ox = random.uniform(1, 2)
        oy = random.uniform(1, 2)
        rad = random.randint(0, 100)
        pos_h, pos_w = centre(400)
    return q, orbits


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--family", choices=("visualatom", "rcdb"), required=True)
    ap.add_argument("--processes", type=int, required=True)
    ap.add_argument("--images", type=int, required=True)
    a = ap.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)  # RCDB's randint(0, 256.0)
    render = visualatom if a.family == "visualatom" else rcdb
    render_s = save_s = 0.0
    segments = 0
    hashes, png_bytes = [], 0
    for t in range(a.processes):
        random.seed(t + 1)
        images = []
        t0 = time.process_time()
        q, orbits = render(a.images, images)
        t1 = time.process_time()
        for im in images:
            buf = io.BytesIO()
            im.save(buf, format="PNG")
            png_bytes += buf.tell()
        t2 = time.process_time()
        render_s += t1 - t0
        save_s += t2 - t1
        segments += q * orbits * a.images
        hashes += [hashlib.sha256(np.asarray(im)[:, :, 0].tobytes()).hexdigest() for im in images]
    print(json.dumps({"family": a.family, "images": len(hashes), "segments": segments,
                      "render_cpu_s": round(render_s, 3), "save_cpu_s": round(save_s, 3),
                      "png_bytes_per_image": png_bytes // len(hashes), "sha256": hashes}))


main()
