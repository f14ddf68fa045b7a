#!/usr/bin/env bash
# The private PostgreSQL cluster under var/pg (unix socket in var/pgsock, no TCP), used when
# config/hub.yaml names no database, and always by the tests.  `start` is safe to run twice:
# it initialises the cluster once, starts it if it is down, creates the database and applies
# the migrations in sql/.
#   ops/pg.sh start | stop | status | psql [args]
set -euo pipefail
. "$(dirname "$0")/common.sh"

s_init() {
    [ -f "$PGDATA_DIR/PG_VERSION" ] && return 0
    [ -n "$PG_BINDIR" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql (run ops/deps.sh)"
    say "initialising the private PostgreSQL cluster in $PGDATA_DIR"
    mkdir -p "$PGDATA_DIR" "$PGSOCK_DIR" "$LOG_DIR"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$PGDATA_DIR" "$PGSOCK_DIR"
        chmod 700 "$PGDATA_DIR"
        as_pg_owner test -x "$ROOT" || die "user postgres cannot reach $ROOT: move the clone somewhere it can (e.g. /srv or /tmp)"
    fi
    as_pg_owner "$PG_BINDIR/initdb" -D "$PGDATA_DIR" -U suqiu --auth=trust -E UTF8 --locale=C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1 \
        || die "initdb failed; see $LOG_DIR/initdb.log"
    cat >>"$PGDATA_DIR/postgresql.conf" <<CONF
# suqiu: a private cluster reached only through its unix socket.
listen_addresses = ''
unix_socket_directories = '$PGSOCK_DIR'
timezone = 'Asia/Shanghai'
log_timezone = 'Asia/Shanghai'
max_connections = 200
shared_buffers = 256MB
CONF
}

s_running() {
    as_pg_owner "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1
}

s_start() {
    if uses_external_db; then
        say "database: using database.conninfo from $CONFIG"
    else
        s_init
        mkdir -p "$LOG_DIR" && touch "$LOG_DIR/postgres.log"
        [ "$(id -u)" = 0 ] && chown postgres: "$LOG_DIR/postgres.log"
        if ! s_running; then
            as_pg_owner "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$LOG_DIR/postgres.log" -w -t 60 start >/dev/null \
                || die "PostgreSQL did not start; see $LOG_DIR/postgres.log"
        fi
        local name
        name=$("$BIN/suqiuctl" -c "$CONFIG" config database.name)
        if [ "$("$PG_BINDIR/psql" -h "$PGSOCK_DIR" -U suqiu -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" != 1 ]; then
            "$PG_BINDIR/createdb" -h "$PGSOCK_DIR" -U suqiu "$name"
        fi
        say "database: PostgreSQL on unix socket $PGSOCK_DIR, database $name"
    fi
    "$BIN/suqiuctl" -c "$CONFIG" migrate
}

s_stop() {
    if [ -f "$PGDATA_DIR/PG_VERSION" ] && s_running; then
        as_pg_owner "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
        say "stopped PostgreSQL"
    fi
}

case "${1:-}" in
start) s_start ;;
stop) s_stop ;;
status) s_running && echo running || echo stopped ;;
psql) shift; exec "$PG_BINDIR/psql" -h "$PGSOCK_DIR" -U suqiu "$@" ;;
*) echo "usage: ops/pg.sh start|stop|status|psql [args]" >&2; exit 2 ;;
esac
