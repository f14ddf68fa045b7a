#!/usr/bin/env bash
# Show every process of this hub as its supervisor sees it: state, pid, uptime, restarts (deaths
# while it was wanted up) and how it last died.   ops/status.sh   (make status)
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/supervise.sh"

s_duration() {
    local s=$1
    if [ "$s" -ge 86400 ]; then printf '%dd%02dh' $((s / 86400)) $((s % 86400 / 3600))
    elif [ "$s" -ge 3600 ]; then printf '%dh%02dm' $((s / 3600)) $((s % 3600 / 60))
    elif [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60))
    else printf '%ds' "$s"; fi
}

if ! sv_scanner_running; then
    echo "the supervisor is not running (start everything with: make run)"
    [ -f "$PGDATA_DIR/postmaster.pid" ] && echo "a PostgreSQL of this cluster runs outside the supervisor (make stop stops it)"
    exit 0
fi
printf '%-12s %-6s %-8s %-9s %-9s %s\n' SERVICE STATE PID UPTIME RESTARTS "LAST DEATH"
for name in $(sv_services_stop_order | tac); do
    dir="$SCAN_DIR/$name"
    if ! s6-svok "$dir" 2>/dev/null; then
        printf '%-12s %-6s\n' "$name" "?"
        continue
    fi
    read -r up pid for wanted < <(s6-svstat -o up,pid,updownfor,wantedup "$dir")
    state=down
    [ "$up" = true ] && state=up
    [ "$up" != true ] && [ "$wanted" = true ] && state=start
    [ "$pid" = -1 ] && pid=-
    restarts=$(cat "$dir/data/restarts" 2>/dev/null || echo 0)
    last=$(s6-svdt -n 1 "$dir" 2>/dev/null | s6-tai64nlocal 2>/dev/null | awk '{print $3 " " $4 ", " $1 " " substr($2, 1, 8)}')
    printf '%-12s %-6s %-8s %-9s %-9s %s\n' "$name" "$state" "$pid" "$(s_duration "$for")" "$restarts" "${last:--}"
done
echo "logs: $LOG_DIR/NAME/current   deaths: $LOG_DIR/supervise.log"
