/*  outbox: answer suqiu.outbox requests from the delivery and follow-up functions of
    sql/030_deliveries.sql (see outbox.h). */
#include "outbox.h"

#include <jansson.h>

#include "sq_envelope.h"
#include "sq_number.h"
#include "sq_reply.h"
#include "sq_utf8.h"

const sq_db_statement_t outbox_statements[] = {
    {"outbox_take", "SELECT delivery_take($1, $2::int, $3::int)::text"},
    {"outbox_done", "SELECT delivery_done($1::bigint, $2::jsonb)"},
    {"outbox_failed", "SELECT delivery_failed($1::bigint, $2, $3::int)"},
    {"outbox_passive", "SELECT delivery_passive($1)"},
    {"outbox_follow", "SELECT complaint_follow_up($1, $2, $3, $4, $5::int, $6, $7, $8::jsonb,"
                      " $9::timestamptz)::text"},
    {"outbox_status", "SELECT complaint_status_for_citizen($1)::text"},
    {NULL, NULL},
};

#define S_FOLLOW_BODY_MAX 20000   //  characters of a follow-up's text

//  A number of digits only within [low, high], or -1.
static long s_bounded(const char *text, long low, long high)
{
    if (!text || !*text || strlen(text) > 9 || strspn(text, "0123456789") != strlen(text))
        return -1;
    long value = atol(text);
    return value >= low && value <= high ? value : -1;
}

//  The first column of row 0 as the reply: JSON text passed on, NULL as 404.
static zmsg_t *s_json_or_missing(PGresult *result, const char *missing)
{
    if (!result)
        return sq_reply_error("503", NULL, "the database cannot be reached; retry");
    zmsg_t *reply;
    if (PQntuples(result) != 1 || PQgetisnull(result, 0, 0))
        reply = sq_reply_error("404", NULL, missing);
    else {
        reply = zmsg_new();
        zmsg_addstr(reply, "200");
        zmsg_addstr(reply, PQgetvalue(result, 0, 0));
    }
    PQclear(result);
    return reply;
}

static zmsg_t *s_take(sq_db_t *db, const char *via, const char *limit, const char *lease)
{
    if (!via || !(streq(via, "wechat") || streq(via, "email")))
        return sq_reply_error("400", "via", "is wechat or email");
    if (s_bounded(limit, 1, 100) < 0 || s_bounded(lease, 5, 3600) < 0)
        return sq_reply_error("400", NULL, "expected: take VIA LIMIT(1-100) LEASE_S(5-3600)");
    const char *values[] = {via, limit, lease};
    PGresult *result = sq_db_exec(db, "outbox_take", 3, values);
    if (!result)
        return sq_reply_error("503", NULL, "the database cannot be reached; retry");
    json_t *items = json_loads(PQgetvalue(result, 0, 0), 0, NULL);
    PQclear(result);
    return sq_reply_new("200", json_pack("{s:o}", "items", items ? items : json_array()));
}

static zmsg_t *s_done(sq_db_t *db, const char *id, const char *detail)
{
    json_t *parsed = detail ? json_loads(detail, 0, NULL) : NULL;
    bool object = json_is_object(parsed);
    json_decref(parsed);
    if (s_bounded(id, 1, 999999999) < 0 || (detail && !object))
        return sq_reply_error("400", NULL, "expected: done ID [DETAIL-OBJECT]");
    const char *values[] = {id, detail};
    PGresult *result = sq_db_exec(db, "outbox_done", 2, values);
    if (!result)
        return sq_reply_error("503", NULL, "the database cannot be reached; retry");
    bool done = PQntuples(result) == 1 && !PQgetisnull(result, 0, 0);
    PQclear(result);
    return sq_reply_new("200", json_pack("{s:I, s:b}", "id", (json_int_t) atol(id), "done", done));
}

static zmsg_t *s_failed(sq_db_t *db, const char *id, const char *reason, const char *max_tries)
{
    if (s_bounded(id, 1, 999999999) < 0 || !reason || s_bounded(max_tries, 1, 100) < 0)
        return sq_reply_error("400", NULL, "expected: failed ID REASON MAX_TRIES(1-100)");
    if (!sq_utf8_valid(reason, strlen(reason)))
        return sq_reply_error("400", "reason", "is not UTF-8");
    const char *values[] = {id, reason, max_tries};
    PGresult *result = sq_db_exec(db, "outbox_failed", 3, values);
    if (!result)
        return sq_reply_error("503", NULL, "the database cannot be reached; retry");
    const char *state = PQntuples(result) == 1 && !PQgetisnull(result, 0, 0)
                            ? PQgetvalue(result, 0, 0) : "unknown";
    zmsg_t *reply = sq_reply_new("200", json_pack("{s:I, s:s}", "id", (json_int_t) atol(id),
                                                  "state", state));
    PQclear(result);
    return reply;
}

