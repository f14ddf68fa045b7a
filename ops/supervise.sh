# The process supervisor: every daemon of a hub (PostgreSQL, broker, workers, adapters) runs
# as a child of s6-supervise under one s6-svscan, from Debian's s6 package.  Sourced, not run.
#
# Why s6 (and not runit): s6-supervise reaps its child at once and restarts it (never a
# pid file, never `kill -0` on a zombie); it tells how a process died (the finish script
# gets the exit code or the signal, and s6-svdt keeps the tally); `s6-svc -wD` brings a
# service down and waits until it is really down, which makes an ordered stop simple;
# `down-signal` lets PostgreSQL get the SIGINT of a fast shutdown; s6-log keeps each
# service's log in a size-bounded, rotated folder, so a storm cannot fill the disk; and
# s6-setuidgid drops to the postgres user by exec, so the postmaster is the supervised
# process itself.
#
# Layout, under the hub's var/ (see common.sh):
#   service/NAME/          one service directory per daemon (the scan directory is service/)
#     run, finish          generated: they call ops/service-run and ops/service-finish
#     down                 present: nothing starts when the supervisor starts; sv_up does
#     data/rank            1 database, 2 broker, 3 workers, 4 adapters: the order of stops
#     data/started         when the daemon last started (epoch seconds)
#     data/restarts        how many times it died while it was wanted up
#     data/delay           the back-off before the next start, in seconds
#     log/run              s6-log into var/log/NAME/ (current, and 10 rotated files of 1 MB)
#   log/supervisor.log     s6-svscan's own output
#   log/supervise.log      one line per death: what died, how, after how long, when it restarts

S6_LOG_SCRIPT="n10 s1000000"   # s6-log: keep 10 rotated files of at most 1 MB each

# True when an s6-svscan listens on this hub's scan directory.
sv_scanner_running() {
    [ -p "$SCAN_DIR/.s6-svscan/control" ] && s6-svscanctl -a "$SCAN_DIR" 2>/dev/null
}

# Start s6-svscan for this hub unless one runs already.
sv_start_scanner() {
    command -v s6-svscan >/dev/null || die "s6 is not installed (make deps installs it)"
    mkdir -p "$SCAN_DIR" "$LOG_DIR"
    sv_scanner_running && return 0
    # The daemons inherit the scanner's environment: a clean one, so that a PGHOST or
    # PGDATABASE of the shell that happened to start it cannot point them elsewhere.
    local keep=() name
    for name in PATH HOME LANG LC_ALL TZ ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
        [ -n "${!name:-}" ] && keep+=("$name=${!name}")
    done
    env -i "${keep[@]}" setsid -f s6-svscan "$SCAN_DIR" </dev/null >>"$LOG_DIR/supervisor.log" 2>&1
    for _ in $(seq 1 50); do
        sv_scanner_running && return 0
        sleep 0.1
    done
    die "the supervisor (s6-svscan on $SCAN_DIR) did not start; see $LOG_DIR/supervisor.log"
}

# sv_define NAME RANK PROGRAM [ARGS...]: write (or rewrite) the service directory of NAME.
# A service that runs already keeps running: the new run script is used at its next start.
sv_define() {
    local name=$1 rank=$2
    shift 2
    local dir="$SCAN_DIR/$name" command="" word
    for word in "$@"; do command+=" $(printf '%q' "$word")"; done
    mkdir -p "$dir/data" "$dir/log" "$LOG_DIR"
    printf '%s\n' "$rank" >"$dir/data/rank"
    touch "$dir/down"
    printf '3000\n' >"$dir/timeout-finish"
    cat >"$dir/run.new" <<RUN
#!/bin/sh
exec $(printf '%q' "$ROOT/ops/service-run") $(printf '%q' "$name")$command
RUN
    cat >"$dir/finish.new" <<FINISH
#!/bin/sh
exec $(printf '%q' "$ROOT/ops/service-finish") $(printf '%q' "$name") $(printf '%q' "$LOG_DIR/supervise.log") "\$@"
FINISH
    cat >"$dir/log/run.new" <<LOG
#!/bin/sh
exec s6-log -b $S6_LOG_SCRIPT $(printf '%q' "$LOG_DIR/$name")
LOG
    chmod +x "$dir/run.new" "$dir/finish.new" "$dir/log/run.new"
    mv -f "$dir/run.new" "$dir/run"
    mv -f "$dir/finish.new" "$dir/finish"
    mv -f "$dir/log/run.new" "$dir/log/run"
}

