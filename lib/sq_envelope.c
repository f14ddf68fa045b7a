/*  sq_envelope: validate complaint envelopes from every channel (see sq_envelope.h). */
#include "sq_envelope.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sq_catalog.h"
#include "sq_credit.h"
#include "sq_date.h"

static const char *s_channels[] = {"hotline12345", "hotline12315", "web", "wechat", "email"};

typedef enum {
    S_LINE,      //  one line of text
    S_BLOCK,     //  text with newlines
    S_ID,        //  [A-Za-z0-9._:-]
    S_PHONE,     //  digits with + - space ( )
    S_TIME,      //  ISO-8601 with zone
    S_CHANNEL,   //  one of s_channels
    S_OBJECT,    //  a JSON object
    S_CREDIT,    //  a unified social credit code (sq_credit)
} s_kind_t;

typedef enum { S_LIMIT_NONE, S_LIMIT_TITLE, S_LIMIT_CONTENT, S_LIMIT_FIELD } s_limit_t;

typedef struct {
    const char *name;
    s_kind_t kind;
    bool required;
    s_limit_t limit;
} s_field_t;

static const s_field_t s_fields[] = {
    {"channel", S_CHANNEL, true, S_LIMIT_NONE},
    {"external_id", S_ID, true, S_LIMIT_NONE},
    {"received_at", S_TIME, true, S_LIMIT_NONE},
    {"title", S_LINE, true, S_LIMIT_TITLE},
    {"content", S_BLOCK, true, S_LIMIT_CONTENT},
    {"caller_name", S_LINE, false, S_LIMIT_FIELD},
    {"phone", S_PHONE, false, S_LIMIT_NONE},
    {"address", S_LINE, false, S_LIMIT_FIELD},
    {"region", S_LINE, false, S_LIMIT_FIELD},
    {"operator_id", S_ID, false, S_LIMIT_NONE},
    {"extra", S_OBJECT, false, S_LIMIT_NONE},
    {"respondent_name", S_LINE, false, S_LIMIT_FIELD},
    {"respondent_address", S_LINE, false, S_LIMIT_FIELD},
    {"respondent_credit_code", S_CREDIT, false, S_LIMIT_NONE},
};
#define S_FIELD_COUNT (sizeof s_fields / sizeof s_fields[0])
#define S_ID_MAX 128
#define S_PHONE_MAX 32
#define S_FUTURE_SLACK_S (24 * 3600)   //  clocks differ; a day ahead is refused

static int s_fail(sq_field_error_t *error, const char *field, const char *message)
{
    snprintf(error->field, sizeof error->field, "%s", field);
    snprintf(error->message, sizeof error->message, "%s", message);
    return -1;
}

bool sq_channel_known(const char *channel)
{
    for (size_t i = 0; i < sizeof s_channels / sizeof s_channels[0]; i++)
        if (channel && strcmp(channel, s_channels[i]) == 0)
            return true;
    return false;
}

static int s_digits(const char *text, int count)
{
    int value = 0;
    for (int i = 0; i < count; i++) {
        if (!isdigit((unsigned char) text[i]))
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

void sq_time_format(int64_t epoch_seconds, char *out, size_t size)
{
    time_t local = (time_t) epoch_seconds + 8 * 3600;   //  Shanghai keeps no summer time
    struct tm broken;
    gmtime_r(&local, &broken);
    strftime(out, size, "%Y-%m-%dT%H:%M:%S+08:00", &broken);
}

int sq_time_parse(const char *text, int64_t *epoch_seconds)
{
    //  YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
    if (strlen(text) < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != ' ')
        || text[13] != ':' || text[16] != ':')
        return -1;
    int year = s_digits(text, 4), month = s_digits(text + 5, 2), day = s_digits(text + 8, 2);
    int hour = s_digits(text + 11, 2), minute = s_digits(text + 14, 2);
    int second = s_digits(text + 17, 2);
    if (year < 1990 || year > 2200 || !sq_date_valid(year, month, day) || hour > 23
        || minute > 59 || second > 59 || hour < 0 || minute < 0 || second < 0)
        return -1;
    const char *rest = text + 19;
    if (*rest == '.') {
        rest++;
        if (!isdigit((unsigned char) *rest))
            return -1;
        for (int places = 0; isdigit((unsigned char) *rest); rest++)
            if (++places > 9)
                return -1;
    }
    int offset_seconds = 0;
    if (*rest == 'Z' && rest[1] == 0)
        offset_seconds = 0;
    else if ((*rest == '+' || *rest == '-') && strlen(rest) == 6 && rest[3] == ':') {
        int zone_hour = s_digits(rest + 1, 2), zone_minute = s_digits(rest + 4, 2);
        if (zone_hour < 0 || zone_hour > 14 || zone_minute < 0 || zone_minute > 59)
            return -1;
        offset_seconds = (zone_hour * 3600 + zone_minute * 60) * (*rest == '-' ? -1 : 1);
    }
    else
        return -1;
    struct tm broken = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                        .tm_hour = hour, .tm_min = minute, .tm_sec = second};
    *epoch_seconds = (int64_t) timegm(&broken) - offset_seconds;
    return 0;
}

