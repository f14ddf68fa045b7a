/*  broker: MDP/0.1 routing, MMI and requeue of requests held by dead workers (see broker.h). */
#include "broker.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "sq_log.h"
#include "sq_mdp.h"

#define S_STATS_INTERVAL_MS 60000
#define S_READ_BATCH 100      //  messages read from one socket per wake-up, so neither starves
#define S_LINGER_MAX_MS 1000  //  how long closing waits for the DISCONNECTs to leave
#define S_MMI_PREFIX "mmi."

//  A client's request: queued in its service, or in flight at one worker.
typedef struct {
    zframe_t *client;     //  the client's routing id on the client ROUTER
    zmsg_t *body;
    int64_t expires_at;   //  arrival + request_ttl_ms: a queued request past it is dropped
} s_request_t;

typedef struct _s_worker_t s_worker_t;

typedef struct {
    char *name;
    zlistx_t *requests;   //  queued s_request_t (owned); requeued ones go to the front
    zlistx_t *workers;    //  every s_worker_t serving it, idle or busy (borrowed)
    zlistx_t *waiting;    //  the idle ones, longest idle first (borrowed)
    uint64_t full_drops;  //  requests dropped since the queue last had room
} s_service_t;

struct _s_worker_t {
    char *identity;          //  routing id in hex, the key in broker->workers
    zframe_t *address;       //  routing id on the worker ROUTER
    s_service_t *service;    //  borrowed; outlives the worker
    void *service_handle;    //  in service->workers
    void *waiting_handle;    //  in service->waiting while idle, else NULL
    s_request_t *request;    //  the request in flight (owned), NULL while idle
    int64_t expires_at;      //  last message + heartbeat_ms * liveness
};

typedef struct {
    uint64_t requests_in;      //  client requests for real services
    uint64_t replies_out;      //  worker replies forwarded to clients
    uint64_t requeued;         //  in-flight requests put back when their worker went away
    uint64_t dropped_full;     //  refused because the service's queue was full
    uint64_t dropped_expired;  //  queued longer than request_ttl_ms
    uint64_t mmi;              //  MMI requests answered
    //  Worker sessions, counted since the last "workers:" line (see s_log_workers).
    uint64_t ready;            //  registered (READY)
    uint64_t disconnected;     //  said DISCONNECT
    uint64_t expired;          //  silent for liveness heartbeats
    uint64_t refused;          //  broke the protocol, and were disconnected
    uint64_t unknown;          //  spoke without READY, and were told DISCONNECT
    uint64_t requeued_seen;    //  requeued as of the last "workers:" line
} s_stats_t;

struct _broker_t {
    zsock_t *client_socket;    //  ROUTER for clients
    zsock_t *worker_socket;    //  ROUTER for workers
    char *client_endpoint;     //  as bound, "*" resolved
    char *worker_endpoint;
    int heartbeat_ms;
    int liveness;
    size_t queue_max;
    int request_ttl_ms;
    zhashx_t *services;        //  name -> s_service_t (owned)
    zhashx_t *workers;         //  identity -> s_worker_t (owned)
    s_stats_t stats;
    int64_t stats_at;          //  when the counters are logged next
};

//  --------------------------------------------------------------------------
//  Requests and services

static s_request_t *s_request_new(zframe_t **client_p, zmsg_t **body_p, int64_t expires_at)
{
    s_request_t *self = (s_request_t *) zmalloc(sizeof *self);
    self->client = *client_p;
    *client_p = NULL;
    self->body = *body_p;
    *body_p = NULL;
    self->expires_at = expires_at;
    return self;
}

static void s_request_destroy(s_request_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_request_t *self = *self_p;
    zframe_destroy(&self->client);
    zmsg_destroy(&self->body);
    free(self);
    *self_p = NULL;
}

