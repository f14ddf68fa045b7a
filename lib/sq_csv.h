/*  sq_csv: read a CSV file with a header row, one record at a time, fields by column name.

    RFC 4180: fields separated by commas, records by LF or CRLF, a field in double quotes
    may hold commas, newlines and doubled quotes ("").  Parsing is Debian's libcsv in strict
    mode; spaces around fields are kept, blank lines are skipped, a UTF-8 byte-order mark
    before the header is dropped.  The file is untrusted: a field over SQ_CSV_FIELD_MAX
    bytes, bytes that are not UTF-8 (or a NUL), a stray quote, or a record whose field count
    differs from the header's stops reading with a message naming file and line.  Memory
    stays bounded by the field limit whatever the file holds.
    An importer that would rather report a bad row and go on asks for that
    (sq_csv_go_on_after_bad_records): then a record that is complete but unusable comes
    back as SQ_CSV_BAD_RECORD, and only what breaks the file's structure stops reading.
*/
#ifndef SQ_CSV_H
#define SQ_CSV_H

#include <stdbool.h>
#include <stddef.h>

#define SQ_CSV_FIELD_MAX (1024 * 1024)   //  bytes in one field
#define SQ_CSV_COLUMN_MAX 1024           //  fields in one record
#define SQ_CSV_BAD_RECORD 2              //  sq_csv_next: a record that cannot be used

typedef struct _sq_csv_t sq_csv_t;

//  Open path and read its header row.  Returns the reader (the caller's: sq_csv_destroy), or
//  NULL with a message in error ("FILE: cannot open: ...", "FILE:LINE: ...", "FILE: empty").
sq_csv_t *sq_csv_open(const char *path, char *error, size_t error_size);

//  Move to the next record.  Returns 1 when there is one, 0 at the end of the file, -1 on an
//  error (then sq_csv_error says what and where; every later call returns -1 too), and,
//  after sq_csv_go_on_after_bad_records, SQ_CSV_BAD_RECORD for a bad record.
int sq_csv_next(sq_csv_t *self);

//  From now on, a record whose field count differs from the header's, or that holds bytes
//  that are not UTF-8 (or a NUL), does not stop reading: sq_csv_next returns
//  SQ_CSV_BAD_RECORD for it, sq_csv_line says where it starts, sq_csv_record_problem why,
//  and the next call reads the record after it.  A stray or unclosed quote and a field over
//  SQ_CSV_FIELD_MAX still stop reading: after them the records cannot be told apart.
void sq_csv_go_on_after_bad_records(sq_csv_t *self);

//  Why the current record is bad ("11 fields, the header has 12"), or "" when it is not.
//  Borrowed, valid until the next sq_csv_next.
const char *sq_csv_record_problem(const sq_csv_t *self);

//  The current record's field in column (borrowed, valid until the next sq_csv_next), or
//  NULL when the header has no such column or there is no current record.
const char *sq_csv_field(const sq_csv_t *self, const char *column);

//  True when the header names column.
bool sq_csv_has_column(const sq_csv_t *self, const char *column);

//  The header's columns: how many, and the name of the one at index (borrowed; NULL past
//  the end).
size_t sq_csv_column_count(const sq_csv_t *self);
const char *sq_csv_column(const sq_csv_t *self, size_t index);

//  The current record's field in the column at index (borrowed like sq_csv_field), or NULL
//  when the record has no such field.
const char *sq_csv_field_at(const sq_csv_t *self, size_t index);

//  The physical line (from 1) on which the current record starts.
size_t sq_csv_line(const sq_csv_t *self);

//  The bytes of the file read so far (for a progress bar: it runs ahead of the records
//  returned by at most a chunk).
size_t sq_csv_offset(const sq_csv_t *self);

//  The last error as "FILE:LINE: what", or "" when there was none.  Borrowed.
const char *sq_csv_error(const sq_csv_t *self);

//  Close the file and free the reader; safe on NULL and twice.
void sq_csv_destroy(sq_csv_t **self_p);

#endif