//  A text field: no control characters but, in a block, newline, return and tab.
static int s_check_text(const char *name, const char *text, bool block, int max_chars,
                        sq_field_error_t *error)
{
    bool blank = true;
    for (const unsigned char *byte = (const unsigned char *) text; *byte; byte++) {
        if (*byte < 0x20 || *byte == 0x7F) {
            if (!block || (*byte != '\n' && *byte != '\r' && *byte != '\t'))
                return s_fail(error, name, block ? "contains a control character"
                                                 : "must be one line without control characters");
        }
        if (!isspace(*byte))
            blank = false;
    }
    if (blank)
        return s_fail(error, name, "must not be blank");
    if (max_chars > 0 && sq_utf8_length(text) > (size_t) max_chars) {
        char message[96];
        snprintf(message, sizeof message, "is longer than %d characters", max_chars);
        return s_fail(error, name, message);
    }
    return 0;
}

static int s_check_id(const char *name, const char *text, sq_field_error_t *error)
{
    size_t length = strlen(text);
    if (length == 0 || length > S_ID_MAX)
        return s_fail(error, name, "must be 1 to 128 characters");
    for (size_t i = 0; i < length; i++)
        if (!isalnum((unsigned char) text[i]) && !strchr("._:-", text[i]))
            return s_fail(error, name, "may hold only letters, digits and . _ : -");
    return 0;
}

//  An e-mail's external id is its Message-ID without angle brackets: the characters of an
//  RFC 5322 dot-atom on either side of one "@".
static int s_check_message_id(const char *name, const char *text, sq_field_error_t *error)
{
    size_t length = strlen(text);
    if (length == 0 || length > S_ID_MAX)
        return s_fail(error, name, "must be 1 to 128 characters");
    for (size_t i = 0; i < length; i++)
        if (!isalnum((unsigned char) text[i]) && !strchr("!#$%&'*+-/=?^_`{|}~.@", text[i]))
            return s_fail(error, name, "may hold only the characters of a Message-ID");
    return 0;
}

static int s_check_phone(const char *name, const char *text, sq_field_error_t *error)
{
    int digits = 0;
    if (strlen(text) > S_PHONE_MAX)
        return s_fail(error, name, "is too long for a phone number");
    for (const char *c = text; *c; c++) {
        if (isdigit((unsigned char) *c))
            digits++;
        else if (!strchr("+- ()", *c) || (*c == '+' && c != text))
            return s_fail(error, name, "must be a phone number: digits, with + - ( ) or spaces");
    }
    if (digits < 3 || digits > 20)
        return s_fail(error, name, "must have 3 to 20 digits");
    return 0;
}

//  A category id as the catalogue writes them: words of a-z 0-9 _ joined by single dots.
static bool s_category_id(const char *text)
{
    size_t length = strlen(text);
    if (length == 0 || length > 64 || text[0] == '.' || text[length - 1] == '.')
        return false;
    for (const char *c = text; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'
              || (*c == '.' && c[1] != '.')))
            return false;
    return true;
}