static s_service_t *s_service_new(const char *name)
{
    s_service_t *self = (s_service_t *) zmalloc(sizeof *self);
    self->name = strdup(name);
    self->requests = zlistx_new();
    zlistx_set_destructor(self->requests, (zlistx_destructor_fn *) s_request_destroy);
    self->workers = zlistx_new();
    self->waiting = zlistx_new();
    return self;
}

//  Frees the queued requests; the service's workers must be gone already.
static void s_service_destroy(s_service_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_service_t *self = *self_p;
    zlistx_destroy(&self->requests);
    zlistx_destroy(&self->workers);
    zlistx_destroy(&self->waiting);
    free(self->name);
    free(self);
    *self_p = NULL;
}

static s_service_t *s_service_require(broker_t *self, const char *name)
{
    s_service_t *service = (s_service_t *) zhashx_lookup(self->services, name);
    if (!service) {
        service = s_service_new(name);
        zhashx_insert(self->services, name, service);
    }
    return service;
}

//  True when at least one worker serving it has not expired.
static bool s_service_live(s_service_t *service, int64_t now)
{
    for (s_worker_t *worker = (s_worker_t *) zlistx_first(service->workers); worker;
         worker = (s_worker_t *) zlistx_next(service->workers))
        if (worker->expires_at > now)
            return true;
    return false;
}

//  --------------------------------------------------------------------------
//  Workers

//  Send a worker command (with the request for REQUEST) to a routing id.
static void s_send_command(broker_t *self, zframe_t *address, sq_mdp_kind_t kind,
                           s_request_t *request)
{
    sq_mdp_msg_t *command = sq_mdp_msg_new(kind);
    zframe_t *to = zframe_dup(address);
    sq_mdp_msg_set_address(command, &to);
    if (request) {
        zframe_t *client = zframe_dup(request->client);
        sq_mdp_msg_set_client(command, &client);
        zmsg_t *body = zmsg_dup(request->body);
        sq_mdp_msg_set_body(command, &body);
    }
    if (sq_mdp_msg_send(&command, self->worker_socket))
        sq_warn_limited("cannot send %s to a worker: %s", sq_mdp_kind_name(kind),
                zmq_strerror(zmq_errno()));
}

static void s_worker_destroy(s_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_worker_t *self = *self_p;
    s_request_destroy(&self->request);
    zframe_destroy(&self->address);
    free(self->identity);
    free(self);
    *self_p = NULL;
}

//  Register a worker that sent READY.  Takes ownership of *identity_p.
static s_worker_t *s_worker_new(broker_t *self, char **identity_p, zframe_t *address,
                                s_service_t *service)
{
    s_worker_t *worker = (s_worker_t *) zmalloc(sizeof *worker);
    worker->identity = *identity_p;
    *identity_p = NULL;
    worker->address = zframe_dup(address);
    worker->service = service;
    worker->service_handle = zlistx_add_end(service->workers, worker);
    worker->waiting_handle = zlistx_add_end(service->waiting, worker);
    worker->expires_at = zclock_mono() + (int64_t) self->heartbeat_ms * self->liveness;
    zhashx_insert(self->workers, worker->identity, worker);
    return worker;
}

//  Forget a worker, telling it DISCONNECT when asked to.  Its request in flight goes back
//  to the front of its service's queue; the caller dispatches that service.
static void s_worker_delete(broker_t *self, s_worker_t *worker, bool disconnect)
{
    s_service_t *service = worker->service;
    if (disconnect)
        s_send_command(self, worker->address, SQ_MDP_DISCONNECT, NULL);
    if (worker->request) {
        zlistx_add_start(service->requests, worker->request);
        worker->request = NULL;
        self->stats.requeued++;
        sq_info_limited("worker %s (%s) went away holding a request: requeued",
                        worker->identity, service->name);
    }
    if (worker->waiting_handle)
        zlistx_delete(service->waiting, worker->waiting_handle);
    zlistx_delete(service->workers, worker->service_handle);
    zhashx_delete(self->workers, worker->identity);   //  frees the worker
}

