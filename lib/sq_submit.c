/*  sq_submit: pooled MDP clients, the spool and its replay (see sq_submit.h). */
#include "sq_submit.h"

#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "sq_alloc.h"
#include "sq_log.h"
#include "sq_mdp_client.h"
#include "sq_spool.h"

#define S_INTAKE "suqiu.intake"
#define S_CHANNELS_MAX 8
#define S_REPLAY_BACKOFF_MAX_MS 10000
#define S_STATUS_EVERY_MS 10000

typedef struct {
    char *channel;
    sq_spool_t *spool;
} s_channel_t;

struct _sq_submit_t {
    char *broker_endpoint;
    int timeout_ms;
    int retries;
    int replay_interval_ms;
    pthread_mutex_t pool_lock;
    zlist_t *idle_clients;               //  sq_mdp_client_t *
    s_channel_t channels[S_CHANNELS_MAX];
    int channel_count;
    pthread_t replay;
    bool replay_started;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_signal;
    bool stopping;
};

//  --------------------------------------------------------------------------
//  Asking the hub

static sq_mdp_client_t *s_client_take(sq_submit_t *self)
{
    pthread_mutex_lock(&self->pool_lock);
    sq_mdp_client_t *client = (sq_mdp_client_t *) zlist_pop(self->idle_clients);
    pthread_mutex_unlock(&self->pool_lock);
    return client ? client : sq_mdp_client_new(self->broker_endpoint, self->timeout_ms, self->retries);
}

static void s_client_give_back(sq_submit_t *self, sq_mdp_client_t *client)
{
    if (!client)
        return;
    pthread_mutex_lock(&self->pool_lock);
    zlist_append(self->idle_clients, client);
    pthread_mutex_unlock(&self->pool_lock);
}

//  Ask with a given client: the answer's status and JSON text, or 0.
static int s_ask_with(sq_mdp_client_t *client, const char *service, zmsg_t **request, char **json)
{
    *json = NULL;
    zmsg_t *reply = client ? sq_mdp_client_request(client, service, request) : NULL;
    zmsg_destroy(request);
    if (!reply)
        return 0;
    char *status = zmsg_popstr(reply);
    *json = zmsg_popstr(reply);
    zmsg_destroy(&reply);
    int code = status ? atoi(status) : 0;
    free(status);
    if (code < 200 || code > 599 || !*json) {
        sq_error_limited("malformed reply from %s", service);
        free(*json);
        *json = NULL;
        return 0;
    }
    return code;
}

int sq_submit_ask(sq_submit_t *self, const char *service, zmsg_t **request, char **json)
{
    sq_mdp_client_t *client = s_client_take(self);
    int code = s_ask_with(client, service, request, json);
    s_client_give_back(self, client);
    return code;
}

bool sq_submit_served(sq_submit_t *self, const char *service)
{
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, service);
    sq_mdp_client_t *client = s_client_take(self);
    zmsg_t *reply = client ? sq_mdp_client_request(client, "mmi.service", &request) : NULL;
    zmsg_destroy(&request);
    s_client_give_back(self, client);
    char *code = reply ? zmsg_popstr(reply) : NULL;
    bool served = code && streq(code, "200");
    free(code);
    zmsg_destroy(&reply);
    return served;
}

