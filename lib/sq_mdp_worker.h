/*  sq_mdp_worker: one MDP/0.1 worker session with the broker.

    A session is a DEALER that announces one service (READY), then receives one
    request at a time and answers it (REPLY).  It sends HEARTBEAT every heartbeat_ms
    and, when the broker has been silent for liveness heartbeats or tells it to
    DISCONNECT, announces itself again.  The socket stays the same for the life of
    the session, so a process can poll many sessions at once: the intake worker
    holds several to commit several requests in one transaction (group commit).
*/
#ifndef SQ_MDP_WORKER_H
#define SQ_MDP_WORKER_H

#include <czmq.h>

typedef struct _sq_mdp_worker_t sq_mdp_worker_t;

//  Connect to the broker's worker endpoint and send READY for service (both copied).
//  Returns NULL (logged) when the endpoint is unusable.
sq_mdp_worker_t *sq_mdp_worker_new(const char *endpoint, const char *service, int heartbeat_ms,
                                   int liveness);

//  Send DISCONNECT, close and free; safe on NULL and twice.
void sq_mdp_worker_destroy(sq_mdp_worker_t **self_p);

//  The session's socket, for polling; borrowed and stable.
zsock_t *sq_mdp_worker_socket(sq_mdp_worker_t *self);

//  The service it serves; borrowed.
const char *sq_mdp_worker_service(sq_mdp_worker_t *self);

//  Read one message (call when the socket is readable).  For a REQUEST, returns its body
//  and sets *reply_to to the client's address (both the caller's, to hand back to
//  sq_mdp_worker_reply).  For a heartbeat, a disconnect or a malformed message, handles
//  it and returns NULL.
zmsg_t *sq_mdp_worker_recv(sq_mdp_worker_t *self, zframe_t **reply_to);

//  Answer a request.  Takes ownership of *reply_to and *body.  Returns 0 or -1.
int sq_mdp_worker_reply(sq_mdp_worker_t *self, zframe_t **reply_to, zmsg_t **body);

//  Send a heartbeat when one is due, and announce again when the broker has gone
//  silent.  Call at least every heartbeat_ms.
void sq_mdp_worker_tick(sq_mdp_worker_t *self);

#endif
