#!/usr/bin/env bash
# A throwaway PostgreSQL server for the hub's tests and benchmarks:
#
#   scripts/postgres-cluster.sh start DIR     a fresh cluster in DIR (created), started
#   scripts/postgres-cluster.sh restart DIR   fast restart (connections are cut)
#   scripts/postgres-cluster.sh stop DIR      stop it (DIR is left for the caller to remove)
#   scripts/postgres-cluster.sh url DIR [DB]  the libpq URL of database DB (default postgres)
#
# The server listens on a Unix socket in DIR only (no TCP port to collide
# with), trusts local connections, and runs as the invoking user, or as the
# unprivileged 'postgres' user when invoked as root (PostgreSQL refuses to run
# as root). Uses Debian's newest /usr/lib/postgresql/*/bin.
set -euo pipefail
cmd=${1:?usage: postgres-cluster.sh start|restart|stop|url DIR [DB]}
dir=${2:?usage: postgres-cluster.sh start|restart|stop|url DIR [DB]}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "postgres-cluster.sh: no PostgreSQL server (apt-get install postgresql)" >&2
  exit 3
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }

case "$cmd" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" = 0 ]; then
      chown postgres: "$dir" && chmod 0755 "$dir"
      # The server's user must pass through DIR's parents: a test's private
      # temporary folder (mode 0700) under /tmp gets o+x (no listing).
      p=$(dirname "$dir")
      while [ "$p" != / ]; do
        if ! runuser -u postgres -- test -x "$p"; then
          case "$p" in
            /tmp/*|"${TMPDIR:-/tmp}"/*) chmod o+x "$p" ;;
            *) echo "postgres-cluster.sh: user postgres cannot enter $p; put DIR under /tmp" >&2; exit 1 ;;
          esac
        fi
        p=$(dirname "$p")
      done
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U "$(user)" --auth=trust --encoding=UTF8 --no-sync \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # Small and fast: no TCP, no fsync (the cluster lives for one run).
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast restart >/dev/null
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -w -t 60 -m fast stop >/dev/null || true
    fi
    ;;
  url)
    dir=$(cd "$dir" && pwd)
    echo "postgresql://$(user)@/${3:-postgres}?host=$dir"
    ;;
  *)
    echo "postgres-cluster.sh: unknown command '$cmd' (start, restart, stop, url)" >&2
    exit 2
    ;;
esac
