# Sourced by .ci/run: starts a throwaway PostgreSQL cluster on loopback for
# the SQL store's conformance suite and exports VOUCH_TEST_POSTGRES_URL.
# Best effort: without PostgreSQL the suite runs on SQLite only and says so.

VOUCH_PG_PORT=54329

vouch_pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

vouch_pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  if [ -z "$(vouch_pg_bin)" ] && [ "$(id -u)" = 0 ]; then
    (apt-get install -y postgresql || (apt-get update && apt-get install -y postgresql)) >/dev/null 2>&1 || true
  fi
  local bin
  bin=$(vouch_pg_bin)
  [ -n "$bin" ] || return 1
  VOUCH_PG_DIR=$(mktemp -d /tmp/vouch-pg.XXXXXX) || return 1
  [ "$(id -u)" = 0 ] && chown postgres: "$VOUCH_PG_DIR"
  vouch_pg_as_owner "$bin/initdb" -D "$VOUCH_PG_DIR/data" -U postgres -A trust >/dev/null 2>&1 || return 1
  vouch_pg_as_owner "$bin/pg_ctl" -D "$VOUCH_PG_DIR/data" -l "$VOUCH_PG_DIR/log" -w \
    -o "-p $VOUCH_PG_PORT -k $VOUCH_PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null 2>&1 || return 1
  export VOUCH_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$VOUCH_PG_PORT/postgres"
  trap stop_postgres EXIT
}

stop_postgres() {
  local bin
  bin=$(vouch_pg_bin)
  [ -n "${VOUCH_PG_DIR:-}" ] && [ -n "$bin" ] && vouch_pg_as_owner "$bin/pg_ctl" -D "$VOUCH_PG_DIR/data" -m fast stop >/dev/null 2>&1
  [ -n "${VOUCH_PG_DIR:-}" ] && rm -rf "$VOUCH_PG_DIR"
}
