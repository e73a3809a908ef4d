#!/usr/bin/env python3
"""Python baselines for the loader benchmark, doing the same work per image:
decode (PIL), random resized crop to 224 (bilinear), normalise to float32 CHW.
  python_baseline.py tar SHARD...     Python tarfile + PIL
  python_baseline.py folder DIR       a directory of loose files + PIL (ImageFolder-like)
LIMIT=N in the environment stops after N images.
Prints JSON with images per CPU-second."""
import io
import json
import math
import os
import random
import sys
import tarfile
import time

import numpy as np
from PIL import Image

rng = random.Random(0)


def crop_params(w, h, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    area = w * h
    for _ in range(10):
        target = area * rng.uniform(*scale)
        aspect = math.exp(rng.uniform(math.log(ratio[0]), math.log(ratio[1])))
        cw, ch = int(round(math.sqrt(target * aspect))), int(round(math.sqrt(target / aspect)))
        if 0 < cw <= w and 0 < ch <= h:
            x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
            return x, y, cw, ch
    return 0, 0, w, h


def transform(data):
    img = Image.open(io.BytesIO(data)).convert("RGB")
    x, y, cw, ch = crop_params(*img.size)
    img = img.resize((224, 224), Image.BILINEAR, box=(x, y, x + cw, y + ch))
    arr = np.asarray(img, dtype=np.float32).transpose(2, 0, 1)
    return (arr / 255.0 - 0.5) / 0.5


def main():
    mode, paths = sys.argv[1], sys.argv[2:]
    t0 = time.process_time()
    n = 0
    limit = int(os.environ.get("LIMIT", "0")) or None
    if mode == "tar":
        for path in paths:
            with tarfile.open(path) as tar:
                for member in tar:
                    if member.name.endswith((".jpg", ".png", ".webp")) and n != limit:
                        transform(tar.extractfile(member).read())
                        n += 1
    else:
        for root, _, files in os.walk(paths[0]):
            for f in sorted(files):
                if f.endswith((".jpg", ".png", ".webp")) and n != limit:
                    with open(os.path.join(root, f), "rb") as fh:
                        transform(fh.read())
                    n += 1
    cpu = time.process_time() - t0
    print(json.dumps({"mode": mode, "images": n, "cpu_s": round(cpu, 3), "images_per_cpu_s": round(n / cpu, 1)}))


main()
