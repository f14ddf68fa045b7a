#!/usr/bin/env bash
# The supervisors' queries on a city's worth of history: the overdue list (view overdue_now,
# aim: under 50 ms) and the monthly statistics (complaint_stats() and the view
# complaint_stats_monthly, aim: under 1 s), and the deadline watch's deadline_sweep(), on
# BENCH_COMPLAINTS generated complaints received since 2021-01-01, beside a full scan of the
# complaint table measured in the same run: these machines are shared, so the ratios count.
# Each query: one warm-up, then the median of 7 (psql \timing: what a client waits).
#
# The data lives in its own database, suqiu_bench10m, migrated by suqiuctl from sql/ and
# filled by ops/bench/generate_*.sql (10M complaints: about 9 minutes on 2 idle cores, 10 GB).
# It is kept between runs and generated again only when BENCH_COMPLAINTS or the generator
# changed (bench_marker says what it holds), or when BENCH_REBUILD=1; otherwise the migrations
# it lacks are applied to it, as to any hub's database (BENCH_REBUILD=1 after a migration
# that the generator does not know).  The
# hub's clock (suqiu.now) is pinned at the time the data was generated, so every run sees the
# same complaints overdue; the watch's writes are rolled back.
#   ops/bench_deadlines.sh BUILD_DIR      (env: BENCH_COMPLAINTS=10000000 BENCH_REBUILD=0)
set -euo pipefail
. "$(dirname "$0")/common.sh"
BIN="$ROOT/${1:-build}/bin"
COMPLAINTS=${BENCH_COMPLAINTS:-10000000}
REBUILD=${BENCH_REBUILD:-0}
CHUNK=1000000
RUNS=7
DB=suqiu_bench10m
OVERDUE_AIM_MS=50
STATS_AIM_MS=1000
export PGOPTIONS="-c client_min_messages=warning"
PSQL=("$PG_BINDIR/psql" -h "$PGSOCK_DIR" -U suqiu -X -q -v ON_ERROR_STOP=1)
WORK=$(mktemp -d /tmp/suqiu-bench-deadlines.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

[[ "$COMPLAINTS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_COMPLAINTS must be a positive whole number"
[ -x "$BIN/suqiuctl" ] || die "$BIN/suqiuctl not found: build first (make)"
"${PSQL[@]}" -d postgres -c "SELECT 1" >/dev/null 2>&1 \
    || die "PostgreSQL does not answer on $PGSOCK_DIR: start it with ops/pg.sh start"

# What the data was generated from: the migrations (kept for the record) and the generator
# (a change regenerates), file names and md5 sums.
SCHEMA_SUM=$(cd "$ROOT/sql" && md5sum [0-9]*.sql | awk '{printf "%s %s; ", $2, $1}')
GENERATOR_SUM=$(cd "$ROOT/ops/bench" && md5sum generate_*.sql | awk '{printf "%s %s; ", $2, $1}')

# The marker row when the database holds what this run asks for, else nothing.
current_marker() {
    "${PSQL[@]}" -d "$DB" -At -F ' ' -v n="$COMPLAINTS" -v schema="$SCHEMA_SUM" \
        -v generator="$GENERATOR_SUM" 2>/dev/null <<'SQL' || true
SELECT iso_shanghai(generated_at), generation_seconds, biggest_department FROM bench_marker
WHERE complaints = :n AND generator = :'generator'
SQL
}

cat >"$WORK/hub.yaml" <<YAML
database:
  conninfo: "host=$PGSOCK_DIR user=suqiu dbname=$DB"
catalog:
  dir: "$ROOT/config"
log:
  level: warn
YAML

# The ids and names of a catalogue file (config/*.yaml: a list of "- id:" items), one item a
# line: id, the value of FIELD2, the value of FIELD3, tab-separated.
yaml_items() {   # FILE FIELD2 FIELD3
    awk -v f2="$2" -v f3="$3" '
        function value(line) {
            sub(/^[^:]*:[ \t]*/, "", line); sub(/[ \t]+#.*$/, "", line); gsub(/^"|"$/, "", line)
            return line
        }
        function flush() { if (id != "") print id "\t" a "\t" b; id = a = b = "" }
        /^  - id:/ { flush(); id = value($0); next }
        $0 ~ "^    " f2 ":" { a = value($0) }
        $0 ~ "^    " f3 ":" { b = value($0) }
        END { flush() }' "$1"
}

generate() {
    local started=$SECONDS lo hi t_end deps cats regions rules
    say "generating $COMPLAINTS complaints in database $DB (kept for the next runs)"
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
    "$BIN/suqiuctl" -c "$WORK/hub.yaml" migrate >/dev/null
    "${PSQL[@]}" -d "$DB" -v departments="$(yaml_items "$ROOT/config/departments.yaml" name kind)" \
        -v categories="$(yaml_items "$ROOT/config/categories.yaml" name group)" \
        -v regions="$(yaml_items "$ROOT/config/regions.yaml" name government)" \
        -f "$ROOT/ops/bench/generate_setup.sql"
    # Lead departments, the usual big ones of a 12345 hotline first (the draw favours the
    # first: the biggest gets about 12%, the smallest under 1%), then the rest by id.
    deps=$("${PSQL[@]}" -d "$DB" -At -c "SELECT array_agg(id ORDER BY coalesce(array_position(
        ARRAY['zfj', 'zjj', 'scjgj', 'gaj', 'liushi', 'beibaixiang', 'lecheng', 'sthjj', 'jtysj',
              'rsj', 'jjdd', 'hongqiao'], id), 100), id) FROM department WHERE kind <> 'hotline'")
    cats=$("${PSQL[@]}" -d "$DB" -At -c "SELECT array_agg(id ORDER BY id) FROM category")
    regions=$("${PSQL[@]}" -d "$DB" -At -c "SELECT array_agg(id ORDER BY id) FROM region")
    rules="{$(awk '/^  - id:/ {print $3}' "$ROOT/config/matrix.yaml" | paste -sd, -)}"
    t_end=$("${PSQL[@]}" -d "$DB" -At -c "SELECT iso_shanghai(date_trunc('second', now()))")
    for ((lo = 1; lo <= COMPLAINTS; lo += CHUNK)); do
        hi=$((lo + CHUNK - 1 < COMPLAINTS ? lo + CHUNK - 1 : COMPLAINTS))
        "${PSQL[@]}" -d "$DB" -v lo="$lo" -v hi="$hi" -v total="$COMPLAINTS" -v t_end="$t_end" \
            -v deps="$deps" -v cats="$cats" -v regions="$regions" -v rules="$rules" \
            -f "$ROOT/ops/bench/generate_complaints.sql" >/dev/null
        say "generating complaints $hi/$COMPLAINTS ($((SECONDS - started)) s)"
    done
    say "replies of merged complaints, VACUUM (FREEZE, ANALYZE) ($((SECONDS - started)) s)"
    "${PSQL[@]}" -d "$DB" -f "$ROOT/ops/bench/generate_finish.sql" >/dev/null
    "${PSQL[@]}" -d "$DB" -v n="$COMPLAINTS" -v schema="$SCHEMA_SUM" -v generator="$GENERATOR_SUM" \
        -v t_end="$t_end" -v seconds=$((SECONDS - started)) <<'SQL'
INSERT INTO bench_marker (complaints, schema, generator, generated_at, generation_seconds,
                          biggest_department)
SELECT :n, :'schema', :'generator', :'t_end', :seconds, lead_department
FROM complaint WHERE lead_department IS NOT NULL
GROUP BY lead_department ORDER BY count(*) DESC, lead_department LIMIT 1
SQL
    say "generated $COMPLAINTS complaints in $((SECONDS - started)) s"
}

marker=$(current_marker)
if [ "$REBUILD" = 1 ] || [ -z "$marker" ]; then
    generate
    marker=$(current_marker)
    [ -n "$marker" ] || die "the generated database $DB has no marker row"
else
    say "reusing the $COMPLAINTS complaints in database $DB (BENCH_REBUILD=1 generates them again)"
    "$BIN/suqiuctl" -c "$WORK/hub.yaml" migrate | sed 's/^/  /'
fi
read -r GENERATED_AT GENERATION_SECONDS BIGGEST <<<"$marker"
# The hub's clock, as tests set it: the data is as of its generation.
export PGOPTIONS="-c client_min_messages=warning -c suqiu.now=$GENERATED_AT"
q() { "${PSQL[@]}" -d "$DB" -At -F ' ' -c "$1"; }

# The median time in ms of SQL over RUNS runs after one warm-up, in one session; BEFORE and
# AFTER (untimed) run around each, e.g. BEGIN and ROLLBACK.
median_ms() {   # SQL [BEFORE AFTER]
    local i
    {
        echo '\o /dev/null'
        for ((i = 0; i <= RUNS; i++)); do
            [ -z "${2:-}" ] || echo "$2"
            printf '\\timing on\n%s;\n\\timing off\n' "$1"
            [ -z "${3:-}" ] || echo "$3"
        done
    } >"$WORK/timed.sql"
    "${PSQL[@]}" -d "$DB" -f "$WORK/timed.sql" | awk '/^Time:/ {print $2}' | tail -n +2 \
        | sort -n | awk -v runs="$RUNS" '{ t[NR] = $1 } END {
            if (NR != runs) exit 1
            printf "%.1f\n", runs % 2 ? t[(runs + 1) / 2] : (t[runs / 2] + t[runs / 2 + 1]) / 2 }'
}

# One result line: label, ms, rows, ratio to the full scan, and the aim when there is one.
report() {   # LABEL MS ROWS [AIM_MS]
    awk -v label="$1" -v ms="$2" -v rows="$3" -v aim="${4:-}" -v base="$BASE_MS" 'BEGIN {
        line = sprintf("  %-44s %9.1f ms  %8s rows  %7.3f x full scan", label, ms, rows, ms / base)
        if (aim != "") line = line sprintf("  aim %d ms met: %s", aim, ms < aim + 0 ? "yes" : "no")
        print line }'
}