//  Hand an envelope to intake with client; fills result with 201/200/400, or 503 when the hub
//  did not commit it (no answer, 503, or an answer for another key).
static void s_intake(sq_mdp_client_t *client, json_t *envelope, sq_submit_result_t *result)
{
    const char *external_id = json_string_value(json_object_get(envelope, "external_id"));
    char *text = json_dumps(envelope, JSON_COMPACT | JSON_REAL_PRECISION(15));
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, text);
    free(text);
    char *answer = NULL;
    int code = s_ask_with(client, S_INTAKE, &request, &answer);
    json_t *reply = answer ? json_loads(answer, 0, NULL) : NULL;
    free(answer);
    const char *number = json_string_value(json_object_get(reply, "number"));
    const char *replied_id = json_string_value(json_object_get(reply, "external_id"));
    memset(result, 0, sizeof *result);
    if ((code == 200 || code == 201) && number && replied_id && external_id
        && strcmp(replied_id, external_id) == 0) {
        result->status = (unsigned) code;
        snprintf(result->number, sizeof result->number, "%s", number);
    }
    else if (code == 400) {
        result->status = 400;
        const char *field = json_string_value(json_object_get(reply, "field"));
        const char *error = json_string_value(json_object_get(reply, "error"));
        snprintf(result->field, sizeof result->field, "%s", field ? field : "");
        snprintf(result->message, sizeof result->message, "%s", error ? error : "refused by intake");
    }
    else {
        result->status = 503;
        if (code == 200 || code == 201)
            sq_error_limited("intake answered for another key (%s, expected %s)",
                             replied_id ? replied_id : "none", external_id ? external_id : "none");
        const char *error = json_string_value(json_object_get(reply, "error"));
        snprintf(result->message, sizeof result->message, "%s",
                 code == 0 ? "the hub did not answer in time"
                 : error   ? error
                           : "the hub could not commit it");
    }
    json_decref(reply);
}

//  --------------------------------------------------------------------------
//  Spools

static sq_spool_t *s_spool_of(sq_submit_t *self, const char *channel)
{
    for (int i = 0; channel && i < self->channel_count; i++)
        if (streq(self->channels[i].channel, channel))
            return self->channels[i].spool;
    return NULL;
}

void sq_submit_envelope(sq_submit_t *self, json_t *envelope, sq_submit_result_t *result)
{
    sq_mdp_client_t *client = s_client_take(self);
    s_intake(client, envelope, result);
    s_client_give_back(self, client);
    if (result->status != 503)
        return;
    const char *channel = json_string_value(json_object_get(envelope, "channel"));
    const char *external_id = json_string_value(json_object_get(envelope, "external_id"));
    sq_spool_t *spool = s_spool_of(self, channel);
    if (!spool || !external_id) {
        sq_warn_limited("not committed and no spool for channel %s: answered 503 (%s)",
                        channel ? channel : "?", result->message);
        snprintf(result->message, sizeof result->message,
                 "the hub could not commit it now; retry with the same external_id");
        return;
    }
    char why[sizeof result->message];
    snprintf(why, sizeof why, "%s", result->message);
    if (sq_spool_append(spool, external_id, envelope)) {
        snprintf(result->message, sizeof result->message,
                 "the hub could not commit it and the spool could not keep it (%s); retry with "
                 "the same external_id",
                 sq_spool_error(spool));
        return;
    }
    result->status = 202;
    snprintf(result->receipt, sizeof result->receipt, "%s", external_id);
    snprintf(result->message, sizeof result->message, "received; the work-order number follows");
    sq_info_limited("spooled %s %s: %s", channel, external_id, why);
}

bool sq_submit_spooled(sq_submit_t *self, const char *channel, const char *external_id,
                       int64_t *spooled_at)
{
    sq_spool_t *spool = s_spool_of(self, channel);
    return spool && external_id && sq_spool_find(spool, external_id, spooled_at);
}

size_t sq_submit_waiting(sq_submit_t *self)
{
    size_t waiting = 0;
    for (int i = 0; i < self->channel_count; i++)
        waiting += sq_spool_waiting(self->channels[i].spool);
    return waiting;
}

//  --------------------------------------------------------------------------
//  The replay thread

