# Sourced by the bench/*_run.sh scripts: ROOT, BUILD (the first argument, or
# build/), SYNTHUB, a WORK folder removed on exit, and `timed CMD...`, which
# runs CMD under bench/cputime.py (stdout to $WORK/o) and prints its last
# timing line. Usage: source "$(dirname "$0")/lib.sh" NAME "$@"
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(readlink -f "${2:-$ROOT/build}")
SYNTHUB=$BUILD/synthub
WORK=$(mktemp -d "/tmp/synthub_$1.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
timed() { python3 "$ROOT/bench/cputime.py" "$@" 2>"$WORK/t" >"$WORK/o"; tail -1 "$WORK/t"; }