# The scans of a plan, on one line: which indexes (or full scans) a query uses.
plan_scans() {   # SQL
    q "EXPLAIN $1" | grep -oE '(Parallel )?(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)( Backward)?( using [a-z_0-9]+)? on [a-z_0-9]+( [a-z_0-9]+)?' \
        | awk '!seen[$0]++' | paste -sd ';' - | sed 's/;/; /g'
}

read -r MONTH_FROM MONTH_TO MONTH <<<"$(q "SELECT to_char(m - interval '1 month', 'YYYY-MM-DD'),
    to_char(m, 'YYYY-MM-DD'), to_char(m - interval '1 month', 'YYYY-MM')
    FROM (SELECT date_trunc('month', suqiu_now() AT TIME ZONE 'Asia/Shanghai') AS m) AS t")"

echo "== data: $COMPLAINTS complaints received 2021-01-01 .. $GENERATED_AT (generated in ${GENERATION_SECONDS} s); hub clock pinned there"
q "SELECT t, n, pg_size_pretty(pg_table_size(t::regclass)), pg_size_pretty(pg_indexes_size(t::regclass))
   FROM (VALUES ('complaint', (SELECT count(*) FROM complaint)),
                ('complaint_deadline', (SELECT count(*) FROM complaint_deadline)),
                ('complaint_reply', (SELECT count(*) FROM complaint_reply))) AS v (t, n)" \
    | awk '{ printf "  %-20s %10d rows  table %7s %-2s  indexes %7s %s\n", $1, $2, $3, $4, $5, $6 }'
