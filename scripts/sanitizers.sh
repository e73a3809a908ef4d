#!/usr/bin/env bash
# The sanitizer builds run the tests, and the fuzz targets run from their
# committed seed corpora; any report fails the script. Called by .ci/run
# after the main tests (docs/reliability.md has the figures). Needs
# scripts/install-deps.sh.
#   ThreadSanitizer: the loader, thread-pool and generator-search unit tests, the generate
#     CLI on 2 threads (== 1 thread, byte for byte), and the hub server and
#     pull client under concurrent load (tests/hub_load_test.sh), on SQLite and
#     on PostgreSQL.
#   AddressSanitizer + UBSan: every unit test, the CLI, hub and hub-server
#     end-to-end tests and the hub load test (the hub server's on both
#     catalogues); every process writes reports to
#     one folder, which must stay empty.
#   libFuzzer (clang): tar_reader, parsers, hub; FUZZ_SECONDS each (60).
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
LOAD_SECONDS=${LOAD_SECONDS:-8}
work=$(mktemp -d /tmp/synthub_sanitizers.XXXXXX)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
stage() { echo "sanitizers: $1 ($((SECONDS - start)) s)"; }

# --- ThreadSanitizer ------------------------------------------------------------
cmake --preset tsan >/dev/null
cmake --build --preset tsan --target synthub_tests synthub
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
build-tsan/tests/synthub_tests --gtest_brief=1 \
  --gtest_filter='Loader*:EpochPlan*:Parallel*:SearchNumpyTest.ThreadCount*:SearchKeyed*'
GEN=(generate --categories 8 --size 32 --points 2000 --draws 2 --shard-size 16 --instances-per-category 16
     --search-mode keyed --search-size 48 --search-points 8000 --seed 3 --quiet)
build-tsan/synthub "${GEN[@]}" --threads 2 --out "$work/gen2" >/dev/null
build-tsan/synthub "${GEN[@]}" --threads 1 --out "$work/gen1" >/dev/null
for f in "$work"/gen1/*.tar "$work"/gen1/manifest.json; do cmp "$f" "$work/gen2/$(basename "$f")"; done
build-tsan/synthub verify "$work/gen2" >/dev/null
stage "TSan: generate on 2 threads == 1 thread, no report"
bash tests/hub_load_test.sh build-tsan/synthub "$LOAD_SECONDS" | grep -v '^ok'
# ... and on a PostgreSQL catalogue (a throwaway server for the run).
SYNTHUB_HUB_BACKEND=postgresql scripts/with-postgres.sh \
  bash tests/hub_load_test.sh build-tsan/synthub "$LOAD_SECONDS" | grep -v '^ok'
stage "TSan: loader, search, generate, hub server + pull under load passed"
unset TSAN_OPTIONS

# --- AddressSanitizer + UBSan ---------------------------------------------------------
cmake --preset asan >/dev/null
cmake --build --preset asan --target synthub_tests synthub
reports=$work/reports && mkdir -p "$reports"
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1" UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1"
build-asan/tests/synthub_tests --gtest_filter='-*ReproducesPublished*' --gtest_brief=1
SYNTHUB_TEST_NO_MPI=1 bash tests/cli_test.sh build-asan/synthub | tail -1
stage "ASan+UBSan: unit and CLI tests"
SYNTHUB_TEST_NO_MPI=1 bash tests/hub_test.sh build-asan/synthub | tail -1
bash tests/hub_server_test.sh build-asan/synthub | tail -1
bash tests/hub_load_test.sh build-asan/synthub "$LOAD_SECONDS" | tail -1
SYNTHUB_HUB_BACKEND=postgresql scripts/with-postgres.sh bash -c \
  "bash tests/hub_server_test.sh build-asan/synthub | tail -1 &&
   bash tests/hub_load_test.sh build-asan/synthub $LOAD_SECONDS | tail -1"
if [ -n "$(ls -A "$reports")" ]; then
  head -60 "$reports"/*
  echo "sanitizers: ASan/UBSan reports above ($(ls "$reports" | wc -l) file(s))"
  exit 1
fi
unset ASAN_OPTIONS UBSAN_OPTIONS
stage "ASan+UBSan: unit, CLI, hub, hub server and hub load tests, 0 reports"

# --- libFuzzer ---------------------------------------------------------------------------
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target tar_reader_fuzz parsers_fuzz hub_fuzz decode_fuzz
artifacts=$(mktemp -d /tmp/synthub_fuzz.XXXXXX)
for target in tar_reader parsers hub decode; do
  corpus=$work/corpus_$target && mkdir -p "$corpus"
  # decode: an image just under the decoders' 2^28-pixel limit is 768 MiB as RGB, and the
  # target decodes it twice (whole, then the loader's path): peaks of 1.9 GB were measured.
  rss=2048 && [ "$target" = decode ] && rss=4096
  if ! build-fuzz/fuzz/${target}_fuzz "$corpus" fuzz/corpus/$target -max_total_time="$FUZZ_SECONDS" \
      -max_len=65536 -rss_limit_mb=$rss -print_final_stats=1 -artifact_prefix="$artifacts/" \
      > "$artifacts/$target.log" 2>&1; then
    tail -40 "$artifacts/$target.log"
    echo "sanitizers: fuzz target $target failed; the input is in $artifacts (add it to fuzz/corpus/$target as a regression seed once fixed)"
    exit 1
  fi
  echo "$target: $(grep -E '^Done' "$artifacts/$target.log")" \
    "$(grep -E '^stat::(new_units_added|peak_rss_mb)' "$artifacts/$target.log" | tr '\n' ' ')"
done
rm -rf "$artifacts"
stage "TSan and ASan+UBSan tests passed with 0 reports; tar reader, parsers, hub and image decoding fuzzed for ${FUZZ_SECONDS} s each without a crash"
