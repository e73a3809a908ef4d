#!/usr/bin/env bash
# End-to-end tests of the 3D families (MV-FractalDB, ExFractalDB, 3D-OFDB):
#  - generate, verify, inspect --contact-sheet for each family;
#  - 1 thread == 2 threads == --shards 0/2 + 1/2 == 2 MPI ranks, byte for byte;
#  - render:DIR (the loader's on-the-fly source) gives the shards' pixels;
#  - --clouds with-images / only: <key>.npy members numpy loads (float32
#    N x 3), GNU tar lists, and whose projection (synthub project) is the
#    shards' images; a clouds-only dataset lists cls + npy and is refused by
#    the image loader, render: and the contact sheet with a message;
#  - bad input: --views 0, an impossible --variance (bounded, with progress),
#    a parameter CSV and a cloud with NaN, a 3D flag for FractalDB;
#  - hub: publish, materialize --regenerate, verified and byte-identical
#    (each family, and datasets with clouds).
# Usage: fractal3d_test.sh path/to/synthub [python module folder]
# Prints "ok - ..." / "FAIL - ..."; exits 1 if any check failed.
set -uo pipefail
SYNTHUB=$(readlink -f "$1")
PYMODULE=$(readlink -f "${2:-$(dirname "$SYNTHUB")/python}")
source "$(dirname "$0")/lib.sh"
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
WORK=$(new_work_dir fractal3d)
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"
use_private_binaries
export HOME="$WORK/home" XDG_CACHE_HOME= SYNTHUB_HUB=
PY=/usr/bin/python3  # Debian's numpy and PIL

"$SYNTHUB" generate --help >help.txt 2>&1
for flag in --variance --max-trials --weight-rows --views --view-jitter --point-size --clouds; do
  check "generate --help lists $flag" grep -q -- "$flag" help.txt
done

# --- 1. each family: any thread / process / rank count, same bytes -----------
declare -A ARGS=(
  [mv-fractaldb]="--categories 3 --weight-rows 25 --views 2 --size 64"
  [exfractaldb]="--categories 3 --weight-rows 25 --images 10 --size 64"
  [3d-ofdb]="--categories 5 --views 4 --size 64"
)
declare -A SAMPLES=([mv-fractaldb]=150 [exfractaldb]=30 [3d-ofdb]=20)
for fam in mv-fractaldb exfractaldb 3d-ofdb; do
  # shellcheck disable=SC2206
  K=(--family "$fam" ${ARGS[$fam]} --seed 5 --shard-size 16)
  gen "k1_$fam" "${K[@]}" --threads 1 || continue
  check "$fam: ${SAMPLES[$fam]} samples" grep -q "\"num_samples\": ${SAMPLES[$fam]}" "k1_$fam/manifest.json"
  gen "k2_$fam" "${K[@]}" --threads 2 &&
    check "$fam: 1 thread == 2 threads" same_dataset "k1_$fam" "k2_$fam"
  gen "k3_$fam" "${K[@]}" --shards 1/2 && gen "k3_$fam" "${K[@]}" --shards 0/2 &&
    check "$fam: --shards 1/2 then 0/2 == one process" same_dataset "k1_$fam" "k3_$fam"
  if have_mpi; then
    "${MPIRUN[@]}" "$SYNTHUB" generate "${K[@]}" --threads 1 --quiet --out "k4_$fam" >"k4_$fam.log" 2>&1
    check "$fam: mpirun -np 2 == one process" same_dataset "k1_$fam" "k4_$fam"
  fi
  expect_exit 0 "$fam: verify passes" "0 problem" "$SYNTHUB" verify "k1_$fam"
  "$SYNTHUB" inspect "k1_$fam" --contact-sheet "sheet_$fam.png" >/dev/null 2>&1
  check "$fam: inspect --contact-sheet writes a PNG with the points on it" "$PY" -c "
