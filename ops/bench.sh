#!/usr/bin/env bash
# make bench: complaints per second through the whole path, beside plain single-row INSERTs
# into the same table measured in the same run:
#   - intake alone: HTTP -> hotline -> broker -> worker -> PostgreSQL commit -> reply, with ack
#     latency p50/p99 (workers serve suqiu.intake and suqiu.lookup only);
#   - the whole pipeline: the same, with classification, routing and deadlines running, and
#     complaints counted when fully processed (dispatched or in triage with their deadlines,
#     or merged into an earlier report), from the first request to the last one done.
# Both send the same varied real texts (ops/bench/pipeline_orders.py: never one text
# repeated, which the repeat-report logic would merge).  The ratios are what count: these
# machines are shared, so absolute figures vary from run to run.
#   ops/bench.sh BUILD_DIR   (env: BENCH_SECONDS=10 BENCH_CONNECTIONS=32 BENCH_WORKERS=2
#                             BENCH_DRAIN_S=300 BENCH_ONLY=pipeline to skip the classifier
#                             and baseline steps, BENCH_PROFILE=1 to print where the time
#                             went: CPU seconds per process and, when the cluster preloads
#                             pg_stat_statements, the statements that took the most)
set -euo pipefail
. "$(dirname "$0")/common.sh"
BIN="$ROOT/${1:-build}/bin"
SECONDS_EACH=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
WORKERS=${BENCH_WORKERS:-2}
# The pipeline's workers: WORKERS serving every service, as make run starts them, or with
# BENCH_STAGE_WORKERS=N, WORKERS for intake and N more for classification and routing alone
STAGE_WORKERS=${BENCH_STAGE_WORKERS:-0}
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
ONLY=${BENCH_ONLY:-}
DRAIN_S=${BENCH_DRAIN_S:-300}
"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
client_port=$(free_port); worker_port=$(free_port); http_port=$(free_port)
# hub.yaml (or FILE) for SERVICES, batches of BATCH (the models are the workers' usual ones,
# var/models, trained once)
write_config() {   # SERVICES [FILE [BATCH]]
    cat >"${2:-$WORK/hub.yaml}" <<YAML
database:
  conninfo: "host=$PGSOCK_DIR user=suqiu dbname=$DB"
broker:
  client_endpoint: tcp://127.0.0.1:$client_port
  worker_endpoint: tcp://127.0.0.1:$worker_port
worker:
  services: $1
  batch_max: ${3:-64}
hotline:
  port: $http_port
  threads: $CONNECTIONS
catalog:
  dir: "$ROOT/config"
log:
  level: warn
YAML
}
write_config suqiu.intake,suqiu.lookup
"$BIN/suqiuctl" -c "$WORK/hub.yaml" migrate >/dev/null
"${PSQL[@]}" -d "$DB" -c "CREATE SEQUENCE bench_baseline_seq"

# The classifier on real citizen messages (Teddy Cup 2020 problem C), read from ../shared/data
# when it is there: it has no licence, so it is never copied into the repository.
DATA="$ROOT/../shared/data/complaints"
if [ -n "$ONLY" ]; then
    :
elif [ -f "$DATA/train.csv" ] && [ -f "$DATA/test.csv" ]; then
    echo "== classifier: trained on train.csv, measured on test.csv (category, one core)"
    "$BIN/suqiuctl" -c "$ROOT/config/hub.yaml" eval --train "$DATA/train.csv" --test "$DATA/test.csv" \
        2>/dev/null | grep -E '^(accuracy|macro-F1|speed):' | sed 's/^/  /'
else
    echo "== classifier: $DATA not present, skipped"
fi

base_1=0; base_n=0
if [ -z "$ONLY" ]; then
    echo "== baseline: plain single-row INSERTs into complaint (pgbench, ${SECONDS_EACH}s each)"
    baseline() {   # clients -> tps
        "$PG_BINDIR/pgbench" -h "$PGSOCK_DIR" -U suqiu -n -f "$ROOT/ops/bench/insert_baseline.sql" \
            -c "$1" -j "$(( $1 < 2 ? 1 : 2 ))" -T "$SECONDS_EACH" "$DB" 2>/dev/null \
            | awk '/^tps/ {print int($3)}'
    }
    base_1=$(baseline 1)
    base_n=$(baseline "$CONNECTIONS")
    printf '  1 client:   %7d inserts/s\n  %d clients: %7d inserts/s\n' "$base_1" "$CONNECTIONS" "$base_n"
