/*  suqiu-worker: serves suqiu.intake and suqiu.lookup over MDP, and sweeps stale complaints.

    One process, one event loop (zpoller): several MDP sessions per service so that the
    intake can commit many requests in one transaction, a timer for heartbeats and the
    sweeper.  Which services it serves comes from worker.services in the config.
*/
#include "intake.h"
#include "lookup.h"
#include "sq_config.h"
#include "sq_db.h"
#include "sq_log.h"
#include "sq_mdp_worker.h"
#include "sq_program.h"
#include "sweeper.h"

#define S_LOOKUP_SESSIONS 4
#define S_STATEMENTS_MAX 16

//  Everything the loop needs, built in order by main and destroyed in reverse.
typedef struct {
    const sq_config_t *config;
    sq_db_t *db;
    sq_handoff_t *handoff;
    intake_t *intake;
    sweeper_t *sweeper;
    sq_mdp_worker_t **sessions;
    size_t session_count;
    zpoller_t *poller;
} s_worker_t;

static bool s_serves(const sq_config_t *config, const char *service)
{
    char *list = strdup(config->worker_services), *saveptr = NULL;
    bool found = false;
    for (char *name = strtok_r(list, ", ", &saveptr); name; name = strtok_r(NULL, ", ", &saveptr))
        found |= streq(name, service);
    free(list);
    return found;
}

static int s_check_services(const sq_config_t *config)
{
    char *list = strdup(config->worker_services), *saveptr = NULL;
    int rc = 0;
    for (char *name = strtok_r(list, ", ", &saveptr); name; name = strtok_r(NULL, ", ", &saveptr))
        if (!streq(name, INTAKE_SERVICE) && !streq(name, LOOKUP_SERVICE)) {
            fprintf(stderr, "%s: worker.services: unknown service \"%s\" (known: %s, %s)\n",
                    config->path, name, INTAKE_SERVICE, LOOKUP_SERVICE);
            rc = -1;
        }
    free(list);
    return rc;
}

static int s_add_sessions(s_worker_t *self, const char *service, int count)
{
    for (int i = 0; i < count; i++) {
        sq_mdp_worker_t *session =
            sq_mdp_worker_new(self->config->broker_worker_endpoint, service,
                              self->config->broker_heartbeat_ms, self->config->broker_liveness);
        if (!session)
            return -1;
        self->sessions[self->session_count++] = session;
        zpoller_add(self->poller, sq_mdp_worker_socket(session));
    }
    return 0;
}

static sq_mdp_worker_t *s_session_of(s_worker_t *self, void *socket)
{
    for (size_t i = 0; i < self->session_count; i++)
        if ((void *) sq_mdp_worker_socket(self->sessions[i]) == socket)
            return self->sessions[i];
    return NULL;
}

//  Read one message from a session and act on it.
static void s_handle(s_worker_t *self, sq_mdp_worker_t *session)
{
    zframe_t *reply_to = NULL;
    zmsg_t *body = sq_mdp_worker_recv(session, &reply_to);
    if (!body)
        return;
    if (streq(sq_mdp_worker_service(session), INTAKE_SERVICE))
        intake_take(self->intake, session, &reply_to, &body);
    else {
        zmsg_t *reply = lookup_answer(self->db, body);
        zmsg_destroy(&body);
        sq_mdp_worker_reply(session, &reply_to, &reply);
    }
}