static void s_worker_expire(broker_t *self, s_worker_t *worker)
{
    sq_info_limited("worker %s (%s) expired: silent for %d ms", worker->identity,
                    worker->service->name, self->heartbeat_ms * self->liveness);
    self->stats.expired++;
    //  No DISCONNECT: a worker that was only slow learns it from the answer to its next
    //  message, and announces itself once instead of twice.
    s_worker_delete(self, worker, false);
}

//  Hand queued requests to idle workers, oldest waiting worker first.  Expired requests
//  and expired idle workers met on the way are dropped.
static void s_service_dispatch(broker_t *self, s_service_t *service)
{
    int64_t now = zclock_mono();
    while (zlistx_size(service->requests) > 0 && zlistx_size(service->waiting) > 0) {
        s_worker_t *worker = (s_worker_t *) zlistx_first(service->waiting);
        if (worker->expires_at <= now) {
            s_worker_expire(self, worker);
            continue;
        }
        s_request_t *request = (s_request_t *) zlistx_detach(service->requests, NULL);
        if (request->expires_at <= now) {
            self->stats.dropped_expired++;
            sq_debug("request for %s dropped: queued longer than %d ms", service->name,
                     self->request_ttl_ms);
            s_request_destroy(&request);
            continue;
        }
        zlistx_detach(service->waiting, worker->waiting_handle);
        worker->waiting_handle = NULL;
        worker->request = request;
        s_send_command(self, worker->address, SQ_MDP_REQUEST, request);
        sq_debug("request for %s sent to worker %s", service->name, worker->identity);
    }
}

static void s_protocol_error(broker_t *self, s_worker_t *worker, const char *why)
{
    sq_warn_limited("worker %s (%s): %s; disconnecting it", worker->identity,
                    worker->service->name, why);
    self->stats.refused++;
    s_service_t *service = worker->service;
    s_worker_delete(self, worker, true);
    s_service_dispatch(self, service);
}

//  --------------------------------------------------------------------------
//  Messages

//  READY from a worker the broker does not know yet.
static void s_worker_ready(broker_t *self, char **identity_p, sq_mdp_msg_t *message)
{
    const char *name = sq_mdp_msg_service(message);
    if (strncmp(name, S_MMI_PREFIX, strlen(S_MMI_PREFIX)) == 0) {
        sq_warn_limited("worker %s offered the reserved service %s; disconnecting it", *identity_p,
                        name);
        s_send_command(self, sq_mdp_msg_address(message), SQ_MDP_DISCONNECT, NULL);
        return;
    }
    s_service_t *service = s_service_require(self, name);
    s_worker_t *worker = s_worker_new(self, identity_p, sq_mdp_msg_address(message), service);
    sq_debug("worker %s ready for %s (%zu workers, %zu requests queued)", worker->identity,
             name, zlistx_size(service->workers), zlistx_size(service->requests));
    self->stats.ready++;
    s_service_dispatch(self, service);
}

//  REPLY from a busy worker: forward it to the client, the worker is idle again.
static void s_worker_reply(broker_t *self, s_worker_t *worker, sq_mdp_msg_t *message)
{
    s_service_t *service = worker->service;
    s_request_t *request = worker->request;
    worker->request = NULL;

    sq_mdp_msg_t *reply = sq_mdp_msg_new(SQ_MDP_CLIENT);
    sq_mdp_msg_set_address(reply, &request->client);
    sq_mdp_msg_set_service(reply, service->name);
    zmsg_t *body = sq_mdp_msg_take_body(message);
    sq_mdp_msg_set_body(reply, &body);
    if (sq_mdp_msg_send(&reply, self->client_socket))
        sq_warn_limited("cannot forward a reply for %s: %s", service->name,
                        zmq_strerror(zmq_errno()));
    else
        self->stats.replies_out++;
    sq_debug("reply from worker %s for %s forwarded", worker->identity, service->name);
    s_request_destroy(&request);

    worker->waiting_handle = zlistx_add_end(service->waiting, worker);
    s_service_dispatch(self, service);
}

