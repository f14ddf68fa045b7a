/*  test_catalog: departments, regions and categories, their checks, the fixed types and
    urgencies, and the gazetteer that finds a complaint's region. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sq_catalog.h"
#include "sq_gazetteer.h"
#include "suites.h"

static const char *s_departments = "departments:\n"
                                   "  - id: scjgj\n"
                                   "    name: 市市场监管局\n"
                                   "    kind: department\n"
                                   "    aliases: [市场监管局, 市监局]\n"
                                   "  - id: jyj\n"
                                   "    name: 市教育局\n"
                                   "    kind: department\n"
                                   "  - id: chengdong\n"
                                   "    name: 城东街道办事处\n"
                                   "    kind: street\n"
                                   "  - id: xinqu\n"
                                   "    name: 城东新区管委会\n"
                                   "    kind: street\n"
                                   "  - id: hexi\n"
                                   "    name: 河西镇人民政府\n"
                                   "    kind: township\n"
                                   "  - id: hotline\n"
                                   "    name: 12345热线\n"
                                   "    kind: hotline\n";

static const char *s_regions = "regions:\n"
                               "  - id: chengdong\n"
                               "    name: 城东街道\n"
                               "    kind: street\n"
                               "    government: chengdong\n"
                               "    aliases: [城东]\n"
                               "  - id: xinqu\n"
                               "    name: 城东新区\n"
                               "    kind: street\n"
                               "    government: xinqu\n"
                               "  - id: hexi\n"
                               "    name: 河西镇\n"
                               "    kind: township\n"
                               "    government: hexi\n"
                               "    aliases: [河西]\n";

static const char *s_categories = "categories:\n"
                                  "  - id: food.school_canteen\n"
                                  "    name: 学校食堂食品安全\n"
                                  "    group: 食品安全\n"
                                  "    description: 学校(含幼儿园)食堂的食品安全\n"
                                  "  - id: housing.property\n"
                                  "    name: 物业管理\n"
                                  "    group: 住房\n";

//  Write text to dir/name.
static void s_put(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
}

//  A new folder under /tmp holding the three good files; its path goes into dir.
static void s_fixture(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/suqiu-test-catalog-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    s_put(dir, "departments.yaml", s_departments);
    s_put(dir, "regions.yaml", s_regions);
    s_put(dir, "categories.yaml", s_categories);
}

static void s_fixture_remove(const char *dir)
{
    const char *names[] = {"departments.yaml", "regions.yaml", "categories.yaml"};
    char path[256];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

//  Replace one file with text, expect the load to fail with "<dir>/<name>:<want>", and
//  put the good file back.
static void s_expect_error(const char *dir, const char *name, const char *text, const char *want)
{
    s_put(dir, name, text);
    char error[512] = "", expected[512];
    sq_catalog_t *catalog = sq_catalog_load(dir, error, sizeof error);
    ck_assert_msg(catalog == NULL, "expected an error for: %s", text);
    snprintf(expected, sizeof expected, "%s/%s:%s", dir, name, want);
    ck_assert_str_eq(error, expected);
    s_put(dir, "departments.yaml", s_departments);
    s_put(dir, "regions.yaml", s_regions);
    s_put(dir, "categories.yaml", s_categories);
}

START_TEST(catalogue_loads_and_looks_up)
{
    char dir[64], error[512];
    s_fixture(dir, sizeof dir);
    sq_catalog_t *catalog = sq_catalog_load(dir, error, sizeof error);
    ck_assert_msg(catalog != NULL, "%s", error);
    ck_assert_uint_eq(sq_catalog_department_count(catalog), 6);
    ck_assert_uint_eq(sq_catalog_region_count(catalog), 3);
    ck_assert_uint_eq(sq_catalog_category_count(catalog), 2);

    const sq_department_t *scjgj = sq_catalog_department(catalog, "scjgj");
    ck_assert_ptr_nonnull(scjgj);
    ck_assert_str_eq(scjgj->name, "市市场监管局");
    ck_assert_int_eq(scjgj->kind, SQ_DEPARTMENT_DEPARTMENT);
    ck_assert_uint_eq(scjgj->alias_count, 2);
    ck_assert_str_eq(scjgj->aliases[1], "市监局");
    ck_assert_ptr_eq(sq_catalog_department_named(catalog, "市监局"), scjgj);
    ck_assert_ptr_eq(sq_catalog_department_named(catalog, "市市场监管局"), scjgj);
    ck_assert_ptr_null(sq_catalog_department_named(catalog, "监管局"));   //  exact only
    ck_assert_ptr_null(sq_catalog_department(catalog, "nope"));
    ck_assert_ptr_null(sq_catalog_department(catalog, NULL));
    ck_assert_int_eq(sq_catalog_department(catalog, "hotline")->kind, SQ_DEPARTMENT_HOTLINE);
    ck_assert_str_eq(sq_department_kind_name(SQ_DEPARTMENT_TOWNSHIP), "township");

    const sq_region_t *hexi = sq_catalog_region(catalog, "hexi");
    ck_assert_int_eq(hexi->kind, SQ_REGION_TOWNSHIP);
    ck_assert_str_eq(hexi->government->id, "hexi");
    ck_assert_str_eq(hexi->government->name, "河西镇人民政府");
    ck_assert_ptr_eq(sq_catalog_region_named(catalog, "河西"), hexi);
    ck_assert_ptr_eq(sq_catalog_region_at(catalog, 2), hexi);
    ck_assert_ptr_null(sq_catalog_region_at(catalog, 3));
    ck_assert_str_eq(sq_region_kind_name(hexi->kind), "township");

    const sq_category_t *canteen = sq_catalog_category(catalog, "food.school_canteen");
    ck_assert_str_eq(canteen->group, "食品安全");
    ck_assert_str_eq(canteen->description, "学校(含幼儿园)食堂的食品安全");
    ck_assert_str_eq(sq_catalog_category(catalog, "housing.property")->description, "");
    ck_assert_ptr_eq(sq_catalog_category_named(catalog, "学校食堂食品安全"), canteen);
    ck_assert_ptr_eq(sq_catalog_category_at(catalog, 0), canteen);

    sq_catalog_destroy(&catalog);
    sq_catalog_destroy(&catalog);   //  safe twice
    ck_assert_ptr_null(catalog);
    s_fixture_remove(dir);
}
END_TEST

START_TEST(types_and_urgencies_are_fixed)
{
    const char *labels[] = {"投诉", "举报", "咨询", "求助", "建议", "表扬"};
    const char *names[] = {"complaint", "report", "enquiry", "help", "suggestion", "praise"};
    for (int i = 0; i < 6; i++) {
        sq_type_t type = SQ_TYPE_NONE;
        ck_assert_int_eq(sq_type_parse(labels[i], &type), 0);
        ck_assert_int_eq(type, SQ_TYPE_COMPLAINT + i);
        ck_assert_str_eq(sq_type_name(type), names[i]);
        type = SQ_TYPE_NONE;
        ck_assert_int_eq(sq_type_parse(names[i], &type), 0);
        ck_assert_str_eq(sq_type_label(type), labels[i]);
    }
    sq_type_t type = SQ_TYPE_PRAISE;
    ck_assert_int_eq(sq_type_parse("抱怨", &type), -1);
    ck_assert_int_eq(sq_type_parse("", &type), -1);
    ck_assert_int_eq(sq_type_parse(NULL, &type), -1);
    ck_assert_int_eq(type, SQ_TYPE_PRAISE);
    ck_assert_str_eq(sq_type_label(SQ_TYPE_NONE), "");

    sq_urgency_t urgency = SQ_URGENCY_NONE;
    ck_assert_int_eq(sq_urgency_parse("紧急", &urgency), 0);
    ck_assert_int_eq(urgency, SQ_URGENCY_URGENT);
    ck_assert_int_eq(sq_urgency_parse("normal", &urgency), 0);
    ck_assert_str_eq(sq_urgency_label(urgency), "一般");
    ck_assert_str_eq(sq_urgency_name(SQ_URGENCY_URGENT), "urgent");
    ck_assert_int_eq(sq_urgency_parse("很急", &urgency), -1);
}
END_TEST

START_TEST(mistakes_name_file_line_and_key)
{
    char dir[64];
    s_fixture(dir, sizeof dir);
    s_expect_error(dir, "departments.yaml", "departments:\n  - id: Scjgj\n    name: x\n",
                   "2: departments[0].id: \"Scjgj\" is not an id: use 1-64 of a-z 0-9 _");
    s_expect_error(dir, "departments.yaml",
                   "departments:\n  - {id: a, name: x, kind: department}\n"
                   "  - {id: a, name: y, kind: department}\n",
                   "3: departments[1].id: \"a\" is already used on line 2");
    s_expect_error(dir, "departments.yaml",
                   "departments:\n  - {id: a, name: x, kind: bureau}\n",
                   "2: departments[0].kind: must be department | township | street | hotline, "
                   "got \"bureau\"");
    s_expect_error(dir, "departments.yaml",
                   "departments:\n  - {id: a, name: x, kind: department, colour: red}\n",
                   "2: departments[0].colour: unknown key (known: id, name, kind, aliases)");
    s_expect_error(dir, "departments.yaml", "departments:\n  - id: a\n    kind: department\n",
                   "2: departments[0].name: required, but missing");
    s_expect_error(dir, "departments.yaml",
                   "departments:\n  - {id: a, name: 甲局, kind: department}\n"
                   "  - {id: b, name: 乙局, kind: department, aliases: [丙局, 甲局]}\n",
                   "3: departments[1].aliases[1]: \"甲局\" is already used on line 2");
    s_expect_error(dir, "departments.yaml", "departments: []\n",
                   "1: departments: the list is empty");
    s_expect_error(dir, "departments.yaml", "department:\n  - {id: a}\n",
                   "1: department: unknown key (known: departments)");
    s_expect_error(dir, "regions.yaml",
                   "regions:\n  - {id: r, name: 某街道, kind: street, government: chengdong}\n"
                   "  - {id: q, name: 某镇, kind: township, government: hexii}\n",
                   "3: regions[1].government: unknown department \"hexii\"");
    s_expect_error(dir, "regions.yaml",
                   "regions:\n  - {id: r, name: 某街道, kind: street, government: scjgj}\n",
                   "2: regions[0].government: \"scjgj\" is a department, not a township or "
                   "street");
    s_expect_error(dir, "regions.yaml",
                   "regions:\n  - {id: r, name: 某街道, kind: district, government: chengdong}\n",
                   "2: regions[0].kind: must be street | township, got \"district\"");
    s_expect_error(dir, "regions.yaml",
                   "regions:\n"
                   "  - {id: r, name: 甲街道, kind: street, government: chengdong, aliases: [甲]}\n"
                   "  - {id: q, name: 乙街道, kind: street, government: chengdong,\n"
                   "     aliases: [乙, 甲]}\n",
                   "4: regions[1].aliases[1]: \"甲\" is already used on line 2");
    s_expect_error(dir, "categories.yaml", "categories:\n  - {id: food..x, name: a, group: g}\n",
                   "2: categories[0].id: \"food..x\" is not an id: use 1-64 of a-z 0-9 _, "
                   "words joined by single dots");
    s_expect_error(dir, "categories.yaml", "categories:\n  - {id: food.x, name: a}\n",
                   "2: categories[0].group: required, but missing");
    s_expect_error(dir, "categories.yaml",
                   "categories:\n  - {id: food.x, name: a, group: g}\n"
                   "  - {id: food.y, name: a, group: g}\n",
                   "3: categories[1].name: \"a\" is already used on line 2");

    char error[256];
    char missing[128];
    snprintf(missing, sizeof missing, "%s/categories.yaml", dir);
    unlink(missing);
    ck_assert_ptr_null(sq_catalog_load(dir, error, sizeof error));
    ck_assert_ptr_nonnull(strstr(error, "categories.yaml: cannot open"));
    s_fixture_remove(dir);
}
END_TEST

START_TEST(gazetteer_prefers_fields_in_order_and_the_longest_name)
{
    char dir[64], error[512];
    s_fixture(dir, sizeof dir);
    sq_catalog_t *catalog = sq_catalog_load(dir, error, sizeof error);
    ck_assert_msg(catalog != NULL, "%s", error);
    sq_gazetteer_t *gazetteer = sq_gazetteer_new(catalog);
    sq_gazetteer_match_t match;

    //  The region field, exactly an id, a name or an alias; or containing one.
    ck_assert_int_eq(sq_gazetteer_locate(gazetteer, "hexi", "城东街道1号", NULL, NULL, &match), 0);
    ck_assert_str_eq(match.region->id, "hexi");
    ck_assert_int_eq(match.source, SQ_GAZETTEER_REGION);
    ck_assert_str_eq(match.matched, "hexi");
    ck_assert_int_eq(sq_gazetteer_locate(gazetteer, "城东", NULL, NULL, NULL, &match), 0);
    ck_assert_str_eq(match.region->id, "chengdong");
    ck_assert_str_eq(match.matched, "城东");
    ck_assert_int_eq(sq_gazetteer_locate(gazetteer, "某市城东新区", NULL, NULL, NULL, &match), 0);
    ck_assert_str_eq(match.region->id, "xinqu");
    ck_assert_str_eq(sq_gazetteer_source_name(match.source), "region");

    //  A region field naming nothing falls through to the address.
    ck_assert_int_eq(
        sq_gazetteer_locate(gazetteer, "不详", "城东新区和平路5号", NULL, NULL, &match), 0);
    ck_assert_str_eq(match.region->id, "xinqu");   //  城东新区 over 城东
    ck_assert_str_eq(match.matched, "城东新区");
    ck_assert_int_eq(match.source, SQ_GAZETTEER_ADDRESS);
    ck_assert_int_eq(sq_gazetteer_locate(gazetteer, "", "城东街道和平路5号", NULL, NULL, &match),
                     0);
    ck_assert_str_eq(match.region->id, "chengdong");
    ck_assert_str_eq(match.matched, "城东街道");   //  the longest at that place
    //  Leftmost wins over longest.
    ck_assert_int_eq(sq_gazetteer_locate(gazetteer, NULL, "河西路, 近城东新区", NULL, NULL, &match),
                     0);
    ck_assert_str_eq(match.region->id, "hexi");

    //  Then the title, then the content.
    ck_assert_int_eq(
        sq_gazetteer_locate(gazetteer, NULL, "人民路", "河西镇菜场", "城东街道也有", &match), 0);
    ck_assert_str_eq(match.region->id, "hexi");
    ck_assert_str_eq(sq_gazetteer_source_name(match.source), "title");
    ck_assert_int_eq(
        sq_gazetteer_locate(gazetteer, NULL, NULL, "菜场脏乱", "地点在城东的菜场", &match), 0);
    ck_assert_str_eq(match.region->id, "chengdong");
    ck_assert_int_eq(match.source, SQ_GAZETTEER_CONTENT);

    ck_assert_int_eq(sq_gazetteer_locate(gazetteer, "外地", "人民路", "标题", "内容", &match), -1);
    ck_assert_ptr_null(match.region);
    ck_assert_ptr_null(match.matched);
    ck_assert_int_eq(match.source, SQ_GAZETTEER_NONE);

    const char *matched = NULL;
    ck_assert_ptr_eq(sq_gazetteer_find(gazetteer, "xx河西", &matched),
                     sq_catalog_region(catalog, "hexi"));
    ck_assert_str_eq(matched, "河西");
    ck_assert_ptr_null(sq_gazetteer_find(gazetteer, "城", &matched));   //  a name cut short

    sq_gazetteer_destroy(&gazetteer);
    sq_gazetteer_destroy(&gazetteer);
    ck_assert_ptr_null(gazetteer);
    sq_catalog_destroy(&catalog);
    s_fixture_remove(dir);
}
END_TEST

START_TEST(shipped_catalogue_loads)
{
    char error[512];
    sq_catalog_t *catalog = sq_catalog_load("config", error, sizeof error);
    ck_assert_msg(catalog != NULL, "%s", error);
    ck_assert_uint_gt(sq_catalog_region_count(catalog), 0);
    sq_gazetteer_t *gazetteer = sq_gazetteer_new(catalog);
    const sq_region_t *first = sq_catalog_region_at(catalog, 0);
    sq_gazetteer_match_t match;
    char address[256];
    snprintf(address, sizeof address, "%s某路1号", first->name);
    ck_assert_int_eq(sq_gazetteer_locate(gazetteer, NULL, address, NULL, NULL, &match), 0);
    ck_assert_ptr_eq(match.region, first);
    sq_gazetteer_destroy(&gazetteer);
    sq_catalog_destroy(&catalog);
}
END_TEST

Suite *test_catalog_suite(void)
{
    Suite *suite = suite_create("catalog");
    TCase *tc = tcase_create("catalog");
    tcase_add_test(tc, catalogue_loads_and_looks_up);
    tcase_add_test(tc, types_and_urgencies_are_fixed);
    tcase_add_test(tc, mistakes_name_file_line_and_key);
    tcase_add_test(tc, gazetteer_prefers_fields_in_order_and_the_longest_name);
    tcase_add_test(tc, shipped_catalogue_loads);
    suite_add_tcase(suite, tc);
    return suite;
}
