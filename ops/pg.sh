#!/usr/bin/env bash
# The private PostgreSQL cluster under var/pg (unix socket in var/pgsock, no TCP), used when
# config/hub.yaml names no database, and always by the tests.  The postmaster runs under the
# hub's supervisor (ops/supervise.sh), which restarts it when it dies.  `start` is safe to run
# twice: it initialises the cluster once, starts it if it is down, waits until it accepts
# connections (crash recovery included), creates the database and applies the migrations.
#   ops/pg.sh start | stop | status | psql [args]
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/supervise.sh"

S_READY_TIMEOUT_S=120

s_init() {
    [ -f "$PGDATA_DIR/PG_VERSION" ] && return 0
    [ -n "$PG_BINDIR" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql (run ops/deps.sh)"
    say "initialising the private PostgreSQL cluster in $PGDATA_DIR"
    mkdir -p "$PGDATA_DIR" "$PGSOCK_DIR" "$LOG_DIR"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$PGDATA_DIR" "$PGSOCK_DIR"
        chmod 700 "$PGDATA_DIR"
        as_pg_owner test -x "$HUB_HOME" || die "user postgres cannot reach $HUB_HOME: move the clone somewhere it can (e.g. /srv or /tmp)"
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

s_accepting() {
    "$PG_BINDIR/pg_isready" -q -h "$PGSOCK_DIR" -U suqiu -d postgres
}

# A postmaster of this cluster that the supervisor does not own (started by hand, or by an
# older `make run`): stop it, so the supervised one can start.
s_stop_unsupervised() {
    local pid
    [ -f "$PGDATA_DIR/postmaster.pid" ] || return 0
    pid=$(head -n 1 "$PGDATA_DIR/postmaster.pid")
    [ -n "$pid" ] && [ "$pid" != "$(sv_pid postgres)" ] || return 0
    grep -qs postgres "/proc/$pid/cmdline" || return 0
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 0
    say "stopping a PostgreSQL of this cluster that runs outside the supervisor (pid $pid)"
    as_pg_owner "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 60 stop >/dev/null || true
}

s_wait_ready() {
    local waited=0
    until s_accepting; do
        if [ "$waited" -ge $((S_READY_TIMEOUT_S * 10)) ]; then
            tail -n 20 "$LOG_DIR/postgres/current" >&2 2>/dev/null || true
            die "PostgreSQL does not accept connections after $S_READY_TIMEOUT_S s; see $LOG_DIR/postgres/current"
        fi
        if [ "$waited" -gt 0 ] && [ $((waited % 50)) = 0 ]; then
            say "waiting for PostgreSQL to accept connections ($((waited / 10)) s; after a crash it first recovers)"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

s_start() {
    if uses_external_db; then
        say "database: using database.conninfo from $CONFIG"
    else
        s_init
        sv_start_scanner
        sv_define postgres 1 s6-setuidgid postgres "$PG_BINDIR/postgres" -D "$PGDATA_DIR"
        sv_set_down_signal postgres SIGINT   # a fast shutdown: sessions are cut, nothing is lost
        sv_rescan
        if ! sv_is_up postgres; then
            s_stop_unsupervised
            sv_up postgres
        fi
        s_wait_ready
        local name
        name=$(config database.name)
        if [ "$("$PG_BINDIR/psql" -h "$PGSOCK_DIR" -U suqiu -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" != 1 ]; then
            "$PG_BINDIR/createdb" -h "$PGSOCK_DIR" -U suqiu "$name"
        fi
        say "database: PostgreSQL on unix socket $PGSOCK_DIR, database $name (log $LOG_DIR/postgres/current)"
    fi
    "$BIN/suqiuctl" -c "$CONFIG" migrate
}

s_stop() {
    if [ -d "$SCAN_DIR/postgres" ] && sv_is_up postgres; then
        sv_down postgres
        say "stopped PostgreSQL"
    fi
    s_stop_unsupervised
}

case "${1:-}" in
start) s_start ;;
stop) s_stop ;;
status) s_accepting && echo running || echo stopped ;;
psql) shift; exec "$PG_BINDIR/psql" -h "$PGSOCK_DIR" -U suqiu "$@" ;;
*) echo "usage: ops/pg.sh start|stop|status|psql [args]" >&2; exit 2 ;;
esac