//  Replay one spool, oldest first, until it is empty or the hub stops committing.  Returns 0
//  when it is empty, -1 when the hub failed (the reason in why).
static int s_replay_spool(sq_submit_t *self, sq_mdp_client_t *client, sq_spool_t *spool,
                          char *why, size_t why_size)
{
    size_t replayed = 0;
    int rc = 0;
    while (!zsys_interrupted) {
        pthread_mutex_lock(&self->stop_lock);
        bool stopping = self->stopping;
        pthread_mutex_unlock(&self->stop_lock);
        if (stopping)
            break;
        char *receipt = NULL;
        json_t *envelope = sq_spool_oldest(spool, &receipt, NULL);
        if (!envelope)
            break;
        sq_submit_result_t result;
        s_intake(client, envelope, &result);
        if (result.status == 200 || result.status == 201) {
            sq_spool_done(spool, receipt, result.number, NULL);
            sq_debug("replayed %s from the spool as complaint=%s", receipt, result.number);
            replayed++;
        }
        else if (result.status == 400) {
            sq_error("spool %s: intake refuses %s (%s%s%s); it is taken out of the spool",
                     sq_spool_dir(spool), receipt, result.field, *result.field ? ": " : "",
                     result.message);
            sq_spool_done(spool, receipt, NULL, result.message);
        }
        else {
            snprintf(why, why_size, "%s", result.message);
            rc = -1;
        }
        free(receipt);
        json_decref(envelope);
        if (rc)
            break;
    }
    if (replayed)
        sq_info("spool %s: %zu work orders committed from the spool, %zu wait", sq_spool_dir(spool),
                replayed, sq_spool_waiting(spool));
    return rc;
}

static void *s_replay(void *arg)
{
    sq_submit_t *self = (sq_submit_t *) arg;
    sq_mdp_client_t *client = sq_mdp_client_new(self->broker_endpoint, self->timeout_ms, 1);
    int backoff_ms = 0;
    int64_t status_at = 0;
    for (int i = 0; i < self->channel_count; i++)
        sq_spool_set_status(self->channels[i].spool, NULL);
    while (true) {
        int wait_ms = backoff_ms ? backoff_ms : self->replay_interval_ms;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += wait_ms / 1000;
        until.tv_nsec += (long) (wait_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&self->stop_lock);
        if (!self->stopping)
            pthread_cond_timedwait(&self->stop_signal, &self->stop_lock, &until);
        bool stopping = self->stopping;
        pthread_mutex_unlock(&self->stop_lock);
        if (stopping || zsys_interrupted)
            break;
        bool failed = false;
        for (int i = 0; i < self->channel_count; i++) {
            sq_spool_t *spool = self->channels[i].spool;
            if (sq_spool_waiting(spool) == 0)
                continue;
            char why[256] = "";
            size_t before = sq_spool_waiting(spool);
            if (s_replay_spool(self, client, spool, why, sizeof why)) {
                failed = true;
                sq_warn_limited("spool %s: %zu wait; the hub does not commit yet (%s)",
                                sq_spool_dir(spool), sq_spool_waiting(spool), why);
                sq_spool_set_status(spool, why);
            }
            else if (before)
                sq_spool_set_status(spool, NULL);
        }
        backoff_ms = failed ? (backoff_ms ? backoff_ms * 2 : self->replay_interval_ms) : 0;
        if (backoff_ms > S_REPLAY_BACKOFF_MAX_MS)
            backoff_ms = S_REPLAY_BACKOFF_MAX_MS;
        if (zclock_mono() >= status_at) {
            for (int i = 0; i < self->channel_count; i++)
                sq_spool_set_status(self->channels[i].spool, NULL);
            status_at = zclock_mono() + S_STATUS_EVERY_MS;
        }
    }
    sq_mdp_client_destroy(&client);
    return NULL;
}

//  --------------------------------------------------------------------------
//  Life cycle

