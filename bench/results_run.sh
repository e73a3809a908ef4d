#!/usr/bin/env bash
# Two small-scale experiments, end to end, every figure from one run
# (docs/results.md quotes its output):
#  1. Fashion-MNIST (2,000 train / 2,000 test images): a tiny ViT fine-tuned from
#     FractalDB pre-training vs the same ViT trained from scratch.
#  2. FractalDB pre-training with --shuffle local (buffer 256) vs --shuffle global,
#     on synthub's shards (and with SORTED=1 on the same samples rewritten in class order).
# Usage: bench/results_run.sh [build-dir] [work-dir]   (about 15 min on 2 idle cores;
# LRS='1e-3 3e-4' adds a second learning rate to experiment 1, SORTED=1 local and global
# shuffle on the class-ordered shards (neither was run for docs/results.md);
# EP_PRE=1 EP_FT=1 for a quick check of the pipeline). Rerunning with the same work dir
# continues an interrupted run: finished steps are kept (their wall time is reported as
# 'kept'), the unfinished run is started again from scratch; FRESH=1 starts over.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(readlink -f "${1:-$ROOT/build}")
WORK=${2:-/tmp/synthub_results}
S=$BUILD/synthub
PY=/usr/bin/python3
FM=/usr/share/datasets/fashion-mnist
mkdir -p "$WORK" "$ROOT/docs/img"
[ -n "${FRESH:-}" ] && rm -rf "$WORK"/{frac,frac_sorted,fm_train,fm_test,runs}
mkdir -p "$WORK/runs"
T0=$(date +%s)
echo "# synthub results run — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "synthub $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), work dir $WORK"

# The tiny ViT of every run, and the training flags shared by every run.
VIT=(--model vit_custom --img-size 32 --patch 4 --depth 4 --dim 96 --heads 3)
COMMON=(--batch-size 32 --warmup-lr 1e-6 --weight-decay 0.05 --mixup 0 --cutmix 0 --drop-path 0 --smoothing 0 --scale 1,1 --clip-grad 0 --seed 0
        --threads 2 --workers 1 --log-every 20)

timed() {  # timed NAME CMD... : runs CMD, logs to runs/NAME.log, prints wall seconds
  if [ -s "$WORK/runs/$1.wall" ]; then
    printf '%-28s wall %6.1f s (kept)\n' "$1" "$(cat "$WORK/runs/$1.wall")"; return
  fi
  [ -d "$WORK/runs/$1" ] && rm -rf "${WORK:?}/runs/$1"
  local t=$(date +%s.%N)
  "${@:2}" >"$WORK/runs/$1.log" 2>&1 || { echo "FAILED: ${*:2}"; tail -20 "$WORK/runs/$1.log"; exit 1; }
  echo "$(date +%s.%N) - $t" | bc >"$WORK/runs/$1.wall"
  printf '%-28s wall %6.1f s\n' "$1" "$(cat "$WORK/runs/$1.wall")"
}

# ---- data -------------------------------------------------------------------
# 20 FractalDB categories x 160 images at 32 px, 16 shards of 200 (shards 0-13 train,
# 2,800 images; shards 14-15 held out, 400 images).
timed gen_fractals "$S" generate --out "$WORK/frac" --categories 20 --size 32 --points 10000 \
  --draws 40 --flips 1 --instances-per-category 160 --shard-size 200 --search-mode keyed \
  --search-size 64 --search-points 10000 --threads 2 --quiet
FR_TRAIN="$WORK/frac/fractaldb-{000000..000013}.tar"
FR_VAL="$WORK/frac/fractaldb-{000014..000015}.tar"
# The same 2,800 training samples rewritten into 14 shards of 200 in class order (what a
# packer that walks a class-per-folder tree writes); the held-out shards are the same.
timed sort_shards "$PY" - "$WORK/frac" "$WORK/frac_sorted" <<'PY'
import io, os, sys, tarfile
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
samples = []
for i in range(14):
    with tarfile.open(f"{src}/fractaldb-{i:06d}.tar") as t:
        files = {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}
    for name in files:
        if name.endswith(".cls"):
            key = name[:-4]
            samples.append((int(files[name]), key, files[key + ".png"], files[name]))
samples.sort(key=lambda s: (s[0], s[1]))
for i in range(14):
    with tarfile.open(f"{dst}/fractaldb-{i:06d}.tar", "w", format=tarfile.USTAR_FORMAT) as t:
        for _, key, png, cls in samples[i * 200:(i + 1) * 200]:
            for ext, data in (("png", png), ("cls", cls)):
                info = tarfile.TarInfo(f"{key}.{ext}"); info.size = len(data); info.mtime = 0
                t.addfile(info, io.BytesIO(data))
PY
FS_TRAIN="$WORK/frac_sorted/fractaldb-{000000..000013}.tar"
# Fashion-MNIST: the first 2,000 training and the first 2,000 test images (gray PNG).
timed pack_fashion_train "$S" pack idx $FM/train-images-idx3-ubyte.gz $FM/train-labels-idx1-ubyte.gz \
  --out "$WORK/fm_train" --name fashion-train --limit 2000 --shard-size 500 --threads 2 --quiet
timed pack_fashion_test "$S" pack idx $FM/t10k-images-idx3-ubyte.gz $FM/t10k-labels-idx1-ubyte.gz \
  --out "$WORK/fm_test" --name fashion-test --limit 2000 --shard-size 500 --threads 2 --quiet

