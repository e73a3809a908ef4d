#!/usr/bin/env bash
# Does the grouped on-the-fly order (render: with the default local shuffle:
# whole point clouds mixed a window at a time, docs/loader.md) learn like a
# global permutation? The tiny ViT of bench/results_run.sh pre-trained on
# render: of a 20-category FractalDB recipe (32 px, 10 draws x 4 flips, 4
# rows: 80 clouds of 40 images, 3,200 images per epoch), once with
# --shuffle local --shuffle-buffer 800 (windows of 20 clouds: a quarter of the
# data) and once with --shuffle global; held out: the same categories drawn
# with another dataset seed (generate --seed 7). Same flags and seed otherwise;
# prints held-out top-1 per epoch and the training rate of both arms.
# Usage: bench/render_order_run.sh [build-dir]   (about 12 minutes on 2 cores; EPOCHS=N)
source "$(dirname "$0")/lib.sh" render_order "${1:-}"
PY=/usr/bin/python3
EPOCHS=${EPOCHS:-20}
REC=(--categories 20 --size 32 --points 10000 --draws 10 --flips 4 --instances-per-category 160
     --search-mode keyed --search-size 64 --search-points 10000 --shard-size 400 --threads 2 --quiet)
"$SYNTHUB" generate "${REC[@]}" --out "$WORK/train" >/dev/null
"$SYNTHUB" generate "${REC[@]}" --seed 7 --out "$WORK/val" >/dev/null
VIT=(--model vit_custom --img-size 32 --patch 4 --depth 4 --dim 96 --heads 3)
COMMON=(--batch-size 32 --warmup-lr 1e-6 --weight-decay 0.05 --mixup 0 --cutmix 0 --drop-path 0 --smoothing 0
        --scale 1,1 --clip-grad 0 --seed 0 --threads 2 --workers 1 --log-every 20
        --classes 20 --val "$WORK/val" --epochs "$EPOCHS" --opt adamw --lr 1e-3 --min-lr 1e-3 --warmup-epochs 0.5)
echo "# render order vs learning — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for arm in grouped global; do
  if [ $arm = grouped ]; then SH=(--shuffle local --shuffle-buffer 800); else SH=(--shuffle global); fi
  t=$(date +%s.%N)
  "$SYNTHUB" pretrain --data "render:$WORK/train" --out "$WORK/$arm" "${SH[@]}" "${VIT[@]}" "${COMMON[@]}" \
    >"$WORK/$arm.log" 2>&1 || { tail -20 "$WORK/$arm.log"; exit 1; }
  echo "$arm: $(echo "$(date +%s.%N) - $t" | bc) s wall"
done
"$PY" - "$WORK" <<'PY'
import json, sys
W = sys.argv[1]
def load(arm):
    rows = [json.loads(l) for l in open(f"{W}/{arm}/metrics.jsonl")]
    ev = {r["epoch"]: r["top1"] for r in rows if r["kind"] == "eval"}
    tr = [r for r in rows if r["kind"] == "train"]
    wait = sum(r["data_wait_s"] for r in tr) / sum(r["data_wait_s"] + r["compute_s"] for r in tr)
    return ev, tr[-1]["loss"], wait
g, l = load("grouped"), load("global")
print("| epoch | grouped (windows of 20 clouds) | global permutation |")
print("|---:|---:|---:|")
for e in sorted(g[0]):
    print(f"| {e + 1} | {g[0][e]:.1f} | {l[0].get(e, float('nan')):.1f} |")
print(f"| **final** | **{g[0][max(g[0])]:.1f}** | **{l[0][max(l[0])]:.1f}** |")
print(f"| best | {max(g[0].values()):.1f} | {max(l[0].values()):.1f} |")
print(f"| last training loss | {g[1]:.2f} | {l[1]:.2f} |")
print(f"| data wait | {100 * g[2]:.1f} % | {100 * l[2]:.1f} % |")
PY