//  The one dispatch function for the worker socket.
static void s_worker_message(broker_t *self, sq_mdp_msg_t *message)
{
    sq_mdp_kind_t kind = sq_mdp_msg_kind(message);
    char *identity = zframe_strhex(sq_mdp_msg_address(message));
    s_worker_t *worker = (s_worker_t *) zhashx_lookup(self->workers, identity);
    if (!worker) {
        if (kind == SQ_MDP_READY)
            s_worker_ready(self, &identity, message);
        else if (kind != SQ_MDP_DISCONNECT) {
            sq_info_limited("%s from unknown worker %s: answered DISCONNECT",
                            sq_mdp_kind_name(kind), identity);
            self->stats.unknown++;
            s_send_command(self, sq_mdp_msg_address(message), SQ_MDP_DISCONNECT, NULL);
        }
        free(identity);
        return;
    }
    free(identity);
    worker->expires_at = zclock_mono() + (int64_t) self->heartbeat_ms * self->liveness;

    switch (kind) {
    case SQ_MDP_HEARTBEAT:
        break;
    case SQ_MDP_REPLY:
        if (!worker->request)
            s_protocol_error(self, worker, "REPLY while holding no request");
        else if (!zframe_eq(sq_mdp_msg_client(message), worker->request->client))
            s_protocol_error(self, worker, "REPLY to another client than the request's");
        else
            s_worker_reply(self, worker, message);
        break;
    case SQ_MDP_DISCONNECT: {
        sq_debug("worker %s (%s) disconnected", worker->identity, worker->service->name);
        self->stats.disconnected++;
        s_service_t *service = worker->service;
        s_worker_delete(self, worker, false);
        s_service_dispatch(self, service);
        break;
    }
    case SQ_MDP_READY:
        s_protocol_error(self, worker, "READY from a worker already registered");
        break;
    default:
        s_protocol_error(self, worker, "sent a command only the broker may send");
    }
}

//  An "mmi.*" request, answered by the broker (RFC 8).
static void s_mmi(broker_t *self, sq_mdp_msg_t *message)
{
    const char *name = sq_mdp_msg_service(message);
    const char *code = "501";
    if (streq(name, "mmi.service")) {
        zframe_t *frame = zmsg_first(sq_mdp_msg_body(message));
        char *wanted = frame ? zframe_strdup(frame) : NULL;
        s_service_t *service =
            wanted ? (s_service_t *) zhashx_lookup(self->services, wanted) : NULL;
        code = service && s_service_live(service, zclock_mono()) ? "200" : "404";
        free(wanted);
    }
    self->stats.mmi++;
    sq_mdp_msg_t *reply = sq_mdp_msg_new(SQ_MDP_CLIENT);
    zframe_t *address = zframe_dup(sq_mdp_msg_address(message));
    sq_mdp_msg_set_address(reply, &address);
    sq_mdp_msg_set_service(reply, name);
    zmsg_t *body = zmsg_new();
    zmsg_addstr(body, code);
    sq_mdp_msg_set_body(reply, &body);
    if (sq_mdp_msg_send(&reply, self->client_socket))
        sq_warn_limited("cannot answer %s: %s", name, zmq_strerror(zmq_errno()));
}

