# Shared settings for the ops scripts: where things are, and how to reach the private cluster.
# Sourced, not run.
#
# A hub instance is a folder with config/hub.yaml and var/ (the repository itself by default).
# $SUQIU_HOME names another one, e.g. the chaos run's var/chaos, so that a second hub with its
# own ports, cluster and supervisor can run beside the first.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HUB_HOME=$(cd "${SUQIU_HOME:-$ROOT}" && pwd)
VAR="$HUB_HOME/var"
PGDATA_DIR="$VAR/pg"
PGSOCK_DIR="$VAR/pgsock"
RUN_DIR="$VAR/run"
LOG_DIR="$VAR/log"
SCAN_DIR="$VAR/service"
BIN="${SUQIU_BIN:-$ROOT/build/bin}"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
CONFIG="${SUQIU_CONFIG:-$HUB_HOME/config/hub.yaml}"
case "$CONFIG" in /*) ;; *) CONFIG="$(pwd)/$CONFIG" ;; esac
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

# One value of the configuration, e.g. config hotline.port.
config() { "$BIN/suqiuctl" -c "$CONFIG" config "$1"; }

# True when config/hub.yaml names an existing database (database.conninfo is set).
uses_external_db() {
    [ -n "$(config database.conninfo)" ]
}
