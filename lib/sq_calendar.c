/*  sq_calendar: the city's working time (see sq_calendar.h).

    Dates are kept as day numbers, days since 1970-01-01 (local dates, the proleptic
    Gregorian calendar, converted with Howard Hinnant's civil-date algorithms, so nothing
    depends on the process's TZ).  A per-day table over the listed years and one either
    side says which days are worked; beyond it the Monday-to-Friday rule holds.  The time
    arithmetic walks days, and inside a working day its few periods, never seconds.
*/
#include "sq_calendar.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sq_alloc.h"
#include "sq_csv.h"
#include "sq_date.h"
#include "sq_yaml.h"

#define S_DAY 86400
#define S_LISTED_YEAR_MAX 2999     //  latest year a holidays file may list
#define S_NAME_MAX 200             //  bytes in a holiday's name
#define S_NOTICE_BYTES_MAX (16 * 1024 * 1024)
#define S_WORKING 1                //  table bit: the day is worked

//  One row of the holidays file or of a notice.
typedef struct {
    int64_t day;       //  day number
    int off;           //  1 = day off, 0 = worked (调休上班)
    int source_year;   //  the year of the notice it came from
    char *name;
    size_t line;       //  CSV line, or position in a JSON notice's days list
} s_entry_t;

typedef struct {
    s_entry_t *items;
    size_t count, capacity;
    bool json;         //  line is a JSON list position, not a line
    const char *path;  //  for messages; borrowed
} s_entries_t;

struct _sq_calendar_t {
    char *holidays_path;
    int period_count;
    int32_t period_start[SQ_CALENDAR_PERIODS_MAX];   //  seconds after local midnight
    int32_t period_end[SQ_CALENDAR_PERIODS_MAX];
    s_entries_t entries;   //  sorted by day, one per day
    int64_t table_first;   //  day number of table[0]
    size_t table_size;
    uint8_t *table;
    int year_first, year_last;   //  covered[y - year_first] for the years between
    uint8_t *covered;
};

//  ---------------------------------------------------------------------------------
//  Dates

