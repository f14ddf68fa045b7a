/*  test_state: the lifecycle names agree with the database's complaint_state table. */
#include <stdlib.h>
#include <string.h>

#include "sq_db.h"
#include "sq_state.h"
#include "suites.h"

START_TEST(names_round_trip)
{
    for (int i = 0; i < SQ_STATE_COUNT; i++) {
        sq_state_t state;
        ck_assert_int_eq(sq_state_parse(sq_state_name((sq_state_t) i), &state), 0);
        ck_assert_int_eq(state, i);
        ck_assert_ptr_nonnull(strstr(sq_state_names(), sq_state_name((sq_state_t) i)));
    }
    sq_state_t state;
    ck_assert_int_eq(sq_state_parse("open", &state), -1);
    ck_assert_int_eq(sq_state_parse(NULL, &state), -1);
    ck_assert_str_eq(sq_state_name(SQ_STATE_COUNT), "unknown");
}
END_TEST

START_TEST(the_database_has_the_same_states_in_the_same_order)
{
    static const sq_db_statement_t statements[] = {
        {"states", "SELECT name FROM complaint_state ORDER BY position"}, {NULL, NULL}};
    const char *conninfo = getenv("SUQIU_TEST_DB");
    ck_assert_msg(conninfo != NULL, "SUQIU_TEST_DB is not set: run these tests through make check");
    sq_db_t *db = sq_db_new(conninfo, "check_suqiu", statements);
    ck_assert_int_eq(sq_db_connect(db), 0);
    PGresult *result = sq_db_exec(db, "states", 0, NULL);
    ck_assert_ptr_nonnull(result);
    ck_assert_int_eq(PQntuples(result), SQ_STATE_COUNT);
    for (int i = 0; i < SQ_STATE_COUNT; i++)
        ck_assert_str_eq(PQgetvalue(result, i, 0), sq_state_name((sq_state_t) i));
    PQclear(result);
    sq_db_destroy(&db);
}
END_TEST

Suite *test_state_suite(void)
{
    Suite *suite = suite_create("state");
    TCase *tc = tcase_create("state");
    tcase_add_test(tc, names_round_trip);
    tcase_add_test(tc, the_database_has_the_same_states_in_the_same_order);
    suite_add_tcase(suite, tc);
    return suite;
}
