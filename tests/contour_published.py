#!/usr/bin/env python3
"""The published VisualAtom and RCDB generators, re-implemented for the tests.

Renders what the authors' scripts write when their launch script starts P
processes for C classes of I instances each:

  VisualAtom: masora1030/CVPR2023-FDSL-on-VisualAtom at de80c69 (2023-06-02),
    visual_atomic_renderer/render_VisualAtom.py with the settings of
    visual_atomic_renderer/make_VisualAtom.sh (20 processes for VisualAtom-1k).
  RCDB: masora1030/CVPR2022-Pretrained-ViT-PyTorch at 7a28054 (2023-06-09),
    rcdb_render/make_rcdb.py with the settings of rcdb_render/RCDB_render.sh
    (10 processes; exe_scripts/exe_rcdb_1k.sh and _21k.sh launch 40).

Written from the algorithm, not copied. What it reproduces:
  * process t (0-based) seeds Python's random with t + 1 and renders classes
    [t * floor(C / P), (t + 1) * floor(C / P)) one after the other from that one
    stream: the class's draws, then each instance's draws, then the next class.
    Classes from P * floor(C / P) on are never rendered (C % P != 0).
  * the order of every draw, including the draws made after the last instance
    of a class (the redrawn centre, and for RCDB radius and ellipse), which the
    next class's draws follow.
  * the float arithmetic in the scripts' order (math.cos / math.sin, the
    centre added at the start for VisualAtom and at drawing time for RCDB).
  * the canvas: S x S RGB, black for VisualAtom, white for RCDB; every orbit
    is a closed polyline of the q vertices in one gray, drawn with Pillow's
    ImageDraw.line(width=1), which truncates float coordinates toward zero.
  * RCDB's gray is random.randint(0, S / 2): a float bound, 256.0 at S = 512
    (gray 256 clamps to 255 in Pillow), S / 2 at other sizes; Python 3.12+
    refuses the float (TypeError), an odd S makes it fail (ValueError).

Deviations (none change a pixel; checked against the scripts themselves):
  * each orbit is one ImageDraw.line call with the q + 1 points of the closed
    polyline instead of q calls of one segment: the same C routine draws the
    same segments in the same order with one ink.
  * instances not asked for (--only) are not drawn; their random draws are
    still made, so later instances come out the same.
  * only the published launch settings; the size is a flag.

Output names pair with synthub's keys: CCCCCC_00_III_0.png (category, row 0,
draw = instance, flip 0), RGB PNG as the scripts save it (three equal
channels), or .npy of the S x S gray channel with --format npy.

Usage:
  contour_published.py --family visualatom|rcdb --classes C --instances I
      --processes P [--size 512] --out DIR [--only CAT:IMG,...] [--format png|npy]
  contour_published.py ... --masks   also KEY.mask.png: 16-bit, category + 1 where
      any orbit drew a pixel (whatever its gray), 0 elsewhere (SegRCDB-style)
  contour_published.py ... --params categories|images
      prints the draws as CSV (floats as Python repr, round-trip exact) instead
      of rendering: per class (the state when its first instance starts) or per
      instance (radius, ellipse and centre that instance used, and its grays).
Needs Debian's python3-noise and python3-pil (run with /usr/bin/python3).
"""
import argparse
import math
import os
import random
import sys

import noise
import numpy as np
from PIL import Image, ImageDraw

# The launch scripts' settings (make_VisualAtom.sh, RCDB_render.sh).
VISUALATOM = dict(vertices=(200, 1000), orbits=(1, 200), noise=(0.0, 4.0),
                  width=0.1, radius=(10, 60), ellipse=(1, 2), offset=512,
                  wave=(0, 20), background=(0, 0, 0))
RCDB = dict(vertices_max=200, mean_vertices=100, orbits=(1, 200), noise=(0.0, 4.0),
            width=0.1, radius=(0, 100), ellipse=(1, 2), offset=400,
            background=(255, 255, 255))


class Shape:
    """The state a class carries into its next instance."""

    def __init__(self):
        self.q = self.orbits = 0
        self.c = self.w = 0.0
        self.n1 = self.n2 = None
        self.r = 0
        self.ox = self.oy = 0.0
        self.cx = self.cy = 0.0


