/*  sq_call: check call records of the hotline's telephone queue (see sq_call.h). */
#include "sq_call.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define S_ID_MAX 128
#define S_FUTURE_SLACK_S (24 * 3600)   //  clocks differ; a day ahead is refused

static const char *s_keys[] = {"line",        "call_id",  "queued_at",   "answered_at",
                               "abandoned",   "ended_at", "operator_id"};

static json_t *s_fail(sq_field_error_t *error, const char *field, const char *message)
{
    snprintf(error->field, sizeof error->field, "%s", field);
    snprintf(error->message, sizeof error->message, "%s", message);
    return NULL;
}

bool sq_call_key(const char *key)
{
    for (size_t i = 0; i < sizeof s_keys / sizeof *s_keys; i++)
        if (strcmp(key, s_keys[i]) == 0)
            return true;
    return false;
}

//  The value of key, or NULL when it is absent, null, or a string of spaces only.
static json_t *s_given(json_t *call, const char *key)
{
    json_t *value = json_object_get(call, key);
    if (!value || json_is_null(value))
        return NULL;
    if (json_is_string(value) && strlen(json_string_value(value)) == json_string_length(value)) {
        for (const char *c = json_string_value(value); *c; c++)
            if (!isspace((unsigned char) *c))
                return value;
        return NULL;
    }
    return value;
}

//  An id: 1-128 of A-Z a-z 0-9 . _ : -.  Returns the text, or NULL with error filled.
static const char *s_id(json_t *call, const char *key, bool required, sq_field_error_t *error)
{
    json_t *value = s_given(call, key);
    if (!value) {
        if (required)
            s_fail(error, key, "is required");
        return NULL;
    }
    const char *text = json_is_string(value) ? json_string_value(value) : NULL;
    if (!text || strlen(text) != json_string_length(value)) {
        s_fail(error, key, "must be a string");
        return NULL;
    }
    size_t length = strlen(text);
    bool ok = length >= 1 && length <= S_ID_MAX;
    for (size_t i = 0; ok && i < length; i++)
        ok = isalnum((unsigned char) text[i]) || strchr("._:-", text[i]);
    if (!ok) {
        s_fail(error, key, "must be 1 to 128 of letters, digits and . _ : -");
        return NULL;
    }
    return text;
}

//  A time: 1 with *when set, 0 when absent (and not required), -1 with error filled.
static int s_time(json_t *call, const char *key, bool required, int64_t *when,
                  const char **text, sq_field_error_t *error)
{
    json_t *value = s_given(call, key);
    if (!value) {
        if (required) {
            s_fail(error, key, "is required");
            return -1;
        }
        return 0;
    }
    *text = json_is_string(value) ? json_string_value(value) : "";
    if (sq_time_parse(*text, when)) {
        s_fail(error, key, "must be an ISO-8601 time with zone, e.g. 2026-11-23T10:00:00+08:00");
        return -1;
    }
    if (*when > (int64_t) time(NULL) + S_FUTURE_SLACK_S) {
        s_fail(error, key, "is in the future");
        return -1;
    }
    return 1;
}

//  abandoned: 1 true, 0 false, 2 absent, -1 with error filled.
static int s_abandoned(json_t *call, sq_field_error_t *error)
{
    json_t *value = s_given(call, "abandoned");
    if (!value)
        return 2;
    if (json_is_boolean(value))
        return json_is_true(value);
    const char *text = json_is_string(value) ? json_string_value(value) : "";
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
        return 1;
    if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
        return 0;
    s_fail(error, "abandoned", "must be true or false (or 1 or 0)");
    return -1;
}

//  The line, as "12345" or "12315", or NULL with error filled.
static const char *s_line(json_t *call, sq_field_error_t *error)
{
    json_t *value = s_given(call, "line");
    if (!value) {
        s_fail(error, "line", "is required");
        return NULL;
    }
    const char *text = json_is_string(value) ? json_string_value(value) : "";
    json_int_t number = json_is_integer(value) ? json_integer_value(value) : 0;
    if (strcmp(text, "12345") == 0 || number == 12345)
        return "12345";
    if (strcmp(text, "12315") == 0 || number == 12315)
        return "12315";
    s_fail(error, "line", "must be \"12345\" or \"12315\"");
    return NULL;
}