fi

# Enough varied orders that none is sent twice: the fastest path sends a few thousand a second.
ORDERS=$(( SECONDS_EACH * 8000 ))
echo "== $ORDERS varied work orders (ops/bench/pipeline_orders.py)"
/usr/bin/python3 "$ROOT/ops/bench/pipeline_orders.py" "$ORDERS" >"$WORK/orders.jsonl"

hub_start() {   # [STAGE_WORKERS]
    "$BIN/suqiu-broker" -c "$WORK/hub.yaml" 2>>"$WORK/broker.log" & pids+=($!)
    for _ in $(seq 1 "$WORKERS"); do "$BIN/suqiu-worker" -c "$WORK/hub.yaml" 2>>"$WORK/worker.log" & pids+=($!); done
    for _ in $(seq 1 "${1:-0}"); do "$BIN/suqiu-worker" -c "$WORK/stages.yaml" 2>>"$WORK/worker.log" & pids+=($!); done
    "$BIN/suqiu-hotline" -c "$WORK/hub.yaml" 2>>"$WORK/hotline.log" & pids+=($!)
    for _ in $(seq 1 600); do curl -fsS "http://127.0.0.1:$http_port/v1/health" >/dev/null 2>&1 && break; sleep 0.1; done
}
PROFILE=${BENCH_PROFILE:-}
# CPU seconds (user + system) of a process and its threads
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
profile_reset() {
    if [ -n "$PROFILE" ]; then
        sql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 \
            && sql "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
    fi
    busy_before=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)
    hub_cpu_before=$(s_hub_cpu)
}
# CPU seconds of this database's PostgreSQL backends (those alive now)
s_backends_cpu() {
    local total=0 pid
    for pid in $(pgrep -f "postgres: suqiu $DB" || true); do
        total=$(awk -v t="$total" -v c="$(cpu_of "$pid")" 'BEGIN { print t + c }')
    done
    echo "$total"
}
# CPU seconds of the hub's processes and their PostgreSQL backends
s_hub_cpu() {
    local total pid
    total=$(s_backends_cpu)
    for pid in "${pids[@]}"; do
        total=$(awk -v t="$total" -v c="$(cpu_of "$pid")" 'BEGIN { print t + c }')
    done
    echo "$total"
}
# Before hub_stop (the processes are still there): hub_cpu, the CPU seconds the hub took
# since profile_reset; with BENCH_PROFILE, per process and the top statements too.
profile_report() {
    hub_cpu=$(awk -v a="$hub_cpu_before" -v b="$(s_hub_cpu)" 'BEGIN { printf "%.1f", b - a }')
    [ -n "$PROFILE" ] || return 0
    local busy_after
    busy_after=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat)
    echo "  -- CPU seconds: machine busy $(awk -v a="$busy_before" -v b="$busy_after" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) / hz }') of $(nproc) cores, the hub $hub_cpu"
    local pid
    for pid in "${pids[@]}"; do
        printf '     %-40s %s\n' "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | awk '{print $1}' | xargs basename) (pid $pid)" "$(cpu_of "$pid")"
    done
    printf '     %-40s %s\n' "PostgreSQL backends of $DB" "$(s_backends_cpu)"
    sql "SELECT 1 FROM pg_stat_statements LIMIT 1" >/dev/null 2>&1 || { echo "  -- (no pg_stat_statements in this cluster)"; return 0; }
    echo "  -- statements by total time (pg_stat_statements, nested statements included)"
    "${PSQL[@]}" -d "$DB" -c "SELECT calls, round(total_exec_time::numeric / 1000, 1) AS total_s,
            round((total_exec_time / calls)::numeric, 3) AS mean_ms, rows,
            left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS query
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT 25"
}
hub_stop() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait "${pids[@]}" 2>/dev/null || true
    pids=()
}
# wrk with the varied orders under RUN_ID; writes $WORK/wrk-RUN_ID.txt
send_orders() {
    wrk -t 2 -c "$CONNECTIONS" -d "${SECONDS_EACH}s" --latency -s "$ROOT/ops/bench/post_varied.lua" \
        "http://127.0.0.1:$http_port" -- "$1" "$WORK/orders.jsonl" 2 >"$WORK/wrk-$1.txt"
}
clear_tables() {
    "${PSQL[@]}" -d "$DB" -c "TRUNCATE complaint, complaint_detail, complaint_event, complaint_fingerprint,
        complaint_deadline, complaint_respondent, number_counter CASCADE"
}
sql() { "${PSQL[@]}" -d "$DB" -Atc "$1"; }

