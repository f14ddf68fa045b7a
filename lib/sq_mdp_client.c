/*  sq_mdp_client: Lazy Pirate MDP client (see sq_mdp_client.h). */
#include "sq_mdp_client.h"

#include "sq_log.h"
#include "sq_mdp.h"

struct _sq_mdp_client_t {
    char *endpoint;
    zsock_t *socket;   //  DEALER; replaced after every timeout
    int timeout_ms;
    int retries;
};

static int s_connect(sq_mdp_client_t *self)
{
    zsock_destroy(&self->socket);
    self->socket = zsock_new(ZMQ_DEALER);
    if (!self->socket || zsock_connect(self->socket, "%s", self->endpoint)) {
        sq_error("cannot connect to the broker at %s: %s", self->endpoint, zmq_strerror(zmq_errno()));
        zsock_destroy(&self->socket);
        return -1;
    }
    return 0;
}

sq_mdp_client_t *sq_mdp_client_new(const char *endpoint, int timeout_ms, int retries)
{
    sq_mdp_client_t *self = (sq_mdp_client_t *) zmalloc(sizeof *self);
    self->endpoint = strdup(endpoint);
    self->timeout_ms = timeout_ms;
    self->retries = retries < 1 ? 1 : retries;
    if (s_connect(self))
        sq_mdp_client_destroy(&self);
    return self;
}

void sq_mdp_client_destroy(sq_mdp_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_mdp_client_t *self = *self_p;
    zsock_destroy(&self->socket);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

//  Wait for a reply to service on the current socket; NULL on timeout.
static zmsg_t *s_await_reply(sq_mdp_client_t *self, const char *service)
{
    int64_t deadline = zclock_mono() + self->timeout_ms;
    while (!zsys_interrupted) {
        int64_t left = deadline - zclock_mono();
        if (left <= 0)
            return NULL;
        zmq_pollitem_t item = {zsock_resolve(self->socket), 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, (long) left) < 0)
            return NULL;   //  interrupted
        if (!(item.revents & ZMQ_POLLIN))
            continue;
        sq_mdp_msg_t *reply = sq_mdp_msg_recv(self->socket, false);
        if (!reply)
            continue;
        if (sq_mdp_msg_kind(reply) == SQ_MDP_CLIENT
            && streq(sq_mdp_msg_service(reply), service)) {
            zmsg_t *body = sq_mdp_msg_take_body(reply);
            sq_mdp_msg_destroy(&reply);
            return body;
        }
        sq_warn_limited("ignored a reply for service %s while waiting for %s", sq_mdp_msg_service(reply),
                service);
        sq_mdp_msg_destroy(&reply);
    }
    return NULL;
}

zmsg_t *sq_mdp_client_request(sq_mdp_client_t *self, const char *service, zmsg_t **body_p)
{
    assert(self && body_p && *body_p);
    zmsg_t *body = *body_p;
    *body_p = NULL;
    zmsg_t *reply = NULL;
    for (int attempt = 1; attempt <= self->retries && !zsys_interrupted; attempt++) {
        if (!self->socket && s_connect(self))
            break;
        sq_mdp_msg_t *request = sq_mdp_msg_new(SQ_MDP_CLIENT);
        sq_mdp_msg_set_service(request, service);
        zmsg_t *copy = zmsg_dup(body);
        sq_mdp_msg_set_body(request, &copy);
        if (sq_mdp_msg_send(&request, self->socket) == 0 && (reply = s_await_reply(self, service)))
            break;
        sq_warn_limited("no reply from %s within %d ms (attempt %d of %d)", service, self->timeout_ms,
                attempt, self->retries);
        //  A fresh socket, so that the late reply to this attempt is never read as the next.
        zsock_destroy(&self->socket);
    }
    zmsg_destroy(&body);
    return reply;
}
