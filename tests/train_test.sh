#!/usr/bin/env bash
# End-to-end tests of synthub pretrain / finetune / eval (libtorch builds).
# Usage: train_test.sh path/to/synthub. Prints "ok - ..." / "FAIL - ..." and
# exits 1 if any check failed. Small shapes: each training run takes seconds.
set -uo pipefail
SYNTHUB=$(readlink -f "$1")
source "$(dirname "$0")/lib.sh"
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
WORK=$(new_work_dir train)
trap 'umount "$WORK/tiny" 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"
# max |a - b| over every tensor of two safetensors files (same names).
maxdiff() {
  PYTHONPATH="$TESTS_DIR" $PY -c '
import sys, numpy as np, safetensors_reader as r
a, _ = r.load(sys.argv[1]); b, _ = r.load(sys.argv[2])
assert sorted(a) == sorted(b), "different tensor names"
print(max(float(np.abs(a[k].astype(np.float64) - b[k]).max()) if a[k].size else 0.0 for k in a))' "$1" "$2"
}
losses() { $PY -c '
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d["kind"] == "train": print(d["step"], d["loss"])' "$1"; }

# Tiny model for the mechanics: 16 px, patch 4, 2 blocks of width 32.
TINY=(--model vit_custom --img-size 16 --patch 4 --depth 2 --dim 32 --heads 2 --threads 1 --workers 1)

"$SYNTHUB" generate --categories 6 --size 16 --points 2000 --draws 2 --shard-size 24 --instances-per-category 24 \
  --search-mode keyed --search-size 48 --search-points 8000 --seed 2 --quiet --out six >/dev/null 2>&1
check "a 6-class dataset for the mechanics" test -f six/manifest.json

# --- command line ----------------------------------------------------------
for c in pretrain finetune eval; do
  expect_exit 0 "$c --help exits 0" "usage: synthub $c" "$SYNTHUB" "$c" --help
done
expect_exit 0 "pretrain --help: the loader's --scale, as a range" "--scale V .*(default: 0.08,1)" "$SYNTHUB" pretrain --help
expect_exit 0 "finetune --help: its own batch size default" "--batch-size V .*(default: 96)" "$SYNTHUB" finetune --help
expect_exit 0 "eval --help: the loader's --mean" "--mean V" "$SYNTHUB" eval --help
expect_exit 2 "pretrain: the loader's batch_size is reported as --batch-size" "--batch-size must be >= 1" \
  "$SYNTHUB" pretrain --data six --out r --batch-size 0
expect_exit 2 "pretrain: --shuffle spelled as in load" "--shuffle: expected none, local or global" \
  "$SYNTHUB" pretrain --data six --out r --shuffle sometimes
expect_exit 2 "pretrain: --uneven is set by the trainer" "unknown flag --uneven" \
  "$SYNTHUB" pretrain --data six --out r --uneven wrap
expect_exit 2 "pretrain without --out" "--out is required" "$SYNTHUB" pretrain --data six
expect_exit 2 "unknown model named" "unknown model" "$SYNTHUB" pretrain --data six --out r --model vit_huge
expect_exit 2 "patch must divide the image" "patch size must divide" "$SYNTHUB" pretrain --data six --out r \
  --model vit_custom --img-size 30 --patch 4 --depth 1 --dim 8 --heads 2
expect_exit 2 "finetune needs --init" "--init is required" "$SYNTHUB" finetune --data six --out r
expect_exit 0 "pretrain --recipe ofdb --help: OFDB's epochs" "--epochs V .*(default: 80000)" \
  "$SYNTHUB" pretrain --recipe ofdb --help
expect_exit 0 "pretrain --recipe=ofdb --help: OFDB's augmentation" \
  "--rand-augment V .*(default: rand-m9-mstd0.5-inc1)" "$SYNTHUB" pretrain --recipe=ofdb --help
expect_exit 0 "pretrain --recipe ofdb --help: vflip on" "--vflip .*(default: on" \
  "$SYNTHUB" pretrain --recipe ofdb --help
expect_exit 2 "pretrain: an unknown --recipe is named" "--recipe: expected fractaldb | ofdb, got 'ofdb2'" \
  "$SYNTHUB" pretrain --recipe ofdb2 --data six --out r
expect_exit 2 "pretrain: the loader's rand_augment is reported as --rand-augment" "--rand-augment: unknown section 'q3'" \
  "$SYNTHUB" pretrain --data six --out r --rand-augment rand-q3

# --- the OFDB recipe runs (RandAugment, flips, erasing); flags given win ------
"$SYNTHUB" pretrain --recipe ofdb --data six --out ofdb "${TINY[@]}" --epochs 1 --batch-size 16 \
  --lr 1e-3 >/dev/null 2>ofdb.err
check "pretrain --recipe ofdb: --epochs, --batch-size, --lr given override the recipe" $PY -c '
import json; s = json.load(open("ofdb/config.json"))["synthub"]
assert s["epochs"] == 1 and s["lr"] == 1e-3 and s["batch_size_total"] == 16, s'

# --- 3D-OFDB's one view per category: an epoch is one sample per category ----
"$SYNTHUB" pretrain --data six --val six --out one_view "${TINY[@]}" --epochs 1 --batch-size 2 \
  --shuffle global --one-view-per-category --log-every 1 >/dev/null 2>one_view.err
check "pretrain --one-view-per-category: 6 categories, 3 steps of 2; validation reads all 144" $PY -c '
import json; rows = [json.loads(l) for l in open("one_view/metrics.jsonl")]
assert len([r for r in rows if r["kind"] == "train"]) == 3, rows
assert [r["samples"] for r in rows if r["kind"] == "eval"] == [144], rows'
expect_exit 2 "pretrain --one-view-per-category needs --shuffle global" "needs --shuffle global" \
  "$SYNTHUB" pretrain --data six --out r --one-view-per-category

# --- a run writes timm-loadable weights; Python computes the same logits -----
"$SYNTHUB" pretrain --data six --out run "${TINY[@]}" --epochs 2 --batch-size 16 --log-every 1 \
  >/dev/null 2>run.err
check "pretrain writes model, config, state and metrics" \
  test -s run/model.safetensors -a -s run/config.json -a -s run/train_state.safetensors -a -s run/metrics.jsonl
check "config.json has timm's fields" $PY -c '
import json, sys; c = json.load(open("run/config.json"))
assert c["architecture"] == "vit_custom" and c["num_classes"] == 6 and c["num_features"] == 32
assert c["pretrained_cfg"]["first_conv"] == "patch_embed.proj" and c["pretrained_cfg"]["classifier"] == "head"
assert c["model_args"]["depth"] == 2 and c["pretrained_cfg"]["input_size"] == [3, 16, 16]'
check "metrics: one JSON line per step with loss, lr, images/s, data wait and compute" $PY -c '
import json; rows = [json.loads(l) for l in open("run/metrics.jsonl")]
train = [r for r in rows if r["kind"] == "train"]
assert len(train) == 2 * (144 // 16), len(train)
for r in train: assert {"loss", "lr", "images_per_s", "data_wait_s", "compute_s"} <= set(r), r'
"$SYNTHUB" eval run --data six --dump dump.safetensors --out ev >ev.json 2>ev.err
check "eval writes eval.json, per_class.csv and a 6 x 6 confusion matrix" \
  bash -c 'test -s ev/eval.json && test "$(wc -l < ev/per_class.csv)" = 7 && test "$(wc -l < ev/confusion.csv)" = 7'
check "eval: the confusion matrix counts every sample" $PY -c '
rows = [l.strip().split(",") for l in open("ev/confusion.csv")][1:]
assert sum(int(v) for r in rows for v in r[1:]) == 144'
check "PyTorch ViT with timm names loads model.safetensors strictly; logits match C++" \
  $PY "$TESTS_DIR/vit_reference.py" check run dump.safetensors
check "verify: a training run's checkpoints are intact" "$SYNTHUB" verify run
mkdir -p flipped && cp run/config.json run/model.safetensors flipped/ && $PY -c '
b = bytearray(open("flipped/model.safetensors", "rb").read()); b[-100] ^= 1
open("flipped/model.safetensors", "wb").write(b)'
expect_exit 1 "verify: one flipped bit in the weights is detected" "does not match the synthub_sha256" "$SYNTHUB" verify flipped
cp run/model.safetensors flipped/ && $PY -c '
b = bytearray(open("flipped/model.safetensors", "rb").read()); i = b.index(b"blocks.0.attn.qkv.weight"); b[i] ^= 1
open("flipped/model.safetensors", "wb").write(b)'
expect_exit 1 "verify: a renamed tensor in the header is detected" "does not match the synthub_sha256" "$SYNTHUB" verify flipped
cp run/model.safetensors flipped/ && sed -i 's/"license": "cc-by-nc-4.0"/"license": "cc-by-nc-4.1"/' flipped/config.json
expect_exit 1 "verify: an edited config.json is detected" "not the config.json written with" "$SYNTHUB" verify flipped
expect_exit 1 "eval refuses a config.json that is not the model's" "not the config.json written with" \
  "$SYNTHUB" eval flipped --data six
# A model from elsewhere (no checksum): verify wants --structure-only; eval loads it.
mkdir -p foreign && cp run/config.json foreign/ && $PY -c '
import json, struct
b = open("run/model.safetensors", "rb").read(); n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n]); h["__metadata__"] = {"format": "pt"}
t = json.dumps(h).encode(); t += b" " * (-len(t) % 8)
open("foreign/model.safetensors", "wb").write(struct.pack("<Q", len(t)) + t + b[8 + n:])'
expect_exit 1 "verify: a model without a checksum is named" "no synthub_sha256" "$SYNTHUB" verify foreign
check "verify --structure-only accepts a model from elsewhere" "$SYNTHUB" verify foreign --structure-only
check "eval loads a model from elsewhere" bash -c "'$SYNTHUB' eval foreign --data six --limit 16 | grep -q top1"
"$SYNTHUB" plot run --out run/curves.svg >/dev/null 2>&1
check "plot draws the run's curves" grep -q "<svg" run/curves.svg

