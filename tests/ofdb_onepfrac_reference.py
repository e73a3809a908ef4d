#!/usr/bin/env python3
"""Checks synthub's OFDB and 1p-frac images against the published algorithms.

An independent numpy implementation of the published renderers (OFDB:
make_2dofdb.py with exe_parallel.sh's settings; 1p-frac:
render_from_oneparam_mp.py) computes each image's point cloud: chaos game
from (0, 0) driven by np.random.seed(100), first map with r <= cumsum(p),
shift to min 0, uint16(v / (max - min) * (size - 2 pad) + pad), 3 x 3
patches pasted at (x + 1, y + 1), image flipped top-bottom. The published
patch masks come from Python's unseeded `random`, so pixels cannot be
compared one for one; instead every set pixel must lie under a patch of the
published cloud, every patch that no later patch covers must show a nonzero
mask, and about half of the covered pixels must be set (masks uniform in
1..511). OFDB's image must be the published weight file's first row
(a x 0.2). For 1p-frac the parameter file is checked too: the base is
contractive with its sigma-factor in sigma +- 0.1, every class is the base
times factors in [1 - delta, 1 + delta] with the base's p, and every image
sets more than 5 % of its pixels (the published rule, np.sum(img > 1) /
img.size > threshold).

Usage: ofdb_onepfrac_reference.py SYNTHUB PUBLISHED_PARAMS_DIR WORK_DIR"""
import io
import os
import shutil
import subprocess
import sys
import tarfile

import numpy as np
from PIL import Image

SYNTHUB, PUBLISHED, WORK = sys.argv[1:4]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def generate(out, *flags):
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([SYNTHUB, "generate", "--out", out, "--quiet", "--threads", "2", *flags],
                   check=True, stdout=subprocess.DEVNULL)


def shard_images(out):
    images = {}
    for name in sorted(os.listdir(out)):
        if not name.endswith(".tar"):
            continue
        with tarfile.open(os.path.join(out, name)) as tar:
            for m in tar.getmembers():
                if m.name.endswith(".png"):
                    data = tar.extractfile(m).read()
                    images[m.name[:-4]] = np.array(Image.open(io.BytesIO(data)))
    return images


def csv_params(text):
    return np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2)


def published_cloud(params, weights, points, size, pad):
    """Pixel coordinates of the published chaos game (ifs_function.calculate
    and __rescale; these systems have no NaN)."""
    np.random.seed(100)
    rand = np.random.random(points).tolist()  # Python floats: the same doubles, faster
    maps = []
    acc = 0.0
    for row in params.tolist():
        a, b, c, d, e, f = (row[k] * weights[k] for k in range(6))
        acc += row[6]
        maps.append((acc, a, b, c, d, e, f))
    xs, ys = [0.0], [0.0]
    x = y = 0.0
    for i in range(points - 1):
        for limit, a, b, c, d, e, f in maps:
            if rand[i] <= limit:
                x, y = x * a + y * b + e, x * c + y * d + f
                break
        xs.append(x)
        ys.append(y)
    xs, ys = np.array(xs), np.array(ys)
    if xs.min() < 0.0:
        xs -= xs.min()
    if ys.min() < 0.0:
        ys -= ys.min()
    px = np.uint16(xs / (xs.max() - xs.min()) * float(size - 2 * pad) + float(pad))
    py = np.uint16(ys / (ys.max() - ys.min()) * float(size - 2 * pad) + float(pad))
    return px, py


def check_patches(what, image, px, py, size):
    """`image` (as saved: flipped top-bottom) against the published cloud."""
    if image.shape != (size, size):
        fail("%s: shape %s" % (what, image.shape))
    owner = np.full((size, size), -1, dtype=np.int64)  # last patch over each pixel
    index = np.arange(len(px))
    for dy in range(1, 4):  # the latest patch wins, as pasting one after the other does
        for dx in range(1, 4):
            np.maximum.at(owner, (py.astype(np.int64) + dy, px.astype(np.int64) + dx), index)
    owner = owner[::-1]
    covered = owner >= 0
    values = set(np.unique(image).tolist())
    if not values <= {0, 127}:
        fail("%s: pixel values %s" % (what, sorted(values)))
    if np.any(image[~covered]):
        fail("%s: %d set pixels outside the published cloud's patches"
             % (what, int(np.count_nonzero(image[~covered]))))
    share = np.count_nonzero(image[covered]) / np.count_nonzero(covered)
    if not 0.45 < share < 0.56:
        fail("%s: %.3f of the covered pixels set (masks uniform in 1..511: about 0.5)"
             % (what, share))
    # A patch that no later one overlaps shows its whole mask: never empty.
    flat_owner = owner.ravel()
    counts = np.bincount(flat_owner[flat_owner >= 0], minlength=len(px))
    set_counts = np.bincount(flat_owner[(flat_owner >= 0) & (image.ravel() > 0)],
                             minlength=len(px))
    whole = counts == 9
    if not np.any(whole) or np.any(set_counts[whole] == 0):
        fail("%s: an unobstructed patch with an empty mask" % what)
    return np.sum(image > 1) / image.size


