#!/usr/bin/env bash
# Measures the 3D families (MV-FractalDB, ExFractalDB, 3D-OFDB) per CPU core
# in one run: synthub's stages and its family renderers
# (bench/fractal3d_bench.cc) against the PNG decode of the same views (the
# goal: a view from a cached cloud costs less than its decode), against the
# naive C++ transcription of the published pipeline (naive_fractal3d.cc) and
# the published pipeline in Python (bench/fractal3d_python.py) on the same
# categories, then generate end to end into shards. Prints a Markdown report
# (bench/fractal3d_report.py; docs/benchmarks.md, "3D families", records one).
# Usage: bench/fractal3d_run.sh [build-dir]   (a Release build with the
# synthub and synthub_fractal3d_bench targets; about 2 minutes on 2 cores).
# Python: /usr/bin/python3 with Debian's numpy and python3-pil.
source "$(dirname "$0")/lib.sh" fractal3d "${1:-}"
CATEGORIES=4
echo "### synthub 3D families benchmark — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD/bench/synthub_fractal3d_bench" --categories $CATEGORIES --csv-dir "$WORK/csv" \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_out="$WORK/cc.json" --benchmark_out_format=json > "$WORK/cc.txt" 2>&1
/usr/bin/python3 "$ROOT/bench/fractal3d_python.py" --rows 0,6,72,144 "$WORK"/csv/*.csv \
  > "$WORK/py.json"
# End to end into PNG shards, one thread, search included: mv-fractaldb
# (145 instances x 12 views per category), exfractaldb (1,000 random views
# per category) and 3d-ofdb (one instance x 12 views: the search dominates).
for run in "mv-fractaldb $CATEGORIES" "exfractaldb $CATEGORIES" "3d-ofdb 20"; do
  read -r fam cats <<< "$run"
  read -r _ cpu _ < <(timed "$SYNTHUB" generate --family $fam --categories $cats --threads 1 \
    --quiet --out "$WORK/g_$fam")
  n=$(grep -o '"num_samples": [0-9]*' "$WORK/g_$fam/manifest.json" | grep -o '[0-9]*$')
  echo "$fam $cats $cpu $(cat "$WORK/g_$fam"/*.tar | wc -c) $n" >> "$WORK/e2e.txt"
done
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 "$ROOT/bench/fractal3d_report.py" "$WORK"
