/*  calls: record the hotlines' call records (see calls.h). */
#include "calls.h"

#include "sq_call.h"
#include "sq_log.h"
#include "sq_reply.h"

const sq_db_statement_t calls_statements[] = {
    {"calls_record", "SELECT created, record::text FROM call_record_batch($1::jsonb, $2)"},
    {NULL, NULL},
};

struct _calls_t {
    sq_db_t *db;                //  borrowed
    sq_calendar_t *calendar;    //  owned
};

calls_t *calls_new(sq_db_t *db, sq_calendar_t **calendar_p)
{
    calls_t *self = (calls_t *) zmalloc(sizeof *self);
    self->db = db;
    self->calendar = *calendar_p;
    *calendar_p = NULL;
    return self;
}

void calls_destroy(calls_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_calendar_destroy(&(*self_p)->calendar);
    free(*self_p);
    *self_p = NULL;
}

//  The reply: the status and the record as PostgreSQL wrote it, passed on as text.
static zmsg_t *s_recorded(bool created, const char *record)
{
    zmsg_t *reply = zmsg_new();
    zmsg_addstr(reply, created ? "201" : "200");
    zmsg_addstr(reply, record);
    return reply;
}

zmsg_t *calls_answer(calls_t *self, zmsg_t *request)
{
    zframe_t *frame = zmsg_first(request);
    if (!frame || zmsg_size(request) != 1)
        return sq_reply_error("400", NULL, "the request must be one frame: a call record");
    sq_field_error_t error = {"", ""};
    json_t *record = sq_call_from_body((const char *) zframe_data(frame), zframe_size(frame),
                                       &error);
    if (!record || sq_call_mark_working_hours(record, self->calendar, &error)) {
        json_decref(record);
        sq_warn_limited("refused a call record: %s%s%s", error.field, *error.field ? ": " : "",
                        error.message);
        return sq_reply_error("400", error.field, error.message);
    }
    json_t *batch = json_pack("[o]", record);
    char *text = json_dumps(batch, JSON_COMPACT);
    json_decref(batch);
    const char *values[] = {text, CALLS_ACTOR};
    PGresult *result = sq_db_exec(self->db, "calls_record", 2, values);
    free(text);
    zmsg_t *reply;
    if (!result || PQntuples(result) != 1)
        reply = sq_reply_error("503", NULL, "the call could not be recorded; retry with the "
                                            "same call_id");
    else {
        bool created = PQgetvalue(result, 0, 0)[0] == 't';
        reply = s_recorded(created, PQgetvalue(result, 0, 1));
        sq_debug("%s call", created ? "recorded" : "repeat");
    }
    PQclear(result);
    return reply;
}
