/*  classify: decide category, type, urgency and region of new complaints (see classify.h). */
#include "classify.h"

#include <inttypes.h>
#include <jansson.h>

#include "sq_log.h"
#include "sq_number.h"
#include "sq_reply.h"
#include "sq_simhash.h"
#include "sq_state.h"

#define S_TOP 5   //  model scores kept in the explanation

const char *const classify_target_names[CLASSIFY_TARGETS] = {"category", "type", "urgency"};

const sq_db_statement_t classify_statements[] = {
    {"classify_read",
     "SELECT id, state, channel, title, content, region_text, address, phone"
     " FROM complaint_for_classify($1)"},
    {"classify_write",
     "SELECT outcome, master_number, distance FROM complaint_classify($1::bigint, $2, $3, $4, $5,"
     " $6::bigint, make_interval(hours => $7::int), $8::int, $9, $10::jsonb)"},
    {"classify_respondent", "SELECT address FROM complaint_respondent WHERE complaint_id = $1::bigint"},
    {NULL, NULL},
};

struct _classify_t {
    classify_setup_t setup;
};

//  One decision: the label in the form the database keeps, and why.
typedef struct {
    const char *value;   //  category id, type name (complaint ...), urgency name; NULL: unknown
    double confidence;
    json_t *why;         //  {"by": "rule"|"model", "rule", "confidence", "scores", "vetoed"}
} s_decision_t;

classify_t *classify_new(const classify_setup_t *setup)
{
    classify_t *self = (classify_t *) zmalloc(sizeof *self);
    self->setup = *setup;
    return self;
}