json_t *sq_call_from_object(json_t *call, sq_field_error_t *error)
{
    if (!json_is_object(call))
        return s_fail(error, "", "a call record must be a JSON object");
    const char *key;
    json_t *value;
    json_object_foreach(call, key, value)
    {
        if (!sq_call_key(key))
            return s_fail(error, key, "is not a known field");
        if (json_is_string(value) && strlen(json_string_value(value)) != json_string_length(value))
            return s_fail(error, key, "contains a NUL character");
    }
    const char *line = s_line(call, error);
    if (!line)
        return NULL;
    const char *call_id = s_id(call, "call_id", true, error);
    if (!call_id)
        return NULL;
    int64_t queued, answered = 0, ended;
    const char *queued_text = NULL, *answered_text = NULL, *ended_text = NULL;
    if (s_time(call, "queued_at", true, &queued, &queued_text, error) < 0)
        return NULL;
    int has_answer = s_time(call, "answered_at", false, &answered, &answered_text, error);
    if (has_answer < 0 || s_time(call, "ended_at", true, &ended, &ended_text, error) < 0)
        return NULL;
    int abandoned = s_abandoned(call, error);
    if (abandoned < 0)
        return NULL;
    if (has_answer && abandoned == 1)
        return s_fail(error, "abandoned", "a call with an answered_at was not abandoned");
    if (!has_answer && abandoned != 1)
        return s_fail(error, "answered_at", "is required unless abandoned is true");
    if (has_answer && answered < queued)
        return s_fail(error, "answered_at", "is before queued_at");
    if (ended < (has_answer ? answered : queued))
        return s_fail(error, "ended_at", has_answer ? "is before answered_at" : "is before queued_at");
    if (ended - queued > SQ_CALL_LONGEST_S)
        return s_fail(error, "ended_at", "is more than a day after queued_at");
    const char *operator_id = s_id(call, "operator_id", false, error);
    if (!operator_id && s_given(call, "operator_id"))
        return NULL;
    json_t *record = json_pack("{s:s, s:s, s:s, s:b, s:s}", "line", line, "call_id", call_id,
                               "queued_at", queued_text, "abandoned", !has_answer, "ended_at",
                               ended_text);
    if (answered_text)
        json_object_set_new(record, "answered_at", json_string(answered_text));
    if (operator_id)
        json_object_set_new(record, "operator_id", json_string(operator_id));
    return record;
}

json_t *sq_call_from_body(const char *body, size_t length, sq_field_error_t *error)
{
    json_error_t parse_error;
    json_t *call = json_loadb(body, length, JSON_REJECT_DUPLICATES, &parse_error);
    if (!call) {
        char message[256];
        snprintf(message, sizeof message, "not valid JSON (UTF-8): %s at line %d column %d",
                 parse_error.text, parse_error.line, parse_error.column);
        return s_fail(error, "", message);
    }
    json_t *record = sq_call_from_object(call, error);
    json_decref(call);
    return record;
}

int sq_call_mark_working_hours(json_t *record, const sq_calendar_t *calendar,
                               sq_field_error_t *error)
{
    const char *queued = json_string_value(json_object_get(record, "queued_at"));
    int64_t when, seconds = 0;
    if (!queued || sq_time_parse(queued, &when)
        || sq_calendar_between(calendar, when, when + 1, &seconds, NULL)) {
        s_fail(error, "queued_at", "is outside the working calendar's range");
        return -1;
    }
    //  The second after queued_at is working time exactly when queued_at is in a period
    //  (a period's end, 12:00:00 or 17:30:00, is not).
    json_object_set_new(record, "in_working_hours", json_boolean(seconds == 1));
    return 0;
}
