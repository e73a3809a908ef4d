# Sourced by the hub's end-to-end tests after SYNTHUB is set: runs them on the
# catalogue named by SYNTHUB_HUB_BACKEND, "sqlite" (the default) or
# "postgresql" (a fresh database per hub on the server that
# scripts/with-postgres.sh started: SYNTHUB_TEST_POSTGRES). Without that server
# a PostgreSQL run is skipped (exit 77, ctest's SKIP_RETURN_CODE).
HUB_BACKEND=${SYNTHUB_HUB_BACKEND:-sqlite}
case "$HUB_BACKEND" in
  sqlite) ;;
  postgresql)
    if [ -z "${SYNTHUB_TEST_POSTGRES:-}" ]; then
      echo "SKIP: no PostgreSQL server for this run (use scripts/with-postgres.sh)"
      exit 77
    fi
    ;;
  *) echo "unknown SYNTHUB_HUB_BACKEND '$HUB_BACKEND' (sqlite, postgresql)" >&2; exit 2 ;;
esac
echo "# hub catalogue: $HUB_BACKEND"
HUB_DB_SEQ=0

# The URL of a fresh, empty database on the test server.
new_postgres_db() {
  HUB_DB_SEQ=$((HUB_DB_SEQ + 1))
  local db="t_$(basename "$0" .sh | tr -cd 'a-z0-9_' | cut -c1-20)_$$_${HUB_DB_SEQ}_$RANDOM"
  psql "$SYNTHUB_TEST_POSTGRES" -qAt -c "CREATE DATABASE \"$db\"" >/dev/null || return 1
  echo "${SYNTHUB_TEST_POSTGRES/\/postgres\?//$db?}"
}

# hub_init DIR [flags]: synthub hub init on this run's backend.
hub_init() {
  local dir=$1
  shift
  if [ "$HUB_BACKEND" = postgresql ] && [ ! -e "$dir/hub.conf" ]; then
    "$SYNTHUB" hub init "$dir" --catalogue "$(new_postgres_db)" "$@"
  else
    "$SYNTHUB" hub init "$dir" "$@"
  fi
}

# hub_sql DIR SQL: runs SQL on the hub's catalogue; prints rows, '|'-separated.
hub_sql() {
  if [ -e "$1/hub.conf" ]; then
    psql "$(sed -n 's/^catalogue *= *//p' "$1/hub.conf")" -qAt -c "$2"
  else
    python3 -c 'import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print("|".join(map(str, row)))' "$1/hub.db" "$2"
  fi
}
