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
    //  The decision and the deadlines in one statement, so in one transaction.
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
static json_t *s_deadlines(route_t *self, PGresult *row, sq_type_t type)
{
    sq_urgency_t urgency = SQ_URGENCY_NONE;
    if (!PQgetisnull(row, 0, 8))
        sq_urgency_parse(PQgetvalue(row, 0, 8), &urgency);
    int64_t received = strtoll(PQgetvalue(row, 0, 9), NULL, 10);
    const sq_sla_policy_t *policy = NULL;
    int64_t due[3];
    if (sq_sla_find(self->sla, PQgetvalue(row, 0, 2), type, urgency, received, &policy)
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

//  Route the complaint in row 0 of result; returns the reply.
static zmsg_t *s_route(route_t *self, const char *number, PGresult *row)
{
    const char *id = PQgetvalue(row, 0, 0);
    const char *state = PQgetvalue(row, 0, 1);
    if (!streq(state, sq_state_name(SQ_STATE_CLASSIFIED)))
        return sq_reply_new("200", json_pack("{s:s, s:s, s:s}", "number", number, "outcome", "skipped",
                                        "reason", "not in state classified"));
    sq_route_query_t query = {
        .category = PQgetisnull(row, 0, 3) ? NULL : PQgetvalue(row, 0, 3),
        .type = SQ_TYPE_NONE,
        .region = PQgetisnull(row, 0, 5) ? NULL : PQgetvalue(row, 0, 5),
        .channel = PQgetvalue(row, 0, 2),
    };
    if (!PQgetisnull(row, 0, 4))
        sq_type_parse(PQgetvalue(row, 0, 4), &query.type);
    query.setting = PQgetisnull(row, 0, 10) ? NULL : PQgetvalue(row, 0, 10);
    //  The labels the classifier was unsure of: rules that ask for them are passed over.
    json_t *classified = PQgetisnull(row, 0, 11) ? NULL : json_loads(PQgetvalue(row, 0, 11), 0, NULL);
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
    bool unsure = PQgetvalue(row, 0, 6)[0] == 't';
    char *returned_text = strdup(PQgetvalue(row, 0, 7));
    char *returned[S_RETURNED_MAX];
    size_t returned_count = s_split_array(returned_text, returned, S_RETURNED_MAX);

    sq_route_decision_t decision;
    if (unsure) {
        memset(&decision, 0, sizeof decision);
        snprintf(decision.reason, sizeof decision.reason,
                 "the classifier is unsure of the category: the dispatch desk decides");
    }
    else
        sq_matrix_route(self->matrix, &query, (const char *const *) returned, returned_count,
                        &decision);
    json_t *co = json_array();
    char co_literal[SQ_ROUTE_CO_MAX * 72] = "{";
    for (size_t i = 0; i < decision.co_count; i++) {
        json_array_append_new(co, json_string(decision.co[i]));
        strcat(co_literal, i ? "," : "");
        strncat(co_literal, decision.co[i], 64);
    }
    strcat(co_literal, "}");
    json_t *detail = json_pack("{s:s?, s:O, s:s?, s:s}", "lead", decision.lead, "co", co, "rule",
                               decision.rule, "reason", decision.reason);
    if (returned_count) {
        json_t *excluded = json_array();
        for (size_t i = 0; i < returned_count; i++)
            json_array_append_new(excluded, json_string(returned[i]));
        json_object_set_new(detail, "excluded", excluded);
    }
    free(returned_text);
    char *detail_text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    json_t *deadlines = s_deadlines(self, row, query.type);
    char *deadlines_text = deadlines ? json_dumps(deadlines, JSON_COMPACT) : NULL;
    const char *values[] = {id, decision.lead, co_literal, ROUTE_SERVICE, detail_text,
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
    if (!result) {
        json_decref(co);
        json_decref(deadlines);
        return sq_reply_error("503", NULL, "the decision could not be committed; retry");
    }
    bool assigned = PQgetvalue(result, 0, 0)[0] == 't';
    PQclear(result);
    const char *outcome = !assigned ? "skipped" : decision.lead ? "dispatched" : "triage";
    sq_info("%s complaint=%s lead=%s rule=%s: %s", outcome, number,
            decision.lead ? decision.lead : "-", decision.rule ? decision.rule : "-",
            decision.reason);
    json_t *answer = json_pack("{s:s, s:s, s:s?, s:o, s:s?, s:s}", "number", number, "outcome",
                               outcome, "lead", decision.lead, "co", co, "rule", decision.rule,
                               "reason", decision.reason);
    if (deadlines)
        json_object_set_new(answer, "deadlines", deadlines);
    return sq_reply_new("200", answer);
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
        const char *values[] = {number};
        PGresult *row = sq_db_exec(self->db, "route_read", 1, values);
        if (!row)
            reply = sq_reply_error("503", NULL, "the database cannot be reached; retry");
        else if (PQntuples(row) != 1)
            reply = sq_reply_error("404", NULL, "no such work order");
        else
            reply = s_route(self, number, row);
        PQclear(row);
    }
    free(verb);
    free(number);
    return reply;
}
