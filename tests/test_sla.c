/*  test_sla: time-limit policies: which policy a complaint gets (priority, conditions,
    the date a policy applies from), the deadlines of the shipped config/sla.yaml with the
    real calendar (config/calendar.yaml, 2026 Spring Festival), and the loader's messages,
    which name file, line and key.  Writes small fixtures under /tmp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sq_calendar.h"
#include "sq_catalog.h"
#include "sq_envelope.h"
#include "sq_sla.h"
#include "suites.h"

//  ---------------------------------------------------------------------------------
//  Fixtures

typedef struct {
    char dir[64];
    char path[128];
} s_fixture_t;

static void s_fixture_make(s_fixture_t *fixture)
{
    snprintf(fixture->dir, sizeof fixture->dir, "/tmp/suqiu-test-sla-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fixture->dir));
    snprintf(fixture->path, sizeof fixture->path, "%s/sla.yaml", fixture->dir);
}

static void s_fixture_remove(s_fixture_t *fixture)
{
    unlink(fixture->path);
    ck_assert_int_eq(rmdir(fixture->dir), 0);
}

static void s_put(const s_fixture_t *fixture, const char *text)
{
    FILE *file = fopen(fixture->path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
}

static int64_t s_time(const char *text)
{
    int64_t t = 0;
    ck_assert_msg(sq_time_parse(text, &t) == 0, "bad time %s", text);
    return t;
}

//  The id of the policy found, or "(none)".
static const char *s_found(const sq_sla_t *sla, const char *channel, sq_type_t type,
                           sq_urgency_t urgency, const char *received)
{
    const sq_sla_policy_t *policy = NULL;
    if (sq_sla_find(sla, channel, type, urgency, s_time(received), &policy)) {
        ck_assert_ptr_null(policy);
        return "(none)";
    }
    return sq_sla_policy_id(policy);
}

//  ---------------------------------------------------------------------------------
//  Precedence

static const char *s_limits = "    limits:\n"
                              "      sign_for: {within: 1wd}\n"
                              "      first_response: {within: 7wd}\n"
                              "      close: {within: 45wd, from: first_response}\n";

//  One policy of the precedence fixture.
static void s_policy(char *buffer, size_t size, const char *id, const char *from,
                     const char *when, int priority)
{
    size_t used = strlen(buffer);
    snprintf(buffer + used, size - used,
             "  - id: %s\n"
             "    applies_from: %s\n"
             "    basis: test %s\n"
             "%s%s"
             "    priority: %d\n"
             "%s",
             id, from, id, when ? "    when: " : "", when ? when : "", priority, s_limits);
}

START_TEST(precedence_is_priority_keys_date_then_file_order)
{
    char text[4096] = "policies:\n";
    s_policy(text, sizeof text, "any", "2020-01-01", NULL, 0);
    s_policy(text, sizeof text, "by-type", "2020-01-01", "{type: 投诉}\n", 0);
    s_policy(text, sizeof text, "line-2020", "2020-01-01",
             "{channel: hotline12315, type: [complaint, report]}\n", 0);
    s_policy(text, sizeof text, "line-2026", "2026-03-01",
             "{channel: hotline12315, type: [complaint, report], urgency: \"*\"}\n", 0);
    s_policy(text, sizeof text, "urgent", "2020-01-01", "{urgency: 紧急}\n", 10);
    s_policy(text, sizeof text, "web-first", "2020-01-01", "{channel: web}\n", 0);
    s_policy(text, sizeof text, "web-second", "2020-01-01", "{channel: [web]}\n", 0);
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    s_put(&fixture, text);
    char error[512] = "";
    sq_sla_t *sla = sq_sla_load(fixture.path, error, sizeof error);
    ck_assert_msg(sla != NULL, "%s", error);
    ck_assert_uint_eq(sq_sla_policy_count(sla), 7);
    ck_assert_str_eq(sq_sla_policy_id(sq_sla_policy_at(sla, 2)), "line-2020");

    //  More keys win: channel + type over type over nothing.
    ck_assert_str_eq(s_found(sla, "hotline12315", SQ_TYPE_COMPLAINT, SQ_URGENCY_NORMAL,
                             "2026-02-13T16:00:00+08:00"),
                     "line-2020");
    ck_assert_str_eq(s_found(sla, "hotline12345", SQ_TYPE_COMPLAINT, SQ_URGENCY_NORMAL,
                             "2026-02-13T16:00:00+08:00"),
                     "by-type");
    ck_assert_str_eq(s_found(sla, "hotline12345", SQ_TYPE_ENQUIRY, SQ_URGENCY_NORMAL,
                             "2026-02-13T16:00:00+08:00"),
                     "any");
    //  Unknown values match only policies that do not ask for them.
    ck_assert_str_eq(s_found(sla, NULL, SQ_TYPE_NONE, SQ_URGENCY_NONE,
                             "2026-02-13T16:00:00+08:00"),
                     "any");
    //  The policy in force at receipt: the 2026 version from 2026-03-01 00:00 +08:00 on
    //  ("*" does not count as a key, so both versions have two); received earlier, the
    //  complaint keeps the 2020 one.
    ck_assert_str_eq(s_found(sla, "hotline12315", SQ_TYPE_REPORT, SQ_URGENCY_NORMAL,
                             "2026-02-28T23:59:59+08:00"),
                     "line-2020");
    ck_assert_str_eq(s_found(sla, "hotline12315", SQ_TYPE_REPORT, SQ_URGENCY_NORMAL,
                             "2026-02-28T16:00:00Z"),
                     "line-2026");
    ck_assert_str_eq(s_found(sla, "hotline12315", SQ_TYPE_REPORT, SQ_URGENCY_NORMAL,
                             "2026-11-23T10:00:00+08:00"),
                     "line-2026");
    //  Priority beats keys.
    ck_assert_str_eq(s_found(sla, "hotline12315", SQ_TYPE_COMPLAINT, SQ_URGENCY_URGENT,
                             "2026-11-23T10:00:00+08:00"),
                     "urgent");
    //  A tie goes to the one earlier in the file.
    ck_assert_str_eq(s_found(sla, "web", SQ_TYPE_HELP, SQ_URGENCY_NORMAL,
                             "2026-11-23T10:00:00+08:00"),
                     "web-first");
    //  Before every policy's date: none.
    ck_assert_str_eq(s_found(sla, "web", SQ_TYPE_HELP, SQ_URGENCY_NORMAL,
                             "2019-12-31T23:59:59+08:00"),
                     "(none)");

    const sq_sla_policy_t *policy = sq_sla_policy_at(sla, 3);
    ck_assert_int_eq(sq_sla_policy_applies_from(policy), s_time("2026-03-01T00:00:00+08:00"));
    sq_sla_limit_t close = sq_sla_policy_limit(policy, SQ_SLA_CLOSE);
    ck_assert_int_eq(close.within.unit, SQ_DURATION_WORKING_DAYS);
    ck_assert_int_eq(close.within.amount, 45);
    ck_assert_int_eq(close.from, SQ_SLA_FROM_FIRST_RESPONSE);
    ck_assert_int_eq(sq_sla_policy_limit(policy, SQ_SLA_SIGN_FOR).from, SQ_SLA_FROM_RECEIVED);
    ck_assert(!sq_sla_policy_extension(policy, NULL));
    ck_assert_str_eq(sq_sla_stage_name(SQ_SLA_FIRST_RESPONSE), "first_response");
    ck_assert_str_eq(sq_sla_from_name(SQ_SLA_FROM_SIGN_FOR), "sign_for");

    sq_sla_destroy(&sla);
    sq_sla_destroy(&sla);   //  safe twice
    ck_assert_ptr_null(sla);
    s_fixture_remove(&fixture);
}
END_TEST

//  ---------------------------------------------------------------------------------
//  The shipped policies with the real calendar

//  Find the policy for the complaint, check its id, and its deadlines against the three
//  expected local times.
static void s_expect_deadlines(const sq_sla_t *sla, const sq_calendar_t *calendar,
                               const char *channel, sq_type_t type, sq_urgency_t urgency,
                               const char *received, const char *id, const char *sign_for,
                               const char *first_response, const char *close)
{
    const sq_sla_policy_t *policy = NULL;
    ck_assert_int_eq(sq_sla_find(sla, channel, type, urgency, s_time(received), &policy), 0);
    ck_assert_str_eq(sq_sla_policy_id(policy), id);
    ck_assert(strlen(sq_sla_policy_basis(policy)) > 0);
    int64_t due[3];
    ck_assert_int_eq(sq_sla_deadlines(policy, calendar, s_time(received), &due[0], &due[1],
                                      &due[2]),
                     0);
    const char *want[3] = {sign_for, first_response, close};
    char text[SQ_CALENDAR_TIME_TEXT];
    for (int i = 0; i < 3; i++)
        ck_assert_msg(strcmp(sq_calendar_format(due[i], text, sizeof text), want[i]) == 0,
                      "%s %s: expected %s, got %s", id, sq_sla_stage_name((sq_sla_stage_t) i),
                      want[i], text);
}

/*  Received Friday 2026-02-13 16:00 +08:00, just before the 2026 Spring Festival.  The
    working days after it (config/holidays.csv, the State Council's 2026 notice):
        02-14 Sat (调休上班)                     1
        02-15 Sun to 02-23 Mon: 春节, off
        02-24 Tue, 25, 26, 27                  2 3 4 5
        02-28 Sat (调休上班)                     6
        03-01 Sun off; 03-02 Mon               7
        03-03 to 03-06, 03-09 to 03-12         8 .. 15
    so 1wd ends 02-14 23:59:59, 2wd 02-24, 5wd 02-27, 7wd 03-02, 15wd 03-12 (23:59:59).
    45wd after 03-02 (12315 mediation, from the acceptance deadline):
        March 3-6, 9-13, 16-20, 23-27, 30-31   1 .. 21
        April 1-3                               22 .. 24   (04-04 to 04-06 清明, off)
        April 7-10, 13-17, 20-24, 27-30         25 .. 42
        May 1-5 劳动节 off; May 6, 7, 8          43 44 45
    so the mediation ends 2026-05-08 23:59:59. */