//  extra.operator: the labels an operator chose, {"type", "urgency", "category"}, each
//  optional; types and urgencies by the catalogue's labels or names, categories as ids
//  (classification checks them against the catalogue).
static int s_check_operator(json_t *labels, sq_field_error_t *error)
{
    if (!json_is_object(labels))
        return s_fail(error, "extra.operator", "must be an object");
    const char *key;
    json_t *value;
    json_object_foreach(labels, key, value)
    {
        const char *text = json_string_value(value);
        char field[64];
        snprintf(field, sizeof field, "%s", key);
        sq_type_t type;
        sq_urgency_t urgency;
        if (strcmp(key, "type") && strcmp(key, "urgency") && strcmp(key, "category"))
            return s_fail(error, field, "is not a known field");
        if (!text)
            return s_fail(error, field, "must be a string");
        if (strcmp(key, "type") == 0 && sq_type_parse(text, &type))
            return s_fail(error, field, "must be one of 投诉 举报 咨询 求助 建议 表扬");
        if (strcmp(key, "urgency") == 0 && sq_urgency_parse(text, &urgency))
            return s_fail(error, field, "must be 紧急 or 一般");
        if (strcmp(key, "category") == 0 && !s_category_id(text))
            return s_fail(error, field, "must be a category id such as food.catering");
    }
    return 0;
}

static int s_check_field(const s_field_t *field, json_t *value, const sq_limits_t *limits,
                         sq_field_error_t *error)
{
    if (field->kind == S_OBJECT) {
        if (!json_is_object(value))
            return s_fail(error, field->name, "must be an object");
        json_t *labels = json_object_get(value, "operator");
        return labels ? s_check_operator(labels, error) : 0;
    }
    if (!json_is_string(value))
        return s_fail(error, field->name, "must be a string");
    const char *text = json_string_value(value);
    if (strlen(text) != json_string_length(value))
        return s_fail(error, field->name, "contains a NUL character");
    int max = field->limit == S_LIMIT_TITLE     ? limits->title_max_chars
              : field->limit == S_LIMIT_CONTENT ? limits->content_max_chars
                                                : limits->field_max_chars;
    int64_t when;
    switch (field->kind) {
    case S_LINE:
        return s_check_text(field->name, text, false, max, error);
    case S_BLOCK:
        return s_check_text(field->name, text, true, max, error);
    case S_ID:
        return s_check_id(field->name, text, error);
    case S_PHONE:
        return s_check_phone(field->name, text, error);
    case S_CHANNEL:
        return sq_channel_known(text)
                   ? 0
                   : s_fail(error, field->name,
                            "must be one of hotline12345, hotline12315, web, wechat, email");
    case S_CREDIT: {
        const char *problem = sq_credit_code_problem(text);
        return problem ? s_fail(error, field->name, problem) : 0;
    }
    case S_TIME:
        if (sq_time_parse(text, &when))
            return s_fail(error, field->name,
                          "must be an ISO-8601 time with zone, e.g. 2026-11-23T10:00:00+08:00");
        if (when > (int64_t) time(NULL) + S_FUTURE_SLACK_S)
            return s_fail(error, field->name, "is in the future");
        return 0;
    default:
        return 0;
    }
}

int sq_envelope_check(json_t *envelope, const sq_limits_t *limits, sq_field_error_t *error)
{
    if (!json_is_object(envelope))
        return s_fail(error, "", "the envelope must be a JSON object");
    const char *key;
    json_t *value;
    json_object_foreach(envelope, key, value)
    {
        bool known = false;
        for (size_t i = 0; i < S_FIELD_COUNT && !known; i++)
            known = strcmp(key, s_fields[i].name) == 0;
        if (!known)
            return s_fail(error, key, "is not a known field");
    }
    for (size_t i = 0; i < S_FIELD_COUNT; i++) {
        json_t *field_value = json_object_get(envelope, s_fields[i].name);
        if (!field_value || json_is_null(field_value)) {
            if (s_fields[i].required)
                return s_fail(error, s_fields[i].name, "is required");
            continue;
        }
        const char *channel = json_string_value(json_object_get(envelope, "channel"));
        if (strcmp(s_fields[i].name, "external_id") == 0 && channel && strcmp(channel, "email") == 0
            && json_is_string(field_value)) {
            if (s_check_message_id(s_fields[i].name, json_string_value(field_value), error))
                return -1;
        }
        else if (s_check_field(&s_fields[i], field_value, limits, error))
            return -1;
    }
    return 0;
}

