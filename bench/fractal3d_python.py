#!/usr/bin/env python3
"""The published 3D pipeline (MV-FractalDB / ExFractalDB / 3D-OFDB scripts)
transcribed in Python as the authors run it, timed per stage on one core:

  - an instance cloud: IteratedFunctionSystem.calculate (a Python loop over
    the points with per-map dictionaries) + instance.py's min_max and
    centoroid (Python's builtin sum);
  - a view: the GL vertex pipeline for points in numpy (proj * view per
    point, divide, viewport, pixel), standing in for the GPU, then PIL's
    PNG save of the 224 x 224 RGB image, as render.py saves it.

Left out, as the issue allows: the PLY write and read-back per instance
(open3d / plyfile) and the EGL/OpenGL context (no GPU here). Prints JSON:
cloud_s and view_s per item (CPU seconds), and images per CPU-second for
MV-FractalDB's 12 views per cloud.
  fractal3d_python.py [--clouds N] [--views V]
"""
import argparse
import io
import json
import math
import time

import numpy as np
from PIL import Image


def calculate(params, iteration):
    function, select = [], []
    total = 0.0
    for p in params:
        function.append(dict(zip("abcdefghijkl", p[:12])))
        total += p[12]
        select.append(total)
    rand = np.random.random(iteration)
    xs, ys, zs = [], [], []
    px = py = pz = 0.0
    for i in range(iteration - 1):
        for j in range(len(select)):
            if rand[i] <= select[j]:
                f = function[j]
                nx = px * f["a"] + py * f["b"] + pz * f["c"] + f["j"]
                ny = px * f["d"] + py * f["e"] + pz * f["f"] + f["k"]
                nz = px * f["g"] + py * f["h"] + pz * f["i"] + f["l"]
                break
        xs.append(nx), ys.append(ny), zs.append(nz)
        px, py, pz = nx, ny, nz
    return np.array((xs, ys, zs), dtype=float)


def normalise(point, n):
    lo, hi = point.min(), point.max()
    point = ((point - lo) / (hi - lo)) * 2.0 - 1.0
    centre = [sum(point[k]) / n for k in range(3)]
    return np.array([point[k] - centre[k] for k in range(3)])


def view(cloud, angle, size=224):
    t = math.tan(math.radians(22.5))
    proj = np.array([[1 / t, 0, 0, 0], [0, 1 / t, 0, 0], [0, 0, -101 / 99, -200 / 99],
                     [0, 0, -1, 0]], dtype=np.float32)
    a = math.radians(angle)
    eye = np.array([-4 * math.cos(a), 0, 4 * math.sin(a)])
    f = -eye / np.linalg.norm(eye)
    s = np.cross(f, [0, 1, 0])
    s /= np.linalg.norm(s)
    u = np.cross(s, f)
    viewm = np.eye(4, dtype=np.float32)
    viewm[0, :3], viewm[1, :3], viewm[2, :3] = s, u, -f
    viewm[:3, 3] = [-s @ eye, -u @ eye, f @ eye]
    pts = np.hstack([cloud, np.ones((len(cloud), 1), np.float32)]) @ (proj @ viewm).T
    w = pts[:, 3:4]
    keep = (np.abs(pts[:, :3]) <= w).all(axis=1)
    win = (pts[keep, :2] / w[keep] + 1) * (size / 2)
    px = np.clip(np.floor(win).astype(int), 0, size - 1)
    img = np.zeros((size, size, 3), np.uint8)
    img[px[:, 1], px[:, 0]] = 255
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clouds", type=int, default=3)
    ap.add_argument("--views", type=int, default=24)
    args = ap.parse_args()
    rs = np.random.RandomState(3)
    clouds = []
    t0 = time.process_time()
    for _ in range(args.clouds):
        n = rs.randint(2, 8)
        params = np.zeros((n, 13))
        params[:, :12] = rs.uniform(-1, 1, (n, 12)) * 0.5  # contractive enough to stay finite
        params[:, 12] = 1.0 / n
        clouds.append(normalise(calculate(params, 10000), 10000).T.astype(np.float32))
    cloud_s = (time.process_time() - t0) / args.clouds
    t0 = time.process_time()
    for k in range(args.views):
        view(clouds[k % len(clouds)], k * 30.0 + 30.0)
    view_s = (time.process_time() - t0) / args.views
    print(json.dumps({"cloud_s": cloud_s, "view_s": view_s,
                      "mv_images_per_cpu_s": 12 / (cloud_s + 12 * view_s)}))


if __name__ == "__main__":
    main()
