/*  sq_records: rows of CSV, JSON arrays and JSON Lines (see sq_records.h).

    CSV goes through sq_csv.  JSON is mapped and read one value at a time with jansson's
    JSON_DISABLE_EOF_CHECK, which stops after a value and tells how far it read, so memory
    stays that of one row however long the file.  Each value is read twice when it parses:
    once to find where it ends, once more with JSON_REJECT_DUPLICATES, so that a repeated
    key is a bad row rather than the end of reading.
*/
#include "sq_records.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sq_csv.h"

struct _sq_records_t {
    char *path;
    sq_records_form_t form;
    sq_csv_t *csv;           //  CSV
    const char **columns;    //  CSV: borrowed from csv
    size_t column_count;
    const char *text;        //  JSON: the mapped file
    size_t size;
    size_t at;               //  where reading goes on
    size_t at_line;          //  the line of text[at]
    size_t file_size;
    bool opened;             //  JSON array: "[" seen
    bool done;
    json_t *row;
    size_t line;
    char problem[256];
    char error[512];
};

static int s_stop(sq_records_t *self, size_t line, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int s_stop(sq_records_t *self, size_t line, const char *format, ...)
{
    char what[400];
    va_list args;
    va_start(args, format);
    vsnprintf(what, sizeof what, format, args);
    va_end(args);
    if (!*self->error)
        snprintf(self->error, sizeof self->error, "%s:%zu: %s", self->path, line, what);
    self->done = true;
    return -1;
}

static bool s_ends_with(const char *text, const char *tail)
{
    size_t length = strlen(text), tail_length = strlen(tail);
    return length >= tail_length && strcasecmp(text + length - tail_length, tail) == 0;
}

//  Move self->at by count bytes, counting the newlines passed.
static void s_advance(sq_records_t *self, size_t count)
{
    const char *end = self->text + self->at + count;
    for (const char *c = self->text + self->at; (c = memchr(c, '\n', (size_t) (end - c)));)
        self->at_line++, c++;
    self->at += count;
}

static void s_skip_space(sq_records_t *self)
{
    size_t count = 0;
    while (self->at + count < self->size && strchr(" \t\r\n", self->text[self->at + count]))
        count++;
    s_advance(self, count);
}

static int s_open_json(sq_records_t *self)
{
    int fd = open(self->path, O_RDONLY);
    struct stat status;
    if (fd < 0 || fstat(fd, &status)) {
        snprintf(self->error, sizeof self->error, "%s: cannot open: %s", self->path,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    self->size = (size_t) status.st_size;
    if (self->size) {
        void *mapped = mmap(NULL, self->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (mapped == MAP_FAILED) {
            snprintf(self->error, sizeof self->error, "%s: cannot read: %s", self->path,
                     strerror(errno));
            close(fd);
            return -1;
        }
        madvise(mapped, self->size, MADV_SEQUENTIAL);
        self->text = mapped;
    }
    close(fd);
    self->at_line = 1;
    if (self->size >= 3 && memcmp(self->text, "\xEF\xBB\xBF", 3) == 0)
        self->at = 3;
    s_skip_space(self);
    if (self->at == self->size) {
        snprintf(self->error, sizeof self->error, "%s: empty: no rows", self->path);
        return -1;
    }
    return 0;
}

//  The form by the name, else by the first byte that is not a space.
static sq_records_form_t s_form(const char *path)
{
    if (s_ends_with(path, ".csv"))
        return SQ_RECORDS_CSV;
    bool json = s_ends_with(path, ".json") || s_ends_with(path, ".jsonl")
                || s_ends_with(path, ".ndjson");
    int first = EOF;
    FILE *file = fopen(path, "rb");
    if (file) {
        while ((first = fgetc(file)) != EOF && ((first && strchr(" \t\r\n", first)) || first >= 0x80))
            ;   //  spaces, and a byte-order mark
        fclose(file);
    }
    if (first == '[')
        return SQ_RECORDS_JSON_ARRAY;
    return json || first == '{' ? SQ_RECORDS_JSON_LINES : SQ_RECORDS_CSV;
}

sq_records_t *sq_records_open(const char *path, char *error, size_t error_size)
{
    sq_records_t *self = calloc(1, sizeof *self);
    if (!self || !(self->path = strdup(path))) {
        snprintf(error, error_size, "%s: out of memory", path);
        free(self);
        return NULL;
    }
    self->form = s_form(path);
    struct stat status;
    self->file_size = stat(path, &status) == 0 ? (size_t) status.st_size : 0;
    int rc = 0;
    if (self->form == SQ_RECORDS_CSV) {
        self->csv = sq_csv_open(path, self->error, sizeof self->error);
        if (self->csv) {
            sq_csv_go_on_after_bad_records(self->csv);
            self->column_count = sq_csv_column_count(self->csv);
            self->columns = calloc(self->column_count + 1, sizeof *self->columns);
            for (size_t i = 0; self->columns && i < self->column_count; i++)
                self->columns[i] = sq_csv_column(self->csv, i);
        }
        rc = self->csv && self->columns ? 0 : -1;
    }
    else if ((rc = s_open_json(self)) == 0 && self->form == SQ_RECORDS_JSON_ARRAY
             && self->text[self->at] != '[')
        rc = -1;   //  the file changed since s_form looked: let the next open decide
    if (rc) {
        snprintf(error, error_size, "%s", *self->error ? self->error : "out of memory");
        sq_records_destroy(&self);
    }
    return self;
}

static void s_clear_row(sq_records_t *self)
{
    json_decref(self->row);
    self->row = NULL;
    *self->problem = 0;
}

static int s_next_csv(sq_records_t *self)
{
    int rc = sq_csv_next(self->csv);
    self->line = sq_csv_line(self->csv);
    if (rc == 0 || rc == -1) {
        if (rc < 0)
            snprintf(self->error, sizeof self->error, "%s", sq_csv_error(self->csv));
        self->done = true;
        return rc;
    }
    if (rc == SQ_CSV_BAD_RECORD) {
        snprintf(self->problem, sizeof self->problem, "%s", sq_csv_record_problem(self->csv));
        return SQ_RECORDS_BAD;
    }
    self->row = json_object();
    for (size_t i = 0; i < self->column_count; i++)
        json_object_set_new(self->row, self->columns[i],
                            json_string(sq_csv_field_at(self->csv, i)));
    return 1;
}

//  Read the value at self->at; 1 with a row, SQ_RECORDS_BAD, or -1 (stopped) when it does
//  not parse and lines cannot tell where the next row starts.
static int s_read_value(sq_records_t *self, bool by_lines)
{
    const char *start = self->text + self->at;
    size_t rest = self->size - self->at;
    size_t length = rest;
    if (by_lines) {
        const char *newline = memchr(start, '\n', rest);
        length = newline ? (size_t) (newline - start) : rest;
    }
    json_error_t parse_error;
    json_t *value = json_loadb(start, length, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY,
                               &parse_error);
    if (!value && !by_lines)
        return s_stop(self, self->at_line + (size_t) (parse_error.line > 0 ? parse_error.line - 1 : 0),
                      "not valid JSON (UTF-8): %s; nothing after it can be read",
                      parse_error.text);
    if (!value) {
        snprintf(self->problem, sizeof self->problem, "not valid JSON (UTF-8): %s",
                 parse_error.text);
        s_advance(self, length);
        return SQ_RECORDS_BAD;
    }
    size_t used = (size_t) parse_error.position;
    json_decref(value);
    value = json_loadb(start, used, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &parse_error);
    s_advance(self, used);
    if (by_lines) {
        size_t spaces = 0;
        while (self->at + spaces < self->size && strchr(" \t\r", self->text[self->at + spaces]))
            spaces++;
        if (self->at + spaces < self->size && self->text[self->at + spaces] != '\n') {
            json_decref(value);
            snprintf(self->problem, sizeof self->problem,
                     "more than one JSON value on the line (JSON Lines: one object a line)");
            const char *newline = memchr(self->text + self->at, '\n', self->size - self->at);
            s_advance(self, newline ? (size_t) (newline - (self->text + self->at))
                                    : self->size - self->at);
            return SQ_RECORDS_BAD;
        }
    }
    if (!value) {
        snprintf(self->problem, sizeof self->problem, "%s", parse_error.text);
        return SQ_RECORDS_BAD;
    }
    if (!json_is_object(value)) {
        json_decref(value);
        snprintf(self->problem, sizeof self->problem, "must be a JSON object");
        return SQ_RECORDS_BAD;
    }
    self->row = value;
    return 1;
}

//  The end of an array: only spaces may follow its "]".
static int s_array_end(sq_records_t *self)
{
    s_advance(self, 1);
    s_skip_space(self);
    if (self->at < self->size)
        return s_stop(self, self->at_line, "data after the end of the array");
    self->done = true;
    return 0;
}

static int s_next_json(sq_records_t *self)
{
    s_skip_space(self);
    if (self->form == SQ_RECORDS_JSON_ARRAY) {
        if (!self->opened) {
            self->opened = true;
            s_advance(self, 1);   //  "["
            s_skip_space(self);
            if (self->at < self->size && self->text[self->at] == ']')
                return s_array_end(self);
        }
        else {   //  after a row: "," and the next, or "]"
            if (self->at < self->size && self->text[self->at] == ']')
                return s_array_end(self);
            if (self->at < self->size && self->text[self->at] != ',')
                return s_stop(self, self->at_line, "expected \",\" or \"]\" after a row");
            s_advance(self, self->at < self->size ? 1 : 0);
            s_skip_space(self);
            if (self->at < self->size && self->text[self->at] == ']')
                return s_stop(self, self->at_line, "\"]\" after \",\": a row is missing");
        }
        if (self->at == self->size)
            return s_stop(self, self->at_line, "the array is not closed with \"]\"");
    }
    else if (self->at == self->size) {
        self->done = true;
        return 0;
    }
    self->line = self->at_line;
    return s_read_value(self, self->form == SQ_RECORDS_JSON_LINES);
}

int sq_records_next(sq_records_t *self)
{
    s_clear_row(self);
    if (*self->error)
        return -1;
    if (self->done)
        return 0;
    return self->form == SQ_RECORDS_CSV ? s_next_csv(self) : s_next_json(self);
}

json_t *sq_records_row(const sq_records_t *self)
{
    return self->row;
}

size_t sq_records_line(const sq_records_t *self)
{
    return self->line;
}

const char *sq_records_problem(const sq_records_t *self)
{
    return self->problem;
}

const char *sq_records_error(const sq_records_t *self)
{
    return self->error;
}

sq_records_form_t sq_records_form(const sq_records_t *self)
{
    return self->form;
}

const char *sq_records_form_name(sq_records_form_t form)
{
    return form == SQ_RECORDS_CSV           ? "CSV"
           : form == SQ_RECORDS_JSON_ARRAY ? "JSON array"
                                           : "JSON Lines";
}

const char *const *sq_records_columns(const sq_records_t *self, size_t *count)
{
    *count = self->column_count;
    return self->form == SQ_RECORDS_CSV ? self->columns : NULL;
}

double sq_records_progress(const sq_records_t *self)
{
    if (self->done)
        return 1;
    if (self->form == SQ_RECORDS_CSV) {
        double share = self->file_size ? (double) sq_csv_offset(self->csv) / (double) self->file_size
                                       : 0;
        return share < 1 ? share : 1;
    }
    return self->size ? (double) self->at / (double) self->size : 1;
}

void sq_records_destroy(sq_records_t **self_p)
{
    sq_records_t *self = *self_p;
    if (!self)
        return;
    json_decref(self->row);
    sq_csv_destroy(&self->csv);
    free(self->columns);
    if (self->text)
        munmap((void *) self->text, self->size);
    free(self->path);
    free(self);
    *self_p = NULL;
}