static const char *s_hotline_keys[] = {"line",    "external_id", "caller_name", "phone",
                                       "address", "region",      "title",       "content",
                                       "operator_id", "received_at", "type",   "urgency",
                                       "category",    "respondent_name",    "respondent_address",
                                       "respondent_credit_code"};

bool sq_envelope_hotline_key(const char *key)
{
    for (size_t i = 0; i < sizeof s_hotline_keys / sizeof s_hotline_keys[0]; i++)
        if (strcmp(key, s_hotline_keys[i]) == 0)
            return true;
    return false;
}

//  The keys a hotline work order must have; every other one may be sent empty.
static const char *s_hotline_required[] = {"line",    "external_id", "title",
                                           "content", "operator_id", "received_at"};

//  An optional key sent as "" (or only spaces), as platforms' exports do for what they do
//  not know, counts as absent.
static bool s_absent_optional(const char *key, json_t *value)
{
    if (!json_is_string(value) || strlen(json_string_value(value)) != json_string_length(value))
        return false;
    for (const char *c = json_string_value(value); *c; c++)
        if (!isspace((unsigned char) *c))
            return false;
    for (size_t i = 0; i < sizeof s_hotline_required / sizeof s_hotline_required[0]; i++)
        if (strcmp(key, s_hotline_required[i]) == 0)
            return false;
    return true;
}

json_t *sq_envelope_from_hotline(const char *body, size_t length, const sq_limits_t *limits,
                                 sq_field_error_t *error)
{
    json_error_t parse_error;
    json_t *order = json_loadb(body, length, JSON_REJECT_DUPLICATES, &parse_error);
    if (!order) {
        char message[256];
        snprintf(message, sizeof message, "not valid JSON (UTF-8): %s at line %d column %d",
                 parse_error.text, parse_error.line, parse_error.column);
        s_fail(error, "", message);
        return NULL;
    }
    json_t *envelope = sq_envelope_from_hotline_order(order, limits, error);
    json_decref(order);
    return envelope;
}

json_t *sq_envelope_from_hotline_order(json_t *order, const sq_limits_t *limits,
                                       sq_field_error_t *error)
{
    if (!json_is_object(order)) {
        s_fail(error, "", "the body must be a JSON object");
        return NULL;
    }
    json_t *envelope = json_object();
    const char *key;
    json_t *value;
    json_object_foreach(order, key, value)
    {
        if (!sq_envelope_hotline_key(key)) {
            s_fail(error, key, "is not a known field");
            goto fail;
        }
        if (s_absent_optional(key, value))
            continue;
        if (strcmp(key, "line") == 0) {
            const char *line = json_is_string(value) ? json_string_value(value) : "";
            json_int_t number = json_is_integer(value) ? json_integer_value(value) : 0;
            if (strcmp(line, "12345") == 0 || number == 12345)
                json_object_set_new(envelope, "channel", json_string("hotline12345"));
            else if (strcmp(line, "12315") == 0 || number == 12315)
                json_object_set_new(envelope, "channel", json_string("hotline12315"));
            else {
                s_fail(error, "line", "must be \"12345\" or \"12315\"");
                goto fail;
            }
        }
        else if (strcmp(key, "type") == 0 || strcmp(key, "urgency") == 0
                 || strcmp(key, "category") == 0) {
            //  the operator's own labels: kept for classification as extra.operator
            json_t *extra = json_object_get(envelope, "extra");
            if (!extra)
                json_object_set_new(envelope, "extra", extra = json_object());
            json_t *labels = json_object_get(extra, "operator");
            if (!labels)
                json_object_set_new(extra, "operator", labels = json_object());
            json_object_set(labels, key, value);
        }
        else
            json_object_set(envelope, key, value);
    }
    if (!json_object_get(envelope, "channel")) {
        s_fail(error, "line", "is required");
        goto fail;
    }
    json_t *operator_id = json_object_get(envelope, "operator_id");
    if (!operator_id || json_is_null(operator_id)) {
        s_fail(error, "operator_id", "is required");
        goto fail;
    }
    if (sq_envelope_check(envelope, limits, error))
        goto fail;
    return envelope;
fail:
    json_decref(envelope);
    return NULL;
}
