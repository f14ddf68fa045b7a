/*  test_history: a city's old labels mapped onto the taxonomy (sq_history), with a small
    catalogue and matrix written here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sq_history.h"
#include "suites.h"

typedef struct {
    char dir[64];
    sq_catalog_t *catalog;
    sq_matrix_t *matrix;
} s_city_t;

static void s_write(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
}

static void s_city_make(s_city_t *city)
{
    snprintf(city->dir, sizeof city->dir, "/tmp/suqiu-test-history-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(city->dir));
    s_write(city->dir, "departments.yaml",
            "departments:\n  - {id: zjj, name: 市住建局, kind: department}\n"
            "  - {id: jyj, name: 市教育局, kind: department}\n"
            "  - {id: hexi, name: 河西镇人民政府, kind: township}\n");
    s_write(city->dir, "regions.yaml",
            "regions:\n  - {id: hexi, name: 河西镇, kind: township, government: hexi}\n");
    s_write(city->dir, "categories.yaml",
            "categories:\n  - {id: urban.property, name: 物业, group: 城乡建设}\n"
            "  - {id: urban.housing, name: 住房, group: 城乡建设}\n"
            "  - {id: urban.building, name: 违建, group: 城乡建设}\n"
            "  - {id: edu.school, name: 学校, group: 教育}\n"
            "  - {id: food.canteen, name: 学校食堂, group: 食品安全}\n");
    s_write(city->dir, "matrix.yaml",
            "rules:\n  - {id: p, when: {category: urban.property}, lead: zjj, basis: x}\n"
            "  - {id: h, when: {category: urban.housing}, lead: zjj, basis: x}\n"
            "  - {id: b, when: {category: urban.building}, lead: \"@region\", basis: x}\n"
            "  - {id: s, when: {category: edu.school}, lead: jyj, basis: x}\n"
            "  - {id: c, when: {category: food.canteen}, lead: jyj, basis: x}\n"
            "  - {id: c2, when: {category: food.canteen, type: 举报}, lead: zjj, basis: x}\n");
    char error[512], path[256];
    city->catalog = sq_catalog_load(city->dir, error, sizeof error);
    ck_assert_msg(city->catalog != NULL, "%s", error);
    snprintf(path, sizeof path, "%s/matrix.yaml", city->dir);
    city->matrix = sq_matrix_load(path, city->catalog, error, sizeof error);
    ck_assert_msg(city->matrix != NULL, "%s", error);
}

static void s_city_remove(s_city_t *city)
{
    sq_matrix_destroy(&city->matrix);
    sq_catalog_destroy(&city->catalog);
    const char *names[] = {"departments.yaml", "regions.yaml", "categories.yaml", "matrix.yaml",
                           "mapping.yaml"};
    for (size_t i = 0; i < 5; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", city->dir, names[i]);
        unlink(path);
    }
    rmdir(city->dir);
}

static sq_history_t *s_mapping(s_city_t *city, const char *text, char *error, size_t size)
{
    s_write(city->dir, "mapping.yaml", text);
    char path[256];
    snprintf(path, sizeof path, "%s/mapping.yaml", city->dir);
    return sq_history_load(path, city->catalog, city->matrix, error, size);
}

static sq_textclass_t *s_model(void)
{
    sq_textclass_options_t options;
    sq_textclass_options_defaults(&options);
    options.features.hash_bits = 16;
    options.calibrate = false;
    sq_textclass_trainer_t *trainer = sq_textclass_trainer_new(&options);
    const char *property[] = {"物业费涨价", "物业不修电梯", "物业服务差", "小区物业乱收费"};
    const char *housing[] = {"开发商延期交房", "新房漏水开发商不修", "交房质量差", "房产证办不下来"};
    for (int i = 0; i < 4; i++) {
        sq_textclass_trainer_add(trainer, NULL, property[i], "urban.property");
        sq_textclass_trainer_add(trainer, NULL, housing[i], "urban.housing");
    }
    return sq_textclass_trainer_finish(&trainer);
}

START_TEST(old_labels_stand_for_our_categories)
{
    s_city_t city;
    s_city_make(&city);
    char error[512];
    sq_history_t *mapping = s_mapping(&city,
                                      "label_column: 一级分类\n"
                                      "labels:\n"
                                      "  - {from: 城乡建设, to: [urban.*]}\n"
                                      "  - {from: 教育文体, to: edu.school, also: [food.canteen]}\n"
                                      "  - {from: 市住建局, department: zjj}\n",
                                      error, sizeof error);
    ck_assert_msg(mapping != NULL, "%s", error);
    ck_assert_str_eq(sq_history_label_column(mapping), "一级分类");
    const char *const *categories = NULL;
    ck_assert_uint_eq(sq_history_candidates(mapping, "城乡建设", &categories), 3);
    ck_assert_str_eq(categories[0], "urban.property");
    ck_assert_uint_eq(sq_history_candidates(mapping, "教育文体", &categories), 2);
    ck_assert_str_eq(categories[1], "food.canteen");
    //  A department stands for the categories its default rules lead (not c2, a type rule).
    ck_assert_uint_eq(sq_history_candidates(mapping, "市住建局", &categories), 2);
    ck_assert_str_eq(categories[1], "urban.housing");
    ck_assert_uint_eq(sq_history_candidates(mapping, "交通运输", &categories), 0);
    ck_assert_ptr_null(categories);

    //  One category: that one; several: the model's likeliest among them.
    sq_textclass_t *model = s_model();
    double share = 0;
    ck_assert_str_eq(sq_history_category(mapping, model, NULL, "教育文体", "", "学校收费", &share),
                     "edu.school");
    ck_assert(share == 1);
    ck_assert_str_eq(sq_history_category(mapping, model, NULL, "城乡建设", "", "开发商延期交房了",
                                         &share),
                     "urban.housing");
    ck_assert(share > 0.33 && share <= 1);
    //  An `also` category only when the rules force it; a forced category of another label
    //  is not taken.
    ck_assert_str_eq(sq_history_category(mapping, model, "food.canteen", "教育文体", "", "食堂",
                                         NULL),
                     "food.canteen");
    ck_assert_str_eq(sq_history_category(mapping, model, "food.canteen", "城乡建设", "",
                                         "物业费涨价", NULL),
                     "urban.property");
    ck_assert_ptr_null(sq_history_category(mapping, model, NULL, "交通运输", "", "x", NULL));
    sq_textclass_destroy(&model);
    sq_history_destroy(&mapping);
    sq_history_destroy(&mapping);   //  safe twice
    s_city_remove(&city);
}
END_TEST

START_TEST(mapping_mistakes_name_file_line_and_key)
{
    s_city_t city;
    s_city_make(&city);
    char error[512];
    const struct {
        const char *text, *want;
    } cases[] = {
        {"labels:\n  - {from: a, to: [nosuch.*]}\n",
         "2: labels[0].to[0]: \"nosuch.*\" names no category of the catalogue"},
        {"labels:\n  - {from: a, to: [urban.property], department: zjj}\n",
         "2: labels[0]: needs exactly one of `to` (categories) or `department`"},
        {"labels:\n  - {from: a, department: nobody}\n",
         "2: labels[0].department: unknown department \"nobody\""},
        {"labels:\n  - {from: a, department: hexi}\n",
         "2: labels[0].department: no category's default rule in the matrix has lead \"hexi\""},
        {"labels:\n  - {from: a, to: edu.school}\n  - {from: a, to: edu.school}\n",
         "3: labels[1].from: \"a\" is mapped twice"},
        {"labels: []\n", "1: labels: the list is empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_ptr_null(s_mapping(&city, cases[i].text, error, sizeof error));
        ck_assert_msg(strstr(error, cases[i].want) != NULL, "case %zu: %s", i, error);
    }
    s_city_remove(&city);
}
END_TEST

Suite *test_history_suite(void)
{
    Suite *suite = suite_create("history");
    TCase *tc = tcase_create("history");
    tcase_add_test(tc, old_labels_stand_for_our_categories);
    tcase_add_test(tc, mapping_mistakes_name_file_line_and_key);
    suite_add_tcase(suite, tc);
    return suite;
}
