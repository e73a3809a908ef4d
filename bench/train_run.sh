#!/usr/bin/env bash
# Training benchmark, every figure from one run: the C++ ViT step vs the same
# model in Debian's python3-torch (same shapes, threads, fp32, AdamW), and
# images/s with the real loader at 224 and 32 px with the data-wait share.
# Usage: bench/train_run.sh [build-dir] [steps]   (ROUNDS=3 interleaved rounds; about 15 minutes)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(readlink -f "${1:-$ROOT/build}")
STEPS=${2:-8}
SYNTHUB=$BUILD/synthub
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/synthub_train_bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
THREADS=$(nproc)
# OpenBLAS misdetects this CPU (docs/train.md); a benchmark may
# choose the kernel for its own commands, and says which one ran.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  if grep -q avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -q avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; fi
fi
echo "# synthub training benchmark — $(date -u +%Y-%m-%d), $THREADS cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "OpenBLAS kernel: ${OPENBLAS_CORETYPE:-auto}; torch threads: $THREADS; fp32; AdamW; batch 32; median of $STEPS steps"
"$SYNTHUB" generate --categories 10 --size 224 --points 20000 --draws 4 --shard-size 80 \
  --instances-per-category 16 --search-mode keyed --search-size 128 --search-points 20000 \
  --quiet --out "$WORK/d224" >/dev/null 2>&1
"$SYNTHUB" generate --categories 10 --size 32 --points 5000 --draws 20 --shard-size 400 \
  --search-mode keyed --search-size 64 --search-points 10000 --quiet --out "$WORK/d32" >/dev/null 2>&1
cxx() {  # cxx DATA IMG PATCH WORKERS [--fixed-batch] -> median step s (data wait + compute), images/s, wait %
  rm -rf "$WORK/run"
  "$SYNTHUB" pretrain --data "$1" --out "$WORK/run" --model vit_tiny_patch16_224 --img-size "$2" --patch "$3" \
    --classes 1000 --epochs 100 --batch-size 32 --max-steps "$STEPS" --log-every 1 --threads "$THREADS" \
    --workers "$4" --mixup 0 --cutmix 0 --drop-path 0 ${5:-} >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  $PY - "$WORK/run/metrics.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"train"' in l][2:]
step = statistics.median(r["data_wait_s"] + r["compute_s"] for r in rows)
wait = sum(r["data_wait_s"] for r in rows) / sum(r["data_wait_s"] + r["compute_s"] for r in rows)
print(f"{step:.4f} {32 * len(rows) / sum(r['data_wait_s'] + r['compute_s'] for r in rows):.1f} {100 * wait:.2f}")
PY
}
# This VM's speed drifts by 20 % over minutes, more than the effects measured
# here, so the configurations run in ROUNDS interleaved rounds and each ratio
# is the median over rounds of the ratio within a round (paired).
ROUNDS=${ROUNDS:-3}
echo
echo "Step = median over steps 3.. of (data wait + compute), so a loader that slows the step or makes it wait counts."
echo "C++ fixed batch: \`pretrain --fixed-batch\` (every step on the first batch; the loader idle)."
echo "The loader runs at pretrain's default \`--loader-nice 10\`; the last column is 2 workers at nice 0."
echo "$ROUNDS interleaved rounds; step times are medians over rounds, ratios medians of the ratios within each round."
echo
echo "| ViT-Tiny (D 192, 12 blocks, 3 heads) | Python step s (fixed batch) | C++ fixed batch | C++ + loader, 1 worker | C++ + loader, 2 workers | fixed / Python | loader 1w / Python | loader 2w / Python | data wait (2w) | 2w at nice 0 / Python |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for cfg in "32 4 d32" "224 16 d224"; do
  set -- $cfg
  : > "$WORK/rounds"
  for _ in $(seq "$ROUNDS"); do
    p=$($PY "$ROOT/bench/vit_python_step.py" "$1" "$2" 12 192 3 32 "$STEPS" "$THREADS" | $PY -c "import json,sys; print(round(json.load(sys.stdin)['median_step_s'], 4))")
    read -r f _ _ < <(cxx "$WORK/$3" "$1" "$2" 1 --fixed-batch)
    read -r c1 _ _ < <(cxx "$WORK/$3" "$1" "$2" 1)
    read -r c2 _ wait < <(cxx "$WORK/$3" "$1" "$2" 2)
    read -r c0 _ _ < <(cxx "$WORK/$3" "$1" "$2" 2 "--loader-nice 0")
    echo "$p $f $c1 $c2 $c0 $wait" >> "$WORK/rounds"
  done
  $PY - "$WORK/rounds" "$1" "$2" <<'PY'
import statistics as st, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
med = lambda i: st.median(r[i] for r in rows)
ratio = lambda i: st.median(r[i] / r[0] for r in rows)
print(f"| {sys.argv[2]} px, patch {sys.argv[3]} | {med(0):.3f} | {med(1):.3f} | {med(2):.3f} | {med(3):.3f} | "
      f"{ratio(1):.3f} | {ratio(2):.3f} | {ratio(3):.3f} | {med(5):.2f} % | {ratio(4):.3f} |")
print("rounds (python, fixed, 1w, 2w, 2w nice 0, wait %):", "; ".join(" ".join(f"{v:g}" for v in r) for r in rows),
      file=sys.stderr)
PY
done
