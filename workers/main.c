/*  suqiu-worker: serves the hub's services over MDP and sweeps stale complaints.

    One process, one event loop (zmq_poll) over several MDP sessions per service: the intake
    commits many requests in one transaction, the other services answer one at a time.
    Classification and routing run in the same loop in batches (group commit): a hand-off
    to suqiu.classify or suqiu.route says that complaints wait, and after worker.batch_wait_ms
    the stage claims up to worker.batch_max of them from PostgreSQL, decides them and commits
    once, again at once while batches come full, and once a tick whatever came.
    Which services it serves comes from worker.services; the classify and route stages
    load the city's catalogue, matrix, rules and models only when they are served, and
    suqiu.calls (the hotlines' call records) the working calendar.
*/
#include "calls.h"
#include "catalog_sync.h"
#include "classify.h"
#include "deadline.h"
#include "intake.h"
#include "lookup.h"
#include "outbox.h"
#include "route.h"
#include "sq_config.h"
#include "sq_db.h"
#include "sq_log.h"
#include "sq_mdp_worker.h"
#include "sq_program.h"
#include "sq_training.h"
#include "sweeper.h"

#define S_ANSWER_SESSIONS 4    //  sessions for each service that answers one at a time
#define S_STATEMENTS_MAX 64
#define S_STAGE_RETRY_MS 200   //  a stage's batch failed: try again after this

//  The city's knowledge that classify and route work with.
typedef struct {
    sq_catalog_t *catalog;
    sq_gazetteer_t *gazetteer;
    sq_matrix_t *matrix;
    sq_rules_t *rules;
    sq_calendar_t *calendar;
    sq_sla_t *sla;
    sq_textclass_t *models[CLASSIFY_TARGETS];
} s_knowledge_t;

//  Everything the loop needs, built in order by main and destroyed in reverse.
typedef struct {
    const sq_config_t *config;
    sq_db_t *db;
    sq_handoff_t *handoff;
    s_knowledge_t knowledge;
    intake_t *intake;
    classify_t *classify;
    route_t *route;
    calls_t *calls;
    sweeper_t *sweeper;
    int64_t config_generation;       //  the configuration reload this process has read
    sq_mdp_worker_t **sessions;
    size_t session_count;
    zmq_pollitem_t *poll_items;      //  one per session, filled before each poll
    sq_mdp_worker_t **poll_owners;   //  the session of each poll item
} s_worker_t;

static const char *s_known_services[] = {INTAKE_SERVICE, LOOKUP_SERVICE, CLASSIFY_SERVICE,
                                         ROUTE_SERVICE, CALLS_SERVICE, OUTBOX_SERVICE};
#define S_SERVICE_COUNT (sizeof s_known_services / sizeof s_known_services[0])

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
    for (char *name = strtok_r(list, ", ", &saveptr); name; name = strtok_r(NULL, ", ", &saveptr)) {
        bool known = false;
        for (size_t i = 0; i < S_SERVICE_COUNT; i++)
            known |= streq(name, s_known_services[i]);
        if (!known) {
            fprintf(stderr,
                    "%s: worker.services: unknown service \"%s\" (known: %s, %s, %s, %s, %s, %s)\n",
                    config->path, name, s_known_services[0], s_known_services[1],
                    s_known_services[2], s_known_services[3], s_known_services[4],
                    s_known_services[5]);
            rc = -1;
        }
    }
    free(list);
    return rc;
}

