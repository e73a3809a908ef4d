#!/usr/bin/env bash
# The loader and generator tests under ThreadSanitizer, every test under
# AddressSanitizer + UBSan, and the tar-reader and parser fuzz targets for a
# bounded time (clang's libFuzzer) from the committed seed corpora. Called by
# .ci/run after the main tests. Needs scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
cmake --preset tsan >/dev/null
cmake --build --preset tsan --target synthub_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/tests/synthub_tests \
  --gtest_filter='Loader*:EpochPlan*:SearchNumpyTest.ThreadCount*:SearchKeyed*'
# AddressSanitizer + UBSan: the unit tests (the minute-long bit-exact search is
# covered by the main run) and the end-to-end CLI tests (no MPI in this build).
cmake --preset asan >/dev/null
cmake --build --preset asan --target synthub_tests synthub
build-asan/tests/synthub_tests --gtest_filter='-*ReproducesPublished*' --gtest_brief=1
SYNTHUB_TEST_NO_MPI=1 bash tests/cli_test.sh build-asan/synthub | tail -3
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target tar_reader_fuzz parsers_fuzz
artifacts=$(mktemp -d)
for target in tar_reader parsers; do
  corpus=$(mktemp -d)
  if ! build-fuzz/fuzz/${target}_fuzz "$corpus" fuzz/corpus/$target -max_total_time="$FUZZ_SECONDS" \
      -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
      > "$artifacts/$target.log" 2>&1; then
    tail -40 "$artifacts/$target.log"
    echo "sanitizers: fuzz target $target failed; the input is in $artifacts (add it to fuzz/corpus/$target as a regression seed once fixed)"
    exit 1
  fi
  grep -E "^(Done|stat::(number_of_executed_units|new_units_added|peak_rss_mb))" "$artifacts/$target.log"
  rm -rf "$corpus"
done
echo "sanitizers: TSan and ASan+UBSan tests passed; tar reader and parsers fuzzed for ${FUZZ_SECONDS} s each without a crash"
