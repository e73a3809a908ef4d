#!/usr/bin/env bash
# Does the grouped on-the-fly order (render: with the default local shuffle:
# whole canvases, each drawn once and flipped 4 times, mixed a window at a
# time; docs/loader.md) learn like a global permutation? The tiny ViT of
# bench/results_run.sh pre-trained on render: of a 20-category FractalDB
# recipe (32 px, 4 rows x 10 draws x 4 flips: 800 canvases, 3,200 images an
# epoch) in three arms that differ only in the order:
#   - local, --shuffle-buffer 100: windows of 25 canvases, 1.25 per category,
#     as the default window (5,000 images = 1,250 canvases) is at FractalDB-1k;
#   - local, --shuffle-buffer 800: windows of 200 canvases (a quarter of the data);
#   - --shuffle global: one permutation of every image.
# Held out: the same categories drawn with another dataset seed (generate
# --seed 7). Prints held-out top-1 per epoch, the last training loss and the
# data wait of each arm.
# Usage: bench/render_order_run.sh [build-dir]   (about 13 minutes on 2 cores; EPOCHS=N)
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
ARMS=(local100 local800 global)
for arm in "${ARMS[@]}"; do
  case $arm in
    local*) SH=(--shuffle local --shuffle-buffer "${arm#local}") ;;
    global) SH=(--shuffle global) ;;
  esac
  t=$(date +%s.%N)
  "$SYNTHUB" pretrain --data "render:$WORK/train" --out "$WORK/$arm" "${SH[@]}" "${VIT[@]}" "${COMMON[@]}" \
    >"$WORK/$arm.log" 2>&1 || { tail -20 "$WORK/$arm.log"; exit 1; }
  echo "$arm: $(echo "$(date +%s.%N) - $t" | bc) s wall"
done
"$PY" - "$WORK" "${ARMS[@]}" <<'PY'
import json, sys
W, arms = sys.argv[1], sys.argv[2:]
def load(arm):
    rows = [json.loads(l) for l in open(f"{W}/{arm}/metrics.jsonl")]
    ev = {r["epoch"]: r["top1"] for r in rows if r["kind"] == "eval"}
    tr = [r for r in rows if r["kind"] == "train"]
    wait = sum(r["data_wait_s"] for r in tr) / sum(r["data_wait_s"] + r["compute_s"] for r in tr)
    return ev, tr[-1]["loss"], wait
d = {a: load(a) for a in arms}
names = {"local100": "local, windows of 25 canvases", "local800": "local, windows of 200 canvases",
         "global": "global permutation"}
print("| epoch | " + " | ".join(names.get(a, a) for a in arms) + " |")
print("|---:|" + "---:|" * len(arms))
for e in sorted(d[arms[0]][0]):
    print(f"| {e + 1} | " + " | ".join(f"{d[a][0].get(e, float('nan')):.1f}" for a in arms) + " |")
print("| **final** | " + " | ".join(f"**{d[a][0][max(d[a][0])]:.1f}**" for a in arms) + " |")
print("| best | " + " | ".join(f"{max(d[a][0].values()):.1f}" for a in arms) + " |")
print("| last training loss | " + " | ".join(f"{d[a][1]:.2f}" for a in arms) + " |")
print("| data wait | " + " | ".join(f"{100 * d[a][2]:.1f} %" for a in arms) + " |")
PY