//  "passive" NUMBER: the acknowledgement went in the passive reply.
static zmsg_t *s_passive(sq_db_t *db, const char *number)
{
    PGresult *result = sq_db_exec(db, "outbox_passive", 1, (const char *[]){number});
    if (!result)
        return sq_reply_error("503", NULL, "the database cannot be reached; retry");
    bool done = PQntuples(result) == 1;
    PQclear(result);
    return sq_reply_new("200", json_pack("{s:s, s:b}", "number", number, "done", done));
}

//  "follow" JSON: every field checked before it reaches the database.
static zmsg_t *s_follow(sq_db_t *db, const char *text)
{
    json_t *follow = text ? json_loads(text, 0, NULL) : NULL;
    const char *channel = json_string_value(json_object_get(follow, "channel"));
    const char *external_id = json_string_value(json_object_get(follow, "external_id"));
    const char *number = json_string_value(json_object_get(follow, "number"));
    const char *sender = json_string_value(json_object_get(follow, "sender"));
    const char *kind = json_string_value(json_object_get(follow, "kind"));
    const char *body = json_string_value(json_object_get(follow, "body"));
    const char *received_at = json_string_value(json_object_get(follow, "received_at"));
    json_t *detail = json_object_get(follow, "detail");
    json_int_t minutes = json_integer_value(json_object_get(follow, "minutes"));
    int64_t when;
    const char *problem =
        !json_is_object(follow) ? "a JSON object"
        : !channel || !sq_channel_known(channel) ? "a known channel"
        : !external_id || !*external_id || strlen(external_id) > 128 ? "an external_id of 1-128 characters"
        : number ? (sq_number_valid(number) ? NULL : "a work-order number")
        : !sender || !*sender || strlen(sender) > 256 || minutes < 1 || minutes > 1440
            ? "a number, or a sender and minutes (1-1440)" : NULL;
    if (!problem)
        problem = !kind || !(streq(kind, "text") || streq(kind, "image") || streq(kind, "location")
                             || streq(kind, "mail")) ? "a kind: text, image, location or mail"
                  : json_object_get(follow, "body") && !body ? "a body that is text"
                  : body && (!sq_utf8_valid(body, strlen(body))
                             || sq_utf8_length(body) > S_FOLLOW_BODY_MAX) ? "a UTF-8 body within limits"
                  : detail && !json_is_object(detail) ? "a detail object"
                  : !received_at || sq_time_parse(received_at, &when) ? "received_at in ISO-8601"
                  : NULL;
    if (problem) {
        json_decref(follow);
        char message[128];
        snprintf(message, sizeof message, "a follow-up needs %s", problem);
        return sq_reply_error("400", NULL, message);
    }
    char minutes_text[16];
    snprintf(minutes_text, sizeof minutes_text, "%d", (int) minutes);
    char *detail_text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    const char *values[] = {channel, external_id, number, number ? NULL : sender,
                            minutes_text, kind, body, detail_text, received_at};
    zmsg_t *reply = s_json_or_missing(sq_db_exec(db, "outbox_follow", 9, values),
                                      number ? "no such work order" : "no recent complaint of this sender");
    free(detail_text);
    json_decref(follow);
    return reply;
}

zmsg_t *outbox_answer(sq_db_t *db, zmsg_t *request)
{
    char *verb = zmsg_popstr(request);
    char *args[3] = {zmsg_popstr(request), zmsg_popstr(request), zmsg_popstr(request)};
    bool extra = zmsg_size(request) > 0;
    zmsg_t *reply;
    if (!verb || extra)
        reply = sq_reply_error("400", NULL, "expected: VERB ARGUMENTS (see suqiu.outbox)");
    else if (streq(verb, "take"))
        reply = s_take(db, args[0], args[1], args[2]);
    else if (streq(verb, "done") && !args[2])
        reply = s_done(db, args[0], args[1]);
    else if (streq(verb, "failed"))
        reply = s_failed(db, args[0], args[1], args[2]);
    else if (streq(verb, "follow") && !args[1])
        reply = s_follow(db, args[0]);
    else if ((streq(verb, "passive") || streq(verb, "status")) && args[0] && !args[1]) {
        if (!sq_number_valid(args[0]))
            reply = sq_reply_error("400", "number", "not a work-order number");
        else if (streq(verb, "status"))
            reply = s_json_or_missing(sq_db_exec(db, "outbox_status", 1, (const char *[]){args[0]}),
                                      "no such work order");
        else
            reply = s_passive(db, args[0]);
    }
    else
        reply = sq_reply_error("400", NULL, "unknown verb or wrong arguments (see suqiu.outbox)");
    free(verb);
    for (int i = 0; i < 3; i++)
        free(args[i]);
    return reply;
}
