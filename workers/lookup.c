/*  lookup: answer suqiu.lookup requests from complaint_json() (see lookup.h). */
#include "lookup.h"

#include "sq_envelope.h"
#include "sq_number.h"

const sq_db_statement_t lookup_statements[] = {
    {"lookup_by_number", "SELECT complaint_json_by_number($1)"},
    {"lookup_by_key", "SELECT complaint_json_by_key($1, $2)"},
    {NULL, NULL},
};

static zmsg_t *s_reply(const char *status, const char *json)
{
    zmsg_t *reply = zmsg_new();
    zmsg_addstr(reply, status);
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
            reply = s_reply("400", "{\"error\":\"not a work-order number\",\"field\":\"number\"}");
        else {
            const char *values[] = {first};
            result = sq_db_exec(db, "lookup_by_number", 1, values);
        }
    }
    else if (how && first && second && streq(how, "key")) {
        if (!sq_channel_known(first))
            reply = s_reply("400", "{\"error\":\"unknown channel\",\"field\":\"channel\"}");
        else {
            const char *values[] = {first, second};
            result = sq_db_exec(db, "lookup_by_key", 2, values);
        }
    }
    else
        reply = s_reply("400", "{\"error\":\"expected: number NUMBER, or key CHANNEL EXTERNAL_ID\"}");
    if (!reply) {
        if (!result)
            reply = s_reply("503", "{\"error\":\"the database cannot be reached; retry\"}");
        else if (PQntuples(result) != 1 || PQgetisnull(result, 0, 0))
            reply = s_reply("404", "{\"error\":\"no such work order\"}");
        else
            reply = s_reply("200", PQgetvalue(result, 0, 0));
    }
    PQclear(result);
    free(how);
    free(first);
    free(second);
    return reply;
}
