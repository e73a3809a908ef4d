#!/usr/bin/env python3
"""projection_matches_opengl: `synthub project` (src/fractal3d/project.h)
against real OpenGL.

tests/gl_points_tool draws point clouds with Mesa's llvmpipe through EGL the
way the published 3D renderers do (published camera, 12 views, 224 x 224,
glReadPixels memory as is). This script

1. checks that llvmpipe's images equal, pixel for pixel, a numpy model of
   the pipeline written from these rules (measured with gl_points_tool on
   Mesa 22.3's llvmpipe), in both context profiles:
   - vertex stage: Mesa evaluates proj * view * model * p as
     proj * (view * (model * p)), float32, no fused multiply-add;
   - viewport: r = 1 / w (float32), x_w = x * r * (size / 2) + size / 2 with
     the last multiply-add fused where the host CPU has FMA (llvmpipe's
     llvm.fmuladd), separate without; both are modelled and the one the
     host uses is reported;
   - clipping: a point is kept when -w <= x, y, z <= w (closed);
   - snapping: 8 sub-pixel bits, round half away from zero;
   - compat profile (non-sprite points, what the published script gets:
     pegl creates its context without attributes, i.e. OpenGL 1.0 requested,
     a compatibility context): k = round(256 x_w); odd size s: pixels
     (k >> 8) - (s - 1) / 2 ...; even s: ((k + 128) >> 8) - s / 2 ...;
   - core profile (points are always sprites): k = round(256 (x_w - 1/2));
     the pixels whose centre lies in [k/256 + 1/2 - s/2, k/256 + 1/2 + s/2)
     (left and bottom edges in, right and top out);
   and that image row 0 is the window bottom;
2. when the CLI has `synthub project`, renders the same clouds with it and
   counts the pixels that differ from OpenGL in the profile the published
   datasets used (--profile, compat by default). It passes when they are
   equal, or when at most 1 in 5,000 lit pixels differ and every differing
   pixel is covered by a point whose window coordinate lies within 2^-8 pixel
   of a point-rule edge (where sub-pixel rounding decides).

Exit 77 (ctest SKIP) when no headless OpenGL context can be created.
usage: projection_check.py GL_POINTS_TOOL SYNTHUB WORKDIR [--profile compat|core]
"""
import os
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image

SKIP = 77
VIEWS = 12
SIZE = 224
POINT_SIZES = (1, 3)
EDGE = 2.0 ** -8          # a point this close to a rule edge may fall either way
MAX_DIFF_FRACTION = 2e-4  # of the lit pixels, all views of one cloud together
f32 = np.float32


def clouds():
    """float32 N x 3 test clouds: uniform, fractal-like, grid."""
    rng = np.random.RandomState(13)
    out = {"uniform": rng.uniform(-1.5, 1.5, (10000, 3)).astype(f32)}
    # A chaos game of four contractions towards a tetrahedron's corners with a
    # small twist, normalised like the published clouds: global min-max to
    # [-1, 1], then the centroid subtracted.
    corners = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=np.float64)
    c, s = np.cos(0.3), np.sin(0.3)
    twist = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) * 0.5
    picks = rng.randint(0, 4, 10000)
    p = np.zeros(3)
    pts = np.empty((10000, 3))
    for i, j in enumerate(picks):
        p = twist @ p + 0.5 * corners[j]
        pts[i] = p
    pts = (pts - pts.min()) / (pts.max() - pts.min()) * 2 - 1
    out["fractal"] = (pts - pts.mean(axis=0)).astype(f32)
    g = np.linspace(-1, 1, 21, dtype=f32)
    out["grid"] = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3).astype(f32)
    return out


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def gl_render(tool, cloud, out, point_size, profile, identity=False, image=SIZE):
    """Renders VIEWS views (or one with --identity); returns (images as H x W
    uint8 in glReadPixels order, proj matrices, view matrices) with matrices
    row-major float32."""
    shutil.rmtree(out, ignore_errors=True)
    camera = ["--identity"] if identity else ["--views", str(VIEWS)]
    r = run([tool, "render", "--cloud", cloud, "--out", out] + camera +
            ["--size", str(image), "--point-size", str(point_size), "--profile", profile,
             "--matrices"])
    if r.returncode == SKIP:
        print(r.stderr.strip())
        sys.exit(SKIP)
    if r.returncode != 0:
        sys.exit("gl_points_tool render failed: " + r.stderr)
    mats = {}
    for line in r.stdout.splitlines():
        t = line.split()
        mats[(t[0], int(t[1]))] = np.array([float(v) for v in t[2:]], f32).reshape(4, 4).T
    n = 1 if identity else VIEWS
    images = [np.asarray(Image.open(os.path.join(out, "view_%03d.png" % d)))[:, :, 0]
              for d in range(n)]
    return images, [mats[("proj", d)] for d in range(n)], [mats[("view", d)] for d in range(n)]


