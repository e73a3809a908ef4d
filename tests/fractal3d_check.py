#!/usr/bin/env python3
"""The 3D families' search and clouds (src/fractal3d/ifs3d.cc) against an
independent numpy transcription of the published scripts
(category_search.py, instance.py, IteratedFunctionSystem.calculate).

  fractal3d_check.py FRACTAL3D_TOOL

1. The weight tables weights_insN.csv, built here from their description.
2. The vectorised transcription below (many trials at once, for speed)
   against the statement-by-statement one on a few trials.
3. Keyed and numpy-mode categories: the same maps (a..l exactly; p to
   1e-12, as numpy's det goes through LU, exp and log) and trial counts.
4. 10,000 trials of one stream np.random.seed(2): the same maps count, the
   same per-axis variances bit for bit and the same acceptances (a couple
   of differences allowed and reported: an ulp of p can move a map choice).
   The acceptance rate and the variance distribution are printed.
5. Statistics with different streams: C++ trials of seed 1 against the
   numpy trials of seed 2: acceptance rates within a 4-sigma binomial bound
   and a two-sample KS test per axis at alpha = 0.001.
6. Instance clouds of a few (category, table row): float32 identical.
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

TOOL = sys.argv[1]
POINTS = 10000
VARIANCE = 0.05
START = time.time()
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def tool(*args, binary=False):
    return subprocess.run([TOOL, *map(str, args)], check=True, capture_output=True,
                          text=not binary).stdout


# --- 1. weight tables -------------------------------------------------------
def weight_table(rows):
    """weights_insN.csv: a x (10-k .. 10+k)/10, then b..l without 1.0."""
    k = (rows - 1) // 24
    if k == 0:
        return [[1.0] * 12]
    table = []
    for param in range(12):
        for tenths in range(10 - k, 11 + k):
            if tenths == 10 and param > 0:
                continue
            row = [1.0] * 12
            row[param] = float(f"{tenths / 10:.1f}")  # the decimal the CSV holds
            table.append(row)
    return table


for rows in (1, 25, 49, 145):
    ours = [[float(v) for v in line.split(",")] for line in
            tool("weights", "--table-rows", rows).split()]
    check(ours == weight_table(rows), f"weight table of {rows} rows")


# --- the published scripts, statement by statement ----------------------------
def draw_params(rs):
    """category_search.py's loop body up to the normalised p."""
    param_size = rs.randint(2, 8)
    params = np.zeros((param_size, 13), dtype=float)
    sum_proba = 0.0
    for m in range(param_size):
        param_rand = rs.uniform(-1.0, 1.0, 12)
        prob = abs(np.linalg.det(np.array(param_rand[0:9], dtype=float).reshape(3, 3)))
        sum_proba += prob
        params[m, 0:12] = param_rand
        params[m, 12] = prob
    for m in range(param_size):
        params[m, 12] /= sum_proba
    return params


def draw_trials(rs, count):
    """Trials of the search loop: the maps, then calculate's np.random.random."""
    out = []
    for _ in range(count):
        params = draw_params(rs)
        out.append((params, rs.random_sample(POINTS)))
    return out


def calculate(params, weight, rand):
    """ifs_function.set_param (weights multiply a..l) + calculate(len(rand))."""
    function, select_function, temp_proba = [], [], 0.0
    for p in params:
        f = {name: float(p[k]) * weight[k] for k, name in enumerate("abcdefghijkl")}
        function.append(f)
        temp_proba += float(p[12])
        select_function.append(temp_proba)
    xs, ys, zs = [], [], []
    prev_x = prev_y = prev_z = 0.0
    next_x = next_y = next_z = 0.0
    for i in range(len(rand) - 1):
        for j in range(len(select_function)):
            if rand[i] <= select_function[j]:
                f = function[j]
                next_x = prev_x * f["a"] + prev_y * f["b"] + prev_z * f["c"] + f["j"]
                next_y = prev_x * f["d"] + prev_y * f["e"] + prev_z * f["f"] + f["k"]
                next_z = prev_x * f["g"] + prev_y * f["h"] + prev_z * f["i"] + f["l"]
                break
        xs.append(next_x), ys.append(next_y), zs.append(next_z)
        prev_x, prev_y, prev_z = next_x, next_y, next_z
    return np.array((xs, ys, zs), dtype=float)


