/*  test_repeat: the terms of a complaint, how alike two complaints are, which earlier ones
    are candidates and what one means (merge, suggest), with a small category model trained
    here from made-up complaints for its idf. */
#include <stdlib.h>
#include <string.h>

#include "sq_repeat.h"
#include "sq_simhash.h"
#include "suites.h"

static const char *s_corpus[] = {
    "饭店后厨卫生很差，有老鼠", "超市卖过期食品，请处理", "小区路灯坏了，晚上很黑",
    "工地夜间施工噪音扰民", "学校食堂饭菜变质，请检查", "菜场猪肉没有检疫章",
    "物业不修电梯，老人下不了楼", "早餐店的包子有异味", "河道里有人偷排污水",
    "农贸市场卖的青菜农药超标", "外卖里吃出头发，要求退款", "养老院饭菜太咸",
};

static sq_textclass_t *s_model(void)
{
    sq_textclass_options_t options;
    sq_textclass_options_defaults(&options);
    options.features.hash_bits = 16;
    options.calibrate = false;
    sq_textclass_trainer_t *trainer = sq_textclass_trainer_new(&options);
    for (size_t i = 0; i < sizeof s_corpus / sizeof s_corpus[0]; i++)
        ck_assert_int_eq(sq_textclass_trainer_add(trainer, NULL, s_corpus[i], i % 2 ? "a" : "b"), 0);
    sq_textclass_t *model = sq_textclass_trainer_finish(&trainer);
    ck_assert_ptr_nonnull(model);
    return model;
}

START_TEST(a_retold_report_is_alike_an_unrelated_one_is_not)
{
    sq_textclass_t *model = s_model();
    sq_repeat_terms_t first, again, other, same;
    sq_repeat_terms(model, "月饼厂工人徒手操作",
                    "来电人反映：柳市镇柳青路一家做月饼的食品厂，工人徒手揉面，车间苍蝇乱飞，"
                    "月饼直接堆在地上。来电人诉求：请依法查处。",
                    &first);
    sq_repeat_terms(model, "微信留言", "柳市柳青路那个月饼厂 工人用手揉面 月饼就堆在地上 苍蝇乱飞 有人管吗",
                    &again);
    sq_repeat_terms(model, "路灯不亮", "来电人反映：虹桥镇幸福路的路灯坏了两个星期。来电人诉求：维修。",
                    &other);
    sq_repeat_terms(model, NULL, "柳市柳青路那个月饼厂 工人用手揉面 月饼就堆在地上 苍蝇乱飞 有人管吗",
                    &same);
    ck_assert_uint_gt(first.count, 10);
    ck_assert_uint_le(first.count, SQ_REPEAT_TERMS_MAX);
    for (size_t i = 1; i < first.count; i++)
        ck_assert_uint_lt(first.terms[i - 1], first.terms[i]);   //  sorted, distinct
    double alike = sq_repeat_similarity(model, &first, &again);
    double unlike = sq_repeat_similarity(model, &first, &other);
    ck_assert_msg(alike >= 0.4, "a retold report is only %.2f alike", alike);
    ck_assert_msg(unlike < 0.2, "an unrelated report is %.2f alike", unlike);
    //  The channels' set phrases are not terms: two hotline forms are not alike for them.
    sq_repeat_terms_t form_a, form_b;
    sq_repeat_terms(model, NULL, "来电人反映：停水三天。来电人诉求：恢复供水。", &form_a);
    sq_repeat_terms(model, NULL, "来电人反映：路灯坏了。来电人诉求：派人维修。", &form_b);
    ck_assert(sq_repeat_similarity(model, &form_a, &form_b) == 0);
    //  A generic WeChat title adds nothing.
    ck_assert(sq_repeat_similarity(model, &again, &same) > 0.999);
    ck_assert(sq_repeat_weight(model, 0xFFFFFF) == 1);
    sq_textclass_destroy(&model);
}
END_TEST

START_TEST(terms_go_to_the_database_and_back)
{
    sq_textclass_t *model = s_model();
    sq_repeat_terms_t terms, back;
    sq_repeat_terms(model, NULL, "饭店后厨有老鼠，卫生很差", &terms);
    char text[SQ_REPEAT_TEXT_MAX];
    sq_repeat_format(&terms, text, sizeof text);
    ck_assert(text[0] == '{' && text[strlen(text) - 1] == '}');
    ck_assert_int_eq(sq_repeat_parse(text, &back), 0);
    ck_assert_uint_eq(back.count, terms.count);
    ck_assert_int_eq(memcmp(back.terms, terms.terms, terms.count * sizeof terms.terms[0]), 0);
    ck_assert_int_eq(sq_repeat_parse("{}", &back), 0);
    ck_assert_uint_eq(back.count, 0);
    ck_assert(sq_repeat_similarity(model, &terms, &back) == 0);
    ck_assert_int_eq(sq_repeat_parse("{1,x}", &back), -1);
    ck_assert_int_eq(sq_repeat_parse("1,2", &back), -1);
    ck_assert_int_eq(sq_repeat_parse("{1,2}junk", &back), -1);
    ck_assert_int_eq(sq_repeat_parse(NULL, &back), -1);
    sq_repeat_terms(model, NULL, "", &terms);
    ck_assert_uint_eq(terms.count, 0);
    sq_textclass_destroy(&model);
}
END_TEST

