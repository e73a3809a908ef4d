#!/usr/bin/env python3
"""synthub.Loader from Python, as a PyTorch training loop uses it: each batch a
torch tensor over the loader's own buffer (no copy), dropped before the next.

    loader_python.py DATASET --layout f32|u8 [--workers 1] [--batch-size 64] [--epochs 1]

The synthub module comes from PYTHONPATH (the build's python/ folder). Prints
one JSON line with the fields of `synthub bench-load` that the loader report
reads: images per CPU-s counts every thread of this process from the first
batch requested to the last delivered (importing torch and building the
loader are start-up, as bench-load's setup_s)."""
import argparse
import json
import resource
import time

import torch

import synthub


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime, r.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("--layout", choices=["f32", "u8"], default="f32")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--prefetch", type=int, default=4)
    a = ap.parse_args()
    t0 = time.monotonic()
    loader = synthub.Loader(a.dataset, batch_size=a.batch_size, workers=a.workers,
                            prefetch=a.prefetch, layout=a.layout)
    setup = time.monotonic() - t0
    cpu0, sys0 = cpu_seconds()
    t1 = time.monotonic()
    images = batches = 0
    for epoch in range(a.epochs):
        loader.set_epoch(epoch)
        for x, y in loader:
            assert isinstance(x, torch.Tensor)
            images += x.shape[0]
            batches += 1
    wall = time.monotonic() - t1
    cpu1, sys1 = cpu_seconds()
    cpu = cpu1 - cpu0
    s = loader.stats()
    print(json.dumps(dict(spec=a.dataset, images=images, batches=batches, setup_s=setup, wall_s=wall,
                          cpu_s=cpu, sys_s=sys1 - sys0, images_per_s=images / wall,
                          images_per_cpu_s=images / cpu, read_s=s["read_s"], decode_s=s["decode_s"],
                          augment_s=s["augment_s"], collate_s=s["collate_s"], wait_s=s["wait_s"],
                          bytes_read=s["bytes_read"], buffers_reused=s["buffers_reused"])))


if __name__ == "__main__":
    main()
