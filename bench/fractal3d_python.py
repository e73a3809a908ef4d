#!/usr/bin/env python3
"""The published 3D pipeline (the MV-FractalDB / ExFractalDB / 3D-OFDB
scripts) transcribed in Python as the authors run it, timed per stage on one
core (time.process_time), for bench/fractal3d_run.sh:

  per instance (instance.py):
    - the chaos game: IteratedFunctionSystem's set_param (weights multiply
      a..l, one dict per map) and calculate(10000): np.random.random, then a
      Python loop over the points with the first-match map choice and the
      per-map dict lookups, points appended to lists;
    - min_max (numpy, over all coordinates) and centoroid (Python's builtin
      sum over each axis, divided by 10,000, .tolist(), np.array);
    - render.py's vertex upload on the CPU side: the cloud as float32, the
      colour array, and the two ctypes arrays glBufferData is given;
  per view (render.py), standing in for the GPU:
    - the camera's matrices as PyGLM builds them (float32: perspective 45
      degrees, near 1, far 100; rotations about y by theta, 30 degrees and
      random.uniform(-pi, pi) degrees; lookAt from distance 4), then in numpy
      every point through proj * view, the clip test, the perspective divide,
      the viewport transform and the GL rule's pixel for a point of size 1
      (floor of the window coordinates), white on a black 224 x 224 RGB
      array in glReadPixels order;
    - PIL's PNG save of that array (into memory).

Left out, as the issue allows (say so wherever the figures are quoted): the
PLY write (open3d) and read-back (plyfile) per instance, the EGL/OpenGL
context, the GPU's draw and glReadPixels: the published renderer's GL time
is not measured; the numpy projection stands in for it.

  fractal3d_python.py [--rows 0,6,72,144] [--views 12] [--points 10000] CSV...
CSV: one category's maps (13 columns a..l,p; synthub_fractal3d_bench
--csv-dir writes them). Prints one JSON object: per-instance and per-view CPU
seconds, and images per CPU-second for MV-FractalDB's one cloud, 12 views."""
import argparse
import ctypes
import io
import json
import math
import random
import time

import numpy as np
from PIL import Image

F32 = np.float32


class IfsFunction:
    """The published ifs_function, operation for operation."""

    def __init__(self):
        self.prev_x, self.prev_y, self.prev_z = 0.0, 0.0, 0.0
        self.function = []
        self.xs, self.ys, self.zs = [], [], []
        self.select_function = []
        self.temp_proba = 0.0

    def set_param(self, coefficients, proba, weights):
        values = [c * w for c, w in zip(coefficients, weights)]
        entry = dict(zip("abcdefghijkl", values))
        entry["proba"] = proba
        self.function.append(entry)
        self.temp_proba += proba
        self.select_function.append(self.temp_proba)

    def calculate(self, iteration):
        rand = np.random.random(iteration)
        select_function = self.select_function
        function = self.function
        prev_x, prev_y, prev_z = self.prev_x, self.prev_y, self.prev_z
        for i in range(iteration - 1):
            for j in range(len(select_function)):
                if rand[i] <= select_function[j]:
                    next_x = (prev_x * function[j]["a"] + prev_y * function[j]["b"]
                              + prev_z * function[j]["c"] + function[j]["j"])
                    next_y = (prev_x * function[j]["d"] + prev_y * function[j]["e"]
                              + prev_z * function[j]["f"] + function[j]["k"])
                    next_z = (prev_x * function[j]["g"] + prev_y * function[j]["h"]
                              + prev_z * function[j]["i"] + function[j]["l"])
                    break
            self.xs.append(next_x), self.ys.append(next_y), self.zs.append(next_z)
            prev_x, prev_y, prev_z = next_x, next_y, next_z
        return np.array((self.xs, self.ys, self.zs), dtype=float)


def min_max(x):
    lo, hi = x.min(keepdims=True), x.max(keepdims=True)
    return ((x - lo) / (hi - lo)) * (1.0 - (-1.0)) - 1.0


def centroid(point, points):
    centre = [sum(point[0]) / points, sum(point[1]) / points, sum(point[2]) / points]
    return np.array([(point[k] - centre[k]).tolist() for k in range(3)])


