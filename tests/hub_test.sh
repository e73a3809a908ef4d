#!/usr/bin/env bash
# End-to-end tests of the hub store and CLI: init, add (datasets and models),
# ids, tags, list/search/show, lineage, refusals (names, tags, paths, pickle,
# damaged shards), and materialize by regeneration (byte-identical shards).
# Usage: hub_test.sh path/to/synthub. Prints "ok - ..." / "FAIL - ..."; exits 1
# if any check failed.
set -uo pipefail
SYNTHUB=$(readlink -f "$1")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hub_backend.sh"
WORK=$(new_work_dir hub)
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$WORK"
export HOME="$WORK/home" XDG_CACHE_HOME= SYNTHUB_HUB=
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
count_revisions() { "$SYNTHUB" hub list --hub H --json | wc -l; }
count_files() { find "$1" -type f | wc -l; }
H=(--hub H)

# --- init, a generated dataset, ids -------------------------------------------
expect_exit 0 "hub --help lists the commands" "materialize" "$SYNTHUB" hub --help
for c in init add list search show tag token materialize serve pull; do
  expect_exit 0 "hub $c --help exits 0" "usage: synthub hub $c" "$SYNTHUB" hub "$c" --help
done
expect_exit 2 "unknown hub command" "unknown hub command" "$SYNTHUB" hub frobnicate
expect_exit 1 "a folder that is not a hub is named" "not a hub" "$SYNTHUB" hub list --hub nowhere
hub_init H >init.txt 2>&1
check "hub init creates the store" bash -c "test -d H/blobs/sha256 -a -d H/tmp && grep -q 'hub ready' init.txt && \
  if [ $HUB_BACKEND = sqlite ]; then test -f H/hub.db -a ! -e H/hub.conf; else test ! -e H/hub.db && \
  grep -q '^catalogue = postgresql://' H/hub.conf && test \$(stat -c %a H/hub.conf) = 600 && grep -q 'PostgreSQL' init.txt; fi"
check "hub init again is fine" "$SYNTHUB" hub init H

"$SYNTHUB" generate --categories 4 --size 32 --points 2000 --draws 1 --shard-size 16 --search-mode keyed \
  --search-size 48 --search-points 8000 --quiet --out d >/dev/null 2>&1
check "a small dataset was generated" test -f d/manifest.json
"$SYNTHUB" hub add d "${H[@]}" --name alice/fractal4 --tag v1 >add1.txt 2>&1
check "hub add publishes the dataset" grep -q "^alice/fractal4@" add1.txt
ID=$(sed -n 's/^alice\/fractal4@\([0-9a-f]*\) .*/\1/p' add1.txt)
"$SYNTHUB" hub show alice/fractal4 "${H[@]}" --json >show1.json
python3 -c 'import json,sys; j=json.load(open("show1.json")); open("rev.json","w").write(j["manifest_json"])'
check "revision id = SHA-256 of the revision manifest" test "$(sha256sum rev.json | cut -c1-64)" = "$ID"
check "the revision manifest is canonical and lists the dataset's files" python3 -c '
import json
raw = open("rev.json").read(); m = json.loads(raw)
assert json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False) == raw
paths = [f["path"] for f in m["files"]]
assert paths == sorted(paths) and "manifest.json" in paths and "params.ustar" in paths and "preview.png" in paths
assert m["kind"] == "dataset" and m["meta"]["num_samples"] == 400 and m["meta"]["recipe"]["categories"] == 4
assert not any(p.startswith(".") for p in paths)'
check "the published manifest.json is the dataset's" python3 -c '
import json, hashlib
m = json.load(open("rev.json")); f = [f for f in m["files"] if f["path"] == "manifest.json"][0]
assert f["sha256"] == hashlib.sha256(open("d/manifest.json", "rb").read()).hexdigest()'
blobs_before=$(count_files H/blobs)
"$SYNTHUB" hub add d "${H[@]}" --name alice/fractal4 >add2.txt 2>&1
check "adding the same folder again gives the same id" grep -q "^alice/fractal4@$ID " add2.txt
check "... and stores no new blob" test "$(count_files H/blobs)" = "$blobs_before"
check "... nor a new revision" test "$(count_revisions)" = 1
check "tags latest and v1 point at it" python3 -c '
import json; j = json.load(open("show1.json")); assert sorted(j["tags"]) == ["latest", "v1"], j["tags"]'
check "the generated card has YAML front matter with licence and recipe hash" python3 -c '
import json; c = json.load(open("show1.json"))["card"]
assert c.startswith("---\n") and "license: \"cc-by-nc-4.0\"" in c and "recipe_sha256:" in c, c[:300]'
check "blobs are named by their SHA-256" bash -c "f=\$(find H/blobs -type f | head -1); test \"\$(sha256sum \$f | cut -c1-64)\" = \"\$(basename \$f)\""

