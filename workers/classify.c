/*  classify: decide category, type, urgency, setting and region of new complaints, and
    whether they repeat an earlier report (see classify.h). */
#include "classify.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>

#include "sq_hanzi.h"
#include "sq_log.h"
#include "sq_number.h"
#include "sq_repeat.h"
#include "sq_reply.h"
#include "sq_simhash.h"
#include "sq_state.h"

#define S_TOP 5                  //  scores kept in the explanation
#define S_MODEL_DOUBT 0.05       //  a model is never more sure than 1 - this, against the cues
#define S_SHARE_TAIL 0.1         //  categories less likely than this times the likeliest add
                                 //  nothing to a lead's share
#define S_CANDIDATES_MAX "200"   //  earlier complaints compared for a repeat report

const char *const classify_target_names[CLASSIFY_TARGETS] = {"category", "type", "urgency"};

const sq_db_statement_t classify_statements[] = {
    {"classify_read",
     "SELECT id, state, channel, title, content, region_text, address, phone, operator::text"
     " FROM complaint_to_classify($1)"},
    {"classify_candidates",
     "SELECT id, number, region, phone, category, setting, simhash, terms::text"
     " FROM complaint_repeat_candidates($1::bigint, $2, $3, $4, make_interval(hours => $5::int),"
     " $6::int)"},
    {"classify_write",
     "SELECT outcome, master_number FROM complaint_classify_decided($1::bigint, $2, $3, $4, $5,"
     " $6, $7::bigint, $8::int[], $9::bigint, $10, $11::real, $12, $13::jsonb)"},
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
    json_t *why;         //  {"by", "rule", "confidence", "scores", "cues", "vetoed", ...}
    //  category only: every label with its combined probability, for the lead's share
    sq_textclass_score_t *all;
    size_t all_count;
} s_decision_t;

//  What the classifier needs of the complaint's row, and its text read as simplified.
typedef struct {
    const char *id, *channel, *region_text, *address, *phone;
    char *title, *content;   //  simplified copies (sq_hanzi), owned
    json_t *operator;        //  the operator's labels, or NULL
    size_t traditional;      //  characters read as simplified
} s_complaint_t;

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