import numpy as np
from PIL import Image
a = np.asarray(Image.open('sheet_$fam.png'))
assert (a == 255).any(), 'no white point on the sheet'
"
  if [ -d "$PYMODULE/synthub" ]; then
    check "$fam: render:DIR gives the shards' pixels (in order and shuffled on 2 workers)" \
      env PYTHONPATH="$PYMODULE" "$PY" "$TESTS_DIR/families_check.py" loader "k1_$fam" 64
  else
    echo "# no Python module in $PYMODULE: render:DIR not compared"
  fi
done
if [ -d k1_3d-ofdb ]; then
  gen seed6_3d-ofdb --family 3d-ofdb ${ARGS[3d-ofdb]} --seed 6 --shard-size 16 &&
    check "3d-ofdb: another --seed draws other views of the same categories" bash -c \
      "cmp -s k1_3d-ofdb/params.ustar seed6_3d-ofdb/params.ustar && ! cmp -s k1_3d-ofdb/3d-ofdb-000000.tar seed6_3d-ofdb/3d-ofdb-000000.tar"
fi

# --- the loader's one view per category per epoch (3D-OFDB's training) -------
if [ -d k1_3d-ofdb ]; then
  one_view() { "$SYNTHUB" load "$1" --shuffle global --one-view-per-category --image-size 16 \
    --batch-size 5 --workers 1 --epoch "$2" 2>/dev/null | grep -v '^#' | awk '{print $4}' | sort; }
  for e in 0 1 2; do one_view k1_3d-ofdb $e > "view$e.txt"; done
  check "--one-view-per-category: each of the 5 categories once per epoch" bash -c \
    "test \$(wc -l < view0.txt) = 5 && test \$(cut -c1-6 view0.txt | sort -u | wc -l) = 5"
  check "... another view of some category in the next epochs" bash -c \
    "! (cmp -s view0.txt view1.txt && cmp -s view0.txt view2.txt)"
  one_view render:k1_3d-ofdb 1 > view1r.txt
  check "... the same samples from render: as from the shards" cmp -s view1.txt view1r.txt
  expect_exit 2 "--one-view-per-category without --shuffle global is a usage error" "--shuffle global" \
    "$SYNTHUB" load k1_3d-ofdb --one-view-per-category
  if [ -d "$PYMODULE/synthub" ]; then
    check "Python: Loader(one_view_per_category=True) has one batch of 5 per epoch" \
      env PYTHONPATH="$PYMODULE" "$PY" -c "
import synthub
l = synthub.Loader('k1_3d-ofdb', shuffle='global', one_view_per_category=True, batch_size=5,
                   image_size=16, as_numpy=True)
assert len(l) == 1, len(l)
for batch, labels in l:
    assert sorted(int(x) for x in labels) == [0, 1, 2, 3, 4], labels
"
  fi
fi

# --- 2. point clouds as members -------------------------------------------------
if gen clouds_mv --family mv-fractaldb --categories 2 --weight-rows 1 --views 3 --size 64 \
     --view-jitter 0 --clouds with-images --seed 9; then
  tar tf clouds_mv/mv-fractaldb-000000.tar >members.txt
  check "--clouds with-images: GNU tar lists one .npy per instance beside 6 images" bash -c \
    "test \$(grep -c '\.npy$' members.txt) = 2 && test \$(grep -c '\.png$' members.txt) = 6"
  expect_exit 0 "--clouds with-images: verify passes" "0 problem" "$SYNTHUB" verify clouds_mv
  mkdir -p x && tar xf clouds_mv/mv-fractaldb-000000.tar -C x
  check "--clouds: numpy loads float32 (9999, 3) clouds, finite, centred as published" \
    "$PY" -c "
import glob, numpy as np
for f in glob.glob('x/*.npy'):
    a = np.load(f)
    assert a.dtype == np.float32 and a.shape == (9999, 3), (f, a.dtype, a.shape)
    assert np.isfinite(a).all() and np.abs(a.sum(0) / 10000).max() < 1e-3, f
