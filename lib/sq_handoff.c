/*  sq_handoff: fire-and-forget hand-offs to the next stage (see sq_handoff.h). */
#include "sq_handoff.h"

#include <czmq.h>

#include "sq_log.h"
#include "sq_mdp.h"
#include "sq_mdp_client.h"

#define S_MMI_TIMEOUT_MS 500
#define S_MMI_CACHE_MS 2000
#define S_LINGER_MS 500

struct _sq_handoff_t {
    sq_mdp_client_t *mmi;   //  asks the broker which services have workers
    zsock_t *socket;        //  DEALER for the hand-offs themselves
    zhashx_t *served_at;    //  service -> when MMI last said 200 (mono ms), or absent
    zhashx_t *asked_at;     //  service -> when MMI was last asked (mono ms)
};

sq_handoff_t *sq_handoff_new(const char *broker_endpoint)
{
    sq_handoff_t *self = (sq_handoff_t *) zmalloc(sizeof *self);
    self->served_at = zhashx_new();
    self->asked_at = zhashx_new();
    self->mmi = sq_mdp_client_new(broker_endpoint, S_MMI_TIMEOUT_MS, 1);
    self->socket = zsock_new(ZMQ_DEALER);
    if (!self->mmi || !self->socket || zsock_connect(self->socket, "%s", broker_endpoint)) {
        sq_error("cannot hand complaints on through the broker at %s", broker_endpoint);
        sq_handoff_destroy(&self);
        return NULL;
    }
    //  Never block a worker's loop on a broker that is away: a hand-off that cannot be
    //  queued is dropped, and the sweeper repeats it later.
    zsock_set_sndtimeo(self->socket, 0);
    //  On close, give hand-offs already sent a moment to leave (a short-lived suqiuctl).
    zsock_set_linger(self->socket, S_LINGER_MS);
    //  The replies are to what we sent and wait for the next drain: a full pipe would make
    //  the broker drop them, and a sender that counts them (the sweeper) would lose count.
    zsock_set_rcvhwm(self->socket, 0);
    return self;
}

void sq_handoff_destroy(sq_handoff_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_handoff_t *self = *self_p;
    sq_mdp_client_destroy(&self->mmi);
    zsock_destroy(&self->socket);
    zhashx_destroy(&self->served_at);
    zhashx_destroy(&self->asked_at);
    free(self);
    *self_p = NULL;
}

bool sq_handoff_served(sq_handoff_t *self, const char *service)
{
    if (!service)
        return false;
    int64_t now = zclock_mono();
    int64_t asked = (int64_t) (intptr_t) zhashx_lookup(self->asked_at, service);
    if (!asked || now - asked >= S_MMI_CACHE_MS) {
        zmsg_t *request = zmsg_new();
        zmsg_addstr(request, service);
        zmsg_t *reply = sq_mdp_client_request(self->mmi, "mmi.service", &request);
        char *code = reply ? zmsg_popstr(reply) : NULL;
        if (code && streq(code, "200"))
            zhashx_update(self->served_at, service, (void *) (intptr_t) now);
        else
            zhashx_delete(self->served_at, service);
        zhashx_update(self->asked_at, service, (void *) (intptr_t) now);
        free(code);
        zmsg_destroy(&reply);
    }
    return zhashx_lookup(self->served_at, service) != NULL;
}

int sq_handoff_send(sq_handoff_t *self, const char *service, const char *verb, const char *number)
{
    if (!sq_handoff_served(self, service))
        return 0;
    sq_mdp_msg_t *request = sq_mdp_msg_new(SQ_MDP_CLIENT);
    sq_mdp_msg_set_service(request, service);
    zmsg_t *body = zmsg_new();
    zmsg_addstr(body, verb);
    zmsg_addstr(body, number);
    sq_mdp_msg_set_body(request, &body);
    if (sq_mdp_msg_send(&request, self->socket)) {
        sq_warn_limited("cannot hand complaint=%s to %s: %s", number, service, zmq_strerror(zmq_errno()));
        return -1;
    }
    return 1;
}

size_t sq_handoff_drain(sq_handoff_t *self)
{
    size_t count = 0;
    while (zsock_events(self->socket) & ZMQ_POLLIN) {
        zmsg_t *reply = zmsg_recv(self->socket);
        zmsg_destroy(&reply);
        count++;
    }
    return count;
}