static int64_t s_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t s_days_from_civil(int64_t year, int month, int day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

static void s_civil_from_days(int64_t days, int *year, int *month, int *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t shifted_month = (5 * day_of_year + 2) / 153;
    *day = (int) (day_of_year - (153 * shifted_month + 2) / 5 + 1);
    *month = (int) (shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
    *year = (int) (year_of_era + era * 400 + (*month <= 2));
}

//  0 = Monday ... 6 = Sunday; day 0 (1970-01-01) was a Thursday.
static int s_weekday(int64_t day)
{
    return (int) (day + 3 - s_floor_div(day + 3, 7) * 7);
}

static bool s_date_valid(int year, int month, int day)
{
    return year >= SQ_CALENDAR_YEAR_MIN && year <= SQ_CALENDAR_YEAR_MAX
           && sq_date_valid(year, month, day);
}

//  n digits at text, or -1.
static int s_digits(const char *text, int n)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

int sq_calendar_date_parse(const char *text, int *year, int *month, int *day)
{
    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return -1;
    int y = s_digits(text, 4), m = s_digits(text + 5, 2), d = s_digits(text + 8, 2);
    if (!s_date_valid(y, m, d))
        return -1;
    *year = y;
    *month = m;
    *day = d;
    return 0;
}

//  The local day number and seconds after local midnight of a time.
static void s_local(int64_t t, int64_t *day, int64_t *second)
{
    int64_t local = t + SQ_CALENDAR_ZONE_SECONDS;
    *day = s_floor_div(local, S_DAY);
    *second = local - *day * S_DAY;
}

static bool s_in_range(int64_t t)
{
    int64_t first = s_days_from_civil(SQ_CALENDAR_YEAR_MIN, 1, 1) * S_DAY;
    int64_t last = s_days_from_civil(SQ_CALENDAR_YEAR_MAX + 1, 1, 1) * S_DAY - 1;
    return t >= first - SQ_CALENDAR_ZONE_SECONDS && t <= last - SQ_CALENDAR_ZONE_SECONDS;
}

char *sq_calendar_format(int64_t t, char *buffer, size_t size)
{
    int64_t day, second;
    s_local(t, &day, &second);
    int year, month, mday;
    s_civil_from_days(day, &year, &month, &mday);
    snprintf(buffer, size, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", year, month, mday,
             (int) (second / 3600), (int) (second / 60 % 60), (int) (second % 60));
    return buffer;
}

//  ---------------------------------------------------------------------------------
//  The holidays file and notices

static void s_entries_free(s_entries_t *entries)
{
    for (size_t i = 0; i < entries->count; i++)
        free(entries->items[i].name);
    free(entries->items);
    entries->items = NULL;
    entries->count = entries->capacity = 0;
}

static int s_entries_add(s_entries_t *entries, int64_t day, int off, int source_year,
                         const char *name, size_t line, char *error, size_t error_size)
{
    if (entries->count >= SQ_CALENDAR_ENTRIES_MAX) {
        snprintf(error, error_size, "%s: more than %d days listed", entries->path,
                 SQ_CALENDAR_ENTRIES_MAX);
        return -1;
    }
    if (entries->count == entries->capacity) {
        entries->capacity = entries->capacity ? entries->capacity * 2 : 64;
        entries->items = realloc(entries->items, entries->capacity * sizeof(s_entry_t));
        if (!entries->items)
            abort();
    }
    s_entry_t *entry = &entries->items[entries->count++];
    *entry = (s_entry_t) {.day = day, .off = off, .source_year = source_year,
                          .name = strdup(name), .line = line};
    if (!entry->name)
        abort();
    return 0;
}

//  Where an entry was written: "file:12" or "file: days[3]".
static char *s_place(const s_entries_t *entries, const s_entry_t *entry, char *buffer,
                     size_t size)
{
    if (entries->json)
        snprintf(buffer, size, "%s: days[%zu]", entries->path, entry->line);
    else
        snprintf(buffer, size, "%s:%zu", entries->path, entry->line);
    return buffer;
}

static int s_by_day_then_line(const void *a, const void *b)
{
    const s_entry_t *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

//  Sort by day and keep the first of each date; a date listed twice with different values
//  is an error naming the earliest such repeat and the row it contradicts.
static int s_entries_settle(s_entries_t *entries, char *error, size_t error_size)
{
    qsort(entries->items, entries->count, sizeof(s_entry_t), s_by_day_then_line);
    s_entry_t worst = {0}, first_of_worst = {0};
    bool conflict = false;
    size_t kept = 0;
    for (size_t i = 0; i < entries->count; i++) {
        s_entry_t entry = entries->items[i];
        const s_entry_t *first = kept ? &entries->items[kept - 1] : NULL;
        if (first && first->day == entry.day) {
            if (first->off != entry.off && (!conflict || entry.line < worst.line)) {
                worst = entry;
                first_of_worst = *first;
                conflict = true;
            }
            free(entry.name);
            continue;
        }
        entries->items[kept++] = entry;
    }
    entries->count = kept;
    if (conflict) {
        char place[512];
        int year, month, day;
        s_civil_from_days(worst.day, &year, &month, &day);
        s_place(entries, &worst, place, sizeof place);
        if (entries->json)
            snprintf(error, error_size,
                     "%s: date: %04d-%02d-%02d is listed with is_off_day %d here and %d in "
                     "days[%zu]",
                     place, year, month, day, worst.off, first_of_worst.off, first_of_worst.line);
        else
            snprintf(error, error_size,
                     "%s: date: %04d-%02d-%02d is listed with is_off_day %d here and %d on "
                     "line %zu",
                     place, year, month, day, worst.off, first_of_worst.off, first_of_worst.line);
        return -1;
    }
    return 0;
}

//  Check one CSV row and add it.
static int s_csv_row(sq_csv_t *csv, bool has_source_year, s_entries_t *entries, char *error,
                     size_t error_size)
{
    const char *path = entries->path;
    size_t line = sq_csv_line(csv);
    const char *date = sq_csv_field(csv, "date"), *off = sq_csv_field(csv, "is_off_day");
    const char *name = sq_csv_field(csv, "name");
    int year, month, day;
    if (sq_calendar_date_parse(date, &year, &month, &day) || year > S_LISTED_YEAR_MAX) {
        snprintf(error, error_size,
                 "%s:%zu: date: \"%.40s\" is not a date YYYY-MM-DD from %d to %d", path, line,
                 date, SQ_CALENDAR_YEAR_MIN, S_LISTED_YEAR_MAX);
        return -1;
    }
    if (strcmp(off, "0") != 0 && strcmp(off, "1") != 0) {
        snprintf(error, error_size, "%s:%zu: is_off_day: must be 0 or 1, got \"%.40s\"", path, line,
                 off);
        return -1;
    }
    if (!*name || strlen(name) > S_NAME_MAX) {
        snprintf(error, error_size, "%s:%zu: name: must be 1 to %d bytes", path, line, S_NAME_MAX);
        return -1;
    }
    int source_year = year;
    if (has_source_year) {
        const char *text = sq_csv_field(csv, "source_year");
        source_year = strlen(text) == 4 ? s_digits(text, 4) : -1;
        if (source_year < SQ_CALENDAR_YEAR_MIN || source_year > S_LISTED_YEAR_MAX) {
            snprintf(error, error_size,
                     "%s:%zu: source_year: must be a year from %d to %d, got \"%.40s\"", path,
                     line, SQ_CALENDAR_YEAR_MIN, S_LISTED_YEAR_MAX, text);
            return -1;
        }
    }
    return s_entries_add(entries, s_days_from_civil(year, month, day), off[0] == '1', source_year,
                         name, line, error, error_size);
}

//  Read a CSV with date,is_off_day,name[,source_year] into entries (sorted, one per day).
static int s_read_csv(const char *path, s_entries_t *entries, char *error, size_t error_size)
{
    *entries = (s_entries_t) {.path = path};
    sq_csv_t *csv = sq_csv_open(path, error, error_size);
    if (!csv)
        return -1;
    if (!sq_csv_has_column(csv, "date") || !sq_csv_has_column(csv, "is_off_day")
        || !sq_csv_has_column(csv, "name")) {
        snprintf(error, error_size, "%s:1: the header must name the columns date, is_off_day and "
                 "name (source_year may follow)", path);
        sq_csv_destroy(&csv);
        return -1;
    }
    bool has_source_year = sq_csv_has_column(csv, "source_year");
    int rc;
    while ((rc = sq_csv_next(csv)) == 1)
        if (s_csv_row(csv, has_source_year, entries, error, error_size))
            break;
    if (rc == -1)
        snprintf(error, error_size, "%s", sq_csv_error(csv));
    sq_csv_destroy(&csv);
    if (rc == 0)
        rc = s_entries_settle(entries, error, error_size);
    if (rc) {
        s_entries_free(entries);
        return -1;
    }
    return 0;
}

static int s_json_fail(const char *path, size_t index, const char *key, char *error,
                       size_t error_size, const char *message)
{
    snprintf(error, error_size, "%s: days[%zu].%s: %s", path, index, key, message);
    return -1;
}

//  Read a holiday-cn notice: {"year": 2027, "days": [{"name", "date", "isOffDay"}]}.
static int s_read_json(const char *path, s_entries_t *entries, char *error, size_t error_size)
{
    *entries = (s_entries_t) {.path = path, .json = true};
    struct stat status;
    if (stat(path, &status) == 0 && status.st_size > S_NOTICE_BYTES_MAX) {
        snprintf(error, error_size, "%s: larger than %d bytes", path, S_NOTICE_BYTES_MAX);
        return -1;
    }
    json_error_t json_error;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &json_error);
    if (!root) {
        snprintf(error, error_size, "%s:%d: %s", path, json_error.line, json_error.text);
        return -1;
    }
    json_t *year = json_object_get(root, "year"), *days = json_object_get(root, "days");
    int rc = 0;
    if (!json_is_integer(year) || json_integer_value(year) < SQ_CALENDAR_YEAR_MIN
        || json_integer_value(year) > S_LISTED_YEAR_MAX) {
        snprintf(error, error_size, "%s: year: must be a year from %d to %d", path,
                 SQ_CALENDAR_YEAR_MIN, S_LISTED_YEAR_MAX);
        rc = -1;
    }
    else if (!json_is_array(days)) {
        snprintf(error, error_size, "%s: days: must be a list", path);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(days); i++) {
        json_t *item = json_array_get(days, i);
        json_t *name = json_object_get(item, "name"), *date = json_object_get(item, "date");
        json_t *off = json_object_get(item, "isOffDay");
        int y, m, d;
        if (!json_is_string(date) || sq_calendar_date_parse(json_string_value(date), &y, &m, &d)
            || y > S_LISTED_YEAR_MAX)
            rc = s_json_fail(path, i, "date", error, error_size, "must be a date YYYY-MM-DD");
        else if (!json_is_boolean(off))
            rc = s_json_fail(path, i, "isOffDay", error, error_size, "must be true or false");
        else if (!json_is_string(name) || !*json_string_value(name)
                 || strlen(json_string_value(name)) > S_NAME_MAX)
            rc = s_json_fail(path, i, "name", error, error_size, "must be a non-empty text");
        else
            rc = s_entries_add(entries, s_days_from_civil(y, m, d), json_is_true(off),
                               (int) json_integer_value(year), json_string_value(name), i, error,
                               error_size);
    }
    json_decref(root);
    if (rc == 0)
        rc = s_entries_settle(entries, error, error_size);
    if (rc)
        s_entries_free(entries);
    return rc;
}

//  The entry for day among the first count (sorted), or NULL.
static s_entry_t *s_find(const s_entries_t *entries, size_t count, int64_t day)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (entries->items[middle].day < day)
            low = middle + 1;
        else
            high = middle;
    }
    return low < count && entries->items[low].day == day ? &entries->items[low] : NULL;
}

