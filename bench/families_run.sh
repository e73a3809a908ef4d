#!/usr/bin/env bash
# Measures VisualAtom, RCDB, OFDB and 1p-frac per CPU core, each against the
# published algorithm in Python and a naive C++ transcription of it on the
# same images, and against its floor, in one run; then end to end into
# shards with every encoding on offer. Prints a Markdown report
# (docs/benchmarks.md, "Families", records one).
# Usage: bench/families_run.sh [build-dir]   (a Release build with the
# synthub and synthub_families_bench targets; about 7 minutes on 2 cores).
# FAMILIES="visualatom rcdb" (say) measures only those.
# Python: /usr/bin/python3 with Debian's python3-noise, python3-pil, numpy.
source "$(dirname "$0")/lib.sh" families "${1:-}"
FB=$BUILD/bench/synthub_families_bench
PY=/usr/bin/python3
# The workloads (small, so the Python stays short). Contour families: the
# first class of each of P processes of the published launch, M images each;
# keyed (generate's default): C categories x N images.
VA=(--processes 20 --images 2)
RC=(--processes 10 --images 4)
KEYED=(--keyed-categories 20 --keyed-images 4)
IFS_IMAGES=8        # C++ pipelines, OFDB and 1p-frac
IFS_PY_IMAGES=2     # their Python
E2E_IMAGES=100      # their generate run
FAMILIES=${FAMILIES:-visualatom rcdb ofdb 1p-frac}

echo "### synthub families benchmark — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

for f in $FAMILIES; do
  case $f in visualatom|rcdb) ;; *) continue ;; esac
  [ $f = visualatom ] && W=("${VA[@]}") || W=("${RC[@]}")
  "$FB" $f "${W[@]}" "${KEYED[@]}" > "$WORK/$f.json"
  "$PY" "$ROOT/bench/contour_python.py" --family $f "${W[@]}" > "$WORK/$f.py.json"
  # The Python re-implementation of the tests, same images, as .npy (whole
  # process: interpreter start and the file writes included).
  P=${W[1]} M=${W[3]}
  read -r _ cpu _ < <(timed "$PY" "$ROOT/tests/contour_published.py" --family $f --classes "$P" \
    --instances "$M" --processes "$P" --format npy --out "$WORK/$f.npy")
  "$PY" - "$WORK/$f.npy" "$cpu" > "$WORK/$f.tests.json" <<'PY'
import glob, hashlib, json, sys
import numpy as np
files = sorted(glob.glob(sys.argv[1] + "/*.npy"))
print(json.dumps({"cpu_s": float(sys.argv[2]), "images": len(files),
                  "sha256": [hashlib.sha256(np.load(f).tobytes()).hexdigest() for f in files]}))
PY
  # End to end into shards, keyed, one thread, every encoding.
  : > "$WORK/$f.e2e"
  for enc in "png rle:--format png --png-level rle" "png 1:--format png --png-level 1" \
             "png 6:--format png --png-level 6" "png 9:--format png --png-level 9" \
             "webp lossless:--format webp --quality 100" "jpeg q90:--format jpg --quality 90" \
             "jpeg q95:--format jpg --quality 95"; do
    name=${enc%%:*} flags=${enc#*:}
    out="$WORK/g_$f"
    rm -rf "$out"
    read -r wall cpu _ < <(timed "$SYNTHUB" generate --family $f --categories "${KEYED[1]}" \
      --images "${KEYED[3]}" --threads 1 --shard-size 1000 --quiet $flags --out "$out")
    echo "$name|$cpu|$(cat "$out"/*.tar | wc -c)" >> "$WORK/$f.e2e"
  done
done

for f in $FAMILIES; do
  case $f in ofdb|1p-frac) ;; *) continue ;; esac
  "$FB" $f --images $IFS_IMAGES --csv-dir "$WORK/$f.csv" > "$WORK/$f.json"
  if [ $f = ofdb ]; then
    csvs=$(ls "$WORK/$f.csv"/*.csv | head -$IFS_PY_IMAGES)
    "$PY" "$ROOT/bench/ifs_python.py" --family ofdb --size 362 --points 200000 $csvs > "$WORK/$f.py.json"
  else
    "$PY" "$ROOT/bench/ifs_python.py" --family 1p-frac --size 512 --points 100000 \
      --images $IFS_PY_IMAGES "$WORK/$f.csv/base.csv" > "$WORK/$f.py.json"
  fi
  # End to end, 1 thread, the family's default encoding, E2E_IMAGES images
  # (OFDB from the published FractalDB-1k CSVs, so no search is timed;
  # 1p-frac with its class sampling, fill-rate redraws included).
  out="$WORK/g_$f"
  params=()
  [ $f = ofdb ] && params=(--params "$ROOT/tests/data/fractaldb-1k-published-params")
  read -r wall cpu _ < <(timed "$SYNTHUB" generate --family $f --categories $E2E_IMAGES \
    "${params[@]}" --threads 1 --shard-size 1000 --quiet --out "$out")
  echo "default|$cpu|$(cat "$out"/*.tar | wc -c)|$E2E_IMAGES" > "$WORK/$f.e2e"
done

echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" "$ROOT/bench/families_report.py" "$WORK" $FAMILIES
