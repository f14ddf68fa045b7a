#!/usr/bin/env bash
# Stop everything of this hub, in order (adapters, workers, broker, then the database), from
# whatever state it is in: all up, partly up (e.g. only the PostgreSQL that `make check`
# leaves running), a supervisor killed, nothing running at all.  Safe to run twice.
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/supervise.sh"

sv_stop_all
# Processes started by hand from an older layout, with pid files in var/run.
shopt -s nullglob
for pidfile in "$RUN_DIR"/*.pid; do
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
        kill -TERM "$pid" 2>/dev/null || true
        say "stopped $(basename "$pidfile" .pid) (pid $pid)"
    fi
    rm -f "$pidfile"
done
"$(dirname "$0")/pg.sh" stop
say "everything is stopped"
