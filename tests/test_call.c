/*  test_call: call records of the hotline's telephone queue: what a good one looks like, the
    errors that name the field, and which calls came in working hours.  Run from the project
    folder: it loads the real config/calendar.yaml. */
#include <string.h>

#include "sq_call.h"
#include "suites.h"

#define S_ANSWERED                                                                                 \
    "\"line\":\"12345\",\"call_id\":\"C-1\",\"queued_at\":\"2026-03-02T09:00:00+08:00\","          \
    "\"answered_at\":\"2026-03-02T09:00:20+08:00\",\"ended_at\":\"2026-03-02T09:05:00+08:00\","    \
    "\"operator_id\":\"1001\""

static json_t *s_record(const char *json, sq_field_error_t *error)
{
    return sq_call_from_body(json, strlen(json), error);
}

//  Expect json to be refused, naming field, with message in the reason.
static void s_refused(const char *json, const char *field, const char *message)
{
    sq_field_error_t error = {"", ""};
    json_t *record = s_record(json, &error);
    ck_assert_msg(record == NULL, "accepted: %s", json);
    ck_assert_msg(strcmp(error.field, field) == 0, "field \"%s\" (%s), expected \"%s\" for %s",
                  error.field, error.message, field, json);
    ck_assert_msg(strstr(error.message, message) != NULL, "message \"%s\" lacks \"%s\"",
                  error.message, message);
}

START_TEST(answered_and_abandoned_calls)
{
    sq_field_error_t error;
    json_t *record = s_record("{" S_ANSWERED "}", &error);
    ck_assert_msg(record != NULL, "%s: %s", error.field, error.message);
    ck_assert_str_eq(json_string_value(json_object_get(record, "line")), "12345");
    ck_assert_str_eq(json_string_value(json_object_get(record, "answered_at")),
                     "2026-03-02T09:00:20+08:00");
    ck_assert(json_is_false(json_object_get(record, "abandoned")));
    ck_assert_str_eq(json_string_value(json_object_get(record, "operator_id")), "1001");
    json_decref(record);
    //  Abandoned, as CSV gives it: strings, the empty ones absent.
    json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "line", "12315", "call_id",
                            "C-2", "queued_at", "2026-03-02T09:00:00+08:00", "answered_at", "",
                            "abandoned", "1", "ended_at", "2026-03-02T09:00:08+08:00",
                            "operator_id", "");
    record = sq_call_from_object(row, &error);
    ck_assert_msg(record != NULL, "%s: %s", error.field, error.message);
    ck_assert(json_is_true(json_object_get(record, "abandoned")));
    ck_assert_ptr_null(json_object_get(record, "answered_at"));
    ck_assert_ptr_null(json_object_get(record, "operator_id"));
    ck_assert_str_eq(json_string_value(json_object_get(row, "abandoned")), "1");   //  unchanged
    json_decref(record);
    json_decref(row);
    record = s_record("{\"line\":12315,\"call_id\":\"C-3\",\"queued_at\":\"2026-03-02T01:00:00Z\","
                      "\"abandoned\":true,\"ended_at\":\"2026-03-02T01:01:00Z\"}", &error);
    ck_assert_ptr_nonnull(record);
    ck_assert_str_eq(json_string_value(json_object_get(record, "line")), "12315");
    json_decref(record);
}
END_TEST