"
  # Without jitter, view k of an instance is synthub project's view k of its cloud.
  "$SYNTHUB" project --cloud x/000001_00_000_0.npy --views 3 --size 64 --out proj >/dev/null
  check "the cloud's projection (synthub project) is the instance's 3 images" "$PY" -c "
import numpy as np
from PIL import Image
for k in range(3):
    a = np.asarray(Image.open(f'x/000001_00_00{k}_0.png'))
    b = np.asarray(Image.open(f'proj/view_00{k}.png'))
    assert a.shape == b.shape and (a == b).all() and a.any(), k
"
fi
if gen clouds_only --family 3d-ofdb --categories 3 --clouds only --seed 9; then
  tar tf clouds_only/3d-ofdb-000000.tar >members_only.txt
  check "--clouds only: 3 .npy members and no image" bash -c \
    "test \$(grep -c '\.npy$' members_only.txt) = 3 && ! grep -q '\.png$' members_only.txt"
  expect_exit 0 "--clouds only: verify passes" "0 problem" "$SYNTHUB" verify clouds_only
  check "--clouds only: the manifest lists the members every sample has: cls, npy" \
    "$PY" -c "import json; e = json.load(open('clouds_only/manifest.json'))['extensions']; assert e == ['cls', 'npy'], e"
  expect_exit 1 "--clouds only: render: is an error saying there are no images" "point clouds only" \
    "$SYNTHUB" load render:clouds_only --batch-size 3
  expect_exit 1 "--clouds only: loading the shards names a sample without an image" "has no image" \
    "$SYNTHUB" load clouds_only --batch-size 3
  expect_exit 1 "--clouds only: inspect --contact-sheet says there is nothing to show" "no sample has" \
    "$SYNTHUB" inspect clouds_only --contact-sheet sheet_only.png
  "$SYNTHUB" hub init HC >/dev/null 2>&1
  "$SYNTHUB" hub add clouds_only --hub HC --name alice/ofdb-clouds >/dev/null 2>&1
  "$SYNTHUB" hub materialize alice/ofdb-clouds --hub HC --to clouds_only_regen --regenerate \
    --quiet >mat_only.txt 2>&1
  check "--clouds only: hub materialize --regenerate verifies it byte for byte" bash -c \
    "grep -q 'verified 1 shards against the published SHA-256' mat_only.txt" &&
    check "... byte-identical dataset" same_dataset clouds_only clouds_only_regen
fi
if gen clouds_ex --family exfractaldb --categories 2 --weight-rows 25 --images 50 --size 32 \
     --clouds with-images --seed 9; then
  check "exfractaldb --clouds with-images: one .npy per instance (2 x 25) beside 100 images" \
    bash -c "tar tf clouds_ex/exfractaldb-000000.tar >members_ex.txt &&
      test \$(grep -c '\.npy$' members_ex.txt) = 50 && test \$(grep -c '\.png$' members_ex.txt) = 100"
fi

# --- 3. bad input -------------------------------------------------------------------
expect_exit 2 "--views 0 is a usage error naming --views" "--views" \
  "$SYNTHUB" generate --family mv-fractaldb --views 0 --out bad1
expect_exit 2 "--weight-rows 30 is a usage error" "--weight-rows" \
  "$SYNTHUB" generate --family exfractaldb --weight-rows 30 --out bad2
expect_exit 2 "--variance for FractalDB is refused" "--variance" \
  "$SYNTHUB" generate --family fractaldb --variance 0.1 --out bad3
expect_exit 2 "--images for mv-fractaldb (its images are instances x views) is refused" "--images" \
  "$SYNTHUB" generate --family mv-fractaldb --images 5 --out bad3
expect_exit 2 "--views for exfractaldb (random views) is refused" "--views" \
  "$SYNTHUB" generate --family exfractaldb --views 3 --out bad3
expect_exit 2 "a bad --search-mode names --search-mode" "--search-mode" \
  "$SYNTHUB" generate --family 3d-ofdb --search-mode sequential --out bad3
