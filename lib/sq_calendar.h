/*  sq_calendar: the city's working time, for administrative time limits (办理时限) counted
    in working days and working hours.

    The calendar is config/calendar.yaml (the working periods of a working day) and the
    holidays file it names (the State Council's notices: days off and make-up working days,
    调休上班).  A date is a working day when it is listed with is_off_day 0, or when it is a
    Monday to Friday not listed with is_off_day 1.  The city's zone is fixed at +08:00
    (Asia/Shanghai has no daylight saving); times are int64_t seconds since the epoch (UTC).

    Three kinds of duration:
        Nwd  working days: the day of receipt does not count; the time limit ends at 23:59:59
             local of the Nth working day after it (0wd: the end of the day of receipt).
        Nwh  working hours: only time inside the working periods of working days counts;
             the result is the instant the Nth working hour ends, which may be a period's
             end (17:30 stays 17:30).  Received outside a period, counting starts at the
             next one.
        Nh   clock hours: plain addition.

    A year is covered when the holidays file holds its notice (a row whose source_year is
    that year, or, without that column, a date in it).  Outside the covered years every
    Monday to Friday is a working day; sq_calendar_covers and sq_calendar_span_covered let
    callers say so.  Working days are kept in a per-date table over the listed years and one
    year either side, so adding 15wd or 100wh costs a few hundred steps at most.

    Loading follows sq_config: errors are one line, "file:line: key: message", written into
    the caller's buffer (char *error, size_t error_size); functions return 0 or -1.
    A loaded calendar is read-only and may be shared between threads.
*/
#ifndef SQ_CALENDAR_H
#define SQ_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SQ_CALENDAR_ZONE_SECONDS (8 * 3600)   //  +08:00
#define SQ_CALENDAR_PERIODS_MAX 8             //  working periods in a day
#define SQ_CALENDAR_ENTRIES_MAX 100000        //  rows in the holidays file
#define SQ_CALENDAR_YEAR_MIN 1900             //  dates and times the calendar accepts
#define SQ_CALENDAR_YEAR_MAX 9999
#define SQ_DURATION_DAYS_MAX 3650             //  most working days in a duration
#define SQ_DURATION_HOURS_MAX (3650 * 24)     //  most (working) hours in a duration
#define SQ_CALENDAR_TIME_TEXT 32              //  room for a formatted time, with the NUL

typedef struct _sq_calendar_t sq_calendar_t;

typedef enum {
    SQ_DURATION_WORKING_DAYS,    //  "5wd"
    SQ_DURATION_WORKING_HOURS,   //  "2wh"
    SQ_DURATION_HOURS,           //  "24h"
} sq_duration_unit_t;

typedef struct {
    sq_duration_unit_t unit;
    int amount;   //  0 to SQ_DURATION_DAYS_MAX (days) or SQ_DURATION_HOURS_MAX (hours)
} sq_duration_t;

typedef enum {
    SQ_DAY_WORKING,   //  an ordinary working day, Monday to Friday (or listed as worked)
    SQ_DAY_WEEKEND,   //  an ordinary Saturday or Sunday (周末)
    SQ_DAY_HOLIDAY,   //  a day off in a holiday period of a notice (weekends in it too)
    SQ_DAY_MAKEUP,    //  a Saturday or Sunday worked in exchange (调休上班)
} sq_day_kind_t;

typedef struct {
    size_t added;       //  dates not listed before
    size_t replaced;    //  dates listed with the other value, replaced (only with replace)
    size_t unchanged;   //  dates already listed with the same value
} sq_calendar_import_t;

//  ---------------------------------------------------------------------------------
//  Loading.

//  Load the calendar from the YAML file at path and the holidays file it names (relative
//  to path's folder unless absolute).  Checked: the keys (working_hours, holidays_file,
//  nothing else), each period "HH:MM-HH:MM" with the start before the end (24:00 allowed
//  as an end), periods in order and not overlapping, one to SQ_CALENDAR_PERIODS_MAX of
//  them; in the holidays file the columns date, is_off_day, name (source_year optional),
//  every date YYYY-MM-DD from SQ_CALENDAR_YEAR_MIN to 2999, is_off_day 0 or 1, a name,
//  source_year a year, no date listed twice with different values.  Returns a new
//  calendar (the caller's: sq_calendar_destroy), or NULL with the message in error.
sq_calendar_t *sq_calendar_load(const char *path, char *error, size_t error_size);

//  The same for dir/calendar.yaml (dir is the config folder, sq_config_catalog_dir).
sq_calendar_t *sq_calendar_load_dir(const char *dir, char *error, size_t error_size);

//  Free the calendar; safe on NULL and twice.
void sq_calendar_destroy(sq_calendar_t **self_p);

