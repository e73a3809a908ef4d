#!/usr/bin/env python3
"""ImageNet-like photographs for the loader benchmark, made offline.

No photo dataset can be downloaded here, so this cuts random crops out of
the colour photographs Debian ships with scikit-image (astronaut, coffee,
chelsea, rocket, motorcycle, retina, hubble, ihc), resizes them to a mix of
ImageNet's common sizes (most 500 x 375 / 375 x 500, some larger), jitters
colour, adds sensor-like grain so the JPEG entropy is a photograph's, and
writes quality-90 JPEGs as an ImageFolder tree (class = source photo).

    make_photos.py OUT_DIR COUNT [SEED]
"""
import os
import random
import sys

import numpy as np
from PIL import Image, ImageEnhance

SOURCES = ["astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "motorcycle_left.png",
           "motorcycle_right.png", "retina.jpg", "hubble_deep_field.jpg", "ihc.png"]
# (width, height, weight): ImageNet's mix is dominated by 500 x 375 and 500 x 333.
SIZES = [(500, 375, 45), (375, 500, 15), (500, 333, 15), (640, 480, 10), (500, 500, 5),
         (800, 600, 5), (1024, 768, 5)]


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    root = "/usr/lib/python3/dist-packages/skimage/data"
    photos = [Image.open(os.path.join(root, s)).convert("RGB") for s in SOURCES]
    sizes = [(w, h) for w, h, k in SIZES for _ in range(k)]
    for i in range(count):
        c = rng.randrange(len(photos))
        src = photos[c]
        w, h = rng.choice(sizes)
        # A crop of 40..100 % of the source's area at the target's aspect.
        aspect = w / h
        area = rng.uniform(0.4, 1.0) * src.width * src.height
        cw = min(src.width, int(round((area * aspect) ** 0.5)))
        ch = min(src.height, int(round(cw / aspect)))
        cw = min(cw, int(round(ch * aspect)))
        x, y = rng.randrange(src.width - cw + 1), rng.randrange(src.height - ch + 1)
        im = src.crop((x, y, x + cw, y + ch)).resize((w, h), Image.BICUBIC)
        if rng.random() < 0.5:
            im = im.transpose(Image.FLIP_LEFT_RIGHT)
        im = ImageEnhance.Color(im).enhance(rng.uniform(0.7, 1.3))
        im = ImageEnhance.Brightness(im).enhance(rng.uniform(0.8, 1.2))
        # Sensor grain: upscaled crops are smoother than real photographs.
        a = np.asarray(im, dtype=np.float32)
        a += nrng.normal(0, rng.uniform(14, 22), a.shape).astype(np.float32)
        im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
        d = os.path.join(out, f"c{c}")
        os.makedirs(d, exist_ok=True)
        im.save(os.path.join(d, f"{i:06d}.jpg"), quality=90)


if __name__ == "__main__":
    main()
