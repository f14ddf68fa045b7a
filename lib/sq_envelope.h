/*  sq_envelope: the complaint envelope every channel hands to intake, and its checks.

    An envelope is a JSON object with the keys
        channel       hotline12345 | hotline12315 | web | wechat | email   (required)
        external_id   the channel's own id: 1-128 of A-Z a-z 0-9 . _ : -   (required)
                      (e-mail: the Message-ID without angle brackets, its dot-atom
                      characters and "@")
        received_at   ISO-8601 with zone, when the channel took it          (required)
        title         one line                                             (required)
        content       text, newlines allowed                               (required)
        caller_name, phone, address, region, operator_id                   (optional)
        respondent_name, respondent_address  the business complained about  (optional)
                      (被投诉人/被举报人: 12315 orders carry it; their region is where
                      the business is)
        respondent_credit_code  its unified social credit code, checked by
                      GB 32100-2015 (sq_credit)                            (optional)
        extra         an object of channel-specific fields                 (optional)
                      extra.operator: the labels an operator (hotline, desk) chose,
                      {"type", "urgency", "category"}, each optional: a type 投诉 举报 咨询
                      求助 建议 表扬 (or complaint ...), an urgency 紧急 一般 (or urgent
                      normal), a category id; classification keeps them
    (channel, external_id) is the idempotency key.  Every string must be UTF-8 without
    control characters (content may hold newlines and tabs) and within its limit,
    counted in characters, not bytes.  Input is untrusted: every failure names the
    offending field.
*/
#ifndef SQ_ENVELOPE_H
#define SQ_ENVELOPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sq_utf8.h"

typedef struct {
    int title_max_chars;
    int content_max_chars;
    int field_max_chars;   //  names, addresses, regions, ids
} sq_limits_t;

//  What was wrong, for a 400 answer: the field ("" for the body as a whole) and why.
typedef struct {
    char field[64];
    char message[256];
} sq_field_error_t;

//  Check an envelope.  Returns 0, or -1 with error filled.  Does not change it.
int sq_envelope_check(json_t *envelope, const sq_limits_t *limits, sq_field_error_t *error);

//  Parse a hotline work order (the body of POST /v1/workorders, untrusted bytes) and turn it
//  into an envelope: "line" 12345|12315 becomes channel hotline12345|hotline12315, and
//  operator_id is required; the optional "type", "urgency" and "category" the operator chose
//  become extra.operator.  Unknown keys are refused.  An optional key whose value is ""
//  (or only spaces) counts as absent, as exports send what they do not know; a required
//  one sent empty is refused.  Returns a new envelope (the caller's: json_decref) or NULL
//  with error filled.
json_t *sq_envelope_from_hotline(const char *body, size_t length, const sq_limits_t *limits,
                                 sq_field_error_t *error);

//  The same for a work order already parsed (borrowed, not changed): a row of an import.
json_t *sq_envelope_from_hotline_order(json_t *order, const sq_limits_t *limits,
                                       sq_field_error_t *error);

//  True when key is a key of a hotline work order (line, external_id, ...): an import
//  checks a file's columns with it before it reads a row.
bool sq_envelope_hotline_key(const char *key);

//  True when channel is one of the five channel names.
bool sq_channel_known(const char *channel);

//  Parse an ISO-8601 time with zone (2026-11-23T10:00:00+08:00, ...Z, optional fraction)
//  into seconds since the epoch.  Returns 0, or -1 when malformed or out of range.
int sq_time_parse(const char *text, int64_t *epoch_seconds);

//  A time as the envelopes write it: ISO-8601 in Asia/Shanghai, 2026-11-23T10:00:00+08:00
//  (out: room for SQ_TIME_TEXT_MAX).
#define SQ_TIME_TEXT_MAX 32
void sq_time_format(int64_t epoch_seconds, char *out, size_t size);

#endif