# --- exact resume: stop at step 5, resume == uninterrupted -------------------
"$SYNTHUB" pretrain --data six --out stop "${TINY[@]}" --epochs 2 --batch-size 16 --log-every 1 \
  --max-steps 5 >/dev/null 2>&1
check "--max-steps stops early with a state" bash -c '[ "$(grep -c train stop/metrics.jsonl)" = 5 ]'
"$SYNTHUB" pretrain --data six --out stop "${TINY[@]}" --epochs 2 --batch-size 16 --log-every 1 \
  --resume >/dev/null 2>stop.err
check "resumed run: the same loss at every step as the uninterrupted one" diff <(losses run/metrics.jsonl) <(losses stop/metrics.jsonl)
expect_exit 1 "resume with another seed is refused" "resume with the same seed" \
  "$SYNTHUB" pretrain --data six --out stop "${TINY[@]}" --epochs 2 --batch-size 16 --resume --seed 9
check "resumed run: the same final weights" test "$(maxdiff run/model.safetensors stop/model.safetensors)" = 0.0

# --- data-parallel: 2 MPI ranks == 1 rank with the same global batch ---------
# 32 samples = one global batch, so every step sees the same samples either way.
"$SYNTHUB" generate --categories 4 --size 16 --points 2000 --draws 2 --shard-size 16 --instances-per-category 8 \
  --search-mode keyed --search-size 48 --search-points 8000 --seed 3 --quiet --out four >/dev/null 2>&1