def normalise(x):
    """min_max(axis=None, normalize=1.0) then centoroid (builtin sum / point_num)."""
    lo, hi = x.min(axis=None, keepdims=True), x.max(axis=None, keepdims=True)
    with np.errstate(all="ignore"):
        point = ((x - lo) / (hi - lo)) * (1.0 - (-1.0)) - 1.0
        centre = [sum(point[0]) / POINTS, sum(point[1]) / POINTS, sum(point[2]) / POINTS]
        return np.array([(point[k] - centre[k]).tolist() for k in range(3)])


def published_accepts(point):
    var_point = np.var(point, axis=1)
    return (not np.isnan(point).any(axis=1)[1]) and var_point[0] > VARIANCE and \
        var_point[1] > VARIANCE and var_point[2] > VARIANCE


# --- the same, vectorised over trials ------------------------------------------
def evaluate(trials):
    """Variances, finiteness and acceptance of [(params, rand)], as above."""
    m, n = len(trials), POINTS - 1
    coef = np.zeros((m, 7, 12))
    cum = np.full((m, 7), np.nan)  # u <= NaN is false: no such map
    for t, (params, _) in enumerate(trials):
        coef[t, :len(params)] = params[:, :12]
        running = 0.0
        for j, p in enumerate(params[:, 12]):
            running += p
            cum[t, j] = running
    u = np.array([rand[:n] for _, rand in trials])
    # The first map j with u <= cum[j]; none (every comparison false) keeps
    # the previous point.
    hits = u[:, :, None] <= cum[:, None, :]
    first = hits.argmax(axis=2)
    none = ~hits.any(axis=2)
    none_at = none.any(axis=0)
    # Coefficients as [a d g], [b e h], [c f i], [j k l]: x' y' z' at once,
    # one row of 12 per (trial, map).
    table = coef[:, :, [0, 3, 6, 1, 4, 7, 2, 5, 8, 9, 10, 11]].reshape(m * 7, 12)
    index = (np.arange(m)[:, None] * 7 + first).T  # (steps, trials)
    raw = np.zeros((n, 3, m))
    point = np.zeros((3, m))
    block = 256
    with np.errstate(all="ignore"):
        for i0 in range(0, n, block):
            # (steps, 4, 3, trials): the coefficients each step takes.
            g = np.ascontiguousarray(
                np.take(table, index[i0:i0 + block], axis=0).reshape(-1, m, 4, 3).transpose(
                    0, 2, 3, 1))
            for i in range(i0, min(i0 + block, n)):
                c = g[i - i0]
                step = ((point[0] * c[0] + point[1] * c[1]) + point[2] * c[2]) + c[3]
                point = np.where(none[:, i], point, step) if none_at[i] else step
                raw[i] = point
        # (3, trials, n): each trial's (3, n) array, normalised in place (the
        # same operations as normalise(), a quarter of the memory).
        centred = np.ascontiguousarray(raw.transpose(1, 2, 0))
        del raw
        lo = centred.min(axis=(0, 2))[None, :, None]
        hi = centred.max(axis=(0, 2))[None, :, None]
        centred -= lo
        centred /= hi - lo
        centred *= 1.0 - (-1.0)
        centred -= 1.0
        # np.cumsum adds in order, as the builtin sum does (checked in 2).
        for k in range(3):
            centred[k] -= (np.cumsum(centred[k], axis=1)[:, -1] / POINTS)[:, None]
        var = np.var(centred, axis=2).T  # each (3, n) block's rows, as np.var(point, axis=1)
    finite = np.isfinite(centred).all(axis=(0, 2))
    y_nan = np.isnan(centred[1]).any(axis=1)
    accepted = ~y_nan & (var > VARIANCE).all(axis=1)
    return var, finite, accepted, centred


# --- 2. the vectorised transcription against the literal one -------------------
sample = draw_trials(np.random.RandomState(2), 6)
var, finite, accepted, centred = evaluate(sample)
ok = True
for t, (params, rand) in enumerate(sample):
    point = normalise(calculate(params, [1.0] * 12, rand))
    with np.errstate(all="ignore"):
        same = np.array_equal(point, centred[:, t], equal_nan=True) and \
            np.array_equal(np.var(point, axis=1), var[t], equal_nan=True)
    ok = ok and same and published_accepts(point) == accepted[t]