echo "== intake alone: HTTP POST -> hotline -> broker -> $WORKERS workers -> commit -> reply (wrk, ${CONNECTIONS} connections, ${SECONDS_EACH}s)"
clear_tables
hub_start
profile_reset
send_orders intake
profile_report
# Stop the hub first, so that nothing commits while we count.
hub_stop
committed=$(sql "SELECT count(*) FROM complaint")
events=$(sql "SELECT count(*) FROM complaint_event")
# Each transaction stamps its rows with its own xmin: distinct xmins = commits.
transactions=$(sql "SELECT count(DISTINCT xmin::text) FROM complaint")
sent=$(awk '/requests in/ {print $1}' "$WORK/wrk-intake.txt")
errors=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk-intake.txt"); errors=${errors:-0}
p50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk-intake.txt")
p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk-intake.txt")
rate=$(( committed / SECONDS_EACH ))
printf '  work orders sent %s, committed %s (events %s), non-2xx answers %s\n' "$sent" "$committed" "$events" "$errors"
printf '  committed complaints/s: %d   ack latency p50 %s  p99 %s\n' "$rate" "$p50" "$p99"
intake_cpu_ms=$(awk -v c="$hub_cpu" -v n="$committed" 'BEGIN { printf "%.2f", 1000 * c / n }')
printf '  CPU per complaint (the hub'"'"'s processes and their PostgreSQL backends): %s ms\n' "$intake_cpu_ms"
awk -v c="$committed" -v t="$transactions" 'BEGIN { if (t > 0) printf "  transactions %d: %.1f complaints per commit (group commit)\n", t, c / t }'
[ "$committed" -eq "$events" ] || { echo "bench: complaints and events differ" >&2; exit 1; }

echo "== whole pipeline: the same orders, with classification, routing and deadlines (wrk, ${CONNECTIONS} connections, ${SECONDS_EACH}s, then until every one is processed)"
clear_tables
if [ "$STAGE_WORKERS" -gt 0 ]; then
    write_config suqiu.classify,suqiu.route "$WORK/stages.yaml" 256
    echo "  ($WORKERS workers for intake and lookups, $STAGE_WORKERS for classification and routing)"
else
    write_config suqiu.intake,suqiu.lookup,suqiu.classify,suqiu.route
fi
hub_start "$STAGE_WORKERS"
# One order through first, so that the stages are up (a worker trains missing models at its start).
curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$http_port/v1/workorders" \
    -d "$(head -n 1 "$WORK/orders.jsonl" | sed "s/}\$/,\"external_id\":\"WARM-1\",\"received_at\":\"$(date -Iseconds)\"}/")"
for _ in $(seq 1 600); do
    [ "$(sql "SELECT count(*) FROM complaint WHERE state NOT IN ('received', 'classified')")" = 1 ] && break
    sleep 0.1
done
clear_tables
profile_reset
started=$(date +%s.%N)
send_orders pipeline
committed=$(sql "SELECT count(*) FROM complaint")
# The backlog: wait until no complaint waits for classification or routing.
waited=0
while :; do
    left=$(sql "SELECT count(*) FROM complaint WHERE state IN ('received', 'classified')")
    printf '\r  %d committed, %d still to classify or route (%d s)   ' "$committed" "$left" "$waited"
    [ "$left" -eq 0 ] && break
    [ "$waited" -ge "$DRAIN_S" ] && { echo; echo "bench: $left complaints not processed after ${DRAIN_S}s" >&2; exit 1; }
    sleep 1; waited=$((waited + 1))