q "SELECT 'returns ' || (SELECT count(*) FROM complaint_return) || ', extensions '
          || (SELECT count(*) FROM complaint_extension) || ', pauses '
          || (SELECT count(*) FROM complaint_pause) || ' (open '
          || (SELECT count(*) FROM complaint_pause WHERE ended_at IS NULL) || '), database '
          || pg_size_pretty(pg_database_size(current_database()))" | sed 's/^/  /'
q "SELECT 'PostgreSQL ' || current_setting('server_version') || ': jit ' || current_setting('jit')
          || ', work_mem ' || current_setting('work_mem') || ', shared_buffers '
          || current_setting('shared_buffers') || ', ' || $(nproc) || ' cores'" | sed 's/^/  /'

echo "== baseline: SELECT count(*) FROM complaint (the whole table), median of $RUNS after a warm-up"
BASE_MS=$(median_ms "SELECT count(*) FROM complaint")
report "full scan: count(*) FROM complaint" "$BASE_MS" "$COMPLAINTS"
echo "   plan: $(plan_scans "SELECT count(*) FROM complaint")"

echo "== overdue list (suqiuctl overdue), aim: under $OVERDUE_AIM_MS ms"
overdue_all="SELECT * FROM overdue_now ORDER BY due_at"
overdue_dep="SELECT * FROM overdue_now WHERE department = '$BIGGEST' ORDER BY due_at"
ms=$(median_ms "$overdue_all")
report "overdue_now, all departments" "$ms" "$(q "SELECT count(*) FROM overdue_now")" "$OVERDUE_AIM_MS"
ms=$(median_ms "$overdue_dep")
report "overdue_now, department $BIGGEST (the biggest)" "$ms" \
    "$(q "SELECT count(*) FROM overdue_now WHERE department = '$BIGGEST'")" "$OVERDUE_AIM_MS"
