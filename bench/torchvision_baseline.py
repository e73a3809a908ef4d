#!/usr/bin/env python3
"""What most PyTorch users run today: torchvision ImageFolder + DataLoader
over loose files, random resized crop 224 (the paper's scale range) and
either ToTensor + Normalize (float32 NCHW) or PILToTensor (uint8).

    torchvision_baseline.py FOLDER --layout f32|u8 [--workers 2] [--epochs 1]

Prints one JSON line; run it under bench/cputime.py for the CPU of the
worker processes too (images per CPU-s = images / that CPU)."""
import argparse
import json
import time

import torch
from torchvision import datasets, transforms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--layout", choices=["f32", "u8"], default="f32")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(1)
    crop = transforms.RandomResizedCrop(224, scale=(0.08, 1.0))
    if a.layout == "f32":
        tf = transforms.Compose([crop, transforms.ToTensor(),
                                 transforms.Normalize([0.5] * 3, [0.5] * 3)])
    else:
        tf = transforms.Compose([crop, transforms.PILToTensor()])
    ds = datasets.ImageFolder(a.folder, transform=tf)
    dl = torch.utils.data.DataLoader(ds, batch_size=a.batch_size, shuffle=True,
                                     num_workers=a.workers, drop_last=True)
    t0 = time.monotonic()
    n = 0
    for _ in range(a.epochs):
        for images, _labels in dl:
            n += images.shape[0]
    print(json.dumps({"images": n, "wall_s": round(time.monotonic() - t0, 3)}))


if __name__ == "__main__":
    main()