//  ---------------------------------------------------------------------------------
//  Loading

//  "HH:MM" (00:00 to 24:00) as seconds, or -1.
static int32_t s_clock(const char *text)
{
    int hour = s_digits(text, 2), minute = s_digits(text + 3, 2);
    if (text[2] != ':' || hour < 0 || minute < 0 || minute > 59 || hour > 24
        || (hour == 24 && minute > 0))
        return -1;
    return hour * 3600 + minute * 60;
}

static int s_load_periods(sq_calendar_t *self, const sq_yaml_node_t *root, char *error,
                          size_t error_size)
{
    const sq_yaml_node_t **items = NULL;
    size_t count = 0;
    if (sq_yaml_strings(root, "working_hours", true, false, &items, &count, error, error_size))
        return -1;
    int rc = 0;
    if (count > SQ_CALENDAR_PERIODS_MAX)
        rc = sq_yaml_fail(sq_yaml_get(root, "working_hours"), NULL, error, error_size,
                          "at most %d periods", SQ_CALENDAR_PERIODS_MAX);
    for (size_t i = 0; rc == 0 && i < count; i++) {
        const char *text = sq_yaml_text(items[i]);
        int32_t start = -1, end = -1;
        if (strlen(text) == 11 && text[5] == '-') {
            start = s_clock(text);
            end = s_clock(text + 6);
        }
        if (start < 0 || end < 0 || start >= end || start >= S_DAY)
            rc = sq_yaml_fail(items[i], NULL, error, error_size,
                              "must be a period HH:MM-HH:MM with the start before the end, "
                              "got \"%s\"", text);
        else if (i > 0 && start < self->period_end[i - 1])
            rc = sq_yaml_fail(items[i], NULL, error, error_size,
                              "\"%s\" overlaps or comes before \"%s\": periods must be in order "
                              "and must not overlap", text, sq_yaml_text(items[i - 1]));
        else {
            self->period_start[i] = start;
            self->period_end[i] = end;
            self->period_count = (int) i + 1;
        }
    }
    free(items);
    return rc;
}