echo "   plan: $(plan_scans "$overdue_all")"

month_count=$(q "SELECT count(*) FROM complaint
    WHERE received_at >= '$MONTH_FROM 00:00+08' AND received_at < '$MONTH_TO 00:00+08'")
echo "== monthly statistics (suqiuctl stats), month $MONTH ($month_count complaints), aim: under $STATS_AIM_MS ms"
stats="SELECT * FROM complaint_stats('$MONTH_FROM 00:00+08', '$MONTH_TO 00:00+08', 'department')"
monthly="SELECT * FROM complaint_stats_monthly WHERE month = '$MONTH_FROM' AND department = '$BIGGEST'"
ms=$(median_ms "$stats")
report "complaint_stats(month, 'department')" "$ms" "$(q "SELECT count(*) FROM ($stats) AS s")" \
    "$STATS_AIM_MS"
current="SELECT * FROM complaint_stats('$MONTH_TO 00:00+08', '$MONTH_TO 00:00+08'::timestamptz + interval '1 month', 'department')"
ms=$(median_ms "$current")
report "the same, month in progress ($(q "SELECT count(*) FROM complaint
    WHERE received_at >= '$MONTH_TO 00:00+08' AND state NOT IN ('closed', 'merged')") open)" "$ms" \
    "$(q "SELECT count(*) FROM ($current) AS s")" "$STATS_AIM_MS"
ms=$(median_ms "$monthly")
report "complaint_stats_monthly, $BIGGEST, $MONTH" "$ms" "$(q "SELECT count(*) FROM ($monthly) AS s")" \
    "$STATS_AIM_MS"
echo "   plan: $(plan_scans "$monthly")"

echo "== deadline watch: deadline_sweep(suqiu_now(), 1000), rolled back each time"
sweep="SELECT count(*) FROM deadline_sweep(suqiu_now(), 1000)"
ms=$(median_ms "$sweep" "BEGIN;" "ROLLBACK;")
report "deadline_sweep, at most 1000 of each alert" "$ms" \
    "$("${PSQL[@]}" -d "$DB" -At -c "BEGIN" -c "$sweep" -c "ROLLBACK")"
