/*  test_regex_leads: the words every match of a regex contains, and that the rules' own
    regexes, over every training and evaluation text, never match a text without one. */
#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_regex_leads.h"
#include "suites.h"

//  The leads as one string "a,b,c", or "-" for none.
static void s_joined(const char *pattern, char *out, size_t size)
{
    char **leads = sq_regex_leads(pattern);
    if (!leads) {
        snprintf(out, size, "-");
        return;
    }
    out[0] = 0;
    for (char **lead = leads; *lead; lead++) {
        strncat(out, *lead, size - strlen(out) - 1);
        if (lead[1])
            strncat(out, ",", size - strlen(out) - 1);
    }
    sq_regex_leads_free(leads);
}

START_TEST(the_leading_words_of_a_pattern)
{
    static const char *const cases[][2] = {
        {"(学校|小学)(送|配送)", "学校,小学"},
        {"(给|为)(我们|孩子)?(学校)", "给,为"},
        {"医院.{0,15}(食堂)", "医院"},
        {"(学校|幼儿园).{0,60}(食堂)|(食堂|午餐).{0,60}(学校)", "学校,幼儿园,食堂,午餐"},
        {"a|(b|c)d", "a,b,c"},
        {"(a|b)?c", "-"},            //  the first group may be absent
        {"(a|b)*c", "-"},
        {"(a|b){1,2}c", "-"},
        {"ab?", "-"},                //  the last byte is optional
        {".*火灾", "-"},
        {"[ab]x", "-"},
        {"^起火", "-"},
        {"\\.x", "-"},
        {"(a(b))", "-"},
        {"(a|)b", "-"},              //  an empty alternative matches anything
        {"a|", "-"},
        {"(ab", "-"},
        {"", "-"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char joined[256];
        s_joined(cases[i][0], joined, sizeof joined);
        ck_assert_msg(strcmp(joined, cases[i][1]) == 0, "%s: %s, expected %s", cases[i][0],
                      joined, cases[i][1]);
    }
    ck_assert_ptr_null(sq_regex_leads(NULL));
    char **leads = sq_regex_leads("(食堂|午餐)x");
    ck_assert(sq_regex_leads_found(leads, "学校的午餐x"));
    ck_assert(!sq_regex_leads_found(leads, "学校的晚饭"));
    sq_regex_leads_free(leads);
    sq_regex_leads_free(NULL);
}
END_TEST

//  Every line of a file, or NULL when it cannot be read; count set.
static char **s_lines(const char *path, size_t *count)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return NULL;
    char **lines = NULL;
    char *line = NULL;
    size_t room = 0;
    *count = 0;
    while (getline(&line, &room, file) > 0) {
        lines = realloc(lines, (*count + 1) * sizeof *lines);
        lines[(*count)++] = strdup(line);
    }
    free(line);
    fclose(file);
    return lines;
}

//  The rules' regexes, over every text the project has: a match always holds a lead.
START_TEST(the_rules_regexes_never_match_without_a_lead)
{
    size_t rule_lines = 0;
    char **rules = s_lines("config/classify_rules.yaml", &rule_lines);
    ck_assert_ptr_nonnull(rules);
    const char *const corpora[] = {"config/training/category.csv", "config/training/type.csv",
                                   "config/training/urgency.csv", "tests/eval/realistic.csv"};
    size_t checked = 0, matched = 0, with_leads = 0;
    for (size_t r = 0; r < rule_lines; r++) {
        char *at = strstr(rules[r], "regex: \"");
        if (!at)
            continue;
        char *pattern = at + strlen("regex: \"");
        char *end = strrchr(pattern, '"');
        ck_assert_ptr_nonnull(end);
        *end = 0;
        regex_t regex;
        ck_assert_int_eq(regcomp(&regex, pattern, REG_EXTENDED | REG_NOSUB), 0);
        char **leads = sq_regex_leads(pattern);
        with_leads += leads != NULL;
        for (size_t c = 0; leads && c < sizeof corpora / sizeof corpora[0]; c++) {
            size_t count = 0;
            char **texts = s_lines(corpora[c], &count);
            ck_assert_msg(texts != NULL, "%s", corpora[c]);
            for (size_t t = 0; t < count; t++) {
                checked++;
                if (regexec(&regex, texts[t], 0, NULL, 0) == 0) {
                    matched++;
                    ck_assert_msg(sq_regex_leads_found(leads, texts[t]),
                                  "%s matches %s without a lead", pattern, texts[t]);
                }
                free(texts[t]);
            }
            free(texts);
        }
        sq_regex_leads_free(leads);
        regfree(&regex);
    }
    for (size_t r = 0; r < rule_lines; r++)
        free(rules[r]);
    free(rules);
    //  the rules are the kind the leads are for, and the texts do meet them
    ck_assert_uint_ge(with_leads, 20);
    ck_assert_uint_gt(matched, 100);
    ck_assert_uint_gt(checked, 10000);
}
END_TEST

Suite *test_regex_leads_suite(void)
{
    Suite *suite = suite_create("regex_leads");
    TCase *tc = tcase_create("regex_leads");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_leading_words_of_a_pattern);
    tcase_add_test(tc, the_rules_regexes_never_match_without_a_lead);
    suite_add_tcase(suite, tc);
    return suite;
}