# sv_set_down_signal NAME SIGNAL: what `down` sends instead of SIGTERM.
sv_set_down_signal() {
    printf '%s\n' "$2" >"$SCAN_DIR/$1/down-signal"
}

# Ask the scanner to pick up new service directories, and wait until each has its supervisor.
sv_rescan() {
    s6-svscanctl -a "$SCAN_DIR" || die "cannot reach the supervisor on $SCAN_DIR"
    local dir
    for dir in "$SCAN_DIR"/*/; do
        for _ in $(seq 1 50); do
            s6-svok "$dir" 2>/dev/null && break
            sleep 0.1
        done
    done
}

# sv_up NAME...: start them (restarted from now on whenever they die); their restart counts
# and back-off start again from zero.
sv_up() {
    local name
    for name in "$@"; do
        rm -f "$SCAN_DIR/$name/data/restarts" "$SCAN_DIR/$name/data/delay"
        s6-svc -u "$SCAN_DIR/$name" || die "cannot start $name: no supervisor on $SCAN_DIR/$name"
    done
}

# True when NAME's daemon is up (as its supervisor sees it).
sv_is_up() {
    s6-svok "$SCAN_DIR/$1" 2>/dev/null && [ "$(s6-svstat -o up "$SCAN_DIR/$1" 2>/dev/null)" = true ]
}

# The pid of NAME's daemon, or nothing.
sv_pid() {
    local pid
    pid=$(s6-svstat -o pid "$SCAN_DIR/$1" 2>/dev/null) || return 0
    [ "$pid" != -1 ] && echo "$pid"
    return 0
}

# The supervised services, one name per line, in the order they are stopped (adapters first,
# the database last).
sv_services_stop_order() {
    local dir
    for dir in "$SCAN_DIR"/*/; do
        [ -f "$dir/data/rank" ] || continue
        printf '%s %s\n' "$(cat "$dir/data/rank")" "$(basename "$dir")"
    done | sort -k1,1nr -k2,2 | cut -d' ' -f2
}

# sv_down NAME...: bring them down and wait until each is really down (finish script done).
# A daemon that does not stop within 10 s is killed.
sv_down() {
    local name dir
    for name in "$@"; do
        dir="$SCAN_DIR/$name"
        s6-svok "$dir" 2>/dev/null || continue
        if ! s6-svc -wD -T 10000 -d "$dir" 2>/dev/null; then
            say "$name did not stop within 10 s; killing it"
            s6-svc -k "$dir" 2>/dev/null || true
            s6-svc -wD -T 5000 -d "$dir" 2>/dev/null || true
        fi
    done
}

# Bring every service down in order, then end the supervisors and the scanner.  Works whatever
# is left: a scanner without services, supervisors whose scanner died, nothing at all.
sv_stop_all() {
    [ -d "$SCAN_DIR" ] || return 0
    local names dir
    names=$(sv_services_stop_order)
    for name in $names; do
        if sv_is_up "$name"; then
            sv_down "$name"
            say "stopped $name"
        fi
    done
    if sv_scanner_running; then
        s6-svscanctl -t "$SCAN_DIR" 2>/dev/null || true
        for _ in $(seq 1 50); do
            sv_scanner_running || break
            sleep 0.1
        done
    fi
    # Supervisors left behind by a scanner that was killed: tell each to exit.
    for dir in "$SCAN_DIR"/*/ "$SCAN_DIR"/*/log/; do
        s6-svok "$dir" 2>/dev/null && s6-svc -wD -T 5000 -dx "$dir" 2>/dev/null || true
    done
    return 0
}