//  The one dispatch function for the client socket.
static void s_client_message(broker_t *self, sq_mdp_msg_t *message)
{
    if (sq_mdp_msg_kind(message) != SQ_MDP_CLIENT) {
        sq_warn_limited("dropped a worker command (%s) sent to the client endpoint",
                sq_mdp_kind_name(sq_mdp_msg_kind(message)));
        return;
    }
    const char *name = sq_mdp_msg_service(message);
    if (strncmp(name, S_MMI_PREFIX, strlen(S_MMI_PREFIX)) == 0) {
        s_mmi(self, message);
        return;
    }
    self->stats.requests_in++;
    s_service_t *service = s_service_require(self, name);
    if (zlistx_size(service->requests) >= self->queue_max) {
        self->stats.dropped_full++;
        if (service->full_drops++ == 0)
            sq_warn("queue for %s is full (%zu requests): dropping new ones", name,
                    self->queue_max);
        return;
    }
    if (service->full_drops > 0) {
        sq_warn("queue for %s has room again; %" PRIu64 " requests were dropped", name,
                service->full_drops);
        service->full_drops = 0;
    }
    zframe_t *client = zframe_dup(sq_mdp_msg_address(message));
    zmsg_t *body = sq_mdp_msg_take_body(message);
    int64_t expires_at = zclock_mono() + self->request_ttl_ms;
    zlistx_add_end(service->requests, s_request_new(&client, &body, expires_at));
    sq_debug("request for %s received (%zu queued, %zu idle workers)", name,
             zlistx_size(service->requests), zlistx_size(service->waiting));
    s_service_dispatch(self, service);
}

//  --------------------------------------------------------------------------
//  Heartbeat timer

static void s_purge_workers(broker_t *self)
{
    int64_t now = zclock_mono();
    zlistx_t *expired = zlistx_new();
    for (s_worker_t *worker = (s_worker_t *) zhashx_first(self->workers); worker;
         worker = (s_worker_t *) zhashx_next(self->workers))
        if (worker->expires_at <= now)
            zlistx_add_end(expired, worker);
    for (s_worker_t *worker = (s_worker_t *) zlistx_first(expired); worker;
         worker = (s_worker_t *) zlistx_next(expired))
        s_worker_expire(self, worker);
    zlistx_destroy(&expired);
}

//  Drop a service's queued requests past their TTL; returns how many.
static size_t s_purge_requests(s_service_t *service, int64_t now)
{
    zlistx_t *doomed = zlistx_new();
    for (s_request_t *request = (s_request_t *) zlistx_first(service->requests); request;
         request = (s_request_t *) zlistx_next(service->requests))
        if (request->expires_at <= now)
            zlistx_add_end(doomed, zlistx_cursor(service->requests));
    size_t dropped = zlistx_size(doomed);
    for (void *handle = zlistx_first(doomed); handle; handle = zlistx_next(doomed))
        zlistx_delete(service->requests, handle);
    zlistx_destroy(&doomed);
    return dropped;
}

//  Expire old requests, dispatch what was requeued, forget services nobody uses.
static void s_purge_services(broker_t *self)
{
    int64_t now = zclock_mono();
    zlistx_t *unused = zlistx_new();
    for (s_service_t *service = (s_service_t *) zhashx_first(self->services); service;
         service = (s_service_t *) zhashx_next(self->services)) {
        size_t dropped = s_purge_requests(service, now);
        if (dropped > 0) {
            self->stats.dropped_expired += dropped;
            sq_warn_limited("dropped %zu requests for %s queued longer than %d ms", dropped,
                    service->name, self->request_ttl_ms);
        }
        if (zlistx_size(service->workers) == 0 && zlistx_size(service->requests) == 0)
            zlistx_add_end(unused, service->name);
    }
    //  Dispatch after the walk: dispatch may expire workers but never adds or removes services.
    for (s_service_t *service = (s_service_t *) zhashx_first(self->services); service;
         service = (s_service_t *) zhashx_next(self->services))
        s_service_dispatch(self, service);
    for (const char *name = (const char *) zlistx_first(unused); name;
         name = (const char *) zlistx_next(unused))
        zhashx_delete(self->services, name);
    zlistx_destroy(&unused);
}