check(ok, f"vectorised transcription = statement-by-statement one on 6 trials "
          f"({int((~finite).sum())} not finite)")


# --- 3. categories ------------------------------------------------------------
def parse_search(text):
    cats, cur = [], None
    for line in text.splitlines():
        if line.startswith("#"):
            cur = {"trials": int(line.split()[-1]), "rows": []}
            cats.append(cur)
        else:
            cur["rows"].append([float(v) for v in line.split(",")])
    return cats


p_differences = []


def same_maps(ours, params):
    a = np.array(ours)
    if a.shape != params.shape:
        return False
    p_differences.extend(np.abs(a[:, 12] - params[:, 12]) / params[:, 12])
    return np.array_equal(a[:, :12], params[:, :12]) and \
        np.allclose(a[:, 12], params[:, 12], rtol=1e-12, atol=0)


class TrialStream:
    """The trials of one stream in order, drawn and evaluated a batch at a time."""

    def __init__(self, rs, batch=48):
        self.rs, self.batch, self.queue = rs, batch, []

    def next(self):
        if not self.queue:
            trials = draw_trials(self.rs, self.batch)
            accepted = evaluate(trials)[2]
            self.queue = [(params, ok) for (params, _), ok in zip(trials, accepted)]
        return self.queue.pop(0)


def search_one(stream):
    """The published while loop for one category: (params, trials drawn)."""
    trials = 0
    while True:
        params, accepted = stream.next()
        trials += 1
        if accepted:
            return params, trials


for mode, seed, count in (("keyed", 7, 3), ("keyed", 2**40 + 5, 2), ("numpy", 3, 3)):
    ours = parse_search(tool("search", "--mode", mode, "--seed", seed, "--categories", count))
    ok = len(ours) == count
    if mode == "numpy":
        stream = TrialStream(np.random.RandomState(seed))  # np.random.seed(seed)
    for c in range(count):
        if mode == "keyed":
            stream = TrialStream(np.random.RandomState([seed & 0xFFFFFFFF, seed >> 32, c]))
        params, trials = search_one(stream)
        ok = ok and same_maps(ours[c]["rows"], params) and ours[c]["trials"] == trials
    check(ok, f"{mode} search seed {seed}: {count} categories, maps and trial counts equal")
print(f"     p (|det| / sum) against np.linalg.det's: {np.count_nonzero(p_differences)} of "
      f"{len(p_differences)} differ, by at most {max(p_differences):.1e} relative")

# --- 4. 10,000 trials of one stream, trial by trial --------------------------------
N = 10000


def numpy_trials(seed, n, chunk=250):
    rs = np.random.RandomState(seed)
    maps, var, finite, acc = [], [], [], []
    for start in range(0, n, chunk):
        trials = draw_trials(rs, min(chunk, n - start))
        v, f, a, _ = evaluate(trials)
        maps += [len(p) for p, _ in trials]
        var.append(v), finite.append(f), acc.append(a)
    return np.array(maps), np.concatenate(var), np.concatenate(finite), np.concatenate(acc)


def tool_trials(seed, n):
    rows = [line.split() for line in tool("trials", "--seed", seed, "--trials", n).splitlines()]
    return (np.array([int(r[0]) for r in rows]),
            np.array([[float(v) for v in r[1:4]] for r in rows]),
            np.array([r[4] == "1" for r in rows]), np.array([r[5] == "1" for r in rows]))


py_maps, py_var, py_finite, py_acc = numpy_trials(2, N)
cc_maps, cc_var, cc_finite, cc_acc = tool_trials(2, N)
check(np.array_equal(py_maps, cc_maps), "10,000 trials: the same number of maps per trial")
check(np.array_equal(py_finite, cc_finite), "10,000 trials: the same finite clouds")
both = py_finite & cc_finite
differ = np.flatnonzero(both & (py_var != cc_var).any(axis=1))
for t in differ[:5]:
    print(f"     trial {t}: variances {py_var[t]} (numpy) vs {cc_var[t]} (C++)")
