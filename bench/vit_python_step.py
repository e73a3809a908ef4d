"""The same ViT training step in Debian's python3-torch, for the C++/Python
step-time ratio (bench/train_run.sh). Model from tests/vit_reference.py
(timm's layout), AdamW, soft-target cross-entropy, fp32, random inputs.

usage: vit_python_step.py IMG PATCH DEPTH DIM HEADS BATCH STEPS THREADS
prints {"median_step_s": ..., "images_per_s": ...}
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from vit_reference import VisionTransformer  # noqa: E402

img, patch, depth, dim, heads, batch, steps, threads = map(int, sys.argv[1:9])
torch.set_num_threads(threads)
torch.set_flush_denormal(True)
torch.manual_seed(0)
model = VisionTransformer(img, patch, dim, depth, heads, 1000)
opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.05)
x = torch.randn(batch, 3, img, img)
target = torch.softmax(torch.randn(batch, 1000), 1)
times = []
for i in range(steps):
    t0 = time.perf_counter()
    loss = -(target * torch.log_softmax(model(x), 1)).sum(1).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    times.append(time.perf_counter() - t0)
med = statistics.median(times[2:] if len(times) > 4 else times)
print(json.dumps({"median_step_s": med, "images_per_s": batch / med}))
