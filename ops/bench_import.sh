#!/usr/bin/env bash
# make bench (and make bench-import): `suqiuctl import` of BENCH_IMPORT_ROWS generated hotline
# work orders (ops/bench/hotline_export.py: varied places, matters and callers, a third of them
# 12315 orders with a respondent) into a fresh database, then the same file again (every row
# already present), beside two baselines measured in the same run on the same database:
# PostgreSQL's COPY of the same file into a bare table of 13 text columns (the floor of what
# loading these bytes costs), and single-row INSERTs into complaint by pgbench (as in
# ops/bench.sh).  The ratios are what count: these machines are shared.
#   ops/bench_import.sh BUILD_DIR     (env: BENCH_IMPORT_ROWS=100000 BENCH_SECONDS=10)
set -euo pipefail
. "$(dirname "$0")/common.sh"
BIN="$ROOT/${1:-build}/bin"
ROWS=${BENCH_IMPORT_ROWS:-100000}
SECONDS_EACH=${BENCH_SECONDS:-10}
DB=suqiu_bench_import
export PGOPTIONS="-c client_min_messages=warning"
PSQL=("$PG_BINDIR/psql" -h "$PGSOCK_DIR" -U suqiu -X -q -v ON_ERROR_STOP=1)
WORK=$(mktemp -d /tmp/suqiu-bench-import.XXXXXX)
cleanup() {
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

[[ "$ROWS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_IMPORT_ROWS must be a positive whole number"
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%d", n / (b - a) }'; }

"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
cat >"$WORK/hub.yaml" <<YAML
database:
  conninfo: "host=$PGSOCK_DIR user=suqiu dbname=$DB"
log:
  level: warn
YAML
"$BIN/suqiuctl" -c "$WORK/hub.yaml" migrate >/dev/null
/usr/bin/python3 "$ROOT/ops/bench/hotline_export.py" "$ROWS" --prefix BENCH >"$WORK/orders.csv"
size=$(du -m "$WORK/orders.csv" | cut -f1)

echo "== import: suqiuctl import of $ROWS generated work orders ($size MB of CSV) into a fresh database"
start=$(now)
"$BIN/suqiuctl" -c "$WORK/hub.yaml" import "$WORK/orders.csv" >"$WORK/first.txt" 2>"$WORK/first.err" \
    || { cat "$WORK/first.txt" "$WORK/first.err" >&2; die "the import failed"; }
end=$(now)
import_rate=$(rate "$ROWS" "$start" "$end")
printf '  first run:  %s\n' "$(grep '^imported' "$WORK/first.txt")"
start=$(now)
"$BIN/suqiuctl" -c "$WORK/hub.yaml" import "$WORK/orders.csv" >"$WORK/again.txt" 2>/dev/null \
    || die "the second import failed"
end=$(now)
again_rate=$(rate "$ROWS" "$start" "$end")
printf '  same file:  %s\n' "$(grep '^imported' "$WORK/again.txt")"
committed=$("${PSQL[@]}" -d "$DB" -Atc "SELECT count(*) FROM complaint")
[ "$committed" -eq "$ROWS" ] || die "$committed complaints in the database, $ROWS expected"
printf '  imported work orders/s: %d (the whole command: reading twice, checking, committing)\n' "$import_rate"
printf '  already present rows/s: %d\n' "$again_rate"

echo "== baselines on the same database"
"${PSQL[@]}" -d "$DB" -c "CREATE TABLE bench_copy (line text, external_id text, caller_name text,
    phone text, address text, region text, title text, content text, operator_id text,
    received_at text, respondent_name text, respondent_address text, respondent_credit_code text)"
start=$(now)
"${PSQL[@]}" -d "$DB" -c "\\copy bench_copy FROM '$WORK/orders.csv' WITH (FORMAT csv, HEADER true)"
end=$(now)
copy_rate=$(rate "$ROWS" "$start" "$end")
"${PSQL[@]}" -d "$DB" -c "CREATE SEQUENCE bench_baseline_seq"
insert_rate=$("$PG_BINDIR/pgbench" -h "$PGSOCK_DIR" -U suqiu -n -f "$ROOT/ops/bench/insert_baseline.sql" \
    -c 1 -j 1 -T "$SECONDS_EACH" "$DB" 2>/dev/null | awk '/^tps/ {print int($3)}')
printf '  COPY of the same CSV into a bare table: %7d rows/s\n' "$copy_rate"
printf '  single-row INSERT into complaint, 1 client: %7d rows/s (pgbench, %ss)\n' "$insert_rate" "$SECONDS_EACH"
echo "== ratios (what counts)"
awk -v i="$import_rate" -v c="$copy_rate" -v s="$insert_rate" 'BEGIN {
    printf "  import / COPY into a bare table:          %.2f\n", i / c
    printf "  import / single-row INSERT, 1 client:     %.2f\n", i / s }'