done
echo
profile_report
hub_stop
committed=$(sql "SELECT count(*) FROM complaint")
done_epoch=$(sql "SELECT extract(epoch FROM max(at)) FROM complaint_event WHERE to_state IN ('dispatched', 'triage', 'merged')")
read -r dispatched triage merged with_deadlines <<<"$(sql "SELECT count(*) FILTER (WHERE state = 'dispatched'),
    count(*) FILTER (WHERE state = 'triage'), count(*) FILTER (WHERE state = 'merged'),
    count(*) FILTER (WHERE state IN ('dispatched', 'triage')
                     AND (SELECT count(*) FROM complaint_deadline d WHERE d.complaint_id = c.id) = 3)
    FROM complaint c" | tr '|' ' ')"
transactions=$(sql "SELECT count(DISTINCT xmin::text) FROM complaint")
sent=$(awk '/requests in/ {print $1}' "$WORK/wrk-pipeline.txt")
p50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk-pipeline.txt")
p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk-pipeline.txt")
intake_beside=$(( $(sql "SELECT count(*) FROM complaint WHERE created_at <= to_timestamp($started) + interval '$SECONDS_EACH s'") / SECONDS_EACH ))
pipeline=$(awk -v n="$committed" -v a="$started" -v b="$done_epoch" 'BEGIN { printf "%d", n / (b - a) }')
printf '  work orders sent %s, committed %s (%d/s while sending; ack latency p50 %s  p99 %s)\n' \
    "$sent" "$committed" "$intake_beside" "$p50" "$p99"
printf '  fully processed %d: dispatched %d, triage %d (with their 3 deadlines: %d), merged %d, in %.1f s\n' \
    "$((dispatched + triage + merged))" "$dispatched" "$triage" "$with_deadlines" "$merged" \
    "$(awk -v a="$started" -v b="$done_epoch" 'BEGIN { print b - a }')"
printf '  fully processed complaints/s: %d\n' "$pipeline"
pipeline_cpu_ms=$(awk -v c="$hub_cpu" -v n="$committed" 'BEGIN { printf "%.2f", 1000 * c / n }')
printf '  CPU per complaint (the hub'"'"'s processes and their PostgreSQL backends): %s ms\n' "$pipeline_cpu_ms"
printf '  complaints per write transaction of the stages: %s\n' \
    "$(sql "SELECT round(count(*)::numeric / nullif(count(DISTINCT xmin::text), 0), 1) FROM complaint_event WHERE to_state IN ('classified', 'dispatched', 'triage')")"

echo "== ratios (what counts)"
awk -v r="$rate" -v p="$pipeline" -v i="$intake_beside" -v b1="$base_1" -v bn="$base_n" \
    -v ic="$intake_cpu_ms" -v pc="$pipeline_cpu_ms" 'BEGIN {
    printf "  whole pipeline / intake alone:              %.2f   (goal >= 0.8)\n", p / r
    printf "  intake beside the pipeline / intake alone:  %.2f\n", i / r
    printf "  CPU per complaint, intake alone / whole pipeline: %.2f   (the ratio'"'"'s ceiling when the cores are the limit)\n", ic / pc
    if (b1 > 0) {
        printf "  intake alone / single-row INSERT, 1 client:        %.2f\n", r / b1
        printf "  intake alone / single-row INSERT, same concurrency: %.2f\n", r / bn
        printf "  whole pipeline / single-row INSERT, 1 client:      %.2f\n", p / b1 } }'
[ "$((dispatched + triage + merged))" -eq "$committed" ] || { echo "bench: not every complaint was processed" >&2; exit 1; }
[ "$with_deadlines" -eq "$((dispatched + triage))" ] || { echo "bench: complaints without their deadlines" >&2; exit 1; }
