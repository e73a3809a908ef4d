#!/usr/bin/env bash
# One thread against two: wall and CPU seconds (user + sys) of the CLI with
# --threads 1 and --threads 2 on the same work, and the ratios. Two threads
# should cost at most about 10% more CPU than one and take well under its wall
# time. Usage: bench/threads_run.sh [build-dir] (bench/run.sh calls it).
# Needs a Release build; about 2.5 minutes on 2 cores. Reads nothing outside
# its temporary folder.
source "$(dirname "$0")/lib.sh" threads_bench "${1:-}"

# name|command line (without --threads and --out)
runs=(
  "search FractalDB-1k (numpy, 42,655 trials)|search --categories 1000 --seed 1 --quiet"
  "generate 20 keyed categories, 362^2, 200k points, 2 draws (800 PNGs)|generate --categories 20 --size 362 --points 200000 --draws 2 --search-mode keyed --quiet"
)
echo "| command | 1 thread wall s | 1 thread CPU s | 2 threads wall s | 2 threads CPU s | CPU 2/1 | wall 2/1 | same output |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for run in "${runs[@]}"; do
  IFS='|' read -r label cmd <<<"$run"
  # shellcheck disable=SC2086
  read -r w1 c1 _ < <(timed "$SYNTHUB" $cmd --threads 1 --out "$WORK/t1")
  # shellcheck disable=SC2086
  read -r w2 c2 _ < <(timed "$SYNTHUB" $cmd --threads 2 --out "$WORK/t2")
  same=no
  if [ -f "$WORK/t1/manifest.json" ]; then
    cmp -s "$WORK/t1/manifest.json" "$WORK/t2/manifest.json" && same=yes
  else
    diff -r -x search.json "$WORK/t1" "$WORK/t2" >/dev/null && same=yes
  fi
  python3 -c "print(f'| $label | {$w1:.1f} | {$c1:.1f} | {$w2:.1f} | {$c2:.1f} | {$c2/$c1:.2f} | {$w2/$w1:.2f} | $same |')"
  rm -rf "$WORK/t1" "$WORK/t2"
done