//  The per-day table and the covered years, from the entries.
static void s_build(sq_calendar_t *self)
{
    const s_entries_t *entries = &self->entries;
    if (entries->count == 0)
        return;
    int low = SQ_CALENDAR_YEAR_MAX, high = SQ_CALENDAR_YEAR_MIN;
    self->year_first = SQ_CALENDAR_YEAR_MAX;
    for (size_t i = 0; i < entries->count; i++) {
        int year, month, day, source = entries->items[i].source_year;
        s_civil_from_days(entries->items[i].day, &year, &month, &day);
        low = year < low ? year : low;
        high = year > high ? year : high;
        low = source < low ? source : low;
        high = source > high ? source : high;
        self->year_first = source < self->year_first ? source : self->year_first;
        self->year_last = source > self->year_last ? source : self->year_last;
    }
    self->covered = sq_alloc((size_t) (self->year_last - self->year_first + 1));
    for (size_t i = 0; i < entries->count; i++)
        self->covered[entries->items[i].source_year - self->year_first] = 1;
    self->table_first = s_days_from_civil(low - 1, 1, 1);
    self->table_size = (size_t) (s_days_from_civil(high + 2, 1, 1) - self->table_first);
    self->table = sq_alloc(self->table_size);
    for (size_t i = 0; i < self->table_size; i++)
        self->table[i] = s_weekday(self->table_first + (int64_t) i) < 5 ? S_WORKING : 0;
    for (size_t i = 0; i < entries->count; i++)
        self->table[entries->items[i].day - self->table_first] =
            entries->items[i].off ? 0 : S_WORKING;
}