# ---- runs (one at a time) ---------------------------------------------------
R=$WORK/runs
# FractalDB pre-training, global shuffle: the pre-trained model of experiment 1 and the
# 'global' arm of experiment 2.
# The schedule of the known-good 10-category run: constant 1e-3 after half an epoch of warm-up.
PRE=(--classes 20 --val "$FR_VAL" --epochs "${EP_PRE:-20}" --opt adamw --lr 1e-3 --min-lr 1e-3 --warmup-epochs 0.5 "${VIT[@]}" "${COMMON[@]}")
timed frac_global      "$S" pretrain --data "$FR_TRAIN" --out "$R/frac_global" --shuffle global "${PRE[@]}"
# Fashion-MNIST: scratch vs fine-tuned from frac_global, same flags, two learning rates.
FT=(--data "$WORK/fm_train" --val "$WORK/fm_test" --epochs "${EP_FT:-15}" --opt adamw --min-lr 1e-5 --warmup-epochs 1 --shuffle global "${COMMON[@]}")
for lr in ${LRS:-1e-3}; do
  timed fm_scratch_lr$lr  "$S" pretrain "${VIT[@]}" --out "$R/fm_scratch_lr$lr" --lr $lr "${FT[@]}"
  timed fm_finetune_lr$lr "$S" finetune --init "$R/frac_global" --out "$R/fm_finetune_lr$lr" --lr $lr "${FT[@]}"
done
# Experiment 2: the same pre-training with the local shuffle, and both modes on class-ordered shards.
timed frac_local       "$S" pretrain --data "$FR_TRAIN" --out "$R/frac_local" --shuffle local --shuffle-buffer 256 "${PRE[@]}"
[ -n "${SORTED:-}" ] && timed frac_sorted_local  "$S" pretrain --data "$FS_TRAIN" --out "$R/frac_sorted_local" --shuffle local --shuffle-buffer 256 "${PRE[@]}"
[ -n "${SORTED:-}" ] && timed frac_sorted_global "$S" pretrain --data "$FS_TRAIN" --out "$R/frac_sorted_global" --shuffle global "${PRE[@]}"

# ---- report -----------------------------------------------------------------
"$PY" - "$R" <<'PY'
import json, os, sys
R = sys.argv[1]
def load(run):
    rows = [json.loads(l) for l in open(f"{R}/{run}/metrics.jsonl")]
    ev = {r["epoch"]: r["top1"] for r in rows if r["kind"] == "eval"}
    tr = [r for r in rows if r["kind"] == "train"]
    # images of each logged window (batch 32, one rank) over the window's wall time
    imgs = [32 * (r["step"] - p) for r, p in zip(tr, [0] + [r["step"] for r in tr[:-1]])]
    wall = sum(n / r["images_per_s"] for n, r in zip(imgs, tr))
    secs = sum(r["data_wait_s"] + r["compute_s"] for r in tr)
    return ev, sum(imgs) / wall, sum(r["data_wait_s"] for r in tr) / secs
def table(title, runs):
    runs = [r for r in runs if os.path.exists(f"{R}/{r}/model.safetensors")]
    data = {r: load(r) for r in runs}
    print(f"\n## {title}: held-out top-1 (%) per epoch")
    print("| epoch | " + " | ".join(runs) + " |")
    print("|---:|" + "---:|" * len(runs))
    for e in sorted(data[runs[0]][0]):
        print(f"| {e + 1} | " + " | ".join(f"{data[r][0].get(e, float('nan')):.1f}" for r in runs) + " |")
    print("| **final** | " + " | ".join(f"**{data[r][0][max(data[r][0])]:.1f}**" for r in runs) + " |")
    print("| best (epoch) | " + " | ".join(
        f"{max(data[r][0].values()):.1f} ({1 + max(data[r][0], key=data[r][0].get)})" for r in runs) + " |")
    print("| train images/s | " + " | ".join(f"{data[r][1]:.0f}" for r in runs) + " |")
    print("| data wait | " + " | ".join(f"{100 * data[r][2]:.1f} %" for r in runs) + " |")
table("Experiment 1: Fashion-MNIST 2k/2k, scratch vs FractalDB fine-tune",
      ["fm_scratch_lr1e-3", "fm_finetune_lr1e-3", "fm_scratch_lr3e-4", "fm_finetune_lr3e-4"])
table("FractalDB-20 pre-training (400 held-out fractals); experiment 2: local vs global shuffle",
      ["frac_global", "frac_local", "frac_sorted_local", "frac_sorted_global"])
PY
done_runs() { for r; do [ -s "$R/$r/model.safetensors" ] && echo "$R/$r"; done; true; }
"$S" plot $(done_runs fm_scratch_lr1e-3 fm_finetune_lr1e-3 fm_scratch_lr3e-4 fm_finetune_lr3e-4) \
  --title "Fashion-MNIST 2k: ViT from scratch vs fine-tuned from FractalDB-20" \
  --out "$ROOT/docs/img/fashion_finetune_vs_scratch.svg" >/dev/null
"$S" plot $(done_runs frac_global frac_local frac_sorted_local frac_sorted_global) \
  --title "FractalDB-20 pre-training: --shuffle global vs local (buffer 256)" \
  --out "$ROOT/docs/img/shuffle_local_vs_global.svg" >/dev/null
echo
echo "wall of this invocation $(( $(date +%s) - T0 )) s; sum of the steps' wall times $(cat "$WORK"/runs/*.wall | paste -sd+ | bc | xargs printf '%.0f') s"
