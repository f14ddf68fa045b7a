#!/usr/bin/env bash
# Start suqiu: the database (private cluster unless configured), the broker, the workers and
# the hotline adapter, each in the background with a pid file in var/run and a log in var/log.
# Safe to run twice: what is already running is left alone.  `make stop` (ops/stop.sh) stops all.
set -euo pipefail
. "$(dirname "$0")/common.sh"

WORKERS=${SUQIU_WORKERS:-2}
mkdir -p "$RUN_DIR" "$LOG_DIR"
"$(dirname "$0")/pg.sh" start

# start NAME PROGRAM [ARGS]: start PROGRAM unless the process in var/run/NAME.pid is alive.
start() {
    local name=$1 program=$2
    shift 2
    local pidfile="$RUN_DIR/$name.pid"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        say "$name already running (pid $(cat "$pidfile"))"
        return 0
    fi
    setsid "$BIN/$program" -c "$CONFIG" "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    sleep 0.2
    kill -0 "$(cat "$pidfile")" 2>/dev/null || { tail -n 5 "$LOG_DIR/$name.log" >&2; die "$name did not start; see $LOG_DIR/$name.log"; }
}

start broker suqiu-broker
for i in $(seq 1 "$WORKERS"); do
    start "worker-$i" suqiu-worker
done
start hotline suqiu-hotline

config() { "$BIN/suqiuctl" -c "$CONFIG" config "$1"; }
address=$(config hotline.address)
port=$(config hotline.port)
url="http://$address:$port"
for _ in $(seq 1 100); do
    curl -fsS "$url/v1/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$url/v1/health" >/dev/null 2>&1 || die "the hotline does not answer at $url/v1/health; see $LOG_DIR/"

cat <<TEXT
suqiu is running:
  broker   clients $(config broker.client_endpoint)   workers $(config broker.worker_endpoint)
  workers  $WORKERS x suqiu-worker serving $(config worker.services)
  hotline  $url/v1/workorders   (POST a work order, GET /v1/workorders/NUMBER)
  database $(uses_external_db && echo "database.conninfo from $CONFIG" || echo "private PostgreSQL, unix socket $PGSOCK_DIR, database $(config database.name)")
  logs     $LOG_DIR/      pids $RUN_DIR/
Try:
  curl -s -X POST -H 'Content-Type: application/json' $url/v1/workorders \\
    -d '{"line":"12345","external_id":"DEMO-1","caller_name":"张三","phone":"13800000000","address":"城关镇人民路1号","title":"小区噪音扰民","content":"夜间施工噪音","operator_id":"1001","received_at":"$(TZ=Asia/Shanghai date +%Y-%m-%dT%H:%M:%S%:z)"}'
  $BIN/suqiuctl list            # then: $BIN/suqiuctl route --explain NUMBER
Stop everything with: make stop
TEXT
