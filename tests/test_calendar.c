/*  test_calendar: the working-time calendar.  Working days and make-up working days of the
    2025 and 2026 notices, time limits in working days and working hours (received on a
    holiday, a weekend, at night, at lunch, on a period's edge), working time between two
    times agreeing with the additions, config errors naming file, line and key, and merging
    a new notice into the holidays file.  Run from the project folder: it loads the real
    config/calendar.yaml, and writes small fixtures under /tmp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sq_calendar.h"
#include "sq_envelope.h"
#include "suites.h"

static sq_calendar_t *s_real(void)
{
    char error[512];
    sq_calendar_t *calendar = sq_calendar_load("config/calendar.yaml", error, sizeof error);
    ck_assert_msg(calendar != NULL, "%s", error);
    return calendar;
}

static int64_t s_time(const char *text)
{
    int64_t t;
    ck_assert_msg(sq_time_parse(text, &t) == 0, "bad time in test: %s", text);
    return t;
}

static sq_duration_t s_duration(const char *text)
{
    sq_duration_t duration;
    ck_assert_msg(sq_duration_parse(text, &duration) == 0, "bad duration in test: %s", text);
    return duration;
}

//  received + duration, formatted.
static const char *s_add(const sq_calendar_t *calendar, const char *received, const char *duration,
                         char *buffer, size_t size)
{
    int64_t end;
    ck_assert_int_eq(sq_calendar_add(calendar, s_time(received), s_duration(duration), &end), 0);
    return sq_calendar_format(end, buffer, size);
}

//  A table of time limits: received, duration, end (local).
typedef struct {
    const char *received, *duration, *end;
} s_case_t;

static void s_check_cases(const s_case_t *cases, size_t count)
{
    sq_calendar_t *calendar = s_real();
    char text[SQ_CALENDAR_TIME_TEXT];
    for (size_t i = 0; i < count; i++) {
        s_add(calendar, cases[i].received, cases[i].duration, text, sizeof text);
        ck_assert_msg(strcmp(text, cases[i].end) == 0, "%s + %s: expected %s, got %s",
                      cases[i].received, cases[i].duration, cases[i].end, text);
    }
    sq_calendar_destroy(&calendar);
    sq_calendar_destroy(&calendar);   //  safe twice
    ck_assert_ptr_null(calendar);
}

//  ---------------------------------------------------------------------------------
//  Days

//  Each day from year-month-day on against want: "W" a working day, "-" a rest day.
static void s_check_days(const sq_calendar_t *calendar, int year, int month, int day,
                         const char *want)
{
    for (size_t i = 0; want[i]; i++) {
        sq_day_kind_t kind;
        ck_assert_int_eq(sq_calendar_day(calendar, year, month, day + (int) i, &kind, NULL), 0);
        bool working = sq_calendar_is_working_day(calendar, year, month, day + (int) i);
        ck_assert_msg(working == (want[i] == 'W'), "%04d-%02d-%02d should be %s", year, month,
                      day + (int) i, want[i] == 'W' ? "a working day" : "a rest day");
    }
}

START_TEST(spring_festival_and_national_day_weeks)
{
    sq_calendar_t *calendar = s_real();
    //  2025 春节: Sun 01-26 worked, 01-28..02-04 off, Sat 02-08 worked.
    s_check_days(calendar, 2025, 1, 20, "WWWWW-WW----");            //  01-20 .. 01-31
    s_check_days(calendar, 2025, 2, 1, "----WWWW-W");               //  02-01 .. 02-10
    //  2025 国庆节、中秋节: Sun 09-28 worked, 10-01..10-08 off, Sat 10-11 worked.
    s_check_days(calendar, 2025, 9, 26, "W-WWW");                  //  09-26 .. 09-30
    s_check_days(calendar, 2025, 10, 1, "--------WWW-");            //  10-01 .. 10-12
    //  2026 春节: Sat 02-14 worked, 02-15..02-23 off, Sat 02-28 worked.
    s_check_days(calendar, 2026, 2, 9, "WWWWWW---------WWWWW");     //  02-09 .. 02-28
    s_check_days(calendar, 2026, 3, 1, "-W");                       //  03-01 .. 03-02
    //  2026 中秋节 and 国庆节: Sun 09-20 worked, 09-25..27 off, 10-01..07 off, Sat 10-10 worked.
    s_check_days(calendar, 2026, 9, 19, "-WWWWW---WWW");            //  09-19 .. 09-30
    s_check_days(calendar, 2026, 10, 1, "-------WWW-");             //  10-01 .. 10-11
    //  2026 元旦: 01-01..03 off, Sun 01-04 worked.
    s_check_days(calendar, 2025, 12, 29, "WWW");
    s_check_days(calendar, 2026, 1, 1, "---WW");

    sq_day_kind_t kind;
    const char *name;
    ck_assert_int_eq(sq_calendar_day(calendar, 2026, 2, 14, &kind, &name), 0);
    ck_assert_int_eq(kind, SQ_DAY_MAKEUP);
    ck_assert_str_eq(name, "春节");
    ck_assert_int_eq(sq_calendar_day(calendar, 2026, 2, 21, &kind, &name), 0);
    ck_assert_int_eq(kind, SQ_DAY_HOLIDAY);   //  a Saturday inside the holiday
    ck_assert_str_eq(name, "春节");
    ck_assert_int_eq(sq_calendar_day(calendar, 2025, 10, 6, &kind, &name), 0);
    ck_assert_int_eq(kind, SQ_DAY_HOLIDAY);
    ck_assert_str_eq(name, "国庆节、中秋节");
    ck_assert_int_eq(sq_calendar_day(calendar, 2026, 9, 20, &kind, &name), 0);
    ck_assert_int_eq(kind, SQ_DAY_MAKEUP);
    ck_assert_str_eq(name, "国庆节");
    ck_assert_int_eq(sq_calendar_day(calendar, 2026, 3, 7, &kind, &name), 0);
    ck_assert_int_eq(kind, SQ_DAY_WEEKEND);
    ck_assert_ptr_null(name);
    ck_assert_int_eq(sq_calendar_day(calendar, 2026, 3, 9, &kind, NULL), 0);
    ck_assert_int_eq(kind, SQ_DAY_WORKING);
    //  2020-02-03 is listed as worked but is a Monday: an ordinary working day, named.
    ck_assert_int_eq(sq_calendar_day(calendar, 2020, 2, 3, &kind, &name), 0);
    ck_assert_int_eq(kind, SQ_DAY_WORKING);
    ck_assert_str_eq(name, "春节");
    ck_assert_int_eq(sq_calendar_day(calendar, 2026, 2, 30, &kind, &name), -1);
    ck_assert(!sq_calendar_is_working_day(calendar, 2026, 2, 30));
    ck_assert(!sq_calendar_is_working_day(calendar, 2026, 13, 1));
    sq_calendar_destroy(&calendar);
}
END_TEST

START_TEST(years_outside_the_notices_are_plain_and_said_so)
{
    sq_calendar_t *calendar = s_real();
    int first, last;
    sq_calendar_years(calendar, &first, &last);
    ck_assert_int_eq(first, 2020);
    ck_assert_int_eq(last, 2026);
    for (int year = 2020; year <= 2026; year++)
        ck_assert(sq_calendar_covers(calendar, year));
    ck_assert(!sq_calendar_covers(calendar, 2019));
    ck_assert(!sq_calendar_covers(calendar, 2027));
    //  2027-01-01 is a Friday: with no notice yet it counts as a working day.
    ck_assert(sq_calendar_is_working_day(calendar, 2027, 1, 1));
    ck_assert(!sq_calendar_is_working_day(calendar, 2027, 1, 2));
    ck_assert(sq_calendar_is_working_day(calendar, 2031, 1, 1));   //  beyond the table: Wed
    ck_assert(sq_calendar_is_working_day(calendar, 1999, 12, 31)); //  Friday
    ck_assert(sq_calendar_span_covered(calendar, s_time("2020-01-01T00:00:00+08:00"),
                                       s_time("2026-12-31T23:59:59+08:00")));
    ck_assert(!sq_calendar_span_covered(calendar, s_time("2026-12-30T10:00:00+08:00"),
                                        s_time("2027-01-06T23:59:59+08:00")));
    //  31 December 2026 at 16:00 UTC is 2027 in the city.
    ck_assert(!sq_calendar_span_covered(calendar, s_time("2026-12-31T16:00:00Z"),
                                        s_time("2026-12-31T16:00:00Z")));
    char text[SQ_CALENDAR_TIME_TEXT];
    ck_assert_str_eq(s_add(calendar, "2026-12-30T10:00:00+08:00", "5wd", text, sizeof text),
                     "2027-01-06T23:59:59+08:00");
    sq_calendar_destroy(&calendar);
}
END_TEST

//  ---------------------------------------------------------------------------------
//  Working days

START_TEST(working_days_end_at_midnight_of_the_nth_working_day)
{
    static const s_case_t cases[] = {
        //  Friday before the 2026 Spring Festival: Saturday 02-14 is worked.
        {"2026-02-13T16:00:00+08:00", "0wd", "2026-02-13T23:59:59+08:00"},
        {"2026-02-13T16:00:00+08:00", "1wd", "2026-02-14T23:59:59+08:00"},
        {"2026-02-13T16:00:00+08:00", "2wd", "2026-02-24T23:59:59+08:00"},
        {"2026-02-13T16:00:00+08:00", "3wd", "2026-02-25T23:59:59+08:00"},
        //  16:00 UTC is already Saturday 00:00 in the city: the day of receipt is 02-14.
        {"2026-02-13T16:00:00Z", "1wd", "2026-02-24T23:59:59+08:00"},
        {"2026-02-13T15:59:59Z", "1wd", "2026-02-14T23:59:59+08:00"},
        //  Received on a holiday, at night, at the last second of a day.
        {"2026-02-18T10:00:00+08:00", "0wd", "2026-02-18T23:59:59+08:00"},
        {"2026-02-18T10:00:00+08:00", "1wd", "2026-02-24T23:59:59+08:00"},
        {"2026-02-18T10:00:00+08:00", "2wd", "2026-02-25T23:59:59+08:00"},
        {"2026-02-23T23:59:59+08:00", "1wd", "2026-02-24T23:59:59+08:00"},
        {"2026-02-24T00:00:00+08:00", "1wd", "2026-02-25T23:59:59+08:00"},
        {"2026-02-24T23:59:59+08:00", "0wd", "2026-02-24T23:59:59+08:00"},
        {"2026-02-27T17:30:00+08:00", "1wd", "2026-02-28T23:59:59+08:00"},
        {"2026-02-27T17:30:00+08:00", "2wd", "2026-03-02T23:59:59+08:00"},
        //  Received on an ordinary weekend.
        {"2026-03-07T10:00:00+08:00", "1wd", "2026-03-09T23:59:59+08:00"},
        {"2026-03-08T23:59:59+08:00", "1wd", "2026-03-09T23:59:59+08:00"},
        {"2026-03-06T23:59:59+08:00", "1wd", "2026-03-09T23:59:59+08:00"},
        //  Across the year end: 元旦 2026-01-01..03 off, Sunday 01-04 worked.
        {"2025-12-31T16:00:00+08:00", "1wd", "2026-01-04T23:59:59+08:00"},
        {"2025-12-31T16:00:00+08:00", "2wd", "2026-01-05T23:59:59+08:00"},
        {"2025-12-31T23:59:59+08:00", "2wd", "2026-01-05T23:59:59+08:00"},
        {"2025-12-31T16:00:00Z", "1wd", "2026-01-04T23:59:59+08:00"},
        //  2025 春节: Sunday 01-26 and Saturday 02-08 worked.
        {"2025-01-24T10:00:00+08:00", "1wd", "2025-01-26T23:59:59+08:00"},
        {"2025-01-24T10:00:00+08:00", "2wd", "2025-01-27T23:59:59+08:00"},
        {"2025-01-24T10:00:00+08:00", "3wd", "2025-02-05T23:59:59+08:00"},
        {"2025-01-27T12:30:00+08:00", "1wd", "2025-02-05T23:59:59+08:00"},
        {"2025-02-07T10:00:00+08:00", "1wd", "2025-02-08T23:59:59+08:00"},
        {"2025-02-07T10:00:00+08:00", "2wd", "2025-02-10T23:59:59+08:00"},
        //  2025 国庆节、中秋节: Sunday 09-28 and Saturday 10-11 worked.
        {"2025-09-26T10:00:00+08:00", "1wd", "2025-09-28T23:59:59+08:00"},
        {"2025-09-30T16:00:00+08:00", "1wd", "2025-10-09T23:59:59+08:00"},
        {"2025-09-30T16:00:00+08:00", "3wd", "2025-10-11T23:59:59+08:00"},
        {"2025-10-04T12:00:00+08:00", "1wd", "2025-10-09T23:59:59+08:00"},
        //  2026 中秋节 and 国庆节: Sunday 09-20 and Saturday 10-10 worked.
        {"2026-09-18T10:00:00+08:00", "1wd", "2026-09-20T23:59:59+08:00"},
        {"2026-09-24T10:00:00+08:00", "1wd", "2026-09-28T23:59:59+08:00"},
        {"2026-09-30T10:00:00+08:00", "1wd", "2026-10-08T23:59:59+08:00"},
        {"2026-09-30T10:00:00+08:00", "3wd", "2026-10-10T23:59:59+08:00"},
        {"2026-09-30T10:00:00+08:00", "5wd", "2026-10-13T23:59:59+08:00"},
        //  An ordinary 15-working-day limit.
        {"2026-11-23T10:00:00+08:00", "15wd", "2026-12-14T23:59:59+08:00"},
    };
    s_check_cases(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

//  ---------------------------------------------------------------------------------
//  Working hours

START_TEST(working_hours_count_only_working_periods)
{
    static const s_case_t cases[] = {
        {"2026-11-23T11:00:00+08:00", "2wh", "2026-11-23T14:30:00+08:00"},   //  Monday
        {"2026-11-23T11:00:00+08:00", "0wh", "2026-11-23T11:00:00+08:00"},
        {"2026-11-23T11:30:00+08:00", "1wh", "2026-11-23T14:00:00+08:00"},
        //  Lunch: counting starts at 13:30.
        {"2026-11-23T12:30:00+08:00", "1wh", "2026-11-23T14:30:00+08:00"},
        {"2026-11-23T12:00:00+08:00", "1wh", "2026-11-23T14:30:00+08:00"},
        {"2026-11-23T13:30:00+08:00", "1wh", "2026-11-23T14:30:00+08:00"},
        //  Morning edges.
        {"2026-11-23T08:30:00+08:00", "1wh", "2026-11-23T09:30:00+08:00"},
        {"2026-11-23T08:00:00+08:00", "1wh", "2026-11-23T09:30:00+08:00"},
        {"2026-11-23T00:00:00+08:00", "1wh", "2026-11-23T09:30:00+08:00"},
        {"2026-11-23T08:30:00+08:00", "7wh", "2026-11-23T17:00:00+08:00"},
        {"2026-11-23T08:30:00+08:00", "8wh", "2026-11-24T09:00:00+08:00"},
        //  A result on a period's end stays there.
        {"2026-11-23T16:30:00+08:00", "1wh", "2026-11-23T17:30:00+08:00"},
        {"2026-11-23T10:00:00+08:00", "2wh", "2026-11-23T12:00:00+08:00"},   //  not 13:30
        {"2026-11-23T09:00:00+08:00", "3wh", "2026-11-23T12:00:00+08:00"},
        //  Evening and night: counting starts next working morning.
        {"2026-11-23T17:00:00+08:00", "1wh", "2026-11-24T09:00:00+08:00"},
        {"2026-11-23T17:30:00+08:00", "1wh", "2026-11-24T09:30:00+08:00"},
        {"2026-11-23T23:59:59+08:00", "1wh", "2026-11-24T09:30:00+08:00"},
        {"2026-11-27T17:30:00+08:00", "1wh", "2026-11-30T09:30:00+08:00"},   //  Friday
        {"2026-11-28T10:00:00+08:00", "1wh", "2026-11-30T09:30:00+08:00"},   //  Saturday
        //  A long weekend: 清明节 Saturday 04-04 to Monday 04-06.
        {"2026-04-03T16:30:00+08:00", "2wh", "2026-04-07T09:30:00+08:00"},
        {"2026-04-05T10:00:00+08:00", "1wh", "2026-04-07T09:30:00+08:00"},
        //  The 2026 Spring Festival with its make-up Saturday.
        {"2026-02-13T16:00:00+08:00", "10wh", "2026-02-24T09:30:00+08:00"},
        {"2026-02-13T16:00:00+08:00", "2wh", "2026-02-14T09:00:00+08:00"},
        {"2026-02-18T10:00:00+08:00", "1wh", "2026-02-24T09:30:00+08:00"},
        {"2026-02-27T17:00:00+08:00", "1wh", "2026-02-28T09:00:00+08:00"},
        //  Year end, 2025 and 2026 national days.
        {"2025-12-31T17:00:00+08:00", "1wh", "2026-01-04T09:00:00+08:00"},
        {"2025-09-30T17:00:00+08:00", "1wh", "2025-10-09T09:00:00+08:00"},
        {"2025-10-10T17:00:00+08:00", "1wh", "2025-10-11T09:00:00+08:00"},
        {"2026-09-30T16:30:00+08:00", "1wh", "2026-09-30T17:30:00+08:00"},
        {"2026-09-30T16:30:00+08:00", "2wh", "2026-10-08T09:30:00+08:00"},
        {"2026-09-24T17:00:00+08:00", "1wh", "2026-09-28T09:00:00+08:00"},
        {"2026-09-19T10:00:00+08:00", "1wh", "2026-09-20T09:30:00+08:00"},
        //  13 full working days of 7.5 hours, then 2.5 hours.
        {"2026-11-23T08:30:00+08:00", "100wh", "2026-12-10T11:00:00+08:00"},
        //  Clock hours are plain.
        {"2026-02-13T16:00:00+08:00", "24h", "2026-02-14T16:00:00+08:00"},
        {"2026-02-13T16:00:00+08:00", "0h", "2026-02-13T16:00:00+08:00"},
        {"2026-02-13T16:00:00Z", "72h", "2026-02-17T00:00:00+08:00"},
    };
    s_check_cases(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

//  ---------------------------------------------------------------------------------
//  Working time between two times

START_TEST(between_measures_working_time)
{
    sq_calendar_t *calendar = s_real();
    int64_t seconds, days;
    ck_assert_int_eq(sq_calendar_between(calendar, s_time("2026-11-23T11:00:00+08:00"),
                                         s_time("2026-11-23T14:30:00+08:00"), &seconds, &days),
                     0);
    ck_assert_int_eq(seconds, 2 * 3600);
    ck_assert_int_eq(days, 0);
    int64_t from = s_time("2026-02-13T16:00:00+08:00"), to = s_time("2026-02-24T10:00:00+08:00");
    ck_assert_int_eq(sq_calendar_between(calendar, from, to, &seconds, &days), 0);
    ck_assert_int_eq(seconds, 21 * 1800);   //  1.5 + 7.5 + 1.5 hours
    ck_assert_int_eq(days, 2);              //  02-14 and 02-24
    //  Backwards: the negatives.
    ck_assert_int_eq(sq_calendar_between(calendar, to, from, &seconds, &days), 0);
    ck_assert_int_eq(seconds, -21 * 1800);
    ck_assert_int_eq(days, -2);
    ck_assert_int_eq(sq_calendar_between(calendar, from, from, &seconds, &days), 0);
    ck_assert_int_eq(seconds, 0);
    ck_assert_int_eq(days, 0);
    //  Inside the holiday: nothing.
    ck_assert_int_eq(sq_calendar_between(calendar, s_time("2026-02-16T00:00:00+08:00"),
                                         s_time("2026-02-20T12:00:00+08:00"), &seconds, &days),
                     0);
    ck_assert_int_eq(seconds, 0);
    ck_assert_int_eq(days, 0);
    //  Across the year end: 1.5 hours on 12-31, two full days on 01-04 and 01-05.
    ck_assert_int_eq(sq_calendar_between(calendar, s_time("2025-12-31T16:00:00+08:00"),
                                         s_time("2026-01-05T23:59:59+08:00"), &seconds, NULL),
                     0);
    ck_assert_int_eq(seconds, 33 * 1800);
    ck_assert_int_eq(sq_calendar_between(calendar, s_time("2025-12-31T16:00:00+08:00"),
                                         s_time("2026-01-05T23:59:59+08:00"), NULL, &days),
                     0);
    ck_assert_int_eq(days, 2);
    //  A whole ordinary week: five days of 7.5 hours.
    ck_assert_int_eq(sq_calendar_between(calendar, s_time("2026-11-23T00:00:00+08:00"),
                                         s_time("2026-11-30T00:00:00+08:00"), &seconds, &days),
                     0);
    ck_assert_int_eq(seconds, 5 * 27000);
    ck_assert_int_eq(days, 5);   //  Tuesday to Friday, and Monday 11-30
    sq_calendar_destroy(&calendar);
}
END_TEST

//  The weeks the property loops walk, hour by hour.
static const char *const s_weeks[][2] = {
    {"2025-01-20T00:00:00+08:00", "2025-02-10T00:00:00+08:00"},
    {"2025-09-22T00:00:00+08:00", "2025-10-13T00:00:00+08:00"},
    {"2025-12-29T00:00:00+08:00", "2026-01-06T00:00:00+08:00"},
    {"2026-02-09T00:00:00+08:00", "2026-03-02T00:00:00+08:00"},
    {"2026-09-14T00:00:00+08:00", "2026-10-12T00:00:00+08:00"},
    {"2026-11-23T00:00:00+08:00", "2026-11-30T00:00:00+08:00"},
};

START_TEST(between_agrees_with_add_every_hour)
{
    sq_calendar_t *calendar = s_real();
    static const int hours[] = {1, 2, 3, 4, 7, 8, 15, 16, 40, 100};
    static const int day_counts[] = {0, 1, 2, 3, 5, 10, 15};
    //  Every hour, and every hour plus 30 minutes and 59:59, of the weeks above.
    static const int offsets[] = {0, 1800, 3599};
    for (size_t w = 0; w < sizeof s_weeks / sizeof s_weeks[0]; w++) {
        int64_t last = s_time(s_weeks[w][1]);
        for (int64_t hour = s_time(s_weeks[w][0]); hour < last; hour += 3600) {
            for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++) {
                int64_t t = hour + offsets[o], end, previous = t, seconds, days;
                for (size_t h = 0; h < sizeof hours / sizeof hours[0]; h++) {
                    sq_duration_t duration = {SQ_DURATION_WORKING_HOURS, hours[h]};
                    ck_assert_int_eq(sq_calendar_add(calendar, t, duration, &end), 0);
                    ck_assert_int_eq(sq_calendar_between(calendar, t, end, &seconds, NULL), 0);
                    ck_assert_msg(seconds == hours[h] * 3600, "t=%lld +%dwh: %lld s",
                                  (long long) t, hours[h], (long long) seconds);
                    ck_assert_int_gt(end, previous);   //  more hours end later
                    previous = end;
                }
                previous = t;
                for (size_t d = 0; d < sizeof day_counts / sizeof day_counts[0]; d++) {
                    sq_duration_t duration = {SQ_DURATION_WORKING_DAYS, day_counts[d]};
                    ck_assert_int_eq(sq_calendar_add(calendar, t, duration, &end), 0);
                    ck_assert_int_eq(sq_calendar_between(calendar, t, end, NULL, &days), 0);
                    ck_assert_int_eq(days, day_counts[d]);
                    ck_assert_int_ge(end, previous);
                    ck_assert_int_eq((end + SQ_CALENDAR_ZONE_SECONDS) % 86400, 86399);
                    previous = end;
                }
            }
        }
    }
    sq_calendar_destroy(&calendar);
}
END_TEST

START_TEST(later_receipt_never_ends_earlier)
{
    sq_calendar_t *calendar = s_real();
    static const char *const durations[] = {"1wd", "3wd", "15wd", "1wh", "2wh", "24wh", "8h"};
    for (size_t w = 0; w < sizeof s_weeks / sizeof s_weeks[0]; w++) {
        int64_t last = s_time(s_weeks[w][1]);
        for (size_t k = 0; k < sizeof durations / sizeof durations[0]; k++) {
            sq_duration_t duration = s_duration(durations[k]);
            int64_t previous = 0, end;
            //  Every 10 minutes, plus a second to land off the period edges too.
            for (int64_t t = s_time(s_weeks[w][0]); t < last; t += 601) {
                ck_assert_int_eq(sq_calendar_add(calendar, t, duration, &end), 0);
                ck_assert_int_ge(end, t);
                ck_assert_msg(end >= previous, "%s: received later, ends earlier at %lld",
                              durations[k], (long long) t);
                previous = end;
            }
        }
    }
    sq_calendar_destroy(&calendar);
}
END_TEST

//  The working days found by add agree with counting is_working_day by hand.
START_TEST(working_days_agree_with_the_day_table)
{
    sq_calendar_t *calendar = s_real();
    int64_t start = s_time("2024-12-25T12:00:00+08:00");
    for (int day = 0; day < 800; day++) {
        int64_t t = start + (int64_t) day * 86400, end;
        ck_assert_int_eq(sq_calendar_add(calendar, t, (sq_duration_t) {SQ_DURATION_WORKING_DAYS, 1},
                                         &end),
                         0);
        char text[SQ_CALENDAR_TIME_TEXT];
        sq_calendar_format(end, text, sizeof text);
        int year, month, mday;
        char date[11];
        memcpy(date, text, 10);
        date[10] = 0;
        ck_assert_int_eq(sq_calendar_date_parse(date, &year, &month, &mday), 0);
        ck_assert(sq_calendar_is_working_day(calendar, year, month, mday));
        //  No working day strictly between receipt and the end.
        for (int64_t between = t + 86400; between < end - 86400 + 1; between += 86400) {
            sq_calendar_format(between, text, sizeof text);
            memcpy(date, text, 10);
            ck_assert_int_eq(sq_calendar_date_parse(date, &year, &month, &mday), 0);
            ck_assert_msg(!sq_calendar_is_working_day(calendar, year, month, mday),
                          "%s was skipped", date);
        }
    }
    sq_calendar_destroy(&calendar);
}
END_TEST

//  ---------------------------------------------------------------------------------
//  Text

START_TEST(durations_parse_strictly)
{
    sq_duration_t duration;
    ck_assert_int_eq(sq_duration_parse("5wd", &duration), 0);
    ck_assert_int_eq(duration.unit, SQ_DURATION_WORKING_DAYS);
    ck_assert_int_eq(duration.amount, 5);
    ck_assert_int_eq(sq_duration_parse("0wd", &duration), 0);
    ck_assert_int_eq(duration.amount, 0);
    ck_assert_int_eq(sq_duration_parse("2wh", &duration), 0);
    ck_assert_int_eq(duration.unit, SQ_DURATION_WORKING_HOURS);
    ck_assert_int_eq(sq_duration_parse("24h", &duration), 0);
    ck_assert_int_eq(duration.unit, SQ_DURATION_HOURS);
    ck_assert_int_eq(duration.amount, 24);
    ck_assert_int_eq(sq_duration_parse("3650wd", &duration), 0);
    ck_assert_int_eq(sq_duration_parse("87600wh", &duration), 0);
    ck_assert_int_eq(sq_duration_parse("007wd", &duration), 0);
    ck_assert_int_eq(duration.amount, 7);
    static const char *const bad[] = {
        "", "wd", "5", "-1wd", "+1wd", "1.5h", "1 wd", " 1wd", "1wd ", "1WD", "1d", "1w",
        "1wdx", "3651wd", "87601h", "87601wh", "9999999wd", "99999999999999999999h", "1e3h",
        "0x10h", "1wh\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        duration = (sq_duration_t) {SQ_DURATION_HOURS, 42};
        ck_assert_msg(sq_duration_parse(bad[i], &duration) == -1, "accepted \"%s\"", bad[i]);
        ck_assert_int_eq(duration.amount, 42);   //  untouched
    }
}
END_TEST

START_TEST(times_format_in_the_city_zone)
{
    char text[SQ_CALENDAR_TIME_TEXT];
    ck_assert_str_eq(sq_calendar_format(0, text, sizeof text), "1970-01-01T08:00:00+08:00");
    ck_assert_str_eq(sq_calendar_format(s_time("2026-02-14T15:59:59Z"), text, sizeof text),
                     "2026-02-14T23:59:59+08:00");
    ck_assert_str_eq(sq_calendar_format(s_time("2024-02-29T12:00:00-05:00"), text, sizeof text),
                     "2024-03-01T01:00:00+08:00");
    ck_assert_str_eq(sq_calendar_format(s_time("1999-12-31T16:00:00Z"), text, sizeof text),
                     "2000-01-01T00:00:00+08:00");
    ck_assert_str_eq(sq_calendar_format(-1, text, sizeof text), "1970-01-01T07:59:59+08:00");
    int year, month, day;
    ck_assert_int_eq(sq_calendar_date_parse("2024-02-29", &year, &month, &day), 0);
    ck_assert_int_eq(year * 10000 + month * 100 + day, 20240229);
    static const char *const bad[] = {"2025-02-29", "2026-13-01", "2026-00-10", "2026-1-01",
                                      "2026-01-01x", "20260101", "", "1899-12-31", "２０２６-01-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(sq_calendar_date_parse(bad[i], &year, &month, &day) == -1, "accepted %s",
                      bad[i]);
}
END_TEST

START_TEST(out_of_range_is_refused)
{
    sq_calendar_t *calendar = s_real();
    int64_t end = 7, seconds;
    ck_assert_int_eq(sq_calendar_add(calendar, INT64_MAX, s_duration("1wd"), &end), -1);
    ck_assert_int_eq(sq_calendar_add(calendar, INT64_MIN, s_duration("1wh"), &end), -1);
    ck_assert_int_eq(sq_calendar_add(calendar, 0, (sq_duration_t) {SQ_DURATION_WORKING_DAYS, 3651},
                                     &end),
                     -1);
    ck_assert_int_eq(sq_calendar_add(calendar, 0, (sq_duration_t) {SQ_DURATION_HOURS, -1}, &end),
                     -1);
    ck_assert_int_eq(end, 7);
    ck_assert_int_eq(sq_calendar_between(calendar, 0, INT64_MAX, &seconds, NULL), -1);
    //  The largest durations stay quick and in range.
    ck_assert_int_eq(sq_calendar_add(calendar, 0, s_duration("3650wd"), &end), 0);
    ck_assert_int_eq(sq_calendar_add(calendar, 0, s_duration("87600wh"), &end), 0);
    ck_assert_int_eq(sq_calendar_between(calendar, 0, end, &seconds, NULL), 0);
    ck_assert_int_eq(seconds, (int64_t) 87600 * 3600);
    sq_calendar_destroy(&calendar);
}
END_TEST

//  ---------------------------------------------------------------------------------
//  Config files

static void s_put(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
}

static void s_fixture(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/suqiu-test-calendar-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    s_put(dir, "calendar.yaml", "# test\n"
                                "working_hours: [\"09:00-12:00\", \"14:00-18:00\"]\n"
                                "holidays_file: days.csv\n");
    s_put(dir, "days.csv", "date,is_off_day,name\n"
                           "2026-02-14,0,春节\n"
                           "2026-02-16,1,春节\n"
                           "2026-02-16,1,春节\n");
}

static void s_fixture_remove(const char *dir)
{
    static const char *const names[] = {"calendar.yaml", "days.csv", "notice.json", "notice.csv"};
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    ck_assert_int_eq(rmdir(dir), 0);   //  no temporary file left behind
}

//  Write name, expect loading dir to fail with "<dir>/<file>:<want>".
static void s_expect_error(const char *dir, const char *name, const char *text, const char *file,
                           const char *want)
{
    s_put(dir, name, text);
    char error[512] = "", expected[512];
    sq_calendar_t *calendar = sq_calendar_load_dir(dir, error, sizeof error);
    ck_assert_msg(calendar == NULL, "expected an error for: %s", text);
    snprintf(expected, sizeof expected, "%s/%s:%s", dir, file, want);
    ck_assert_msg(strncmp(error, expected, strlen(expected)) == 0, "expected \"%s...\", got \"%s\"",
                  expected, error);
}

START_TEST(a_small_calendar_loads)
{
    char dir[64], error[512];
    s_fixture(dir, sizeof dir);
    sq_calendar_t *calendar = sq_calendar_load_dir(dir, error, sizeof error);
    ck_assert_msg(calendar != NULL, "%s", error);
    char path[128];
    snprintf(path, sizeof path, "%s/days.csv", dir);
    ck_assert_str_eq(sq_calendar_holidays_path(calendar), path);
    ck_assert(sq_calendar_covers(calendar, 2026));   //  no source_year: the dates' year
    ck_assert(!sq_calendar_covers(calendar, 2025));
    ck_assert(sq_calendar_is_working_day(calendar, 2026, 2, 14));
    ck_assert(!sq_calendar_is_working_day(calendar, 2026, 2, 16));
    ck_assert(sq_calendar_is_working_day(calendar, 2026, 2, 17));   //  not listed here
    char text[SQ_CALENDAR_TIME_TEXT];
    ck_assert_str_eq(s_add(calendar, "2026-02-13T11:00:00+08:00", "2wh", text, sizeof text),
                     "2026-02-13T15:00:00+08:00");
    ck_assert_str_eq(s_add(calendar, "2026-02-13T17:00:00+08:00", "2wh", text, sizeof text),
                     "2026-02-14T10:00:00+08:00");
    ck_assert_str_eq(s_add(calendar, "2026-02-13T17:00:00+08:00", "2wd", text, sizeof text),
                     "2026-02-17T23:59:59+08:00");
    sq_calendar_destroy(&calendar);

    //  An absolute holidays_file, and periods touching end to end, up to 24:00.
    char yaml[256];
    snprintf(yaml, sizeof yaml,
             "working_hours: [\"00:00-12:00\", \"12:00-24:00\"]\nholidays_file: %s/days.csv\n",
             dir);
    s_put(dir, "calendar.yaml", yaml);
    calendar = sq_calendar_load_dir(dir, error, sizeof error);
    ck_assert_msg(calendar != NULL, "%s", error);
    int64_t seconds;
    ck_assert_int_eq(sq_calendar_between(calendar, s_time("2026-02-13T00:00:00+08:00"),
                                         s_time("2026-02-18T00:00:00+08:00"), &seconds, NULL),
                     0);
    ck_assert_int_eq(seconds, 3 * 86400);   //  Fri 02-13, Sat 02-14 (make-up), Tue 02-17
    sq_calendar_destroy(&calendar);
    s_fixture_remove(dir);
}
END_TEST

START_TEST(config_errors_name_file_line_and_key)
{
    char dir[64];
    s_fixture(dir, sizeof dir);
    s_expect_error(dir, "calendar.yaml",
                   "working_hours: [\"08:30-12:60\"]\nholidays_file: days.csv\n", "calendar.yaml",
                   "1: working_hours[0]: must be a period HH:MM-HH:MM with the start before the "
                   "end, got \"08:30-12:60\"");
    s_expect_error(dir, "calendar.yaml",
                   "working_hours:\n  - 12:00-08:30\nholidays_file: days.csv\n", "calendar.yaml",
                   "2: working_hours[0]: must be a period");
    s_expect_error(dir, "calendar.yaml", "working_hours:\n  - 8:30-12:00\n", "calendar.yaml",
                   "2: working_hours[0]: must be a period");
    s_expect_error(dir, "calendar.yaml",
                   "working_hours:\n  - 08:30-12:00\n  - 11:30-17:30\nholidays_file: days.csv\n",
                   "calendar.yaml",
                   "3: working_hours[1]: \"11:30-17:30\" overlaps or comes before \"08:30-12:00\"");
    s_expect_error(dir, "calendar.yaml",
                   "working_hours:\n  - 13:30-17:30\n  - 08:30-12:00\nholidays_file: days.csv\n",
                   "calendar.yaml", "3: working_hours[1]: \"08:30-12:00\" overlaps");
    s_expect_error(dir, "calendar.yaml",
                   "working_hours: [\"08:30-12:00\"]\nholidays_file: days.csv\nzone: +09:00\n",
                   "calendar.yaml", "3: zone: ");
    s_expect_error(dir, "calendar.yaml", "working_hours: [\"08:30-12:00\"]\n", "calendar.yaml",
                   "1: holidays_file: ");
    s_expect_error(dir, "calendar.yaml", "holidays_file: days.csv\n", "calendar.yaml",
                   "1: working_hours: ");
    s_expect_error(dir, "calendar.yaml", "working_hours: []\nholidays_file: days.csv\n",
                   "calendar.yaml", "1: working_hours");
    s_expect_error(dir, "calendar.yaml",
                   "working_hours: [\"08:30-12:00\"]\nholidays_file: no.csv\n", "no.csv",
                   " cannot open");
    s_put(dir, "calendar.yaml", "working_hours: [\"08:30-12:00\"]\nholidays_file: days.csv\n");

    s_expect_error(dir, "days.csv", "date,is_off_day,name\n2026-02-14,0,春节\n2026-13-01,1,x\n",
                   "days.csv", "3: date: \"2026-13-01\" is not a date YYYY-MM-DD");
    s_expect_error(dir, "days.csv", "date,is_off_day,name\n2026/02/14,0,春节\n", "days.csv",
                   "2: date: \"2026/02/14\" is not a date");
    s_expect_error(dir, "days.csv", "date,is_off_day,name\n2026-02-14,yes,春节\n", "days.csv",
                   "2: is_off_day: must be 0 or 1, got \"yes\"");
    s_expect_error(dir, "days.csv", "date,is_off_day,name\n2026-02-14,0,\n", "days.csv",
                   "2: name: ");
    s_expect_error(dir, "days.csv",
                   "date,is_off_day,name,source_year\n2026-02-14,0,春节,26\n", "days.csv",
                   "2: source_year: must be a year");
    s_expect_error(dir, "days.csv",
                   "date,is_off_day,name\n2026-02-14,0,春节\n2026-02-15,1,春节\n"
                   "2026-02-14,1,春节\n2026-02-15,1,春节\n",
                   "days.csv",
                   "4: date: 2026-02-14 is listed with is_off_day 1 here and 0 on line 2");
    s_expect_error(dir, "days.csv", "date,off,name\n2026-02-14,0,春节\n", "days.csv",
                   "1: the header must name the columns date, is_off_day and name");
    s_expect_error(dir, "days.csv", "date,is_off_day,name\n2026-02-14,0\n", "days.csv", "2: ");
    s_fixture_remove(dir);
}
END_TEST

//  ---------------------------------------------------------------------------------
//  Importing a notice

START_TEST(a_new_notice_is_merged_into_the_holidays_file)
{
    char dir[64], error[512], path[128];
    s_fixture(dir, sizeof dir);
    sq_calendar_t *calendar = sq_calendar_load_dir(dir, error, sizeof error);
    ck_assert_msg(calendar != NULL, "%s", error);
    s_put(dir, "notice.json",
          "{\"year\": 2027, \"papers\": [], \"days\": [\n"
          " {\"name\": \"元旦\", \"date\": \"2027-01-01\", \"isOffDay\": true},\n"
          " {\"name\": \"春节\", \"date\": \"2026-02-16\", \"isOffDay\": true},\n"
          " {\"name\": \"春节, \\\"补\\\"\", \"date\": \"2027-02-20\", \"isOffDay\": false}]}\n");
    snprintf(path, sizeof path, "%s/notice.json", dir);
    sq_calendar_import_t counts;
    ck_assert_msg(sq_calendar_import(calendar, path, false, &counts, error, sizeof error) == 0,
                  "%s", error);
    ck_assert_uint_eq(counts.added, 2);
    ck_assert_uint_eq(counts.replaced, 0);
    ck_assert_uint_eq(counts.unchanged, 1);
    ck_assert(sq_calendar_is_working_day(calendar, 2027, 1, 1));   //  self is unchanged
    sq_calendar_destroy(&calendar);

    calendar = sq_calendar_load_dir(dir, error, sizeof error);
    ck_assert_msg(calendar != NULL, "%s", error);
    ck_assert(!sq_calendar_is_working_day(calendar, 2027, 1, 1));
    ck_assert(sq_calendar_covers(calendar, 2027));
    sq_day_kind_t kind;
    const char *name;
    ck_assert_int_eq(sq_calendar_day(calendar, 2027, 2, 20, &kind, &name), 0);
    ck_assert_int_eq(kind, SQ_DAY_MAKEUP);
    ck_assert_str_eq(name, "春节, \"补\"");   //  quoted in the CSV and read back
    ck_assert_int_eq(sq_calendar_import(calendar, path, false, &counts, error, sizeof error), 0);
    ck_assert_uint_eq(counts.added, 0);
    ck_assert_uint_eq(counts.unchanged, 3);

    //  A conflicting date is refused, naming both places, and the file stays as it was.
    s_put(dir, "notice.csv", "date,is_off_day,name\n2027-03-01,1,x\n2026-02-14,1,春节\n");
    snprintf(path, sizeof path, "%s/notice.csv", dir);
    ck_assert_int_eq(sq_calendar_import(calendar, path, false, &counts, error, sizeof error), -1);
    char expected[512];
    snprintf(expected, sizeof expected,
             "%s/notice.csv:3: date: 2026-02-14 has is_off_day 1 here but 0 in %s/days.csv:2: "
             "not replaced",
             dir, dir);
    ck_assert_str_eq(error, expected);
    sq_calendar_destroy(&calendar);
    calendar = sq_calendar_load_dir(dir, error, sizeof error);
    ck_assert(sq_calendar_is_working_day(calendar, 2026, 2, 14));
    ck_assert(sq_calendar_is_working_day(calendar, 2027, 3, 1));
    //  With replace it goes in.
    ck_assert_int_eq(sq_calendar_import(calendar, path, true, &counts, error, sizeof error), 0);
    ck_assert_uint_eq(counts.added, 1);
    ck_assert_uint_eq(counts.replaced, 1);
    sq_calendar_destroy(&calendar);
    calendar = sq_calendar_load_dir(dir, error, sizeof error);
    ck_assert(!sq_calendar_is_working_day(calendar, 2026, 2, 14));
    ck_assert(!sq_calendar_is_working_day(calendar, 2027, 3, 1));

    //  Broken notices.
    snprintf(path, sizeof path, "%s/notice.json", dir);
    s_put(dir, "notice.json", "{\"year\": 2027, \"days\": [{\"name\": \"x\", \"date\": "
                              "\"2027-02-30\", \"isOffDay\": true}]}");
    ck_assert_int_eq(sq_calendar_import(calendar, path, false, NULL, error, sizeof error), -1);
    snprintf(expected, sizeof expected, "%s/notice.json: days[0].date: ", dir);
    ck_assert_msg(strncmp(error, expected, strlen(expected)) == 0, "%s", error);
    s_put(dir, "notice.json", "{\"year\": 2027, \"days\": [{\"name\": \"x\", \"date\": "
                              "\"2027-02-01\", \"isOffDay\": 1}]}");
    ck_assert_int_eq(sq_calendar_import(calendar, path, false, NULL, error, sizeof error), -1);
    ck_assert_ptr_nonnull(strstr(error, "days[0].isOffDay"));
    s_put(dir, "notice.json", "{\"year\": 2027, \"days\": [\n");
    ck_assert_int_eq(sq_calendar_import(calendar, path, false, NULL, error, sizeof error), -1);
    snprintf(expected, sizeof expected, "%s/notice.json:", dir);
    ck_assert_msg(strncmp(error, expected, strlen(expected)) == 0, "%s", error);
    s_put(dir, "notice.json", "{\"days\": []}");
    ck_assert_int_eq(sq_calendar_import(calendar, path, false, NULL, error, sizeof error), -1);
    ck_assert_ptr_nonnull(strstr(error, "year"));
    s_put(dir, "notice.json",
          "{\"year\": 2027, \"days\": [{\"name\": \"x\", \"date\": \"2027-05-01\", \"isOffDay\": "
          "true}, {\"name\": \"x\", \"date\": \"2027-05-01\", \"isOffDay\": false}]}");
    ck_assert_int_eq(sq_calendar_import(calendar, path, false, NULL, error, sizeof error), -1);
    snprintf(expected, sizeof expected,
             "%s/notice.json: days[1]: date: 2027-05-01 is listed with is_off_day 0 here and 1 in "
             "days[0]", dir);
    ck_assert_str_eq(error, expected);
    sq_calendar_destroy(&calendar);
    s_fixture_remove(dir);
}
END_TEST

Suite *test_calendar_suite(void)
{
    Suite *suite = suite_create("calendar");
    TCase *days = tcase_create("days");
    tcase_add_test(days, spring_festival_and_national_day_weeks);
    tcase_add_test(days, years_outside_the_notices_are_plain_and_said_so);
    suite_add_tcase(suite, days);
    TCase *arithmetic = tcase_create("arithmetic");
    tcase_set_timeout(arithmetic, 60);
    tcase_add_test(arithmetic, working_days_end_at_midnight_of_the_nth_working_day);
    tcase_add_test(arithmetic, working_hours_count_only_working_periods);
    tcase_add_test(arithmetic, between_measures_working_time);
    tcase_add_test(arithmetic, between_agrees_with_add_every_hour);
    tcase_add_test(arithmetic, later_receipt_never_ends_earlier);
    tcase_add_test(arithmetic, working_days_agree_with_the_day_table);
    tcase_add_test(arithmetic, out_of_range_is_refused);
    suite_add_tcase(suite, arithmetic);
    TCase *text = tcase_create("text");
    tcase_add_test(text, durations_parse_strictly);
    tcase_add_test(text, times_format_in_the_city_zone);
    suite_add_tcase(suite, text);
    TCase *files = tcase_create("files");
    tcase_add_test(files, a_small_calendar_loads);
    tcase_add_test(files, config_errors_name_file_line_and_key);
    tcase_add_test(files, a_new_notice_is_merged_into_the_holidays_file);
    suite_add_tcase(suite, files);
    return suite;
}