START_TEST(shipped_policies_give_the_real_deadlines)
{
    char error[512] = "";
    sq_sla_t *sla = sq_sla_load("config/sla.yaml", error, sizeof error);
    ck_assert_msg(sla != NULL, "%s", error);
    sq_calendar_t *calendar = sq_calendar_load("config/calendar.yaml", error, sizeof error);
    ck_assert_msg(calendar != NULL, "%s", error);
    const char *received = "2026-02-13T16:00:00+08:00";

    //  12315 complaint: accept or refuse within 7wd; mediation 45wd from acceptance.
    s_expect_deadlines(sla, calendar, "hotline12315", SQ_TYPE_COMPLAINT, SQ_URGENCY_NORMAL,
                       received, "12315-complaint-2020", "2026-02-14T23:59:59+08:00",
                       "2026-03-02T23:59:59+08:00", "2026-05-08T23:59:59+08:00");
    //  Urgency does not change the statutory 12315 limits.
    s_expect_deadlines(sla, calendar, "hotline12315", SQ_TYPE_COMPLAINT, SQ_URGENCY_URGENT,
                       received, "12315-complaint-2020", "2026-02-14T23:59:59+08:00",
                       "2026-03-02T23:59:59+08:00", "2026-05-08T23:59:59+08:00");
    //  12315 report: decide on opening a case within 15wd, extendable by 15wd.
    s_expect_deadlines(sla, calendar, "hotline12315", SQ_TYPE_REPORT, SQ_URGENCY_NORMAL,
                       received, "12315-report-2020", "2026-02-14T23:59:59+08:00",
                       "2026-03-12T23:59:59+08:00", "2026-03-12T23:59:59+08:00");
    //  12345 enquiry: sign for and answer within 1wd, closed within 2wd.
    s_expect_deadlines(sla, calendar, "hotline12345", SQ_TYPE_ENQUIRY, SQ_URGENCY_NORMAL,
                       received, "12345-enquiry-2020", "2026-02-14T23:59:59+08:00",
                       "2026-02-14T23:59:59+08:00", "2026-02-24T23:59:59+08:00");
    //  Urgent 12345: clock hours, holidays or not; closure still 5wd.
    s_expect_deadlines(sla, calendar, "hotline12345", SQ_TYPE_COMPLAINT, SQ_URGENCY_URGENT,
                       received, "12345-urgent-2020", "2026-02-13T17:00:00+08:00",
                       "2026-02-13T18:00:00+08:00", "2026-02-27T23:59:59+08:00");
    //  12345 complaint: first response 1wd after the sign-for deadline (02-14), so 02-24.
    s_expect_deadlines(sla, calendar, "wechat", SQ_TYPE_COMPLAINT, SQ_URGENCY_NORMAL, received,
                       "12345-complaint-report-2020", "2026-02-14T23:59:59+08:00",
                       "2026-02-24T23:59:59+08:00", "2026-03-12T23:59:59+08:00");
    //  Anything else falls to the catch-all, even with nothing known.
    s_expect_deadlines(sla, calendar, NULL, SQ_TYPE_NONE, SQ_URGENCY_NONE, received,
                       "12345-default-2020", "2026-02-14T23:59:59+08:00",
                       "2026-02-24T23:59:59+08:00", "2026-02-27T23:59:59+08:00");
    s_expect_deadlines(sla, calendar, "hotline12315", SQ_TYPE_ENQUIRY, SQ_URGENCY_NORMAL,
                       "2020-01-01T00:00:00+08:00", "12345-default-2020",
                       "2020-01-02T23:59:59+08:00", "2020-01-03T23:59:59+08:00",
                       "2020-01-08T23:59:59+08:00");

    //  The report's extension, and the 12345 limit on extensions.
    const sq_sla_policy_t *policy = NULL;
    sq_duration_t extension = {0};
    ck_assert_int_eq(sq_sla_find(sla, "hotline12315", SQ_TYPE_REPORT, SQ_URGENCY_NORMAL,
                                 s_time(received), &policy),
                     0);
    ck_assert(sq_sla_policy_extension(policy, &extension));
    ck_assert_int_eq(extension.unit, SQ_DURATION_WORKING_DAYS);
    ck_assert_int_eq(extension.amount, 15);
    ck_assert_int_eq(sq_sla_find(sla, "web", SQ_TYPE_HELP, SQ_URGENCY_NORMAL, s_time(received),
                                 &policy),
                     0);
    ck_assert_str_eq(sq_sla_policy_id(policy), "12345-help-2020");
    ck_assert(sq_sla_policy_extension(policy, &extension));
    ck_assert_int_eq(extension.amount, 10);

    //  When the complaint is really accepted (02-25 10:00), mediation is recomputed from then:
    //  after 02-25, 02-26, 02-27, 02-28 (调休) and 03-02 are working days 1-4, so the 45th is
    //  the 41st after 03-02: 2026-04-29 (see above).
    ck_assert_int_eq(sq_sla_find(sla, "hotline12315", SQ_TYPE_COMPLAINT, SQ_URGENCY_NORMAL,
                                 s_time(received), &policy),
                     0);
    int64_t due = 0;
    char text[SQ_CALENDAR_TIME_TEXT];
    ck_assert_int_eq(sq_sla_due(policy, calendar, SQ_SLA_CLOSE,
                                s_time("2026-02-25T10:00:00+08:00"), &due),
                     0);
    ck_assert_str_eq(sq_calendar_format(due, text, sizeof text), "2026-04-29T23:59:59+08:00");

    //  Before 2020 there is no policy at all.
    ck_assert_int_eq(sq_sla_find(sla, "hotline12345", SQ_TYPE_HELP, SQ_URGENCY_NORMAL,
                                 s_time("2019-12-31T23:59:59+08:00"), &policy),
                     -1);
    sq_calendar_destroy(&calendar);
    sq_sla_destroy(&sla);
}
END_TEST

