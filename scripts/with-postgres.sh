#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server (scripts/postgres-cluster.sh)
# for the hub's PostgreSQL tests, and stops and removes it afterwards, also
# when the command fails or is interrupted:
#
#   scripts/with-postgres.sh ctest --output-on-failure
#
# The command sees SYNTHUB_TEST_POSTGRES (the URL of the cluster's 'postgres'
# database; tests create their own databases beside it) and
# SYNTHUB_TEST_POSTGRES_DIR (the cluster's folder, for a test that restarts it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/synthub-postgres.XXXXXX)
cleanup() {
  "$here/postgres-cluster.sh" stop "$dir" || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$here/postgres-cluster.sh" start "$dir"
export SYNTHUB_TEST_POSTGRES_DIR="$dir"
SYNTHUB_TEST_POSTGRES=$("$here/postgres-cluster.sh" url "$dir")
export SYNTHUB_TEST_POSTGRES
echo "PostgreSQL for this run: $SYNTHUB_TEST_POSTGRES"
"$@"