static double s_round3(double value)
{
    return round(value * 1000) / 1000;
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

static int s_by_probability(const void *a, const void *b)
{
    double left = ((const sq_textclass_score_t *) a)->probability;
    double right = ((const sq_textclass_score_t *) b)->probability;
    return left > right ? -1 : left < right;
}

//  Decide one target: a forcing rule wins; else the model's probabilities weighed with the
//  cues (each label's log-probability plus the weights of its cues, vetoed labels left out,
//  back to probabilities by a softmax), the best label that no rule vetoes.
static s_decision_t s_decide(classify_t *self, classify_target_t target, const char *title,
                             const char *content)
{
    s_decision_t decision = {NULL, 0, json_object(), NULL, 0};
    sq_rules_verdict_t verdict;
    sq_rules_apply(self->setup.rules, (sq_rules_target_t) target, title, content, &verdict);
    if (verdict.forced.label
        && (decision.value = s_value_of(self, target, verdict.forced.label))) {
        decision.confidence = 1;
        json_object_set_new(decision.why, "by", json_string("rule"));
        json_object_set_new(decision.why, "rule", json_string(verdict.forced.rule));
        if (target == CLASSIFY_CATEGORY) {
            decision.all = (sq_textclass_score_t *) zmalloc(sizeof *decision.all);
            decision.all[0] = (sq_textclass_score_t){0, verdict.forced.label, 1};
            decision.all_count = 1;
        }
        return decision;
    }
    const sq_textclass_t *model = self->setup.models[target];
    if (!model)
        return decision;
    size_t labels = sq_textclass_label_count(model);
    sq_textclass_score_t *scores = (sq_textclass_score_t *) zmalloc(labels * sizeof *scores);
    int count = sq_textclass_predict(model, title, content, scores, labels);
    json_t *vetoed = json_array(), *cues = json_array();
    double best = -INFINITY;
    size_t kept = 0;
    //  Each other label keeps at least its share of S_MODEL_DOUBT, so that a model trained on
    //  a few hundred examples, however sure, can be overturned by what the procedure says.
    double floor = labels > 1 ? S_MODEL_DOUBT / (double) (labels - 1) : 0;
    for (int i = 0; i < count; i++) {
        const char *veto_rule = sq_rules_vetoed(&verdict, scores[i].label);
        if (veto_rule) {
            json_array_append_new(vetoed, json_pack("{s:s, s:s}", "label", scores[i].label,
                                                    "rule", veto_rule));
            continue;
        }
        double logit = log(scores[i].probability > floor ? scores[i].probability : floor)
                       + sq_rules_evidence(&verdict, scores[i].label);
        scores[kept] = scores[i];
        scores[kept++].probability = logit;   //  a log-odds for now
        if (logit > best)
            best = logit;
    }
    double sum = 0;
    for (size_t i = 0; i < kept; i++)
        sum += (scores[i].probability = exp(scores[i].probability - best));
    for (size_t i = 0; i < kept; i++)
        scores[i].probability /= sum;
    qsort(scores, kept, sizeof *scores, s_by_probability);
    for (size_t i = 0; i < verdict.cue_count; i++)
        json_array_append_new(cues, json_pack("[s, s, f]", verdict.cues[i].rule,
                                              verdict.cues[i].label, verdict.cues[i].weight));
    json_t *top = json_array();
    for (size_t i = 0; i < kept; i++) {
        if (i < S_TOP)
            json_array_append_new(top, json_pack("[s, f]", scores[i].label,
                                                 s_round3(scores[i].probability)));
        if (!decision.value && (decision.value = s_value_of(self, target, scores[i].label)))
            decision.confidence = scores[i].probability;
    }
    json_object_set_new(decision.why, "by",
                        json_string(json_array_size(cues) ? "model and cues" : "model"));
    json_object_set_new(decision.why, "confidence", json_real(s_round3(decision.confidence)));
    json_object_set_new(decision.why, "scores", top);
    json_object_set_new(decision.why, "cues", cues);
    json_object_set_new(decision.why, "vetoed", vetoed);
    if (!json_array_size(cues))
        json_object_del(decision.why, "cues");
    if (!json_array_size(vetoed))
        json_object_del(decision.why, "vetoed");
    if (target == CLASSIFY_CATEGORY) {
        decision.all = scores;
        decision.all_count = kept;
    }
    else
        free(scores);
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
        //  read as simplified, as the rest of the text is
        char *respondent = PQntuples(result) == 1 && !PQgetisnull(result, 0, 0)
                               ? sq_hanzi_simplify(PQgetvalue(result, 0, 0)) : NULL;
        const sq_region_t *region =
            respondent ? sq_gazetteer_find(self->setup.gazetteer, respondent, &matched) : NULL;
        free(respondent);
        PQclear(result);
        if (region) {
            *place = (sq_gazetteer_match_t){region, SQ_GAZETTEER_ADDRESS, matched};
            return "respondent_address";
        }
    }
    sq_gazetteer_locate(self->setup.gazetteer, region_text, address, title, content, place);
    return sq_gazetteer_source_name(place->source);
}

//  Where the matter happens, by the setting rules (NULL when none fires); why is filled.
static const char *s_setting(classify_t *self, const s_complaint_t *complaint, json_t *why)
{
    sq_rules_verdict_t verdict;
    sq_rules_apply(self->setup.rules, SQ_RULES_SETTING, complaint->title, complaint->content,
                   &verdict);
    json_object_set_new(why, "value", verdict.forced.label ? json_string(verdict.forced.label)
                                                            : json_null());
    if (verdict.forced.label)
        json_object_set_new(why, "rule", json_string(verdict.forced.rule));
    return verdict.forced.label;
}