//  ---------------------------------------------------------------------------------
//  Mistakes

static const char *s_head = "policies:\n"
                            "  - id: a\n"
                            "    applies_from: 2020-01-01\n"
                            "    basis: test\n";

//  Write s_head + body (or text alone when body is NULL); expect loading to fail with
//  "<path>:<want>...".
static void s_expect_error(s_fixture_t *fixture, const char *text, const char *body,
                           const char *want)
{
    char buffer[2048];
    snprintf(buffer, sizeof buffer, "%s%s", body ? s_head : "", body ? body : text);
    s_put(fixture, buffer);
    char error[512] = "", expected[512];
    sq_sla_t *sla = sq_sla_load(fixture->path, error, sizeof error);
    ck_assert_msg(sla == NULL, "expected an error for:\n%s", buffer);
    snprintf(expected, sizeof expected, "%s:%s", fixture->path, want);
    ck_assert_msg(strncmp(error, expected, strlen(expected)) == 0,
                  "expected \"%s...\", got \"%s\"", expected, error);
}

START_TEST(mistakes_name_file_line_and_key)
{
    s_fixture_t fixture;
    s_fixture_make(&fixture);
    static const char *limits = "    limits:\n"
                                "      sign_for: {within: 1wd}\n"
                                "      first_response: {within: 7wd}\n"
                                "      close: {within: 45wd, from: first_response}\n";
    char body[1024];

    s_expect_error(&fixture, "polices: []\n", NULL, "1: polices: unknown key");
    s_expect_error(&fixture, "policies: []\n", NULL, "1: policies: the list is empty");
    s_expect_error(&fixture, "policies:\n  - id: A\n", NULL,
                   "2: policies[0].id: \"A\" is not a policy id");
    s_expect_error(&fixture, "policies:\n  - id: a\n    applies_from: 2026-02-30\n", NULL,
                   "3: policies[0].applies_from: \"2026-02-30\" is not a date");
    s_expect_error(&fixture, "policies:\n  - id: a\n    applies_from: 2020-01-01\n", NULL,
                   "2: policies[0].basis:");
    snprintf(body, sizeof body, "    prio: 1\n%s", limits);
    s_expect_error(&fixture, NULL, body, "5: policies[0].prio: unknown key");
    snprintf(body, sizeof body, "    when: {channel: phone}\n%s", limits);
    s_expect_error(&fixture, NULL, body,
                   "5: policies[0].when.channel: unknown channel \"phone\"");
    snprintf(body, sizeof body, "    when: {type: [投诉, 抱怨]}\n%s", limits);
    s_expect_error(&fixture, NULL, body, "5: policies[0].when.type[1]: unknown type \"抱怨\"");
    snprintf(body, sizeof body, "    when: {urgency: high}\n%s", limits);
    s_expect_error(&fixture, NULL, body,
                   "5: policies[0].when.urgency: unknown urgency \"high\"");
    snprintf(body, sizeof body, "    when: {region: hexi}\n%s", limits);
    s_expect_error(&fixture, NULL, body, "5: policies[0].when.region: unknown key");
    snprintf(body, sizeof body, "    when: {type: [\"*\", report]}\n%s", limits);
    s_expect_error(&fixture, NULL, body, "5: policies[0].when.type[0]: \"*\" must stand alone");
    snprintf(body, sizeof body, "    priority: high\n%s", limits);
    s_expect_error(&fixture, NULL, body, "5: policies[0].priority:");
    s_expect_error(&fixture, NULL,
                   "    limits:\n"
                   "      sign_for: {within: 1wd}\n"
                   "      first_response: {within: 7 days}\n"
                   "      close: {within: 45wd}\n",
                   "7: policies[0].limits.first_response.within: \"7 days\" is not a duration");
    s_expect_error(&fixture, NULL,
                   "    limits:\n"
                   "      sign_for: {within: 1wd}\n"
                   "      first_response: {within: 7wd}\n"
                   "      closure: {within: 45wd}\n",
                   "8: policies[0].limits.closure: unknown key");
    s_expect_error(&fixture, NULL,
                   "    limits:\n"
                   "      sign_for: {within: 1wd}\n"
                   "      first_response: {within: 7wd}\n",
                   "6: policies[0].limits.close: required");
    s_expect_error(&fixture, NULL,
                   "    limits:\n"
                   "      sign_for: {within: 1wd}\n"
                   "      first_response: {within: 7wd}\n"
                   "      close: {within: 45wd, from: acceptance}\n",
                   "8: policies[0].limits.close.from: unknown starting point \"acceptance\"");
    s_expect_error(&fixture, NULL,
                   "    limits:\n"
                   "      sign_for: {within: 1wd, from: close}\n"
                   "      first_response: {within: 7wd}\n"
                   "      close: {within: 45wd}\n",
                   "6: policies[0].limits.sign_for.from: unknown starting point \"close\"");
    s_expect_error(&fixture, NULL,
                   "    limits:\n"
                   "      sign_for: {within: 1wd}\n"
                   "      first_response: {within: 7wd, from: first_response}\n"
                   "      close: {within: 45wd}\n",
                   "7: policies[0].limits.first_response.from: first_response cannot be "
                   "counted from first_response");
    s_expect_error(&fixture, NULL,
                   "    limits:\n"
                   "      sign_for: {within: 1wd, maximum: 2wd}\n"
                   "      first_response: {within: 7wd}\n"
                   "      close: {within: 45wd}\n",
                   "6: policies[0].limits.sign_for.maximum: unknown key");
    snprintf(body, sizeof body, "%s    extension: -15wd\n", limits);
    s_expect_error(&fixture, NULL, body,
                   "9: policies[0].extension: \"-15wd\" is not a duration");
    snprintf(body, sizeof body,
             "%s  - id: a\n    applies_from: 2021-01-01\n    basis: again\n%s", limits, limits);
    s_expect_error(&fixture, NULL, body, "9: policies[1].id: \"a\" is already used on line 2");
    s_fixture_remove(&fixture);
}
END_TEST

Suite *test_sla_suite(void)
{
    Suite *suite = suite_create("sla");
    TCase *tc = tcase_create("sla");
    tcase_add_test(tc, precedence_is_priority_keys_date_then_file_order);
    tcase_add_test(tc, shipped_policies_give_the_real_deadlines);
    tcase_add_test(tc, mistakes_name_file_line_and_key);
    suite_add_tcase(suite, tc);
    return suite;
}