def centre_draw(rng, size, offset):
    # y ("start_pos_h") is drawn before x ("start_pos_w").
    cy = (size + rng.randint(-offset, offset)) / 2
    cx = (size + rng.randint(-offset, offset)) / 2
    return cx, cy


def visualatom_class(rng, size):
    s = Shape()
    p = VISUALATOM
    s.q = rng.randint(*p["vertices"])
    s.orbits = rng.randint(*p["orbits"])
    s.c = rng.uniform(*p["noise"])
    s.w = rng.uniform(0.0, p["width"])
    s.r = rng.randint(*p["radius"])
    s.n1 = rng.randint(*p["wave"])
    while True:  # n2 differs from n1, unless n1 is 0 (then any n2 stands)
        s.n2 = rng.randint(*p["wave"])
        if s.n2 != s.n1 or s.n1 == 0:
            break
    s.ox = rng.uniform(*p["ellipse"])
    s.oy = rng.uniform(*p["ellipse"])
    s.cx, s.cy = centre_draw(rng, size, p["offset"])
    return s


def rcdb_class(rng, size):
    s = Shape()
    p = RCDB
    while True:  # q in (2, vertices_max]
        s.q = int(rng.expovariate(1 / p["mean_vertices"]))
        if 2 < s.q <= p["vertices_max"]:
            break
    s.orbits = rng.randint(*p["orbits"])
    s.c = rng.uniform(*p["noise"])
    s.w = rng.uniform(0.0, p["width"])
    s.r = rng.randint(*p["radius"])
    s.ox = rng.uniform(*p["ellipse"])
    s.oy = rng.uniform(*p["ellipse"])
    s.cx, s.cy = centre_draw(rng, size, p["offset"])
    return s


def instance(family, rng, s, size, draw, mask=None, label=0):
    """Walks one instance's draws; draws on `draw` unless it is None, and the
    same lines in `label` on `mask` when given. Returns the grays of its orbits."""
    q = s.q
    step = (math.pi * 2) / q
    cos_k = [math.cos(step * k) for k in range(q)]
    sin_k = [math.sin(step * k) for k in range(q)]
    visualatom = family == "visualatom"
    if visualatom:
        xs = [cos_k[k] * s.r * s.ox + s.cx for k in range(q)]
        ys = [sin_k[k] * s.r * s.oy + s.cy for k in range(q)]
        wave1 = [0.5 * math.sin(step * k * s.n1) for k in range(q)]
        wave2 = [0.5 * math.sin(step * k * s.n2) for k in range(q)]
    else:
        xs = [cos_k[k] * s.r * s.ox for k in range(q)]
        ys = [sin_k[k] * s.r * s.oy for k in range(q)]
    grays = []
    for _ in range(s.orbits):
        gray = rng.randint(0, 255) if visualatom else rng.randint(0, size / 2)
        grays.append(gray)
        ux = [rng.uniform(0, 10000) for _ in range(q)]
        uy = [rng.uniform(0, 10000) for _ in range(q)]
        if draw is None:
            continue  # the vertices only matter for the pixels
        if visualatom:
            nx = [noise.pnoise1(ux[k]) * s.c - s.c - wave1[k] - wave2[k] for k in range(q)]
            ny = [noise.pnoise1(uy[k]) * s.c - s.c - wave1[k] - wave2[k] for k in range(q)]
        else:
            nx = [noise.pnoise1(u) * s.c * 2 - s.c for u in ux]
            ny = [noise.pnoise1(u) * s.c * 2 - s.c for u in uy]
        for k in range(q):  # cumulative: each orbit moves the last one's vertices
            xs[k] -= cos_k[k] * (nx[k] - s.w)
            ys[k] -= sin_k[k] * (ny[k] - s.w)
        if visualatom:
            points = [(xs[k], ys[k]) for k in range(q)]
        else:
            points = [(xs[k] + s.cx, ys[k] + s.cy) for k in range(q)]
        points.append(points[0])  # closed
        draw.line(points, fill=(gray, gray, gray), width=1)
        if mask is not None:
            mask.line(points, fill=label, width=1)
    return grays


def after_instance(family, rng, s, size):
    """The draws each script makes after every instance, the last one included."""
    if family == "visualatom":
        s.cx, s.cy = centre_draw(rng, size, VISUALATOM["offset"])
    else:
        s.ox = rng.uniform(*RCDB["ellipse"])
        s.oy = rng.uniform(*RCDB["ellipse"])
        s.r = rng.randint(*RCDB["radius"])
        s.cx, s.cy = centre_draw(rng, size, RCDB["offset"])