void classify_destroy(classify_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

//  A label as the database keeps it, or NULL when it is not a known one for target.
static const char *s_value_of(classify_t *self, classify_target_t target, const char *label)
{
    if (target == CLASSIFY_CATEGORY) {
        const sq_category_t *category = sq_catalog_category(self->setup.catalog, label);
        return category ? category->id : NULL;
    }
    if (target == CLASSIFY_TYPE) {
        sq_type_t type;
        return sq_type_parse(label, &type) == 0 ? sq_type_name(type) : NULL;
    }
    sq_urgency_t urgency;
    return sq_urgency_parse(label, &urgency) == 0 ? sq_urgency_name(urgency) : NULL;
}

//  Decide one target: a forcing rule wins; else the model's best label that no rule vetoes.
static s_decision_t s_decide(classify_t *self, classify_target_t target, const char *title,
                             const char *content)
{
    s_decision_t decision = {NULL, 0, json_object()};
    sq_rules_verdict_t verdict;
    sq_rules_apply(self->setup.rules, (sq_rules_target_t) target, title, content, &verdict);
    if (verdict.forced.label
        && (decision.value = s_value_of(self, target, verdict.forced.label))) {
        decision.confidence = 1;
        json_object_set_new(decision.why, "by", json_string("rule"));
        json_object_set_new(decision.why, "rule", json_string(verdict.forced.rule));
        return decision;
    }
    const sq_textclass_t *model = self->setup.models[target];
    if (!model)
        return decision;
    sq_textclass_score_t top[S_TOP];
    int count = sq_textclass_predict(model, title, content, top, S_TOP);
    json_t *scores = json_array(), *vetoed = json_array();
    for (int i = 0; i < count; i++) {
        json_array_append_new(scores, json_pack("[s, f]", top[i].label,
                                                ((int) (top[i].probability * 1000)) / 1000.0));
        const char *veto_rule = sq_rules_vetoed(&verdict, top[i].label);
        if (veto_rule) {
            json_array_append_new(vetoed, json_pack("{s:s, s:s}", "label", top[i].label, "rule",
                                                    veto_rule));
            continue;
        }
        if (!decision.value && (decision.value = s_value_of(self, target, top[i].label)))
            decision.confidence = top[i].probability;
    }
    json_object_set_new(decision.why, "by", json_string("model"));
    json_object_set_new(decision.why, "confidence",
                        json_real(((int) (decision.confidence * 1000)) / 1000.0));
    json_object_set_new(decision.why, "scores", scores);
    if (json_array_size(vetoed))
        json_object_set_new(decision.why, "vetoed", vetoed);
    else
        json_decref(vetoed);
    return decision;
}

//  Where the complaint is: the gazetteer's answer, except that a 12315 complaint goes to the
//  market-regulation office where the business is (市场监督管理投诉举报处理暂行办法, 2019), so
//  the respondent's address, when it names a region, comes before all the caller said.
//  Returns the field the region came from ("respondent_address", "address", ...), or NULL
//  when the respondent could not be read.
static const char *s_locate(classify_t *self, const char *id, const char *channel,
                            const char *region_text, const char *address, const char *title,
                            const char *content, sq_gazetteer_match_t *place)
{
    if (streq(channel, "hotline12315")) {
        const char *values[] = {id};
        PGresult *result = sq_db_exec(self->setup.db, "classify_respondent", 1, values);
        if (!result)
            return NULL;
        const char *matched = NULL;
        const sq_region_t *region = PQntuples(result) == 1 && !PQgetisnull(result, 0, 0)
                                        ? sq_gazetteer_find(self->setup.gazetteer,
                                                            PQgetvalue(result, 0, 0), &matched)
                                        : NULL;
        PQclear(result);
        if (region) {
            *place = (sq_gazetteer_match_t){region, SQ_GAZETTEER_ADDRESS, matched};
            return "respondent_address";
        }
    }
    sq_gazetteer_locate(self->setup.gazetteer, region_text, address, title, content, place);
    return sq_gazetteer_source_name(place->source);
}

//  Classify the complaint in row 0; returns the reply.
static zmsg_t *s_classify(classify_t *self, const char *number, PGresult *row)
{
    const char *id = PQgetvalue(row, 0, 0);
    const char *state = PQgetvalue(row, 0, 1);
    if (!streq(state, sq_state_name(SQ_STATE_RECEIVED))) {
        //  Done before: make sure routing has it, in case that hand-off was lost.
        if (streq(state, sq_state_name(SQ_STATE_CLASSIFIED)) && self->setup.handoff)
            sq_handoff_send(self->setup.handoff, sq_state_next_service(SQ_STATE_CLASSIFIED),
                            "new", number);
        return sq_reply_new("200", json_pack("{s:s, s:s, s:s}", "number", number, "outcome", "skipped",
                                        "reason", "not in state received"));
    }
    const char *title = PQgetvalue(row, 0, 3), *content = PQgetvalue(row, 0, 4);
    const char *region_text = PQgetisnull(row, 0, 5) ? NULL : PQgetvalue(row, 0, 5);
    const char *address = PQgetisnull(row, 0, 6) ? NULL : PQgetvalue(row, 0, 6);
    char *text = zsys_sprintf("%s\n%s", title, content);

    json_t *detail = json_object();
    s_decision_t decisions[CLASSIFY_TARGETS];
    for (int target = 0; target < CLASSIFY_TARGETS; target++) {
        decisions[target] = s_decide(self, (classify_target_t) target, title, content);
        json_object_set_new(decisions[target].why, "value",
                            decisions[target].value ? json_string(decisions[target].value)
                                                    : json_null());
        json_object_set_new(detail, classify_target_names[target], decisions[target].why);
    }
    const s_decision_t *category = &decisions[CLASSIFY_CATEGORY];
    bool unsure = !category->value
                  || category->confidence * 100 < self->setup.min_confidence_percent;
    json_object_set_new(detail, "low_confidence", json_boolean(unsure));

    sq_gazetteer_match_t place;
    const char *from = s_locate(self, id, PQgetvalue(row, 0, 2), region_text, address, title,
                                content, &place);
    if (!from) {
        zstr_free(&text);
        json_decref(detail);   //  and the decisions' reasons it holds
        return sq_reply_error("503", NULL, "the database cannot be reached; retry");
    }
    const char *region = place.region ? place.region->id : NULL;
    json_object_set_new(detail, "region",
                        json_pack("{s:s?, s:s, s:s?}", "id", region, "from", from, "matched",
                                  place.matched));

    const sq_textclass_options_t *options =
        self->setup.models[CLASSIFY_CATEGORY]
            ? sq_textclass_options(self->setup.models[CLASSIFY_CATEGORY]) : NULL;
    sq_textclass_options_t defaults;
    if (!options) {
        sq_textclass_options_defaults(&defaults);
        options = &defaults;
    }
    char *normal = sq_textclass_normalize(options, text);
    int64_t simhash = (int64_t) sq_simhash(normal ? normal : text, self->setup.duplicate_shingle);
    free(normal);
    zstr_free(&text);

    char simhash_text[24], window[16], distance[16];
    snprintf(simhash_text, sizeof simhash_text, "%" PRId64, simhash);
    snprintf(window, sizeof window, "%d", self->setup.duplicate_window_hours);
    snprintf(distance, sizeof distance, "%d", self->setup.duplicate_max_distance);
    char *detail_text = json_dumps(detail, JSON_COMPACT | JSON_REAL_PRECISION(6));
    const char *values[] = {id, category->value, decisions[CLASSIFY_TYPE].value,
                            decisions[CLASSIFY_URGENCY].value, region, simhash_text, window,
                            distance, CLASSIFY_SERVICE, detail_text};
    PGresult *result = sq_db_exec(self->setup.db, "classify_write", 10, values);
    free(detail_text);
    if (!result) {
        json_decref(detail);
        return sq_reply_error("503", NULL, "the classification could not be committed; retry");
    }
    const char *outcome = PQgetvalue(result, 0, 0);
    json_t *answer = json_pack("{s:s, s:s, s:O}", "number", number, "outcome", outcome,
                               "decision", detail);
    if (streq(outcome, "merged")) {
        json_object_set_new(answer, "master", json_string(PQgetvalue(result, 0, 1)));
        sq_info("merged complaint=%s into %s (SimHash distance %s)", number,
                PQgetvalue(result, 0, 1), PQgetvalue(result, 0, 2));
    }
    else if (streq(outcome, "classified")) {
        sq_info("classified complaint=%s category=%s type=%s urgency=%s region=%s%s", number,
                category->value ? category->value : "-",
                decisions[CLASSIFY_TYPE].value ? decisions[CLASSIFY_TYPE].value : "-",
                decisions[CLASSIFY_URGENCY].value ? decisions[CLASSIFY_URGENCY].value : "-",
                region ? region : "-", unsure ? " (unsure)" : "");
        if (self->setup.handoff)
            sq_handoff_send(self->setup.handoff, sq_state_next_service(SQ_STATE_CLASSIFIED),
                            "new", number);
    }
    PQclear(result);
    json_decref(detail);
    return sq_reply_new("200", answer);
}

zmsg_t *classify_answer(classify_t *self, zmsg_t *request)
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
        PGresult *row = sq_db_exec(self->setup.db, "classify_read", 1, values);
        if (!row)
            reply = sq_reply_error("503", NULL, "the database cannot be reached; retry");
        else if (PQntuples(row) != 1)
            reply = sq_reply_error("404", NULL, "no such work order");
        else
            reply = s_classify(self, number, row);
        PQclear(row);
    }
    free(verb);
    free(number);
    return reply;
}