//  Load catalogue, gazetteer, matrix, rules, calendar, SLA policies and models.  0, or -1 with the reason on stderr.
static int s_knowledge_load(s_knowledge_t *self, const sq_config_t *config)
{
    char error[1024];
    char *dir = sq_config_catalog_dir(config);
    char *models = sq_config_model_dir(config);
    char *path = NULL;
    int rc = -1;
    if (!(self->catalog = sq_catalog_load(dir, error, sizeof error)))
        goto done;
    self->gazetteer = sq_gazetteer_new(self->catalog);
    path = zsys_sprintf("%s/matrix.yaml", dir);
    if (!(self->matrix = sq_matrix_load(path, self->catalog, error, sizeof error)))
        goto done;
    zstr_free(&path);
    path = zsys_sprintf("%s/classify_rules.yaml", dir);
    if (!(self->rules = sq_rules_load(path, self->catalog, error, sizeof error)))
        goto done;
    if (!(self->calendar = sq_calendar_load_dir(dir, error, sizeof error)))
        goto done;
    zstr_free(&path);
    path = zsys_sprintf("%s/sla.yaml", dir);
    if (!(self->sla = sq_sla_load(path, error, sizeof error)))
        goto done;
    for (int target = 0; target < CLASSIFY_TARGETS; target++) {
        zstr_free(&path);
        path = zsys_sprintf("%s/%s.model", models, classify_target_names[target]);
        char *csv = zsys_sprintf("%s/training/%s.csv", dir, classify_target_names[target]);
        self->models[target] = sq_training_load_or_train(path, csv, error, sizeof error);
        zstr_free(&csv);
        if (!self->models[target])
            goto done;
    }
    rc = 0;
done:
    if (rc)
        fprintf(stderr, "suqiu-worker: %s\n", error);
    zstr_free(&path);
    free(dir);
    free(models);
    return rc;
}

static void s_knowledge_destroy(s_knowledge_t *self)
{
    for (int target = 0; target < CLASSIFY_TARGETS; target++)
        sq_textclass_destroy(&self->models[target]);
    sq_sla_destroy(&self->sla);
    sq_calendar_destroy(&self->calendar);
    sq_rules_destroy(&self->rules);
    sq_matrix_destroy(&self->matrix);
    sq_gazetteer_destroy(&self->gazetteer);
    sq_catalog_destroy(&self->catalog);
}

static int s_add_sessions(s_worker_t *self, const char *service, int count)
{
    const sq_config_t *config = self->config;
    for (int i = 0; i < count; i++) {
        sq_mdp_worker_t *session =
            sq_mdp_worker_new(config->broker_worker_endpoint, service, config->broker_heartbeat_ms,
                              config->broker_liveness, config->worker_reconnect_ms);
        if (!session)
            return -1;
        self->sessions[self->session_count++] = session;
    }
    return 0;
}

//  Read one message from a session and act on it: the one dispatch function.
static void s_handle(s_worker_t *self, sq_mdp_worker_t *session)
{
    uint64_t ticket = 0;
    zmsg_t *body = sq_mdp_worker_recv(session, &ticket);
    if (!body)
        return;
    const char *service = sq_mdp_worker_service(session);
    if (streq(service, INTAKE_SERVICE)) {
        intake_take(self->intake, session, ticket, &body);
        return;
    }
    zmsg_t *reply = streq(service, CLASSIFY_SERVICE) ? classify_answer(self->classify, body)
                    : streq(service, ROUTE_SERVICE)  ? route_answer(self->route, body)
                    : streq(service, CALLS_SERVICE)  ? calls_answer(self->calls, body)
                    : streq(service, OUTBOX_SERVICE) ? outbox_answer(self->db, body)
                                                     : lookup_answer(self->db, body);
    zmsg_destroy(&body);
    sq_mdp_worker_reply(session, ticket, &reply);
}

//  Wait until a session's socket is readable or timeout_ms pass, and handle what came in.
//  The sockets are gathered anew each time: a session that reconnects has a new one.
//  Returns how many messages were handled, or -1 when interrupted.
static int s_poll(s_worker_t *self, int timeout_ms)
{
    zmq_pollitem_t *items = self->poll_items;
    sq_mdp_worker_t **owners = self->poll_owners;
    int count = 0;
    for (size_t i = 0; i < self->session_count; i++) {
        zsock_t *socket = sq_mdp_worker_socket(self->sessions[i]);
        if (!socket)
            continue;
        items[count] = (zmq_pollitem_t){zsock_resolve(socket), 0, ZMQ_POLLIN, 0};
        owners[count++] = self->sessions[i];
    }
    if (zmq_poll(items, count, timeout_ms) < 0)
        return zsys_interrupted ? -1 : 0;
    int handled = 0;
    for (int i = 0; i < count; i++)
        if (items[i].revents & ZMQ_POLLIN) {
            s_handle(self, owners[i]);
            handled++;
        }
    return handled;
}

