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
    //  Classification's turns (sql/028): the last one committed, and the next one, taken
    //  (its row lock held to the commit: batches write in turn).
    {"classify_seen", "SELECT n FROM classify_turn"},
    {"classify_turn", "UPDATE classify_turn SET n = n + 1 RETURNING n"},
    {"classify_claim",
     "SELECT id, number, channel, title, content, region_text, address, phone, operator::text,"
     " respondent_address FROM complaint_classify_claim($1::int)"},
    {"classify_candidates",
     "SELECT for_id, id, number, region, phone, category, setting, simhash, terms::text"
     " FROM complaint_repeat_candidates_batch($1::jsonb, make_interval(hours => $2::int), $3::int)"},
    {"classify_candidates_since",
     "SELECT for_id, id, number, region, phone, category, setting, simhash, terms::text"
     " FROM complaint_repeat_candidates_since($1::jsonb, make_interval(hours => $2::int), $3::int,"
     " $4::bigint)"},
    {"classify_write",
     "SELECT id, outcome, master_number FROM complaint_classify_batch($1::jsonb, $2, $3::bigint)"},
    {NULL, NULL},
};

struct _classify_t {
    classify_setup_t setup;
    bool waiting;   //  complaints may wait: a hand-off came, or the last batch was full
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
    const char *id, *number, *channel, *region_text, *address, *phone;
    const char *respondent_address;   //  the business's, or NULL
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
//  Returns the field the region came from ("respondent_address", "address", ...).
static const char *s_locate(classify_t *self, const s_complaint_t *complaint,
                            sq_gazetteer_match_t *place)
{
    if (streq(complaint->channel, "hotline12315") && complaint->respondent_address) {
        const char *matched = NULL;
        //  read as simplified, as the rest of the text is
        char *respondent = sq_hanzi_simplify(complaint->respondent_address);
        const sq_region_t *region =
            respondent ? sq_gazetteer_find(self->setup.gazetteer, respondent, &matched) : NULL;
        free(respondent);
        if (region) {
            *place = (sq_gazetteer_match_t){region, SQ_GAZETTEER_ADDRESS, matched};
            return "respondent_address";
        }
    }
    sq_gazetteer_locate(self->setup.gazetteer, complaint->region_text, complaint->address,
                        complaint->title, complaint->content, place);
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

//  One complaint of a batch: what was read, what was decided, what is written.
typedef struct {
    s_complaint_t complaint;
    s_decision_t decisions[CLASSIFY_TARGETS];
    const char *region;      //  borrowed from the gazetteer, or NULL
    json_t *detail;          //  the classification's record (the event's detail)
    json_t *repeat_why;      //  its "repeat" part, borrowed from detail
    bool unsure;
    sq_repeat_report_t report;
    sq_repeat_verdict_t verdict;
    int candidates;
    int64_t master_id;           //  the verdict's candidate, or 0
    char candidate_number[64];   //  and its number
    const char *outcome;         //  after the write: classified, merged, skipped
    char master_number[64];      //  merged into
} s_item_t;

static void s_complaint_free(s_complaint_t *complaint)
{
    free(complaint->title);
    free(complaint->content);
    json_decref(complaint->operator);
}

static const char *s_value(PGresult *rows, int r, int column)
{
    return PQgetisnull(rows, r, column) ? NULL : PQgetvalue(rows, r, column);
}

//  Read the complaint in row r of a claim.
static void s_complaint_read(PGresult *rows, int r, s_complaint_t *complaint)
{
    memset(complaint, 0, sizeof *complaint);
    complaint->id = PQgetvalue(rows, r, 0);
    complaint->number = PQgetvalue(rows, r, 1);
    complaint->channel = PQgetvalue(rows, r, 2);
    const char *title = PQgetvalue(rows, r, 3), *content = PQgetvalue(rows, r, 4);
    complaint->region_text = s_value(rows, r, 5);
    complaint->address = s_value(rows, r, 6);
    complaint->phone = s_value(rows, r, 7);
    if (!PQgetisnull(rows, r, 8))
        complaint->operator = json_loads(PQgetvalue(rows, r, 8), 0, NULL);
    complaint->respondent_address = s_value(rows, r, 9);
    complaint->traditional = sq_hanzi_traditional_count(title)
                             + sq_hanzi_traditional_count(content);
    complaint->title = sq_hanzi_simplify(title);
    complaint->content = sq_hanzi_simplify(content);
}

//  Decide the labels, setting and region of item's complaint (read already), and whether it
//  is sure enough to dispatch, each with its reasons in item->detail; query gets what the
//  matrix will be asked, and the lead's share is returned.  Nothing is read or written.
static double s_decide_complaint(classify_t *self, s_item_t *item, sq_route_query_t *query)
{
    s_complaint_t *complaint = &item->complaint;
    json_t *detail = item->detail = json_object();
    if (complaint->traditional)
        json_object_set_new(detail, "traditional_characters",
                            json_integer((json_int_t) complaint->traditional));
    s_decision_t *decisions = item->decisions;
    for (int target = 0; target < CLASSIFY_TARGETS; target++) {
        decisions[target] = s_decide(self, (classify_target_t) target, complaint->title,
                                     complaint->content);
        const char *chosen = s_operator_label(self, complaint, (classify_target_t) target,
                                              decisions[target].why);
        if (chosen)
            s_operator_keeps(&decisions[target], chosen);
        json_object_set_new(decisions[target].why, "value",
                            decisions[target].value ? json_string(decisions[target].value)
                                                    : json_null());
        json_object_set_new(detail, classify_target_names[target], decisions[target].why);
    }
    json_t *setting_why = json_object();
    const char *setting = s_setting(self, complaint, setting_why);
    json_object_set_new(detail, "setting", setting_why);

    sq_gazetteer_match_t place;
    const char *from = s_locate(self, complaint, &place);
    const char *region = item->region = place.region ? place.region->id : NULL;
    json_object_set_new(detail, "region",
                        json_pack("{s:s?, s:s, s:s?}", "id", region, "from", from, "matched",
                                  place.matched));

    //  Sure enough to dispatch?  The lead's share of the category's probability decides; a
    //  type the classifier is unsure of does not pick a rule of its own.
    s_decision_t *category = &decisions[CLASSIFY_CATEGORY];
    s_decision_t *type = &decisions[CLASSIFY_TYPE];
    double threshold = self->setup.min_confidence_percent / 100.0;
    *query = (sq_route_query_t){.type = SQ_TYPE_NONE, .region = region,
                                .channel = complaint->channel, .setting = setting};
    if (type->value)
        sq_type_parse(type->value, &query->type);
    json_t *unsure_labels = json_array();
    if (type->confidence < threshold) {
        query->unsure |= SQ_ROUTE_UNSURE_TYPE;
        json_array_append_new(unsure_labels, json_string("type"));
    }
    json_object_set_new(detail, "unsure", unsure_labels);
    json_t *lead_why = json_object();
    const char *by = json_string_value(json_object_get(category->why, "by"));
    double share = by && streq(by, "operator") ? 1
                                               : s_lead_share(self, category, *query, lead_why);
    json_object_set_new(category->why, "value",
                        category->value ? json_string(category->value) : json_null());
    json_object_set_new(detail, "lead", lead_why);
    item->unsure = !category->value || share < threshold;
    json_object_set_new(detail, "low_confidence", json_boolean(item->unsure));
    return share;
}

//  Decide everything of the complaint in row r but whether it repeats an earlier report.
static void s_judge(classify_t *self, PGresult *rows, int r, s_item_t *item)
{
    memset(item, 0, sizeof *item);
    s_complaint_t *complaint = &item->complaint;
    s_complaint_read(rows, r, complaint);
    sq_route_query_t query;
    s_decide_complaint(self, item, &query);
    const char *region = item->region, *setting = query.setting;
    s_decision_t *category = &item->decisions[CLASSIFY_CATEGORY];
    json_t *detail = item->detail;

    //  What a repeat report is judged by: the terms that survive rewording, the SimHash.
    const sq_textclass_t *category_model = self->setup.models[CLASSIFY_CATEGORY];
    sq_repeat_report_t *report = &item->report;
    *report = (sq_repeat_report_t){.id = strtoll(complaint->id, NULL, 10),
                                   .number = complaint->number, .region = region,
                                   .phone = complaint->phone, .category = category->value,
                                   .setting = setting};
    if (category_model)
        sq_repeat_terms(category_model, complaint->title, complaint->content, &report->terms);
    char *text = zsys_sprintf("%s\n%s", complaint->title, complaint->content);
    sq_textclass_options_t defaults;
    sq_textclass_options_defaults(&defaults);
    char *normal = sq_textclass_normalize(
        category_model ? sq_textclass_options(category_model) : &defaults, text);
    report->simhash = sq_simhash(normal ? normal : text, self->setup.duplicate_shingle);
    free(normal);
    zstr_free(&text);
    item->repeat_why = json_object();
    json_object_set_new(detail, "repeat", item->repeat_why);
}

static void s_item_free(s_item_t *item)
{
    for (int target = 0; target < CLASSIFY_TARGETS; target++)
        free(item->decisions[target].all);
    json_decref(item->detail);   //  and the decisions' reasons it holds
    s_complaint_free(&item->complaint);
}

//  The earlier reports each complaint of the batch may repeat, as one statement's rows
//  (for_id, id, number, region, phone, category, setting, simhash, terms), grouped by
//  for_id in batch order: all of them, or (after_turn not NULL) those of the turns after
//  after_turn only.  NULL when the database cannot be read.
static PGresult *s_candidates_read(classify_t *self, s_item_t *items, size_t count,
                                   const char *after_turn)
{
    json_t *reports = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(reports, json_pack("{s:I, s:s?, s:s?, s:s?}", "id",
                                                 (json_int_t) items[i].report.id, "region",
                                                 items[i].report.region, "phone",
                                                 items[i].report.phone, "category",
                                                 items[i].report.category));
    char *text = json_dumps(reports, JSON_COMPACT);
    json_decref(reports);
    char window[16];
    snprintf(window, sizeof window, "%d", self->setup.duplicate_window_hours);
    const char *values[] = {text, window, S_CANDIDATES_MAX, after_turn};
    PGresult *rows = after_turn
                         ? sq_db_exec(self->setup.db, "classify_candidates_since", 4, values)
                         : sq_db_exec(self->setup.db, "classify_candidates", 3, values);
    free(text);
    return rows;
}

//  Candidate rows of one or two reads, parsed; for one complaint its candidates are the
//  newest S_CANDIDATES_MAX of both, each once, newest first.
typedef struct {
    int64_t for_id;
    sq_repeat_report_t report;
} s_candidate_t;

static int s_newest_first(const void *a, const void *b)
{
    const s_candidate_t *left = (const s_candidate_t *) a, *right = (const s_candidate_t *) b;
    if (left->for_id != right->for_id)
        return left->for_id < right->for_id ? -1 : 1;
    return left->report.id > right->report.id ? -1 : left->report.id < right->report.id;
}

//  Parse the rows of reads[0 .. reads_count) (NULL ones skipped) into one array sorted by
//  complaint (for_id), then newest candidate first.  *count gets its length.
static s_candidate_t *s_candidates_parse(PGresult **reads, size_t reads_count, size_t *count)
{
    size_t total = 0;
    for (size_t k = 0; k < reads_count; k++)
        total += reads[k] ? (size_t) PQntuples(reads[k]) : 0;
    s_candidate_t *all = (s_candidate_t *) zmalloc(sizeof *all * (total ? total : 1));
    size_t n = 0;
    for (size_t k = 0; k < reads_count; k++)
        for (int r = 0; reads[k] && r < PQntuples(reads[k]); r++, n++) {
            PGresult *rows = reads[k];
            all[n].for_id = strtoll(PQgetvalue(rows, r, 0), NULL, 10);
            all[n].report = (sq_repeat_report_t){
                .id = strtoll(PQgetvalue(rows, r, 1), NULL, 10),
                .number = PQgetvalue(rows, r, 2), .region = s_value(rows, r, 3),
                .phone = s_value(rows, r, 4), .category = s_value(rows, r, 5),
                .setting = s_value(rows, r, 6),
                .simhash = (uint64_t) strtoll(PQgetvalue(rows, r, 7), NULL, 10)};
            if (PQgetisnull(rows, r, 8) || sq_repeat_parse(PQgetvalue(rows, r, 8), &all[n].report.terms))
                all[n].report.terms.count = 0;
        }
    qsort(all, n, sizeof *all, s_newest_first);
    *count = n;
    return all;
}

//  Decide the repeat report of every complaint of the batch, in order: against the earlier
//  complaints PostgreSQL holds (the rows of reads: a candidate in both is taken once, the
//  newest S_CANDIDATES_MAX), and against those decided before it in this batch that were not
//  merged themselves.
static void s_repeats_decide(classify_t *self, s_item_t *items, size_t count, PGresult **reads,
                             size_t reads_count)
{
    const sq_textclass_t *model = self->setup.models[CLASSIFY_CATEGORY];
    sq_repeat_thresholds_t thresholds = {self->setup.repeat_merge_percent / 100.0,
                                         self->setup.repeat_suggest_percent / 100.0,
                                         self->setup.duplicate_max_distance};
    size_t total = 0;
    s_candidate_t *theirs = s_candidates_parse(reads, reads_count, &total);
    int most = atoi(S_CANDIDATES_MAX);
    for (size_t i = 0; i < count; i++) {
        s_item_t *item = &items[i];
        //  the claim is in id order, and so are the candidates' for_id
        size_t r = 0;
        while (r < total && theirs[r].for_id < item->report.id)
            r++;
        int64_t previous = 0;
        int taken = 0;
        for (; r < total && theirs[r].for_id == item->report.id && taken < most; r++) {
            if (theirs[r].report.id == previous)
                continue;   //  in both reads
            previous = theirs[r].report.id;
            taken++;
            sq_repeat_weigh(model, &thresholds, &item->report, &theirs[r].report, &item->verdict);
            item->candidates++;
        }
        for (size_t j = 0; j < i; j++)
            if (items[j].verdict.mode != SQ_REPEAT_MERGE
                && sq_repeat_is_candidate(&item->report, &items[j].report)) {
                sq_repeat_weigh(model, &thresholds, &item->report, &items[j].report,
                                &item->verdict);
                item->candidates++;
            }
        json_object_set_new(item->repeat_why, "candidates", json_integer(item->candidates));
        if (item->verdict.master) {
            //  the verdict points into rows and theirs: keep what the write needs
            item->master_id = item->verdict.master->id;
            snprintf(item->candidate_number, sizeof item->candidate_number, "%s",
                     item->verdict.master->number);
            json_object_set_new(item->repeat_why, "candidate",
                                json_string(item->verdict.master->number));
            json_object_set_new(item->repeat_why, "similarity",
                                json_real(s_round3(item->verdict.similarity)));
            json_object_set_new(item->repeat_why, "decision",
                                json_string(item->verdict.mode == SQ_REPEAT_MERGE ? "merge"
                                                                                  : "suggest"));
        }
    }
    free(theirs);
}

//  Write the batch's decisions (one statement) and read back each outcome.  0, or -1.
static int s_batch_write(classify_t *self, s_item_t *items, size_t count, const char *turn)
{
    json_t *decisions = json_array();
    for (size_t i = 0; i < count; i++) {
        s_item_t *item = &items[i];
        json_t *terms = json_array();
        for (size_t t = 0; t < item->report.terms.count; t++)
            json_array_append_new(terms, json_integer((json_int_t) item->report.terms.terms[t]));
        const char *mode = item->verdict.mode == SQ_REPEAT_MERGE     ? "merge"
                           : item->verdict.mode == SQ_REPEAT_SUGGEST ? "suggest"
                                                                     : NULL;
        json_t *decision = json_pack(
            "{s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:o, s:O}", "id",
            (json_int_t) item->report.id, "category", item->decisions[CLASSIFY_CATEGORY].value,
            "type", item->decisions[CLASSIFY_TYPE].value, "urgency",
            item->decisions[CLASSIFY_URGENCY].value, "region", item->region, "setting",
            item->report.setting, "simhash", (json_int_t) (int64_t) item->report.simhash, "terms",
            terms, "detail", item->detail);
        if (mode) {
            json_object_set_new(decision, "master", json_integer((json_int_t) item->master_id));
            json_object_set_new(decision, "repeat", json_string(mode));
            char similarity[24];
            snprintf(similarity, sizeof similarity, "%.4f", item->verdict.similarity);
            json_object_set_new(decision, "similarity", json_real(atof(similarity)));
        }
        json_array_append_new(decisions, decision);
    }
    char *text = json_dumps(decisions, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(decisions);
    const char *values[] = {text, CLASSIFY_SERVICE, turn};
    PGresult *result = sq_db_exec(self->setup.db, "classify_write", 3, values);
    free(text);
    if (!result)
        return -1;
    for (size_t i = 0; i < count; i++)
        items[i].outcome = "skipped";   //  unless the database says otherwise
    for (int r = 0; r < PQntuples(result) && (size_t) r < count; r++) {
        s_item_t *item = &items[r];   //  in the order given
        const char *outcome = PQgetvalue(result, r, 1);
        item->outcome = streq(outcome, "merged")       ? "merged"
                        : streq(outcome, "classified") ? "classified"
                                                       : "skipped";
        snprintf(item->master_number, sizeof item->master_number, "%s", PQgetvalue(result, r, 2));
    }
    PQclear(result);
    return 0;
}

static void s_batch_log(const s_item_t *item)
{
    const char *number = item->complaint.number;
    if (streq(item->outcome, "merged"))
        sq_info("merged complaint=%s into %s (similarity %.2f)", number, item->master_number,
                item->verdict.similarity);
    else if (streq(item->outcome, "classified")) {
        const char *category = item->decisions[CLASSIFY_CATEGORY].value;
        const char *type = item->decisions[CLASSIFY_TYPE].value;
        const char *urgency = item->decisions[CLASSIFY_URGENCY].value;
        sq_info("classified complaint=%s category=%s type=%s urgency=%s region=%s%s%s%s", number,
                category ? category : "-", type ? type : "-", urgency ? urgency : "-",
                item->region ? item->region : "-", item->unsure ? " (unsure)" : "",
                item->verdict.mode ? " like " : "", item->verdict.mode ? item->candidate_number : "");
    }
}

int classify_run(classify_t *self, int limit)
{
    sq_db_t *db = self->setup.db;
    char limit_text[16];
    snprintf(limit_text, sizeof limit_text, "%d", limit < 1 ? 1 : limit);
    const char *values[] = {limit_text};
    PGresult *claimed = NULL, *candidates = NULL;
    s_item_t *items = NULL;
    size_t count = 0;
    int rc = -1;
    PGresult *turn = NULL, *since = NULL;
    char seen_turn[24] = "", my_turn[24] = "";
    if (sq_db_command(db, "BEGIN") || !(claimed = sq_db_exec(db, "classify_claim", 1, values)))
        goto done;
    count = (size_t) PQntuples(claimed);
    if (count == 0) {
        rc = 0;
        goto done;
    }
    items = (s_item_t *) zmalloc(sizeof *items * count);
    for (size_t i = 0; i < count; i++)
        s_judge(self, claimed, (int) i, &items[i]);
    //  The long read side by side with the other workers' batches, then, in our turn, the
    //  reports of the turns committed since the last one this read saw.
    if (self->setup.duplicate_window_hours > 0) {
        PGresult *seen = sq_db_exec(db, "classify_seen", 0, NULL);
        if (!seen)
            goto done;
        snprintf(seen_turn, sizeof seen_turn, "%s", PQgetvalue(seen, 0, 0));
        PQclear(seen);
        if (!(candidates = s_candidates_read(self, items, count, NULL))
            || !(turn = sq_db_exec(db, "classify_turn", 0, NULL)))
            goto done;
        snprintf(my_turn, sizeof my_turn, "%s", PQgetvalue(turn, 0, 0));
        if (!(since = s_candidates_read(self, items, count, seen_turn)))
            goto done;
        PGresult *reads[] = {candidates, since};
        s_repeats_decide(self, items, count, reads, 2);
    }
    if (s_batch_write(self, items, count, *my_turn ? my_turn : NULL)
        || sq_db_command(db, "COMMIT"))
        goto done;
    rc = (int) count;
done:
    if (rc < 0 || count == 0)
        sq_db_command(db, "ROLLBACK");   //  the claim is let go: the next one takes it again
    if (rc < 0)
        sq_warn_limited("classify: a batch of %zu could not be committed; it is taken again", count);
    size_t classified = 0;
    for (size_t i = 0; i < count; i++) {
        if (rc > 0) {
            s_batch_log(&items[i]);
            classified += streq(items[i].outcome, "classified");
        }
        s_item_free(&items[i]);
    }
    if (rc > 0) {
        sq_debug("classified a batch of %d in one transaction", rc);
        //  routing claims what waits for it: one hand-off wakes it for the whole batch
        if (classified && self->setup.handoff)
            for (size_t i = 0; i < count; i++)
                if (streq(items[i].outcome, "classified")) {
                    sq_handoff_send(self->setup.handoff, sq_state_next_service(SQ_STATE_CLASSIFIED),
                                    "new", items[i].complaint.number);
                    break;
                }
    }
    free(items);
    PQclear(since);
    PQclear(turn);
    PQclear(candidates);
    PQclear(claimed);
    self->waiting = rc < 0 || (size_t) rc >= (size_t) (limit < 1 ? 1 : limit);
    return rc;
}

bool classify_waiting(classify_t *self)
{
    return self->waiting;
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
    s_item_t item;
    memset(&item, 0, sizeof item);
    item.complaint = (s_complaint_t){
        .channel = channel ? channel : "hotline12345",
        .region_text = json_string_value(json_object_get(envelope, "region")),
        .address = json_string_value(json_object_get(envelope, "address")),
        .respondent_address = json_string_value(json_object_get(envelope, "respondent_address")),
        .title = sq_hanzi_simplify(title ? title : ""),
        .content = sq_hanzi_simplify(content),
        .operator = json_incref(json_object_get(json_object_get(envelope, "extra"), "operator")),
    };
    sq_route_query_t query;
    double share = s_decide_complaint(self, &item, &query);
    s_decision_t *category = &item.decisions[CLASSIFY_CATEGORY];
    const char *type = item.decisions[CLASSIFY_TYPE].value;
    const char *urgency = item.decisions[CLASSIFY_URGENCY].value;
    bool triage = item.unsure || !self->setup.matrix;
    sq_route_decision_t route = {.lead = NULL, .co_count = 0, .rule = NULL, .reason = ""};
    if (!triage) {
        query.category = category->value;
        triage = sq_matrix_route(self->setup.matrix, &query, NULL, 0, &route) != 0;
    }
    else
        snprintf(route.reason, sizeof route.reason,
                 "the classifier is unsure of the category: the dispatch desk decides");
    const sq_category_t *known = category->value
                                     ? sq_catalog_category(self->setup.catalog, category->value)
                                     : NULL;
    const sq_region_t *region = item.region ? sq_catalog_region(self->setup.catalog, item.region)
                                            : NULL;
    json_t *co = json_array();
    for (size_t i = 0; !triage && i < route.co_count; i++)
        json_array_append_new(co, json_pack("{s:s, s:s}", "id", route.co[i], "name",
                                            s_department_name(self, route.co[i])));
    sq_type_t type_value = SQ_TYPE_NONE;
    sq_urgency_t urgency_value;
    bool lead = !triage && route.lead;
    json_t *answer = json_pack(
        "{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:f, s:b, s:s?, s:s}",
        "category", category->value, "category_name", known ? known->name : NULL, "type",
        type && sq_type_parse(type, &type_value) == 0 ? sq_type_label(type_value) : NULL,
        "urgency",
        urgency && sq_urgency_parse(urgency, &urgency_value) == 0 ? sq_urgency_label(urgency_value)
                                                                 : NULL,
        "region", item.region, "region_name", region ? region->name : NULL, "setting",
        query.setting, "lead_department", lead ? route.lead : NULL, "lead_department_name",
        lead ? s_department_name(self, route.lead) : NULL, "co_departments", co, "confidence",
        s_round3(share), "triage", triage, "rule", !triage ? route.rule : NULL, "explanation",
        route.reason);
    s_item_free(&item);
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
        self->waiting = true;
        reply = sq_reply_new("200", json_pack("{s:s, s:s}", "number", number, "outcome", "queued"));
    }
    free(verb);
    free(number);
    return reply;
}