expect_exit 2 "a bad --point-color names the flag" "--point-color" \
  "$SYNTHUB" generate --family 3d-ofdb --point-color 12345 --out bad3
expect_exit 1 "an impossible --variance stops after --max-trials, naming the flags" "--max-trials" \
  timeout 120 "$SYNTHUB" generate --family 3d-ofdb --categories 2 --variance 0.9 --max-trials 5000 \
  --threads 1 --out bad4
check "... after reporting its progress" grep -q "5000 trials, none above --variance" err.txt
check "... and leaves no dataset behind" test ! -e bad4/manifest.json
mkdir -p nanparams
printf '0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.1,0.2,0.3,1\n' >nanparams/00000.csv
printf '0.1,0.2,nan,0.4,0.5,0.6,0.7,0.8,0.9,0.1,0.2,0.3,1\n' >nanparams/00001.csv
expect_exit 1 "a parameter CSV with NaN: an error naming the file" "00001.csv:1" \
  "$SYNTHUB" generate --family 3d-ofdb --categories 2 --params nanparams --out bad5
"$PY" -c "import numpy as np; a = np.zeros((5, 3), np.float32); a[3, 1] = np.nan; np.save('nan.npy', a)"
expect_exit 1 "project: a cloud with NaN names the file and the point" "nan.npy: point 3" \
  "$SYNTHUB" project --cloud nan.npy --out bad6
"$PY" -c "import numpy as np; np.save('ok.npy', np.zeros((5, 3), np.float32))"
expect_exit 2 "project --views 0 is a usage error" "--views" \
  "$SYNTHUB" project --cloud ok.npy --views 0 --out bad7
"$PY" -c "import numpy as np; np.save('f8.npy', np.zeros((5, 3)))"
expect_exit 1 "project: a float64 cloud is refused naming the file" "f8.npy: dtype" \
  "$SYNTHUB" project --cloud f8.npy --out bad8

# --- 4. hub: publish, regenerate, verify ---------------------------------------------
if [ -d k1_mv-fractaldb ] && [ -d clouds_mv ]; then
  "$SYNTHUB" hub init H >/dev/null 2>&1
  "$SYNTHUB" hub add k1_mv-fractaldb --hub H --name alice/mv3 --tag v1 >add_mv.txt 2>&1
  check "hub add publishes an mv-fractaldb dataset" grep -q "^alice/mv3@" add_mv.txt
  "$SYNTHUB" hub materialize alice/mv3@v1 --hub H --to mv_regen --regenerate --quiet >mat_mv.txt 2>&1
  check "materialize --regenerate: every shard verified against the published SHA-256" \
    grep -q "verified 10 shards against the published SHA-256" mat_mv.txt
  check "... byte-identical shards" same_dataset k1_mv-fractaldb mv_regen
  "$SYNTHUB" hub add clouds_mv --hub H --name alice/mv-clouds >/dev/null 2>&1
  "$SYNTHUB" hub materialize alice/mv-clouds --hub H --to clouds_regen --regenerate --quiet >mat_c.txt 2>&1
  check "a dataset with .npy clouds regenerates byte-identical" same_dataset clouds_mv clouds_regen
fi
declare -A NSHARDS=([exfractaldb]=2 [3d-ofdb]=2)  # 30 and 20 samples, 16 a shard
for fam in exfractaldb 3d-ofdb; do
  [ -d "k1_$fam" ] || continue
  "$SYNTHUB" hub init H >/dev/null 2>&1
  "$SYNTHUB" hub add "k1_$fam" --hub H --name "alice/$fam" >/dev/null 2>&1
  "$SYNTHUB" hub materialize "alice/$fam" --hub H --to "regen_$fam" --regenerate --quiet \
    >"mat_$fam.txt" 2>&1
  check "$fam: materialize --regenerate verifies every shard against the published SHA-256" \
    grep -q "verified ${NSHARDS[$fam]} shards against the published SHA-256" "mat_$fam.txt"
  check "$fam: ... byte-identical shards" same_dataset "k1_$fam" "regen_$fam"
done

finish
