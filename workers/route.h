/*  route: the suqiu.route service, who leads a classified complaint and who cooperates.

    Complaints are routed in batches, many per transaction (group commit): route_run claims
    up to a batch of the complaints waiting in 'classified', oldest first (rows another
    worker claimed are skipped; a worker killed before its commit lets its batch go, and the
    next claim takes it again), and for each asks the routing matrix (config/matrix.yaml) with its
    category, type, region, channel and setting, leaving out the departments that returned
    it and passing over rules that ask for a label the classifier was unsure of (its
    classification event lists them), and records the decision with its reason:
    'dispatched' to the lead and co-handlers, or 'triage' (the dispatch desk decides by
    hand) when the classifier was unsure, no rule covers it, or every candidate returned it;
    with its deadlines from the SLA policy in force at receipt.  The complaints routed for
    the first time are written in one statement (complaint_route_batch, sql/028) and
    committed once; those routed again after a return or a correction, whose deadlines must
    be settled with what happened to them (sq_deadline_settle), are routed after that commit
    one at a time, each in its own transaction.
    The service's requests, VERB NUMBER ("new" from classify, "sweep" from the sweeper),
    only say that complaints wait: the answer is "200" {"number", "outcome": "queued"} (or
    "400" {"error"}) at once, and the worker's loop runs route_run.
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

//  Answer one request (borrowed): note that complaints wait.  Returns the reply body (the
//  caller's).
zmsg_t *route_answer(route_t *self, zmsg_t *request);

//  Route one batch of at most limit waiting complaints.  Returns how many were claimed and
//  committed (0 when none waits), or -1 (logged) when the batch could not be committed: it
//  was rolled back and waits for the next run.
int route_run(route_t *self, int limit);

//  True when complaints may wait: a request came since the last run, the last batch was
//  full, or it failed.
bool route_waiting(route_t *self);

#endif