def mat_vec(m, v):
    """GLSL / glm mat4 * vec4 in float32: column 0 * v.x + column 1 * v.y + ... left to right."""
    out = np.empty_like(v)
    for r in range(4):
        acc = (m[r, 0] * v[:, 0]).astype(f32)
        for c in range(1, 4):
            acc = (acc + (m[r, c] * v[:, c]).astype(f32)).astype(f32)
        out[:, r] = acc
    return out


def window(xyz, proj, view, fused, image=SIZE):
    """Window coordinates (x_w, y_w) float32 of the points the clipper keeps
    (xyz: N x 3 points, or N x 4 clip coordinates with identity matrices)."""
    v = xyz if xyz.shape[1] == 4 else np.concatenate([xyz, np.ones((len(xyz), 1), f32)], 1)
    c = mat_vec(proj, mat_vec(view, v))
    w = c[:, 3]
    keep = np.all((c[:, :3] >= -w[:, None]) & (c[:, :3] <= w[:, None]), axis=1)
    c, w = c[keep], w[keep]
    r = (f32(1) / w).astype(f32)
    half = f32(image / 2)
    out = []
    for a in (0, 1):
        nd = (c[:, a] * r).astype(f32)
        if fused:  # exact product and sum in 64-bit-mantissa long double, one rounding
            out.append((nd.astype(np.longdouble) * half + half).astype(f32))
        else:
            out.append(((nd * half).astype(f32) + half).astype(f32))
    return out


def round_half_away(t):
    t = t.astype(f32)
    return np.where(t >= 0, np.trunc((t + f32(0.5)).astype(f32)),
                    np.trunc((t - f32(0.5)).astype(f32))).astype(np.int64)


