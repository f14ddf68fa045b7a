/*  suqiuctl stats: the supervisors' measures over a period, by department, category, region
    or line, with the total.  The numbers come from complaint_stats() in sql/008_stats.sql;
    the README says what each one means. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const sq_db_statement_t s_statements[] = {
    {"stats", "SELECT * FROM complaint_stats(($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai',"
              " ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai', $3)"},
    {NULL, NULL},
};

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

int ctl_stats(const sq_config_t *config, int argc, char *argv[])
{
    const char *from = NULL, *to = NULL, *by = NULL;
    bool csv = false, usage = false;
    for (int i = 1; i < argc && !usage; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc && !from)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc && !to)
            to = argv[++i];
        else if (strcmp(argv[i], "--by") == 0 && i + 1 < argc && !by)
            by = argv[++i];
        else if (strcmp(argv[i], "--csv") == 0)
            csv = true;
        else
            usage = true;
    }
    bool known = !by;
    for (size_t i = 0; by && i < sizeof s_groupings / sizeof *s_groupings; i++)
        known |= strcmp(by, s_groupings[i]) == 0;
    int year, month, day;
    if (usage || !from || !to || !known) {
        fprintf(stderr, "usage: suqiuctl stats --from DATE --to DATE [--by department|category|"
                        "region|line] [--csv]\n"
                        "  DATE is YYYY-MM-DD, both days included (Asia/Shanghai); working times\n"
                        "  are in working hours; the README's \"Measures\" says what each means\n");
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
    for (int pass = by ? 0 : 1; pass < 2 && rc == 0; pass++) {
        const char *values[] = {from, to, groupings[pass]};
        PGresult *result = sq_db_exec(db, "stats", 3, values);
        if (result)
            s_print(result, csv, pass == 0 || !by);
        else
            rc = 1;
        PQclear(result);
    }
    sq_db_destroy(&db);
    return rc;
}
