/*  sq_records: the rows of a file to import, one JSON object at a time, whatever the file's
    form: CSV with a header row (sq_csv; each row becomes an object of strings keyed by its
    column names), a JSON array of objects, or JSON Lines (one object per line).

    Which form: a name ending in .csv is CSV, one ending in .json, .jsonl or .ndjson is
    JSON; otherwise the first byte that is not a space decides ('[' or '{' is JSON, anything
    else CSV).  JSON starting with '[' is an array, else a sequence of objects.

    The file is untrusted.  A row that can be told apart from the next but cannot be used is
    a bad row (sq_records_next returns SQ_RECORDS_BAD, with its line and the reason), and
    reading goes on: a CSV record with the wrong field count or bytes that are not UTF-8, a
    line of JSON Lines that is not valid JSON, an element of an array that is not an object
    or repeats a key.  What breaks the structure, so that the next row cannot be found (a
    stray quote in CSV, invalid JSON or UTF-8 inside an array), stops reading with an error
    naming file and line.  Line numbers count from 1, and are those where a row starts.
*/
#ifndef SQ_RECORDS_H
#define SQ_RECORDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define SQ_RECORDS_BAD 2   //  sq_records_next: a row that cannot be used

typedef struct _sq_records_t sq_records_t;

typedef enum { SQ_RECORDS_CSV, SQ_RECORDS_JSON_ARRAY, SQ_RECORDS_JSON_LINES } sq_records_form_t;

//  Open path and find its form (for CSV, read the header).  Returns the reader (the
//  caller's: sq_records_destroy) or NULL with the reason in error ("FILE: cannot open: ...",
//  "FILE:LINE: ...", "FILE: empty").
sq_records_t *sq_records_open(const char *path, char *error, size_t error_size);

//  Move to the next row.  Returns 1 with a row (sq_records_row), SQ_RECORDS_BAD for a bad
//  row (sq_records_problem), 0 at the end of the file, -1 when reading stopped
//  (sq_records_error; every later call returns -1 too).
int sq_records_next(sq_records_t *self);

//  The current row as a JSON object (borrowed until the next call), or NULL for a bad row.
json_t *sq_records_row(const sq_records_t *self);

//  The line on which the current row starts.
size_t sq_records_line(const sq_records_t *self);

//  Why the current row is bad, or "".  Borrowed until the next call.
const char *sq_records_problem(const sq_records_t *self);

//  Why reading stopped, "FILE:LINE: what", or "".  Borrowed.
const char *sq_records_error(const sq_records_t *self);

sq_records_form_t sq_records_form(const sq_records_t *self);

//  "CSV", "JSON array" or "JSON Lines".  Static.
const char *sq_records_form_name(sq_records_form_t form);

//  For CSV, the header's column names (borrowed; *count set), so that an importer can
//  refuse a file whose columns it does not know before it reads a row; NULL for JSON.
const char *const *sq_records_columns(const sq_records_t *self, size_t *count);

//  The share of the file read so far, 0 to 1, for a progress bar.
double sq_records_progress(const sq_records_t *self);

//  Close and free; safe on NULL and twice.
void sq_records_destroy(sq_records_t **self_p);

#endif
