/*  test_deadline: the recomputation of a complaint's deadlines after what happened to it
    (lib/sq_deadline), with the shipped config/sla.yaml and the real calendar: a stage
    counted from an earlier one runs from its real time, an approved extension adds its
    duration, a finished pause moves what is still due by the working days it touched (or
    its working or clock time), an open pause moves nothing yet, and a met stage records the
    working time it took, pauses left out.  Expected values computed by hand. */
#include <stdio.h>
#include <string.h>

#include "sq_calendar.h"
#include "sq_deadline.h"
#include "sq_envelope.h"
#include "sq_sla.h"
#include "suites.h"

static sq_sla_t *s_sla;
static sq_calendar_t *s_calendar;

static void s_setup(void)
{
    char error[512];
    s_sla = sq_sla_load("config/sla.yaml", error, sizeof error);
    ck_assert_msg(s_sla != NULL, "%s", error);
    s_calendar = sq_calendar_load("config/calendar.yaml", error, sizeof error);
    ck_assert_msg(s_calendar != NULL, "%s", error);
}

static void s_teardown(void)
{
    sq_sla_destroy(&s_sla);
    sq_calendar_destroy(&s_calendar);
}

static int64_t s_time(const char *text)
{
    int64_t t = 0;
    ck_assert_msg(sq_time_parse(text, &t) == 0, "bad time %s", text);
    return t;
}

static const char *s_text(int64_t t)
{
    static char buffer[4][SQ_CALENDAR_TIME_TEXT];
    static int next;
    next = (next + 1) % 4;
    return sq_calendar_format(t, buffer[next], sizeof buffer[next]);
}

static const sq_sla_policy_t *s_policy(const char *id)
{
    const sq_sla_policy_t *policy = sq_sla_policy_by_id(s_sla, id);
    ck_assert_msg(policy != NULL, "no policy %s", id);
    return policy;
}

//  The stages as routing stored them for a complaint received at received.
static void s_routed(const sq_sla_policy_t *policy, int64_t received,
                     sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT])
{
    memset(stages, 0, SQ_SLA_STAGE_COUNT * sizeof *stages);
    int64_t due[SQ_SLA_STAGE_COUNT];
    ck_assert_int_eq(sq_sla_deadlines(policy, s_calendar, received, &due[0], &due[1], &due[2]), 0);
    for (int stage = 0; stage < SQ_SLA_STAGE_COUNT; stage++) {
        stages[stage].present = true;
        stages[stage].due = due[stage];
    }
}

START_TEST(test_nothing_happened_gives_the_routing_deadlines)
{
    const sq_sla_policy_t *policy = s_policy("12315-complaint-2020");
    int64_t received = s_time("2026-02-13T16:00:00+08:00");
    sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT];
    s_routed(policy, received, stages);
    sq_deadline_result_t result;
    ck_assert_int_eq(sq_deadline_compute(policy, s_calendar, received, stages, NULL, 0, &result), 0);
    for (int stage = 0; stage < SQ_SLA_STAGE_COUNT; stage++)
        ck_assert_str_eq(s_text(result.due[stage]), s_text(stages[stage].due));
    ck_assert_str_eq(s_text(result.due[SQ_SLA_CLOSE]), "2026-05-08T23:59:59+08:00");
    //  Close is counted from the first-response deadline until acceptance really happens.
    ck_assert_str_eq(s_text(result.started[SQ_SLA_CLOSE]), "2026-03-02T23:59:59+08:00");
}
END_TEST

