#!/usr/bin/env bash
# Start suqiu under its supervisor (ops/supervise.sh): the database (private cluster unless
# configured), the broker, the workers and the adapters, each restarted whenever it dies,
# each logging into var/log/NAME/current.  Safe to run twice: what runs is left alone, what
# is down is started.  `make status` shows them all; `make stop` stops all, in order.
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/supervise.sh"

WORKERS=${SUQIU_WORKERS:-2}
case "$WORKERS" in '' | *[!0-9]* | 0) die "SUQIU_WORKERS must be a whole number from 1, got \"$WORKERS\"" ;; esac
"$(dirname "$0")/pg.sh" start

sv_start_scanner
daemons=(broker)
sv_define broker 2 "$BIN/suqiu-broker" -c "$CONFIG"
for i in $(seq 1 "$WORKERS"); do
    sv_define "worker-$i" 3 "$BIN/suqiu-worker" -c "$CONFIG"
    daemons+=("worker-$i")
done
sv_define hotline 4 "$BIN/suqiu-hotline" -c "$CONFIG"
sv_define web 4 "$BIN/suqiu-web" -c "$CONFIG"
sv_define desk 4 "$BIN/suqiu-desk" -c "$CONFIG"
sv_define wechat 4 "$BIN/suqiu-wechat" -c "$CONFIG"
sv_define email 4 "$BIN/suqiu-email" -c "$CONFIG"
daemons+=(hotline web desk wechat email)
"$(dirname "$0")/assets.sh" desk
# Workers beyond SUQIU_WORKERS from an earlier run: stopped and removed.
for dir in "$SCAN_DIR"/worker-*/; do
    [ -d "$dir" ] || continue
    n=$(basename "$dir")
    if [ "${n#worker-}" -gt "$WORKERS" ]; then
        sv_down "$n"
        rm -rf "$dir"
        s6-svscanctl -an "$SCAN_DIR" || true
        say "removed $n (SUQIU_WORKERS=$WORKERS)"
    fi
done
sv_rescan
for name in "${daemons[@]}"; do
    sv_is_up "$name" || sv_up "$name"
done

address=$(config hotline.address)
port=$(config hotline.port)
url="http://$address:$port"
for i in $(seq 1 300); do
    curl -fsS "$url/v1/health" >/dev/null 2>&1 && break
    [ $((i % 50)) = 0 ] && say "waiting for the hotline to answer at $url/v1/health ($((i / 10)) s)"
    sleep 0.1
done
if ! curl -fsS "$url/v1/health" >/dev/null 2>&1; then
    "$(dirname "$0")/status.sh" >&2 || true
    die "the hotline does not answer at $url/v1/health after 30 s; see $LOG_DIR/*/current"
fi
web="http://$(config web.address):$(config web.port)"
for _ in $(seq 1 100); do
    curl -fsS "$web/open311/v2/services.json" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$web/open311/v2/services.json" >/dev/null 2>&1 \
    || die "the web door does not answer at $web/open311/v2/services.json; see $LOG_DIR/web/current"
desk="http://$(config desk.address):$(config desk.port)"
wechat="http://$(config wechat.address):$(config wechat.port)$(config wechat.path)"
# A living system at once: the demo accounts and work orders, the first time, in the private
# cluster only (a configured database is someone's real one).
demo_note="the demo accounts and work orders were made on the first run"
if ! uses_external_db && [ -z "${SUQIU_NO_DEMO:-}" ]; then
    if "$BIN/suqiuctl" -c "$CONFIG" user list | grep -q "^no users yet"; then
        say "making the demo accounts and work orders (suqiuctl demo; set SUQIU_NO_DEMO=1 to skip)"
        "$BIN/suqiuctl" -c "$CONFIG" demo || say "suqiuctl demo did not finish; run it again later"
        demo_note="the demo accounts and work orders are made"
    fi
fi

cat <<TEXT
suqiu is running, under its supervisor (s6), which restarts any process that dies:
  broker   clients $(config broker.client_endpoint)   workers $(config broker.worker_endpoint)
  workers  $WORKERS x suqiu-worker serving $(config worker.services)
  hotline  $url/v1/workorders   (POST a work order, GET /v1/workorders/NUMBER; POST /v1/calls)
  web      $web/   (the citizens' form; status page $web/status)
           $web/open311/v2/   (Open311 GeoReport v2; development api_key: $(config web.api_keys))
  desk     $desk/   (the staff desks; $demo_note: admin, operator, supervisor,
           and the desks edu, agri, samr, each with the password demo-<name>; every other
           department's desk as desk-<id>, password demo-desk; never in production)
  wechat   $wechat   (the WeChat Official Account's callback; token $(config wechat.token),
           appid $(config wechat.appid): development values, set the account's in $CONFIG)
  email    LMTP $(config email.lmtp_address):$(config email.lmtp_port) for the city's MTA (mailboxes $(config email.mailboxes))
           replies by SMTP to $(config email.smtp_url); files: $BIN/suqiu-email ingest FILE.eml|MAILDIR
  database $(uses_external_db && echo "database.conninfo from $CONFIG" || echo "private PostgreSQL, unix socket $PGSOCK_DIR, database $(config database.name)")
  logs     $LOG_DIR/NAME/current; deaths and restarts in $LOG_DIR/supervise.log
Try:
  curl -s -X POST -H 'Content-Type: application/json' $url/v1/workorders \\
    -d '{"line":"12345","external_id":"DEMO-1","caller_name":"张三","phone":"13800000000","address":"城关镇人民路1号","title":"小区噪音扰民","content":"夜间施工噪音","operator_id":"1001","received_at":"$(TZ=Asia/Shanghai date +%Y-%m-%dT%H:%M:%S%:z)"}'
  $BIN/suqiuctl list            # then: $BIN/suqiuctl route --explain NUMBER
  $BIN/suqiuctl import FILE.csv # a batch exported from the hotline platform (--help)
See every process, its uptime and restarts with: make status
Stop everything with: make stop
TEXT
