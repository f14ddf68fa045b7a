/*  sq_number: the form of a work-order number, PREFIX-YYYYMMDD-NNNNNN.

    Numbers are given out in PostgreSQL (intake_batch in sql/001_spine.sql): the prefix
    names the channel (12345, 12315, WEB, WX, EM), the date is the day of intake in
    Asia/Shanghai, and the sequence counts that channel's complaints of that day, at least
    six digits.  This module only checks the form, so that a malformed number is refused
    before it reaches the database.
*/
#ifndef SQ_NUMBER_H
#define SQ_NUMBER_H

#include <stdbool.h>
#include <stddef.h>

//  True when text has the form of a work-order number with a real calendar date.
bool sq_number_valid(const char *text);

//  The prefix of a channel's numbers ("12345" for hotline12345, ...), or NULL.  Static.
const char *sq_number_prefix(const char *channel);

#endif
