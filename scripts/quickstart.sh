#!/usr/bin/env bash
# The main job on the small embedded default: install, build, generate the
# demo FractalDB (10 categories, 2,000 images in WebDataset shards), verify
# it and write a contact sheet.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
rm -rf out/demo
build/synthub generate --preset demo --out out/demo
build/synthub verify out/demo
build/synthub inspect out/demo --contact-sheet out/demo-contact-sheet.png
