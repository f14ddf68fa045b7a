/*  sweeper: drive complaints from what PostgreSQL holds, not from messages that may be lost.

    Every pass asks the broker (MMI) which next-stage services have a worker, then walks
    the open complaints in those stages that have sat in their state longer than
    stale_after_s, oldest first, through the partial index on open complaints, and hands
    each to the service that drives its next stage as an MDP request ["sweep", NUMBER]:
        received   -> suqiu.classify
        classified -> suqiu.route
    (later states wait for people; the deadline watch raises their alerts.)
    The walk keeps its place between passes (a keyset cursor on state_since, id), so a
    pass does bounded work and every stale complaint is reached in turn.  Those services
    must be idempotent: a complaint is handed on again after another stale_after_s while
    it stays where it is.
    The hand-offs go on a socket of the sweeper's own, whose replies it counts: no more
    than SWEEPER_WAITING_MAX of them wait for an answer at a time, so that a backlog (an
    import of 100,000 complaints) goes on at the pace the next stage takes it, and the
    broker's queue ahead of new complaints stays short.  A hand-off the broker dropped
    (its request_ttl_ms) is never answered: after stale_after_s without any answer the
    sweeper counts none as waiting.
*/
#ifndef SWEEPER_H
#define SWEEPER_H

#include "sq_db.h"
#include "sq_handoff.h"

typedef struct _sweeper_t sweeper_t;

//  The prepared statements the sweeper needs; add them to the process's table.
extern const sq_db_statement_t sweeper_statements[];

#define SWEEPER_WAITING_MAX 2000   //  hand-offs waiting for an answer, at most

//  A sweeper reading db (borrowed) and handing complaints on through the broker at
//  broker_endpoint (copied).  NULL (logged) when the endpoint is unusable.
sweeper_t *sweeper_new(sq_db_t *db, const char *broker_endpoint, int stale_after_s);

//  Free; safe twice.
void sweeper_destroy(sweeper_t **self_p);

//  One pass.  Returns how many complaints were handed on, or -1 (logged) on a database error.
int sweeper_run(sweeper_t *self);

#endif
