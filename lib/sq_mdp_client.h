/*  sq_mdp_client: an MDP/0.1 client with Lazy Pirate retries.

    One request at a time: send, wait up to timeout_ms for the reply, and when none
    comes, close the socket (so a late reply cannot be mistaken for the next one),
    open a new one and send the same request again, up to `retries` attempts in all.
    Requests must therefore be idempotent; suqiu's carry an idempotency key.
    Not thread-safe: one client per thread.
*/
#ifndef SQ_MDP_CLIENT_H
#define SQ_MDP_CLIENT_H

#include <czmq.h>

typedef struct _sq_mdp_client_t sq_mdp_client_t;

//  A client of the broker at endpoint (copied).  Returns NULL (logged) if the
//  endpoint cannot be connected to.
sq_mdp_client_t *sq_mdp_client_new(const char *endpoint, int timeout_ms, int retries);

//  Close the socket and free; safe on NULL and twice.
void sq_mdp_client_destroy(sq_mdp_client_t **self_p);

//  Send body to service and wait for the reply, retrying as above.  Takes ownership of
//  *body_p.  Returns the reply body (the caller's), or NULL when every attempt timed out
//  or the process is being interrupted.
zmsg_t *sq_mdp_client_request(sq_mdp_client_t *self, const char *service, zmsg_t **body_p);

#endif
