#!/usr/bin/env python3
"""Times the published per-image IFS renderer in Python (ifs_function.py of
FractalDB, as OFDB's make_2dofdb.py and 1p-frac's render_from_oneparam_mp.py
call it), written here step for step: calculate() (np.random.seed(100), a
Python loop over the points with the first-match map choice), the rescale,
draw_patch() in gray (per point: randrange(1, 512), its 9 bits as a 3 x 3 x 3
array, Image.fromarray, paste), for 1p-frac the fill-rate test with a redraw
of the perturbation below it, the top-bottom flip and the PNG save (into
memory here, timed apart).

  ifs_python.py --family ofdb --size 362 --points 200000 CSV...
      one image per CSV (a category's maps, synthub's params format)
  ifs_python.py --family 1p-frac --size 512 --points 100000 --images N
      --delta 0.1 --fill-min 0.05 CSV     N classes of the base system in CSV
Prints one JSON object: images, draws (1p-frac redraws count), CPU seconds
of rendering and of saving."""
import argparse
import io
import json
import random
import time

import numpy as np
from PIL import Image


def chaos_game(maps, points):
    """calculate(): maps are (a, b, c, d, e, f, p) dicts with the cumulative p."""
    np.random.seed(100)
    rand = np.random.random(points)
    select = []
    total = 0.0
    for m in maps:
        total += m["p"]
        select.append(total)
    xs, ys = [0.0], [0.0]
    px = py = 0.0
    for i in range(points - 1):
        for j in range(len(select)):
            if rand[i] <= select[j]:
                m = maps[j]
                nx = px * m["a"] + py * m["b"] + m["e"]
                ny = px * m["c"] + py * m["d"] + m["f"]
                break
        xs.append(nx)
        ys.append(ny)
        px, py = nx, ny
    return xs, ys


def rescale(xs, ys, size, pad):
    xs, ys = np.array(xs), np.array(ys)
    for axis in (xs, ys):  # the published NaN trimming
        if np.any(np.isnan(axis)):
            first = np.where(np.isnan(axis))[0][0]
            drop = np.append(np.arange(first - 100, first), np.where(np.isnan(axis)))
            xs, ys = np.delete(xs, drop), np.delete(ys, drop)
    if np.min(xs) < 0.0:
        xs -= np.min(xs)
    if np.min(ys) < 0.0:
        ys -= np.min(ys)
    span_x, span_y = np.max(xs) - np.min(xs), np.max(ys) - np.min(ys)
    return (np.uint16(xs / span_x * float(size - 2 * pad) + float(pad)),
            np.uint16(ys / span_y * float(size - 2 * pad) + float(pad)))


def patch3(mask):
    color = np.array([127, 127, 127])
    patch = np.zeros((3, 3, 3), np.uint8)
    for i in range(3):
        for j in range(3):
            patch[i, j, :] = color * int(mask[i * 3 + j])
    return Image.fromarray(patch)


def draw_patches(xs, ys, size):
    image = Image.new("RGB", (size, size))
    for i in range(len(xs)):
        mask = "{:09b}".format(random.randrange(1, 512))
        image.paste(patch3(mask), (int(xs[i]) + 1, int(ys[i]) + 1))
    return image


def read_maps(path):
    rows = np.genfromtxt(path, delimiter=",", ndmin=2)
    return [dict(zip("abcdefp", map(float, row))) for row in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--family", choices=("ofdb", "1p-frac"), required=True)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--points", type=int, required=True)
    ap.add_argument("--images", type=int, default=1)
    ap.add_argument("--delta", type=float, default=0.1)
    ap.add_argument("--fill-min", type=float, default=0.05)
    ap.add_argument("csv", nargs="+")
    a = ap.parse_args()
    random.seed(0)
    jobs = [read_maps(p) for p in a.csv] if a.family == "ofdb" else [read_maps(a.csv[0])] * a.images
    render_s = save_s = 0.0
    draws = png_bytes = 0
    for base in jobs:
        t0 = time.process_time()
        while True:
            draws += 1
            maps = [dict(m) for m in base]
            if a.family == "1p-frac":
                for m in maps:
                    w = [random.uniform(1 - a.delta, 1 + a.delta) for _ in range(6)]
                    for k, key in enumerate("abcdef"):
                        m[key] *= w[k]
            xs, ys = rescale(*chaos_game(maps, a.points), a.size, 6)
            image = draw_patches(xs, ys, a.size)
            if a.family == "ofdb":
                break
            data = np.array(image)
            if np.sum(data > 1) / data.size > a.fill_min:
                break
        image = image.transpose(Image.FLIP_TOP_BOTTOM)
        t1 = time.process_time()
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        png_bytes += buf.tell()
        t2 = time.process_time()
        render_s += t1 - t0
        save_s += t2 - t1
    print(json.dumps({"family": a.family, "images": len(jobs), "draws": draws,
                      "render_cpu_s": round(render_s, 3), "save_cpu_s": round(save_s, 3),
                      "png_bytes_per_image": png_bytes // len(jobs)}))


main()