def weight_row(rows, row):
    """Row `row` of the published weights_insN.csv (N = 1 + 24k)."""
    k = (rows - 1) // 24
    w = [1.0] * 12
    if k == 0:
        return w
    if row < 2 * k + 1:
        w[0] = (10 - k + row) / 10.0
    else:
        r = row - (2 * k + 1)
        step = r % (2 * k)
        w[1 + r // (2 * k)] = (10 - k + step if step < k else 11 + step - k) / 10.0
    return w


def vertex_upload(point):
    """render.py's CPU side of the two glBufferData calls."""
    pts = np.array([point[0], point[1], point[2]], dtype=F32).T
    colors = np.ones((pts.shape[0], 3), dtype=F32)
    return ((ctypes.c_float * pts.size)(*pts.reshape(pts.size)),
            (ctypes.c_float * colors.size)(*colors.reshape(colors.size)), pts)


# PyGLM's float32 matrices, written as M[row, column] (glm's m[column][row]).
def perspective(fovy, aspect, near, far):
    t = F32(math.tan(F32(fovy) / F32(2)))
    m = np.zeros((4, 4), F32)
    m[0, 0] = F32(1) / (F32(aspect) * t)
    m[1, 1] = F32(1) / t
    m[2, 2] = -(F32(far) + F32(near)) / (F32(far) - F32(near))
    m[3, 2] = F32(-1)
    m[2, 3] = -(F32(2) * F32(far) * F32(near)) / (F32(far) - F32(near))
    return m


def rotate_y(m, angle):
    c, s = F32(math.cos(F32(angle))), F32(math.sin(F32(angle)))
    r = np.eye(4, dtype=F32)
    r[0, 0], r[0, 2], r[2, 0], r[2, 2] = c, s, -s, c
    return (m @ r).astype(F32)


def normalize(v):
    return (v / F32(math.sqrt(F32(v @ v)))).astype(F32)


def look_at(eye, center, up):
    f = normalize(center - eye)
    s = normalize(np.cross(f, up).astype(F32))
    u = np.cross(s, f).astype(F32)
    m = np.eye(4, dtype=F32)
    m[0, :3], m[1, :3], m[2, :3] = s, u, -f
    m[0, 3], m[1, 3], m[2, 3] = -(s @ eye), -(u @ eye), f @ eye
    return m


def project(pts, view, views, size):
    """One view of render.py's loop: its matrices, then the GL vertex
    pipeline for points in numpy. Returns the RGB array as glReadPixels
    leaves it (row 0 = the bottom of the window)."""
    proj = perspective(math.radians(45.0), size / size, 1.0, 100.0)
    theta = view / views * math.pi * 2.0
    rot = np.eye(4, dtype=F32)
    for angle in (theta, math.radians(30), math.radians(random.uniform(-math.pi, math.pi))):
        rot = rotate_y(rot, angle)
    cam_dir = (rot @ np.array([1, 0, 0, 0], F32))[:3]
    up = (rot @ np.array([0, 1, 0, 0], F32))[:3]
    eye = (np.zeros(3, F32) - cam_dir * F32(4)).astype(F32)
    mvp = (proj @ look_at(eye, np.zeros(3, F32), up)).astype(F32)
    clip = np.hstack([pts, np.ones((len(pts), 1), F32)]) @ mvp.T
    w = clip[:, 3:4]
    keep = np.all((clip[:, :3] >= -w) & (clip[:, :3] <= w), axis=1)
    window = (clip[keep, :2] / w[keep] + F32(1)) * F32(size / 2)
    pixel = np.floor(window).astype(np.int64)
    inside = np.all((pixel >= 0) & (pixel < size), axis=1)
    image = np.zeros((size, size, 3), np.uint8)
    image[pixel[inside, 1], pixel[inside, 0]] = 255
    return image


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="0,6,72,144", help="weight-table rows per category")
    ap.add_argument("--views", type=int, default=12)
    ap.add_argument("--points", type=int, default=10000)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("csv", nargs="+")
    a = ap.parse_args()
    np.random.seed(0)
    random.seed(0)
    cloud_s = upload_s = project_s = save_s = 0.0
    instances = images = png_bytes = skipped = 0
    for path in a.csv:
        params = np.genfromtxt(path, delimiter=",", ndmin=2)
        for row in (int(r) for r in a.rows.split(",")):
            t0 = time.process_time()
            ifs = IfsFunction()
            for p in params:
                ifs.set_param([float(v) for v in p[:12]], float(p[12]), weight_row(145, row))
            point = centroid(min_max(ifs.calculate(a.points)), a.points)
            t1 = time.process_time()
            cloud_s += t1 - t0
            if np.isnan(point).any(axis=1)[1]:  # instance.py writes no PLY then
                skipped += 1
                continue
            _, _, pts = vertex_upload(point)
            t2 = time.process_time()
            upload_s += t2 - t1
            instances += 1
            for view in range(a.views):
                t0 = time.process_time()
                image = project(pts, view, a.views, a.size)
                t1 = time.process_time()
                buf = io.BytesIO()
                Image.fromarray(image).save(buf, format="PNG")
                t2 = time.process_time()
                project_s += t1 - t0
                save_s += t2 - t1
                png_bytes += buf.tell()
                images += 1
    cloud, upload = cloud_s / (instances + skipped), upload_s / instances
    view = (project_s + save_s) / images
    print(json.dumps({
        "instances": instances, "skipped_nan": skipped, "images": images,
        "cloud_s": cloud, "upload_s": upload,
        "project_s": project_s / images, "save_s": save_s / images,
        "png_bytes": png_bytes / images,
        "mv_images_per_cpu_s": a.views / (cloud + upload + a.views * view)}))


if __name__ == "__main__":
    main()
