#!/usr/bin/env bash
# A throwaway Postgres server for the tests, on loopback only, data in .tools/pgdata.
#   scripts/postgres.sh start   installs Debian's package if needed, starts, prints the URL on the last line
#   scripts/postgres.sh stop
#   scripts/postgres.sh url
set -euo pipefail
cd "$(dirname "$0")/.."
PGPORT="${ZS_PG_PORT:-54329}"
PGDATA="$PWD/.tools/pgdata"
URL="postgres://postgres@127.0.0.1:${PGPORT}/postgres"

find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$dir" && -x "$dir/pg_ctl" ]] && echo "$dir"
}

as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-start}" in
  start)
    bin=$(find_bin || true)
    if [[ -z "$bin" ]]; then
      echo "Installing PostgreSQL from Debian's packages..." >&2
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
      bin=$(find_bin)
    fi
    mkdir -p .tools
    if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
      mkdir -p "$PGDATA"
      [[ $(id -u) -eq 0 ]] && chown postgres: "$PGDATA"
      as_pg "$bin/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    [[ $(id -u) -eq 0 ]] && chown -R postgres: "$PGDATA" && chmod o+x "$PWD/.tools" "$PWD" 2>/dev/null || true
    if ! as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
      as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p ${PGPORT} -k $PGDATA -c fsync=on -c max_connections=200" start >&2
    fi
    echo "$URL"
    ;;
  stop)
    bin=$(find_bin || true)
    [[ -n "$bin" && -f "$PGDATA/PG_VERSION" ]] && as_pg "$bin/pg_ctl" -D "$PGDATA" -m fast stop >&2 || true
    ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
