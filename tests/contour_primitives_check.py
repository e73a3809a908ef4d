#!/usr/bin/env python3
"""The contour families' primitives against the real libraries they copy.

Runs tests/contour_primitives_tool (given as argv[1]) on a script of
commands and compares every answer with what Debian's Python 3.11 computes:
random.Random (seeds, random, getrandbits, randint, uniform, expovariate,
skipped words), noise.pnoise1 (noise 1.2.3; 100k inputs) and Pillow 9.4's
ImageDraw.line(width=1) on 512 x 512 RGB canvases, pixel for pixel.
Exits 1 with the first differences on a mismatch.
"""
import math
import os
import random
import subprocess
import sys
import tempfile

import noise
import numpy as np
from PIL import Image, ImageDraw

SIZE = 512


def same_float(a, b):
    return (math.isnan(a) and math.isnan(b)) or (
        a == b and math.copysign(1.0, a) == math.copysign(1.0, b))


class Script:
    """Commands for the tool plus, per output line, a checker."""

    def __init__(self):
        self.lines = []
        self.checks = []

    def command(self, text, check=None):
        self.lines.append(text)
        if check is not None:
            self.checks.append((text[:80], check))


def expect_ints(expected):
    def check(fields):
        got = [int(v) for v in fields]
        return None if got == expected else first_diff(expected, got)
    return check


def expect_floats(expected):
    def check(fields):
        got = [float.fromhex(v) for v in fields]
        if len(got) != len(expected):
            return f"{len(got)} values, expected {len(expected)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            if not same_float(e, g):
                return f"value {i}: got {g!r}, expected {e!r}"
        return None
    return check


def expect_expo(expected):
    """expovariate values and their int(), as RCDB's vertex count uses."""
    def check(fields):
        got = [f.split(":") for f in fields]
        if len(got) != len(expected):
            return f"{len(got)} values, expected {len(expected)}"
        for i, ((value, whole), e) in enumerate(zip(got, expected)):
            if float.fromhex(value) != e or int(whole) != int(e):
                return f"value {i}: got {value} ({whole}), expected {e!r} ({int(e)})"
        return None
    return check


def first_diff(expected, got):
    if len(got) != len(expected):
        return f"{len(got)} values, expected {len(expected)}"
    for i, (e, g) in enumerate(zip(expected, got)):
        if e != g:
            return f"value {i}: got {g}, expected {e}"
    return None


def add_random_checks(script):
    randint_ranges = [(0, 255), (200, 1000), (-400, 400), (1, 200), (0, 256), (10, 60),
                      (0, 20), (-512, 512), (5, 5), (0, 2**40), (-2**62, 2**62 - 2)]
    uniform_ranges = [(0, 10000), (2, 6), (0.0, 0.1), (1, 2), (0.0, 0.01), (-3.5, 7.25)]
    for seed in [0, 1, 2, 20, 2**32 + 5, 12345678901234, 2**64 - 1]:
        py = random.Random(seed)
        script.command(f"seed {seed}")
        n = 700
        script.command(f"u32 {n}", expect_ints([py.getrandbits(32) for _ in range(n)]))
        script.command(f"random {n}", expect_floats([py.random() for _ in range(n)]))
        for k in [1, 7, 8, 9, 31, 32, 33, 48, 63, 64]:
            script.command(f"bits {k} 50", expect_ints([py.getrandbits(k) for _ in range(50)]))
        for a, b in randint_ranges:
            script.command(f"randint {a} {b} 300",
                           expect_ints([py.randint(a, b) for _ in range(300)]))
        for a, b in uniform_ranges:
            script.command(f"uniform {float(a).hex()} {float(b).hex()} 300",
                           expect_floats([py.uniform(a, b) for _ in range(300)]))
        script.command(f"expo {(1 / 100).hex()} 300",
                       expect_expo([py.expovariate(1 / 100) for _ in range(300)]))
        for skip in [0, 1, 5, 623, 624, 625, 1248, 5000, 2_000_003]:
            if skip:
                py.getrandbits(32 * skip)  # takes exactly `skip` words
            script.command(f"discard {skip}", lambda fields: None if not fields else "output")
            script.command("u32 3", expect_ints([py.getrandbits(32) for _ in range(3)]))
        # The scripts' interleaving: RCDB's vertex count loop, then randint
        # and uniform draws one after the other.
        while True:
            value = py.expovariate(1 / 100)
            script.command(f"expo {(1 / 100).hex()} 1", expect_expo([value]))
            if 2 < int(value) <= 200:
                break
        for _ in range(100):
            script.command("randint 0 256 1", expect_ints([py.randint(0, 256)]))
            script.command(f"uniform {(0.0).hex()} {(10000.0).hex()} 1",
                           expect_floats([py.uniform(0, 10000)]))