START_TEST(each_field_is_checked)
{
    s_refused("", "", "not valid JSON");
    s_refused("[1]", "", "must be a JSON object");
    s_refused("{" S_ANSWERED ",\"line\":\"12345\"}", "", "duplicate");
    s_refused("{" S_ANSWERED ",\"queue\":\"A\"}", "queue", "is not a known field");
    s_refused("{\"call_id\":\"C\",\"queued_at\":\"2026-03-02T01:00:00Z\",\"abandoned\":true,"
              "\"ended_at\":\"2026-03-02T01:01:00Z\"}", "line", "is required");
    s_refused("{\"line\":\"110\"}", "line", "\"12345\" or \"12315\"");
    s_refused("{\"line\":\"12345\",\"call_id\":\"a b\"}", "call_id", "letters, digits");
    s_refused("{\"line\":\"12345\",\"call_id\":\"C\",\"queued_at\":\"9 o'clock\"}", "queued_at",
              "ISO-8601");
    s_refused("{\"line\":\"12345\",\"call_id\":\"C\",\"queued_at\":\"2126-01-01T00:00:00Z\"}",
              "queued_at", "future");
    s_refused("{\"line\":\"12345\",\"call_id\":\"C\",\"queued_at\":\"2026-03-02T01:00:00Z\","
              "\"ended_at\":\"2026-03-02T01:01:00Z\"}", "answered_at", "unless abandoned");
    s_refused("{\"line\":\"12345\",\"call_id\":\"C\",\"queued_at\":\"2026-03-02T01:00:00Z\","
              "\"abandoned\":\"maybe\",\"ended_at\":\"2026-03-02T01:01:00Z\"}", "abandoned",
              "true or false");
    s_refused("{" S_ANSWERED ",\"abandoned\":true}", "abandoned", "was not abandoned");
    s_refused("{\"line\":\"12345\",\"call_id\":\"C\",\"queued_at\":\"2026-03-02T01:00:00Z\","
              "\"answered_at\":\"2026-03-02T00:59:00Z\",\"ended_at\":\"2026-03-02T01:01:00Z\"}",
              "answered_at", "before queued_at");
    s_refused("{\"line\":\"12345\",\"call_id\":\"C\",\"queued_at\":\"2026-03-02T01:00:00Z\","
              "\"answered_at\":\"2026-03-02T01:00:30Z\",\"ended_at\":\"2026-03-02T01:00:10Z\"}",
              "ended_at", "before answered_at");
    s_refused("{\"line\":\"12345\",\"call_id\":\"C\",\"queued_at\":\"2026-03-02T01:00:00Z\","
              "\"abandoned\":true,\"ended_at\":\"2026-03-03T01:00:01Z\"}", "ended_at",
              "more than a day");
    s_refused("{\"line\":\"12345\",\"call_id\":\"C\",\"queued_at\":\"2026-03-02T01:00:00Z\","
              "\"abandoned\":true,\"ended_at\":\"2026-03-02T01:00:01Z\",\"operator_id\":\"<b>\"}",
              "operator_id", "letters, digits");
    s_refused("{\"line\":\"12345\",\"call_id\":\"C\\u0000\"}", "", "not valid JSON");
    s_refused("{\"line\":\"12345\",\"call_id\":\"'; DROP TABLE call_record;--\"}", "call_id",
              "letters, digits");
}
END_TEST

//  in_working_hours of a call queued at when, on the city's calendar.
static bool s_in_hours(const sq_calendar_t *calendar, const char *when)
{
    char json[256];
    snprintf(json, sizeof json, "{\"line\":\"12345\",\"call_id\":\"W\",\"queued_at\":\"%s\","
             "\"abandoned\":true,\"ended_at\":\"%s\"}", when, when);
    sq_field_error_t error;
    json_t *record = s_record(json, &error);
    ck_assert_msg(record != NULL, "%s: %s", error.field, error.message);
    ck_assert_int_eq(sq_call_mark_working_hours(record, calendar, &error), 0);
    bool in = json_is_true(json_object_get(record, "in_working_hours"));
    json_decref(record);
    return in;
}

START_TEST(working_hours_by_the_city_calendar)
{
    char error[512];
    sq_calendar_t *calendar = sq_calendar_load("config/calendar.yaml", error, sizeof error);
    ck_assert_msg(calendar != NULL, "%s", error);
    //  Monday 2026-03-02: 08:30-12:00 and 13:30-17:30.
    ck_assert(!s_in_hours(calendar, "2026-03-02T08:29:59+08:00"));
    ck_assert(s_in_hours(calendar, "2026-03-02T08:30:00+08:00"));
    ck_assert(s_in_hours(calendar, "2026-03-02T11:59:59+08:00"));
    ck_assert(!s_in_hours(calendar, "2026-03-02T12:00:00+08:00"));   //  lunch
    ck_assert(s_in_hours(calendar, "2026-03-02T05:30:00Z"));         //  13:30 local
    ck_assert(!s_in_hours(calendar, "2026-03-02T17:30:00+08:00"));
    //  A Saturday, the Spring Festival, and a make-up working Saturday (调休, 2026-02-14).
    ck_assert(!s_in_hours(calendar, "2026-03-07T10:00:00+08:00"));
    ck_assert(!s_in_hours(calendar, "2026-02-17T10:00:00+08:00"));
    ck_assert(s_in_hours(calendar, "2026-02-14T10:00:00+08:00"));
    sq_calendar_destroy(&calendar);
}
END_TEST

Suite *test_call_suite(void)
{
    Suite *suite = suite_create("call");
    TCase *tc = tcase_create("call");
    tcase_add_test(tc, answered_and_abandoned_calls);
    tcase_add_test(tc, each_field_is_checked);
    tcase_add_test(tc, working_hours_by_the_city_calendar);
    suite_add_tcase(suite, tc);
    return suite;
}
