/*  test_db: a database connection that heals itself.  A server that cannot be reached is tried
    again only after a back-off, and a call in between says when; a connection the server cut is
    found out by the next statement, which runs again on a new connection with its statements
    prepared anew.  Uses the database make check provisions (SUQIU_TEST_DB). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sq_db.h"
#include "suites.h"

static const sq_db_statement_t s_statements[] = {
    {"backend", "SELECT pg_backend_pid()::text"},
    {"cut", "SELECT pg_terminate_backend($1::int)::text"},
    {NULL, NULL},
};

static void s_sleep_ms(int ms)
{
    struct timespec pause = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

START_TEST(an_unreachable_server_is_tried_again_after_a_back_off)
{
    sq_db_t *db = sq_db_new("host=/nonexistent/suqiu-socket dbname=nothing", "check_suqiu", s_statements);
    ck_assert_ptr_null(sq_db_exec(db, "backend", 0, NULL));
    ck_assert_ptr_nonnull(strstr(sq_db_error(db), "/nonexistent/suqiu-socket"));
    //  At once again: no new attempt, and the error says when the next one is.
    ck_assert_ptr_null(sq_db_exec(db, "backend", 0, NULL));
    ck_assert_ptr_nonnull(strstr(sq_db_error(db), "next attempt to connect is in"));
    ck_assert_int_eq(sq_db_command(db, "BEGIN"), -1);
    //  After the first back-off (100 ms) it tries the server again.
    s_sleep_ms(150);
    ck_assert_ptr_null(sq_db_exec(db, "backend", 0, NULL));
    ck_assert_ptr_nonnull(strstr(sq_db_error(db), "/nonexistent/suqiu-socket"));
    ck_assert(!sq_db_connected(db));
    sq_db_destroy(&db);
    sq_db_destroy(&db);   //  safe twice
}
END_TEST

static char *s_backend(sq_db_t *db)
{
    PGresult *result = sq_db_exec(db, "backend", 0, NULL);
    ck_assert_msg(result != NULL, "backend failed: %s", sq_db_error(db));
    char *pid = strdup(PQgetvalue(result, 0, 0));
    PQclear(result);
    return pid;
}

START_TEST(a_connection_the_server_cut_is_made_again_with_its_statements)
{
    const char *conninfo = getenv("SUQIU_TEST_DB");
    ck_assert_msg(conninfo != NULL, "SUQIU_TEST_DB is not set: run these tests through make check");
    sq_db_t *db = sq_db_new(conninfo, "check_suqiu", s_statements);
    sq_db_t *admin = sq_db_new(conninfo, "check_suqiu_admin", s_statements);
    ck_assert_int_eq(sq_db_connect(db), 0);
    ck_assert_int_eq(sq_db_connect(admin), 0);
    char *before = s_backend(db);

    const char *values[] = {before};
    PGresult *cut = sq_db_exec(admin, "cut", 1, values);
    ck_assert_ptr_nonnull(cut);
    ck_assert_str_eq(PQgetvalue(cut, 0, 0), "true");
    PQclear(cut);
    s_sleep_ms(100);

    //  The next statement meets the cut connection, connects again, prepares, and runs.
    char *after = s_backend(db);
    ck_assert_str_ne(after, before);
    ck_assert(sq_db_connected(db));
    free(before);
    free(after);
    sq_db_destroy(&admin);
    sq_db_destroy(&db);
}
END_TEST

Suite *test_db_suite(void)
{
    Suite *suite = suite_create("db");
    TCase *tc = tcase_create("db");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, an_unreachable_server_is_tried_again_after_a_back_off);
    tcase_add_test(tc, a_connection_the_server_cut_is_made_again_with_its_statements);
    suite_add_tcase(suite, tc);
    return suite;
}
