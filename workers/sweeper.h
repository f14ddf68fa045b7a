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
    Replies are read and dropped.
*/
#ifndef SWEEPER_H
#define SWEEPER_H

#include "sq_db.h"
#include "sq_handoff.h"

typedef struct _sweeper_t sweeper_t;

//  The prepared statements the sweeper needs; add them to the process's table.
extern const sq_db_statement_t sweeper_statements[];

//  A sweeper reading db and handing complaints on through handoff (both borrowed).
sweeper_t *sweeper_new(sq_db_t *db, sq_handoff_t *handoff, int stale_after_s);

//  Free; safe twice.
void sweeper_destroy(sweeper_t **self_p);

//  One pass.  Returns how many complaints were handed on, or -1 (logged) on a database error.
int sweeper_run(sweeper_t *self);

#endif
