/*  test_yaml: YAML files as trees, what is refused while loading, and the checking
    helpers whose errors name file, line and key path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sq_yaml.h"
#include "suites.h"

//  Parse text under the name "t.yaml"; fails the test when it does not load.
static sq_yaml_t *s_parse(const char *text)
{
    char error[512] = "";
    sq_yaml_t *document = sq_yaml_parse("t.yaml", text, strlen(text), error, sizeof error);
    ck_assert_msg(document != NULL, "%s", error);
    return document;
}

//  Parse text and expect it refused with exactly want.
static void s_expect_refused(const char *text, const char *want)
{
    char error[512] = "";
    sq_yaml_t *document = sq_yaml_parse("t.yaml", text, strlen(text), error, sizeof error);
    ck_assert_msg(document == NULL, "expected an error for: %s", text);
    ck_assert_str_eq(error, want);
}

START_TEST(tree_keeps_order_lines_and_paths)
{
    sq_yaml_t *document = s_parse("# routing\n"
                                  "rules:\n"
                                  "  - id: b\n"
                                  "    when: {category: [x, y]}\n"
                                  "  - id: a\n"
                                  "    co:\n"
                                  "    basis: \"\"\n"
                                  "    note: ~\n"
                                  "    tagged: !!str 12\n"
                                  "zeta: 1\n"
                                  "alpha: 2\n");
    ck_assert_str_eq(sq_yaml_file(document), "t.yaml");
    const sq_yaml_node_t *root = sq_yaml_root(document);
    ck_assert_int_eq(sq_yaml_kind(root), SQ_YAML_MAPPING);
    ck_assert_uint_eq(sq_yaml_size(root), 3);
    ck_assert_str_eq(sq_yaml_text(sq_yaml_key(root, 1)), "zeta");   //  file order
    ck_assert_str_eq(sq_yaml_text(sq_yaml_key(root, 2)), "alpha");
    ck_assert_uint_eq(sq_yaml_line(sq_yaml_key(root, 2)), 11);
    ck_assert_str_eq(sq_yaml_text(sq_yaml_item(root, 2)), "2");

    const sq_yaml_node_t *rules = sq_yaml_get(root, "rules");
    ck_assert_int_eq(sq_yaml_kind(rules), SQ_YAML_LIST);
    ck_assert_uint_eq(sq_yaml_size(rules), 2);
    ck_assert_ptr_null(sq_yaml_item(rules, 2));
    const sq_yaml_node_t *first = sq_yaml_item(rules, 0);
    ck_assert_uint_eq(sq_yaml_line(first), 3);
    const sq_yaml_node_t *category = sq_yaml_get(sq_yaml_get(first, "when"), "category");
    const sq_yaml_node_t *y = sq_yaml_item(category, 1);
    ck_assert_str_eq(sq_yaml_text(y), "y");
    ck_assert_uint_eq(sq_yaml_line(y), 4);
    char path[128];
    ck_assert_str_eq(sq_yaml_path(y, path, sizeof path), "rules[0].when.category[1]");
    ck_assert_str_eq(sq_yaml_path(root, path, sizeof path), "");
    ck_assert_str_eq(sq_yaml_path(y, path, 8), "rules[0");   //  cut to fit

    const sq_yaml_node_t *second = sq_yaml_item(rules, 1);
    ck_assert(sq_yaml_is_null(sq_yaml_get(second, "co")));
    ck_assert(sq_yaml_is_null(sq_yaml_get(second, "note")));
    ck_assert(!sq_yaml_is_null(sq_yaml_get(second, "basis")));   //  quoted "" is text
    ck_assert_str_eq(sq_yaml_text(sq_yaml_get(second, "basis")), "");
    ck_assert_str_eq(sq_yaml_text(sq_yaml_get(second, "tagged")), "12");
    ck_assert_ptr_null(sq_yaml_get(second, "missing"));
    ck_assert_ptr_null(sq_yaml_text(rules));
    sq_yaml_destroy(&document);
    sq_yaml_destroy(&document);   //  safe twice
    ck_assert_ptr_null(document);
}
END_TEST

START_TEST(empty_document_is_a_null_root)
{
    sq_yaml_t *document = s_parse("# nothing here\n");
    const sq_yaml_node_t *root = sq_yaml_root(document);
    ck_assert_int_eq(sq_yaml_kind(root), SQ_YAML_SCALAR);
    ck_assert(sq_yaml_is_null(root));
    ck_assert_uint_eq(sq_yaml_line(root), 1);
    char error[256];
    ck_assert_int_eq(sq_yaml_expect(root, SQ_YAML_MAPPING, error, sizeof error), -1);
    ck_assert_str_eq(error, "t.yaml:1: must be a mapping, not a single value");
    sq_yaml_destroy(&document);
}
END_TEST

START_TEST(unsupported_yaml_is_refused)
{
    s_expect_refused("a: &x 1\nb: 2\n", "t.yaml:1: anchors (&x) are not supported");
    s_expect_refused("a: 1\nb: *x\n", "t.yaml:2: aliases (*x) are not supported");
    s_expect_refused("a: !color red\n", "t.yaml:1: tags (!color) are not supported");
    s_expect_refused("a: !!map {b: 1}\n",
                     "t.yaml:1: tags (tag:yaml.org,2002:map) are not supported");
    s_expect_refused("a: 1\n---\nb: 2\n", "t.yaml:2: only one document per file");
    s_expect_refused("? [a, b]\n: 1\n", "t.yaml:1: keys must be single values");
    s_expect_refused("rules:\n  - id: a\n    lead: x\n    lead: y\n",
                     "t.yaml:4: rules[0].lead: given twice (first on line 3)");
    s_expect_refused("a: 1\nb: 2\na: 3\nb: 4\n", "t.yaml:3: a: given twice (first on line 1)");
    s_expect_refused("a: 1\n b: 2\n", "t.yaml:2: YAML syntax: mapping values are not allowed "
                                      "in this context");
    s_expect_refused("a: [1, 2\n", "t.yaml:2: YAML syntax: did not find expected ',' or ']' "
                                   "(while parsing a flow sequence)");
}
END_TEST

START_TEST(bounds_are_enforced)
{
    //  33 levels of nesting.
    char deep[256] = "";
    for (int i = 0; i < 33; i++)
        strcat(deep, "[");
    for (int i = 0; i < 33; i++)
        strcat(deep, "]");
    s_expect_refused(deep, "t.yaml:1: nested deeper than 32 levels");
    char ok[128] = "";
    for (int i = 0; i < 32; i++)
        strcat(ok, "[");
    for (int i = 0; i < 32; i++)
        strcat(ok, "]");
    sq_yaml_t *document = s_parse(ok);
    sq_yaml_destroy(&document);

    //  Too many values.
    size_t count = SQ_YAML_NODES_MAX + 1;
    char *many = malloc(2 * count + 3);
    ck_assert_ptr_nonnull(many);
    char *at = many;
    *at++ = '[';
    for (size_t i = 0; i < count; i++) {
        *at++ = '1';
        *at++ = ',';
    }
    at[-1] = ']';
    *at = '\0';
    char error[256];
    ck_assert_ptr_null(sq_yaml_parse("t.yaml", many, strlen(many), error, sizeof error));
    ck_assert_str_eq(error, "t.yaml:1: more than 262144 values in one file");
    free(many);

    //  A file over 16 MiB, and one that is not there.
    char path[64];
    snprintf(path, sizeof path, "/tmp/suqiu-test-yaml-%d.yaml", (int) getpid());
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    ck_assert_int_eq(ftruncate(fileno(file), SQ_YAML_BYTES_MAX + 1), 0);
    fclose(file);
    ck_assert_ptr_null(sq_yaml_load(path, error, sizeof error));
    char want[128];
    snprintf(want, sizeof want, "%s:1: larger than 16777216 bytes", path);
    ck_assert_str_eq(error, want);
    unlink(path);
    ck_assert_ptr_null(sq_yaml_load("/nonexistent/x.yaml", error, sizeof error));
    ck_assert_str_eq(error, "/nonexistent/x.yaml: cannot open: No such file or directory");
}
END_TEST

START_TEST(a_file_loads)
{
    char path[64], error[256];
    snprintf(path, sizeof path, "/tmp/suqiu-test-yaml-%d.yaml", (int) getpid());
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fputs("name: 城东街道\nbad: [\n", file);
    fclose(file);
    ck_assert_ptr_null(sq_yaml_load(path, error, sizeof error));
    ck_assert_msg(strncmp(error, path, strlen(path)) == 0 && strstr(error, ":3: YAML syntax"),
                  "%s", error);
    file = fopen(path, "w");
    fputs("name: 城东街道\n", file);
    fclose(file);
    sq_yaml_t *document = sq_yaml_load(path, error, sizeof error);
    ck_assert_msg(document != NULL, "%s", error);
    ck_assert_str_eq(sq_yaml_text(sq_yaml_get(sq_yaml_root(document), "name")), "城东街道");
    ck_assert_str_eq(sq_yaml_file(document), path);
    sq_yaml_destroy(&document);
    unlink(path);
}
END_TEST

START_TEST(helpers_name_file_line_and_key_path)
{
    sq_yaml_t *document = s_parse("rules:\n"
                                  "  - id: r1\n"
                                  "    colour: red\n"
                                  "    priority: high\n"
                                  "    co: [a, [b]]\n"
                                  "    when: []\n"
                                  "    basis: \"\"\n"
                                  "    lead:\n"
                                  "  - id: r2\n");
    const sq_yaml_node_t *rule = sq_yaml_item(sq_yaml_get(sq_yaml_root(document), "rules"), 0);
    const char *const known[] = {"id", "priority", "co", "when", "basis", "lead", NULL};
    char error[512];
    ck_assert_int_eq(sq_yaml_only_keys(rule, known, error, sizeof error), -1);
    ck_assert_str_eq(error, "t.yaml:3: rules[0].colour: unknown key (known: id, priority, co, "
                            "when, basis, lead)");

    int priority = 7;
    ck_assert_int_eq(sq_yaml_int(rule, "priority", false, 0, 100, &priority, error, sizeof error),
                     -1);
    ck_assert_str_eq(error, "t.yaml:4: rules[0].priority: must be a whole number from 0 to 100, "
                            "got \"high\"");
    ck_assert_int_eq(priority, 7);
    ck_assert_int_eq(sq_yaml_int(rule, "absent", false, 0, 100, &priority, error, sizeof error), 0);
    ck_assert_int_eq(priority, 7);   //  missing and optional: unchanged
    ck_assert_int_eq(sq_yaml_int(rule, "absent", true, 0, 100, &priority, error, sizeof error), -1);
    ck_assert_str_eq(error, "t.yaml:2: rules[0].absent: required, but missing");

    const char *text = "unchanged";
    ck_assert_int_eq(sq_yaml_string(rule, "id", true, &text, error, sizeof error), 0);
    ck_assert_str_eq(text, "r1");
    ck_assert_int_eq(sq_yaml_string(rule, "basis", true, &text, error, sizeof error), -1);
    ck_assert_str_eq(error, "t.yaml:7: rules[0].basis: must not be empty");
    ck_assert_int_eq(sq_yaml_string(rule, "lead", true, &text, error, sizeof error), -1);
    ck_assert_str_eq(error, "t.yaml:8: rules[0].lead: required, but empty");
    ck_assert_int_eq(sq_yaml_string(rule, "co", true, &text, error, sizeof error), -1);
    ck_assert_str_eq(error, "t.yaml:5: rules[0].co: must be a single value, not a list");

    const sq_yaml_node_t **items = NULL;
    size_t count = 9;
    ck_assert_int_eq(
        sq_yaml_strings(rule, "co", false, false, &items, &count, error, sizeof error), -1);
    ck_assert_str_eq(error, "t.yaml:5: rules[0].co[1]: must be a single value, not a list");
    ck_assert_ptr_null(items);
    ck_assert_int_eq(
        sq_yaml_strings(rule, "when", true, false, &items, &count, error, sizeof error), -1);
    ck_assert_str_eq(error, "t.yaml:6: rules[0].when: required, but empty");
    ck_assert_int_eq(
        sq_yaml_strings(rule, "id", false, false, &items, &count, error, sizeof error), -1);
    ck_assert_str_eq(error, "t.yaml:2: rules[0].id: must be a list, not a single value");
    ck_assert_int_eq(
        sq_yaml_strings(rule, "id", false, true, &items, &count, error, sizeof error), 0);
    ck_assert_uint_eq(count, 1);
    ck_assert_str_eq(sq_yaml_text(items[0]), "r1");
    free(items);
    ck_assert_int_eq(
        sq_yaml_strings(rule, "lead", false, true, &items, &count, error, sizeof error), 0);
    ck_assert_uint_eq(count, 0);   //  null: an empty list
    ck_assert_ptr_null(items);

    const sq_yaml_node_t *child = NULL;
    ck_assert_int_eq(
        sq_yaml_child(rule, "when", SQ_YAML_MAPPING, false, &child, error, sizeof error), -1);
    ck_assert_str_eq(error, "t.yaml:6: rules[0].when: must be a mapping, not a list");

    ck_assert_int_eq(sq_yaml_fail(sq_yaml_item(sq_yaml_get(rule, "co"), 0), NULL, error,
                                  sizeof error, "unknown department \"%s\"", "a"),
                     -1);
    ck_assert_str_eq(error, "t.yaml:5: rules[0].co[0]: unknown department \"a\"");
    ck_assert_int_eq(sq_yaml_fail(rule, "lead", error, 20, "x"), -1);
    ck_assert_str_eq(error, "t.yaml:2: rules[0].");   //  cut to the caller's buffer
    sq_yaml_destroy(&document);
}
END_TEST

Suite *test_yaml_suite(void)
{
    Suite *suite = suite_create("yaml");
    TCase *tc = tcase_create("yaml");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tree_keeps_order_lines_and_paths);
    tcase_add_test(tc, empty_document_is_a_null_root);
    tcase_add_test(tc, unsupported_yaml_is_refused);
    tcase_add_test(tc, bounds_are_enforced);
    tcase_add_test(tc, a_file_loads);
    tcase_add_test(tc, helpers_name_file_line_and_key_path);
    suite_add_tcase(suite, tc);
    return suite;
}
