/*  sq_handoff: hand a complaint on to the service of its next stage, fire and forget.

    A hand-off is an MDP request [VERB, NUMBER] to a service ("suqiu.classify", ...), sent
    only when the broker says (MMI, RFC 8) that a worker serves it; the answers are cached
    for a couple of seconds so that a busy stage does not ask for every complaint.  Replies
    are read and dropped.  Nothing depends on a hand-off arriving: the sweeper hands a
    complaint on again when it sits too long in its state, so the services must be
    idempotent.  Not thread-safe: one per thread.
*/
#ifndef SQ_HANDOFF_H
#define SQ_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct _sq_handoff_t sq_handoff_t;

//  A hand-off sender to the broker's client endpoint (copied).  NULL (logged) when the
//  endpoint is unusable.
sq_handoff_t *sq_handoff_new(const char *broker_endpoint);

//  Close and free; safe on NULL and twice.
void sq_handoff_destroy(sq_handoff_t **self_p);

//  True when a worker serves service now (cached for a short while); false for NULL.
bool sq_handoff_served(sq_handoff_t *self, const char *service);

//  Send [verb, number] to service when it is served.  Returns 1 when sent, 0 when no worker
//  serves it, -1 when sending failed (logged).
int sq_handoff_send(sq_handoff_t *self, const char *service, const char *verb, const char *number);

//  Read and drop the replies that have arrived.  Returns how many there were.
size_t sq_handoff_drain(sq_handoff_t *self);

#endif
