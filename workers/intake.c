/*  intake: validate envelopes and commit them in groups (see intake.h). */
#include "intake.h"

#include "sq_log.h"
#include "sq_reply.h"
#include "sq_state.h"

const sq_db_statement_t intake_statements[] = {
    {"intake_batch", "SELECT idx, number, created FROM intake_batch($1::jsonb, $2)"},
    {NULL, NULL},
};

//  One request held for the next commit.
typedef struct {
    sq_mdp_worker_t *session;   //  borrowed
    uint64_t ticket;            //  the request's ticket in that session
    json_t *envelope;
    bool answered;
} s_held_t;

struct _intake_t {
    sq_db_t *db;              //  borrowed
    sq_handoff_t *handoff;    //  borrowed, may be NULL
    sq_limits_t limits;
    int batch_max;
    s_held_t *held;
    size_t held_count;
};

intake_t *intake_new(sq_db_t *db, const sq_limits_t *limits, int batch_max,
                     sq_handoff_t *handoff)
{
    intake_t *self = (intake_t *) zmalloc(sizeof *self);
    self->db = db;
    self->handoff = handoff;
    self->limits = *limits;
    self->batch_max = batch_max < 1 ? 1 : batch_max;
    self->held = (s_held_t *) zmalloc(sizeof(s_held_t) * (size_t) self->batch_max);
    return self;
}

static void s_release(intake_t *self)
{
    for (size_t i = 0; i < self->held_count; i++)
        json_decref(self->held[i].envelope);
    self->held_count = 0;
}

void intake_destroy(intake_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_t *self = *self_p;
    s_release(self);
    free(self->held);
    free(self);
    *self_p = NULL;
}

//  Answer with a status and a JSON object (consumed).
static void s_answer(sq_mdp_worker_t *session, uint64_t ticket, const char *status,
                     json_t *object)
{
    zmsg_t *body = sq_reply_new(status, object);
    sq_mdp_worker_reply(session, ticket, &body);
}

static void s_answer_error(sq_mdp_worker_t *session, uint64_t ticket, const char *status,
                           const char *field, const char *message)
{
    zmsg_t *body = sq_reply_error(status, field, message);
    sq_mdp_worker_reply(session, ticket, &body);
}

void intake_take(intake_t *self, sq_mdp_worker_t *session, uint64_t ticket, zmsg_t **body)
{
    assert(!intake_full(self));
    zframe_t *frame = zmsg_first(*body);
    json_t *envelope = NULL;
    sq_field_error_t error = {"", ""};
    if (!frame || zmsg_size(*body) != 1)
        snprintf(error.message, sizeof error.message, "the request must be one frame");
    else {
        json_error_t parse_error;
        envelope = json_loadb((const char *) zframe_data(frame), zframe_size(frame),
                              JSON_REJECT_DUPLICATES, &parse_error);
        if (!envelope)
            snprintf(error.message, sizeof error.message, "not valid JSON: %s", parse_error.text);
        else if (sq_envelope_check(envelope, &self->limits, &error)) {
            json_decref(envelope);
            envelope = NULL;
        }
    }
    zmsg_destroy(body);
    if (!envelope) {
        sq_warn_limited("refused an envelope: %s%s%s", error.field, *error.field ? ": " : "", error.message);
        s_answer_error(session, ticket, "400", error.field, error.message);
        return;
    }
    s_held_t *held = &self->held[self->held_count++];
    held->session = session;
    held->ticket = ticket;
    held->envelope = envelope;
    held->answered = false;
}

size_t intake_pending(intake_t *self)
{
    return self->held_count;
}

bool intake_full(intake_t *self)
{
    return self->held_count >= (size_t) self->batch_max;
}

//  Commit held[first .. first+count) in one statement and answer them.  Returns the
//  number committed, or -1 when the statement failed (nothing answered).
static int s_commit(intake_t *self, size_t first, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append(array, self->held[first + i].envelope);
    char *text = json_dumps(array, JSON_COMPACT);
    json_decref(array);
    const char *values[] = {text, INTAKE_SERVICE};
    PGresult *result = sq_db_exec(self->db, "intake_batch", 2, values);
    free(text);
    if (!result)
        return -1;
    int rows = PQntuples(result), created_count = 0;
    const char *first_created = NULL;
    for (int row = 0; row < rows; row++) {
        size_t index = (size_t) atoi(PQgetvalue(result, row, 0));
        if (index >= count)
            continue;
        s_held_t *held = &self->held[first + index];
        const char *number = PQgetvalue(result, row, 1);
        bool created = PQgetvalue(result, row, 2)[0] == 't';
        const char *channel = json_string_value(json_object_get(held->envelope, "channel"));
        const char *external_id = json_string_value(json_object_get(held->envelope, "external_id"));
        sq_debug("%s complaint=%s channel=%s external_id=%s", created ? "committed" : "repeat",
                 number, channel, external_id);
        created_count += created;
        s_answer(held->session, held->ticket, created ? "201" : "200",
                 json_pack("{s:s, s:s, s:s}", "number", number, "channel", channel,
                           "external_id", external_id));
        held->answered = true;
        if (created && !first_created)
            first_created = number;
    }
    //  Classification claims what waits for it: one hand-off wakes it for the whole batch.
    if (first_created && self->handoff)
        sq_handoff_send(self->handoff, sq_state_next_service(SQ_STATE_RECEIVED), "new",
                        first_created);
    PQclear(result);
    sq_info("committed %d complaints in one transaction (%d new, %d repeats)", rows,
            created_count, rows - created_count);
    return rows;
}

int intake_flush(intake_t *self)
{
    if (self->held_count == 0)
        return 0;
    int committed = s_commit(self, 0, self->held_count);
    if (committed < 0 && self->held_count > 1) {
        sq_warn_limited("a batch of %zu failed; committing them one by one", self->held_count);
        committed = 0;
        for (size_t i = 0; i < self->held_count; i++) {
            int one = s_commit(self, i, 1);
            if (one > 0)
                committed += one;
        }
    }
    for (size_t i = 0; i < self->held_count; i++) {
        s_held_t *held = &self->held[i];
        if (!held->answered)
            s_answer_error(held->session, held->ticket, "503", NULL,
                           "the hub could not commit this complaint; retry with the same key");
    }
    s_release(self);
    return committed > 0 ? committed : (committed == 0 ? 0 : -1);
}
