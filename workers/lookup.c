/*  lookup: answer suqiu.lookup requests from complaint_json() (see lookup.h). */
#include "lookup.h"

#include "sq_envelope.h"
#include "sq_number.h"
#include "sq_reply.h"

const sq_db_statement_t lookup_statements[] = {
    {"lookup_by_number", "SELECT complaint_json_by_number($1)"},
    {"lookup_by_key", "SELECT complaint_json_by_key($1, $2)"},
    {"lookup_open311", "SELECT open311_requests($1::text[], $2, $3::timestamptz, $4::timestamptz, $5, $6::int)"},
    {"lookup_citizen", "SELECT citizen_status($1, $2)"},
    {NULL, NULL},
};

//  The complaint's JSON as PostgreSQL made it, passed on as text without parsing it again.
static zmsg_t *s_found(const char *json)
{
    zmsg_t *reply = zmsg_new();
    zmsg_addstr(reply, "200");
    zmsg_addstr(reply, json);
    return reply;
}

//  "open311" FILTER: the filter's JSON into the statement's parameters.
static PGresult *s_open311(sq_db_t *db, const char *filter_text, zmsg_t **refusal)
{
    json_t *filter = json_loads(filter_text, 0, NULL);
    json_t *numbers = json_object_get(filter, "numbers");
    const char *start = json_string_value(json_object_get(filter, "start"));
    const char *end = json_string_value(json_object_get(filter, "end"));
    json_int_t limit = json_integer_value(json_object_get(filter, "limit"));
    PGresult *result = NULL;
    if (!json_is_object(filter) || !start || !end || limit < 1 || limit > 1000
        || (numbers && !json_is_array(numbers)))
        *refusal = sq_reply_error("400", NULL, "a filter needs start, end and a limit of 1 to 1000");
    else {
        //  A PostgreSQL array literal of the numbers, each checked to be a work-order number.
        char *array = NULL;
        if (numbers) {
            size_t size = 3 + json_array_size(numbers) * 32;
            array = (char *) zmalloc(size);
            strcat(array, "{");
            size_t index;
            json_t *number;
            json_array_foreach(numbers, index, number) {
                const char *text = json_string_value(number);
                if (!text || !sq_number_valid(text) || strlen(text) > 30) {
                    *refusal = sq_reply_error("400", "service_request_id", "not a work-order number");
                    break;
                }
                if (index)
                    strcat(array, ",");
                strcat(array, text);
            }
            strcat(array, "}");
        }
        char limit_text[16];
        snprintf(limit_text, sizeof limit_text, "%d", (int) limit);
        const char *values[] = {array, json_string_value(json_object_get(filter, "service_code")),
                                start, end, json_string_value(json_object_get(filter, "status")),
                                limit_text};
        if (!*refusal)
            result = sq_db_exec(db, "lookup_open311", 6, values);
        free(array);
    }
    json_decref(filter);
    return result;
}

zmsg_t *lookup_answer(sq_db_t *db, zmsg_t *request)
{
    char *how = zmsg_popstr(request);
    char *first = zmsg_popstr(request);
    char *second = zmsg_popstr(request);
    PGresult *result = NULL;
    zmsg_t *reply = NULL;
    if (how && first && streq(how, "number") && !second) {
        if (!sq_number_valid(first))
            reply = sq_reply_error("400", "number", "not a work-order number");
        else {
            const char *values[] = {first};
            result = sq_db_exec(db, "lookup_by_number", 1, values);
        }
    }
    else if (how && first && second && streq(how, "key")) {
        if (!sq_channel_known(first))
            reply = sq_reply_error("400", "channel", "unknown channel");
        else {
            const char *values[] = {first, second};
            result = sq_db_exec(db, "lookup_by_key", 2, values);
        }
    }
    else if (how && first && !second && streq(how, "open311"))
        result = s_open311(db, first, &reply);
    else if (how && first && second && streq(how, "citizen")) {
        if (!sq_number_valid(first))
            reply = sq_reply_error("400", "number", "not a work-order number");
        else {
            const char *values[] = {first, second};
            result = sq_db_exec(db, "lookup_citizen", 2, values);
        }
    }
    else
        reply = sq_reply_error("400", NULL,
                               "expected: number NUMBER, key CHANNEL EXTERNAL_ID, open311 FILTER, "
                               "or citizen NUMBER LAST4");
    if (!reply) {
        if (!result)
            reply = sq_reply_error("503", NULL, "the database cannot be reached; retry");
        else if (PQntuples(result) != 1 || PQgetisnull(result, 0, 0))
            reply = sq_reply_error("404", NULL, "no such work order");
        else
            reply = s_found(PQgetvalue(result, 0, 0));
    }
    PQclear(result);
    free(how);
    free(first);
    free(second);
    return reply;
}
