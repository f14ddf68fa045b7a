/*  lookup: answer suqiu.lookup requests from complaint_json() (see lookup.h). */
#include "lookup.h"

#include "sq_envelope.h"
#include "sq_number.h"
#include "sq_reply.h"

const sq_db_statement_t lookup_statements[] = {
    {"lookup_by_number", "SELECT complaint_json_by_number($1)"},
    {"lookup_by_key", "SELECT complaint_json_by_key($1, $2)"},
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
    else
        reply = sq_reply_error("400", NULL, "expected: number NUMBER, or key CHANNEL EXTERNAL_ID");
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