//  The operator's label for target, checked, or NULL (an unknown one is noted in why).
static const char *s_operator_label(classify_t *self, const s_complaint_t *complaint,
                                    classify_target_t target, json_t *why)
{
    if (!complaint->operator)
        return NULL;
    const char *label =
        json_string_value(json_object_get(complaint->operator, classify_target_names[target]));
    if (!label)
        return NULL;
    const char *value = s_value_of(self, target, label);
    if (!value)
        json_object_set_new(why, "operator_refused", json_string(label));
    return value;
}

//  The operator chose this label: it is kept; what the classifier would have said is kept
//  beside it, and whether it disagrees.
static void s_operator_keeps(s_decision_t *decision, const char *value)
{
    json_t *model = json_deep_copy(decision->why);
    json_object_set_new(model, "value",
                        decision->value ? json_string(decision->value) : json_null());
    bool disagrees = !decision->value || strcmp(decision->value, value) != 0;
    json_object_clear(decision->why);
    json_object_set_new(decision->why, "by", json_string("operator"));
    json_object_set_new(decision->why, "classifier", model);
    json_object_set_new(decision->why, "disagrees", json_boolean(disagrees));
    decision->value = value;
    decision->confidence = 1;
}

//  The share of the category's probability that goes to each lead department under the
//  matrix (categories that would go to triage count as one more "lead"; categories less
//  likely than S_SHARE_TAIL times the likeliest count for nothing, or the long tail of a
//  department with many categories would make it look likely for any text at all), and the
//  decision that follows: when the best lead is not the one of the likeliest category, the likeliest
//  category with the best lead.  Returns the best lead's share; why gets {lead, share}.
static double s_lead_share(classify_t *self, s_decision_t *category, sq_route_query_t query,
                           json_t *why)
{
    if (!self->setup.matrix || category->all_count == 0)
        return category->confidence;
    size_t count = category->all_count;
    const char **leads = (const char **) zmalloc(count * sizeof *leads);
    double *share = (double *) zmalloc(count * sizeof *share);
    for (size_t i = 0; i < count; i++) {
        sq_route_decision_t decision;
        query.category = category->all[i].label;
        sq_matrix_route(self->setup.matrix, &query, NULL, 0, &decision);
        leads[i] = decision.lead;   //  borrowed from the catalogue or matrix
    }
    size_t best = 0;
    double tail = category->all[0].probability * S_SHARE_TAIL;   //  all[] is best first
    for (size_t i = 0; i < count; i++) {
        for (size_t j = 0; j < count; j++)
            if (category->all[j].probability >= tail
                && ((leads[j] == leads[i]) || (leads[j] && leads[i] && streq(leads[j], leads[i]))))
                share[i] += category->all[j].probability;
        if (share[i] > share[best])
            best = i;
    }
    //  the likeliest category of the best lead: the first in order with that lead
    size_t chosen = best;
    for (size_t i = 0; i < best; i++)
        if ((leads[i] == leads[best]) || (leads[i] && leads[best] && streq(leads[i], leads[best]))) {
            chosen = i;
            break;
        }
    const char *value = s_value_of(self, CLASSIFY_CATEGORY, category->all[chosen].label);
    if (chosen != 0 && value && category->value) {
        json_object_set_new(category->why, "chosen_for_lead", json_pack("{s:s, s:s}", "instead_of",
                                                                        category->value, "lead",
                                                                        leads[best] ? leads[best]
                                                                                    : "triage"));
        category->value = value;
        category->confidence = category->all[chosen].probability;
        json_object_set_new(category->why, "confidence", json_real(s_round3(category->confidence)));
    }
    double result = share[best];
    json_object_set_new(why, "lead", leads[best] ? json_string(leads[best]) : json_null());
    json_object_set_new(why, "share", json_real(s_round3(result)));
    free(leads);
    free(share);
    return result;
}