def noise_inputs():
    gen = random.Random(4)
    xs = [gen.uniform(0, 10000) for _ in range(60000)]  # what the scripts pass
    xs += [gen.uniform(-10000, 0) for _ in range(10000)]
    xs += [gen.uniform(-2, 2) for _ in range(5000)]
    xs += [gen.uniform(-1e-6, 1e-6) for _ in range(1000)]
    for k in range(-12, 13):  # period and permutation boundaries
        for base in (1024 * k, 256 * k, 1024 * k + 255, 1024 * k + 1023):
            for d in (0.0, 1e-7, -1e-7, 1e-4, -1e-4, 0.4999, 0.5, 0.99999994, -0.99999994):
                xs.append(base + d)
                xs.append(math.nextafter(base + d, math.inf))
                xs.append(math.nextafter(base + d, -math.inf))
    xs += [gen.uniform(-1e9, 1e9) for _ in range(3000)]
    xs += [gen.uniform(-1e4, 1e4) * 2**gen.randint(-30, 12) for _ in range(10000)]
    xs += [0.0, -0.0, 8388607.5, 8388608.0, -8388608.5, 16777217.0, 3e9, -3e9, 2147483520.0,
           2147483648.0, -2147483648.0, -2147483904.0, 1e38, -1e38, 1e300, -1e300,
           math.inf, -math.inf, math.nan, 5e-324, -5e-324]
    while len(xs) < 100000:
        xs.append(gen.uniform(0, 10000))
    return xs


def add_noise_checks(script):
    xs = noise_inputs()
    chunk = 5000
    for start in range(0, len(xs), chunk):
        part = xs[start:start + chunk]
        text = " ".join(x.hex() for x in part)
        expected = [noise.pnoise1(x) for x in part]
        script.command(f"noise 1 {(0.5).hex()} {(2.0).hex()} 1024 0 {len(part)} {text}",
                       expect_floats(expected))
        script.command(f"noisebatch {len(part)} {text}", expect_floats(expected))
    # The other arguments: octaves, persistence, lacunarity, repeat, base.
    gen = random.Random(5)
    for octaves, persistence, lacunarity, repeat, base in [
            (2, 0.5, 2.0, 1024, 0), (4, 0.7, 1.9, 300, 256), (1, 0.5, 2.0, 100, 7),
            (1, 0.5, 2.0, -37, 3), (3, 0.3, 3.1, 1, 0), (1, 0.5, 2.0, 256, 255),
            (6, 0.55, 2.2, 2048, 128), (1, 0.5, 2.0, 2**31 - 1, 1)]:
        part = [gen.uniform(-3000, 3000) for _ in range(2000)] + xs[-21:]
        text = " ".join(x.hex() for x in part)
        expected = [noise.pnoise1(x, octaves, persistence, lacunarity, repeat, base)
                    for x in part]
        script.command(f"noise {octaves} {persistence.hex()} {lacunarity.hex()} {repeat} "
                       f"{base} {len(part)} {text}", expect_floats(expected))


def segments(gen):
    """Segments of every kind: short fractional ones as the scripts draw,
    negative, off-canvas, steep, horizontal, vertical, zero length."""
    out = []
    for _ in range(30):
        x, y = gen.uniform(-5, SIZE + 5), gen.uniform(-5, SIZE + 5)
        out.append((x, y, x + gen.uniform(-3, 3), y + gen.uniform(-3, 3)))
    for _ in range(4):
        out.append(tuple(gen.uniform(-700, 1200) for _ in range(4)))
    x, y = gen.uniform(-50, SIZE + 50), gen.uniform(-50, SIZE + 50)
    out.append((x, y, x + gen.uniform(-0.99, 0.99), y + gen.uniform(-400, 400)))  # steep
    out.append((x, y, x + gen.uniform(-600, 600), y))  # horizontal
    out.append((x, y, x, y + gen.uniform(-600, 600)))  # vertical
    out.append((x, y, x, y))  # zero length
    out.append((gen.uniform(-1, 0), gen.uniform(-1, 0), gen.uniform(-2, 2), gen.uniform(-2, 2)))
    x0, y0 = gen.randint(-20, SIZE + 20), gen.randint(-20, SIZE + 20)
    d = gen.randint(-30, 30)
    out.append((x0, y0, x0 + d, y0 + d))  # diagonal, integers
    out.append((gen.uniform(-1e5, 1e5), gen.uniform(-1e5, 1e5), gen.uniform(0, SIZE),
                gen.uniform(0, SIZE)))
    return out


