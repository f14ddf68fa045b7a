/*  test_simhash: near-duplicate reports are near, unrelated ones are far. */
#include "sq_simhash.h"
#include "suites.h"

START_TEST(same_text_same_hash_and_distance_zero)
{
    uint64_t a = sq_simhash("人民路小区旁工地每晚十点后仍在施工噪音很大", 3);
    ck_assert(a == sq_simhash("人民路小区旁工地每晚十点后仍在施工噪音很大", 3));
    ck_assert_int_eq(sq_simhash_distance(a, a), 0);
    ck_assert_int_eq(sq_simhash_distance(0, ~0ULL), 64);
}
END_TEST

START_TEST(a_reworded_report_is_near_an_unrelated_one_far)
{
    uint64_t first = sq_simhash("柳市镇长江路小学食堂今天中午的饭菜有异味多名学生吃后呕吐腹泻请尽快处理", 2);
    uint64_t again = sq_simhash("柳市镇长江路小学食堂今天中午饭菜有异味多名学生吃完后呕吐腹泻请马上处理", 2);
    uint64_t other = sq_simhash("虹桥镇幸福路的路灯已经坏了两个星期晚上出行很不方便希望修理", 2);
    int near = sq_simhash_distance(first, again);
    int far = sq_simhash_distance(first, other);
    ck_assert_msg(near <= 12, "reworded report differs in %d bits", near);
    ck_assert_msg(far >= 20, "unrelated report differs in only %d bits", far);
    ck_assert_int_lt(near, far);
}
END_TEST

START_TEST(short_empty_and_broken_input_are_safe)
{
    ck_assert(sq_simhash("", 3) == 0);
    (void) sq_simhash("噪", 3);
    (void) sq_simhash("\xff\xfe\xe4\xbd", 3);      //  not UTF-8: stray bytes count as characters
    ck_assert(sq_simhash("ab", 0) == sq_simhash("ab", 1));   //  shingle clamped to 1..8
    ck_assert(sq_simhash("abcdefghijk", 99) == sq_simhash("abcdefghijk", 8));
}
END_TEST

Suite *test_simhash_suite(void)
{
    Suite *suite = suite_create("simhash");
    TCase *tc = tcase_create("simhash");
    tcase_add_test(tc, same_text_same_hash_and_distance_zero);
    tcase_add_test(tc, a_reworded_report_is_near_an_unrelated_one_far);
    tcase_add_test(tc, short_empty_and_broken_input_are_safe);
    suite_add_tcase(suite, tc);
    return suite;
}