//  The repeat decision: the earlier complaint most like this one and whether to merge into
//  it or suggest it to the desk.  Returns 0 (with *master 0 when there is none), or -1 when
//  the database cannot be read.
typedef struct {
    int64_t master;
    const char *mode;   //  "merge", "suggest" or NULL
    double similarity;
    char number[64];
} s_repeat_t;

static bool s_same(const char *a, const char *b)
{
    return a && b ? streq(a, b) : a == b;
}

static int s_repeat(classify_t *self, const s_complaint_t *complaint, const char *category,
                    const char *setting, const char *region, uint64_t simhash,
                    const sq_repeat_terms_t *terms, s_repeat_t *repeat, json_t *why)
{
    memset(repeat, 0, sizeof *repeat);
    if (self->setup.duplicate_window_hours <= 0)
        return 0;
    char window[16];
    snprintf(window, sizeof window, "%d", self->setup.duplicate_window_hours);
    const char *values[] = {complaint->id, region, complaint->phone, category, window,
                            S_CANDIDATES_MAX};
    PGresult *rows = sq_db_exec(self->setup.db, "classify_candidates", 6, values);
    if (!rows)
        return -1;
    const sq_textclass_t *model = self->setup.models[CLASSIFY_CATEGORY];
    double merge = self->setup.repeat_merge_percent / 100.0;
    double suggest = self->setup.repeat_suggest_percent / 100.0;
    for (int r = 0; r < PQntuples(rows); r++) {
        const char *their_region = PQgetisnull(rows, r, 2) ? NULL : PQgetvalue(rows, r, 2);
        const char *their_phone = PQgetisnull(rows, r, 3) ? NULL : PQgetvalue(rows, r, 3);
        const char *their_category = PQgetisnull(rows, r, 4) ? NULL : PQgetvalue(rows, r, 4);
        const char *their_setting = PQgetisnull(rows, r, 5) ? NULL : PQgetvalue(rows, r, 5);
        bool same_place = (region && s_same(region, their_region))
                          || (complaint->phone && s_same(complaint->phone, their_phone));
        sq_repeat_terms_t theirs;
        double similarity = 0;
        if (!PQgetisnull(rows, r, 7) && sq_repeat_parse(PQgetvalue(rows, r, 7), &theirs) == 0
            && model)
            similarity = sq_repeat_similarity(model, terms, &theirs);
        //  near-identical text from the same place or phone: the SimHash says so at once
        uint64_t their_hash = (uint64_t) strtoll(PQgetvalue(rows, r, 6), NULL, 10);
        bool identical = same_place && self->setup.duplicate_max_distance > 0
                         && sq_simhash_distance(simhash, their_hash)
                                <= self->setup.duplicate_max_distance;
        if (identical)
            similarity = 1;
        bool sure = identical
                    || (same_place && s_same(category, their_category)
                        && s_same(setting, their_setting) && similarity >= merge);
        const char *mode = sure ? "merge" : similarity >= suggest ? "suggest" : NULL;
        if (!mode)
            continue;
        bool better = !repeat->mode || (streq(mode, "merge") && !streq(repeat->mode, "merge"))
                      || (streq(mode, repeat->mode) && similarity > repeat->similarity);
        if (better) {
            repeat->master = strtoll(PQgetvalue(rows, r, 0), NULL, 10);
            repeat->mode = streq(mode, "merge") ? "merge" : "suggest";
            repeat->similarity = similarity;
            snprintf(repeat->number, sizeof repeat->number, "%s", PQgetvalue(rows, r, 1));
        }
    }
    json_object_set_new(why, "candidates", json_integer(PQntuples(rows)));
    if (repeat->mode) {
        json_object_set_new(why, "candidate", json_string(repeat->number));
        json_object_set_new(why, "similarity", json_real(s_round3(repeat->similarity)));
        json_object_set_new(why, "decision", json_string(repeat->mode));
    }
    PQclear(rows);
    return 0;
}