DP=(--data four "${TINY[@]}" --epochs 3 --mixup 0 --cutmix 0 --drop-path 0 --lr 1e-3 --warmup-epochs 0 --log-every 1)
"$SYNTHUB" pretrain "${DP[@]}" --out one --batch-size 32 >/dev/null 2>&1
if [ -n "${SYNTHUB_TEST_NO_MPI:-}" ] || ! command -v mpirun >/dev/null; then
  echo "# skipped MPI checks"
else
  "${MPIRUN[@]}" "$SYNTHUB" pretrain "${DP[@]}" --out two --batch-size 16 >/dev/null 2>two.err
  check "2 ranks: training ran and checked that every rank holds the same weights" \
    grep -q "weights identical on all 2 ranks" two.err
  check "2 ranks == 1 rank with the same global batch (weights within 1e-5)" \
    $PY -c "import sys; sys.exit(0 if float('$(maxdiff one/model.safetensors two/model.safetensors)') < 1e-5 else 1)"
fi

"$SYNTHUB" pretrain "${DP[@]}" --out accum --batch-size 8 --accum 4 >/dev/null 2>&1
check "gradient accumulation: 4 x 8 == one batch of 32 (weights within 1e-5)" \
  $PY -c "import sys; sys.exit(0 if float('$(maxdiff one/model.safetensors accum/model.safetensors)') < 1e-5 else 1)"