sq_calendar_t *sq_calendar_load(const char *path, char *error, size_t error_size)
{
    static const char *const known[] = {"working_hours", "holidays_file", NULL};
    sq_yaml_t *document = sq_yaml_load(path, error, error_size);
    if (!document)
        return NULL;
    sq_calendar_t *self = sq_alloc(sizeof *self);
    const sq_yaml_node_t *root = sq_yaml_root(document);
    const char *holidays = NULL;
    int rc = sq_yaml_expect(root, SQ_YAML_MAPPING, error, error_size);
    if (rc == 0)
        rc = sq_yaml_only_keys(root, known, error, error_size);
    if (rc == 0)
        rc = s_load_periods(self, root, error, error_size);
    if (rc == 0)
        rc = sq_yaml_string(root, "holidays_file", true, &holidays, error, error_size);
    if (rc == 0) {
        const char *slash = strrchr(path, '/');
        int folder = slash ? (int) (slash - path) : 1;
        int printed = holidays[0] == '/' ? asprintf(&self->holidays_path, "%s", holidays)
                                         : asprintf(&self->holidays_path, "%.*s/%s", folder,
                                                    slash ? path : ".", holidays);
        if (printed < 0)
            abort();
        rc = s_read_csv(self->holidays_path, &self->entries, error, error_size);
    }
    sq_yaml_destroy(&document);
    if (rc) {
        sq_calendar_destroy(&self);
        return NULL;
    }
    self->entries.path = self->holidays_path;
    s_build(self);
    return self;
}

sq_calendar_t *sq_calendar_load_dir(const char *dir, char *error, size_t error_size)
{
    char *path = NULL;
    if (asprintf(&path, "%s/calendar.yaml", dir) < 0)
        abort();
    sq_calendar_t *self = sq_calendar_load(path, error, error_size);
    free(path);
    return self;
}