static void s_complaint_free(s_complaint_t *complaint)
{
    free(complaint->title);
    free(complaint->content);
    json_decref(complaint->operator);
}

//  Read the complaint in row 0.
static void s_complaint_read(PGresult *row, s_complaint_t *complaint)
{
    memset(complaint, 0, sizeof *complaint);
    complaint->id = PQgetvalue(row, 0, 0);
    complaint->channel = PQgetvalue(row, 0, 2);
    const char *title = PQgetvalue(row, 0, 3), *content = PQgetvalue(row, 0, 4);
    complaint->region_text = PQgetisnull(row, 0, 5) ? NULL : PQgetvalue(row, 0, 5);
    complaint->address = PQgetisnull(row, 0, 6) ? NULL : PQgetvalue(row, 0, 6);
    complaint->phone = PQgetisnull(row, 0, 7) ? NULL : PQgetvalue(row, 0, 7);
    if (!PQgetisnull(row, 0, 8))
        complaint->operator = json_loads(PQgetvalue(row, 0, 8), 0, NULL);
    complaint->traditional = sq_hanzi_traditional_count(title)
                             + sq_hanzi_traditional_count(content);
    complaint->title = sq_hanzi_simplify(title);
    complaint->content = sq_hanzi_simplify(content);
}

//  Classify the complaint in row 0; returns the reply.
static zmsg_t *s_classify(classify_t *self, const char *number, PGresult *row)
{
    const char *state = PQgetvalue(row, 0, 1);
    if (!streq(state, sq_state_name(SQ_STATE_RECEIVED))) {
        //  Done before: make sure routing has it, in case that hand-off was lost.
        if (streq(state, sq_state_name(SQ_STATE_CLASSIFIED)) && self->setup.handoff)
            sq_handoff_send(self->setup.handoff, sq_state_next_service(SQ_STATE_CLASSIFIED),
                            "new", number);
        return sq_reply_new("200", json_pack("{s:s, s:s, s:s}", "number", number, "outcome", "skipped",
                                        "reason", "not in state received"));
    }
    s_complaint_t complaint;
    s_complaint_read(row, &complaint);
    json_t *detail = json_object();
    if (complaint.traditional)
        json_object_set_new(detail, "traditional_characters",
                            json_integer((json_int_t) complaint.traditional));
    s_decision_t decisions[CLASSIFY_TARGETS];
    for (int target = 0; target < CLASSIFY_TARGETS; target++) {
        decisions[target] = s_decide(self, (classify_target_t) target, complaint.title,
                                     complaint.content);
        const char *chosen = s_operator_label(self, &complaint, (classify_target_t) target,
                                              decisions[target].why);
        if (chosen)
            s_operator_keeps(&decisions[target], chosen);
        json_object_set_new(decisions[target].why, "value",
                            decisions[target].value ? json_string(decisions[target].value)
                                                    : json_null());
        json_object_set_new(detail, classify_target_names[target], decisions[target].why);
    }
    json_t *setting_why = json_object();
    const char *setting = s_setting(self, &complaint, setting_why);
    json_object_set_new(detail, "setting", setting_why);

    sq_gazetteer_match_t place;
    const char *from = s_locate(self, complaint.id, complaint.channel, complaint.region_text,
                                complaint.address, complaint.title, complaint.content, &place);
    if (!from) {
        for (int target = 0; target < CLASSIFY_TARGETS; target++)
            free(decisions[target].all);
        json_decref(detail);   //  and the decisions' reasons it holds
        s_complaint_free(&complaint);
        return sq_reply_error("503", NULL, "the database cannot be reached; retry");
    }
    const char *region = place.region ? place.region->id : NULL;
    json_object_set_new(detail, "region",
                        json_pack("{s:s?, s:s, s:s?}", "id", region, "from", from, "matched",
                                  place.matched));

    //  Sure enough to dispatch?  The lead's share of the category's probability decides; a
    //  type the classifier is unsure of does not pick a rule of its own.
    s_decision_t *category = &decisions[CLASSIFY_CATEGORY];
    s_decision_t *type = &decisions[CLASSIFY_TYPE];
    double threshold = self->setup.min_confidence_percent / 100.0;
    sq_route_query_t query = {.type = SQ_TYPE_NONE, .region = region,
                              .channel = complaint.channel, .setting = setting};
    if (type->value)
        sq_type_parse(type->value, &query.type);
    json_t *unsure_labels = json_array();
    if (type->confidence < threshold) {
        query.unsure |= SQ_ROUTE_UNSURE_TYPE;
        json_array_append_new(unsure_labels, json_string("type"));
    }
    json_object_set_new(detail, "unsure", unsure_labels);
    json_t *lead_why = json_object();
    const char *by = json_string_value(json_object_get(category->why, "by"));
    double share = by && streq(by, "operator") ? 1
                                               : s_lead_share(self, category, query, lead_why);
    json_object_set_new(category->why, "value",
                        category->value ? json_string(category->value) : json_null());
    json_object_set_new(detail, "lead", lead_why);
    bool unsure = !category->value || share < threshold;
    json_object_set_new(detail, "low_confidence", json_boolean(unsure));

    //  Repeat reports, by what survives rewording.
    const sq_textclass_t *category_model = self->setup.models[CLASSIFY_CATEGORY];
    sq_repeat_terms_t terms = {.count = 0};
    if (category_model)
        sq_repeat_terms(category_model, complaint.title, complaint.content, &terms);
    char *text = zsys_sprintf("%s\n%s", complaint.title, complaint.content);
    sq_textclass_options_t defaults;
    sq_textclass_options_defaults(&defaults);
    char *normal = sq_textclass_normalize(
        category_model ? sq_textclass_options(category_model) : &defaults, text);
    uint64_t simhash = sq_simhash(normal ? normal : text, self->setup.duplicate_shingle);
    free(normal);
    zstr_free(&text);
    json_t *repeat_why = json_object();
    s_repeat_t repeat;
    int repeat_rc = s_repeat(self, &complaint, category->value, setting, region, simhash, &terms,
                             &repeat, repeat_why);
    json_object_set_new(detail, "repeat", repeat_why);

    char simhash_text[24], master_text[24], similarity_text[24];
    char terms_text[SQ_REPEAT_TEXT_MAX];
    snprintf(simhash_text, sizeof simhash_text, "%" PRId64, (int64_t) simhash);
    snprintf(master_text, sizeof master_text, "%" PRId64, repeat.master);
    snprintf(similarity_text, sizeof similarity_text, "%.4f", repeat.similarity);
    sq_repeat_format(&terms, terms_text, sizeof terms_text);
    char *detail_text = json_dumps(detail, JSON_COMPACT | JSON_REAL_PRECISION(6));
    const char *values[] = {complaint.id, category->value, type->value,
                            decisions[CLASSIFY_URGENCY].value, region, setting, simhash_text,
                            terms_text, repeat.mode ? master_text : NULL, repeat.mode,
                            repeat.mode ? similarity_text : NULL, CLASSIFY_SERVICE, detail_text};
    PGresult *result =
        repeat_rc == 0 ? sq_db_exec(self->setup.db, "classify_write", 13, values) : NULL;
    free(detail_text);
    for (int target = 0; target < CLASSIFY_TARGETS; target++)
        free(decisions[target].all);
    zmsg_t *reply;
    if (!result)
        reply = sq_reply_error("503", NULL, "the classification could not be committed; retry");
    else {
        const char *outcome = PQgetvalue(result, 0, 0);
        json_t *answer = json_pack("{s:s, s:s, s:O}", "number", number, "outcome", outcome,
                                   "decision", detail);
        if (streq(outcome, "merged")) {
            json_object_set_new(answer, "master", json_string(PQgetvalue(result, 0, 1)));
            sq_info("merged complaint=%s into %s (similarity %.2f)", number,
                    PQgetvalue(result, 0, 1), repeat.similarity);
        }
        else if (streq(outcome, "classified")) {
            sq_info("classified complaint=%s category=%s type=%s urgency=%s region=%s%s%s%s",
                    number, category->value ? category->value : "-",
                    type->value ? type->value : "-",
                    decisions[CLASSIFY_URGENCY].value ? decisions[CLASSIFY_URGENCY].value : "-",
                    region ? region : "-", unsure ? " (unsure)" : "",
                    repeat.mode ? " like " : "", repeat.mode ? repeat.number : "");
            if (self->setup.handoff)
                sq_handoff_send(self->setup.handoff, sq_state_next_service(SQ_STATE_CLASSIFIED),
                                "new", number);
        }
        reply = sq_reply_new("200", answer);
    }
    PQclear(result);
    json_decref(detail);
    s_complaint_free(&complaint);
    return reply;
}

