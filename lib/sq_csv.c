/*  sq_csv: a pull reader over libcsv's push parser (see sq_csv.h).

    libcsv calls back once per field and once per record end.  The file is fed to it one
    physical line at a time (at most a chunk of bytes), so every callback knows the line it
    happens on, and reading stops as soon as a record is complete.
*/
#include "sq_csv.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_utf8.h"

#define S_CHUNK 65536
#define S_BUFFER_MAX (SQ_CSV_FIELD_MAX + 64)   //  a full field and libcsv's few spare bytes

typedef struct {
    char **fields;
    size_t count;
    size_t line;          //  where the record starts
    size_t dropped;       //  fields past the header's count (a bad record)
    char problem[160];    //  why the record is bad, or ""
} s_record_t;

struct _sq_csv_t {
    char *path;
    FILE *file;
    struct csv_parser parser;
    bool parser_ready;
    char chunk[S_CHUNK];
    size_t chunk_at, chunk_size;
    size_t offset;        //  bytes read from the file
    bool at_end;          //  the file is read and the parser finished
    size_t line;          //  the line being fed
    size_t record_line;   //  where the record being parsed started; 0 between records
    char **columns;
    size_t column_count;
    s_record_t building;  //  fields of the record being parsed
    size_t building_newlines;
    s_record_t *ready;    //  complete records not yet returned
    size_t ready_head, ready_count, ready_alloc;
    s_record_t current;
    bool has_header;
    bool go_on;           //  bad records are returned as such, not the end of reading
    char error[512];
};

//  libcsv grows its field buffer through this; refusing keeps a field under the limit.
static void *s_bounded_realloc(void *pointer, size_t size)
{
    return size > S_BUFFER_MAX ? NULL : realloc(pointer, size);
}

static int s_no_space(unsigned char c)
{
    (void) c;
    return 0;
}