//  A report of text from region with phone and category, its terms and SimHash computed.
static sq_repeat_report_t s_report(const sq_textclass_t *model, int64_t id, const char *text,
                                   const char *region, const char *phone, const char *category)
{
    sq_repeat_report_t report = {.id = id, .number = "N", .region = region, .phone = phone,
                                 .category = category};
    sq_repeat_terms(model, NULL, text, &report.terms);
    report.simhash = sq_simhash(text, 2);
    return report;
}

START_TEST(candidates_are_chosen_as_the_database_chooses_them)
{
    sq_repeat_report_t me = {.id = 9, .region = "liushi", .phone = "138", .category = "food"};
    sq_repeat_report_t other = {.id = 3, .region = "hongqiao", .phone = "139", .category = "food"};
    ck_assert(!sq_repeat_is_candidate(&me, &other));           //  another region, another phone
    other.region = NULL;                                         //  a region unknown: maybe
    ck_assert(sq_repeat_is_candidate(&me, &other));
    other.region = "liushi";
    ck_assert(sq_repeat_is_candidate(&me, &other));
    other.category = "noise";                                    //  another category
    ck_assert(!sq_repeat_is_candidate(&me, &other));
    other.phone = "138";                                         //  but the same caller
    ck_assert(sq_repeat_is_candidate(&me, &other));
    other.id = 9;                                                //  never itself
    ck_assert(!sq_repeat_is_candidate(&me, &other));
    sq_repeat_report_t unknown = {.id = 10};                     //  nothing known: nothing
    ck_assert(!sq_repeat_is_candidate(&unknown, &me));
}
END_TEST

START_TEST(a_sure_repeat_is_merged_a_likely_one_suggested_and_merge_wins)
{
    sq_textclass_t *model = s_model();
    const char *report = "来电人反映：柳市镇柳青路一家做月饼的食品厂，工人徒手揉面，车间苍蝇乱飞，"
                         "月饼直接堆在地上。来电人诉求：请依法查处。";
    const char *retold = "柳市柳青路那个月饼厂 工人用手揉面 月饼就堆在地上 苍蝇乱飞 有人管吗";
    sq_repeat_thresholds_t thresholds = {0.4, 0.25, 12};
    sq_repeat_report_t me = s_report(model, 9, retold, "liushi", "137", "food");
    //  The same incident, told elsewhere in another category: only suggested.
    sq_repeat_report_t elsewhere = s_report(model, 2, report, "liushi", "131", "school");
    sq_repeat_verdict_t verdict = {0};
    ck_assert_int_eq(sq_repeat_weigh(model, &thresholds, &me, &elsewhere, &verdict),
                     SQ_REPEAT_SUGGEST);
    ck_assert_ptr_eq(verdict.master, &elsewhere);
    //  The same place, category and setting, alike enough: merged, and merge beats suggest.
    sq_repeat_report_t same = s_report(model, 3, report, "liushi", "135", "food");
    ck_assert_int_eq(sq_repeat_weigh(model, &thresholds, &me, &same, &verdict), SQ_REPEAT_MERGE);
    ck_assert_ptr_eq(verdict.master, &same);
    ck_assert(verdict.similarity >= 0.4);
    //  A later suggestion, however alike, does not replace a merge.
    ck_assert_int_eq(sq_repeat_weigh(model, &thresholds, &me, &elsewhere, &verdict),
                     SQ_REPEAT_SUGGEST);
    ck_assert_ptr_eq(verdict.master, &same);
    //  Nearly the same text from the same phone: identical, whatever else.
    sq_repeat_report_t copy = s_report(model, 4, retold, NULL, "137", "noise");
    sq_repeat_verdict_t again = {0};
    ck_assert_int_eq(sq_repeat_weigh(model, &thresholds, &me, &copy, &again), SQ_REPEAT_MERGE);
    ck_assert(again.similarity == 1);
    //  An unrelated report is nothing, and leaves the verdict alone.
    sq_repeat_report_t lamp = s_report(model, 5, "来电人反映：虹桥镇幸福路的路灯坏了两个星期。",
                                       "liushi", "136", "food");
    sq_repeat_verdict_t none = {0};
    ck_assert_int_eq(sq_repeat_weigh(model, &thresholds, &me, &lamp, &none), SQ_REPEAT_NONE);
    ck_assert_ptr_null(none.master);
    sq_textclass_destroy(&model);
}
END_TEST

Suite *test_repeat_suite(void)
{
    Suite *suite = suite_create("repeat");
    TCase *tc = tcase_create("repeat");
    tcase_add_test(tc, a_retold_report_is_alike_an_unrelated_one_is_not);
    tcase_add_test(tc, terms_go_to_the_database_and_back);
    tcase_add_test(tc, candidates_are_chosen_as_the_database_chooses_them);
    tcase_add_test(tc, a_sure_repeat_is_merged_a_likely_one_suggested_and_merge_wins);
    suite_add_tcase(suite, tc);
    return suite;
}
