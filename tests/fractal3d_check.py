#!/usr/bin/env python3
"""The 3D families' search and clouds (src/fractal3d/ifs3d.cc) against an
independent numpy transcription of the published scripts
(category_search.py, instance.py, IteratedFunctionSystem.calculate).

  fractal3d_check.py FRACTAL3D_TOOL

1. The weight tables weights_insN.csv, built here from their description.
2. Keyed and numpy-mode categories: the same maps (a..l exactly; p to 1e-12,
   numpy's det goes through LU) and the same number of trials.
3. 10,000 trials of one stream: the same per-axis variances trial by trial
   (hence the same acceptances), with the acceptance rate and the variance
   distribution printed.
4. Statistics: the C++ trials of another seed against these, acceptance rate
   within a 4-sigma binomial bound and a two-sample KS test per axis.
5. Instance clouds of a few (category, row): float32 identical.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

TOOL = sys.argv[1]
POINTS = 10000
VARIANCE = 0.05
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def tool(*args):
    return subprocess.run([TOOL, *map(str, args)], check=True, capture_output=True,
                          text=True).stdout


# --- 1. weight tables -------------------------------------------------------
def weight_table(rows):
    k = (rows - 1) // 24
    table = []
    for param in range(12):
        for tenths in range(10 - k, 11 + k):
            if tenths == 10 and param > 0:
                continue
            row = [1.0] * 12
            row[param] = float(f"{tenths / 10:.1f}")
            table.append(row)
    return table if k else [[1.0] * 12]


for rows in (1, 25, 145):
    ours = [[float(v) for v in line.split(",")] for line in tool("weights", rows).split()]
    check(ours == weight_table(rows), f"weight table of {rows} rows")


# --- the published search, transcribed --------------------------------------
def published_trial(rs):
    n = rs.randint(2, 8)
    params = np.zeros((n, 13))
    for m in range(n):
        v = rs.uniform(-1.0, 1.0, 12)
        params[m, :12] = v
        params[m, 12] = abs(np.linalg.det(v[:9].reshape(3, 3)))
    params[:, 12] /= params[:, 12].sum()
    return params, rs.random_sample(POINTS)


def chaos_game(params, weights, u):
    """IteratedFunctionSystem.calculate, one point at a time."""
    maps = []
    cum = 0.0
    for row in params:
        coef = [float(row[k]) * weights[k] for k in range(12)]
        cum += float(row[12])
        maps.append((cum, coef))
    xs, ys, zs = [], [], []
    x = y = z = 0.0
    for i in range(len(u) - 1):
        for limit, c in maps:
            if u[i] <= limit:
                x, y, z = (x * c[0] + y * c[1] + z * c[2] + c[9],
                           x * c[3] + y * c[4] + z * c[5] + c[10],
                           x * c[6] + y * c[7] + z * c[8] + c[11])
                break
        xs.append(x), ys.append(y), zs.append(z)
    return np.array((xs, ys, zs), dtype=float)


def normalise(points3):
    lo, hi = points3.min(), points3.max()
    p = ((points3 - lo) / (hi - lo)) * (1.0 - (-1.0)) - 1.0
    centre = [sum(p[k]) / POINTS for k in range(3)]  # builtin sum: sequential
    return np.array([p[k] - centre[k] for k in range(3)])


def accepted(p):
    return (not np.isnan(p).any()) and bool((np.var(p, axis=1) > VARIANCE).all())


# --- 2. categories ----------------------------------------------------------
def parse_search(text):
    cats, cur = [], None
    for line in text.splitlines():
        if line.startswith("#"):
            cur = {"trials": int(line.split()[-1]), "rows": []}
            cats.append(cur)
        else:
            cur["rows"].append([float(v) for v in line.split(",")])
    return cats


def same_maps(ours, params):
    a = np.array(ours)
    return a.shape == params.shape and np.array_equal(a[:, :12], params[:, :12]) and \
        np.allclose(a[:, 12], params[:, 12], rtol=1e-12, atol=0)


for mode, seed, count in (("keyed", 7, 3), ("keyed", 2**40 + 5, 2), ("numpy", 3, 3)):
    ours = parse_search(tool("search", mode, seed, count))
    rs = np.random.RandomState(seed) if mode == "numpy" else None
    ok = len(ours) == count
    for c in range(count):
        if mode == "keyed":
            rs = np.random.RandomState([seed & 0xFFFFFFFF, seed >> 32, c])
        trials = 0
        while True:
            trials += 1
            params, u = published_trial(rs)
            if accepted(normalise(chaos_game(params, [1.0] * 12, u))):
                break
        ok = ok and same_maps(ours[c]["rows"], params) and (
            ours[c]["trials"] == trials if mode == "keyed" else True)
    check(ok, f"{mode} search seed {seed}: {count} categories, maps and trial counts equal")


# --- 3. 10,000 trials, vectorised over trials --------------------------------
def trial_variances(seed, n, chunk=500):
    rs = np.random.RandomState(seed)
    out = np.zeros((n, 3))
    finite = np.zeros(n, dtype=bool)
    maps = np.zeros(n, dtype=int)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        coef = np.zeros((m, 8, 12))
        cum = np.full((m, 7), np.inf)
        u = np.zeros((m, POINTS))
        for t in range(m):
            params, u[t] = published_trial(rs)
            k = len(params)
            maps[start + t] = k
            coef[t, :k] = params[:, :12]
            coef[t, k] = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]  # no map matched: keep
            cum[t, :k] = np.cumsum(params[:, 12])
        rows = np.arange(m)
        xyz = np.zeros((3, m, POINTS - 1))
        x = np.zeros(m)
        y = np.zeros(m)
        z = np.zeros(m)
        with np.errstate(all="ignore"):
            for i in range(POINTS - 1):
                j = (u[:, i:i + 1] > cum).sum(axis=1)
                c = coef[rows, j]
                x, y, z = (x * c[:, 0] + y * c[:, 1] + z * c[:, 2] + c[:, 9],
                           x * c[:, 3] + y * c[:, 4] + z * c[:, 5] + c[:, 10],
                           x * c[:, 6] + y * c[:, 7] + z * c[:, 8] + c[:, 11])
                xyz[0, :, i], xyz[1, :, i], xyz[2, :, i] = x, y, z
            lo = xyz.min(axis=(0, 2))[None, :, None]
            hi = xyz.max(axis=(0, 2))[None, :, None]
            p = ((xyz - lo) / (hi - lo)) * 2.0 - 1.0
            p -= (np.cumsum(p, axis=2)[:, :, -1] / POINTS)[:, :, None]
            out[start:start + m] = np.var(p, axis=2).T
            finite[start:start + m] = np.isfinite(p).all(axis=(0, 2))
    return maps, out, finite


def parse_trials(text):
    rows = [line.split() for line in text.splitlines()]
    return (np.array([int(r[0]) for r in rows]), np.array([[float(v) for v in r[1:4]] for r in rows]),
            np.array([r[4] == "1" for r in rows]))


N = 10000
py_maps, py_var, py_finite = trial_variances(2, N)
cc_maps, cc_var, cc_finite = parse_trials(tool("trials", 2, N))
py_acc = py_finite & (py_var > VARIANCE).all(axis=1)
cc_acc = cc_finite & (cc_var > VARIANCE).all(axis=1)
both = py_finite & cc_finite
check(np.array_equal(py_maps, cc_maps), "10,000 trials: the same number of maps per trial")
check(np.array_equal(py_finite, cc_finite), "10,000 trials: the same finite clouds")
rel = np.abs(py_var[both] - cc_var[both]) / np.maximum(np.abs(py_var[both]), 1e-300)
check(rel.max() < 1e-9, f"10,000 trials: per-axis variances agree (max relative difference {rel.max():.2e})")
near = np.abs(py_var - VARIANCE).min(axis=1) < 1e-9
check(np.array_equal(py_acc | near, cc_acc | near), "10,000 trials: the same acceptances")
rate = py_acc.mean()
print(f"     acceptance at variance {VARIANCE}: {py_acc.sum()} of {N} trials ({100 * rate:.2f} %), "
      f"finite {py_finite.mean() * 100:.1f} %")
for k, axis in enumerate("xyz"):
    q = np.percentile(py_var[py_finite, k], [10, 50, 90])
    print(f"     variance along {axis} (finite clouds): 10/50/90th percentiles "
          f"{q[0]:.4f} {q[1]:.4f} {q[2]:.4f}")

# --- 4. statistics with independent streams ----------------------------------
o_maps, o_var, o_finite = parse_trials(tool("trials", 1, N))
o_acc = o_finite & (o_var > VARIANCE).all(axis=1)
sigma = np.sqrt(rate * (1 - rate) * 2 / N)
check(abs(o_acc.mean() - rate) < 4 * sigma + 1e-12,
      f"acceptance rate of seed 1 (C++) {100 * o_acc.mean():.2f} % vs seed 2 (numpy) "
      f"{100 * rate:.2f} % within 4 sigma ({400 * sigma:.2f} %)")


def ks(a, b):
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    return np.abs(np.searchsorted(a, grid, side="right") / len(a) -
                  np.searchsorted(b, grid, side="right") / len(b)).max()


for k, axis in enumerate("xyz"):
    a, b = o_var[o_finite, k], py_var[py_finite, k]
    crit = 1.95 * np.sqrt((len(a) + len(b)) / (len(a) * len(b)))  # alpha = 0.001
    d = ks(a, b)
    check(d < crit, f"variance along {axis}: two-sample KS D = {d:.4f} < {crit:.4f}")
check(abs(np.mean(o_maps) - 4.5) < 0.06 and set(o_maps) == {2, 3, 4, 5, 6, 7},
      f"maps per trial uniform in 2..7 (mean {np.mean(o_maps):.3f})")

# --- 5. instance clouds -----------------------------------------------------
cats = parse_search(tool("search", "keyed", 7, 2))
table = weight_table(145)
with tempfile.TemporaryDirectory() as tmp:
    ok = True
    for c, row in ((0, 0), (0, 6), (1, 144)):
        csv = os.path.join(tmp, f"{c}.csv")
        with open(csv, "w") as f:
            f.write("\n".join(",".join(f"{v:.18e}" for v in r) for r in cats[c]["rows"]) + "\n")
        out = os.path.join(tmp, f"{c}_{row}.npy")
        tool("cloud", csv, 145, row, 11, c, POINTS, out)
        ours = np.load(out)
        rs = np.random.RandomState([11, 0, c, row])
        params = np.loadtxt(csv, delimiter=",", ndmin=2)
        theirs = normalise(chaos_game(params, table[row], rs.random_sample(POINTS)))
        theirs = theirs.T.astype(np.float32)
        same = ours.dtype == np.float32 and ours.shape == (POINTS - 1, 3) and \
            np.array_equal(ours, theirs)
        if not same and ours.shape == theirs.shape:
            print(f"     cloud {c}/{row}: max |difference| {np.abs(ours - theirs).max()}")
        ok = ok and same
    check(ok, "instance clouds (category, row) = (0, 0), (0, 6), (1, 144): float32 identical")

sys.exit(1 if failures else 0)
