/*  route: decide the lead and co-handlers of classified complaints (see route.h). */
#include "route.h"

#include <jansson.h>

#include "sq_calendar.h"
#include "sq_deadline.h"
#include "sq_log.h"
#include "sq_number.h"
#include "sq_reply.h"
#include "sq_state.h"

#define S_RETURNED_MAX 32

const sq_db_statement_t route_statements[] = {
    {"route_read",
     "SELECT id, state, channel, category, complaint_type, region, low_confidence, returned_by,"
     " urgency, received_epoch, setting, decision::text FROM complaint_to_route($1)"},
    //  A batch: claimed, then written in one statement (sql/028), in one transaction.
    {"route_claim",
     "SELECT id, number, channel, category, complaint_type, region, low_confidence, returned_by,"
     " urgency, received_epoch, setting, decision::text, has_deadlines"
     " FROM complaint_route_claim($1::int)"},
    {"route_batch", "SELECT id FROM complaint_route_batch($1::jsonb, $2, $3)"},
    //  One complaint routed again (it has deadlines to settle): the decision and the
    //  deadlines in one statement, so in one transaction.
    {"route_assign",
     "SELECT CASE WHEN complaint_assign($1::bigint, $2, $3::text[], $4, $5::jsonb)"
     " THEN ($6::jsonb IS NULL OR complaint_set_deadlines($1::bigint, $6::jsonb, $4, $7))"
     " ELSE false END"},
    SQ_DEADLINE_STATEMENTS,
    {NULL, NULL},
};

struct _route_t {
    sq_db_t *db;                 //  borrowed
    const sq_matrix_t *matrix;   //  borrowed
    const sq_sla_t *sla;         //  borrowed
    const sq_calendar_t *calendar;   //  borrowed
    int remind_percent;
    bool waiting;   //  complaints may wait: a hand-off came, or the last batch was full
};

route_t *route_new(sq_db_t *db, const sq_matrix_t *matrix, const sq_sla_t *sla,
                   const sq_calendar_t *calendar, int remind_percent)
{
    route_t *self = (route_t *) zmalloc(sizeof *self);
    self->db = db;
    self->matrix = matrix;
    self->sla = sla;
    self->calendar = calendar;
    self->remind_percent = remind_percent;
    return self;
}

