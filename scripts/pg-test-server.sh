#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests: its own data directory, its own port on 127.0.0.1 and its own socket
# directory, run as the postgres user with Debian's binaries (package postgresql, 15 or newer).
#   scripts/pg-test-server.sh start DIR [PORT]   initdb DIR if empty, start, print the URL for CAMAUDIT_TEST_PG_URL
#   scripts/pg-test-server.sh stop DIR           stop it (fast shutdown)
# Trust authentication on 127.0.0.1 only: this server holds test data and nothing else.
set -euo pipefail
action=${1:-}
dir=${2:-}
port=${3:-55432}
if [ -z "$action" ] || [ -z "$dir" ]; then echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then echo "pg-test-server: no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; fi
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_postgres "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=on" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_postgres "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
