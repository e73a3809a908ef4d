#!/usr/bin/env bash
# Installs, builds and runs every test (unit tests, the bit-exact
# FractalDB-1k search, the end-to-end CLI tests), the hub's on both of its
# catalogues: SQLite and a throwaway PostgreSQL server started for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
../scripts/with-postgres.sh ctest --output-on-failure -j 2