//  The name of a department id (borrowed), or the id itself when the catalogue lacks it.
static const char *s_department_name(classify_t *self, const char *id)
{
    const sq_department_t *department = sq_catalog_department(self->setup.catalog, id);
    return department ? department->name : id;
}

//  A preview: what classifying and routing would decide for an envelope (JSON text, checked
//  by the caller), computed in memory; nothing is read from or written to the database, and
//  repeat reports are not looked for.
static zmsg_t *s_preview(classify_t *self, const char *envelope_text)
{
    json_t *envelope = json_loads(envelope_text, 0, NULL);
    const char *content = json_string_value(json_object_get(envelope, "content"));
    if (!json_is_object(envelope) || !content) {
        json_decref(envelope);
        return sq_reply_error("400", NULL, "expected: preview ENVELOPE");
    }
    const char *title = json_string_value(json_object_get(envelope, "title"));
    const char *channel = json_string_value(json_object_get(envelope, "channel"));
    const char *respondent = json_string_value(json_object_get(envelope, "respondent_address"));
    s_complaint_t complaint = {
        .channel = channel ? channel : "hotline12345",
        .region_text = json_string_value(json_object_get(envelope, "region")),
        .address = json_string_value(json_object_get(envelope, "address")),
        .title = sq_hanzi_simplify(title ? title : ""),
        .content = sq_hanzi_simplify(content),
        .operator = json_incref(json_object_get(json_object_get(envelope, "extra"), "operator")),
    };
    s_decision_t decisions[CLASSIFY_TARGETS];
    json_t *answer = json_object();
    for (int target = 0; target < CLASSIFY_TARGETS; target++) {
        decisions[target] = s_decide(self, (classify_target_t) target, complaint.title,
                                     complaint.content);
        const char *chosen = s_operator_label(self, &complaint, (classify_target_t) target,
                                              decisions[target].why);
        if (chosen)
            s_operator_keeps(&decisions[target], chosen);
    }
    json_t *setting_why = json_object();
    const char *setting = s_setting(self, &complaint, setting_why);
    json_decref(setting_why);
    sq_gazetteer_match_t place = {NULL, SQ_GAZETTEER_NONE, NULL};
    char *respondent_simple = respondent && streq(complaint.channel, "hotline12315")
                                  ? sq_hanzi_simplify(respondent) : NULL;
    const char *matched = NULL;
    const sq_region_t *region = respondent_simple
                                    ? sq_gazetteer_find(self->setup.gazetteer, respondent_simple,
                                                        &matched) : NULL;
    free(respondent_simple);
    if (!region) {
        sq_gazetteer_locate(self->setup.gazetteer, complaint.region_text, complaint.address,
                            complaint.title, complaint.content, &place);
        region = place.region;
    }
    s_decision_t *category = &decisions[CLASSIFY_CATEGORY];
    s_decision_t *type = &decisions[CLASSIFY_TYPE];
    double threshold = self->setup.min_confidence_percent / 100.0;
    sq_route_query_t query = {.type = SQ_TYPE_NONE, .region = region ? region->id : NULL,
                              .channel = complaint.channel, .setting = setting};
    if (type->value)
        sq_type_parse(type->value, &query.type);
    if (type->confidence < threshold)
        query.unsure |= SQ_ROUTE_UNSURE_TYPE;
    json_t *lead_why = json_object();
    const char *by = json_string_value(json_object_get(category->why, "by"));
    double share = by && streq(by, "operator") ? 1
                                               : s_lead_share(self, category, query, lead_why);
    json_decref(lead_why);
    bool triage = !category->value || share < threshold;
    sq_route_decision_t route = {.lead = NULL, .co_count = 0, .rule = NULL, .reason = ""};
    if (!triage && self->setup.matrix) {
        query.category = category->value;
        triage = sq_matrix_route(self->setup.matrix, &query, NULL, 0, &route) != 0;
    }
    else if (!self->setup.matrix)
        triage = true;
    else
        snprintf(route.reason, sizeof route.reason,
                 "the classifier is unsure of the category: the dispatch desk decides");
    const sq_category_t *known = category->value
                                     ? sq_catalog_category(self->setup.catalog, category->value)
                                     : NULL;
    json_t *co = json_array();
    for (size_t i = 0; !triage && i < route.co_count; i++)
        json_array_append_new(co, json_pack("{s:s, s:s}", "id", route.co[i], "name",
                                            s_department_name(self, route.co[i])));
    sq_type_t type_value = SQ_TYPE_NONE;
    sq_urgency_t urgency_value;
    const char *urgency = decisions[CLASSIFY_URGENCY].value;
    json_object_set_new(answer, "category", category->value ? json_string(category->value)
                                                            : json_null());
    json_object_set_new(answer, "category_name", known ? json_string(known->name) : json_null());
    json_object_set_new(answer, "type",
                        type->value && sq_type_parse(type->value, &type_value) == 0
                            ? json_string(sq_type_label(type_value)) : json_null());
    json_object_set_new(answer, "urgency",
                        urgency && sq_urgency_parse(urgency, &urgency_value) == 0
                            ? json_string(sq_urgency_label(urgency_value)) : json_null());
    json_object_set_new(answer, "region", region ? json_string(region->id) : json_null());
    json_object_set_new(answer, "region_name", region ? json_string(region->name) : json_null());
    json_object_set_new(answer, "setting", setting ? json_string(setting) : json_null());
    json_object_set_new(answer, "lead_department",
                        !triage && route.lead ? json_string(route.lead) : json_null());
    json_object_set_new(answer, "lead_department_name",
                        !triage && route.lead ? json_string(s_department_name(self, route.lead))
                                              : json_null());
    json_object_set_new(answer, "co_departments", co);
    json_object_set_new(answer, "confidence", json_real(s_round3(share)));
    json_object_set_new(answer, "triage", json_boolean(triage));
    json_object_set_new(answer, "rule", route.rule && !triage ? json_string(route.rule) : json_null());
    json_object_set_new(answer, "explanation", json_string(route.reason));
    for (int target = 0; target < CLASSIFY_TARGETS; target++) {
        free(decisions[target].all);
        json_decref(decisions[target].why);
    }
    s_complaint_free(&complaint);
    json_decref(envelope);
    return sq_reply_new("200", answer);
}

zmsg_t *classify_answer(classify_t *self, zmsg_t *request)
{
    if (zmsg_size(request) != 2)
        return sq_reply_error("400", NULL, "expected: VERB NUMBER");
    char *verb = zmsg_popstr(request);
    char *number = zmsg_popstr(request);
    zmsg_t *reply;
    if (streq(verb, "preview"))
        reply = s_preview(self, number);
    else if (!sq_number_valid(number))
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
