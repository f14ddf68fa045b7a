/*  test_number: the form of work-order numbers. */
#include "sq_number.h"
#include "suites.h"

START_TEST(well_formed_numbers_pass)
{
    ck_assert(sq_number_valid("12345-20261123-000042"));
    ck_assert(sq_number_valid("12315-20240229-000001"));   //  a leap day
    ck_assert(sq_number_valid("WEB-20261123-1234567"));    //  more than six digits
    ck_assert(sq_number_valid("WX-20261231-000001"));
    ck_assert(sq_number_valid("EM-20260101-000001"));
}
END_TEST

START_TEST(malformed_numbers_fail)
{
    ck_assert(!sq_number_valid(NULL));
    ck_assert(!sq_number_valid(""));
    ck_assert(!sq_number_valid("12345"));
    ck_assert(!sq_number_valid("12345-20261123-42"));        //  sequence too short
    ck_assert(!sq_number_valid("99999-20261123-000042"));    //  unknown prefix
    ck_assert(!sq_number_valid("12345-20261323-000042"));    //  month 13
    ck_assert(!sq_number_valid("12345-20230229-000042"));    //  not a leap year
    ck_assert(!sq_number_valid("12345-2026112-0000042"));
    ck_assert(!sq_number_valid("12345-20261123-00004x"));
    ck_assert(!sq_number_valid("12345-20261123-000042 "));
    ck_assert(!sq_number_valid("12345-20261123-000042/../x"));
    ck_assert(!sq_number_valid("'; DROP TABLE complaint; --"));
}
END_TEST

START_TEST(prefixes_follow_channels)
{
    ck_assert_str_eq(sq_number_prefix("hotline12345"), "12345");
    ck_assert_str_eq(sq_number_prefix("hotline12315"), "12315");
    ck_assert_str_eq(sq_number_prefix("web"), "WEB");
    ck_assert_str_eq(sq_number_prefix("wechat"), "WX");
    ck_assert_str_eq(sq_number_prefix("email"), "EM");
    ck_assert_ptr_null(sq_number_prefix("fax"));
}
END_TEST

Suite *test_number_suite(void)
{
    Suite *suite = suite_create("number");
    TCase *tc = tcase_create("number");
    tcase_add_test(tc, well_formed_numbers_pass);
    tcase_add_test(tc, malformed_numbers_fail);
    tcase_add_test(tc, prefixes_follow_channels);
    suite_add_tcase(suite, tc);
    return suite;
}