void sq_calendar_destroy(sq_calendar_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_calendar_t *self = *self_p;
    s_entries_free(&self->entries);
    free(self->table);
    free(self->covered);
    free(self->holidays_path);
    free(self);
    *self_p = NULL;
}

const char *sq_calendar_holidays_path(const sq_calendar_t *self)
{
    return self->holidays_path;
}

//  ---------------------------------------------------------------------------------
//  Days

static bool s_working(const sq_calendar_t *self, int64_t day)
{
    int64_t at = day - self->table_first;
    if (at >= 0 && (uint64_t) at < self->table_size)
        return self->table[at] & S_WORKING;
    return s_weekday(day) < 5;
}

bool sq_calendar_is_working_day(const sq_calendar_t *self, int year, int month, int day)
{
    return s_date_valid(year, month, day) && s_working(self, s_days_from_civil(year, month, day));
}

int sq_calendar_day(const sq_calendar_t *self, int year, int month, int day,
                    sq_day_kind_t *kind, const char **name)
{
    if (!s_date_valid(year, month, day))
        return -1;
    int64_t number = s_days_from_civil(year, month, day);
    const s_entry_t *entry = s_find(&self->entries, self->entries.count, number);
    bool weekend = s_weekday(number) >= 5;
    if (entry && entry->off)
        *kind = SQ_DAY_HOLIDAY;
    else if (entry && weekend)
        *kind = SQ_DAY_MAKEUP;
    else
        *kind = weekend ? SQ_DAY_WEEKEND : SQ_DAY_WORKING;
    if (name)
        *name = entry ? entry->name : NULL;
    return 0;
}

bool sq_calendar_covers(const sq_calendar_t *self, int year)
{
    return self->covered && year >= self->year_first && year <= self->year_last
        && self->covered[year - self->year_first];
}

bool sq_calendar_span_covered(const sq_calendar_t *self, int64_t t1, int64_t t2)
{
    if (!s_in_range(t1) || !s_in_range(t2))
        return false;
    int64_t day1, day2, second;
    s_local(t1 < t2 ? t1 : t2, &day1, &second);
    s_local(t1 < t2 ? t2 : t1, &day2, &second);
    int first, last, month, day;
    s_civil_from_days(day1, &first, &month, &day);
    s_civil_from_days(day2, &last, &month, &day);
    for (int year = first; year <= last; year++)
        if (!sq_calendar_covers(self, year))
            return false;
    return true;
}

void sq_calendar_years(const sq_calendar_t *self, int *first, int *last)
{
    *first = self->year_first;
    *last = self->year_last;
}

//  ---------------------------------------------------------------------------------
//  Time arithmetic

int sq_duration_parse(const char *text, sq_duration_t *duration)
{
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 6)
        return -1;
    int amount = s_digits(text, (int) digits);
    const char *unit = text + digits;
    sq_duration_t parsed = {.amount = amount};
    if (strcmp(unit, "wd") == 0)
        parsed.unit = SQ_DURATION_WORKING_DAYS;
    else if (strcmp(unit, "wh") == 0)
        parsed.unit = SQ_DURATION_WORKING_HOURS;
    else if (strcmp(unit, "h") == 0)
        parsed.unit = SQ_DURATION_HOURS;
    else
        return -1;
    if (amount > (parsed.unit == SQ_DURATION_WORKING_DAYS ? SQ_DURATION_DAYS_MAX
                                                          : SQ_DURATION_HOURS_MAX))
        return -1;
    *duration = parsed;
    return 0;
}

