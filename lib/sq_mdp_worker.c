/*  sq_mdp_worker: one MDP worker session, reconnecting by RFC 7 (see sq_mdp_worker.h). */
#include "sq_mdp_worker.h"

#include "sq_log.h"
#include "sq_mdp.h"

struct _sq_mdp_worker_t {
    char *endpoint;
    char *service;
    zsock_t *socket;          //  DEALER to the broker; NULL while waiting to reconnect
    int heartbeat_ms;
    int liveness;
    int reconnect_ms;
    int64_t heartbeat_at;     //  when to send the next HEARTBEAT
    int64_t broker_expires;   //  when a silent broker counts as gone
    int64_t reconnect_at;     //  when to open a new socket (while socket is NULL)
    zframe_t *reply_to;       //  the client of the request being served; NULL when idle
    uint64_t ticket;          //  the number of the last request received
    uint64_t reconnects;
};

static void s_send_command(sq_mdp_worker_t *self, sq_mdp_kind_t kind)
{
    sq_mdp_msg_t *command = sq_mdp_msg_new(kind);
    if (kind == SQ_MDP_READY)
        sq_mdp_msg_set_service(command, self->service);
    sq_mdp_msg_send(&command, self->socket);
    self->heartbeat_at = zclock_mono() + self->heartbeat_ms;
}

//  Open a new socket and send the one READY.  0, or -1 (logged) when it cannot connect.
static int s_connect(sq_mdp_worker_t *self)
{
    self->socket = zsock_new(ZMQ_DEALER);
    if (!self->socket || zsock_connect(self->socket, "%s", self->endpoint)) {
        sq_error("cannot connect to the broker's worker endpoint %s: %s", self->endpoint,
                 zmq_strerror(zmq_errno()));
        zsock_destroy(&self->socket);
        return -1;
    }
    s_send_command(self, SQ_MDP_READY);
    self->broker_expires = zclock_mono() + (int64_t) self->heartbeat_ms * self->liveness;
    return 0;
}

//  Close the socket and forget the request in hand; tick connects again after the wait.
static void s_drop_connection(sq_mdp_worker_t *self)
{
    zsock_destroy(&self->socket);
    if (self->reply_to)
        sq_info_limited("%s session reconnecting while holding a request: the broker gives it "
                        "to another worker", self->service);
    zframe_destroy(&self->reply_to);
    self->reconnect_at = zclock_mono() + self->reconnect_ms;
    self->reconnects++;
}

sq_mdp_worker_t *sq_mdp_worker_new(const char *endpoint, const char *service, int heartbeat_ms,
                                   int liveness, int reconnect_ms)
{
    sq_mdp_worker_t *self = (sq_mdp_worker_t *) zmalloc(sizeof *self);
    self->endpoint = strdup(endpoint);
    self->service = strdup(service);
    self->heartbeat_ms = heartbeat_ms;
    self->liveness = liveness;
    self->reconnect_ms = reconnect_ms;
    if (s_connect(self))
        sq_mdp_worker_destroy(&self);
    return self;
}

void sq_mdp_worker_destroy(sq_mdp_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_mdp_worker_t *self = *self_p;
    if (self->socket)
        s_send_command(self, SQ_MDP_DISCONNECT);
    zsock_destroy(&self->socket);
    zframe_destroy(&self->reply_to);
    free(self->endpoint);
    free(self->service);
    free(self);
    *self_p = NULL;
}

zsock_t *sq_mdp_worker_socket(sq_mdp_worker_t *self)
{
    return self->socket;
}

const char *sq_mdp_worker_service(sq_mdp_worker_t *self)
{
    return self->service;
}

zmsg_t *sq_mdp_worker_recv(sq_mdp_worker_t *self, uint64_t *ticket)
{
    if (!self->socket)
        return NULL;
    sq_mdp_msg_t *message = sq_mdp_msg_recv(self->socket, false);
    if (!message)
        return NULL;
    self->broker_expires = zclock_mono() + (int64_t) self->heartbeat_ms * self->liveness;
    zmsg_t *body = NULL;
    switch (sq_mdp_msg_kind(message)) {
    case SQ_MDP_REQUEST:
        zframe_destroy(&self->reply_to);   //  the broker sends one at a time: none is held
        self->reply_to = sq_mdp_msg_take_client(message);
        body = sq_mdp_msg_take_body(message);
        *ticket = ++self->ticket;
        break;
    case SQ_MDP_HEARTBEAT:
        break;
    case SQ_MDP_DISCONNECT:
        sq_info_limited("broker disconnected a %s session; reconnecting in %d ms", self->service,
                        self->reconnect_ms);
        s_drop_connection(self);
        break;
    default:
        sq_warn_limited("unexpected %s from the broker, ignored",
                        sq_mdp_kind_name(sq_mdp_msg_kind(message)));
    }
    sq_mdp_msg_destroy(&message);
    return body;
}

int sq_mdp_worker_reply(sq_mdp_worker_t *self, uint64_t ticket, zmsg_t **body)
{
    if (!self->socket || !self->reply_to || ticket != self->ticket) {
        sq_debug("a %s reply was not sent: its request was given to another worker",
                 self->service);
        zmsg_destroy(body);
        return -1;
    }
    sq_mdp_msg_t *reply = sq_mdp_msg_new(SQ_MDP_REPLY);
    sq_mdp_msg_set_client(reply, &self->reply_to);
    sq_mdp_msg_set_body(reply, body);
    self->heartbeat_at = zclock_mono() + self->heartbeat_ms;
    return sq_mdp_msg_send(&reply, self->socket);
}

void sq_mdp_worker_tick(sq_mdp_worker_t *self)
{
    int64_t now = zclock_mono();
    if (!self->socket) {
        if (now >= self->reconnect_at && s_connect(self))
            self->reconnect_at = now + self->reconnect_ms;
    }
    else if (now >= self->broker_expires) {
        sq_warn_limited("broker silent for %d ms; reconnecting the %s session in %d ms",
                        self->heartbeat_ms * self->liveness, self->service, self->reconnect_ms);
        s_drop_connection(self);
    }
    else if (now >= self->heartbeat_at)
        s_send_command(self, SQ_MDP_HEARTBEAT);
}

int64_t sq_mdp_worker_wake_at(sq_mdp_worker_t *self)
{
    if (!self->socket)
        return self->reconnect_at;
    return self->heartbeat_at < self->broker_expires ? self->heartbeat_at : self->broker_expires;
}

uint64_t sq_mdp_worker_reconnects(sq_mdp_worker_t *self)
{
    return self->reconnects;
}