# --- refusals: names, tags, paths, pickle, damaged shards ----------------------
for bad in "../evil" "alice/../x" "/abs/x" "Alice/x" "alice/x/y" "alice/.x" "alice/$(printf 'a%.0s' {1..70})"; do
  expect_exit 1 "bad name '${bad:0:20}' refused" "bad name\|bad owner" "$SYNTHUB" hub add d "${H[@]}" --name "$bad"
done
for bad in "../v1" "v/1" ".v" "$(printf 't%.0s' {1..70})" "v 1"; do
  expect_exit 1 "bad tag '${bad:0:20}' refused" "bad tag" "$SYNTHUB" hub add d "${H[@]}" --name alice/x --tag "$bad"
done
expect_exit 1 "a reference with a traversal is refused" "bad" "$SYNTHUB" hub show "alice/fractal4@../../x" "${H[@]}"
expect_exit 1 "a tag with a NUL-like escape is refused" "bad tag" "$SYNTHUB" hub tag "alice/fractal4@v1" $'v\x01' "${H[@]}"
cp -r d dpt && echo x > dpt/weights.pt
expect_exit 1 "a .pt file (pickle) is refused" "pickle" "$SYNTHUB" hub add dpt "${H[@]}" --name alice/pt
cp -r d dlink && ln -s /etc/passwd dlink/passwd.txt
expect_exit 1 "a symbolic link is refused" "symbolic link" "$SYNTHUB" hub add dlink "${H[@]}" --name alice/link
LONG=dlong; for c in p q r s t; do LONG="$LONG/$(printf "$c%.0s" {1..250})"; done
mkdir -p "$LONG" && cp -r d/. dlong/ && touch "$LONG/f"
expect_exit 1 "an over-long file path is refused" "longer than 1024" "$SYNTHUB" hub add dlong "${H[@]}" --name alice/long
cp -r d dbad && printf 'X' | dd of=dbad/fractaldb-000003.tar bs=1 seek=700 conv=notrunc 2>/dev/null
blobs_before=$(count_files H/blobs)
expect_exit 1 "a shard that does not match its manifest is refused" "does not match manifest.json" \
  "$SYNTHUB" hub add dbad "${H[@]}" --name alice/bad
check "... nothing added: no revision" test "$(count_revisions)" = 1
check "... no blob, nothing left in tmp/" test "$(count_files H/blobs)" = "$blobs_before" -a "$(count_files H/tmp)" = 0
expect_exit 1 "neither a dataset nor a model" "neither a dataset" "$SYNTHUB" hub add H/tmp "${H[@]}" --name alice/empty
check "after all refusals, still one revision and an empty tmp/" test "$(count_revisions)" = 1 -a "$(count_files H/tmp)" = 0

# --- a model, lineage ------------------------------------------------------------
# Builds without libtorch (the sanitizer presets) have a pretrain that only says so.
NO_TORCH=$("$SYNTHUB" pretrain --data /nonexistent --out /nonexistent 2>&1 | grep -c "no libtorch")
if [ "$NO_TORCH" = 0 ]; then
  "$SYNTHUB" pretrain --data d --out m --model vit_custom --img-size 16 --patch 4 --depth 1 --dim 16 --heads 2 \
    --epochs 1 --batch-size 8 --threads 1 --workers 1 >pretrain.txt 2>&1 || cat pretrain.txt