//  Walk working periods from start until seconds of them have passed.
static int64_t s_add_working_seconds(const sq_calendar_t *self, int64_t start, int64_t seconds)
{
    if (seconds == 0)
        return start;
    int64_t day, second;
    s_local(start, &day, &second);
    for (;; day++, second = 0) {
        if (!s_working(self, day))
            continue;
        for (int i = 0; i < self->period_count; i++) {
            if (self->period_end[i] <= second)
                continue;
            int64_t from = self->period_start[i] > second ? self->period_start[i] : second;
            int64_t available = self->period_end[i] - from;
            if (seconds <= available)
                return day * S_DAY + from + seconds - SQ_CALENDAR_ZONE_SECONDS;
            seconds -= available;
        }
    }
}

int sq_calendar_add(const sq_calendar_t *self, int64_t start, sq_duration_t duration,
                    int64_t *end)
{
    if (!s_in_range(start) || duration.amount < 0)
        return -1;
    int64_t day, second;
    switch (duration.unit) {
    case SQ_DURATION_HOURS:
        if (duration.amount > SQ_DURATION_HOURS_MAX)
            return -1;
        *end = start + (int64_t) duration.amount * 3600;
        return 0;
    case SQ_DURATION_WORKING_HOURS:
        if (duration.amount > SQ_DURATION_HOURS_MAX)
            return -1;
        *end = s_add_working_seconds(self, start, (int64_t) duration.amount * 3600);
        return 0;
    case SQ_DURATION_WORKING_DAYS:
        if (duration.amount > SQ_DURATION_DAYS_MAX)
            return -1;
        s_local(start, &day, &second);
        for (int left = duration.amount; left > 0;)
            if (s_working(self, ++day))
                left--;
        *end = (day + 1) * S_DAY - 1 - SQ_CALENDAR_ZONE_SECONDS;
        return 0;
    }
    return -1;
}

int sq_calendar_add_working_seconds(const sq_calendar_t *self, int64_t start, int64_t seconds,
                                    int64_t *end)
{
    if (!s_in_range(start) || seconds < 0 || seconds > (int64_t) SQ_DURATION_HOURS_MAX * 3600)
        return -1;
    *end = s_add_working_seconds(self, start, seconds);
    return 0;
}

//  Working seconds of one day between from and to, seconds after local midnight.
static int64_t s_day_seconds(const sq_calendar_t *self, int64_t from, int64_t to)
{
    int64_t total = 0;
    for (int i = 0; i < self->period_count; i++) {
        int64_t low = self->period_start[i] > from ? self->period_start[i] : from;
        int64_t high = self->period_end[i] < to ? self->period_end[i] : to;
        if (high > low)
            total += high - low;
    }
    return total;
}

int sq_calendar_between(const sq_calendar_t *self, int64_t t1, int64_t t2,
                        int64_t *working_seconds, int64_t *working_days)
{
    if (!s_in_range(t1) || !s_in_range(t2))
        return -1;
    int sign = 1;
    if (t2 < t1) {
        int64_t swap = t1;
        t1 = t2;
        t2 = swap;
        sign = -1;
    }
    int64_t day1, second1, day2, second2, seconds = 0, days = 0;
    s_local(t1, &day1, &second1);
    s_local(t2, &day2, &second2);
    for (int64_t day = day1; day <= day2; day++) {
        if (!s_working(self, day))
            continue;
        seconds += s_day_seconds(self, day == day1 ? second1 : 0, day == day2 ? second2 : S_DAY);
        days += day > day1;
    }
    if (working_seconds)
        *working_seconds = sign * seconds;
    if (working_days)
        *working_days = sign * days;
    return 0;
}

//  ---------------------------------------------------------------------------------
//  Import

static void s_write_field(FILE *file, const char *text)
{
    if (!strpbrk(text, ",\"\r\n")) {
        fputs(text, file);
        return;
    }
    fputc('"', file);
    for (; *text; text++) {
        if (*text == '"')
            fputc('"', file);
        fputc(*text, file);
    }
    fputc('"', file);
}

