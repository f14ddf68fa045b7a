/*  suqiuctl import / import-calls: batches exported from the city's hotline platform.

    import FILE         work orders with the fields of POST /v1/workorders, checked by the
                        same code (sq_envelope) and committed by the same SQL function as
                        the intake's (intake_batch), so that keys, numbers and history are
                        exactly the API's.
    import-calls FILE   call records of the telephone queue (sq_call) into
                        call_record_batch(), as POST /v1/calls records them.

    The file (CSV, a JSON array or JSON Lines: sq_records) is read twice: once to the end,
    to see that it can be read at all (a file broken midway imports nothing, and says where
    it broke), then again to check each row and commit the good ones, --batch of them a
    transaction.  A row already in (same key) is counted as already present, so running the
    same file again imports nothing twice; a bad row is counted as rejected with its line,
    field and reason, and the others go on.  Progress goes to stderr: a bar redrawn in place
    on a terminal, a plain line every tenth otherwise.

    Imported complaints wait in 'received' until the workers' sweeper hands them to
    classification (workers/sweeper.h): at the pace classification takes them, so that an
    import of 100,000 never floods the broker's queue ahead of the complaints that arrive
    meanwhile.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "sq_call.h"
#include "sq_envelope.h"
#include "sq_records.h"

#define S_BATCH_DEFAULT 500
#define S_BATCH_MAX 10000
#define S_REDRAW_MS 100

static const sq_db_statement_t s_statements[] = {
    {"import_orders", "SELECT idx, created FROM intake_batch($1::jsonb, $2)"},
    {"import_calls", "SELECT idx, created FROM call_record_batch($1::jsonb, $2)"},
    {NULL, NULL},
};

//  What is imported: its rows' checks and the statement that commits them.
typedef struct {
    const char *verb;
    const char *actor;            //  in the history: "suqiuctl import"
    const char *noun;             //  "a work order"
    const char *statement;        //  ($1 a JSON array, $2 the actor) -> (idx, created)
    bool (*known_column)(const char *column);
    //  The row (borrowed) as the statement takes it (new), or NULL with error filled.
    json_t *(*prepare)(void *context, json_t *row, sq_field_error_t *error);
    void *context;
    const char *usage;
} s_kind_t;

typedef struct {
    size_t line;
    char field[64];
    char message[256];
} s_rejected_t;

typedef struct {
    bool terminal;
    const char *label;
    int64_t started_ms, drawn_ms;
    int tenths;                   //  plain lines: the tenths already said
} s_progress_t;

typedef struct {
    const s_kind_t *kind;
    sq_db_t *db;
    int batch_max;
    json_t *batch;
    size_t *batch_lines;          //  the line of each row in the batch
    size_t rows, done, imported, present;
    s_rejected_t *rejects;
    size_t reject_count, reject_alloc;
} s_import_t;

static int64_t s_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

//  --- progress -------------------------------------------------------------------------

static void s_progress_start(s_progress_t *self, const char *label)
{
    self->terminal = isatty(STDERR_FILENO);
    self->label = label;
    self->started_ms = s_now_ms();
    self->drawn_ms = 0;
    self->tenths = 0;
}

//  share is from 0 to 1; done and total count rows (total 0: not known yet).
static void s_progress_show(s_progress_t *self, double share, size_t done, size_t total,
                            bool last)
{
    int64_t now = s_now_ms();
    share = share < 0 ? 0 : share > 1 ? 1 : share;   //  a file that grew since it was counted
    double seconds = (double) (now - self->started_ms) / 1000.0;
    double rate = seconds > 0 ? (double) done / seconds : 0;
    if (self->terminal) {
        if (!last && now - self->drawn_ms < S_REDRAW_MS)
            return;
        self->drawn_ms = now;
        int filled = (int) (share * 30 + 0.5);
        fprintf(stderr, "\r%-9s [%.*s%.*s] %3d%%  %zu", self->label, filled,
                "##############################", 30 - filled,
                "..............................", (int) (share * 100), done);
        if (total)
            fprintf(stderr, "/%zu", total);
        fprintf(stderr, " rows  %.0f rows/s\033[K%s", rate, last ? "\n" : "");
        fflush(stderr);
        return;
    }
    int tenths = (int) (share * 10);
    if (!total || (tenths <= self->tenths && !last) || (last && self->tenths == 10))
        return;
    self->tenths = last ? 10 : tenths;
    fprintf(stderr, "%s: %zu of %zu rows (%d%%), %.0f rows/s\n", self->label, done, total,
            last ? 100 : tenths * 10, rate);
}

//  --- the two passes ---------------------------------------------------------------------

static void s_reject(s_import_t *self, size_t line, const char *field, const char *message)
{
    if (self->reject_count == self->reject_alloc) {
        self->reject_alloc = self->reject_alloc ? self->reject_alloc * 2 : 64;
        self->rejects = realloc(self->rejects, self->reject_alloc * sizeof *self->rejects);
        if (!self->rejects)
            abort();
    }
    s_rejected_t *rejected = &self->rejects[self->reject_count++];
    rejected->line = line;
    snprintf(rejected->field, sizeof rejected->field, "%s", field ? field : "");
    snprintf(rejected->message, sizeof rejected->message, "%s", message);
}

//  Run the statement on rows (a JSON array); counts what it says.  Returns 0, or -1
//  when it failed (nothing of rows is then committed).
static int s_commit_rows(s_import_t *self, json_t *rows)
{
    char *text = json_dumps(rows, JSON_COMPACT);
    const char *values[] = {text, self->kind->actor};
    PGresult *result = sq_db_exec(self->db, self->kind->statement, 2, values);
    free(text);
    if (!result)
        return -1;
    for (int row = 0; row < PQntuples(result); row++) {
        if (PQgetvalue(result, row, 1)[0] == 't')
            self->imported++;
        else
            self->present++;
    }
    PQclear(result);
    return 0;
}

//  Commit the batch.  When PostgreSQL refuses it while the connection stands (a row it
//  will not take), the rows are tried one by one, and those it refuses are rejected with
//  its reason.  Returns 0, or -1 when the database cannot be reached.
static int s_commit(s_import_t *self)
{
    size_t count = json_array_size(self->batch);
    if (count == 0)
        return 0;
    int rc = s_commit_rows(self, self->batch);
    if (rc && sq_db_connected(self->db)) {
        rc = 0;
        for (size_t i = 0; i < count && rc == 0; i++) {
            json_t *one = json_pack("[O]", json_array_get(self->batch, i));
            if (s_commit_rows(self, one)) {
                if (sq_db_connected(self->db))
                    s_reject(self, self->batch_lines[i], "", sq_db_error(self->db));
                else
                    rc = -1;
            }
            json_decref(one);
        }
    }
    self->done += count;
    json_array_clear(self->batch);
    return rc;
}

//  The first pass: can the file be read to its end?  Counts its rows.  Returns 0, or 1
//  after saying why not.
static int s_read_through(s_import_t *self, const char *path)
{
    char error[600];
    sq_records_t *records = sq_records_open(path, error, sizeof error);
    if (!records) {
        fprintf(stderr, "suqiuctl %s: %s\n", self->kind->verb, error);
        return 1;
    }
    size_t count;
    const char *const *columns = sq_records_columns(records, &count);
    for (size_t i = 0; columns && i < count; i++)
        if (!self->kind->known_column(columns[i])) {
            fprintf(stderr, "suqiuctl %s: %s:1: column \"%s\" is not a field of %s (see "
                            "suqiuctl %s --help); nothing imported\n",
                    self->kind->verb, path, columns[i], self->kind->noun, self->kind->verb);
            sq_records_destroy(&records);
            return 1;
        }
    s_progress_t progress;
    s_progress_start(&progress, "reading");
    int rc;
    while ((rc = sq_records_next(records)) > 0) {
        self->rows++;
        if (progress.terminal)
            s_progress_show(&progress, sq_records_progress(records), self->rows, 0, false);
    }
    if (progress.terminal)
        s_progress_show(&progress, 1, self->rows, 0, true);
    if (rc < 0)
        fprintf(stderr, "suqiuctl %s: %s; nothing imported\n", self->kind->verb,
                sq_records_error(records));
    else
        printf("%s: %zu rows (%s)\n", path, self->rows,
               sq_records_form_name(sq_records_form(records)));
    fflush(stdout);   //  before the progress on stderr
    sq_records_destroy(&records);
    return rc < 0 ? 1 : 0;
}

//  The second pass: check each row and commit the good ones.  Returns 0, or 1 after saying
//  why it stopped.
static int s_import(s_import_t *self, const char *path)
{
    char error[600];
    sq_records_t *records = sq_records_open(path, error, sizeof error);
    if (!records) {
        fprintf(stderr, "suqiuctl %s: %s\n", self->kind->verb, error);
        return 1;
    }
    self->batch = json_array();
    self->batch_lines = calloc((size_t) self->batch_max, sizeof *self->batch_lines);
    s_progress_t progress;
    s_progress_start(&progress, "importing");
    int rc = 0, failed = 0;   //  failed: the database could not be reached
    while (!failed && (rc = sq_records_next(records)) > 0) {
        size_t line = sq_records_line(records);
        if (rc == SQ_RECORDS_BAD) {
            s_reject(self, line, "", sq_records_problem(records));
            self->done++;
            continue;
        }
        sq_field_error_t field_error = {"", ""};
        json_t *prepared = self->kind->prepare(self->kind->context, sq_records_row(records),
                                               &field_error);
        if (!prepared) {
            s_reject(self, line, field_error.field, field_error.message);
            self->done++;
            continue;
        }
        self->batch_lines[json_array_size(self->batch)] = line;
        json_array_append_new(self->batch, prepared);
        if (json_array_size(self->batch) == (size_t) self->batch_max) {
            failed = s_commit(self);
            s_progress_show(&progress, self->rows ? (double) self->done / (double) self->rows : 1,
                            self->done, self->rows, false);
        }
    }
    if (!failed)
        failed = s_commit(self);
    bool unread = !failed && rc < 0;   //  the file changed since the first pass
    if (!failed && !unread)
        s_progress_show(&progress, 1, self->done, self->rows, true);
    else if (progress.terminal)
        fprintf(stderr, "\n");
    if (failed || unread)
        fprintf(stderr, "suqiuctl %s: stopped after %zu of %zu rows: %s\n"
                        "  what is in stays in; run the same file again for the rest\n",
                self->kind->verb, self->done, self->rows,
                failed ? sq_db_error(self->db) : sq_records_error(records));
    json_decref(self->batch);
    free(self->batch_lines);
    sq_records_destroy(&records);
    return failed || unread ? 1 : 0;
}

static int s_by_line(const void *a, const void *b)
{
    size_t left = ((const s_rejected_t *) a)->line, right = ((const s_rejected_t *) b)->line;
    return left < right ? -1 : left > right;
}

static void s_summary(s_import_t *self, int64_t started_ms)
{
    //  Rows that PostgreSQL refused are known only when their batch is committed.
    if (self->reject_count)   //  rejects is NULL when none was
        qsort(self->rejects, self->reject_count, sizeof *self->rejects, s_by_line);
    for (size_t i = 0; i < self->reject_count; i++) {
        const s_rejected_t *rejected = &self->rejects[i];
        printf("rejected  line %zu: %s%s%s\n", rejected->line, rejected->field,
               *rejected->field ? ": " : "", rejected->message);
    }
    double seconds = (double) (s_now_ms() - started_ms) / 1000.0;
    printf("imported %zu, already present %zu, rejected %zu (of %zu rows) in %.1f s: %.0f "
           "rows/s\n",
           self->imported, self->present, self->reject_count, self->rows, seconds,
           seconds > 0 ? (double) self->rows / seconds : 0);
}

//  --- the two kinds ----------------------------------------------------------------------

static json_t *s_prepare_order(void *context, json_t *row, sq_field_error_t *error)
{
    return sq_envelope_from_hotline_order(row, (const sq_limits_t *) context, error);
}

static json_t *s_prepare_call(void *context, json_t *row, sq_field_error_t *error)
{
    json_t *record = sq_call_from_object(row, error);
    if (record && sq_call_mark_working_hours(record, (const sq_calendar_t *) context, error))
        json_decref(record), record = NULL;
    return record;
}

static const char s_orders_usage[] =
    "usage: suqiuctl import FILE [--batch N]\n"
    "  Import hotline work orders exported from the city's hotline platform.  FILE is CSV\n"
    "  with a header row naming the fields, a JSON array of objects, or JSON Lines (one\n"
    "  object a line); each row has the fields of POST /v1/workorders:\n"
    "    line (12345 or 12315), external_id, title, content, operator_id, received_at\n"
    "                                                   required\n"
    "    caller_name, phone, address, region            optional\n"
    "    respondent_name, respondent_address, respondent_credit_code\n"
    "                                                   optional: the business complained about\n"
    "  An optional field left empty counts as absent.  Each row is checked as the API checks\n"
    "  it and committed as the API commits it, N (default 500) a transaction; a row whose\n"
    "  line and external_id are already in is counted as already present and not imported\n"
    "  again, so the same file can be imported twice.  A file that cannot be read to its\n"
    "  end imports nothing.  Progress goes to stderr; then every rejected row with its line\n"
    "  and reason, and: imported N, already present N, rejected N.  The new complaints go\n"
    "  on to classification as the workers' sweeper finds them.\n"
    "  Exit status: 0 every row is in, 1 rows were rejected or the import failed, 2 usage.\n";

static const char s_calls_usage[] =
    "usage: suqiuctl import-calls FILE [--batch N]\n"
    "  Import the call records of the hotlines' telephone queue, for the answer rate (接通率;\n"
    "  README, \"The answer rate\").  FILE is CSV with a header row, a JSON array or JSON\n"
    "  Lines; each row has the fields of POST /v1/calls:\n"
    "    line (12345 or 12315), call_id, queued_at, ended_at     required\n"
    "    answered_at, or abandoned (true/false, 1/0)             one of them\n"
    "    operator_id                                             optional\n"
    "  Checked and recorded as the API records them, N (default 500) a transaction; a call\n"
    "  whose line and call_id are already in is counted as already present.  Output and\n"
    "  exit status as suqiuctl import's.\n";

int ctl_import(const sq_config_t *config, int argc, char *argv[])
{
    bool calls = strcmp(argv[0], "import-calls") == 0;
    sq_limits_t limits = {config->limits_title_max_chars, config->limits_content_max_chars,
                          config->limits_field_max_chars};
    s_kind_t kind = {"import", "suqiuctl import", "a work order", "import_orders",
                     sq_envelope_hotline_key, s_prepare_order, &limits, s_orders_usage};
    if (calls)
        kind = (s_kind_t){"import-calls", "suqiuctl import-calls", "a call record",
                          "import_calls", sq_call_key, s_prepare_call, NULL, s_calls_usage};
    const char *path = NULL;
    int batch = S_BATCH_DEFAULT;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(kind.usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            char *end;
            long value = strtol(argv[++i], &end, 10);
            batch = *end || value < 1 || value > S_BATCH_MAX ? 0 : (int) value;
        }
        else if (!path && argv[i][0] != '-')
            path = argv[i];
        else
            path = NULL, i = argc;
    }
    if (!path || batch == 0) {
        fputs(kind.usage, stderr);
        return 2;
    }
    sq_calendar_t *calendar = NULL;
    if (calls) {
        char error[1024];
        char *dir = sq_config_catalog_dir(config);
        calendar = sq_calendar_load_dir(dir, error, sizeof error);
        free(dir);
        if (!calendar) {
            fprintf(stderr, "suqiuctl %s: %s\n", kind.verb, error);
            return 1;
        }
        kind.context = calendar;
    }
    int64_t started = s_now_ms();
    s_import_t import = {.kind = &kind, .batch_max = batch};
    int rc = 1;
    if ((import.db = ctl_connect(config, s_statements)) && s_read_through(&import, path) == 0) {
        rc = s_import(&import, path);
        s_summary(&import, started);
        if (rc == 0 && import.reject_count)
            rc = 1;
    }
    free(import.rejects);
    sq_db_destroy(&import.db);
    sq_calendar_destroy(&calendar);
    return rc;
}
