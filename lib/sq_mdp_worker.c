/*  sq_mdp_worker: one MDP worker session (see sq_mdp_worker.h). */
#include "sq_mdp_worker.h"

#include "sq_log.h"
#include "sq_mdp.h"

struct _sq_mdp_worker_t {
    zsock_t *socket;          //  DEALER to the broker's worker endpoint
    char *service;
    int heartbeat_ms;
    int liveness;
    int64_t heartbeat_at;     //  when to send the next HEARTBEAT
    int64_t broker_expires;   //  when a silent broker counts as gone
};

static void s_send_command(sq_mdp_worker_t *self, sq_mdp_kind_t kind)
{
    sq_mdp_msg_t *command = sq_mdp_msg_new(kind);
    if (kind == SQ_MDP_READY)
        sq_mdp_msg_set_service(command, self->service);
    sq_mdp_msg_send(&command, self->socket);
    self->heartbeat_at = zclock_mono() + self->heartbeat_ms;
}

static void s_announce(sq_mdp_worker_t *self)
{
    s_send_command(self, SQ_MDP_READY);
    self->broker_expires = zclock_mono() + (int64_t) self->heartbeat_ms * self->liveness;
}

sq_mdp_worker_t *sq_mdp_worker_new(const char *endpoint, const char *service, int heartbeat_ms,
                                   int liveness)
{
    sq_mdp_worker_t *self = (sq_mdp_worker_t *) zmalloc(sizeof *self);
    self->service = strdup(service);
    self->heartbeat_ms = heartbeat_ms;
    self->liveness = liveness;
    self->socket = zsock_new(ZMQ_DEALER);
    if (!self->socket || zsock_connect(self->socket, "%s", endpoint)) {
        sq_error("cannot connect to the broker's worker endpoint %s: %s", endpoint,
                 zmq_strerror(zmq_errno()));
        sq_mdp_worker_destroy(&self);
        return NULL;
    }
    s_announce(self);
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

zmsg_t *sq_mdp_worker_recv(sq_mdp_worker_t *self, zframe_t **reply_to)
{
    sq_mdp_msg_t *message = sq_mdp_msg_recv(self->socket, false);
    if (!message)
        return NULL;
    self->broker_expires = zclock_mono() + (int64_t) self->heartbeat_ms * self->liveness;
    zmsg_t *body = NULL;
    switch (sq_mdp_msg_kind(message)) {
    case SQ_MDP_REQUEST:
        *reply_to = sq_mdp_msg_take_client(message);
        body = sq_mdp_msg_take_body(message);
        break;
    case SQ_MDP_HEARTBEAT:
        break;
    case SQ_MDP_DISCONNECT:
        sq_info("broker asked %s to reconnect; announcing again", self->service);
        s_announce(self);
        break;
    default:
        sq_warn("unexpected %s from the broker, ignored", sq_mdp_kind_name(sq_mdp_msg_kind(message)));
    }
    sq_mdp_msg_destroy(&message);
    return body;
}

int sq_mdp_worker_reply(sq_mdp_worker_t *self, zframe_t **reply_to, zmsg_t **body)
{
    sq_mdp_msg_t *reply = sq_mdp_msg_new(SQ_MDP_REPLY);
    sq_mdp_msg_set_client(reply, reply_to);
    sq_mdp_msg_set_body(reply, body);
    self->heartbeat_at = zclock_mono() + self->heartbeat_ms;
    return sq_mdp_msg_send(&reply, self->socket);
}

void sq_mdp_worker_tick(sq_mdp_worker_t *self)
{
    int64_t now = zclock_mono();
    if (now >= self->broker_expires) {
        sq_warn("broker silent for %d ms; announcing %s again", self->heartbeat_ms * self->liveness,
                self->service);
        s_announce(self);
    }
    else if (now >= self->heartbeat_at)
        s_send_command(self, SQ_MDP_HEARTBEAT);
}