void route_destroy(route_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

//  Split a PostgreSQL array literal of plain ids ("{a,b}") into ids[] pointing into text
//  (modified in place).  Returns how many.
static size_t s_split_array(char *text, char **ids, size_t max)
{
    size_t count = 0;
    char *inside = text[0] == '{' ? text + 1 : text;
    char *end = strchr(inside, '}');
    if (end)
        *end = 0;
    char *saveptr = NULL;
    for (char *id = strtok_r(inside, ",", &saveptr); id && count < max;
         id = strtok_r(NULL, ",", &saveptr))
        ids[count++] = id;
    return count;
}

//  The deadlines of the complaint in row 0 from the SLA policy in force when it was received,
//  as JSON {"policy", "basis", "sign_for", "first_response", "close"}; NULL when no policy
//  applies (received before any policy).  The caller owns the result.
static json_t *s_deadlines(route_t *self, PGresult *row, int r, sq_type_t type)
{
    sq_urgency_t urgency = SQ_URGENCY_NONE;
    if (!PQgetisnull(row, r, 8))
        sq_urgency_parse(PQgetvalue(row, r, 8), &urgency);
    int64_t received = strtoll(PQgetvalue(row, r, 9), NULL, 10);
    const sq_sla_policy_t *policy = NULL;
    int64_t due[3];
    if (sq_sla_find(self->sla, PQgetvalue(row, r, 2), type, urgency, received, &policy)
        || sq_sla_deadlines(policy, self->calendar, received, &due[0], &due[1], &due[2]))
        return NULL;
    json_t *deadlines = json_pack("{s:s, s:s, s:i}", "policy", sq_sla_policy_id(policy), "basis",
                                  sq_sla_policy_basis(policy), "remind_percent",
                                  self->remind_percent);
    const char *stages[] = {"sign_for", "first_response", "close"};
    for (int stage = 0; stage < 3; stage++) {
        char text[40];
        sq_calendar_format(due[stage], text, sizeof text);
        json_object_set_new(deadlines, stages[stage], json_string(text));
    }
    return deadlines;
}

//  A routing decision with what is written of it.
typedef struct {
    sq_route_decision_t decision;
    json_t *co;                               //  the co-handlers, as a JSON array
    char co_literal[SQ_ROUTE_CO_MAX * 72];    //  and as an array literal
    json_t *detail;                           //  {lead, co, rule, reason, excluded}
    json_t *deadlines;                        //  or NULL when no policy applies
    size_t returned_count;
} s_routing_t;

//  Decide the complaint in row r (columns as route_read and route_claim give them from
//  category on: 2 channel, 3 category ... 11 decision).
static void s_routing_decide(route_t *self, PGresult *row, int r, s_routing_t *routing)
{
    memset(routing, 0, sizeof *routing);
    sq_route_query_t query = {
        .category = PQgetisnull(row, r, 3) ? NULL : PQgetvalue(row, r, 3),
        .type = SQ_TYPE_NONE,
        .region = PQgetisnull(row, r, 5) ? NULL : PQgetvalue(row, r, 5),
        .channel = PQgetvalue(row, r, 2),
    };
    if (!PQgetisnull(row, r, 4))
        sq_type_parse(PQgetvalue(row, r, 4), &query.type);
    query.setting = PQgetisnull(row, r, 10) ? NULL : PQgetvalue(row, r, 10);
    //  The labels the classifier was unsure of: rules that ask for them are passed over.
    json_t *classified = PQgetisnull(row, r, 11) ? NULL : json_loads(PQgetvalue(row, r, 11), 0, NULL);
    size_t index;
    json_t *label;
    json_array_foreach(json_object_get(classified, "unsure"), index, label)
    {
        if (streq(json_string_value(label) ? json_string_value(label) : "", "type"))
            query.unsure |= SQ_ROUTE_UNSURE_TYPE;
        else if (streq(json_string_value(label) ? json_string_value(label) : "", "setting"))
            query.unsure |= SQ_ROUTE_UNSURE_SETTING;
    }
    json_decref(classified);
    bool unsure = PQgetvalue(row, r, 6)[0] == 't';
    char *returned_text = strdup(PQgetvalue(row, r, 7));
    char *returned[S_RETURNED_MAX];
    size_t returned_count = routing->returned_count =
        s_split_array(returned_text, returned, S_RETURNED_MAX);

    sq_route_decision_t *decision = &routing->decision;
    if (unsure)
        snprintf(decision->reason, sizeof decision->reason,
                 "the classifier is unsure of the category: the dispatch desk decides");
    else
        sq_matrix_route(self->matrix, &query, (const char *const *) returned, returned_count,
                        decision);
    json_t *co = routing->co = json_array();
    char *co_literal = routing->co_literal;
    strcpy(co_literal, "{");
    for (size_t i = 0; i < decision->co_count; i++) {
        json_array_append_new(co, json_string(decision->co[i]));
        strcat(co_literal, i ? "," : "");
        strncat(co_literal, decision->co[i], 64);
    }
    strcat(co_literal, "}");
    json_t *detail = routing->detail = json_pack("{s:s?, s:O, s:s?, s:s}", "lead", decision->lead,
                                                 "co", co, "rule", decision->rule, "reason",
                                                 decision->reason);
    if (returned_count) {
        json_t *excluded = json_array();
        for (size_t i = 0; i < returned_count; i++)
            json_array_append_new(excluded, json_string(returned[i]));
        json_object_set_new(detail, "excluded", excluded);
    }
    free(returned_text);
    routing->deadlines = s_deadlines(self, row, r, query.type);
}

static void s_routing_free(s_routing_t *routing)
{
    json_decref(routing->co);
    json_decref(routing->detail);
    json_decref(routing->deadlines);
}

static void s_routing_log(const char *outcome, const char *number, const s_routing_t *routing)
{
    const sq_route_decision_t *decision = &routing->decision;
    sq_info("%s complaint=%s lead=%s rule=%s: %s", outcome, number,
            decision->lead ? decision->lead : "-", decision->rule ? decision->rule : "-",
            decision->reason);
}

//  Route again the complaint in row 0 of result (one that has deadlines: they are set again
//  and settled at once); returns the reply.
static int s_route(route_t *self, const char *number, PGresult *row)
{
    const char *id = PQgetvalue(row, 0, 0);
    const char *state = PQgetvalue(row, 0, 1);
    if (!streq(state, sq_state_name(SQ_STATE_CLASSIFIED)))
        return 0;   //  routed meanwhile
    s_routing_t routing;
    s_routing_decide(self, row, 0, &routing);
    sq_route_decision_t decision = routing.decision;
    size_t returned_count = routing.returned_count;
    char *detail_text = json_dumps(routing.detail, JSON_COMPACT);
    json_t *deadlines = routing.deadlines;
    char *deadlines_text = deadlines ? json_dumps(deadlines, JSON_COMPACT) : NULL;
    const char *values[] = {id, decision.lead, routing.co_literal, ROUTE_SERVICE, detail_text,
                            deadlines_text,
                            returned_count ? "set again after a return" : "set when routed"};
    //  The deadlines just set from receipt are settled at once, in the same transaction: on
    //  re-routing, an approved extension, a pause, a restarted sign-for or a stage already
    //  met keeps counting (on a first routing nothing moves).
    PGresult *result = NULL;
    char error[256] = "";
    bool committed =
        sq_db_command(self->db, "BEGIN") == 0
        && (result = sq_db_exec(self->db, "route_assign", 7, values))
        && (!deadlines || PQgetvalue(result, 0, 0)[0] != 't'
            || sq_deadline_settle(self->db, self->sla, self->calendar, number, ROUTE_SERVICE,
                                  "kept through re-routing", error, sizeof error) >= 0)
        && sq_db_command(self->db, "COMMIT") == 0;
    if (!committed) {
        if (*error)
            sq_error("route %s: %s", number, error);
        sq_db_command(self->db, "ROLLBACK");
        PQclear(result);
        result = NULL;
    }
    free(detail_text);
    free(deadlines_text);
    int rc = -1;
    if (result) {
        bool assigned = PQgetvalue(result, 0, 0)[0] == 't';
        s_routing_log(!assigned ? "skipped" : decision.lead ? "dispatched" : "triage", number,
                      &routing);
        rc = 0;
    }
    PQclear(result);
    s_routing_free(&routing);
    return rc;
}

//  Route again, one at a time, the complaints of a claim that have deadlines (returned or
//  corrected): their deadlines are settled with what happened to them.
static void s_route_again(route_t *self, PGresult *claimed)
{
    for (int r = 0; r < PQntuples(claimed); r++) {
        if (PQgetvalue(claimed, r, 12)[0] != 't')
            continue;
        const char *values[] = {PQgetvalue(claimed, r, 1)};
        PGresult *row = sq_db_exec(self->db, "route_read", 1, values);
        if (row && PQntuples(row) == 1)
            s_route(self, values[0], row);
        PQclear(row);
    }
}

//  Write the first routing of the batch's complaints without deadlines (one statement).
//  Returns how many were assigned, or -1.
static int s_batch_write(route_t *self, PGresult *claimed, s_routing_t *routings, int count,
                         bool *assigned)
{
    json_t *assignments = json_array();
    for (int r = 0; r < count; r++) {
        if (PQgetvalue(claimed, r, 12)[0] == 't')
            continue;
        json_t *assignment = json_pack("{s:s, s:s?, s:O, s:O}", "id", PQgetvalue(claimed, r, 0),
                                       "lead", routings[r].decision.lead, "co", routings[r].co,
                                       "detail", routings[r].detail);
        if (routings[r].deadlines)
            json_object_set(assignment, "deadlines", routings[r].deadlines);
        json_array_append_new(assignments, assignment);
    }
    int rc = 0;
    if (json_array_size(assignments)) {
        char *text = json_dumps(assignments, JSON_COMPACT);
        const char *values[] = {text, ROUTE_SERVICE, "set when routed"};
        PGresult *result = sq_db_exec(self->db, "route_batch", 3, values);
        free(text);
        rc = result ? PQntuples(result) : -1;
        for (int i = 0; result && i < PQntuples(result); i++)
            for (int r = 0; r < count; r++)
                if (streq(PQgetvalue(result, i, 0), PQgetvalue(claimed, r, 0)))
                    assigned[r] = true;
        PQclear(result);
    }
    json_decref(assignments);
    return rc;
}

int route_run(route_t *self, int limit)
{
    char limit_text[16];
    snprintf(limit_text, sizeof limit_text, "%d", limit < 1 ? 1 : limit);
    const char *values[] = {limit_text};
    PGresult *claimed = NULL;
    s_routing_t *routings = NULL;
    bool *assigned = NULL;
    int count = 0, rc = -1;
    if (sq_db_command(self->db, "BEGIN")
        || !(claimed = sq_db_exec(self->db, "route_claim", 1, values)))
        goto done;
    count = PQntuples(claimed);
    routings = (s_routing_t *) zmalloc(sizeof *routings * (size_t) (count ? count : 1));
    assigned = (bool *) zmalloc(sizeof *assigned * (size_t) (count ? count : 1));
    for (int r = 0; r < count; r++)
        if (PQgetvalue(claimed, r, 12)[0] != 't')
            s_routing_decide(self, claimed, r, &routings[r]);
    if (s_batch_write(self, claimed, routings, count, assigned) < 0
        || sq_db_command(self->db, "COMMIT"))
        goto done;
    rc = count;
done:
    if (rc <= 0)
        sq_db_command(self->db, "ROLLBACK");   //  the claim is let go: the next one takes it again
    if (rc < 0)
        sq_warn_limited("route: a batch of %d could not be committed; it is taken again", count);
    for (int r = 0; r < count; r++) {
        if (rc > 0 && assigned[r])
            s_routing_log(routings[r].decision.lead ? "dispatched" : "triage",
                          PQgetvalue(claimed, r, 1), &routings[r]);
        s_routing_free(&routings[r]);
    }
    if (rc > 0)
        s_route_again(self, claimed);
    free(routings);
    free(assigned);
    PQclear(claimed);
    self->waiting = rc < 0 || rc >= (limit < 1 ? 1 : limit);
    return rc;
}

bool route_waiting(route_t *self)
{
    return self->waiting;
}

zmsg_t *route_answer(route_t *self, zmsg_t *request)
{
    if (zmsg_size(request) != 2)
        return sq_reply_error("400", NULL, "expected: VERB NUMBER");
    char *verb = zmsg_popstr(request);
    char *number = zmsg_popstr(request);
    zmsg_t *reply;
    if (!sq_number_valid(number))
        reply = sq_reply_error("400", NULL, "not a work-order number");
    else {
        self->waiting = true;
        reply = sq_reply_new("200", json_pack("{s:s, s:s}", "number", number, "outcome", "queued"));
    }
    free(verb);
    free(number);
    return reply;
}
