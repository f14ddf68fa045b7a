/*  test_credit: the unified social credit codes (GB 32100-2015) of 12315 respondents. */
#include <string.h>

#include "sq_credit.h"
#include "suites.h"

START_TEST(well_formed_codes_with_their_check_character_pass)
{
    //  The usual example of the standard's explanations, and codes built for these tests.
    ck_assert_ptr_null(sq_credit_code_problem("91350100M000100Y43"));
    ck_assert_ptr_null(sq_credit_code_problem("91330382MA2AB1234W"));
    ck_assert_ptr_null(sq_credit_code_problem("91110000100000000R"));
    ck_assert_int_eq(sq_credit_check_char("91350100M000100Y4"), '3');
    ck_assert_int_eq(sq_credit_check_char("91330382MA2AB1234"), 'W');
    //  A sum that is a multiple of 31 gives check value 0, written "0" (not the 31st).
    ck_assert_ptr_null(sq_credit_code_problem("913303820000000160"));
}
END_TEST

START_TEST(other_texts_are_refused_with_the_reason)
{
    ck_assert_str_eq(sq_credit_code_problem("91350100M000100Y4"),
                     "must be 18 characters (统一社会信用代码, GB 32100-2015)");
    ck_assert_ptr_nonnull(sq_credit_code_problem(""));
    ck_assert_ptr_nonnull(strstr(sq_credit_code_problem("91350100M000100Y44"), "check character"));
    ck_assert_ptr_nonnull(strstr(sq_credit_code_problem("91350100m000100Y43"), "capital"));
    //  I, O, S, V and Z are not in the set (they look like digits or each other).
    ck_assert_ptr_nonnull(strstr(sq_credit_code_problem("91350100O000100Y43"), "but I, O, S"));
    ck_assert_ptr_nonnull(strstr(sq_credit_code_problem("9135A100M000100Y43"), "digits"));
    ck_assert_ptr_nonnull(sq_credit_code_problem("91350100M000100Y43X"));
    ck_assert_ptr_nonnull(sq_credit_code_problem("'; DROP TABLE x;--3"));
    ck_assert_int_eq(sq_credit_check_char("9135010-M000100Y4"), 0);
}
END_TEST

Suite *test_credit_suite(void)
{
    Suite *suite = suite_create("credit");
    TCase *tc = tcase_create("credit");
    tcase_add_test(tc, well_formed_codes_with_their_check_character_pass);
    tcase_add_test(tc, other_texts_are_refused_with_the_reason);
    suite_add_tcase(suite, tc);
    return suite;
}
