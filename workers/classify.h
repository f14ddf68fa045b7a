/*  classify: the suqiu.classify service: category, type, urgency, setting and region of a
    complaint, and whether it repeats an earlier report.

    Complaints are classified in batches, many per transaction (group commit, as intake
    does): classify_run claims up to a batch of the complaints waiting in 'received', oldest
    first (rows another worker claimed are skipped; a worker killed before its commit lets
    its batch go, and the next claim takes it again), decides each in memory, asks for the
    repeat-report candidates of the whole batch in one statement, and writes every decision
    back in one statement (complaint_classify_batch, sql/028), then commits once.  The
    workers classify their batches side by side, but write them in turn (classify_turn, a
    row lock held to the commit): a batch reads its candidates before its turn, and in its
    turn again only those of the turns committed since, so that it is judged against every
    report committed before its write, never beside another batch still in flight.  For each
    complaint it reads the title and content with traditional characters as simplified
    ones (sq_hanzi) and decides
        category  a rule in classify_rules.yaml that forces one, else the category model's
                  probabilities weighed with the rules' cues (vetoed labels passed over)
        type      投诉 举报 咨询 求助 建议 表扬, likewise with its own model and rules: the
                  cues encode the procedure's test (who was harmed, what is asked for)
        urgency   紧急 一般, likewise: 紧急 needs harm going on or about to happen
        setting   where the matter happens when that changes the lead (school, care home
                  ...), by the setting rules alone
        region    the township or street, from the region field, address, title or content
    A label the operator chose (the envelope's extra.operator) is kept, with what the
    classifier would have said and whether it disagrees.  Then: is it sure enough to
    dispatch?  Each category's probability goes to the lead the matrix would give it; when
    the best lead's share is below classify.min_confidence_percent the complaint is marked
    unsure and routing sends it to the dispatch desk; when the best lead is not the likeliest
    category's, the likeliest category of the best lead is taken.  A type below that
    threshold is recorded as unsure, so that routing passes over rules that ask for it.
    Repeat reports: the earlier complaints of the same phone, or of the same category and
    region, within classify.duplicate_window_hours, are compared by their terms (sq_repeat);
    one at least classify.repeat_merge_percent alike, of the same place, category and
    setting, or nearly identical (SimHash within classify.duplicate_max_distance bits), is
    merged into (并单); one at least classify.repeat_suggest_percent alike is suggested to
    the dispatch desk (a repeat_suggested event) and the complaint goes on.  A complaint
    decided earlier in the same batch counts as an earlier report too (unless it was merged
    itself).  Everything is recorded with its reasons; after the commit one hand-off wakes
    suqiu.route for the batch.
    The service's requests, VERB NUMBER ("new" from intake, "sweep" from the sweeper), only
    say that complaints wait: the answer is "200" {"number", "outcome": "queued"} (or "400"
    {"error"} for a malformed one) at once, and the worker's loop runs classify_run.

    "preview" ENVELOPE (a checked envelope's JSON, the operator's labels in extra.operator)
    answers at once what the decisions and the matrix would give, before anything is
    committed: "200" {"category", "category_name", "type", "urgency" (Chinese labels),
    "region", "region_name", "setting", "lead_department", "lead_department_name",
    "co_departments": [{"id", "name"}], "confidence", "triage", "rule", "explanation"};
    nothing is read or written, and repeat reports are not looked for.
*/
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <czmq.h>

#include "sq_catalog.h"
#include "sq_db.h"
#include "sq_gazetteer.h"
#include "sq_handoff.h"
#include "sq_matrix.h"
#include "sq_rules.h"
#include "sq_textclass.h"

#define CLASSIFY_SERVICE "suqiu.classify"

//  The three decisions a model makes, and the names of their models and training files.
typedef enum { CLASSIFY_CATEGORY = 0, CLASSIFY_TYPE, CLASSIFY_URGENCY, CLASSIFY_TARGETS } classify_target_t;
extern const char *const classify_target_names[CLASSIFY_TARGETS];   //  "category", "type", "urgency"

//  What a classifier works with; everything is borrowed and must outlive it.
typedef struct {
    sq_db_t *db;
    const sq_catalog_t *catalog;
    const sq_gazetteer_t *gazetteer;
    const sq_rules_t *rules;
    const sq_matrix_t *matrix;          //  may be NULL: then the category's own confidence
    const sq_textclass_t *models[CLASSIFY_TARGETS];
    sq_handoff_t *handoff;              //  may be NULL
    int min_confidence_percent;
    int duplicate_window_hours;         //  0: no merging
    int duplicate_max_distance;
    int duplicate_shingle;
    int repeat_merge_percent;           //  terms this alike (and same place): merged
    int repeat_suggest_percent;         //  this alike: suggested to the desk
} classify_setup_t;

typedef struct _classify_t classify_t;

//  The prepared statements classify needs; add them to the process's table.
extern const sq_db_statement_t classify_statements[];

//  A classifier over setup (copied; what it points to is borrowed).
classify_t *classify_new(const classify_setup_t *setup);

//  Free; safe twice.
void classify_destroy(classify_t **self_p);

//  Answer one request (borrowed): note that complaints wait.  Returns the reply body (the
//  caller's).
zmsg_t *classify_answer(classify_t *self, zmsg_t *request);

//  Classify one batch of at most limit waiting complaints in one transaction.  Returns how
//  many were claimed and committed (0 when none waits), or -1 (logged) when the batch could
//  not be committed: it was rolled back and waits for the next run.
int classify_run(classify_t *self, int limit);

//  True when complaints may wait: a request came since the last run, the last batch was
//  full, or it failed.
bool classify_waiting(classify_t *self);

#endif