else
  echo "# no libtorch: a hand-written safetensors model folder instead of pretrain"
  mkdir -p m && python3 - <<'EOF'
import json, struct
header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
header += b" " * (-len(header) % 8)
open("m/model.safetensors", "wb").write(struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1, 2))
json.dump({"architecture": "vit_custom", "num_classes": 4, "synthub": {"data": "d", "epochs": 1, "lr": 0.001}},
          open("m/config.json", "w"))
EOF
fi
check "a model folder to publish" test -f m/model.safetensors -a -f m/config.json
"$SYNTHUB" hub add m "${H[@]}" --name bob/vit-f4 --dataset alice/fractal4@v1 >addm.txt 2>&1
check "hub add publishes the model" grep -q "^bob/vit-f4@" addm.txt
MID=$(sed -n 's/^bob\/vit-f4@\([0-9a-f]*\) .*/\1/p' addm.txt)
"$SYNTHUB" hub show bob/vit-f4 "${H[@]}" --json >showm.json
check "the model's lineage names the dataset revision" python3 -c "
import json; j = json.load(open('showm.json'))
assert j['dataset'] == 'alice/fractal4@$ID', j['dataset']
assert j['architecture'] == 'vit_custom' and j['kind'] == 'model'
paths = [f['path'] for f in j['files']]
assert 'model.safetensors' in paths and 'config.json' in paths and 'README.md' in paths
assert 'train_state.safetensors' not in paths, paths
assert j['card'].startswith('---\n') and 'dataset: \"alice/fractal4@$ID\"' in j['card']"
if [ -f m/metrics.jsonl ]; then
  check "a learning-curve SVG is published with metrics.jsonl" python3 -c "
import json; j = json.load(open('showm.json')); assert 'curves.svg' in [f['path'] for f in j['files']]"
fi
# Automatic lineage: config.json's synthub.data is a published dataset folder.
"$SYNTHUB" hub add m "${H[@]}" --name bob/vit-auto >/dev/null 2>&1
check "lineage found from config.json's data folder" bash -c \
  "'$SYNTHUB' hub show bob/vit-auto ${H[*]} --json | grep -q '\"dataset\": \"alice/fractal4@$ID\"'"
# A fine-tuned child with --base-model and a card with its own front matter.
cp -r m m2 && printf -- '---\nlicense: apache-2.0\nbase_model: bob/vit-f4@v9\n---\n# child\n' > m2/README.md
rm -f m2/train_state.safetensors
"$SYNTHUB" hub add m2 "${H[@]}" --name carol/vit-ft --base-model bob/vit-f4 --tag v1 >/dev/null 2>&1
"$SYNTHUB" hub show carol/vit-ft "${H[@]}" --json >showc.json
check "--base-model resolves to the parent's revision; the card's licence is used" python3 -c "
import json; j = json.load(open('showc.json'))
assert j['base_model'] == 'bob/vit-f4@$MID', j['base_model']
assert j['license'] == 'apache-2.0' and j['meta']['card']['license'] == 'apache-2.0'"
expect_exit 1 "--dataset must name a dataset" "not a dataset" "$SYNTHUB" hub add m "${H[@]}" --name bob/x --dataset bob/vit-f4
expect_exit 1 "--dataset must exist" "not in the hub" "$SYNTHUB" hub add m "${H[@]}" --name bob/x --dataset alice/nothing
cp -r m mbin && echo x > mbin/pytorch_model.bin
expect_exit 1 "a pytorch_model.bin (pickle) is refused" "pickle" "$SYNTHUB" hub add mbin "${H[@]}" --name bob/bin
cp -r m mbad && head -c 20 m/model.safetensors > mbad/model.safetensors
expect_exit 1 "a truncated safetensors file is refused" "model.safetensors" "$SYNTHUB" hub add mbad "${H[@]}" --name bob/bad

