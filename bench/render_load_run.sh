#!/usr/bin/env bash
# (d) of bench/loader_run.sh: on-the-fly FractalDB at the paper's settings
# (362 x 362 canvases, 200,000 points, 10 draws x 4 flips), random resized crop
# 224, every figure from this one run:
#   - generate of the same recipe (PNG encoding included; it makes each point
#     cloud once for its 40 images), and the loader's global order (a full
#     chaos game and drawing per image);
#   - the grouped order (the default local shuffle of render:, epoch_plan.h:
#     windows of whole canvases, each drawn once and flipped 4 times),
#     one full epoch, f32 and u8, 1 and 2 workers, peak RSS;
#   - start-up of render:fractaldb-1k: two ranks started together with an
#     empty cache (one category search for both), then a third run reading the
#     cache (target: first batch under 2 s).
# Usage: bench/render_load_run.sh [build-dir]   (about 3 minutes on 2 cores)
source "$(dirname "$0")/lib.sh" render_bench "${1:-}"
PY=/usr/bin/python3
rate() {  # rate JSON-FILE: images per CPU-s, first batch, RSS from the timing line
  $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(f\"{d['images_per_cpu_s']:7.0f} | {d['first_batch_s']:5.2f} s\", end='')" "$1"
}
echo "## (d) on-the-fly render: 4 FractalDB categories at the paper's settings (4,000 images), crop 224"
echo
read -r wall cpu rss < <(timed "$SYNTHUB" generate --categories 4 --search-mode keyed --shard-size 1000 \
  --threads 1 --quiet --out "$WORK/b")
gen=$($PY -c "print(f'{4000 / $cpu:.0f}')")
echo "| order | layout | workers | images per CPU-s | first batch | peak RSS MiB |"
echo "|---|---|---:|---:|---:|---:|"
echo "| generate (PNG encode included; 1 thread) | - | - | $gen | - | $rss |"
read -r wall cpu rss < <(timed "$SYNTHUB" bench-load "render:$WORK/b" --shuffle global --workers 1 --limit 10)
echo "| global permutation (--shuffle global) | f32 | 1 | $(rate "$WORK/o") | $rss |"
for args in "f32 1" "u8 1" "f32 2"; do
  set -- $args
  read -r wall cpu rss < <(timed "$SYNTHUB" bench-load "render:$WORK/b" --layout "$1" --workers "$2")
  echo "| grouped (default local: windows of 1,250 canvases), full epoch | $1 | $2 | $(rate "$WORK/o") | $rss |"
done

echo
echo "Start-up of render:fractaldb-1k (the published categories: a 42,655-trial search):"
export SYNTHUB_CACHE=$WORK/cache
for r in 0 1; do
  $PY "$ROOT/bench/cputime.py" "$SYNTHUB" bench-load render:fractaldb-1k --limit 1 --workers 1 \
    --rank $r --world-size 2 >"$WORK/rank$r.json" 2>"$WORK/rank$r.err" &
done
wait
searches=$(cat "$WORK"/rank*.err | grep -c 'making the parameters' || true)
for r in 0 1; do
  echo "- empty cache, rank $r of 2 started together: first batch $($PY -c "import json; print(f\"{json.load(open('$WORK/rank$r.json'))['first_batch_s']:.1f}\")") s"
done
echo "- category searches run by the two ranks: $searches"
read -r wall cpu rss < <(timed "$SYNTHUB" bench-load render:fractaldb-1k --limit 1 --workers 1)
echo "- cached: first batch $($PY -c "import json; print(f\"{json.load(open('$WORK/o'))['first_batch_s']:.2f}\")") s, setup $($PY -c "import json; print(f\"{json.load(open('$WORK/o'))['setup_s']:.2f}\")") s"
