#!/usr/bin/env bash
# Fault injection: kill -9 the generator and the trainer at random moments,
# KILLS times each, restarting after every kill; the finished result must be
# byte-identical to an uninterrupted run. Usage: kill_loop_test.sh SYNTHUB [KILLS]
# (ctest runs it with a few kills; docs/reliability.md quotes a 20-kill run).
set -uo pipefail
SYNTHUB=$(readlink -f "$1")
source "$(dirname "$0")/lib.sh"
KILLS=${2:-5}
WORK=$(new_work_dir kills)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
RANDOM=7  # reproducible kill times
# run_with_kills NAME DONE_FILE CMD...: start CMD, kill -9 it after a random
# 0.1-0.9 s, KILLS times (or until it finishes), then let it finish.
run_with_kills() {
  local name=$1 done_file=$2; shift 2
  local kills=0
  while [ $kills -lt "$KILLS" ]; do
    "$@" >/dev/null 2>>"$name.log" &
    local pid=$!
    sleep "$(printf '0.%d' $((RANDOM % 9 + 1)))"
    if kill -9 $pid 2>/dev/null; then kills=$((kills+1)); fi
    wait $pid 2>/dev/null
    [ -e "$done_file" ] && break
  done
  "$@" >/dev/null 2>>"$name.log" || { fail "$name: the final run failed: $(tail -3 "$name.log")"; return 1; }
  echo "# $name: $kills kills survived"
}

# --- generator -----------------------------------------------------------------
GEN=(generate --categories 64 --size 128 --points 60000 --draws 4 --shard-size 40 --search-mode keyed
     --search-size 128 --search-points 20000 --seed 9 --threads 2 --quiet)
"$SYNTHUB" "${GEN[@]}" --out ref >/dev/null 2>&1
run_with_kills generate killed/manifest.json "$SYNTHUB" "${GEN[@]}" --out killed
same=1
for f in ref/*.tar ref/manifest.json ref/params.ustar; do cmp -s "$f" "killed/$(basename "$f")" || same=0; done
[ $same = 1 ] && ok "generate: killed and resumed == uninterrupted, byte for byte" || fail "generate: output differs"
"$SYNTHUB" verify killed >/dev/null 2>&1 && ok "generate: verify passes after the kills" || fail "generate: verify"
[ -z "$(find killed -name '*.tmp*' -o -name '.*.partial' 2>/dev/null)" ] && ok "generate: no temporaries left" \
  || fail "generate: temporaries left: $(find killed -name '*.tmp*' | head -3)"

# --- trainer -------------------------------------------------------------------
"$SYNTHUB" generate --categories 6 --size 16 --points 2000 --draws 2 --shard-size 24 --instances-per-category 24 \
  --search-mode keyed --search-size 48 --search-points 8000 --seed 2 --quiet --out six >/dev/null 2>&1
TRAIN=(pretrain --data six --model vit_custom --img-size 16 --patch 4 --depth 2 --dim 32 --heads 2
       --threads 1 --workers 1 --epochs 12 --batch-size 16 --log-every 1 --save-every 1)
"$SYNTHUB" "${TRAIN[@]}" --out run_ref >/dev/null 2>&1
run_with_kills pretrain run_killed/model.safetensors "$SYNTHUB" "${TRAIN[@]}" --out run_killed --resume
cmp -s run_ref/model.safetensors run_killed/model.safetensors \
  && ok "pretrain: killed and resumed == uninterrupted (model.safetensors byte for byte)" \
  || fail "pretrain: final weights differ"
cmp -s run_ref/train_state.safetensors run_killed/train_state.safetensors \
  && ok "pretrain: the same final training state" || fail "pretrain: final state differs"
python3 - run_ref/metrics.jsonl run_killed/metrics.jsonl <<'PY' && ok "pretrain: metrics.jsonl has each step once, the same losses" || fail "pretrain: metrics differ"
import json, sys
def steps(p): return [(d["step"], d["loss"]) for d in map(json.loads, open(p)) if d["kind"] == "train"]
a, b = steps(sys.argv[1]), steps(sys.argv[2])
sys.exit(0 if a == b else 1)
PY

finish
