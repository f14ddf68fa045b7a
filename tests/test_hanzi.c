/*  test_hanzi: traditional characters read as simplified, everything else left alone. */
#include <stdlib.h>
#include <string.h>

#include "sq_hanzi.h"
#include "suites.h"

START_TEST(traditional_text_reads_as_simplified)
{
    char *text = sq_hanzi_simplify("過期麵包還擺在最前面賣，大荊鎮老街");
    ck_assert_str_eq(text, "过期面包还摆在最前面卖，大荆镇老街");
    free(text);
    text = sq_hanzi_simplify("餐廳後廚生熟不分，舉報！");
    ck_assert_str_eq(text, "餐厅后厨生熟不分，举报！");
    ck_assert_uint_eq(sq_hanzi_traditional_count("餐廳後廚生熟不分，舉報！"), 5);
    free(text);
    ck_assert_uint_eq(sq_hanzi_simplified(0x9EB5), 0x9762);   //  麵 -> 面
    ck_assert_uint_eq(sq_hanzi_simplified(0x9762), 0x9762);   //  面 stays
}
END_TEST

START_TEST(simplified_ascii_and_broken_bytes_are_kept)
{
    const char *same = "学校食堂 canteen 138****1234 😡";
    char *text = sq_hanzi_simplify(same);
    ck_assert_str_eq(text, same);
    ck_assert_uint_eq(sq_hanzi_traditional_count(same), 0);
    free(text);
    //  Invalid UTF-8 and a character cut short are copied as they are; the length never
    //  changes (every table character takes three bytes, as its replacement does).
    const char *broken = "\xff\xfe\xe9\xba";   //  "\xe9\xba" is 麵 without its last byte
    text = sq_hanzi_simplify(broken);
    ck_assert_int_eq(memcmp(text, broken, 5), 0);
    free(text);
    text = sq_hanzi_simplify(NULL);
    ck_assert_str_eq(text, "");
    free(text);
}
END_TEST

Suite *test_hanzi_suite(void)
{
    Suite *suite = suite_create("hanzi");
    TCase *tc = tcase_create("hanzi");
    tcase_add_test(tc, traditional_text_reads_as_simplified);
    tcase_add_test(tc, simplified_ascii_and_broken_bytes_are_kept);
    suite_add_tcase(suite, tc);
    return suite;
}
