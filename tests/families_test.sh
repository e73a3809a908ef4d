#!/usr/bin/env bash
# End-to-end tests of the families after FractalDB (VisualAtom, RCDB, 1p-frac):
#  - reference mode (--reference-layout P) renders the published scripts' images
#    pixel for pixel (tests/contour_published.py re-implements them), and
#    render:DIR gives the shards' pixels;
#  - keyed mode: 1 thread == 2 threads == 2 MPI ranks == 2 processes, verify,
#    inspect --contact-sheet;
#  - RCDB --masks: 16-bit class-id masks beside the images;
#  - bad flags exit 2 naming the flag and leave an existing dataset untouched;
#  - hub: publish, materialize --regenerate, SHA-256 verified, identical shards.
# Usage: families_test.sh path/to/synthub [python module folder]
# Prints "ok - ..." / "FAIL - ..."; exits 1 if any check failed.
set -uo pipefail
SYNTHUB=$(readlink -f "$1")
PYMODULE=$(readlink -f "${2:-$(dirname "$SYNTHUB")/python}")
source "$(dirname "$0")/lib.sh"
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
WORK=$(new_work_dir families)
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"
use_private_binaries
export HOME="$WORK/home" XDG_CACHE_HOME= SYNTHUB_HUB=
PY=/usr/bin/python3  # Debian's: python3-noise and python3-pil
CHECK=("$PY" "$TESTS_DIR/families_check.py")
PUBLISHED=("$PY" "$TESTS_DIR/contour_published.py")
folder_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }

# --- the feature is there ------------------------------------------------------
"$SYNTHUB" generate --help >help.txt 2>&1
for flag in --family --images --reference-layout --vertices --orbits --masks --delta; do
  check "generate --help lists $flag" grep -q -- "$flag" help.txt
done
if ! grep -q -- "--family" help.txt; then
  echo "# generate has no --family: the families are not built in; nothing else to test"
  finish; exit $?
fi

# --- 1. reference mode: the published scripts' pixels --------------------------
# 6 classes in 2 processes: classes 0..2 from random.seed(1), 3..5 from
# random.seed(2). Classes 1 and 4 are not the first of their block: reaching
# them replays the stream through the class before.
ONLY=0:0,0:2,1:0,1:1,1:2,4:0,4:1,4:2,5:2
for fam in visualatom rcdb; do
  REF=(--family "$fam" --categories 6 --images 3 --reference-layout 2 --size 512)
  if gen "ref_$fam" "${REF[@]}" --shard-size 4; then
    check "$fam reference: 18 samples" grep -q '"num_samples": 18' "ref_$fam/manifest.json"
    "${PUBLISHED[@]}" --family "$fam" --classes 6 --instances 3 --processes 2 --size 512 \
      --only "$ONLY" --out "pub_$fam" >/dev/null
    check "$fam reference: classes 0, 1, 4, 5 identical to the published script's pixels" \
      "${CHECK[@]}" pixels "ref_$fam" "pub_$fam"
    "${PUBLISHED[@]}" --family "$fam" --classes 6 --instances 3 --processes 2 --size 512 \
      --params categories >"pub_$fam.csv"
    check "$fam reference: categories.csv holds the published script's class draws" \
      "${CHECK[@]}" params "ref_$fam" "pub_$fam.csv"
    check "$fam reference: verify passes" "$SYNTHUB" verify "ref_$fam"
    if [ -d "$PYMODULE/synthub" ]; then
      check "$fam reference: render:DIR gives the shards' pixels" \
        env PYTHONPATH="$PYMODULE" "${CHECK[@]}" loader "ref_$fam" 512
    else
      echo "# no Python module in $PYMODULE: render:DIR not compared"
    fi
    gen "ref2_$fam" "${REF[@]}" --shard-size 4 --threads 2 &&
      check "$fam reference: 2 threads == 1" same_dataset "ref_$fam" "ref2_$fam"
    if [ "$fam" = rcdb ]; then  # the published order split over processes and ranks
      gen ref3_rcdb "${REF[@]}" --shard-size 4 --shards 1/2 && gen ref3_rcdb "${REF[@]}" --shard-size 4 --shards 0/2 &&
        check "rcdb reference: --shards 1/2 then 0/2 == one process" same_dataset ref_rcdb ref3_rcdb
      if have_mpi; then
        "${MPIRUN[@]}" "$SYNTHUB" generate "${REF[@]}" --shard-size 4 --threads 1 --quiet --out ref4_rcdb >ref4_rcdb.log 2>&1
        check "rcdb reference: mpirun -np 2 == one process" same_dataset ref_rcdb ref4_rcdb
      fi
    fi
  fi
done

# --- 2. keyed mode: any thread / process / rank count, same bytes ----------------
for fam in visualatom rcdb 1p-frac; do
  K=(--family "$fam" --categories 4 --images 3 --size 96 --shard-size 5 --seed 7)
  gen "k1_$fam" "${K[@]}" --threads 1 || continue
  check "$fam keyed: 12 samples" grep -q '"num_samples": 12' "k1_$fam/manifest.json"
  gen "k2_$fam" "${K[@]}" --threads 2 &&
    check "$fam keyed: 1 thread == 2 threads" same_dataset "k1_$fam" "k2_$fam"
  gen "k3_$fam" "${K[@]}" --shards 0/2 && gen "k3_$fam" "${K[@]}" --shards 1/2 &&
    check "$fam keyed: --shards 0/2 + 1/2 == one process" same_dataset "k1_$fam" "k3_$fam"
  if have_mpi; then
    "${MPIRUN[@]}" "$SYNTHUB" generate "${K[@]}" --threads 1 --quiet --out "k4_$fam" >"k4_$fam.log" 2>&1
    check "$fam keyed: mpirun -np 2 == one process" same_dataset "k1_$fam" "k4_$fam"
  fi
  expect_exit 0 "$fam keyed: verify passes" "0 problem" "$SYNTHUB" verify "k1_$fam"
  "$SYNTHUB" inspect "k1_$fam" --contact-sheet "sheet_$fam.png" >/dev/null 2>&1
  check "$fam keyed: inspect --contact-sheet writes a PNG" \
    bash -c "head -c 8 sheet_$fam.png | cmp -s - <(printf '\x89PNG\r\n\x1a\n')"
