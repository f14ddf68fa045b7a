# Shared settings for the ops scripts: where things are, and how to reach the private cluster.
# Sourced, not run.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VAR="$ROOT/var"
PGDATA_DIR="$VAR/pg"
PGSOCK_DIR="$VAR/pgsock"
RUN_DIR="$VAR/run"
LOG_DIR="$VAR/log"
BIN="${SUQIU_BIN:-$ROOT/build/bin}"
CONFIG="${SUQIU_CONFIG:-$ROOT/config/hub.yaml}"
PG_BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

say() { printf 'suqiu: %s\n' "$*"; }
die() { printf 'suqiu: error: %s\n' "$*" >&2; exit 1; }

# Run a command as the owner of the private cluster: initdb and postgres refuse root.
as_pg_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# True when config/hub.yaml names an existing database (database.conninfo is set).
uses_external_db() {
    [ -n "$("$BIN/suqiuctl" -c "$CONFIG" config database.conninfo)" ]
}