static void s_log_stats(broker_t *self)
{
    size_t queued = 0;
    for (s_service_t *service = (s_service_t *) zhashx_first(self->services); service;
         service = (s_service_t *) zhashx_next(self->services))
        queued += zlistx_size(service->requests);
    sq_info("counters: requests_in=%" PRIu64 " replies_out=%" PRIu64 " requeued=%" PRIu64
            " dropped_full=%" PRIu64 " dropped_expired=%" PRIu64 " mmi=%" PRIu64
            " workers=%zu services=%zu queued=%zu",
            self->stats.requests_in, self->stats.replies_out, self->stats.requeued,
            self->stats.dropped_full, self->stats.dropped_expired, self->stats.mmi,
            zhashx_size(self->workers), zhashx_size(self->services), queued);
}

//  One line per heartbeat in which sessions came or went, instead of one per session: after
//  a restart under load it tells how fast the workers came back and that they stay.
static void s_log_workers(broker_t *self)
{
    s_stats_t *stats = &self->stats;
    uint64_t requeued = stats->requeued - stats->requeued_seen;
    if (!stats->ready && !stats->disconnected && !stats->expired && !stats->refused
        && !stats->unknown && !requeued)
        return;
    sq_info("workers: %zu registered (%" PRIu64 " ready, %" PRIu64 " disconnected, %" PRIu64
            " expired, %" PRIu64 " refused for protocol errors, %" PRIu64
            " unknown told to reconnect, %" PRIu64 " requests requeued)",
            zhashx_size(self->workers), stats->ready, stats->disconnected, stats->expired,
            stats->refused, stats->unknown, requeued);
    stats->ready = stats->disconnected = stats->expired = stats->refused = stats->unknown = 0;
    stats->requeued_seen = stats->requeued;
}

