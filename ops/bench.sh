#!/usr/bin/env bash
# make bench: committed complaints per second through the whole path (HTTP -> hotline ->
# broker -> worker -> PostgreSQL commit -> reply) with ack latency p50/p99, beside plain
# single-row INSERTs into the same table measured in the same run.  The ratios are what
# count: these machines are shared, so absolute figures vary from run to run.
#   ops/bench.sh BUILD_DIR      (env: BENCH_SECONDS=10 BENCH_CONNECTIONS=32 BENCH_WORKERS=2)
set -euo pipefail
. "$(dirname "$0")/common.sh"
BIN="$ROOT/${1:-build}/bin"
SECONDS_EACH=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
WORKERS=${BENCH_WORKERS:-2}
DB=suqiu_bench
export PGOPTIONS="-c client_min_messages=warning"
PSQL=("$PG_BINDIR/psql" -h "$PGSOCK_DIR" -U suqiu -X -q)
WORK=$(mktemp -d /tmp/suqiu-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
client_port=$(free_port); worker_port=$(free_port); http_port=$(free_port)
cat >"$WORK/hub.yaml" <<YAML
database:
  conninfo: "host=$PGSOCK_DIR user=suqiu dbname=$DB"
broker:
  client_endpoint: tcp://127.0.0.1:$client_port
  worker_endpoint: tcp://127.0.0.1:$worker_port
worker:
  # The commit path alone; the classifier's speed is measured on its own above.
  services: suqiu.intake,suqiu.lookup
hotline:
  port: $http_port
  threads: $CONNECTIONS
log:
  level: warn
YAML
"$BIN/suqiuctl" -c "$WORK/hub.yaml" migrate >/dev/null
"${PSQL[@]}" -d "$DB" -c "CREATE SEQUENCE bench_baseline_seq"

# The classifier on real citizen messages (Teddy Cup 2020 problem C), read from ../shared/data
# when it is there: it has no licence, so it is never copied into the repository.
DATA="$ROOT/../shared/data/complaints"
if [ -f "$DATA/train.csv" ] && [ -f "$DATA/test.csv" ]; then
    echo "== classifier: trained on train.csv, measured on test.csv (category, one core)"
    "$BIN/suqiuctl" -c "$ROOT/config/hub.yaml" eval --train "$DATA/train.csv" --test "$DATA/test.csv" \
        2>/dev/null | grep -E '^(accuracy|macro-F1|speed):' | sed 's/^/  /'
else
    echo "== classifier: $DATA not present, skipped"
fi

echo "== baseline: plain single-row INSERTs into complaint (pgbench, ${SECONDS_EACH}s each)"
baseline() {   # clients -> tps
    "$PG_BINDIR/pgbench" -h "$PGSOCK_DIR" -U suqiu -n -f "$ROOT/ops/bench/insert_baseline.sql" \
        -c "$1" -j "$(( $1 < 2 ? 1 : 2 ))" -T "$SECONDS_EACH" "$DB" 2>/dev/null \
        | awk '/^tps/ {print int($3)}'
}
base_1=$(baseline 1)
base_n=$(baseline "$CONNECTIONS")
printf '  1 client:   %7d inserts/s\n  %d clients: %7d inserts/s\n' "$base_1" "$CONNECTIONS" "$base_n"
"${PSQL[@]}" -d "$DB" -c "TRUNCATE complaint, complaint_detail, complaint_event, number_counter CASCADE"

echo "== whole path: HTTP POST -> hotline -> broker -> $WORKERS workers -> commit -> reply (wrk, ${CONNECTIONS} connections, ${SECONDS_EACH}s)"
"$BIN/suqiu-broker" -c "$WORK/hub.yaml" 2>>"$WORK/broker.log" & pids+=($!)
for _ in $(seq 1 "$WORKERS"); do "$BIN/suqiu-worker" -c "$WORK/hub.yaml" 2>>"$WORK/worker.log" & pids+=($!); done
"$BIN/suqiu-hotline" -c "$WORK/hub.yaml" 2>>"$WORK/hotline.log" & pids+=($!)
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$http_port/v1/health" >/dev/null 2>&1 && break; sleep 0.1; done
wrk -t 2 -c "$CONNECTIONS" -d "${SECONDS_EACH}s" --latency -s "$ROOT/ops/bench/post_workorder.lua" \
    "http://127.0.0.1:$http_port" -- "$$" >"$WORK/wrk.txt"
# Stop the hub first, so that nothing commits while we count.
for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
wait "${pids[@]}" 2>/dev/null || true
pids=()
committed=$("${PSQL[@]}" -d "$DB" -Atc "SELECT count(*) FROM complaint")
events=$("${PSQL[@]}" -d "$DB" -Atc "SELECT count(*) FROM complaint_event")
# Each transaction stamps its rows with its own xmin: distinct xmins = commits.
transactions=$("${PSQL[@]}" -d "$DB" -Atc "SELECT count(DISTINCT xmin::text) FROM complaint")
sent=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
errors=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk.txt"); errors=${errors:-0}
p50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")
rate=$(( committed / SECONDS_EACH ))
printf '  work orders sent %s, committed %s (events %s), non-2xx answers %s\n' "$sent" "$committed" "$events" "$errors"
printf '  committed complaints/s: %d   ack latency p50 %s  p99 %s\n' "$rate" "$p50" "$p99"
awk -v c="$committed" -v t="$transactions" 'BEGIN { if (t > 0) printf "  transactions %d: %.1f complaints per commit (group commit)\n", t, c / t }'
echo "== ratios (what counts)"
awk -v r="$rate" -v b1="$base_1" -v bn="$base_n" 'BEGIN {
    printf "  whole path / single-row INSERT, 1 client:   %.2f\n", r / b1
    printf "  whole path / single-row INSERT, same concurrency: %.2f\n", r / bn }'
[ "$committed" -eq "$events" ] || { echo "bench: complaints and events differ" >&2; exit 1; }
