#!/usr/bin/env bash
# Every test: the Check suites (unit and database), then the integration tests that start the
# real broker, workers and adapter against the private PostgreSQL.  Run by `make check` after
# the build and `ops/pg.sh start`.   ops/check.sh BUILD_DIR
set -uo pipefail
. "$(dirname "$0")/common.sh"
BUILD_DIR=${1:-build}
MODE=${2:-}
cd "$ROOT"
export SUQIU_BIN="$ROOT/$BUILD_DIR/bin"
export PGHOST="$PGSOCK_DIR" PGUSER=suqiu

# A fresh database for the Check database suite.
"$PG_BINDIR/psql" -q -d postgres -c "DROP DATABASE IF EXISTS suqiu_check" -c "CREATE DATABASE suqiu_check" \
    || { echo "check: cannot create the test database" >&2; exit 1; }
PGDATABASE=suqiu_check "$SUQIU_BIN/suqiuctl" -c "$CONFIG" migrate >/dev/null || exit 1

failed=0
export SUQIU_TEST_DB="host=$PGSOCK_DIR user=suqiu dbname=suqiu_check"
if [ "$MODE" = --valgrind ]; then
    echo "== unit and database suites (Check) under valgrind"
    CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        "$SUQIU_BIN/check_suqiu" || failed=1
    "$PG_BINDIR/psql" -q -d postgres -c "DROP DATABASE IF EXISTS suqiu_check" >/dev/null 2>&1
    exit $failed
fi
echo "== unit and database suites (Check)"
"$SUQIU_BIN/check_suqiu" || failed=1

"$ROOT/ops/assets.sh" || failed=1

echo "== integration tests (real PostgreSQL, broker, workers, adapters; python3-zmq, HTTP clients, headless Chromium)"
/usr/bin/python3 "$ROOT/tests/e2e/run.py" || failed=1

"$PG_BINDIR/psql" -q -d postgres -c "DROP DATABASE IF EXISTS suqiu_check" >/dev/null 2>&1
exit $failed