def first_pixel(xw, size, profile):
    """The lowest pixel index a point of `size` covers along one axis (it covers `size`)."""
    if profile == "compat":
        k = round_half_away(xw * f32(256))
        return (k >> 8) - (size - 1) // 2 if size % 2 else ((k + 128) >> 8) - size // 2
    k = round_half_away((xw - f32(0.5)).astype(f32) * f32(256))
    return -((-(k - 128 * size)) // 256)  # ceil((k - 128 size) / 256)


def paint(x0, y0, w, h, image=SIZE):
    """Image with the boxes [x0, x0 + w) x [y0, y0 + h) lit (w, h arrays or ints)."""
    img = np.zeros((image, image), bool)
    w = np.broadcast_to(w, x0.shape)
    h = np.broadcast_to(h, y0.shape)
    for dx in range(int(w.max(initial=0))):
        for dy in range(int(h.max(initial=0))):
            x, y = x0 + dx, y0 + dy
            ok = (dx < w) & (dy < h) & (x >= 0) & (x < image) & (y >= 0) & (y < image)
            img[y[ok], x[ok]] = True
    return img


def model_image(xyz, proj, view, size, profile, fused, image=SIZE):
    xw, yw = window(xyz, proj, view, fused, image)
    return paint(first_pixel(xw, size, profile), first_pixel(yw, size, profile), size, size, image)


def edge_pixels(xyz, proj, view, size, profile):
    """Pixels whose state sub-pixel rounding decides: lit by some point when
    its x_w, y_w move by up to EDGE (with or without the fused multiply-add)
    but not lit by any point for every such move."""
    fx, fy = [], []
    for fused in (False, True):
        xw, yw = window(xyz, proj, view, fused)
        for d in (-EDGE, 0.0, EDGE):
            fx.append(first_pixel((xw + f32(d)).astype(f32), size, profile))
            fy.append(first_pixel((yw + f32(d)).astype(f32), size, profile))
    lo_x, hi_x = np.min(fx, 0), np.max(fx, 0)
    lo_y, hi_y = np.min(fy, 0), np.max(fy, 0)
    sometimes = paint(lo_x, lo_y, hi_x - lo_x + size, hi_y - lo_y + size)
    always = paint(hi_x, hi_y, np.maximum(lo_x + size - hi_x, 0),
                   np.maximum(lo_y + size - hi_y, 0))
    return sometimes & ~always


def check_vertex_stage(tool, work, path, xyz):
    """gl_Position (transform feedback) == proj * (view * p) in float32."""
    clip_path = os.path.join(work, "clip.npy")
    r = run([tool, "render", "--cloud", path, "--out", os.path.join(work, "gl"), "--views", "1",
             "--size", str(SIZE), "--matrices", "--clip-out", clip_path])
    if r.returncode != 0:
        sys.exit("gl_points_tool render --clip-out failed: " + r.stderr)
    mats = {t[0]: np.array([float(v) for v in t[2:]], f32).reshape(4, 4).T
            for t in (line.split() for line in r.stdout.splitlines())}
    gl = np.load(clip_path)
    v = np.concatenate([xyz, np.ones((len(xyz), 1), f32)], 1)
    nested = mat_vec(mats["proj"], mat_vec(mats["view"], v))
    product = mat_vec(mat_vec(mats["proj"], mats["view"].T.copy()).T.copy(), v)
    if not np.array_equal(gl, nested):
        sys.exit("FAIL: gl_Position differs from proj * (view * p) in %d of %d points" %
                 (int(np.sum(np.any(gl != nested, axis=1))), len(xyz)))
    print("  vertex stage: gl_Position == proj * (view * p) for all %d points "
          "((proj * view) * p would differ in %d)" %
          (len(xyz), int(np.sum(np.any(gl != product, axis=1)))))


EDGE_IMAGE = 1000  # x_w = 500 x / w + 500: not a power of two, so a fused multiply-add shows


def edge_cloud():
    """N x 4 clip coordinates, one point per 8 x 8 cell of an EDGE_IMAGE
    viewport, each a few float32 steps from a sub-pixel rounding tie next to
    a point-rule edge: x_w, y_w near the cell's centre line + o, o in
    {-1/512, 1/512, 1/2 - 1/512, 1/2 + 1/512}, with w in [1.5, 8)."""
    rng = np.random.RandomState(5)
    cells = EDGE_IMAGE // 8
    n = cells * cells
    w = rng.uniform(1.5, 8, n).astype(f32)
    half = EDGE_IMAGE / 2
    xy = []
    for cell in (np.arange(n) % cells, np.arange(n) // cells):
        target = 8 * cell + 4 + rng.choice([-1 / 512, 1 / 512, 0.5 - 1 / 512, 0.5 + 1 / 512], n)
        x = ((target - half) / half * w.astype(np.float64)).astype(f32)
        steps = rng.randint(-6, 7, n)
        for k in range(6):
            m = np.abs(steps) > k
            x[m] = np.nextafter(x[m], np.where(steps[m] > 0, f32(np.inf), f32(-np.inf)))
        xy.append(x)
    return np.stack([xy[0], xy[1], np.zeros(n, f32), w], 1).astype(f32)


def check_edges(tool, work, host_fused):
    """llvmpipe == model on points placed at the rounding ties, all point
    sizes 1 to 4, both profiles; returns whether the host fuses."""
    path = os.path.join(work, "edges.npy")
    clip = edge_cloud()
    np.save(path, clip)
    for profile in ("compat", "core"):
        for size in (1, 2, 3, 4):
            images, projs, views = gl_render(tool, path, os.path.join(work, "gl"), size, profile,
                                             identity=True, image=EDGE_IMAGE)
            gl = images[0] > 0
            diff = {f: int(np.sum(model_image(clip, projs[0], views[0], size, profile, f,
                                              EDGE_IMAGE) != gl)) for f in (False, True)}
            matches = [f for f in diff if diff[f] == 0]
            if len(matches) != 1 or (host_fused is not None and matches[0] != host_fused):
                sys.exit("FAIL: edge points, %s point size %d: llvmpipe differs from the model "
                         "by %s pixels (unfused, fused)" % (profile, size,
                                                            (diff[False], diff[True])))
            host_fused = matches[0]
            print("  edges    %-6s point size %d: llvmpipe == model (%d pixels lit; the other "
                  "viewport arithmetic would differ in %d)" %
                  (profile, size, int(gl.sum()), diff[not host_fused]))
    return host_fused


def boundary_cloud():
    """N x 4 clip coordinates (w = 2) on and one float32 step outside the
    clip volume's planes x = +-w, y = +-w, z = -w, spread along the other
    axis of a 64 x 64 viewport so that size-3 points do not touch. (z = +w is
    inside the volume but its depth, 1.0, fails the depth test against the
    cleared 1.0, which the model leaves out.)"""
    w = f32(2)
    out_ = lambda v: np.nextafter(f32(v), f32(np.inf) if v > 0 else f32(-np.inf))
    rows = []
    for i, edge in enumerate((w, out_(w), -w, out_(-w))):
        along = f32((8 * i + 8 - 32) / 32) * w
        rows += [[edge, along, 0, w], [along, edge, 0, w]]
    for i, z in enumerate((-w, out_(-w), f32(0.99) * w)):
        rows.append([f32((8 * i + 12 - 32) / 32) * w, f32(0.25) * w, z, w])
    return np.array(rows, f32)


def check_boundary(tool, work):
    path = os.path.join(work, "boundary.npy")
    clip = boundary_cloud()
    np.save(path, clip)
    for profile in ("compat", "core"):
        for size in (1, 3):
            images, projs, views = gl_render(tool, path, os.path.join(work, "gl"), size, profile,
                                             identity=True, image=64)
            gl = images[0] > 0
            for fused in (False, True):
                model = model_image(clip, projs[0], views[0], size, profile, fused, 64)
                if np.any(model != gl):
                    sys.exit("FAIL: points on the clip planes, %s point size %d: llvmpipe differs "
                             "from the model (closed clip volume) in %d pixels" %
                             (profile, size, int(np.sum(model != gl))))
    print("  clip planes: points on x, y = +-w and z = -w drawn, one float32 step "
          "outside dropped, as modelled")


def check_model(tool, work, cloud_name, path, xyz, profile, host_fused):
    """GL == model for every view and point size; returns the FMA variant seen."""
    for size in POINT_SIZES:
        images, projs, views = gl_render(tool, path, os.path.join(work, "gl"), size, profile)
        for d in range(VIEWS):
            gl = images[d] > 0
            diff = {f: int(np.sum(model_image(xyz, projs[d], views[d], size, profile, f) != gl))
                    for f in (False, True)}
            matches = [f for f in diff if diff[f] == 0]
            if not matches:
                sys.exit("FAIL: %s %s point size %d view %d: llvmpipe differs from the model by %s "
                         "pixels (unfused, fused)" % (cloud_name, profile, size, d,
                                                      (diff[False], diff[True])))
            if host_fused is None and len(matches) == 1:
                host_fused = matches[0]
            elif host_fused is not None and host_fused not in matches:
                sys.exit("FAIL: %s %s point size %d view %d: llvmpipe switched between fused and "
                         "unfused viewport arithmetic" % (cloud_name, profile, size, d))
    print("  %-8s %-6s: llvmpipe == model, %d views x point sizes %s" %
          (cloud_name, profile, VIEWS, POINT_SIZES))
    return host_fused


def has_project(synthub):
    return run([synthub, "project", "--help"]).returncode == 0


def compare_project(tool, synthub, work, cloud_name, path, xyz, profile):
    ok = True
    for size in POINT_SIZES:
        images, projs, views = gl_render(tool, path, os.path.join(work, "gl"), size, profile)
        out = os.path.join(work, "cpu")
        shutil.rmtree(out, ignore_errors=True)
        r = run([synthub, "project", "--cloud", path, "--views", str(VIEWS), "--size", str(SIZE),
                 "--point-size", str(size), "--out", out])
        if r.returncode != 0:
            sys.exit("synthub project failed: " + r.stderr)
        lit = diff_total = unexplained = 0
        per_view = []
        for d in range(VIEWS):
            gl = images[d] > 0
            cpu = np.asarray(Image.open(os.path.join(out, "view_%03d.png" % d)).convert("L")) > 0
            diff = gl != cpu
            lit += int(gl.sum())
            per_view.append(int(diff.sum()))
            if diff.any():
                unexplained += int(np.sum(diff & ~edge_pixels(xyz, projs[d], views[d], size,
                                                               profile)))
        diff_total = sum(per_view)
        status = "equal"
        if diff_total:
            status = "%d differing (%d unexplained, limit %d)" % (
                diff_total, unexplained, int(MAX_DIFF_FRACTION * lit))
            if unexplained or diff_total > MAX_DIFF_FRACTION * lit:
                ok = False
        print("  %-8s point size %d: %d lit pixels, per view %s: %s" %
              (cloud_name, size, lit, per_view, status))
    return ok


def main():
    args = sys.argv[1:]
    profile = "compat"
    if "--profile" in args:
        i = args.index("--profile")
        profile = args[i + 1]
        del args[i:i + 2]
    if len(args) != 3 or profile not in ("compat", "core"):
        sys.exit(__doc__.strip().splitlines()[-1])
    tool, synthub, work = args
    os.makedirs(work, exist_ok=True)
    info = run([tool, "info"])
    if info.returncode == SKIP:
        print(info.stderr.strip())
        sys.exit(SKIP)
    if info.returncode != 0:
        sys.exit("gl_points_tool info failed: " + info.stderr)
    print(info.stdout.strip())
    if "llvmpipe" not in info.stdout:
        print("SKIP: the renderer is not Mesa's llvmpipe, whose rules this test models")
        sys.exit(SKIP)

    # Image row 0 is the window bottom: a point high in the window lands in a high row.
    np.save(os.path.join(work, "top.npy"), np.array([[0.53, 0.9, 0.0]], f32))
    r = run([tool, "render", "--cloud", os.path.join(work, "top.npy"), "--out",
             os.path.join(work, "top"), "--identity", "--size", "16", "--print"])
    if r.returncode != 0 or r.stdout.split() != ["0", "12", "15"]:
        sys.exit("FAIL: a point at window (12.24, 15.2) should light column 12 of row 15 "
                 "(row 0 = bottom); got %r %s" % (r.stdout, r.stderr))

    check_boundary(tool, work)
    host_fused = check_edges(tool, work, None)
    paths = {}
    for name, xyz in clouds().items():
        paths[name] = os.path.join(work, name + ".npy")
        np.save(paths[name], xyz)
        if name == "uniform":
            check_vertex_stage(tool, work, paths[name], xyz)
        for p in ("compat", "core"):
            host_fused = check_model(tool, work, name, paths[name], xyz, p, host_fused)
    print("llvmpipe's viewport multiply-add is %s on this host" %
          ("fused (FMA)" if host_fused else "not fused"))

    if not has_project(synthub):
        print("synthub has no `project` command yet: checked the OpenGL side only")
        return 0
    print("synthub project against OpenGL (%s profile):" % profile)
    ok = all([compare_project(tool, synthub, work, name, paths[name], xyz, profile)
              for name, xyz in clouds().items()])
    if not ok:
        sys.exit("FAIL: synthub project differs from OpenGL beyond sub-pixel rounding")
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
