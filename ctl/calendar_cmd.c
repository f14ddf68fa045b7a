/*  suqiuctl calendar: the working-time calendar (config/calendar.yaml and its holidays file)
    from the command line: when a time limit ends, how much working time lies between two
    times, what kind of day a date is, and merging a new year's State Council notice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "sq_calendar.h"
#include "sq_envelope.h"

static const char *s_usage_text =
    "usage: suqiuctl calendar add TIME DURATION     e.g. add 2026-02-13T16:00:00+08:00 2wd\n"
    "       suqiuctl calendar between TIME TIME     working hours and days between two times\n"
    "       suqiuctl calendar check DATE            e.g. check 2026-02-14\n"
    "       suqiuctl calendar import FILE [--replace]\n"
    "                                               merge a notice (holiday-cn JSON or CSV)\n"
    "DURATION is Nwd (working days), Nwh (working hours) or Nh (hours); TIME is ISO-8601\n"
    "with zone, e.g. 2026-11-23T10:00:00+08:00 or 2026-11-23T02:00:00Z.\n";

static int s_usage(void)
{
    fputs(s_usage_text, stderr);
    return 2;
}

//  Say on stderr when the span reaches a year the holidays file does not cover.
static void s_warn_uncovered(const sq_calendar_t *calendar, int64_t t1, int64_t t2)
{
    if (sq_calendar_span_covered(calendar, t1, t2))
        return;
    int first, last;
    sq_calendar_years(calendar, &first, &last);
    fprintf(stderr,
            "suqiuctl calendar: warning: reaches a year that %s does not cover (it covers "
            "%d-%d): counted as Monday to Friday working, without holidays\n",
            sq_calendar_holidays_path(calendar), first, last);
}

static int s_time(const char *text, int64_t *t)
{
    if (sq_time_parse(text, t) == 0)
        return 0;
    fprintf(stderr, "suqiuctl calendar: \"%s\" is not an ISO-8601 time with zone, e.g. "
                    "2026-11-23T10:00:00+08:00\n", text);
    return -1;
}

static int s_add(const sq_calendar_t *calendar, int argc, char *argv[])
{
    if (argc != 4)
        return s_usage();
    int64_t start, end;
    sq_duration_t duration;
    if (s_time(argv[2], &start))
        return 2;
    if (sq_duration_parse(argv[3], &duration)) {
        fprintf(stderr, "suqiuctl calendar: \"%s\" is not a duration: Nwd (0 to %d), Nwh or Nh "
                        "(0 to %d)\n", argv[3], SQ_DURATION_DAYS_MAX, SQ_DURATION_HOURS_MAX);
        return 2;
    }
    if (sq_calendar_add(calendar, start, duration, &end)) {
        fprintf(stderr, "suqiuctl calendar: %s is out of the calendar's range\n", argv[2]);
        return 1;
    }
    s_warn_uncovered(calendar, start, end);
    char text[SQ_CALENDAR_TIME_TEXT];
    printf("%s\n", sq_calendar_format(end, text, sizeof text));
    return 0;
}

static int s_between(const sq_calendar_t *calendar, int argc, char *argv[])
{
    if (argc != 4)
        return s_usage();
    int64_t t1, t2, seconds, days;
    if (s_time(argv[2], &t1) || s_time(argv[3], &t2))
        return 2;
    if (sq_calendar_between(calendar, t1, t2, &seconds, &days)) {
        fprintf(stderr, "suqiuctl calendar: a time is out of the calendar's range\n");
        return 1;
    }
    s_warn_uncovered(calendar, t1, t2);
    printf("working hours: %.2f\nworking days: %lld\n", (double) seconds / 3600.0,
           (long long) days);
    return 0;
}

static int s_check(const sq_calendar_t *calendar, int argc, char *argv[])
{
    int year, month, day;
    if (argc != 3)
        return s_usage();
    if (sq_calendar_date_parse(argv[2], &year, &month, &day)) {
        fprintf(stderr, "suqiuctl calendar: \"%s\" is not a date YYYY-MM-DD\n", argv[2]);
        return 2;
    }
    sq_day_kind_t kind;
    const char *name;
    sq_calendar_day(calendar, year, month, day, &kind, &name);
    if (!sq_calendar_covers(calendar, year))
        fprintf(stderr, "suqiuctl calendar: warning: %s does not cover %d: counted as Monday "
                        "to Friday working, without holidays\n",
                sq_calendar_holidays_path(calendar), year);
    switch (kind) {
    case SQ_DAY_WORKING:
        printf("working day\n");
        break;
    case SQ_DAY_WEEKEND:
        printf("rest day (周末)\n");
        break;
    case SQ_DAY_HOLIDAY:
        printf("holiday %s\n", name);
        break;
    case SQ_DAY_MAKEUP:
        printf("make-up working day %s\n", name);
        break;
    }
    return 0;
}

static int s_import(const sq_calendar_t *calendar, int argc, char *argv[])
{
    bool replace = false;
    const char *file = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--replace") == 0)
            replace = true;
        else if (!file && argv[i][0] != '-')
            file = argv[i];
        else
            return s_usage();
    }
    if (!file)
        return s_usage();
    char error[1024];
    sq_calendar_import_t counts;
    if (sq_calendar_import(calendar, file, replace, &counts, error, sizeof error)) {
        fprintf(stderr, "suqiuctl calendar: %s%s\n", error,
                strstr(error, ": not replaced") ? " (import with --replace to take the new value)"
                                                : "");
        return 1;
    }
    printf("%zu days added to %s from %s (%zu replaced, %zu already listed)\n", counts.added,
           sq_calendar_holidays_path(calendar), file, counts.replaced, counts.unchanged);
    return 0;
}

int ctl_calendar(const sq_config_t *config, int argc, char *argv[])
{
    if (argc < 2)
        return s_usage();
    const char *sub = argv[1];
    if (strcmp(sub, "add") != 0 && strcmp(sub, "between") != 0 && strcmp(sub, "check") != 0
        && strcmp(sub, "import") != 0)
        return s_usage();
    char error[1024];
    char *dir = sq_config_catalog_dir(config);
    sq_calendar_t *calendar = sq_calendar_load_dir(dir, error, sizeof error);
    free(dir);
    if (!calendar) {
        fprintf(stderr, "suqiuctl calendar: %s\n", error);
        return 1;
    }
    int rc;
    if (strcmp(sub, "add") == 0)
        rc = s_add(calendar, argc, argv);
    else if (strcmp(sub, "between") == 0)
        rc = s_between(calendar, argc, argv);
    else if (strcmp(sub, "check") == 0)
        rc = s_check(calendar, argc, argv);
    else
        rc = s_import(calendar, argc, argv);
    sq_calendar_destroy(&calendar);
    return rc;
}
