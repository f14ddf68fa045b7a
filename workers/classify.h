/*  classify: the suqiu.classify service: category, type, urgency and region of a complaint.

    Request frames: VERB NUMBER ("new" from intake, "sweep" from the sweeper).  For a
    complaint in 'received' it decides
        category  the category model, unless a rule in classify_rules.yaml forces one; vetoed
                  labels are passed over; below classify.min_confidence_percent the complaint
                  is marked unsure and routing sends it to the dispatch desk
        type      投诉 举报 咨询 求助 建议 表扬, likewise with its own model and rules
        urgency   紧急 一般, likewise
        region    the township or street, from the region field, address, title or content
    and records them with their reasons (rule id, or the model's top scores) in one
    transaction, which also merges the complaint into an earlier report of the same incident
    (same region or phone, SimHash of the text within classify.duplicate_max_distance bits,
    within classify.duplicate_window_hours).  Then it hands the complaint to suqiu.route.
    Reply frames: "200" {"number", "outcome": classified|merged|skipped, ...decision} or
    "400"/"404"/"503" {"error"}.  A complaint no longer in 'received' is skipped.
*/
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <czmq.h>

#include "sq_catalog.h"
#include "sq_db.h"
#include "sq_gazetteer.h"
#include "sq_handoff.h"
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
    const sq_textclass_t *models[CLASSIFY_TARGETS];
    sq_handoff_t *handoff;              //  may be NULL
    int min_confidence_percent;
    int duplicate_window_hours;         //  0: no merging
    int duplicate_max_distance;
    int duplicate_shingle;
} classify_setup_t;

typedef struct _classify_t classify_t;

//  The prepared statements classify needs; add them to the process's table.
extern const sq_db_statement_t classify_statements[];

//  A classifier over setup (copied; what it points to is borrowed).
classify_t *classify_new(const classify_setup_t *setup);

//  Free; safe twice.
void classify_destroy(classify_t **self_p);

//  Answer one request (borrowed).  Returns the reply body (the caller's).
zmsg_t *classify_answer(classify_t *self, zmsg_t *request);

#endif
