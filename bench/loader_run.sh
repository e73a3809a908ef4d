#!/usr/bin/env bash
# Loader benchmark: four datasets built here, every figure from this one run.
#   (a) ImageNet-like photographs: JPEG q90, 500 x 375 and larger (bench/make_photos.py)
#   (b) the paper's FractalDB images: 362 x 362 gray PNG as `generate` writes them
#   (c) 224 x 224 JPEG q90 FractalDB images
#   (d) on-the-fly render: of (b)'s recipe (bench/render_load_run.sh when present)
# Each is read from shards with random resized crop 224 (scale 0.08-1), as u8
# NHWC and f32 NCHW, against the bare decode of the same images, Python
# tarfile + PIL, torchvision ImageFolder + DataLoader(num_workers=2) over the
# same images as loose files, and synthub.Loader from Python. The tables come
# from bench/loader_report.py. Usage: bench/loader_run.sh [build-dir]
source "$(dirname "$0")/lib.sh" loader_bench "${1:-}"
PY=/usr/bin/python3
R=$WORK/results.jsonl
: > "$R"
echo "# synthub loader benchmark — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- datasets ---------------------------------------------------------------
$PY "$ROOT/bench/make_photos.py" "$WORK/a_folder" 800 0
"$SYNTHUB" pack imagefolder "$WORK/a_folder" --out "$WORK/a" --name photos --shard-size 400 >/dev/null 2>&1
"$SYNTHUB" generate --categories 4 --search-mode keyed --shard-size 1000 --quiet --out "$WORK/b" >/dev/null 2>&1
"$SYNTHUB" generate --categories 8 --size 224 --points 60000 --draws 2 --draw patch_color \
  --format jpg --quality 90 --shard-size 400 --search-mode keyed --search-size 256 \
  --search-points 40000 --quiet --out "$WORK/c" >/dev/null 2>&1
# (b) and (c) as ImageFolder trees (class/xxx.ext) for the loose-file rows.
for d in b c; do
  mkdir -p "$WORK/${d}_loose" "$WORK/${d}_folder"
  for s in "$WORK/$d"/*.tar; do tar xf "$s" -C "$WORK/${d}_loose"; done
  for f in "$WORK/${d}_loose"/*.cls; do
    k=${f%.cls}; c=$(cat "$f"); mkdir -p "$WORK/${d}_folder/c$c"
    mv "$k".png "$k".jpg "$WORK/${d}_folder/c$c/" 2>/dev/null || true
  done
  rm -rf "$WORK/${d}_loose"
done

record() {  # record DATASET ROW LAYOUT WORKERS RSS JSON-FILE [extra json fields]
  $PY - "$@" >> "$R" <<'PYEOF'
import json, sys
d, row, layout, workers, rss, path = sys.argv[1:7]
extra = json.loads(sys.argv[7]) if len(sys.argv) > 7 else {}
try:
    out = json.loads(open(path).read().strip().splitlines()[-1])
except Exception:
    out = {}
out.update(extra)
out.update(dataset=d, row=row, layout=layout, workers=int(workers), rss_mib=float(rss))
print(json.dumps(out))
PYEOF
}

for d in a b c; do
  shards=("$WORK/$d"/*.tar)
  folder=$WORK/${d}_folder
  [ "$d" = a ] && folder=$WORK/a_folder
  echo "measuring ($d) ..." >&2
  read -r wall cpu rss < <(timed "$BUILD/bench/synthub_decode_bench" "${shards[@]}")
  record "$d" bare - 1 "$rss" "$WORK/o"
  # Read throughput reference: the disk (page cache) as dd sees the same files.
  cat "${shards[@]}" > /dev/null  # warm, as the loader runs below find them
  for s in "${shards[@]}"; do dd if="$s" of=/dev/null bs=4M 2>&1 | tail -1; done > "$WORK/dd"
  record "$d" dd - 1 0 /dev/null "$($PY -c "
import json, re
b = t = 0
for line in open('$WORK/dd'):
    m = re.match(r'(\d+) bytes .* copied, ([0-9.e-]+) s', line)
    b, t = b + int(m.group(1)), t + float(m.group(2))
print(json.dumps({'mb_per_s': b / t / 1e6}))")"
  for layout in u8 f32; do
    for w in 1 2; do
      read -r wall cpu rss < <(timed "$SYNTHUB" bench-load "$WORK/$d" --workers $w --prefetch 4 \
        --batch-size 64 --layout $layout --epochs 3)
      record "$d" loader $layout $w "$rss" "$WORK/o"
    done
    if [ -f "$ROOT/bench/loader_python.py" ]; then
      read -r wall cpu rss < <(PYTHONPATH=$BUILD/python timed $PY "$ROOT/bench/loader_python.py" "$WORK/$d" --layout $layout \
        --workers 1 --batch-size 64 --epochs 3)
      record "$d" python $layout 1 "$rss" "$WORK/o"
    fi
    # torchvision: the CPU of the main process and its workers, less an empty
    # start (importing torch), over two epochs.
    read -r wall cpu0 rss < <(timed $PY "$ROOT/bench/torchvision_baseline.py" "$folder" --layout $layout --epochs 0)
    read -r wall cpu rss < <(timed $PY "$ROOT/bench/torchvision_baseline.py" "$folder" --layout $layout --epochs 2 --workers 2)
    record "$d" torchvision $layout 2 "$rss" "$WORK/o" "{\"cpu_s\": $cpu, \"startup_cpu_s\": $cpu0}"
  done
  read -r wall cpu rss < <(LIMIT=600 timed $PY "$ROOT/bench/python_baseline.py" tar "${shards[@]}")
  record "$d" pil_tar f32 1 "$rss" "$WORK/o"
done

$PY "$ROOT/bench/loader_report.py" "$R"
if [ -x "$ROOT/bench/render_load_run.sh" ]; then
  echo; "$ROOT/bench/render_load_run.sh" "$BUILD"
else
  echo; echo "## (d) on-the-fly render of (b)'s recipe, 224 float32, 1 worker"
  read -r wall cpu rss < <(timed "$SYNTHUB" bench-load "render:$WORK/b" --workers 1 --limit 20)
  $PY -c "import json; d=json.load(open('$WORK/o')); print(f\"{d['images_per_cpu_s']:.0f} images per CPU-s, setup {d['setup_s']:.1f} s, peak RSS $rss MiB\")"
fi