//  Make path and the folders above it (0700).  Adapters started together make them at once,
//  so a folder another made meanwhile is no error.  0, or -1 with errno set.
static int s_make_folders(const char *path)
{
    char *partial = sq_strdup(path);
    int rc = 0;
    for (char *slash = strchr(partial + 1, '/'); rc == 0; slash = strchr(slash + 1, '/')) {
        if (slash)
            *slash = 0;
        if (mkdir(partial, 0700) && errno != EEXIST)
            rc = -1;
        if (!slash)
            break;
        *slash = '/';
    }
    free(partial);
    return rc;
}

sq_submit_t *sq_submit_new(const sq_submit_setup_t *setup, char *error, size_t error_size)
{
    sq_submit_t *self = (sq_submit_t *) sq_alloc(sizeof *self);
    self->broker_endpoint = sq_strdup(setup->broker_endpoint);
    self->timeout_ms = setup->timeout_ms;
    self->retries = setup->retries;
    self->replay_interval_ms = setup->replay_interval_ms > 0 ? setup->replay_interval_ms : 1000;
    pthread_mutex_init(&self->pool_lock, NULL);
    pthread_mutex_init(&self->stop_lock, NULL);
    pthread_cond_init(&self->stop_signal, NULL);
    self->idle_clients = zlist_new();
    if (setup->spool_dir && setup->channels) {
        if (s_make_folders(setup->spool_dir)) {
            snprintf(error, error_size, "cannot make the spool folder %s: %s", setup->spool_dir,
                     strerror(errno));
            sq_submit_destroy(&self);
            return NULL;
        }
        for (const char *const *channel = setup->channels; *channel; channel++) {
            assert(self->channel_count < S_CHANNELS_MAX);
            char *dir = zsys_sprintf("%s/%s", setup->spool_dir, *channel);
            sq_spool_t *spool = sq_spool_open(dir, true, error, error_size);
            zstr_free(&dir);
            if (!spool) {
                sq_submit_destroy(&self);
                return NULL;
            }
            self->channels[self->channel_count].channel = sq_strdup(*channel);
            self->channels[self->channel_count++].spool = spool;
        }
        self->replay_started = pthread_create(&self->replay, NULL, s_replay, self) == 0;
        if (!self->replay_started) {
            snprintf(error, error_size, "cannot start the spool's replay thread");
            sq_submit_destroy(&self);
            return NULL;
        }
    }
    return self;
}

void sq_submit_destroy(sq_submit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_submit_t *self = *self_p;
    if (self->replay_started) {
        pthread_mutex_lock(&self->stop_lock);
        self->stopping = true;
        pthread_cond_signal(&self->stop_signal);
        pthread_mutex_unlock(&self->stop_lock);
        pthread_join(self->replay, NULL);
    }
    for (int i = 0; i < self->channel_count; i++) {
        sq_spool_set_status(self->channels[i].spool, NULL);
        sq_spool_close(&self->channels[i].spool);
        free(self->channels[i].channel);
    }
    sq_mdp_client_t *client;
    while ((client = (sq_mdp_client_t *) zlist_pop(self->idle_clients)))
        sq_mdp_client_destroy(&client);
    zlist_destroy(&self->idle_clients);
    pthread_cond_destroy(&self->stop_signal);
    pthread_mutex_destroy(&self->stop_lock);
    pthread_mutex_destroy(&self->pool_lock);
    free(self->broker_endpoint);
    free(self);
    *self_p = NULL;
}

sq_submit_t *sq_submit_open(const sq_config_t *config, int timeout_ms, int retries,
                            const char *const *channels, bool spool)
{
    char *spool_dir = spool ? sq_config_spool_dir(config) : NULL;
    sq_submit_setup_t setup = {
        .broker_endpoint = config->broker_client_endpoint,
        .timeout_ms = timeout_ms,
        .retries = retries,
        .spool_dir = spool_dir,
        .channels = channels,
        .replay_interval_ms = config->spool_replay_ms,
    };
    char error[512];
    sq_submit_t *self = sq_submit_new(&setup, error, sizeof error);
    free(spool_dir);
    if (!self)
        sq_error("%s", error);
    return self;
}
