#!/usr/bin/env python3
"""`synthub project` (src/fractal3d/project.cc) against an independent numpy
implementation of the published renderer's camera and OpenGL's point rules:
the same pixels for several clouds, views, point sizes and colours.

  project_check.py SYNTHUB

The matrices follow glm (PyGLM, float32): rotate, lookAt (right-handed),
perspective (clip z in [-1, 1]), with float32 cosf/sinf/tanf from libm as
glm calls them. Then, per point, as Mesa's llvmpipe computes the shader
(tests/projection_check.py measures it): eye = V (x, y, z, 1), clip = P eye;
kept when -w <= x, y, z <= w and the 16-bit depth round(65535 (z/w / 2 +
1/2)) is below 65535; r = 1/w, window = fma(x r, size/2, size/2); snapped to
1/256 pixel; the point rule of a compatibility context (size s odd: from
floor(w) - (s-1)/2; even: floor(w + 1/2) - s/2) or of point sprites (core:
the pixel centres in [w - s/2, w + s/2)); image row = window y
(glReadPixels order).
"""
import ctypes
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

SYNTHUB = sys.argv[1]
F = np.float32
libm = ctypes.CDLL("libm.so.6")
for fn in ("cosf", "sinf", "tanf"):
    getattr(libm, fn).restype = ctypes.c_float
    getattr(libm, fn).argtypes = [ctypes.c_float]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


# Matrices: m[col][row], float32 scalars.
def identity():
    return [[F(1) if r == c else F(0) for r in range(4)] for c in range(4)]


def radians(deg):
    return F(deg) * F(0.01745329251994329576923690768489)


def normalize(v):
    k = F(1) / F(math.sqrt(F(v[0] * v[0] + v[1] * v[1]) + v[2] * v[2]))
    return [v[0] * k, v[1] * k, v[2] * k]


def rotate(m, angle, axis):
    c, s = F(libm.cosf(angle)), F(libm.sinf(angle))
    a = normalize([F(x) for x in axis])
    t = [(F(1) - c) * a[0], (F(1) - c) * a[1], (F(1) - c) * a[2]]
    rot = [[c + t[0] * a[0], t[0] * a[1] + s * a[2], t[0] * a[2] - s * a[1]],
           [t[1] * a[0] - s * a[2], c + t[1] * a[1], t[1] * a[2] + s * a[0]],
           [t[2] * a[0] + s * a[1], t[2] * a[1] - s * a[0], c + t[2] * a[2]]]
    out = [[m[0][r] * rot[k][0] + m[1][r] * rot[k][1] + m[2][r] * rot[k][2] for r in range(4)]
           for k in range(3)]
    return out + [list(m[3])]


def mul_vec(m, v):
    return [m[0][r] * v[0] + m[1][r] * v[1] + m[2][r] * v[2] + m[3][r] * v[3] for r in range(4)]


def mul_vec_glm(m, v):
    """glm's mat4 * vec4 pairs the columns."""
    return [(m[0][r] * v[0] + m[1][r] * v[1]) + (m[2][r] * v[2] + m[3][r] * v[3]) for r in range(4)]


def mul(a, b):
    return [mul_vec(a, b[c]) for c in range(4)]


def look_at(eye, up):
    def dot(a, b):
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]

    def cross(x, y):
        return [x[1] * y[2] - y[1] * x[2], x[2] * y[0] - y[2] * x[0], x[0] * y[1] - y[0] * x[1]]

    f = normalize([F(0) - eye[0], F(0) - eye[1], F(0) - eye[2]])
    s = normalize(cross(f, up))
    u = cross(s, f)
    m = identity()
    for k in range(3):
        m[k][0], m[k][1], m[k][2] = s[k], u[k], -f[k]
    m[3][0], m[3][1], m[3][2] = -dot(s, eye), -dot(u, eye), dot(f, eye)
    return m


def perspective(fovy, aspect, near, far):
    t = F(libm.tanf(fovy / F(2)))
    m = [[F(0)] * 4 for _ in range(4)]
    m[0][0] = F(1) / (aspect * t)
    m[1][1] = F(1) / t
    m[2][2] = -(far + near) / (far - near)
    m[2][3] = F(-1)
    m[3][2] = -(F(2) * far * near) / (far - near)
    return m


def view_matrices(rotations, size):
    rot = identity()
    for a in rotations:
        rot = rotate(rot, F(a), (0, 1, 0))
    d = mul_vec_glm(rot, [F(1), F(0), F(0), F(0)])
    up = mul_vec_glm(rot, [F(0), F(1), F(0), F(0)])
    eye = [F(0) - d[k] * F(4) for k in range(3)]
    proj = perspective(radians(45.0), F(size) / F(size), F(1), F(100))
    return proj, look_at(eye, up[:3])


def fma32(a, b, c):
    """fmaf: the float64 product of two float32 is exact, the sum here too."""
    return (a.astype(np.float64) * np.float64(b) + np.float64(c)).astype(F)