START_TEST(test_mediation_runs_from_the_real_acceptance)
{
    //  12315: accepted on Wed 2026-03-04 10:00: the 45wd of mediation run from then, not from
    //  the acceptance deadline: March 05-31 gives 19 working days, April less 清明 (04-04..06)
    //  21, so 40 by 04-30; after 劳动节 (05-01..05) 05-06 (41), 05-07 (42), 05-08 (43), the
    //  make-up Saturday 05-09 (44) and Monday 05-11 (45).
    const sq_sla_policy_t *policy = s_policy("12315-complaint-2020");
    int64_t received = s_time("2026-02-13T16:00:00+08:00");
    sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT];
    s_routed(policy, received, stages);
    stages[SQ_SLA_SIGN_FOR].met = s_time("2026-02-14T09:00:00+08:00");
    stages[SQ_SLA_FIRST_RESPONSE].met = s_time("2026-03-04T10:00:00+08:00");
    sq_deadline_result_t result;
    ck_assert_int_eq(sq_deadline_compute(policy, s_calendar, received, stages, NULL, 0, &result), 0);
    ck_assert_str_eq(s_text(result.due[SQ_SLA_CLOSE]), "2026-05-11T23:59:59+08:00");
    ck_assert_str_eq(s_text(result.started[SQ_SLA_CLOSE]), "2026-03-04T10:00:00+08:00");
    //  Met stages keep their deadlines and record their working time: received Friday
    //  16:00, 1.5 hours that day; the make-up Saturday 08:30-09:00 is half an hour more.
    ck_assert_str_eq(s_text(result.due[SQ_SLA_SIGN_FOR]), "2026-02-14T23:59:59+08:00");
    ck_assert_int_eq(result.worked[SQ_SLA_SIGN_FOR], 2 * 3600);
}
END_TEST

START_TEST(test_an_approved_extension_adds_its_duration)
{
    //  12315 report received Mon 2026-03-02 09:00: decision within 15wd (Mon 03-23);
    //  extended by 15wd: 03-24..27 (4), 03-30..04-03 (9), 04-07..10 (13), 04-13, 14: Tue 04-14.
    const sq_sla_policy_t *policy = s_policy("12315-report-2020");
    int64_t received = s_time("2026-03-02T09:00:00+08:00");
    sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT];
    s_routed(policy, received, stages);
    ck_assert_str_eq(s_text(stages[SQ_SLA_FIRST_RESPONSE].due), "2026-03-23T23:59:59+08:00");
    stages[SQ_SLA_FIRST_RESPONSE].extended = true;
    ck_assert_int_eq(sq_duration_parse("15wd", &stages[SQ_SLA_FIRST_RESPONSE].extension), 0);
    sq_deadline_result_t result;
    ck_assert_int_eq(sq_deadline_compute(policy, s_calendar, received, stages, NULL, 0, &result), 0);
    ck_assert_str_eq(s_text(result.due[SQ_SLA_FIRST_RESPONSE]), "2026-04-14T23:59:59+08:00");
    //  The close stage, not extended, keeps its 15wd.
    ck_assert_str_eq(s_text(result.due[SQ_SLA_CLOSE]), "2026-03-23T23:59:59+08:00");
}
END_TEST