//  The path of the holidays file as it was opened (borrowed).
const char *sq_calendar_holidays_path(const sq_calendar_t *self);

//  ---------------------------------------------------------------------------------
//  Days.

//  True when the date is a working day.  An impossible date (2026-02-30) is not.
bool sq_calendar_is_working_day(const sq_calendar_t *self, int year, int month, int day);

//  What kind of day the date is; *name (may be NULL) gets the holiday's name for a listed
//  date (borrowed from the calendar), else NULL.  Returns 0, or -1 for an impossible date.
int sq_calendar_day(const sq_calendar_t *self, int year, int month, int day,
                    sq_day_kind_t *kind, const char **name);

//  True when the holidays file holds the year's notice.
bool sq_calendar_covers(const sq_calendar_t *self, int year);

//  True when every year from the local date of the earlier time to that of the later is
//  covered.
bool sq_calendar_span_covered(const sq_calendar_t *self, int64_t t1, int64_t t2);

//  The first and last covered years (0 and 0 when the file is empty).  Years between
//  them may be missing: ask sq_calendar_covers.
void sq_calendar_years(const sq_calendar_t *self, int *first, int *last);

//  ---------------------------------------------------------------------------------
//  Time arithmetic.  Times before SQ_CALENDAR_YEAR_MIN or after SQ_CALENDAR_YEAR_MAX
//  (local dates) are refused.

//  Parse a duration: digits then "wd", "wh" or "h" ("5wd", "0wd", "2wh", "24h"), nothing
//  else (no sign, spaces or fraction), within the SQ_DURATION_*_MAX bounds.  Returns 0
//  and fills *duration, or -1.
int sq_duration_parse(const char *text, sq_duration_t *duration);

//  The end of the time limit that starts at start, as described above.  Returns 0 and sets
//  *end, or -1 when start is out of range or the duration is out of its bounds.
int sq_calendar_add(const sq_calendar_t *self, int64_t start, sq_duration_t duration,
                    int64_t *end);

//  The instant seconds of working time (inside working periods of working days) after
//  start, like Nwh with a finer grain; 0 seconds gives start.  Returns 0 and sets *end, or
//  -1 when start is out of range or seconds is negative or above SQ_DURATION_HOURS_MAX
//  hours.
int sq_calendar_add_working_seconds(const sq_calendar_t *self, int64_t start, int64_t seconds,
                                    int64_t *end);

//  The working time from t1 to t2: *working_seconds (may be NULL) gets the seconds inside
//  working periods of working days, *working_days (may be NULL) the number of working
//  days D with date(t1) < D <= date(t2) (local dates), so that from a time t,
//  add(t, Nwd) is N working days and add(t, Nwh) N * 3600 seconds later.  When t2 is
//  before t1 both are the negatives of those from t2 to t1.  Returns 0, or -1 when a time
//  is out of range.  Costs one step per day between the two.
int sq_calendar_between(const sq_calendar_t *self, int64_t t1, int64_t t2,
                        int64_t *working_seconds, int64_t *working_days);

//  ---------------------------------------------------------------------------------
//  Text.

//  Write t as ISO-8601 local time with the city's zone, "2026-02-14T23:59:59+08:00", into
//  buffer (at least SQ_CALENDAR_TIME_TEXT bytes).  Returns buffer.
char *sq_calendar_format(int64_t t, char *buffer, size_t size);

//  Parse a date "YYYY-MM-DD" (exactly that, a real date, years SQ_CALENDAR_YEAR_MIN to
//  SQ_CALENDAR_YEAR_MAX).  Returns 0 and fills the three, or -1.
int sq_calendar_date_parse(const char *text, int *year, int *month, int *day);

//  ---------------------------------------------------------------------------------
//  The holidays file.

//  Merge a new notice into the holidays file self was loaded from.  notice_path is a
//  holiday-cn JSON file when its name ends in ".json" ({"year": 2027, "days": [{"name",
//  "date", "isOffDay"}]}; its year becomes the rows' source_year), else a CSV with date,
//  is_off_day, name[, source_year] (checked like the holidays file).  A date listed twice
//  in the notice with different values is refused too.  A date already listed with the other value is refused,
//  naming both places, unless replace.  The file is rewritten sorted by date, with the
//  header date,is_off_day,name,source_year, through a temporary file in the same folder
//  and a rename, so readers see the old file or the new one.  Fills *counts (may be NULL).
//  Returns 0, or -1 with the message in error (the file is then unchanged).  self is not
//  changed: load the calendar again to use the new days.
int sq_calendar_import(const sq_calendar_t *self, const char *notice_path, bool replace,
                       sq_calendar_import_t *counts, char *error, size_t error_size);

#endif