def check_ofdb():
    out = os.path.join(WORK, "ofdb")
    generate(out, "--family", "ofdb", "--params", PUBLISHED, "--categories", "2", "--seed", "5")
    images = shard_images(out)
    if sorted(images) != ["000000_00_000_0", "000001_00_000_0"]:
        fail("ofdb keys %s" % sorted(images))
    for c in range(2):
        with open(os.path.join(PUBLISHED, "%05d.csv" % c)) as f:
            params = csv_params(f.read())
        # weights_0.4.csv, first row: a x 0.2.
        px, py = published_cloud(params, [0.2, 1, 1, 1, 1, 1], 200000, 362, 6)
        check_patches("ofdb category %d" % c, images["%06d_00_000_0" % c], px, py, 362)
        # The all-ones row (FractalDB's third file row) is another image.
        qx, qy = published_cloud(params, [1, 1, 1, 1, 1, 1], 200000, 362, 6)
        if np.array_equal(px, qx) and np.array_equal(py, qy):
            fail("ofdb category %d: rows a x 0.2 and ones give the same cloud" % c)
    print("ofdb: 2 categories match the published weight row a x 0.2")


def check_onepfrac():
    out = os.path.join(WORK, "onepfrac")
    delta, sigma = 0.1, 3.5
    generate(out, "--family", "1p-frac", "--categories", "3", "--images", "2")
    with tarfile.open(os.path.join(out, "params.ustar")) as tar:
        members = {m.name: tar.extractfile(m).read().decode() for m in tar.getmembers()}
    if sorted(members) != ["00000.csv", "00001.csv", "00002.csv", "base.csv"]:
        fail("1p-frac params members %s" % sorted(members))
    base = csv_params(members["base.csv"])
    if base.shape != (2, 7):
        fail("1p-frac base shape %s" % (base.shape,))
    sigma_factor = 0.0
    dets = []
    for row in base:
        m = np.array([[row[0], row[1]], [row[2], row[3]]])
        s = np.linalg.svd(m, compute_uv=False)
        if s[0] >= 1.0:
            fail("1p-frac base: singular value %r >= 1" % s[0])
        sigma_factor += s[0] + 2 * s[1]
        dets.append(abs(np.linalg.det(m)))
    if not sigma - 0.1 - 1e-9 <= sigma_factor <= sigma + 0.1 + 1e-9:
        fail("1p-frac base: sigma-factor %r" % sigma_factor)
    if not np.allclose(base[:, 6], np.array(dets) / sum(dets), rtol=1e-12, atol=0):
        fail("1p-frac base: p is not |det| / sum")
    images = shard_images(out)
    for c in range(3):
        params = csv_params(members["%05d.csv" % c])
        if not np.array_equal(params[:, 6], base[:, 6]):
            fail("1p-frac class %d: p differs from the base's" % c)
        factors = params[:, :6] / base[:, :6]
        if factors.min() < 1 - delta - 1e-12 or factors.max() > 1 + delta + 1e-12:
            fail("1p-frac class %d: factors %s" % (c, factors))
        px, py = published_cloud(params, [1] * 6, 100000, 512, 6)
        for d in range(2):
            key = "%06d_00_%03d_0" % (c, d)
            fill = check_patches("1p-frac " + key, images[key], px, py, 512)
            if d == 0 and not fill > 0.05:
                fail("1p-frac %s: fill rate %.4f" % (key, fill))
    print("1p-frac: base, 3 classes and 6 images match the published algorithm")


os.makedirs(WORK, exist_ok=True)
check_ofdb()
check_onepfrac()