START_TEST(test_a_finished_pause_moves_what_is_due_by_its_working_days)
{
    //  12345 complaint received Mon 2026-03-02 09:00, signed for 15:00; paused from
    //  Tue 03-03 10:00 to Thu 03-05 11:00 (touches 03-04 and 03-05: 2wd).
    const sq_sla_policy_t *policy = s_policy("12345-complaint-report-2020");
    int64_t received = s_time("2026-03-02T09:00:00+08:00");
    sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT];
    s_routed(policy, received, stages);
    stages[SQ_SLA_SIGN_FOR].met = s_time("2026-03-02T15:00:00+08:00");
    sq_deadline_pause_t pause = {s_time("2026-03-03T10:00:00+08:00"),
                                 s_time("2026-03-05T11:00:00+08:00")};
    sq_deadline_result_t result;
    ck_assert_int_eq(sq_deadline_compute(policy, s_calendar, received, stages, &pause, 1, &result), 0);
    ck_assert_str_eq(s_text(result.due[SQ_SLA_FIRST_RESPONSE]), "2026-03-05T23:59:59+08:00");
    ck_assert_str_eq(s_text(result.due[SQ_SLA_CLOSE]), "2026-03-25T23:59:59+08:00");
    //  A pause still open moves nothing yet.
    pause.ended = 0;
    ck_assert_int_eq(sq_deadline_compute(policy, s_calendar, received, stages, &pause, 1, &result), 0);
    ck_assert_str_eq(s_text(result.due[SQ_SLA_FIRST_RESPONSE]), "2026-03-03T23:59:59+08:00");
    ck_assert_str_eq(s_text(result.due[SQ_SLA_CLOSE]), "2026-03-23T23:59:59+08:00");
    //  A pause within one day touches no further working day: nothing moves.
    pause.started = s_time("2026-03-03T10:00:00+08:00");
    pause.ended = s_time("2026-03-03T16:00:00+08:00");
    ck_assert_int_eq(sq_deadline_compute(policy, s_calendar, received, stages, &pause, 1, &result), 0);
    ck_assert_str_eq(s_text(result.due[SQ_SLA_CLOSE]), "2026-03-23T23:59:59+08:00");
}
END_TEST

START_TEST(test_a_pause_after_the_deadline_or_before_the_clock_moves_nothing)
{
    const sq_sla_policy_t *policy = s_policy("12345-complaint-report-2020");
    int64_t received = s_time("2026-03-02T09:00:00+08:00");
    sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT];
    s_routed(policy, received, stages);
    //  Paused once the first-response deadline (Wed 03-04 23:59:59, from the sign-for
    //  deadline) had passed: late is late.  Close (03-23) still moves by 03-06 and 03-09.
    sq_deadline_pause_t pause = {s_time("2026-03-05T09:00:00+08:00"),
                                 s_time("2026-03-09T09:00:00+08:00")};
    sq_deadline_result_t result;
    ck_assert_int_eq(sq_deadline_compute(policy, s_calendar, received, stages, &pause, 1, &result), 0);
    ck_assert_str_eq(s_text(result.due[SQ_SLA_FIRST_RESPONSE]), "2026-03-04T23:59:59+08:00");
    ck_assert_str_eq(s_text(result.due[SQ_SLA_CLOSE]), "2026-03-25T23:59:59+08:00");
}
END_TEST

START_TEST(test_urgent_limits_move_by_clock_time)
{
    //  Urgent: first response within 2 clock hours; paused 30 minutes: 30 minutes later.
    const sq_sla_policy_t *policy = s_policy("12345-urgent-2020");
    int64_t received = s_time("2026-03-07T22:00:00+08:00");   //  a Saturday night
    sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT];
    s_routed(policy, received, stages);
    ck_assert_str_eq(s_text(stages[SQ_SLA_FIRST_RESPONSE].due), "2026-03-08T00:00:00+08:00");
    sq_deadline_pause_t pause = {s_time("2026-03-07T22:20:00+08:00"),
                                 s_time("2026-03-07T22:50:00+08:00")};
    sq_deadline_result_t result;
    ck_assert_int_eq(sq_deadline_compute(policy, s_calendar, received, stages, &pause, 1, &result), 0);
    ck_assert_str_eq(s_text(result.due[SQ_SLA_FIRST_RESPONSE]), "2026-03-08T00:30:00+08:00");
}
END_TEST