# --- list, search, show, tag -----------------------------------------------------
check "list --kind dataset" test "$("$SYNTHUB" hub list "${H[@]}" --kind dataset --json | wc -l)" = 1
check "list --kind model" test "$("$SYNTHUB" hub list "${H[@]}" --kind model --json | wc -l)" = 3
check "search by architecture" test "$("$SYNTHUB" hub search "${H[@]}" --architecture vit_cus --json | wc -l)" = 3
check "search by pre-training dataset (name)" test \
  "$("$SYNTHUB" hub search "${H[@]}" --dataset alice/fractal4 --json | wc -l)" -ge 2
check "search by pre-training dataset (id prefix)" test \
  "$("$SYNTHUB" hub search "${H[@]}" --dataset "${ID:0:10}" --json | wc -l)" -ge 2
check "search by licence" test "$("$SYNTHUB" hub search "${H[@]}" --license Apache-2.0 --json | wc -l)" = 1
check "search by tag" test "$("$SYNTHUB" hub search "${H[@]}" --tag v1 --json | wc -l)" = 2
check "search text in names and cards" test "$("$SYNTHUB" hub search child "${H[@]}" --json | wc -l)" = 1
check "search finds nothing for unknown text" test "$("$SYNTHUB" hub search zebra "${H[@]}" --json | wc -l)" = 0
"$SYNTHUB" hub show alice/fractal4 "${H[@]}" >show.txt
check "show prints files, tags, card and the models trained on it" bash -c \
  "grep -q 'fractaldb-000000.tar' show.txt && grep -q 'latest, v1' show.txt && grep -q '^# alice/fractal4' show.txt && grep -q 'used by   bob/vit-f4' show.txt"
check "show prints the webdataset brace URL and the wids index URL" bash -c \
  "grep -q '^webdataset http://HOST:PORT/files/alice/fractal4/$ID/fractaldb-{000000..000024}.tar$' show.txt && grep -q '^wids      http://HOST:PORT/api/wids/alice/fractal4@$ID$' show.txt"
check "show by id prefix" bash -c "'$SYNTHUB' hub show alice/fractal4@${ID:0:8} ${H[*]} | grep -q $ID"
"$SYNTHUB" hub tag "alice/fractal4@${ID:0:10}" stable "${H[@]}" >/dev/null
check "hub tag moves a tag" bash -c "'$SYNTHUB' hub show alice/fractal4@stable ${H[*]} | grep -q $ID"
expect_exit 1 "show an unknown tag" "no such tag" "$SYNTHUB" hub show alice/fractal4@v7 "${H[@]}"

# --- tokens ------------------------------------------------------------------------
"$SYNTHUB" hub token "${H[@]}" --owner alice --scope write >token.txt 2>token_err.txt
TOKEN=$(cat token.txt)
check "hub token prints a token once" bash -c "[[ '$TOKEN' =~ ^shub_[0-9a-f]{64}$ ]]"
hub_sql H "SELECT hash FROM tokens" >tokens.txt
check "the catalogue keeps only its hash" bash -c "! grep -q '$TOKEN' tokens.txt && grep -qx \$(printf %s '$TOKEN' | sha256sum | cut -c1-64) tokens.txt"
if [ "$HUB_BACKEND" = sqlite ]; then
  check "... and the SQLite file has no copy of the token" bash -c "! grep -q '$TOKEN' H/hub.db*"
fi
expect_exit 1 "a bad scope is refused" "scope" "$SYNTHUB" hub token "${H[@]}" --owner alice --scope admin

# --- materialize ------------------------------------------------------------------
"$SYNTHUB" hub materialize alice/fractal4@v1 "${H[@]}" --to copy --quiet >mat1.txt 2>&1
check "materialize by copy from the store" bash -c "diff -r -x .synthub d copy >/dev/null 2>&1 || \
  (for f in d/*.tar d/manifest.json d/params.ustar; do cmp -s \$f copy/\$(basename \$f) || exit 1; done)"