done
if [ -d "$PYMODULE/synthub" ] && [ -d k1_visualatom ]; then
  check "visualatom keyed: render:DIR gives the shards' pixels" \
    env PYTHONPATH="$PYMODULE" "${CHECK[@]}" loader k1_visualatom 96
fi

# --- 3. RCDB --masks -----------------------------------------------------------
if gen mk_rcdb --family rcdb --categories 3 --images 2 --size 96 --shard-size 4 --seed 2 --masks; then
  check "rcdb --masks: GNU tar lists a .mask.png per image" bash -c \
    "tar tf mk_rcdb/*000000.tar > members.txt && test \$(grep -c '\.mask\.png$' members.txt) = 4 && \
     test \$(grep -c '_0\.png$' members.txt) = 4"
  check "rcdb --masks: 16-bit, {0, category+1}, nonzero wherever a line shows" \
    "${CHECK[@]}" masks mk_rcdb 255
  check "rcdb --masks: verify passes" "$SYNTHUB" verify mk_rcdb
fi
if gen mkref_rcdb --family rcdb --categories 6 --images 3 --reference-layout 2 --size 512 --masks; then
  "${PUBLISHED[@]}" --family rcdb --classes 6 --instances 3 --processes 2 --size 512 \
    --only 1:0,4:2 --masks --out pubmask >/dev/null
  check "rcdb reference --masks: the masks are the published lines' pixels" \
    "${CHECK[@]}" masks mkref_rcdb 255 pubmask
  check "rcdb reference --masks: the images are unchanged" "${CHECK[@]}" pixels mkref_rcdb pubmask
fi

# --- 4. bad input: exit 2 naming the flag, an existing dataset untouched ---------
if [ -d k1_visualatom ]; then
  cp -a k1_visualatom exist
  before=$(folder_sum exist)
  bad() { expect_exit 2 "$1" "$2" "$SYNTHUB" generate "${@:3}" --quiet --out exist; }
  # A refused value: the flag is known to this family, its value is not.
  bad_value() {
    bad "$@"
    if grep -q "unknown flag\|unknown family" err.txt; then fail "$1: refused as unknown, not for its value"; fi
  }
  bad_value "inverted --vertices" --vertices --family visualatom --vertices 50..10
  bad_value "--vertices 0..0" --vertices --family visualatom --vertices 0..0
  bad_value "--orbits 0..0" --orbits --family rcdb --orbits 0..0
  bad_value "--delta 1" --delta --family 1p-frac --delta 1
  bad "unknown preset" --preset --preset nope
  bad "unknown family" --family --family nope
  bad_value "--reference-layout 4 does not divide 6 categories" --reference-layout \
    --family visualatom --categories 6 --reference-layout 4
  bad "a contour flag for FractalDB" --vertices --family fractaldb --vertices 3..10
  bad "--masks for FractalDB" --masks --family fractaldb --masks
  bad "--masks for VisualAtom" --masks --family visualatom --masks
  bad "--delta for VisualAtom" --delta --family visualatom --delta 0.1
  bad "--frequency for RCDB" --frequency --family rcdb --frequency 0..20
  bad "--family and --preset disagree" "--preset\|--family" --family visualatom --preset rcdb-1k
  check "the existing dataset is untouched after the refusals" test "$(folder_sum exist)" = "$before"
fi

# --- 5. hub: publish, regenerate, verify ------------------------------------------
if [ -d k1_visualatom ] && [ -d ref_rcdb ]; then
  "$SYNTHUB" hub init H >/dev/null 2>&1
  "$SYNTHUB" hub add k1_visualatom --hub H --name alice/va4 --tag v1 >add_va.txt 2>&1
  check "hub add publishes a keyed visualatom dataset" grep -q "^alice/va4@" add_va.txt
  "$SYNTHUB" hub materialize alice/va4@v1 --hub H --to va_regen --regenerate --quiet >mat_va.txt 2>&1
  check "materialize --regenerate: every shard verified against the published SHA-256" \
    grep -q "verified 3 shards against the published SHA-256" mat_va.txt
  check "... byte-identical shards" same_dataset k1_visualatom va_regen
  "$SYNTHUB" hub add ref_rcdb --hub H --name alice/rcdb-ref >add_rc.txt 2>&1
  "$SYNTHUB" hub materialize alice/rcdb-ref --hub H --to rc_regen --regenerate --quiet >mat_rc.txt 2>&1
  check "a reference-mode rcdb dataset regenerates, verified and byte-identical" bash -c \
    "grep -q 'verified 5 shards against the published SHA-256' mat_rc.txt && \
     for f in ref_rcdb/*.tar; do cmp -s \$f rc_regen/\$(basename \$f) || exit 1; done"
fi

finish
