#!/usr/bin/env python3
"""Cross-checks synthub's keyed category search against numpy.

Re-implements the published search loop in plain numpy, but with category i
drawn from np.random.RandomState([seed & 0xffffffff, seed >> 32, i]) as
docs/formats/keys.md specifies, and compares the CSV text with what
`synthub search --mode keyed` wrote. Usage: numpy_keyed_search.py PARAMS_DIR
SEED CATEGORIES POINTS SIZE"""
import io
import sys

import numpy as np

PAD, THRESHOLD = 6, 0.2


def search(seed, category, points, size):
    rs = np.random.RandomState([seed & 0xFFFFFFFF, seed >> 32, category])
    while True:
        n = rs.randint(2, 8)
        params = np.zeros((n, 7))
        total = 0.0
        for i in range(n):
            a, b, c, d, e, f = rs.uniform(-1.0, 1.0, 6)
            params[i, 0:6] = [a, b, c, d, e, f]
            det = abs(a * d - b * c)
            total += det
            params[i, 6] = det
        for i in range(n):
            params[i, 6] /= total
        rand = rs.random_sample(points)
        cum = []
        acc = 0.0
        for i in range(n):
            acc += params[i, 6]
            cum.append(acc)
        xs, ys = [0.0], [0.0]
        x = y = nx = ny = 0.0
        for i in range(points - 1):
            for j in range(n):
                if rand[i] <= cum[j]:
                    a, b, c, d, e, f = params[j, 0:6]
                    nx = x * a + y * b + e
                    ny = x * c + y * d + f
                    break
            xs.append(nx)
            ys.append(ny)
            x, y = nx, ny
        xs, ys = np.array(xs), np.array(ys)
        if np.isnan(xs).any() or np.isnan(ys).any():
            continue  # never happens for these seeds; keeps the check simple
        if xs.min() < 0:
            xs -= xs.min()
        if ys.min() < 0:
            ys -= ys.min()
        px = np.uint16(xs / (xs.max() - xs.min()) * float(size - 2 * PAD) + float(PAD))
        py = np.uint16(ys / (ys.max() - ys.min()) * float(size - 2 * PAD) + float(PAD))
        img = np.zeros((size, size))
        img[py, px] = 127
        if np.count_nonzero(img) / float(size * size) >= THRESHOLD:
            return params


def main():
    folder, seed, categories, points, size = sys.argv[1], *map(int, sys.argv[2:6])
    bad = 0
    for c in range(categories):
        out = io.StringIO()
        np.savetxt(out, search(seed, c, points, size), delimiter=",")
        mine = open(f"{folder}/{c:05d}.csv").read()
        if out.getvalue() != mine:
            print(f"category {c}: numpy and synthub differ\n{out.getvalue()}\n{mine}")
            bad += 1
    print(f"{categories - bad} of {categories} keyed categories identical to numpy")
    sys.exit(1 if bad else 0)


main()