check(len(differ) <= 2, f"10,000 trials: per-axis variances bit for bit ({len(differ)} differ)")
flips = np.flatnonzero(py_acc != cc_acc)
for t in flips:
    print(f"     trial {t}: accepted {py_acc[t]} (numpy) vs {cc_acc[t]} (C++), "
          f"variances {py_var[t]}")
check(len(flips) <= 2, f"10,000 trials: the same acceptances ({len(flips)} differ)")
rate = py_acc.mean()
print(f"     acceptance at variance {VARIANCE}: {py_acc.sum()} of {N} trials ({100 * rate:.2f} %); "
      f"finite clouds {py_finite.mean() * 100:.1f} %")
for k, axis in enumerate("xyz"):
    q = np.percentile(py_var[py_finite, k], [10, 50, 90, 99])
    print(f"     variance along {axis} (finite clouds): 10/50/90/99th percentiles "
          f"{q[0]:.4f} {q[1]:.4f} {q[2]:.4f} {q[3]:.4f}")
smallest = py_var[py_finite].min(axis=1)
print(f"     smallest per-axis variance: max {smallest.max():.4f}, "
      f"{(smallest > 0.1).sum()} trials above 0.1, {(smallest > 0.15).sum()} above 0.15")

# --- 5. statistics with independent streams ------------------------------------------
o_maps, o_var, o_finite, o_acc = tool_trials(1, N)
pooled = (o_acc.sum() + py_acc.sum()) / (2 * N)
sigma = np.sqrt(pooled * (1 - pooled) * 2 / N)
check(abs(o_acc.mean() - rate) < 4 * sigma,
      f"acceptance rate of seed 1 (C++) {100 * o_acc.mean():.2f} % vs seed 2 (numpy) "
      f"{100 * rate:.2f} %: within 4 sigma ({400 * sigma:.2f} %)")


def ks(a, b):
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    return np.abs(np.searchsorted(a, grid, side="right") / len(a) -
                  np.searchsorted(b, grid, side="right") / len(b)).max()


for k, axis in enumerate("xyz"):
    a, b = o_var[o_finite, k], py_var[py_finite, k]
    crit = np.sqrt(-np.log(0.001 / 2) / 2) * np.sqrt((len(a) + len(b)) / (len(a) * len(b)))
    d = ks(a, b)
    check(d < crit, f"variance along {axis}: two-sample KS D = {d:.4f} < {crit:.4f} (alpha 0.001)")
check(abs(np.mean(o_maps) - 4.5) < 0.06 and set(o_maps) == {2, 3, 4, 5, 6, 7},
      f"maps per trial uniform in 2..7 (mean {np.mean(o_maps):.3f})")

# --- 6. instance clouds ---------------------------------------------------------------
cats = parse_search(tool("search", "--mode", "keyed", "--seed", 7, "--categories", 2))
table = weight_table(145)
with tempfile.TemporaryDirectory() as tmp:
    ok = True
    for c, row in ((0, 0), (0, 6), (1, 144), (1, 77)):
        csv = os.path.join(tmp, f"{c}.csv")
        np.savetxt(csv, np.array(cats[c]["rows"]), delimiter=",")  # as category_search.py
        out = os.path.join(tmp, f"{c}_{row}.npy")
        tool("cloud", "--csv", csv, "--table-rows", 145, "--row", row, "--seed", 11,
             "--category", c, "--points", POINTS, "--out", out)
        ours = np.load(out)
        params = np.genfromtxt(csv, dtype=str, delimiter=",")  # as instance.py
        rand = np.random.RandomState([11, 0, c, row]).random_sample(POINTS)
        theirs = normalise(calculate(params, table[row], rand)).T.astype(np.float32)
        same = ours.dtype == np.float32 and ours.shape == (POINTS - 1, 3) and \
            np.array_equal(ours, theirs)
        if not same and ours.shape == theirs.shape:
            print(f"     cloud {c}/{row}: max |difference| {np.abs(ours - theirs).max()}")
        ok = ok and same
    check(ok, "instance clouds (category, row) = (0, 0), (0, 6), (1, 144), (1, 77): "
              "float32 identical")

print(f"     {time.time() - START:.1f} s")
sys.exit(1 if failures else 0)