def render(cloud, rotations, size=224, point_size=1, bits=8, color=(255,) * 3,
           background=(0,) * 3, channels=1, rule="compat"):
    proj, view = view_matrices(rotations, size)
    x, y, z = cloud[:, 0], cloud[:, 1], cloud[:, 2]
    e = [view[0][r] * x + view[1][r] * y + view[2][r] * z + view[3][r] for r in range(4)]
    clip = [proj[0][r] * e[0] + proj[1][r] * e[1] + proj[2][r] * e[2] + proj[3][r] * e[3]
            for r in range(4)]
    w = clip[3]
    with np.errstate(all="ignore"):
        inv = F(1) / w
        depth = np.rint(fma32(clip[2] * inv, F(0.5), F(0.5)) * F(65535))
        keep = depth < F(65535)
        for r in range(3):
            keep &= (clip[r] >= -w) & (clip[r] <= w)
        half = F(0.5) * F(size)
        win = [fma32(clip[r][keep] * inv[keep], half, half) for r in range(2)]
    img = np.empty((size, size, 3), dtype=np.uint8)
    img[:, :] = background
    first = []
    for v in win:
        v = v.astype(np.float64)
        if rule == "compat":
            if bits:
                v = np.floor(v * 2.0 ** bits + 0.5) / 2.0 ** bits
            shift = 0.5 if point_size % 2 == 0 else 0.0
            first.append(np.floor(v + shift).astype(np.int64) - point_size // 2)
        else:
            if bits:
                t = (v - 0.5) * 2.0 ** bits
                v = np.trunc(t + np.copysign(0.5, t)) / 2.0 ** bits + 0.5
            first.append(np.ceil(v - point_size / 2 - 0.5).astype(np.int64))
    for dy in range(point_size):
        for dx in range(point_size):
            px, py = first[0] + dx, first[1] + dy
            ok = (px >= 0) & (py >= 0) & (px < size) & (py < size)
            img[py[ok], px[ok]] = color
    return img[:, :, 0] if channels == 1 else img


def fixed_view(k, n, jitter):
    return [k / n * math.pi * 2.0, radians(30.0), radians(jitter)]


def synthub_views(cloud, args, tmp):
    path = os.path.join(tmp, "cloud.npy")
    np.save(path, cloud)
    out = os.path.join(tmp, "views")
    for f in os.listdir(out) if os.path.isdir(out) else []:
        os.remove(os.path.join(out, f))
    subprocess.run([SYNTHUB, "project", "--cloud", path, "--out", out, *args], check=True,
                   capture_output=True)
    return [np.array(Image.open(os.path.join(out, f))) for f in sorted(os.listdir(out))]


rng = np.random.default_rng(5)
grid = np.stack(np.meshgrid(*[np.arange(-1, 1.01, 0.125, dtype=np.float32)] * 3), -1).reshape(-1, 3)
clouds = {
    "uniform 10k": rng.uniform(-1.5, 1.5, (10000, 3)).astype(np.float32),
    "grid + origin": np.concatenate([grid, np.zeros((1, 3), np.float32)]),
    "gaussian 10k": (rng.standard_normal((10000, 3)) * 0.4).astype(np.float32),
}
with tempfile.TemporaryDirectory() as tmp:
    for name, cloud in clouds.items():
        ours = synthub_views(cloud, ["--views", "12", "--jitter", "1.7"], tmp)
        theirs = [render(cloud, fixed_view(k, 12, 1.7)) for k in range(12)]
        diff = [int((a != b).sum()) for a, b in zip(ours, theirs)]
        lit = sum(int((t > 0).sum()) for t in theirs)
        check(len(ours) == 12 and sum(diff) == 0 and lit > 0,
              f"{name}: 12 fixed views, {lit} lit pixels, differing pixels per view {diff}")
    for name in ("uniform 10k", "grid + origin"):
        cloud = clouds[name]
        for size in (1, 2, 3):
            ours = synthub_views(cloud, ["--views", "12", "--point-rule", "core", "--point-size",
                                         str(size)], tmp)
            theirs = [render(cloud, fixed_view(k, 12, 0.0), point_size=size, rule="core")
                      for k in range(12)]
            diff = [int((a != b).sum()) for a, b in zip(ours, theirs)]
            check(sum(diff) == 0, f"{name}: --point-rule core, point size {size}: differing {diff}")
            ours = synthub_views(cloud, ["--views", "12", "--point-size", str(size)], tmp)
            theirs = [render(cloud, fixed_view(k, 12, 0.0), point_size=size) for k in range(12)]
            diff = [int((a != b).sum()) for a, b in zip(ours, theirs)]
            check(sum(diff) == 0, f"{name}: compat rule, point size {size}: differing {diff}")
    far = np.concatenate([rng.uniform(-40, 40, (3000, 3)), rng.uniform(90, 100, (3000, 3))]
                         ).astype(np.float32)
    ours = synthub_views(far, ["--angles", "180,200"], tmp)
    theirs = [render(far, [radians(a)]) for a in (180.0, 200.0)]
    check(all(np.array_equal(a, b) for a, b in zip(ours, theirs)),
          "a cloud across the near and far planes (clipping and the depth test): identical")
    cloud = clouds["uniform 10k"]
    angles = [0.0, 17.25, 90.0, 200.5, 359.0]
    ours = synthub_views(cloud, ["--angles", ",".join(map(str, angles)), "--point-size", "3",
                                 "--subpixel-bits", "0"], tmp)
    theirs = [render(cloud, [radians(a)], point_size=3, bits=0) for a in angles]
    check(all(np.array_equal(a, b) for a, b in zip(ours, theirs)),
          "point size 3, no sub-pixel snapping, --angles: identical")
    ours = synthub_views(cloud[:2000], ["--views", "3", "--size", "64", "--point-color", "ff8000",
                                        "--background", "102030"], tmp)
    theirs = [render(cloud[:2000], fixed_view(k, 3, 0.0), size=64, color=(255, 128, 0),
                     background=(16, 32, 48), channels=3) for k in range(3)]
    check(all(a.shape == (64, 64, 3) and np.array_equal(a, b) for a, b in zip(ours, theirs)),
          "64 x 64 RGB, coloured points and background: identical")

sys.exit(1 if failures else 0)