def process_classes(classes, processes, t):
    per = classes // processes  # int(C / P) in the scripts
    return range(t * per, (t + 1) * per)


def fmt(v):
    return repr(v) if isinstance(v, float) else str(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--family", choices=("visualatom", "rcdb"), required=True)
    ap.add_argument("--classes", type=int, required=True)
    ap.add_argument("--instances", type=int, required=True)
    ap.add_argument("--processes", type=int, required=True)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--out", help="folder for the images")
    ap.add_argument("--only", help="CAT:IMG,... render only these")
    ap.add_argument("--format", choices=("png", "npy"), default="png")
    ap.add_argument("--masks", action="store_true",
                    help="also write KEY.mask.png (16-bit) / .mask.npy: category + 1 "
                         "wherever a line was drawn (any gray), 0 elsewhere")
    ap.add_argument("--params", choices=("categories", "images"),
                    help="print the draws as CSV instead of rendering")
    a = ap.parse_args()
    if a.processes < 1 or a.classes < 1 or a.instances < 1:
        ap.error("--classes, --instances and --processes must be >= 1")
    if a.params is None and not a.out:
        ap.error("--out is required unless --params is given")
    wanted = None
    if a.only:
        wanted = set()
        for item in a.only.split(","):
            cat, img = item.split(":")
            wanted.add((int(cat), int(img)))
    per = a.classes // a.processes
    if wanted is not None:
        for cat, img in sorted(wanted):
            if not (0 <= cat < per * a.processes and 0 <= img < a.instances):
                sys.exit(f"--only {cat}:{img}: not rendered by the published script "
                         f"with {a.classes} classes, {a.instances} instances, "
                         f"{a.processes} processes")
    if a.out:
        os.makedirs(a.out, exist_ok=True)
    background = VISUALATOM["background"] if a.family == "visualatom" else RCDB["background"]
    new_class = visualatom_class if a.family == "visualatom" else rcdb_class
    if a.params == "categories":
        print("category,process,q,orbits,c,w,r,ox,oy,cx,cy,n1,n2")
    elif a.params == "images":
        print("category,image,r,ox,oy,cx,cy,grays")

    for t in range(a.processes):
        cats = process_classes(a.classes, a.processes, t)
        if wanted is not None and not any(c in cats for c, _ in wanted):
            continue  # nothing asked for from this process's stream
        last_needed = max((c for c, _ in wanted if c in cats), default=None) \
            if wanted is not None else None
        rng = random.Random(t + 1)
        for cat in cats:
            if last_needed is not None and cat > last_needed:
                break
            s = new_class(rng, a.size)
            if a.params == "categories":
                print(",".join(fmt(v) for v in (cat, t, s.q, s.orbits, s.c, s.w, s.r, s.ox,
                                                s.oy, s.cx, s.cy, s.n1, s.n2)
                               ).replace("None", ""))
            for img in range(a.instances):
                render = a.params is None and (wanted is None or (cat, img) in wanted)
                used = (s.r, s.ox, s.oy, s.cx, s.cy)
                im = draw = mask_im = mask = None
                if render:
                    im = Image.new("RGB", (a.size, a.size), background)
                    draw = ImageDraw.Draw(im)
                    if a.masks:
                        mask_im = Image.new("I", (a.size, a.size), 0)
                        mask = ImageDraw.Draw(mask_im)
                grays = instance(a.family, rng, s, a.size, draw, mask, cat + 1)
                if a.params == "images":
                    print(",".join(fmt(v) for v in (cat, img) + used) + "," +
                          " ".join(map(str, grays)))
                if render:
                    name = os.path.join(a.out, "%06d_00_%03d_0" % (cat, img))
                    if a.format == "png":
                        im.save(name + ".png")
                    else:
                        np.save(name + ".npy", np.asarray(im)[:, :, 0])
                    if mask_im is not None:
                        labels = np.asarray(mask_im).astype(np.uint16)
                        if a.format == "png":
                            Image.fromarray(labels).save(name + ".mask.png")
                        else:
                            np.save(name + ".mask.npy", labels)
                after_instance(a.family, rng, s, a.size)


if __name__ == "__main__":
    main()