static int s_fail(sq_csv_t *self, size_t line, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(sq_csv_t *self, size_t line, const char *format, ...)
{
    if (*self->error)
        return -1;   //  the first error is the one that matters
    char what[400];
    va_list args;
    va_start(args, format);
    vsnprintf(what, sizeof what, format, args);
    va_end(args);
    if (line)
        snprintf(self->error, sizeof self->error, "%s:%zu: %s", self->path, line, what);
    else
        snprintf(self->error, sizeof self->error, "%s: %s", self->path, what);
    return -1;
}

static void s_record_clear(s_record_t *record)
{
    for (size_t i = 0; i < record->count; i++)
        free(record->fields[i]);
    free(record->fields);
    memset(record, 0, sizeof *record);
}

static size_t s_newlines(const char *text, size_t length)
{
    size_t count = 0;
    for (size_t i = 0; i < length; i++)
        count += text[i] == '\n';
    return count;
}

//  libcsv: one field has ended (on self->line).
static void s_on_field(void *data, size_t length, void *context)
{
    sq_csv_t *self = context;
    if (*self->error)
        return;
    const char *text = data ? data : "";
    if (!data)
        length = 0;
    size_t newlines = s_newlines(text, length);
    size_t bad = sq_utf8_bad_offset(text, length);
    if (bad < length && self->go_on) {
        if (!*self->building.problem)
            snprintf(self->building.problem, sizeof self->building.problem,
                     "%s (byte 0x%02X in field %zu)", text[bad] ? "not UTF-8" : "a NUL byte",
                     (unsigned char) text[bad], self->building.count + self->building.dropped + 1);
        text = "";
        length = 0;
    }
    else if (bad < length) {
        size_t line = self->line - s_newlines(text + bad, length - bad);
        s_fail(self, line, "%s (byte 0x%02X in field %zu)",
               text[bad] ? "not UTF-8" : "a NUL byte", (unsigned char) text[bad],
               self->building.count + 1);
        return;
    }
    if (length > SQ_CSV_FIELD_MAX) {
        s_fail(self, self->line - newlines, "a field is longer than %d bytes", SQ_CSV_FIELD_MAX);
        return;
    }
    size_t limit = self->has_header ? self->column_count : SQ_CSV_COLUMN_MAX;
    if (self->building.count == limit && self->go_on && self->has_header) {
        self->building.dropped++;
        self->building_newlines += newlines;
        return;
    }
    if (self->building.count == limit) {
        s_fail(self, self->line - self->building_newlines - newlines,
               "more than %zu fields%s", limit, self->has_header ? ", as in the header" : "");
        return;
    }
    if (!self->building.fields) {
        self->building.fields = calloc(limit, sizeof(char *));
        if (!self->building.fields) {
            s_fail(self, self->line, "out of memory");
            return;
        }
    }
    char *copy = malloc(length + 1);
    if (!copy) {
        s_fail(self, self->line, "out of memory");
        return;
    }
    memcpy(copy, text, length);
    copy[length] = 0;
    self->building.fields[self->building.count++] = copy;
    self->building_newlines += newlines;
}

//  libcsv: a record has ended (on self->line).
static void s_on_record(int terminator, void *context)
{
    (void) terminator;
    sq_csv_t *self = context;
    s_record_t record = self->building;
    record.line = self->line - self->building_newlines;
    self->record_line = 0;
    memset(&self->building, 0, sizeof self->building);
    self->building_newlines = 0;
    if (*self->error) {
        s_record_clear(&record);
        return;
    }
    size_t fields = record.count + record.dropped;
    if (self->has_header && fields != self->column_count && self->go_on)
        snprintf(record.problem, sizeof record.problem, "%zu field%s, the header has %zu",
                 fields, fields == 1 ? "" : "s", self->column_count);
    else if (self->has_header && record.count != self->column_count) {
        s_fail(self, record.line, "%zu field%s, the header has %zu", record.count,
               record.count == 1 ? "" : "s", self->column_count);
        s_record_clear(&record);
        return;
    }
    if (self->ready_head + self->ready_count == self->ready_alloc) {
        if (self->ready_head) {
            memmove(self->ready, self->ready + self->ready_head,
                    self->ready_count * sizeof *self->ready);
            self->ready_head = 0;
        }
        else {
            size_t alloc = self->ready_alloc ? self->ready_alloc * 2 : 4;
            s_record_t *grown = realloc(self->ready, alloc * sizeof *grown);
            if (!grown) {
                s_fail(self, record.line, "out of memory");
                s_record_clear(&record);
                return;
            }
            self->ready = grown;
            self->ready_alloc = alloc;
        }
    }
    self->ready[self->ready_head + self->ready_count++] = record;
}

//  Feed the parser until a record is ready, the file ends or an error occurs.
static void s_fill(sq_csv_t *self)
{
    while (!self->ready_count && !self->at_end && !*self->error) {
        if (self->chunk_at == self->chunk_size) {
            self->chunk_size = fread(self->chunk, 1, S_CHUNK, self->file);
            self->chunk_at = 0;
            self->offset += self->chunk_size;
            if (self->chunk_size == 0) {
                if (ferror(self->file))
                    s_fail(self, self->line, "cannot read: %s", strerror(errno));
                else if (csv_fini(&self->parser, s_on_field, s_on_record, self) && !*self->error)
                    s_fail(self, self->record_line, "a quoted field is not closed");
                self->at_end = true;
                continue;
            }
        }
        const char *piece = self->chunk + self->chunk_at;
        size_t rest = self->chunk_size - self->chunk_at;
        const char *newline = memchr(piece, '\n', rest);
        size_t length = newline ? (size_t) (newline - piece) + 1 : rest;
        if (!self->record_line && strspn(piece, "\r\n") < length)
            self->record_line = self->line;   //  blank lines start no record
        if (csv_parse(&self->parser, piece, length, s_on_field, s_on_record, self) != length
            && !*self->error) {
            int status = csv_error(&self->parser);
            if (status == CSV_EPARSE)
                s_fail(self, self->line, "malformed CSV: a quote inside an unquoted field or "
                                         "after a closing quote");
            else
                s_fail(self, self->line, "a field is longer than %d bytes", SQ_CSV_FIELD_MAX);
        }
        self->chunk_at += length;
        if (newline)
            self->line++;
    }
}

static void s_take_ready(sq_csv_t *self)
{
    s_record_clear(&self->current);
    self->current = self->ready[self->ready_head++];
    if (--self->ready_count == 0)
        self->ready_head = 0;
}

sq_csv_t *sq_csv_open(const char *path, char *error, size_t error_size)
{
    sq_csv_t *self = calloc(1, sizeof *self);
    if (!self || !(self->path = strdup(path))) {
        snprintf(error, error_size, "%s: out of memory", path);
        free(self);
        return NULL;
    }
    self->line = 1;
    self->file = fopen(path, "rb");
    if (!self->file)
        s_fail(self, 0, "cannot open: %s", strerror(errno));
    else if (csv_init(&self->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL))
        s_fail(self, 0, "out of memory");
    else {
        self->parser_ready = true;
        csv_set_space_func(&self->parser, s_no_space);
        csv_set_realloc_func(&self->parser, s_bounded_realloc);
        csv_set_blk_size(&self->parser, S_CHUNK);
        s_fill(self);
        if (!*self->error && !self->ready_count)
            s_fail(self, 0, "empty: no header row");
    }
    if (!*self->error) {
        s_take_ready(self);
        self->columns = self->current.fields;
        self->column_count = self->current.count;
        memset(&self->current, 0, sizeof self->current);
        self->has_header = true;
        if (self->column_count && strncmp(self->columns[0], "\xEF\xBB\xBF", 3) == 0)
            memmove(self->columns[0], self->columns[0] + 3, strlen(self->columns[0]) - 2);
        for (size_t i = 0; i < self->column_count; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(self->columns[i], self->columns[j]) == 0)
                    s_fail(self, 1, "column \"%s\" appears twice in the header", self->columns[i]);
    }
    if (*self->error) {
        snprintf(error, error_size, "%s", self->error);
        sq_csv_destroy(&self);
    }
    return self;
}

int sq_csv_next(sq_csv_t *self)
{
    s_record_clear(&self->current);
    if (*self->error)
        return -1;
    s_fill(self);
    if (*self->error)
        return -1;
    if (!self->ready_count)
        return 0;
    s_take_ready(self);
    return *self->current.problem ? SQ_CSV_BAD_RECORD : 1;
}

void sq_csv_go_on_after_bad_records(sq_csv_t *self)
{
    self->go_on = true;
}

const char *sq_csv_record_problem(const sq_csv_t *self)
{
    return self->current.problem;
}

const char *sq_csv_field(const sq_csv_t *self, const char *column)
{
    for (size_t i = 0; i < self->column_count; i++)
        if (strcmp(self->columns[i], column) == 0)
            return i < self->current.count ? self->current.fields[i] : NULL;
    return NULL;
}

bool sq_csv_has_column(const sq_csv_t *self, const char *column)
{
    for (size_t i = 0; i < self->column_count; i++)
        if (strcmp(self->columns[i], column) == 0)
            return true;
    return false;
}

size_t sq_csv_column_count(const sq_csv_t *self)
{
    return self->column_count;
}

const char *sq_csv_column(const sq_csv_t *self, size_t index)
{
    return index < self->column_count ? self->columns[index] : NULL;
}

const char *sq_csv_field_at(const sq_csv_t *self, size_t index)
{
    return index < self->current.count ? self->current.fields[index] : NULL;
}

size_t sq_csv_line(const sq_csv_t *self)
{
    return self->current.line;
}

size_t sq_csv_offset(const sq_csv_t *self)
{
    return self->offset;
}

const char *sq_csv_error(const sq_csv_t *self)
{
    return self->error;
}

void sq_csv_destroy(sq_csv_t **self_p)
{
    sq_csv_t *self = *self_p;
    if (!self)
        return;
    if (self->parser_ready)
        csv_free(&self->parser);
    if (self->file)
        fclose(self->file);
    s_record_clear(&self->building);
    s_record_clear(&self->current);
    for (size_t i = 0; i < self->ready_count; i++)
        s_record_clear(&self->ready[self->ready_head + i]);
    free(self->ready);
    for (size_t i = 0; i < self->column_count; i++)
        free(self->columns[i]);
    free(self->columns);
    free(self->path);
    free(self);
    *self_p = NULL;
}