//  Write entries (sorted) to path through a temporary file and a rename.
static int s_write_csv(const char *path, const s_entries_t *entries, char *error,
                       size_t error_size)
{
    char *temporary = NULL;
    if (asprintf(&temporary, "%s.XXXXXX", path) < 0)
        abort();
    int descriptor = mkstemp(temporary);
    FILE *file = descriptor >= 0 ? fdopen(descriptor, "w") : NULL;
    if (!file) {
        snprintf(error, error_size, "%s: cannot write: %s", temporary, strerror(errno));
        if (descriptor >= 0) {
            close(descriptor);
            unlink(temporary);
        }
        free(temporary);
        return -1;
    }
    struct stat status;
    //  Keep the old file's permissions (mkstemp makes 0600); failing that, 0600 will do.
    (void) fchmod(descriptor, stat(path, &status) == 0 ? status.st_mode & 0777 : 0644);
    fputs("date,is_off_day,name,source_year\n", file);
    for (size_t i = 0; i < entries->count; i++) {
        const s_entry_t *entry = &entries->items[i];
        int year, month, day;
        s_civil_from_days(entry->day, &year, &month, &day);
        fprintf(file, "%04d-%02d-%02d,%d,", year, month, day, entry->off);
        s_write_field(file, entry->name);
        fprintf(file, ",%d\n", entry->source_year);
    }
    int rc = ferror(file) || fflush(file) || fsync(descriptor) ? -1 : 0;
    int saved_errno = errno;
    if (fclose(file))
        rc = -1;
    if (rc == 0 && rename(temporary, path))
        rc = -1;
    if (rc) {
        snprintf(error, error_size, "%s: cannot write: %s", path,
                 strerror(errno ? errno : saved_errno));
        unlink(temporary);
    }
    free(temporary);
    return rc;
}

static bool s_ends_with(const char *text, const char *tail)
{
    size_t length = strlen(text), tail_length = strlen(tail);
    return length >= tail_length && strcasecmp(text + length - tail_length, tail) == 0;
}

int sq_calendar_import(const sq_calendar_t *self, const char *notice_path, bool replace,
                       sq_calendar_import_t *counts, char *error, size_t error_size)
{
    s_entries_t listed, notice;
    if (s_read_csv(self->holidays_path, &listed, error, error_size))
        return -1;
    int rc = s_ends_with(notice_path, ".json")
                 ? s_read_json(notice_path, &notice, error, error_size)
                 : s_read_csv(notice_path, &notice, error, error_size);
    if (rc) {
        s_entries_free(&listed);
        return -1;
    }
    sq_calendar_import_t tally = {0};
    size_t listed_count = listed.count;
    for (size_t i = 0; rc == 0 && i < notice.count; i++) {
        s_entry_t *entry = &notice.items[i];
        //  Additions go after the listed_count sorted rows, so search only those.
        s_entry_t *old = s_find(&listed, listed_count, entry->day);
        if (old && old->off == entry->off)
            tally.unchanged++;
        else if (old && !replace) {
            char place[512], old_place[512];
            int year, month, day;
            s_civil_from_days(entry->day, &year, &month, &day);
            snprintf(error, error_size,
                     "%s: date: %04d-%02d-%02d has is_off_day %d here but %d in %s: not replaced",
                     s_place(&notice, entry, place, sizeof place), year, month, day, entry->off,
                     old->off, s_place(&listed, old, old_place, sizeof old_place));
            rc = -1;
        }
        else if (old) {
            free(old->name);
            *old = *entry;
            entry->name = NULL;
            tally.replaced++;
        }
        else {
            rc = s_entries_add(&listed, entry->day, entry->off, entry->source_year, entry->name,
                               0, error, error_size);
            tally.added++;
        }
    }
    if (rc == 0 && tally.added + tally.replaced > 0) {
        qsort(listed.items, listed.count, sizeof(s_entry_t), s_by_day_then_line);
        rc = s_write_csv(self->holidays_path, &listed, error, error_size);
    }
    if (rc == 0 && counts)
        *counts = tally;
    s_entries_free(&listed);
    s_entries_free(&notice);
    return rc;
}