//  The classification and routing stages over the knowledge loaded.
static void s_stages_new(s_worker_t *self)
{
    const sq_config_t *config = self->config;
    classify_setup_t setup = {
        .db = self->db,
        .catalog = self->knowledge.catalog,
        .gazetteer = self->knowledge.gazetteer,
        .rules = self->knowledge.rules,
        .matrix = self->knowledge.matrix,
        .handoff = self->handoff,
        .min_confidence_percent = config->classify_min_confidence_percent,
        .duplicate_window_hours = config->classify_duplicate_window_hours,
        .duplicate_max_distance = config->classify_duplicate_max_distance,
        .duplicate_shingle = config->classify_duplicate_shingle,
        .repeat_merge_percent = config->classify_repeat_merge_percent,
        .repeat_suggest_percent = config->classify_repeat_suggest_percent,
    };
    for (int target = 0; target < CLASSIFY_TARGETS; target++)
        setup.models[target] = self->knowledge.models[target];
    self->classify = classify_new(&setup);
    self->route = route_new(self->db, self->knowledge.matrix, self->knowledge.sla,
                            self->knowledge.calendar, config->worker_remind_percent);
}

//  The generation of the configuration reloads (sql/034_config_reload.sql), or -1.
static int64_t s_config_generation(s_worker_t *self)
{
    PGresult *result = sq_db_exec(self->db, "config_generation", 0, NULL);
    int64_t generation = result ? strtoll(PQgetvalue(result, 0, 0), NULL, 10) : -1;
    PQclear(result);
    return generation;
}

//  An admin reloaded the configuration (at the desk): read the city's files again and
//  rebuild the stages over them, between two batches.  A configuration that does not load
//  leaves the one in use, with the reason in the log.
static void s_reload_if_asked(s_worker_t *self)
{
    int64_t generation = s_config_generation(self);
    if (generation <= self->config_generation)
        return;
    self->config_generation = generation;
    if (!self->classify && !self->route)
        return;   //  nothing here reads the city's files
    s_knowledge_t fresh;
    memset(&fresh, 0, sizeof fresh);
    if (s_knowledge_load(&fresh, self->config)) {
        s_knowledge_destroy(&fresh);
        sq_error("the configuration reload %lld was not taken (see above); the one in use stays",
                 (long long) generation);
        return;
    }
    route_destroy(&self->route);
    classify_destroy(&self->classify);
    s_knowledge_destroy(&self->knowledge);
    self->knowledge = fresh;
    catalog_sync(self->db, self->knowledge.catalog);
    s_stages_new(self);
    sq_info("the configuration was reloaded (reload %lld): %zu routing rules",
            (long long) generation, sq_matrix_rule_count(self->knowledge.matrix));
}

//  Run a batch of each stage that has complaints waiting (or every stage, when all is set:
//  the tick's look, so that nothing waits on a lost hand-off).  Returns when they should run
//  again: now while batches come full, a little later after a failure (the database may be
//  away), never (INT64_MAX) when nothing waits.
static int64_t s_stages_run(s_worker_t *self, bool all)
{
    int batch = self->config->worker_batch_max;
    bool failed = false;
    if (self->classify && (all || classify_waiting(self->classify)))
        failed = classify_run(self->classify, batch) < 0;
    if (self->route && (all || route_waiting(self->route)))
        failed |= route_run(self->route, batch) < 0;
    bool waiting = (self->classify && classify_waiting(self->classify))
                   || (self->route && route_waiting(self->route));
    int64_t now = zclock_mono();
    return failed ? now + S_STAGE_RETRY_MS : waiting ? now : INT64_MAX;
}

//  The soonest time a session has a heartbeat to send or a reconnection to make.
static int64_t s_sessions_wake_at(s_worker_t *self)
{
    int64_t wake = INT64_MAX;
    for (size_t i = 0; i < self->session_count; i++) {
        int64_t at = sq_mdp_worker_wake_at(self->sessions[i]);
        wake = at < wake ? at : wake;
    }
    return wake;
}