static int s_on_heartbeat(zloop_t *loop, int timer_id, void *arg)
{
    (void) loop;
    (void) timer_id;
    broker_t *self = (broker_t *) arg;
    s_purge_workers(self);
    s_purge_services(self);
    for (s_worker_t *worker = (s_worker_t *) zhashx_first(self->workers); worker;
         worker = (s_worker_t *) zhashx_next(self->workers))
        s_send_command(self, worker->address, SQ_MDP_HEARTBEAT, NULL);
    s_log_workers(self);
    sq_log_flush_limited();
    if (zclock_mono() >= self->stats_at) {
        s_log_stats(self);
        self->stats_at = zclock_mono() + S_STATS_INTERVAL_MS;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Socket readers

static int s_on_client(zloop_t *loop, zsock_t *socket, void *arg)
{
    (void) loop;
    for (int i = 0; i < S_READ_BATCH && !zsys_interrupted; i++) {
        if (i > 0 && !(zsock_events(socket) & ZMQ_POLLIN))
            break;
        sq_mdp_msg_t *message = sq_mdp_msg_recv(socket, true);   //  NULL: malformed, logged
        if (message)
            s_client_message((broker_t *) arg, message);
        sq_mdp_msg_destroy(&message);
    }
    return 0;
}

static int s_on_worker(zloop_t *loop, zsock_t *socket, void *arg)
{
    (void) loop;
    for (int i = 0; i < S_READ_BATCH && !zsys_interrupted; i++) {
        if (i > 0 && !(zsock_events(socket) & ZMQ_POLLIN))
            break;
        sq_mdp_msg_t *message = sq_mdp_msg_recv(socket, true);
        if (message)
            s_worker_message((broker_t *) arg, message);
        sq_mdp_msg_destroy(&message);
    }
    return 0;
}

//  "$TERM" (or a broken pipe) ends the loop; anything else is ignored.
static int s_on_pipe(zloop_t *loop, zsock_t *pipe, void *arg)
{
    (void) loop;
    (void) arg;
    zmsg_t *command = zmsg_recv(pipe);
    char *name = command ? zmsg_popstr(command) : NULL;
    int rc = !name || streq(name, "$TERM") ? -1 : 0;
    if (rc == 0)
        sq_warn("unknown command on the broker's pipe: %s", name);
    free(name);
    zmsg_destroy(&command);
    return rc;
}

//  --------------------------------------------------------------------------
//  Public API

static zsock_t *s_bind(const char *endpoint, const char *role, char **bound_p)
{
    zsock_t *socket = zsock_new(ZMQ_ROUTER);
    if (!socket) {
        sq_error("cannot create the %s socket: %s", role, zmq_strerror(zmq_errno()));
        return NULL;
    }
    if (zsock_bind(socket, "%s", endpoint) == -1) {
        sq_error("cannot bind the %s endpoint %s: %s", role, endpoint, zmq_strerror(zmq_errno()));
        zsock_destroy(&socket);
        return NULL;
    }
    *bound_p = zsock_last_endpoint(socket);
    return socket;
}

broker_t *broker_new(const sq_config_t *config)
{
    assert(config);
    broker_t *self = (broker_t *) zmalloc(sizeof *self);
    self->heartbeat_ms = config->broker_heartbeat_ms;
    self->liveness = config->broker_liveness;
    self->queue_max = (size_t) config->broker_queue_max;
    self->request_ttl_ms = config->broker_request_ttl_ms;
    self->services = zhashx_new();
    zhashx_set_destructor(self->services, (zhashx_destructor_fn *) s_service_destroy);
    self->workers = zhashx_new();
    zhashx_set_destructor(self->workers, (zhashx_destructor_fn *) s_worker_destroy);

    self->client_socket = s_bind(config->broker_client_endpoint, "client", &self->client_endpoint);
    if (self->client_socket)
        self->worker_socket =
            s_bind(config->broker_worker_endpoint, "worker", &self->worker_endpoint);
    if (!self->worker_socket) {
        broker_destroy(&self);
        return NULL;
    }
    return self;
}

void broker_destroy(broker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    broker_t *self = *self_p;
    if (self->worker_socket) {
        int linger = self->heartbeat_ms < S_LINGER_MAX_MS ? self->heartbeat_ms : S_LINGER_MAX_MS;
        zsock_set_linger(self->worker_socket, linger);
        for (s_worker_t *worker = (s_worker_t *) zhashx_first(self->workers); worker;
             worker = (s_worker_t *) zhashx_next(self->workers))
            s_send_command(self, worker->address, SQ_MDP_DISCONNECT, NULL);
    }
    zhashx_destroy(&self->workers);    //  before the services they point to
    zhashx_destroy(&self->services);
    zsock_destroy(&self->client_socket);
    zsock_destroy(&self->worker_socket);
    free(self->client_endpoint);
    free(self->worker_endpoint);
    free(self);
    *self_p = NULL;
}

int broker_run(broker_t *self, zsock_t *pipe)
{
    assert(self);
    zloop_t *loop = zloop_new();
    if (zloop_reader(loop, self->client_socket, s_on_client, self)
        || zloop_reader(loop, self->worker_socket, s_on_worker, self)
        || (pipe && zloop_reader(loop, pipe, s_on_pipe, self))
        || zloop_timer(loop, (size_t) self->heartbeat_ms, 0, s_on_heartbeat, self) == -1)
        sq_error("cannot set up the broker's event loop: %s", zmq_strerror(zmq_errno()));
    else {
        self->stats_at = zclock_mono() + S_STATS_INTERVAL_MS;
        zloop_start(loop);
    }
    zloop_destroy(&loop);
    s_log_stats(self);
    return 0;
}

const char *broker_client_endpoint(broker_t *self)
{
    return self->client_endpoint;
}

const char *broker_worker_endpoint(broker_t *self)
{
    return self->worker_endpoint;
}

void broker_actor(zsock_t *pipe, void *args)
{
    broker_t *self = broker_new((const sq_config_t *) args);
    zsock_signal(pipe, self ? 0 : 1);
    if (!self)
        return;
    broker_run(self, pipe);
    broker_destroy(&self);
}
