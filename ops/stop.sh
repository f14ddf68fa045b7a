#!/usr/bin/env bash
# Stop what ops/run.sh started (adapters first, the database last).  Safe to run twice.
set -euo pipefail
. "$(dirname "$0")/common.sh"

stop_one() {
    local pidfile=$1 name pid
    name=$(basename "$pidfile" .pid)
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
            say "$name did not stop in 5 s; killed"
        else
            say "stopped $name"
        fi
    fi
    rm -f "$pidfile"
}

shopt -s nullglob
for pidfile in "$RUN_DIR"/hotline.pid "$RUN_DIR"/worker-*.pid "$RUN_DIR"/broker.pid; do
    stop_one "$pidfile"
done
"$(dirname "$0")/pg.sh" stop