static void s_run(s_worker_t *self)
{
    const sq_config_t *config = self->config;
    int tick_ms = config->broker_heartbeat_ms / 2 > 0 ? config->broker_heartbeat_ms / 2 : 1;
    int64_t next_tick = zclock_mono() + tick_ms;
    int64_t next_sweep = zclock_mono() + config->worker_sweep_interval_ms;
    int64_t batch_deadline = 0;
    while (!zsys_interrupted) {
        int64_t now = zclock_mono();
        int64_t wake = next_tick < next_sweep ? next_tick : next_sweep;
        if (intake_pending(self->intake))
            wake = batch_deadline < wake ? batch_deadline : wake;
        int timeout = wake > now ? (int) (wake - now) : 0;
        void *socket = zpoller_wait(self->poller, timeout);
        if (!socket && zpoller_terminated(self->poller))
            break;
        if (socket) {
            bool was_idle = intake_pending(self->intake) == 0;
            s_handle(self, s_session_of(self, socket));
            if (was_idle && intake_pending(self->intake))
                batch_deadline = zclock_mono() + config->worker_batch_wait_ms;
        }
        //  Commit when the batch is full, its wait is over, or nothing more is waiting.
        if (intake_pending(self->intake)
            && (intake_full(self->intake) || zclock_mono() >= batch_deadline
                || (!socket && config->worker_batch_wait_ms == 0)))
            intake_flush(self->intake);
        now = zclock_mono();
        if (now >= next_tick) {
            for (size_t i = 0; i < self->session_count; i++)
                sq_mdp_worker_tick(self->sessions[i]);
            next_tick = now + tick_ms;
        }
        if (self->sweeper && now >= next_sweep) {
            sweeper_run(self->sweeper);
            next_sweep = zclock_mono() + config->worker_sweep_interval_ms;
        }
    }
    intake_flush(self->intake);
}

int main(int argc, char *argv[])
{
    int exit_code;
    sq_config_t *config = sq_program_start(
        argc, argv, "suqiu-worker",
        "Serve the services named in worker.services (suqiu.intake, suqiu.lookup) through\n"
        "the MDP broker, and hand stale complaints to their next stage.",
        &exit_code);
    if (!config)
        return exit_code;
    if (s_check_services(config)) {
        sq_config_destroy(&config);
        return 1;
    }
    //  One table of prepared statements for the process: each module's, end to end.
    sq_db_statement_t statements[S_STATEMENTS_MAX + 1] = {{NULL, NULL}};
    size_t statement_count = 0;
    const sq_db_statement_t *tables[] = {intake_statements, lookup_statements, sweeper_statements};
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const sq_db_statement_t *s = tables[t]; s->name; s++) {
            assert(statement_count < S_STATEMENTS_MAX);
            statements[statement_count++] = *s;
        }

    s_worker_t self = {.config = config};
    char *conninfo = sq_config_conninfo(config);
    self.db = sq_db_new(conninfo, "suqiu-worker", statements);
    free(conninfo);
    //  The database may still be starting: keep trying until it answers or we are stopped.
    while (sq_db_connect(self.db) && !zsys_interrupted)
        zclock_sleep(1000);
    sq_limits_t limits = {config->limits_title_max_chars, config->limits_content_max_chars,
                          config->limits_field_max_chars};
    self.handoff = sq_handoff_new(config->broker_client_endpoint);
    self.intake = intake_new(self.db, &limits, config->worker_batch_max, self.handoff);
    self.sweeper = self.handoff ? sweeper_new(self.db, self.handoff, config->worker_stale_after_s) : NULL;
    self.poller = zpoller_new(NULL);
    self.sessions = (sq_mdp_worker_t **) zmalloc(
        sizeof(sq_mdp_worker_t *) * (size_t) (config->worker_sessions + S_LOOKUP_SESSIONS));
    int rc = 0;
    if ((s_serves(config, INTAKE_SERVICE)
         && s_add_sessions(&self, INTAKE_SERVICE, config->worker_sessions))
        || (s_serves(config, LOOKUP_SERVICE)
            && s_add_sessions(&self, LOOKUP_SERVICE, S_LOOKUP_SESSIONS))
        || !self.sweeper || !self.handoff)
        rc = 1;
    else {
        sq_info("serving %s through the broker at %s (%zu sessions)", config->worker_services,
                config->broker_worker_endpoint, self.session_count);
        s_run(&self);
        sq_info("stopping");
    }
    for (size_t i = 0; i < self.session_count; i++)
        sq_mdp_worker_destroy(&self.sessions[i]);
    free(self.sessions);
    zpoller_destroy(&self.poller);
    sweeper_destroy(&self.sweeper);
    intake_destroy(&self.intake);
    sq_handoff_destroy(&self.handoff);
    sq_db_destroy(&self.db);
    sq_config_destroy(&config);
    return rc;
}
