/*  sq_call: a call record of the 12345 / 12315 telephone queue, and its checks.

    The hotline platform reports each call that reached the queue for an operator as
        line          "12345" | "12315" (or the number)                     (required)
        call_id       the platform's id: 1-128 of A-Z a-z 0-9 . _ : -       (required)
        queued_at     ISO-8601 with zone: when it entered the queue         (required)
        answered_at   when an operator took it                      (unless abandoned)
        abandoned     true when the caller hung up before an answer (unless answered)
        ended_at      when the call ended                                   (required)
        operator_id   the operator who answered                             (optional)
    (line, call_id) is the idempotency key.  abandoned may be a JSON boolean or, as CSV
    gives it, "true", "false", "1", "0"; an optional key sent as "" counts as absent.  The
    times must be in order (queued <= answered <= ended), a call lasts at most a day, and
    none is in the future.  Input is untrusted: every failure names the field.

    In the form the hub keeps (and hands to call_record_batch() in sql/012_calls.sql) a
    record has line, call_id, queued_at, answered_at (absent when not answered), abandoned
    (a boolean), ended_at, operator_id (absent when not known) and in_working_hours: whether
    queued_at falls in the working periods of a working day of the city's calendar, decided
    when the call is recorded, as the deadlines are (sq_calendar).
*/
#ifndef SQ_CALL_H
#define SQ_CALL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sq_calendar.h"
#include "sq_envelope.h"

#define SQ_CALL_LONGEST_S (24 * 3600)   //  a longer "call" is a platform's error

//  Check a call record (borrowed, not changed) and return it in the hub's form without
//  in_working_hours (a new object, the caller's), or NULL with error filled.
json_t *sq_call_from_object(json_t *call, sq_field_error_t *error);

//  The same for untrusted bytes (the body of POST /v1/calls): not JSON, invalid UTF-8,
//  duplicate keys or not an object are errors of the body as a whole (field "").
json_t *sq_call_from_body(const char *body, size_t length, sq_field_error_t *error);

//  True when key is a key of a call record: an import checks a file's columns with it.
bool sq_call_key(const char *key);

//  Set record's in_working_hours from its queued_at by calendar (borrowed).  Returns 0, or
//  -1 with error filled when queued_at is missing or outside the calendar's range.
int sq_call_mark_working_hours(json_t *record, const sq_calendar_t *calendar,
                               sq_field_error_t *error);

#endif