def contour(gen):
    """A VisualAtom-like ring: many vertices, noisy radius, maybe off-canvas."""
    n = gen.randint(3, 1000)
    cx, cy = (SIZE + gen.randint(-SIZE, SIZE)) / 2, (SIZE + gen.randint(-SIZE, SIZE)) / 2
    rad = gen.randint(0, 120)
    angle = math.pi * 2 / n
    xs = [math.cos(angle * i) * rad * gen.uniform(1, 2) + cx + gen.uniform(-4, 4)
          for i in range(n)]
    ys = [math.sin(angle * i) * rad * gen.uniform(1, 2) + cy + gen.uniform(-4, 4)
          for i in range(n)]
    return xs, ys


def add_line_checks(script, folder):
    gen = random.Random(6)
    for index in range(60):
        image = Image.new("RGB", (SIZE, SIZE), (0, 0, 0))
        draw = ImageDraw.Draw(image)
        script.command(f"canvas {SIZE} {SIZE}")
        for x0, y0, x1, y1 in segments(gen):
            ink = gen.randint(1, 256)
            draw.line((x0, y0, x1, y1), fill=(ink, ink, ink), width=1)
            script.command(f"line {float(x0).hex()} {float(y0).hex()} {float(x1).hex()} "
                           f"{float(y1).hex()} {ink}")
        if index % 2 == 0:
            # The scripts' way: one draw.line per segment of a closed ring.
            xs, ys = contour(gen)
            ink = gen.randint(1, 255)
            for i in range(len(xs)):
                j = (i + 1) % len(xs)
                draw.line((xs[i], ys[i], xs[j], ys[j]), fill=(ink, ink, ink), width=1)
            closed = 1
        else:
            # One call with a list of points, open.
            xs, ys = contour(gen)
            count = gen.randint(1, len(xs))
            xs, ys = xs[:count], ys[:count]
            ink = gen.randint(1, 255)
            draw.line(list(zip(xs, ys)), fill=(ink, ink, ink), width=1)
            closed = 0
        coords = " ".join(x.hex() for x in xs + ys)
        script.command(f"poly {closed} {ink} {len(xs)} {coords}")
        pixels = np.asarray(image)
        assert (pixels[:, :, 0] == pixels[:, :, 1]).all() and (
            pixels[:, :, 0] == pixels[:, :, 2]).all()
        path = os.path.join(folder, f"canvas{index}.raw")
        script.command(f"dump {path}")
        script.checks.append((f"canvas {index}", canvas_check(path, pixels[:, :, 0].copy())))


def canvas_check(path, expected):
    def check(_):
        got = np.fromfile(path, dtype=np.uint8).reshape(SIZE, SIZE)
        bad = np.argwhere(got != expected)
        if len(bad) == 0:
            return None
        y, x = bad[0]
        return (f"{len(bad)} pixels differ; first (x={x}, y={y}): got {got[y, x]}, "
                f"expected {expected[y, x]}")
    check.after_run = True
    return check


def main():
    tool = sys.argv[1]
    script = Script()
    with tempfile.TemporaryDirectory() as folder:
        add_random_checks(script)
        add_noise_checks(script)
        add_line_checks(script, folder)
        result = subprocess.run([tool], input="\n".join(script.lines) + "\n",
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        lines = result.stdout.split("\n")
        failures = 0
        line_index = 0
        for name, check in script.checks:
            if getattr(check, "after_run", False):
                problem = check(None)
            else:
                problem = check(lines[line_index].split())
                line_index += 1
            if problem is not None:
                failures += 1
                print(f"MISMATCH {name}: {problem}", file=sys.stderr)
                if failures >= 10:
                    break
        if failures:
            return 1
        print(f"contour primitives: {len(script.checks)} checks agree with CPython "
              f"{sys.version.split()[0]}, noise {noise.__version__}, Pillow "
              f"{Image.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
