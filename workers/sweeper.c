/*  sweeper: hand stale complaints to their next stage again (see sweeper.h). */
#include "sweeper.h"

#include <czmq.h>

#include "sq_log.h"
#include "sq_mdp.h"
#include "sq_mdp_client.h"

#define S_BATCH 200          //  most complaints looked at in one pass
#define S_MMI_TIMEOUT_MS 500

const sq_db_statement_t sweeper_statements[] = {
    {"sweeper_stale",
     "SELECT number, state FROM complaint_stale(now() - make_interval(secs => $1::int), $2::int)"},
    {NULL, NULL},
};

static const struct {
    const char *state;
    const char *service;
} s_next_stage[] = {
    {"received", "suqiu.classify"},   {"classified", "suqiu.route"},
    {"dispatched", "suqiu.deadline"}, {"signed_for", "suqiu.deadline"},
    {"responded", "suqiu.deadline"},
};

struct _sweeper_t {
    sq_db_t *db;               //  borrowed
    sq_mdp_client_t *mmi;      //  asks the broker which services have workers
    zsock_t *handoff;          //  DEALER for fire-and-forget requests
    int stale_after_s;
    zhash_t *handed_at;        //  number -> when it was last handed on (mono ms)
};

const char *sweeper_next_service(const char *state)
{
    for (size_t i = 0; i < sizeof s_next_stage / sizeof s_next_stage[0]; i++)
        if (streq(state, s_next_stage[i].state))
            return s_next_stage[i].service;
    return NULL;
}

sweeper_t *sweeper_new(sq_db_t *db, const char *broker_endpoint, int stale_after_s)
{
    sweeper_t *self = (sweeper_t *) zmalloc(sizeof *self);
    self->db = db;
    self->stale_after_s = stale_after_s;
    self->handed_at = zhash_new();
    self->mmi = sq_mdp_client_new(broker_endpoint, S_MMI_TIMEOUT_MS, 1);
    self->handoff = zsock_new(ZMQ_DEALER);
    if (!self->mmi || !self->handoff || zsock_connect(self->handoff, "%s", broker_endpoint)) {
        sq_error("sweeper cannot reach the broker at %s", broker_endpoint);
        sweeper_destroy(&self);
    }
    return self;
}

void sweeper_destroy(sweeper_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sweeper_t *self = *self_p;
    sq_mdp_client_destroy(&self->mmi);
    zsock_destroy(&self->handoff);
    zhash_destroy(&self->handed_at);
    free(self);
    *self_p = NULL;
}

//  True when the broker has a worker for service.
static bool s_service_served(sweeper_t *self, const char *service)
{
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, service);
    zmsg_t *reply = sq_mdp_client_request(self->mmi, "mmi.service", &request);
    char *code = reply ? zmsg_popstr(reply) : NULL;
    bool served = code && streq(code, "200");
    free(code);
    zmsg_destroy(&reply);
    return served;
}

//  Read and drop the replies to earlier hand-offs.
static void s_drain(sweeper_t *self)
{
    while (zsock_events(self->handoff) & ZMQ_POLLIN) {
        zmsg_t *reply = zmsg_recv(self->handoff);
        zmsg_destroy(&reply);
    }
}

static void s_hand_on(sweeper_t *self, const char *service, const char *number)
{
    sq_mdp_msg_t *request = sq_mdp_msg_new(SQ_MDP_CLIENT);
    sq_mdp_msg_set_service(request, service);
    zmsg_t *body = zmsg_new();
    zmsg_addstr(body, "sweep");
    zmsg_addstr(body, number);
    sq_mdp_msg_set_body(request, &body);
    sq_mdp_msg_send(&request, self->handoff);
}

//  Forget hand-offs old enough to be repeated, so the table stays small.
static void s_forget_old(sweeper_t *self, int64_t now)
{
    zlist_t *numbers = zhash_keys(self->handed_at);
    for (char *number = (char *) zlist_first(numbers); number;
         number = (char *) zlist_next(numbers)) {
        int64_t at = (int64_t) (intptr_t) zhash_lookup(self->handed_at, number);
        if (now - at >= (int64_t) self->stale_after_s * 1000)
            zhash_delete(self->handed_at, number);
    }
    zlist_destroy(&numbers);
}

int sweeper_run(sweeper_t *self)
{
    s_drain(self);
    int64_t now = zclock_mono();
    s_forget_old(self, now);
    char stale_after[16], limit[16];
    snprintf(stale_after, sizeof stale_after, "%d", self->stale_after_s);
    snprintf(limit, sizeof limit, "%d", S_BATCH);
    const char *values[] = {stale_after, limit};
    PGresult *result = sq_db_exec(self->db, "sweeper_stale", 2, values);
    if (!result)
        return -1;
    int handed = 0, waiting = 0;
    zhash_t *served = zhash_new();   //  service -> "yes"/"no", asked once per pass
    for (int row = 0; row < PQntuples(result); row++) {
        const char *number = PQgetvalue(result, row, 0);
        const char *service = sweeper_next_service(PQgetvalue(result, row, 1));
        if (!service || zhash_lookup(self->handed_at, number))
            continue;
        const char *answer = (const char *) zhash_lookup(served, service);
        if (!answer) {
            answer = s_service_served(self, service) ? "yes" : "no";
            zhash_insert(served, service, (void *) answer);
        }
        if (streq(answer, "no")) {
            waiting++;
            continue;
        }
        s_hand_on(self, service, number);
        zhash_insert(self->handed_at, number, (void *) (intptr_t) now);
        sq_debug("handed complaint=%s to %s", number, service);
        handed++;
    }
    PQclear(result);
    zhash_destroy(&served);
    if (handed)
        sq_info("sweeper handed %d stale complaints to their next stage", handed);
    if (waiting)
        sq_debug("sweeper: %d stale complaints wait for a service that has no worker yet", waiting);
    return handed;
}
