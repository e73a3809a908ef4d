#!/usr/bin/env bash
# Installs, builds and runs every test (unit tests, the bit-exact
# FractalDB-1k search, the end-to-end CLI tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j 2
