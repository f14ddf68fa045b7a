/*  suqiuctl stats: the supervisors' measures over a period, by department, category, region
    or line, with the total, and beside them the hotlines' answer rate (接通率) per line with
    its target.  The numbers come from complaint_stats() in sql/008_stats.sql (010) and
    call_answer_rate() / call_answer_rate_daily in sql/012_calls.sql; the README says what
    each one means. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const sq_db_statement_t s_statements[] = {
    {"stats", "SELECT * FROM complaint_stats(($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai',"
              " ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai', $3)"},
    {"answer_rate", "SELECT line, NULL::date, offered, answered, abandoned, short_abandoned,"
                    " answer_rate, wh_offered, wh_answered, wh_abandoned, wh_short_abandoned,"
                    " wh_answer_rate, target_rate, wh_target_met"
                    " FROM call_answer_rate($1::date, $2::date)"},
    {"answer_rate_daily", "SELECT d.line, d.day, d.offered, d.answered, d.abandoned,"
                          " d.short_abandoned, d.answer_rate, d.wh_offered, d.wh_answered,"
                          " d.wh_abandoned, d.wh_short_abandoned, d.wh_answer_rate,"
                          " l.target_rate, d.wh_answer_rate >= l.target_rate"
                          " FROM call_answer_rate_daily d JOIN call_line l USING (line)"
                          " WHERE d.day BETWEEN $1::date AND $2::date ORDER BY d.line, d.day"},
    {NULL, NULL},
};

//  The answer-rate table: the columns of the two statements above, with their headings.
static const struct {
    const char *heading;
    int width;
} s_call_columns[] = {
    {"LINE", 5}, {"DAY", 10}, {"OFFERED", 7}, {"ANSWERED", 8}, {"ABANDONED", 9},
    {"SHORT", 5}, {"RATE%", 5}, {"WH_OFFERED", 10}, {"WH_ANSWERED", 11},
    {"WH_ABANDONED", 12}, {"WH_SHORT", 8}, {"WH_RATE%", 8}, {"TARGET%", 7}, {"WH_TARGET", 0},
};
#define S_CALL_COLUMNS (int) (sizeof s_call_columns / sizeof *s_call_columns)

static const char *s_groupings[] = {"department", "category", "region", "line"};

//  The columns, as complaint_stats() returns them, with their headings.
static const struct {
    const char *heading;
    int width;
} s_columns[] = {
    {"GROUP", 24}, {"NAME", 0}, {"RECEIVED", 8}, {"RESPONDED", 9}, {"RESP%", 6},
    {"CLOSED", 7}, {"ON_TIME", 7}, {"DUE", 7}, {"ON_TIME%", 8}, {"OVERDUE", 7},
    {"SIGN_AVG_WH", 11}, {"SIGN_P90_WH", 11}, {"CLOSE_AVG_WH", 12}, {"CLOSE_P90_WH", 12},
    {"RETURNS", 7}, {"EXTENSIONS", 10}, {"MERGED", 6},
};
#define S_COLUMNS (int) (sizeof s_columns / sizeof *s_columns)

static void s_csv_field(const char *text, bool last)
{
    if (strpbrk(text, ",\"\n")) {
        putchar('"');
        for (const char *c = text; *c; c++) {
            if (*c == '"')
                putchar('"');
            putchar(*c);
        }
        putchar('"');
    }
    else
        fputs(text, stdout);
    putchar(last ? '\n' : ',');
}

//  Print the rows of result; the name column goes last in the table, where its width
//  does not matter.
static void s_print(PGresult *result, bool csv, bool heading)
{
    if (heading) {
        for (int column = 0; column < S_COLUMNS; column++) {
            if (csv)
                s_csv_field(s_columns[column].heading, column == S_COLUMNS - 1);
            else if (column != 1)
                printf("%-*s ", s_columns[column].width, s_columns[column].heading);
        }
        if (!csv)
            printf("NAME\n");
    }
    for (int row = 0; row < PQntuples(result); row++) {
        for (int column = 0; column < S_COLUMNS; column++) {
            const char *value = PQgetisnull(result, row, column) ? "-"
                                                                  : PQgetvalue(result, row, column);
            if (csv)
                s_csv_field(value, column == S_COLUMNS - 1);
            else if (column != 1)
                printf("%-*s ", s_columns[column].width, value);
        }
        if (!csv)
            printf("%s\n", PQgetvalue(result, row, 1));
    }
}

//  The answer rates of the period per line (and with daily, per line and day first).
static int s_print_answer_rates(sq_db_t *db, const char *from, const char *to, bool csv,
                                bool daily)
{
    const char *values[] = {from, to};
    PGresult *days = daily ? sq_db_exec(db, "answer_rate_daily", 2, values) : NULL;
    PGresult *lines = (!daily || days) ? sq_db_exec(db, "answer_rate", 2, values) : NULL;
    if (!lines) {
        PQclear(days);
        return 1;
    }
    if (!csv)
        printf("\nANSWER RATE (接通率) of the hotlines, calls queued %s to %s: answered / (offered -\n"
               "abandoned within 10 s); WH_ counts the calls queued in working hours, whose\n"
               "rate has the target (工作时间内接通率达到90%%以上)\n", from, to);
    for (int column = 0; column < S_CALL_COLUMNS; column++) {
        if (csv)
            s_csv_field(s_call_columns[column].heading, column == S_CALL_COLUMNS - 1);
        else
            printf("%-*s%s", s_call_columns[column].width, s_call_columns[column].heading,
                   column == S_CALL_COLUMNS - 1 ? "\n" : " ");
    }
    PGresult *results[] = {days, lines};
    for (int r = 0; r < 2; r++)
        for (int row = 0; results[r] && row < PQntuples(results[r]); row++)
            for (int column = 0; column < S_CALL_COLUMNS; column++) {
                const char *value = PQgetisnull(results[r], row, column)
                                        ? (column == 1 ? "all" : "-")
                                        : PQgetvalue(results[r], row, column);
                if (column == S_CALL_COLUMNS - 1 && !PQgetisnull(results[r], row, column))
                    value = value[0] == 't' ? "met" : "NOT MET";
                if (csv)
                    s_csv_field(value, column == S_CALL_COLUMNS - 1);
                else
                    printf("%-*s%s", s_call_columns[column].width, value,
                           column == S_CALL_COLUMNS - 1 ? "\n" : " ");
            }
    PQclear(days);
    PQclear(lines);
    return 0;
}

int ctl_stats(const sq_config_t *config, int argc, char *argv[])
{
    const char *from = NULL, *to = NULL, *by = NULL;
    bool csv = false, usage = false, calls = false, daily = false;
    for (int i = 1; i < argc && !usage; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc && !from)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc && !to)
            to = argv[++i];
        else if (strcmp(argv[i], "--by") == 0 && i + 1 < argc && !by)
            by = argv[++i];
        else if (strcmp(argv[i], "--csv") == 0)
            csv = true;
        else if (strcmp(argv[i], "--calls") == 0)
            calls = true;
        else if (strcmp(argv[i], "--daily") == 0)
            daily = true;
        else
            usage = true;
    }
    bool known = !by;
    for (size_t i = 0; by && i < sizeof s_groupings / sizeof *s_groupings; i++)
        known |= strcmp(by, s_groupings[i]) == 0;
    int year, month, day;
    if (usage || !from || !to || !known) {
        fprintf(stderr, "usage: suqiuctl stats --from DATE --to DATE [--by department|category|"
                        "region|line] [--csv] [--calls] [--daily]\n"
                        "  DATE is YYYY-MM-DD, both days included (Asia/Shanghai); working times\n"
                        "  are in working hours; the README's \"Measures\" says what each means.\n"
                        "  After the complaints' measures comes the hotlines' answer rate per line\n"
                        "  (README: \"The answer rate\"); --calls shows only that, --daily adds a\n"
                        "  row per line and day; --csv prints the complaints' measures, or with\n"
                        "  --calls the answer rates, as CSV\n");
        return 2;
    }
    if (sq_calendar_date_parse(from, &year, &month, &day)
        || sq_calendar_date_parse(to, &year, &month, &day) || strcmp(from, to) > 0) {
        fprintf(stderr, "suqiuctl stats: --from %s --to %s: two real dates YYYY-MM-DD, the "
                        "first not after the second\n", from, to);
        return 2;
    }
    sq_db_t *db = ctl_connect(config, s_statements);
    if (!db)
        return 1;
    int rc = 0;
    const char *groupings[] = {by, "all"};
    for (int pass = by ? 0 : 1; pass < 2 && rc == 0 && !calls; pass++) {
        const char *values[] = {from, to, groupings[pass]};
        PGresult *result = sq_db_exec(db, "stats", 3, values);
        if (result)
            s_print(result, csv, pass == 0 || !by);
        else
            rc = 1;
        PQclear(result);
    }
    if (rc == 0 && (calls || !csv))
        rc = s_print_answer_rates(db, from, to, csv, daily);
    sq_db_destroy(&db);
    return rc;
}
