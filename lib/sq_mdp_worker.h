/*  sq_mdp_worker: one MDP/0.1 worker session with the broker (ZeroMQ RFC 7).

    A session is a DEALER that announces one service (READY), then receives one request
    at a time and answers it (REPLY).  It sends HEARTBEAT every heartbeat_ms.  When the
    broker tells it to DISCONNECT, or has been silent for liveness heartbeats, the session
    does what the RFC asks: it closes its socket, waits reconnect_ms, opens a new socket
    (so the broker sees a new identity) and sends exactly one READY.  A request it held
    on the old socket is forgotten: the broker has given it to another worker, and a late
    reply would only be refused.

    Because the socket changes, a process that polls many sessions (the intake holds
    several to commit several requests in one transaction) asks each session for its
    socket every time it polls, and calls sq_mdp_worker_tick when sq_mdp_worker_wake_at
    says so.  Not thread-safe: one thread drives a session.
*/
#ifndef SQ_MDP_WORKER_H
#define SQ_MDP_WORKER_H

#include <czmq.h>
#include <stdbool.h>

typedef struct _sq_mdp_worker_t sq_mdp_worker_t;

//  Connect to the broker's worker endpoint and send READY for service (both copied).
//  Returns NULL (logged) when the endpoint is unusable.
sq_mdp_worker_t *sq_mdp_worker_new(const char *endpoint, const char *service, int heartbeat_ms,
                                   int liveness, int reconnect_ms);

//  Send DISCONNECT, close and free; safe on NULL and twice.
void sq_mdp_worker_destroy(sq_mdp_worker_t **self_p);

//  The session's socket, for polling; borrowed, valid until the next sq_mdp_worker_recv
//  or sq_mdp_worker_tick.  NULL while the session waits to reconnect.
zsock_t *sq_mdp_worker_socket(sq_mdp_worker_t *self);

//  The service it serves; borrowed.
const char *sq_mdp_worker_service(sq_mdp_worker_t *self);

//  Read one message (call when the socket is readable).  For a REQUEST, returns its body
//  (the caller's) and sets *ticket to the number that sq_mdp_worker_reply needs; the
//  session remembers whom to answer.  For a heartbeat, a disconnect or a malformed
//  message, handles it and returns NULL.
zmsg_t *sq_mdp_worker_recv(sq_mdp_worker_t *self, uint64_t *ticket);

//  Answer the request that came with ticket.  Takes ownership of *body.  Returns 0 when
//  sent, -1 when it was not (the session has reconnected since, or has answered already:
//  the broker has handed that request to another worker; logged at debug level).
int sq_mdp_worker_reply(sq_mdp_worker_t *self, uint64_t ticket, zmsg_t **body);

//  Send a heartbeat when one is due, reconnect when the broker has gone silent or when the
//  wait before reconnecting is over.  Call it at sq_mdp_worker_wake_at or later.
void sq_mdp_worker_tick(sq_mdp_worker_t *self);

//  When the session next has something to do in sq_mdp_worker_tick (zclock_mono time).
int64_t sq_mdp_worker_wake_at(sq_mdp_worker_t *self);

//  How many times it has reconnected since it was made.
uint64_t sq_mdp_worker_reconnects(sq_mdp_worker_t *self);

#endif