# --- fine-tuning: a new head, frozen blocks ----------------------------------
"$SYNTHUB" finetune --init run --data four --out ft --threads 1 --workers 1 --epochs 1 --batch-size 16 \
  --freeze 1 >/dev/null 2>ft.err
check "finetune: new 4-class head on a 6-class checkpoint" $PY -c '
import json; assert json.load(open("ft/config.json"))["num_classes"] == 4'
check "finetune --freeze 1: the frozen block is unchanged, the head is new" bash -c "
PYTHONPATH='$TESTS_DIR' $PY -c '
import numpy as np, safetensors_reader as r
a, _ = r.load(\"run/model.safetensors\"); b, _ = r.load(\"ft/model.safetensors\")
assert np.array_equal(a[\"blocks.0.attn.qkv.weight\"], b[\"blocks.0.attn.qkv.weight\"])
assert np.array_equal(a[\"patch_embed.proj.weight\"], b[\"patch_embed.proj.weight\"])
assert not np.array_equal(a[\"blocks.1.attn.qkv.weight\"], b[\"blocks.1.attn.qkv.weight\"])
assert b[\"head.weight\"].shape == (4, 32)'"

# --- bad input: a clear message and exit 1, never a crash --------------------
expect_exit 1 "eval: dataset classes differ from the head" "6 classes\|the model's head" \
  "$SYNTHUB" eval ft --data six
mkdir -p trunc && cp run/config.json trunc/ && head -c 5000 run/model.safetensors > trunc/model.safetensors
expect_exit 1 "eval: a truncated safetensors file is refused" "model.safetensors" "$SYNTHUB" eval trunc --data six
mkdir -p garbage && cp run/config.json garbage/ && printf '\xff\xff\xff\xff\xff\xff\xff\xffjunk' > garbage/model.safetensors
expect_exit 1 "eval: a header length past the file is refused" "model.safetensors" "$SYNTHUB" eval garbage --data six
# The model from elsewhere records no config hash: here the shapes are what is checked.
mkdir -p deeper && cp foreign/model.safetensors deeper/ && $PY -c '
import json; c = json.load(open("run/config.json")); c["model_args"]["depth"] = 3
json.dump(c, open("deeper/config.json", "w"))'
expect_exit 1 "finetune: weights of another architecture are refused" "missing\|architecture" \
  "$SYNTHUB" finetune --init deeper --data six --out bad --threads 1 --epochs 1 --batch-size 16
mkdir -p wider && cp foreign/model.safetensors wider/ && $PY -c '
import json; c = json.load(open("run/config.json")); c["model_args"]["embed_dim"] = 64
json.dump(c, open("wider/config.json", "w"))'
expect_exit 1 "eval: a shape mismatch is refused" "shape" "$SYNTHUB" eval wider --data six
expect_exit 1 "pretrain: a label outside --classes is refused" "classes" \
  "$SYNTHUB" pretrain --data six --out small "${TINY[@]}" --classes 3 --epochs 1 --batch-size 16
"$SYNTHUB" pretrain --data six --out nan "${TINY[@]}" --epochs 3 --batch-size 16 --lr 1e12 --warmup-epochs 0 \
  --save-every 1 >nan.out 2>nan.err; rc=$?
check "a NaN loss stops with exit 1 and says so" bash -c "[ $rc = 1 ] && grep -q 'the loss is' nan.err"
check "a NaN loss keeps the last good state" test -s nan/train_state.safetensors

if [ "$(id -u)" = 0 ] && mkdir -p tiny && mount -t tmpfs -o size=60k tmpfs tiny 2>/dev/null; then
  expect_exit 1 "a full disk: a clear error while saving" "No space left" \
    "$SYNTHUB" pretrain --data six --out tiny/run "${TINY[@]}" --epochs 1 --batch-size 16
  check "a full disk leaves no partial checkpoint or temporary" \
    bash -c '[ -z "$(ls tiny/run | grep -v metrics.jsonl)" ]'
  umount tiny
else
  echo "# skipped the full-disk check (needs root for a tmpfs)"
fi

finish