check "... verified every shard" grep -q "verified 25 shards against the published SHA-256" mat1.txt
mkdir -p saved && cp d/fractaldb-*.tar saved/ && rm d/*.tar d/params.ustar
"$SYNTHUB" hub materialize alice/fractal4@v1 "${H[@]}" --to d --regenerate --threads 2 --quiet >mat2.txt 2>&1
check "materialize --regenerate prints what it rendered" grep -q "regenerated 25 shard(s) from the recipe" mat2.txt
check "... and verified every shard" grep -q "verified 25 shards against the published SHA-256" mat2.txt
check "regenerated shards are byte-identical to the published ones" bash -c \
  "for f in saved/*.tar; do cmp -s \$f d/\$(basename \$f) || exit 1; done"
check "the regenerated dataset verifies" "$SYNTHUB" verify d
"$SYNTHUB" hub materialize alice/fractal4 "${H[@]}" --to fresh --regenerate --quiet >mat3.txt 2>&1
check "regeneration into an empty folder writes manifest, params and card" bash -c \
  "cmp -s fresh/manifest.json saved/../d/manifest.json && test -f fresh/params.ustar -a -f fresh/README.md -a -f fresh/preview.png && \
   for f in saved/*.tar; do cmp -s \$f fresh/\$(basename \$f) || exit 1; done"
rm fresh/fractaldb-000007.tar
"$SYNTHUB" hub materialize alice/fractal4 "${H[@]}" --to fresh --regenerate --quiet >mat4.txt 2>&1
check "rerun resumes: one shard rendered, the rest kept" grep -q "regenerated 1 shard(s) from the recipe, kept 24" mat4.txt
# A store that lost the shard blobs and params.ustar (kept only the recipe in
# manifest.json) regenerates without --regenerate, searching the categories again.
cp -a H Hrecipe && chmod -R u+w Hrecipe
for f in saved/*.tar fresh/params.ustar; do rm -f "Hrecipe/blobs/sha256/$(sha256sum "$f" | cut -c1-2)/$(sha256sum "$f" | cut -c1-64)"; done
"$SYNTHUB" hub materialize alice/fractal4 --hub Hrecipe --to fromrecipe --quiet >mat5.txt 2>&1
check "a store without the shards and params regenerates them from the recipe" bash -c \
  "grep -q 'regenerated 25 shard' mat5.txt && cmp -s fresh/params.ustar fromrecipe/params.ustar && for f in saved/*.tar; do cmp -s \$f fromrecipe/\$(basename \$f) || exit 1; done"
# A dataset of the layout before manifest format 3 (params.tar, format_version 2,
# no "source"), published in its own store: still regenerable, and regenerated
# under its published names even when the store lost params.tar too.
mkdir -p dold && cp fresh/fractaldb-*.tar fresh/manifest.json dold/ && cp fresh/params.ustar dold/params.tar
python3 - dold/manifest.json <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1])); m.pop("manifest_sha256"); m.pop("source"); m["format_version"] = 2
for f in m["files"]:
    if f["name"] == "params.ustar": f["name"] = "params.tar"
m["manifest_sha256"] = hashlib.sha256(json.dumps(m, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
open(sys.argv[1], "w").write(json.dumps(m, indent=1) + "\n")
PY
hub_init Hold >/dev/null && "$SYNTHUB" hub add dold --hub Hold --name alice/old4 >addold.txt 2>&1
"$SYNTHUB" hub show alice/old4 --hub Hold --json >showold.json 2>/dev/null
check "old layout: hub add publishes it as regenerable" python3 -c '
import json; m = json.loads(json.load(open("showold.json"))["manifest_json"])
assert m["meta"]["regenerable"] is True and "params.tar" in [f["path"] for f in m["files"]], m["meta"]'
"$SYNTHUB" hub materialize alice/old4 --hub Hold --to oldcopy --regenerate --quiet >matold1.txt 2>&1
check "old layout: materialize --regenerate keeps params.tar" bash -c \
  "grep -q 'verified 25 shards' matold1.txt && cmp -s dold/params.tar oldcopy/params.tar && test ! -e oldcopy/params.ustar && \
   cmp -s dold/manifest.json oldcopy/manifest.json && '$SYNTHUB' verify oldcopy >/dev/null"
for f in saved/*.tar dold/params.tar; do rm -f "Hold/blobs/sha256/$(sha256sum "$f" | cut -c1-2)/$(sha256sum "$f" | cut -c1-64)"; done
"$SYNTHUB" hub materialize alice/old4 --hub Hold --to oldfromrecipe --quiet >matold2.txt 2>&1
check "old layout: a store without its shards and params.tar regenerates them under their published names" bash -c \
  "grep -q 'regenerated 25 shard' matold2.txt && cmp -s dold/params.tar oldfromrecipe/params.tar && test ! -e oldfromrecipe/params.ustar && \
   for f in saved/*.tar; do cmp -s \$f oldfromrecipe/\$(basename \$f) || exit 1; done && '$SYNTHUB' verify oldfromrecipe >/dev/null"
expect_exit 1 "a model cannot be regenerated" "cannot be regenerated" \
  "$SYNTHUB" hub materialize bob/vit-f4 "${H[@]}" --to mm --regenerate
if [ -z "${SYNTHUB_TEST_NO_MPI:-}" ] && command -v mpirun >/dev/null; then
  "${MPIRUN[@]}" "$SYNTHUB" hub materialize alice/fractal4 "${H[@]}" --to mpi --regenerate --threads 1 --quiet \
    >mat6.txt 2>&1
  check "mpirun -np 2 hub materialize --regenerate: identical shards" bash -c \
    "grep -q 'verified 25 shards' mat6.txt && for f in saved/*.tar; do cmp -s \$f mpi/\$(basename \$f) || exit 1; done"
fi

# --- several processes publishing into one store at once --------------------------
for i in 1 2 3 4; do "$SYNTHUB" hub add m "${H[@]}" --name "eve/par-$i" >par$i.txt 2>&1 & done; wait
check "4 concurrent hub add processes all commit" bash -c \
  "test \$('$SYNTHUB' hub search par- ${H[*]} --json | wc -l) = 4 && test \$(find H/tmp -type f | wc -l) = 0"

# --- materialize from a hub server ---------------------------------------------------
"$SYNTHUB" hub serve "${H[@]}" --port 0 >serve.txt 2>serve_err.txt &
SERVER=$!
for _ in $(seq 50); do grep -q listening serve.txt && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' serve.txt | head -1)
"$SYNTHUB" hub materialize "alice/fractal4@$ID" --from "$URL" --to remote_regen --regenerate --quiet >mat7.txt 2>&1
check "materialize --from URL --regenerate: identical shards" bash -c \
  "grep -q 'verified 25 shards' mat7.txt && for f in saved/*.tar; do cmp -s \$f remote_regen/\$(basename \$f) || exit 1; done"
"$SYNTHUB" hub materialize alice/fractal4@v1 --from "$URL" --to remote_dl --quiet >mat8.txt 2>&1
check "materialize --from URL downloads (hub pull, the sample index sidecars included) and verifies" bash -c \
  "grep -q 'downloaded 54 file' mat8.txt && cmp -s d/fractaldb-000003.sidx remote_dl/fractaldb-000003.sidx && grep -q 'verified 25 shards' mat8.txt && \
   for f in saved/*.tar; do cmp -s \$f remote_dl/\$(basename \$f) || exit 1; done && test ! -e remote_dl/.synthub-pull"
kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null

# --- the default hub ---------------------------------------------------------------
"$SYNTHUB" hub add m >/dev/null 2>&1 --name dora/vit-default
check "hub add without --hub creates ~/.cache/synthub/hub" test -f "$HOME/.cache/synthub/hub/hub.db"
SYNTHUB_HUB="$WORK/envhub" "$SYNTHUB" hub add m --name dora/vit-env >/dev/null 2>&1
check "\$SYNTHUB_HUB names the default hub" bash -c "SYNTHUB_HUB='$WORK/envhub' '$SYNTHUB' hub list | grep -q dora/vit-env"

finish