static void s_run(s_worker_t *self)
{
    const sq_config_t *config = self->config;
    int tick_ms = config->broker_heartbeat_ms / 2 > 0 ? config->broker_heartbeat_ms / 2 : 1;
    int64_t next_tick = zclock_mono() + tick_ms;
    int64_t next_sweep = zclock_mono() + config->worker_sweep_interval_ms;
    int64_t next_watch = config->worker_deadline_watch_ms ? zclock_mono() : INT64_MAX;
    int64_t batch_deadline = 0;
    int64_t stages_at = INT64_MAX;   //  when the stages run next (complaints wait for them)
    while (!zsys_interrupted) {
        int64_t now = zclock_mono();
        int64_t wake = next_tick < next_sweep ? next_tick : next_sweep;
        wake = next_watch < wake ? next_watch : wake;
        int64_t sessions_wake = s_sessions_wake_at(self);
        wake = sessions_wake < wake ? sessions_wake : wake;
        if (intake_pending(self->intake))
            wake = batch_deadline < wake ? batch_deadline : wake;
        wake = stages_at < wake ? stages_at : wake;
        int timeout = wake > now ? (int) (wake - now) : 0;
        bool was_idle = intake_pending(self->intake) == 0;
        int handled = s_poll(self, timeout);
        if (handled < 0)
            break;
        if (was_idle && intake_pending(self->intake))
            batch_deadline = zclock_mono() + config->worker_batch_wait_ms;
        //  Commit when the batch is full, its wait is over, or nothing more is waiting.
        if (intake_pending(self->intake)
            && (intake_full(self->intake) || zclock_mono() >= batch_deadline
                || (handled == 0 && config->worker_batch_wait_ms == 0)))
            intake_flush(self->intake);
        //  The stages wait batch_wait_ms for company after the first hand-off.
        bool stages_waiting = (self->classify && classify_waiting(self->classify))
                              || (self->route && route_waiting(self->route));
        if (stages_waiting && stages_at == INT64_MAX)
            stages_at = zclock_mono() + config->worker_batch_wait_ms;
        bool tick = zclock_mono() >= next_tick;
        if (tick || (stages_waiting && zclock_mono() >= stages_at))
            stages_at = s_stages_run(self, tick);
        now = zclock_mono();
        if (now >= s_sessions_wake_at(self))
            for (size_t i = 0; i < self->session_count; i++)
                if (now >= sq_mdp_worker_wake_at(self->sessions[i]))
                    sq_mdp_worker_tick(self->sessions[i]);
        if (now >= next_tick) {
            sq_handoff_drain(self->handoff);
            sq_log_flush_limited();
            next_tick = now + tick_ms;
        }
        if (now >= next_sweep) {
            s_reload_if_asked(self);
            sweeper_run(self->sweeper);
            next_sweep = zclock_mono() + config->worker_sweep_interval_ms;
        }
        if (now >= next_watch) {
            deadline_watch_run(self->db);
            next_watch = zclock_mono() + config->worker_deadline_watch_ms;
        }
    }
    intake_flush(self->intake);
}

//  This file's own: the configuration reloads.
static const sq_db_statement_t s_main_statements[] = {
    {"config_generation", "SELECT config_generation()"},
    {NULL, NULL},
};

//  One table of prepared statements for the process: each module's, end to end.
static void s_collect_statements(sq_db_statement_t *statements)
{
    const sq_db_statement_t *tables[] = {intake_statements, lookup_statements,
                                         sweeper_statements, classify_statements,
                                         route_statements, catalog_sync_statements,
                                         deadline_statements, calls_statements,
                                         outbox_statements, s_main_statements};
    size_t count = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const sq_db_statement_t *s = tables[t]; s->name; s++) {
            assert(count < S_STATEMENTS_MAX);
            statements[count++] = *s;
        }
    statements[count] = (sq_db_statement_t){NULL, NULL};
}

