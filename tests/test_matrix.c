/*  test_matrix: routing by the matrix (precedence, wildcards, "@region", departments that
    returned a complaint, settings, labels the classifier is unsure of) and the
    classification rules that force, veto or weigh a label. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sq_catalog.h"
#include "sq_matrix.h"
#include "sq_rules.h"
#include "suites.h"

static const char *s_departments = "departments:\n"
                                   "  - {id: scjgj, name: 市市场监管局, kind: department}\n"
                                   "  - {id: jyj, name: 市教育局, kind: department}\n"
                                   "  - {id: zjj, name: 市住建局, kind: department}\n"
                                   "  - {id: chengdong, name: 城东街道办事处, kind: street}\n"
                                   "  - {id: hexi, name: 河西镇人民政府, kind: township}\n";

static const char *s_regions
    = "regions:\n"
      "  - {id: chengdong, name: 城东街道, kind: street, government: chengdong}\n"
      "  - {id: hexi, name: 河西镇, kind: township, government: hexi}\n";

static const char *s_categories = "categories:\n"
                                  "  - {id: food.school_canteen, name: 学校食堂, group: 食品安全}\n"
                                  "  - {id: food.restaurant, name: 餐馆, group: 食品安全}\n"
                                  "  - {id: housing.property, name: 物业, group: 住房}\n";

static const char *s_matrix = "rules:\n"
                              "  - id: school-canteen\n"
                              "    when:\n"
                              "      category: food.school_canteen\n"
                              "    lead: jyj\n"
                              "    co: [scjgj]\n"
                              "    priority: 100\n"
                              "    basis: 附件1 学校食堂由教育部门牵头\n"
                              "  - id: food-any\n"
                              "    when: {category: [food.school_canteen, food.restaurant]}\n"
                              "    lead: scjgj\n"
                              "    co: [\"@region\"]\n"
                              "    priority: 50\n"
                              "    basis: 食品安全由市场监管负责\n"
                              "  - id: canteen-12315\n"
                              "    when: {category: food.school_canteen, channel: hotline12315,"
                              " region: \"*\"}\n"
                              "    lead: scjgj\n"
                              "    co: [jyj, zjj]\n"
                              "    priority: 100\n"
                              "    basis: 12315 受理的食品投诉由市场监管牵头\n"
                              "  - id: property\n"
                              "    when: {category: housing.property, type: \"*\"}\n"
                              "    lead: \"@region\"\n"
                              "    co: [zjj]\n"
                              "    priority: 10\n"
                              "    basis: 物业纠纷属地管理\n"
                              "  - id: suggestion-first\n"
                              "    when: {type: 建议}\n"
                              "    lead: zjj\n"
                              "    priority: 5\n"
                              "    basis: a\n"
                              "  - id: suggestion-second\n"
                              "    when: {type: [suggestion, 咨询]}\n"
                              "    lead: scjgj\n"
                              "    priority: 5\n"
                              "    basis: b\n"
                              "  - id: fallback\n"
                              "    lead: \"@region\"\n"
                              "    basis: 其他事项属地兜底\n";

static const char *s_rules = "rules:\n"
                             "  - id: urgent-poisoning\n"
                             "    target: urgency\n"
                             "    action: force\n"
                             "    label: 紧急\n"
                             "    any: [食物中毒, 集体呕吐]\n"
                             "    regex: \"学生.{0,6}(呕吐|腹泻)\"\n"
                             "    priority: 10\n"
                             "  - id: urgent-fire\n"
                             "    target: urgency\n"
                             "    action: force\n"
                             "    label: urgent\n"
                             "    any: [起火]\n"
                             "    priority: 20\n"
                             "  - id: normal-thanks\n"
                             "    target: urgency\n"
                             "    action: force\n"
                             "    label: 一般\n"
                             "    any: [感谢]\n"
                             "    priority: 20\n"
                             "  - id: urgent-veto-drill\n"
                             "    target: urgency\n"
                             "    action: veto\n"
                             "    label: 紧急\n"
                             "    any: [演练]\n"
                             "    priority: 15\n"
                             "  - id: not-praise\n"
                             "    target: type\n"
                             "    action: veto\n"
                             "    label: 表扬\n"
                             "    any: [投诉, 不满]\n"
                             "  - id: not-praise-regex\n"
                             "    target: type\n"
                             "    action: veto\n"
                             "    label: praise\n"
                             "    regex: \"差评|态度.*(恶劣|差)\"\n"
                             "  - id: not-enquiry\n"
                             "    target: type\n"
                             "    action: veto\n"
                             "    label: 咨询\n"
                             "    any: [举报]\n"
                             "  - id: canteen\n"
                             "    target: category\n"
                             "    action: force\n"
                             "    label: food.school_canteen\n"
                             "    regex: \"(学校|幼儿园).*食堂\"\n";

//  A folder under /tmp with the catalogue files, matrix.yaml and classify_rules.yaml.
typedef struct {
    char dir[64];
    char matrix[128];
    char rules[128];
    sq_catalog_t *catalog;
} s_fixture_t;

static void s_put(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
}

static void s_put_in(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    s_put(path, text);
}

static void s_fixture_make(s_fixture_t *fixture)
{
    snprintf(fixture->dir, sizeof fixture->dir, "/tmp/suqiu-test-matrix-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fixture->dir));
    s_put_in(fixture->dir, "departments.yaml", s_departments);
    s_put_in(fixture->dir, "regions.yaml", s_regions);
    s_put_in(fixture->dir, "categories.yaml", s_categories);
    snprintf(fixture->matrix, sizeof fixture->matrix, "%s/matrix.yaml", fixture->dir);
    snprintf(fixture->rules, sizeof fixture->rules, "%s/classify_rules.yaml", fixture->dir);
    s_put(fixture->matrix, s_matrix);
    s_put(fixture->rules, s_rules);
    char error[512];
    fixture->catalog = sq_catalog_load(fixture->dir, error, sizeof error);
    ck_assert_msg(fixture->catalog != NULL, "%s", error);
}

static void s_fixture_remove(s_fixture_t *fixture)
{
    sq_catalog_destroy(&fixture->catalog);
    const char *names[] = {"departments.yaml", "regions.yaml", "categories.yaml", "matrix.yaml",
                           "classify_rules.yaml"};
    for (size_t i = 0; i < 5; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", fixture->dir, names[i]);
        unlink(path);
    }
    rmdir(fixture->dir);
}

static sq_matrix_t *s_matrix_load(const s_fixture_t *fixture)
{
    char error[512];
    sq_matrix_t *matrix = sq_matrix_load(fixture->matrix, fixture->catalog, error, sizeof error);
    ck_assert_msg(matrix != NULL, "%s", error);
    return matrix;
}

//  Write text as the matrix (or the rules) and expect "<file>:<want>".
static void s_expect_matrix_error(s_fixture_t *fixture, const char *text, const char *want)
{
    s_put(fixture->matrix, text);
    char error[512] = "", expected[512];
    ck_assert_ptr_null(sq_matrix_load(fixture->matrix, fixture->catalog, error, sizeof error));
    snprintf(expected, sizeof expected, "%s:%s", fixture->matrix, want);
    ck_assert_str_eq(error, expected);
}

static void s_expect_rules_error(s_fixture_t *fixture, const char *text, const char *want)
{
    s_put(fixture->rules, text);
    char error[512] = "", expected[512];
    ck_assert_ptr_null(sq_rules_load(fixture->rules, fixture->catalog, error, sizeof error));
    snprintf(expected, sizeof expected, "%s:%s", fixture->rules, want);
    ck_assert_str_eq(error, expected);
}

//  Route and check lead (NULL for triage), rule and the co-departments ("a,b").
static void s_expect_route(const sq_matrix_t *matrix, const sq_route_query_t *query,
                           const char *const *excluded, size_t excluded_count, const char *lead,
                           const char *rule, const char *co, sq_route_decision_t *decision)
{
    int rc = sq_matrix_route(matrix, query, excluded, excluded_count, decision);
    ck_assert_msg(rc == (lead ? 0 : -1), "rc %d: %s", rc, decision->reason);
    if (lead)
        ck_assert_str_eq(decision->lead, lead);
    else
        ck_assert_ptr_null(decision->lead);
    if (rule)
        ck_assert_str_eq(decision->rule, rule);
    else
        ck_assert_ptr_null(decision->rule);
    char joined[256] = "";
    for (size_t i = 0; i < decision->co_count; i++)
        snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "%s%s", i ? "," : "",
                 decision->co[i]);
    ck_assert_str_eq(joined, co);
}

START_TEST(precedence_is_priority_then_keys_then_file_order)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    sq_matrix_t *matrix = s_matrix_load(&fixture);
    ck_assert_uint_eq(sq_matrix_rule_count(matrix), 7);
    sq_route_decision_t decision;

    //  Highest priority.
    sq_route_query_t query = {"food.school_canteen", SQ_TYPE_COMPLAINT, "hexi", "web", NULL, 0};
    s_expect_route(matrix, &query, NULL, 0, "jyj", "school-canteen", "scjgj", &decision);
    ck_assert_str_eq(decision.reason, "rule school-canteen (priority 100, matched "
                                      "category=food.school_canteen): 附件1 学校食堂由教育部门牵头");

    //  Same priority: more keys win; "*" does not count as a key.
    query.channel = "hotline12315";
    s_expect_route(matrix, &query, NULL, 0, "scjgj", "canteen-12315", "jyj,zjj", &decision);
    ck_assert_str_eq(decision.reason,
                     "rule canteen-12315 (priority 100, matched category=food.school_canteen, "
                     "channel=hotline12315): 12315 受理的食品投诉由市场监管牵头");

    //  A list of values.
    query = (sq_route_query_t){"food.restaurant", SQ_TYPE_COMPLAINT, "hexi", "web", NULL, 0};
    s_expect_route(matrix, &query, NULL, 0, "scjgj", "food-any", "hexi", &decision);

    //  Same priority and keys: file order.  Types match by label or name.
    query = (sq_route_query_t){NULL, SQ_TYPE_SUGGESTION, "hexi", "web", NULL, 0};
    s_expect_route(matrix, &query, NULL, 0, "zjj", "suggestion-first", "", &decision);
    query.type = SQ_TYPE_ENQUIRY;
    s_expect_route(matrix, &query, NULL, 0, "scjgj", "suggestion-second", "", &decision);

    //  Nothing specific: the rule without `when`.
    query = (sq_route_query_t){NULL, SQ_TYPE_NONE, "chengdong", NULL, NULL, 0};
    s_expect_route(matrix, &query, NULL, 0, "chengdong", "fallback", "", &decision);
    ck_assert_str_eq(decision.reason, "rule fallback (priority 0, matched any; lead @region of "
                                      "chengdong): 其他事项属地兜底");
    sq_matrix_destroy(&matrix);
    sq_matrix_destroy(&matrix);   //  safe twice
    ck_assert_ptr_null(matrix);
    s_fixture_remove(&fixture);
}
END_TEST

START_TEST(region_lead_needs_a_known_region)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    sq_matrix_t *matrix = s_matrix_load(&fixture);
    sq_route_decision_t decision;
    sq_route_query_t query = {"housing.property", SQ_TYPE_COMPLAINT, "hexi", "wechat", NULL, 0};
    s_expect_route(matrix, &query, NULL, 0, "hexi", "property", "zjj", &decision);
    query.region = "chengdong";
    s_expect_route(matrix, &query, NULL, 0, "chengdong", "property", "zjj", &decision);
    query.region = NULL;
    s_expect_route(matrix, &query, NULL, 0, NULL, "property", "", &decision);
    ck_assert_str_eq(decision.reason, "rule property (priority 10, matched "
                                      "category=housing.property) leads @region but the region "
                                      "is unknown");
    query.region = "atlantis";   //  not in the catalogue: unknown too
    s_expect_route(matrix, &query, NULL, 0, NULL, "property", "", &decision);

    //  "@region" among co is left out when the region is unknown.
    query = (sq_route_query_t){"food.restaurant", SQ_TYPE_COMPLAINT, NULL, "web", NULL, 0};
    s_expect_route(matrix, &query, NULL, 0, "scjgj", "food-any", "", &decision);
    ck_assert_ptr_nonnull(strstr(decision.reason, "co @region left out: the region is unknown"));
    sq_matrix_destroy(&matrix);
    s_fixture_remove(&fixture);
}
END_TEST

START_TEST(departments_that_returned_it_are_passed_over)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    sq_matrix_t *matrix = s_matrix_load(&fixture);
    sq_route_decision_t decision;

    //  The lead returned it: the next rule in precedence decides.
    const char *jyj[] = {"jyj"};
    sq_route_query_t query = {"food.school_canteen", SQ_TYPE_COMPLAINT, "hexi", "web", NULL, 0};
    s_expect_route(matrix, &query, jyj, 1, "scjgj", "food-any", "hexi", &decision);
    ck_assert_str_eq(decision.reason, "rule food-any (priority 50, matched "
                                      "category=food.school_canteen; skipped rule school-canteen: "
                                      "lead jyj returned it): 食品安全由市场监管负责");

    //  A co-department that returned it is left out of co.
    query.channel = "hotline12315";
    s_expect_route(matrix, &query, jyj, 1, "scjgj", "canteen-12315", "zjj", &decision);
    ck_assert_ptr_nonnull(strstr(decision.reason, "co jyj left out: it returned the complaint"));

    //  Every lead returned it: triage.
    const char *all[] = {"jyj", "scjgj", "hexi"};
    query.channel = "web";
    s_expect_route(matrix, &query, all, 3, NULL, NULL, "", &decision);
    ck_assert_str_eq(decision.reason, "every matching rule's lead returned the complaint; "
                                      "skipped rule school-canteen: lead jyj returned it; "
                                      "skipped rule food-any: lead scjgj returned it; "
                                      "skipped rule fallback: lead hexi returned it");

    //  Passed over down to an "@region" rule whose region is unknown: triage.
    query.region = NULL;
    s_expect_route(matrix, &query, all, 2, NULL, "fallback", "", &decision);
    ck_assert_ptr_nonnull(strstr(decision.reason, "leads @region but the region is unknown"));

    //  The region's government returned a property complaint: the fallback leads it to the
    //  same government, which is excluded too, so triage.
    const char *hexi[] = {"hexi"};
    query = (sq_route_query_t){"housing.property", SQ_TYPE_COMPLAINT, "hexi", "web", NULL, 0};
    s_expect_route(matrix, &query, hexi, 1, NULL, NULL, "", &decision);
    sq_matrix_destroy(&matrix);
    s_fixture_remove(&fixture);
}
END_TEST

START_TEST(no_rule_matched)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    s_put(fixture.matrix, "rules:\n"
                          "  - id: only\n"
                          "    when: {channel: [email, web], region: hexi}\n"
                          "    lead: zjj\n"
                          "    basis: x\n");
    sq_matrix_t *matrix = s_matrix_load(&fixture);
    sq_route_decision_t decision;
    sq_route_query_t query = {"food.restaurant", SQ_TYPE_HELP, "hexi", "email", NULL, 0};
    s_expect_route(matrix, &query, NULL, 0, "zjj", "only", "", &decision);
    query.channel = "wechat";
    s_expect_route(matrix, &query, NULL, 0, NULL, NULL, "", &decision);
    ck_assert_str_eq(decision.reason, "no rule matched (category=food.restaurant, type=求助, "
                                      "region=hexi, channel=wechat)");
    query = (sq_route_query_t){NULL, SQ_TYPE_NONE, NULL, NULL, NULL, 0};
    s_expect_route(matrix, &query, NULL, 0, NULL, NULL, "", &decision);
    ck_assert_str_eq(decision.reason, "no rule matched (category=?, type=?, region=?, channel=?)");
    sq_matrix_destroy(&matrix);
    s_fixture_remove(&fixture);
}
END_TEST

START_TEST(co_never_repeats_the_lead)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    s_put(fixture.matrix, "rules:\n"
                          "  - id: local\n"
                          "    lead: \"@region\"\n"
                          "    co: [chengdong, zjj]\n"
                          "    basis: x\n");
    sq_matrix_t *matrix = s_matrix_load(&fixture);
    sq_route_decision_t decision;
    sq_route_query_t query = {NULL, SQ_TYPE_COMPLAINT, "hexi", "web", NULL, 0};
    s_expect_route(matrix, &query, NULL, 0, "hexi", "local", "chengdong,zjj", &decision);
    query.region = "chengdong";
    s_expect_route(matrix, &query, NULL, 0, "chengdong", "local", "zjj", &decision);
    sq_matrix_destroy(&matrix);
    s_fixture_remove(&fixture);
}
END_TEST

START_TEST(matrix_mistakes_name_file_line_and_key)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    const char *good = "rules:\n  - {id: a, lead: zjj, basis: x}\n";
    s_expect_matrix_error(&fixture, "rules:\n  - {id: a, lead: zjj, basis: x}\n"
                                    "  - id: b\n"
                                    "    lead: jyjj\n"
                                    "    basis: x\n",
                          "4: rules[1].lead: unknown department \"jyjj\"");
    s_expect_matrix_error(&fixture, "rules:\n  - id: a\n    lead: zjj\n    co: [jyj, scj]\n"
                                    "    basis: x\n",
                          "4: rules[0].co[1]: unknown department \"scj\"");
    s_expect_matrix_error(&fixture, "rules:\n  - {id: a, lead: zjj, co: [jyj, zjj], basis: x}\n",
                          "2: rules[0].co[1]: \"zjj\" is the lead already");
    s_expect_matrix_error(&fixture, "rules:\n  - {id: a, lead: zjj, co: [jyj, jyj], basis: x}\n",
                          "2: rules[0].co[1]: \"jyj\" is listed twice");
    s_expect_matrix_error(&fixture, "rules:\n  - id: a\n    when:\n      colour: red\n"
                                    "    lead: zjj\n    basis: x\n",
                          "4: rules[0].when.colour: unknown key (known: category, type, region, "
                          "channel, setting)");
    s_expect_matrix_error(&fixture, "rules:\n  - id: a\n    when:\n"
                                    "      category: [food.restaurant, food.x]\n"
                                    "    lead: zjj\n    basis: x\n",
                          "4: rules[0].when.category[1]: unknown category \"food.x\"");
    s_expect_matrix_error(&fixture, "rules:\n  - {id: a, when: {type: 抱怨}, lead: zjj, basis: x}\n",
                          "2: rules[0].when.type: unknown type \"抱怨\" (types: 投诉 举报 咨询 "
                          "求助 建议 表扬)");
    s_expect_matrix_error(&fixture,
                          "rules:\n  - {id: a, when: {region: xx}, lead: zjj, basis: x}\n",
                          "2: rules[0].when.region: unknown region \"xx\"");
    s_expect_matrix_error(&fixture,
                          "rules:\n  - {id: a, when: {channel: fax}, lead: zjj, basis: x}\n",
                          "2: rules[0].when.channel: unknown channel \"fax\" (channels: "
                          "hotline12345 hotline12315 web wechat email)");
    s_expect_matrix_error(&fixture,
                          "rules:\n  - {id: a, when: {channel: [web, \"*\"]}, lead: zjj,"
                          " basis: x}\n",
                          "2: rules[0].when.channel[1]: \"*\" must stand alone");
    s_expect_matrix_error(&fixture, "rules:\n  - id: a\n    when:\n      channel:\n"
                                    "    lead: zjj\n    basis: x\n",
                          "4: rules[0].when.channel: needs a value: an id, a list of ids, or "
                          "\"*\" for any");
    s_expect_matrix_error(&fixture,
                          "rules:\n  - {id: a, when: {channel: []}, lead: zjj, basis: x}\n",
                          "2: rules[0].when.channel: an empty list matches nothing; use \"*\" for "
                          "any");
    s_expect_matrix_error(&fixture, "rules:\n  - {id: a, lead: zjj, basis: x, priority: high}\n",
                          "2: rules[0].priority: must be a whole number from -1000000 to 1000000, "
                          "got \"high\"");
    s_expect_matrix_error(&fixture, "rules:\n  - {id: a, lead: zjj}\n",
                          "2: rules[0].basis: required, but missing");
    s_expect_matrix_error(&fixture, "rules:\n  - {id: A b, lead: zjj, basis: x}\n",
                          "2: rules[0].id: \"A b\" is not a rule id: use 1-64 of a-z 0-9 _ . -");
    s_expect_matrix_error(&fixture, "rules:\n  - {id: a, lead: zjj, basis: x}\n"
                                    "  - {id: a, lead: jyj, basis: y}\n",
                          "3: rules[1].id: \"a\" is already used on line 2");
    s_expect_matrix_error(&fixture, "rule:\n  - {id: a, lead: zjj, basis: x}\n",
                          "1: rule: unknown key (known: rules)");
    s_expect_matrix_error(&fixture, "rules: []\n", "1: rules: the list is empty");
    s_expect_matrix_error(&fixture, "rules:\n  - {id: a, lead: zjj, basis: x}\n  - {id: a\n",
                          "4: YAML syntax: did not find expected ',' or '}' (while parsing a flow "
                          "mapping)");
    s_put(fixture.matrix, good);
    sq_matrix_t *matrix = s_matrix_load(&fixture);
    sq_matrix_destroy(&matrix);
    s_fixture_remove(&fixture);
}
END_TEST

START_TEST(rules_force_the_highest_match)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    char error[512];
    sq_rules_t *rules = sq_rules_load(fixture.rules, fixture.catalog, error, sizeof error);
    ck_assert_msg(rules != NULL, "%s", error);
    ck_assert_uint_eq(sq_rules_count(rules), 8);
    sq_rules_verdict_t verdict;

    //  A substring.
    sq_rules_apply(rules, SQ_RULES_URGENCY, "学校食堂", "午饭后集体呕吐", &verdict);
    ck_assert_str_eq(verdict.forced.label, "紧急");
    ck_assert_str_eq(verdict.forced.rule, "urgent-poisoning");
    ck_assert_uint_eq(verdict.veto_count, 0);

    //  The regex, on bytes: ".{0,6}" is up to two Chinese characters.
    sq_rules_apply(rules, SQ_RULES_URGENCY, "学生们腹泻", NULL, &verdict);
    ck_assert_str_eq(verdict.forced.rule, "urgent-poisoning");
    sq_rules_apply(rules, SQ_RULES_URGENCY, "学生在食堂吃了午饭后呕吐", "", &verdict);
    ck_assert_ptr_null(verdict.forced.label);

    //  Higher priority wins; on a tie, file order.
    sq_rules_apply(rules, SQ_RULES_URGENCY, "食物中毒", "楼下起火", &verdict);
    ck_assert_str_eq(verdict.forced.rule, "urgent-fire");
    ck_assert_str_eq(verdict.forced.label, "紧急");   //  "urgent" kept as its label
    sq_rules_apply(rules, SQ_RULES_URGENCY, "感谢消防", "昨天起火", &verdict);
    ck_assert_str_eq(verdict.forced.rule, "urgent-fire");
    sq_rules_apply(rules, SQ_RULES_URGENCY, "感谢消防", "", &verdict);
    ck_assert_str_eq(verdict.forced.rule, "normal-thanks");
    ck_assert_str_eq(verdict.forced.label, "一般");

    //  A veto of higher priority stops a force of its label; a force of higher priority
    //  stands.
    sq_rules_apply(rules, SQ_RULES_URGENCY, "消防演练", "有人食物中毒", &verdict);
    ck_assert_ptr_null(verdict.forced.label);
    ck_assert_str_eq(sq_rules_vetoed(&verdict, "紧急"), "urgent-veto-drill");
    sq_rules_apply(rules, SQ_RULES_URGENCY, "消防演练, 感谢", "有人食物中毒", &verdict);
    ck_assert_str_eq(verdict.forced.rule, "normal-thanks");
    sq_rules_apply(rules, SQ_RULES_URGENCY, "消防演练", "真的起火了", &verdict);
    ck_assert_str_eq(verdict.forced.rule, "urgent-fire");
    ck_assert_str_eq(verdict.forced.label, "紧急");
    ck_assert_str_eq(sq_rules_vetoed(&verdict, "紧急"), "urgent-veto-drill");

    //  Only the rules of the target; title and content are joined by a newline, which "."
    //  matches.
    sq_rules_apply(rules, SQ_RULES_TYPE, "幼儿园", "食堂起火", &verdict);
    ck_assert_ptr_null(verdict.forced.label);
    sq_rules_apply(rules, SQ_RULES_CATEGORY, "幼儿园", "食堂不卫生", &verdict);
    ck_assert_str_eq(verdict.forced.label, "food.school_canteen");
    ck_assert_str_eq(verdict.forced.rule, "canteen");
    sq_rules_apply(rules, SQ_RULES_CATEGORY, "幼儿", "园食堂", &verdict);
    ck_assert_ptr_null(verdict.forced.label);   //  no substring across the join

    sq_rules_destroy(&rules);
    sq_rules_destroy(&rules);
    ck_assert_ptr_null(rules);
    s_fixture_remove(&fixture);
}
END_TEST

START_TEST(rules_veto_each_label_once)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    char error[512];
    sq_rules_t *rules = sq_rules_load(fixture.rules, fixture.catalog, error, sizeof error);
    ck_assert_msg(rules != NULL, "%s", error);
    sq_rules_verdict_t verdict;

    sq_rules_apply(rules, SQ_RULES_TYPE, "我要投诉", "服务态度恶劣", &verdict);
    ck_assert_ptr_null(verdict.forced.label);
    ck_assert_uint_eq(verdict.veto_count, 1);
    ck_assert_str_eq(verdict.vetoed[0].label, "表扬");
    ck_assert_str_eq(verdict.vetoed[0].rule, "not-praise");
    ck_assert_str_eq(sq_rules_vetoed(&verdict, "表扬"), "not-praise");
    ck_assert_ptr_null(sq_rules_vetoed(&verdict, "咨询"));

    sq_rules_apply(rules, SQ_RULES_TYPE, "差评", "", &verdict);
    ck_assert_str_eq(sq_rules_vetoed(&verdict, "表扬"), "not-praise-regex");

    sq_rules_apply(rules, SQ_RULES_TYPE, "举报", "对处理不满", &verdict);
    ck_assert_uint_eq(verdict.veto_count, 2);
    ck_assert_str_eq(sq_rules_vetoed(&verdict, "咨询"), "not-enquiry");
    ck_assert_str_eq(sq_rules_vetoed(&verdict, "表扬"), "not-praise");

    sq_rules_apply(rules, SQ_RULES_TYPE, "表扬", "谢谢", &verdict);
    ck_assert_uint_eq(verdict.veto_count, 0);
    ck_assert_str_eq(sq_rules_target_name(SQ_RULES_URGENCY), "urgency");
    sq_rules_destroy(&rules);
    s_fixture_remove(&fixture);
}
END_TEST

START_TEST(rules_mistakes_name_file_line_and_rule)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    s_expect_rules_error(&fixture, "rules:\n"
                                   "  - id: ok\n    target: type\n    action: veto\n"
                                   "    label: 表扬\n    any: [投诉]\n"
                                   "  - id: bad-regex\n    target: urgency\n    action: force\n"
                                   "    label: 紧急\n    regex: \"学生(呕吐\"\n",
                         "11: rules[1].regex: bad regular expression in rule bad-regex: "
                         "Unmatched ( or \\(");
    s_expect_rules_error(&fixture, "rules:\n  - {id: a, target: category, action: force, "
                                   "label: food.x, any: [x]}\n",
                         "2: rules[0].label: unknown category \"food.x\"");
    s_expect_rules_error(&fixture, "rules:\n  - {id: a, target: type, action: force, "
                                   "label: 紧急, any: [x]}\n",
                         "2: rules[0].label: unknown type \"紧急\" (types: 投诉 举报 咨询 求助 "
                         "建议 表扬)");
    s_expect_rules_error(&fixture, "rules:\n  - {id: a, target: urgency, action: force, "
                                   "label: 投诉, any: [x]}\n",
                         "2: rules[0].label: unknown urgency \"投诉\" (urgencies: 紧急 一般)");
    s_expect_rules_error(&fixture, "rules:\n  - {id: a, target: channel, action: force, "
                                   "label: web, any: [x]}\n",
                         "2: rules[0].target: must be category | type | urgency | setting, got "
                         "\"channel\"");
    s_expect_rules_error(&fixture, "rules:\n  - {id: a, target: type, action: prefer, "
                                   "label: 投诉, any: [x]}\n",
                         "2: rules[0].action: must be force | veto | cue, got \"prefer\"");
    s_expect_rules_error(&fixture, "rules:\n  - {id: a, target: type, action: veto, label: 投诉}\n",
                         "2: rules[0]: rule a needs `any` or `regex` (or both)");
    s_expect_rules_error(&fixture, "rules:\n  - {id: a, target: type, action: veto, label: 投诉, "
                                   "any: [x, \"\"]}\n",
                         "2: rules[0].any[1]: must not be empty");
    s_expect_rules_error(&fixture, "rules:\n"
                                   "  - {id: a, target: type, action: veto, label: 投诉, any: [x]}\n"
                                   "  - {id: a, target: type, action: veto, label: 咨询, any: [y]}\n",
                         "3: rules[1].id: \"a\" is already used on line 2");
    s_expect_rules_error(&fixture, "rules:\n  - {id: a, target: type, action: veto, label: 投诉, "
                                   "any: [x], weight: 3}\n",
                         "2: rules[0].weight: only a cue has a weight (rule a)");
    s_expect_rules_error(&fixture, "rules:\n  - {id: a, target: type, action: cue, label: 投诉, "
                                   "any: [x]}\n",
                         "2: rules[0].weight: required, but missing");
    s_expect_rules_error(&fixture, "rules:\n  - {id: a, target: type, action: cue, label: 投诉, "
                                   "any: [x], weight: 21}\n",
                         "2: rules[0].weight: must be a number from -20 to 20, got \"21\"");
    s_expect_rules_error(&fixture, "rules:\n  - {id: a, target: setting, action: force, "
                                   "label: moon, any: [x]}\n",
                         "2: rules[0].label: unknown setting \"moon\" (settings are listed in "
                         "categories.yaml)");
    s_fixture_remove(&fixture);
}
END_TEST

//  The catalogue again, with settings, for the tests of settings and cues.
static void s_fixture_with_settings(s_fixture_t *fixture)
{
    sq_catalog_destroy(&fixture->catalog);
    s_put_in(fixture->dir, "categories.yaml",
             "categories:\n"
             "  - {id: food.school_canteen, name: 学校食堂, group: 食品安全}\n"
             "  - {id: food.restaurant, name: 餐馆, group: 食品安全}\n"
             "  - {id: food.poisoning, name: 食物中毒, group: 食品安全}\n"
             "  - {id: housing.property, name: 物业, group: 住房}\n"
             "settings:\n"
             "  - {id: school, name: 学校}\n"
             "  - {id: care_home, name: 养老机构, description: 养老院、敬老院}\n");
    char error[512];
    fixture->catalog = sq_catalog_load(fixture->dir, error, sizeof error);
    ck_assert_msg(fixture->catalog != NULL, "%s", error);
}

START_TEST(cues_weigh_in_and_settings_are_found)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    s_fixture_with_settings(&fixture);
    ck_assert_uint_eq(sq_catalog_setting_count(fixture.catalog), 2);
    ck_assert_str_eq(sq_catalog_setting(fixture.catalog, "care_home")->description, "养老院、敬老院");
    ck_assert_ptr_null(sq_catalog_setting(fixture.catalog, "moon"));
    s_put(fixture.rules, "rules:\n"
                         "  - {id: asks-enforcement, target: type, action: cue, label: 举报,"
                         " any: [查处, 取缔], weight: 2}\n"
                         "  - {id: asks-remedy, target: type, action: cue, label: 投诉,"
                         " any: [退款], weight: 2.5}\n"
                         "  - {id: remedy-is-not-report, target: type, action: cue, label: 举报,"
                         " any: [退款], weight: -1}\n"
                         "  - {id: praise-never-with-anger, target: type, action: veto, label: 表扬,"
                         " any: [气死], priority: 40}\n"
                         "  - {id: thanks, target: type, action: cue, label: 表扬, any: [感谢],"
                         " weight: 3}\n"
                         "  - {id: at-school, target: setting, action: force, label: school,"
                         " regex: \"(学校|小学).{0,30}食堂\", priority: 20}\n"
                         "  - {id: at-care-home, target: setting, action: force, label: care_home,"
                         " any: [养老院, 敬老院], priority: 30}\n");
    char error[512];
    sq_rules_t *rules = sq_rules_load(fixture.rules, fixture.catalog, error, sizeof error);
    ck_assert_msg(rules != NULL, "%s", error);
    sq_rules_verdict_t verdict;

    //  Every matching cue is kept, with its weight; the evidence of a label is their sum.
    sq_rules_apply(rules, SQ_RULES_TYPE, "买到过期牛奶", "要求退款，并请依法查处", &verdict);
    ck_assert_ptr_null(verdict.forced.label);
    ck_assert_uint_eq(verdict.cue_count, 3);
    ck_assert(fabs(sq_rules_evidence(&verdict, "举报") - 1.0) < 1e-9);
    ck_assert(fabs(sq_rules_evidence(&verdict, "投诉") - 2.5) < 1e-9);
    ck_assert(sq_rules_evidence(&verdict, "咨询") == 0);
    //  A veto of higher priority stops the cues of its label.
    sq_rules_apply(rules, SQ_RULES_TYPE, "感谢个鬼", "气死了", &verdict);
    ck_assert_str_eq(sq_rules_vetoed(&verdict, "表扬"), "praise-never-with-anger");
    ck_assert(sq_rules_evidence(&verdict, "表扬") == 0);

    //  Settings are forced, the first in precedence winning.
    sq_rules_apply(rules, SQ_RULES_SETTING, "敬老院食堂", "隔壁小学食堂也一样", &verdict);
    ck_assert_str_eq(verdict.forced.label, "care_home");
    sq_rules_apply(rules, SQ_RULES_SETTING, "", "孩子在实验小学的食堂吃饭", &verdict);
    ck_assert_str_eq(verdict.forced.rule, "at-school");
    sq_rules_apply(rules, SQ_RULES_SETTING, "饭店", "饭菜变质", &verdict);
    ck_assert_ptr_null(verdict.forced.label);
    ck_assert_str_eq(sq_rules_target_name(SQ_RULES_SETTING), "setting");
    sq_rules_destroy(&rules);
    s_fixture_remove(&fixture);
}
END_TEST

START_TEST(settings_and_unsure_labels_choose_the_rule)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    s_fixture_with_settings(&fixture);
    s_put(fixture.matrix, "rules:\n"
                          "  - {id: poisoning, when: {category: food.poisoning}, lead: scjgj,"
                          " priority: 100, basis: 市场监管组织事故调查}\n"
                          "  - {id: poisoning-at-school, when: {category: food.poisoning,"
                          " setting: school}, lead: jyj, co: [scjgj], priority: 250,"
                          " basis: 教育局妥善做好校园食品安全事故应急处置}\n"
                          "  - {id: canteen, when: {category: food.school_canteen}, lead: jyj,"
                          " co: [scjgj], priority: 100, basis: 学校食堂}\n"
                          "  - {id: canteen-report, when: {category: food.school_canteen,"
                          " type: 举报}, lead: scjgj, co: [jyj], priority: 150, basis: 执法}\n"
                          "  - {id: property-local, when: {category: housing.property},"
                          " lead: \"@region\", priority: 100, basis: 属地}\n"
                          "  - {id: property-fallback, when: {category: housing.property},"
                          " lead: zjj, priority: 50, basis: 住建}\n");
    sq_matrix_t *matrix = s_matrix_load(&fixture);
    sq_route_decision_t decision;

    //  The setting picks the rule for where it happened.
    sq_route_query_t query = {"food.poisoning", SQ_TYPE_HELP, "hexi", "web", "school", 0};
    s_expect_route(matrix, &query, NULL, 0, "jyj", "poisoning-at-school", "scjgj", &decision);
    query.setting = "care_home";
    s_expect_route(matrix, &query, NULL, 0, "scjgj", "poisoning", "", &decision);
    //  A setting the classifier is unsure of: the category's default rule, not triage.
    query = (sq_route_query_t){"food.poisoning", SQ_TYPE_HELP, "hexi", "web", "school",
                               SQ_ROUTE_UNSURE_SETTING};
    s_expect_route(matrix, &query, NULL, 0, "scjgj", "poisoning", "", &decision);
    ck_assert_ptr_nonnull(strstr(decision.reason, "passed over rule poisoning-at-school: it asks "
                                                  "setting=school, which the classifier is "
                                                  "unsure of"));

    //  Likewise a type: a report goes to enforcement only when the type is sure.
    query = (sq_route_query_t){"food.school_canteen", SQ_TYPE_REPORT, "hexi", "web", NULL, 0};
    s_expect_route(matrix, &query, NULL, 0, "scjgj", "canteen-report", "jyj", &decision);
    query.unsure = SQ_ROUTE_UNSURE_TYPE;
    s_expect_route(matrix, &query, NULL, 0, "jyj", "canteen", "scjgj", &decision);

    //  A rule that leads "@region" without a region gives way to the next rule.
    query = (sq_route_query_t){"housing.property", SQ_TYPE_COMPLAINT, NULL, "web", NULL, 0};
    s_expect_route(matrix, &query, NULL, 0, "zjj", "property-fallback", "", &decision);
    ck_assert_ptr_nonnull(strstr(decision.reason, "passed over rule property-local: it leads "
                                                  "@region and the region is unknown"));
    query.region = "chengdong";
    s_expect_route(matrix, &query, NULL, 0, "chengdong", "property-local", "", &decision);

    //  The lead of a category's default rule.
    ck_assert_str_eq(sq_matrix_category_lead(matrix, "food.poisoning"), "scjgj");
    ck_assert_str_eq(sq_matrix_category_lead(matrix, "housing.property"), "@region");
    ck_assert_ptr_null(sq_matrix_category_lead(matrix, "food.restaurant"));

    //  A setting the catalogue does not know is refused.
    s_expect_matrix_error(&fixture, "rules:\n  - {id: a, when: {setting: moon}, lead: zjj,"
                                    " basis: x}\n",
                          "2: rules[0].when.setting: unknown setting \"moon\" (settings are "
                          "listed in categories.yaml)");
    sq_matrix_destroy(&matrix);
    s_fixture_remove(&fixture);
}
END_TEST

START_TEST(shipped_matrix_and_rules_load)
{
    char error[512];
    sq_catalog_t *catalog = sq_catalog_load("config", error, sizeof error);
    ck_assert_msg(catalog != NULL, "%s", error);
    sq_matrix_t *matrix = sq_matrix_load("config/matrix.yaml", catalog, error, sizeof error);
    ck_assert_msg(matrix != NULL, "%s", error);
    sq_rules_t *rules = sq_rules_load("config/classify_rules.yaml", catalog, error, sizeof error);
    ck_assert_msg(rules != NULL, "%s", error);

    //  Every category with every type, in every region and none, routes or says why not.
    for (size_t c = 0; c < sq_catalog_category_count(catalog); c++)
        for (int type = SQ_TYPE_NONE; type < SQ_TYPE_COUNT; type++)
            for (size_t r = 0; r <= sq_catalog_region_count(catalog); r++) {
                sq_route_query_t query = {sq_catalog_category_at(catalog, c)->id,
                                          (sq_type_t) type, NULL, "hotline12345", NULL, 0};
                if (r < sq_catalog_region_count(catalog))
                    query.region = sq_catalog_region_at(catalog, r)->id;
                sq_route_decision_t decision;
                int rc = sq_matrix_route(matrix, &query, NULL, 0, &decision);
                ck_assert(rc == 0 ? decision.lead != NULL : decision.lead == NULL);
                ck_assert(decision.reason[0] != '\0');
            }
    sq_rules_destroy(&rules);
    sq_matrix_destroy(&matrix);
    sq_catalog_destroy(&catalog);
}
END_TEST

Suite *test_matrix_suite(void)
{
    Suite *suite = suite_create("matrix");
    TCase *tc = tcase_create("matrix");
    tcase_add_test(tc, precedence_is_priority_then_keys_then_file_order);
    tcase_add_test(tc, region_lead_needs_a_known_region);
    tcase_add_test(tc, departments_that_returned_it_are_passed_over);
    tcase_add_test(tc, no_rule_matched);
    tcase_add_test(tc, co_never_repeats_the_lead);
    tcase_add_test(tc, matrix_mistakes_name_file_line_and_key);
    tcase_add_test(tc, rules_force_the_highest_match);
    tcase_add_test(tc, rules_veto_each_label_once);
    tcase_add_test(tc, rules_mistakes_name_file_line_and_rule);
    tcase_add_test(tc, cues_weigh_in_and_settings_are_found);
    tcase_add_test(tc, settings_and_unsure_labels_choose_the_rule);
    tcase_add_test(tc, shipped_matrix_and_rules_load);
    suite_add_tcase(suite, tc);
    return suite;
}
