# Helpers shared by the shell tests (tests/*.sh). Each script sources it:
#   source "$(dirname "$0")/lib.sh"
# Every check prints "ok - NAME" or "FAIL - NAME" and is counted;
# `finish` prints the totals and fails if any check failed.

passed=0; failed=0
ok()   { echo "ok - $1"; passed=$((passed+1)); }
fail() { echo "FAIL - $1"; failed=$((failed+1)); }

# check NAME CMD...: ok when CMD succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

# expect_exit CODE NAME PATTERN CMD...: ok when CMD exits with CODE and
# PATTERN (grep) is in its stderr or stdout, which it leaves in err.txt and
# out.txt in the current folder.
expect_exit() {
  local code=$1 name=$2 pattern=$3; shift 3
  "$@" >out.txt 2>err.txt; local rc=$?
  if [ "$rc" = "$code" ] && grep -q -- "$pattern" err.txt out.txt; then ok "$name"
  else fail "$name (exit $rc, wanted $code; stderr: $(tail -c 400 err.txt))"; fi
}

# finish: prints "# P passed, F failed"; its status is the script's result.
finish() { echo "# $passed passed, $failed failed"; [ "$failed" = 0 ]; }

# new_work_dir NAME: makes and prints a new folder $TMPDIR/synthub_NAME.XXXXXX
# (/tmp when TMPDIR is unset); the script removes it in its EXIT trap.
new_work_dir() { mktemp -d "${TMPDIR:-/tmp}/synthub_$1.XXXXXX"; }

# use_private_binaries: copies $SYNTHUB, and synthub-train beside it (pretrain
# runs it from the same folder), into $WORK and points SYNTHUB at the copy, so
# that a rebuild of the tree while the test runs cannot swap the binaries.
use_private_binaries() {
  local train_exe
  train_exe=$(dirname "$SYNTHUB")/synthub-train
  cp "$SYNTHUB" "$WORK/synthub-under-test" && SYNTHUB=$WORK/synthub-under-test
  if [ -x "$train_exe" ]; then cp "$train_exe" "$WORK/synthub-train"; fi
}

# same_dataset A B: the two dataset folders hold byte-identical manifests and shards.
same_dataset() { [ -f "$1/manifest.json" ] && [ -f "$2/manifest.json" ] && cmp -s "$1/manifest.json" "$2/manifest.json" && for f in "$1"/*.tar; do cmp -s "$f" "$2/$(basename "$f")" || return 1; done; }

# Two MPI ranks on this machine (as root, over loopback TCP); have_mpi: mpirun
# is there and SYNTHUB_TEST_NO_MPI is unset.
MPIRUN=(mpirun --allow-run-as-root --oversubscribe -np 2 --mca btl self,tcp --mca btl_tcp_if_include lo)
have_mpi() { [ -z "${SYNTHUB_TEST_NO_MPI:-}" ] && command -v mpirun >/dev/null; }

# gen NAME ARGS...: $SYNTHUB generate ARGS --quiet --out NAME (log in NAME.log);
# a failure is reported with its message (so a missing feature reads as one)
# and returns 1.
gen() {
  local out=$1 rc; shift
  "$SYNTHUB" generate "$@" --quiet --out "$out" >"$out.log" 2>&1; rc=$?
  [ "$rc" = 0 ] && return 0
  fail "generate $* --out $out: exit $rc: $(tail -c 300 "$out.log")"
  return 1
}