START_TEST(test_working_time_leaves_pauses_out)
{
    //  Received Mon 03-02 09:00, answered Thu 03-05 16:00: 7 + 7.5 + 7.5 + 6 = 28 working
    //  hours; paused Tue 10:00 to Thu 11:00: 6 + 7.5 + 2.5 = 16; worked 12.
    const sq_sla_policy_t *policy = s_policy("12345-complaint-report-2020");
    int64_t received = s_time("2026-03-02T09:00:00+08:00");
    sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT];
    s_routed(policy, received, stages);
    stages[SQ_SLA_SIGN_FOR].met = s_time("2026-03-02T15:00:00+08:00");
    stages[SQ_SLA_FIRST_RESPONSE].met = s_time("2026-03-05T16:00:00+08:00");
    sq_deadline_pause_t pauses[] = {
        {s_time("2026-03-03T10:00:00+08:00"), s_time("2026-03-05T11:00:00+08:00")},
        {s_time("2026-03-06T09:00:00+08:00"), 0},   //  after the answer: not counted
    };
    sq_deadline_result_t result;
    ck_assert_int_eq(sq_deadline_compute(policy, s_calendar, received, stages, pauses, 2, &result), 0);
    ck_assert_int_eq(result.worked[SQ_SLA_SIGN_FOR], 16200);
    ck_assert_int_eq(result.worked[SQ_SLA_FIRST_RESPONSE], 12 * 3600);
    ck_assert_int_eq(result.worked[SQ_SLA_CLOSE], 0);
}
END_TEST

START_TEST(test_a_restarted_sign_for_runs_from_the_restart)
{
    //  Returned on Wed 03-04 10:00 after being signed for: the new department's sign-for
    //  runs 1wd from then (Thu 03-05), first response 1wd after that deadline (Fri 03-06);
    //  close still counts from receipt (Mon 03-23).  Signed for Thu 09:00, it took the working
    //  time from the restart: Wed 10:00-12:00 and 13:30-17:30 (6h), Thu 08:30-09:00 (0.5h).
    const sq_sla_policy_t *policy = s_policy("12345-complaint-report-2020");
    int64_t received = s_time("2026-03-02T09:00:00+08:00");
    sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT];
    s_routed(policy, received, stages);
    stages[SQ_SLA_SIGN_FOR].restarted = s_time("2026-03-04T10:00:00+08:00");
    sq_deadline_result_t result;
    ck_assert_int_eq(sq_deadline_compute(policy, s_calendar, received, stages, NULL, 0, &result), 0);
    ck_assert_str_eq(s_text(result.due[SQ_SLA_SIGN_FOR]), "2026-03-05T23:59:59+08:00");
    ck_assert_str_eq(s_text(result.due[SQ_SLA_FIRST_RESPONSE]), "2026-03-06T23:59:59+08:00");
    ck_assert_str_eq(s_text(result.due[SQ_SLA_CLOSE]), "2026-03-23T23:59:59+08:00");
    stages[SQ_SLA_SIGN_FOR].due = result.due[SQ_SLA_SIGN_FOR];
    stages[SQ_SLA_SIGN_FOR].met = s_time("2026-03-05T09:00:00+08:00");
    ck_assert_int_eq(sq_deadline_compute(policy, s_calendar, received, stages, NULL, 0, &result), 0);
    ck_assert_int_eq(result.worked[SQ_SLA_SIGN_FOR], 6 * 3600 + 1800);
}
END_TEST

Suite *test_deadline_suite(void)
{
    Suite *suite = suite_create("deadline");
    TCase *tcase = tcase_create("recompute");
    tcase_add_checked_fixture(tcase, s_setup, s_teardown);
    tcase_add_test(tcase, test_nothing_happened_gives_the_routing_deadlines);
    tcase_add_test(tcase, test_mediation_runs_from_the_real_acceptance);
    tcase_add_test(tcase, test_an_approved_extension_adds_its_duration);
    tcase_add_test(tcase, test_a_finished_pause_moves_what_is_due_by_its_working_days);
    tcase_add_test(tcase, test_a_pause_after_the_deadline_or_before_the_clock_moves_nothing);
    tcase_add_test(tcase, test_urgent_limits_move_by_clock_time);
    tcase_add_test(tcase, test_working_time_leaves_pauses_out);
    tcase_add_test(tcase, test_a_restarted_sign_for_runs_from_the_restart);
    suite_add_tcase(suite, tcase);
    return suite;
}
