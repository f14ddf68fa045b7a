/*  intake: the suqiu.intake service.

    Requests come from several MDP sessions at once; each body is one frame holding an
    envelope (see sq_envelope.h).  A bad envelope is answered at once with 400.  Good
    ones are held and committed together, up to batch_max in one call of
    intake_batch() (one transaction, one durable commit: group commit), and only then
    is each answered:
        201 {"number": ..., "channel": ..., "external_id": ...}   a new complaint
        200 {same}                                               the key was seen before
        400 {"error": ..., "field": ...}                         the envelope is invalid
        503 {"error": ...}                                       it could not be committed
    When a batch fails as a whole, its envelopes are committed one by one, so that one
    bad envelope cannot sink the others.
*/
#ifndef INTAKE_H
#define INTAKE_H

#include <czmq.h>

#include "sq_db.h"
#include "sq_envelope.h"
#include "sq_handoff.h"
#include "sq_mdp_worker.h"

#define INTAKE_SERVICE "suqiu.intake"

typedef struct _intake_t intake_t;

//  The prepared statements intake needs; add them to the process's table.
extern const sq_db_statement_t intake_statements[];

//  A new intake.  db is borrowed (its statement table must include intake_statements);
//  limits are copied; handoff (borrowed, may be NULL) tells the next stage's service right
//  after each commit that new complaints wait (one hand-off, "new" with the first new
//  complaint's number, for the whole batch: the stage claims them from the database).
intake_t *intake_new(sq_db_t *db, const sq_limits_t *limits, int batch_max,
                     sq_handoff_t *handoff);

//  Free; held requests are dropped unanswered (their clients retry).  Safe twice.
void intake_destroy(intake_t **self_p);

//  Take one request that arrived on session with ticket (see sq_mdp_worker_recv): answer it
//  at once when invalid, else hold it.  Takes ownership of *body; session is borrowed and
//  must outlive the flush.  A session that reconnects meanwhile drops the answer.
void intake_take(intake_t *self, sq_mdp_worker_t *session, uint64_t ticket, zmsg_t **body);

//  How many requests are held.
size_t intake_pending(intake_t *self);

//  True when the batch is full.
bool intake_full(intake_t *self);

//  Commit what is held and answer each request.  Returns how many were committed
//  (new or repeated), or -1 when none could be.
int intake_flush(intake_t *self);

#endif