//  Build the services this process serves.  0, or -1 (said why).
static int s_setup(s_worker_t *self)
{
    const sq_config_t *config = self->config;
    bool stages = s_serves(config, CLASSIFY_SERVICE) || s_serves(config, ROUTE_SERVICE);
    if (stages) {
        self->config_generation = s_config_generation(self);   //  read just now
        if (s_knowledge_load(&self->knowledge, config))
            return -1;
        catalog_sync(self->db, self->knowledge.catalog);
    }
    sq_limits_t limits = {config->limits_title_max_chars, config->limits_content_max_chars,
                          config->limits_field_max_chars};
    self->intake = intake_new(self->db, &limits, config->worker_batch_max, self->handoff);
    if (stages)
        s_stages_new(self);
    if (s_serves(config, CALLS_SERVICE)) {
        char error[1024];
        char *dir = sq_config_catalog_dir(config);
        sq_calendar_t *calendar = sq_calendar_load_dir(dir, error, sizeof error);
        free(dir);
        if (!calendar) {
            fprintf(stderr, "suqiu-worker: %s\n", error);
            return -1;
        }
        self->calls = calls_new(self->db, &calendar);
    }
    self->sweeper = sweeper_new(self->db, config->broker_client_endpoint,
                                config->worker_stale_after_s);
    if (!self->sweeper)
        return -1;
    size_t most = (size_t) (config->worker_sessions + (S_SERVICE_COUNT - 1) * S_ANSWER_SESSIONS);
    self->sessions = (sq_mdp_worker_t **) zmalloc(sizeof(sq_mdp_worker_t *) * most);
    self->poll_items = (zmq_pollitem_t *) zmalloc(sizeof(zmq_pollitem_t) * most);
    self->poll_owners = (sq_mdp_worker_t **) zmalloc(sizeof(sq_mdp_worker_t *) * most);
    if (s_serves(config, INTAKE_SERVICE)
        && s_add_sessions(self, INTAKE_SERVICE, config->worker_sessions))
        return -1;
    for (size_t i = 1; i < S_SERVICE_COUNT; i++)
        if (s_serves(config, s_known_services[i])
            && s_add_sessions(self, s_known_services[i], S_ANSWER_SESSIONS))
            return -1;
    return 0;
}

int main(int argc, char *argv[])
{
    int exit_code;
    sq_config_t *config = sq_program_start(
        argc, argv, "suqiu-worker",
        "Serve the services named in worker.services (suqiu.intake, suqiu.lookup,\n"
        "suqiu.classify, suqiu.route, suqiu.calls, suqiu.outbox) through the MDP broker, and\n"
        "hand stale complaints to their next stage.",
        &exit_code);
    if (!config)
        return exit_code;
    if (s_check_services(config)) {
        sq_config_destroy(&config);
        return 1;
    }
    sq_db_statement_t statements[S_STATEMENTS_MAX + 1];
    s_collect_statements(statements);
    s_worker_t self = {.config = config};
    char *conninfo = sq_config_conninfo(config);
    self.db = sq_db_new(conninfo, "suqiu-worker", statements);
    free(conninfo);
    //  The database may still be starting: keep trying until it answers or we are stopped.
    while (sq_db_connect(self.db) && !zsys_interrupted)
        zclock_sleep(1000);
    self.handoff = sq_handoff_new(config->broker_client_endpoint);
    int rc = 1;
    if (self.handoff && s_setup(&self) == 0) {
        sq_info("serving %s through the broker at %s (%zu sessions)", config->worker_services,
                config->broker_worker_endpoint, self.session_count);
        s_run(&self);
        sq_info("stopping");
        rc = 0;
    }
    for (size_t i = 0; i < self.session_count; i++)
        sq_mdp_worker_destroy(&self.sessions[i]);
    free(self.sessions);
    free(self.poll_items);
    free(self.poll_owners);
    sweeper_destroy(&self.sweeper);
    calls_destroy(&self.calls);
    route_destroy(&self.route);
    classify_destroy(&self.classify);
    intake_destroy(&self.intake);
    s_knowledge_destroy(&self.knowledge);
    sq_handoff_destroy(&self.handoff);
    sq_db_destroy(&self.db);
    sq_config_destroy(&config);
    return rc;
}
