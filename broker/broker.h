/*  broker: the suqiu Majordomo broker, MDP/0.1 (ZeroMQ RFC 7) with MMI (RFC 8).

    Clients talk to one ROUTER socket, workers to another.  Requests are routed by
    service name: each service keeps a FIFO of queued requests and a list of idle
    workers, and a request goes to the idle worker that has waited longest.  A queue
    holds at most broker.queue_max requests (a newer one is dropped; the client's
    Lazy Pirate retry copes) and a queued request older than broker.request_ttl_ms
    (counted from its arrival) is dropped.

    Unlike the zguide reference broker, no request is lost when a worker dies: each
    worker remembers the request it holds, and when the worker expires (silent for
    heartbeat_ms * liveness), disconnects or breaks the protocol, that request goes
    back to the front of its service's queue for the next worker.  A late REPLY from
    a worker the broker no longer knows is not forwarded; it is answered DISCONNECT.
    The heartbeat timer checks every worker, not just up to the first live one.

    Services named "mmi.*" are answered by the broker itself: "mmi.service" with a
    service name as body answers "200" when a live worker serves it, else "404";
    any other "mmi.*" answers "501".
*/
#ifndef BROKER_H
#define BROKER_H

#include <czmq.h>

#include "sq_config.h"

typedef struct _broker_t broker_t;

//  Bind the client ROUTER on config->broker_client_endpoint and the worker ROUTER on
//  config->broker_worker_endpoint.  The config is borrowed: what is needed is copied.
//  Returns NULL (logged at error) when either bind fails.
broker_t *broker_new(const sq_config_t *config);

//  Send DISCONNECT to every known worker, drop queued requests, log the counters,
//  close the sockets and free.  Safe on NULL and twice; sets *self_p to NULL.
void broker_destroy(broker_t **self_p);

//  Run the event loop until the process is interrupted (SIGINT/SIGTERM) or, when pipe
//  is not NULL, until "$TERM" arrives on it.  The pipe is borrowed.  Returns 0.
int broker_run(broker_t *self, zsock_t *pipe);

//  The endpoints actually bound (a "*" port resolved); borrowed, valid until destroy.
const char *broker_client_endpoint(broker_t *self);
const char *broker_worker_endpoint(broker_t *self);

//  zactor body, for tests and embedding: args is a const sq_config_t * that must stay
//  valid until zactor_new returns.  Binds, signals the pipe (0 on success, 1 when the
//  broker could not be created, then returns), and runs until "$TERM".
void broker_actor(zsock_t *pipe, void *args);

#endif
