#!/usr/bin/env bash
# The loader and generator tests under ThreadSanitizer, and the tar-reader
# fuzz target for a bounded time (clang's libFuzzer) from the committed
# seed corpus. Called by .ci/run after the main tests. Needs scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
cmake --preset tsan >/dev/null
cmake --build --preset tsan --target synthub_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build-tsan/tests/synthub_tests \
  --gtest_filter='Loader*:EpochPlan*:SearchNumpyTest.ThreadCount*:SearchKeyed*'
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target tar_reader_fuzz
corpus=$(mktemp -d)
build-fuzz/fuzz/tar_reader_fuzz "$corpus" fuzz/corpus/tar_reader -max_total_time="$FUZZ_SECONDS" \
  -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 2>&1 | tail -12
rm -rf "$corpus"
echo "sanitizers: ThreadSanitizer tests passed, tar reader fuzzed for ${FUZZ_SECONDS} s without a crash"
