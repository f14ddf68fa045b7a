/*  route: the suqiu.route service, who leads a classified complaint and who cooperates.

    Request frames: VERB NUMBER ("new" from classify, "sweep" from the sweeper).  For a
    complaint in 'classified' it asks the routing matrix (config/matrix.yaml) with its
    category, type, region, channel and setting, leaving out the departments that returned
    it and passing over rules that ask for a label the classifier was unsure of (its
    classification event lists them), and records the decision with its reason:
    'dispatched' to the lead and co-handlers, or 'triage' (the dispatch desk decides by
    hand) when the classifier was unsure, no rule covers it, or every candidate returned it.
    Reply frames: "200" {"number", "outcome": dispatched|triage|skipped, "lead", "co",
    "rule", "reason"}, or "400"/"404"/"503" {"error"}.  A complaint no longer in
    'classified' is skipped, so repeated hand-offs are harmless.
*/
#ifndef ROUTE_H
#define ROUTE_H

#include <czmq.h>

#include "sq_catalog.h"
#include "sq_db.h"
#include "sq_matrix.h"
#include "sq_sla.h"

#define ROUTE_SERVICE "suqiu.route"

typedef struct _route_t route_t;

//  The prepared statements route needs; add them to the process's table.
extern const sq_db_statement_t route_statements[];

//  A router; db, matrix, sla and calendar are borrowed.  remind_percent: when a stage's
//  reminder is due, as a share of the time from receipt to its deadline.
route_t *route_new(sq_db_t *db, const sq_matrix_t *matrix, const sq_sla_t *sla,
                   const sq_calendar_t *calendar, int remind_percent);

//  Free; safe twice.
void route_destroy(route_t **self_p);

//  Answer one request (borrowed).  Returns the reply body (the caller's).
zmsg_t *route_answer(route_t *self, zmsg_t *request);

#endif
