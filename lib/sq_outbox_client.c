/*  sq_outbox_client: take, send, report, in a thread of its own (see sq_outbox_client.h). */
#include "sq_outbox_client.h"

#include <czmq.h>
#include <pthread.h>
#include <time.h>

#include "sq_log.h"

#define S_TAKE_LIMIT "20"
#define S_LEASE_S "120"   //  a delivery taken and not reported is taken again after this

struct _sq_outbox_client_t {
    sq_submit_t *submit;   //  borrowed
    char *via;
    int interval_ms;
    int max_tries;
    sq_outbox_send_fn send;
    void *arg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

//  Tell suqiu.outbox how a delivery went; done (consumed) when sent, error when not.
static void s_report(sq_outbox_client_t *self, json_int_t id, json_t *done, const char *error)
{
    char id_text[24], tries[16];
    snprintf(id_text, sizeof id_text, "%lld", (long long) id);
    snprintf(tries, sizeof tries, "%d", self->max_tries);
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, error ? "failed" : "done");
    zmsg_addstr(request, id_text);
    if (error) {
        zmsg_addstr(request, error);
        zmsg_addstr(request, tries);
    }
    else {
        char *detail = json_dumps(done ? done : json_object(), JSON_COMPACT);
        zmsg_addstr(request, detail);
        free(detail);
    }
    json_decref(done);
    char *answer = NULL;
    if (sq_submit_ask(self->submit, "suqiu.outbox", &request, &answer) != 200)
        sq_warn("%s: delivery %s could not be reported (%s); it is sent again after its lease",
                self->via, id_text, answer ? answer : "no answer");
    free(answer);
}

//  One round: take what is due, send and report each.  Returns how many were taken.
static size_t s_round(sq_outbox_client_t *self)
{
    zmsg_t *request = zmsg_new();
    zmsg_addstr(request, "take");
    zmsg_addstr(request, self->via);
    zmsg_addstr(request, S_TAKE_LIMIT);
    zmsg_addstr(request, S_LEASE_S);
    char *answer = NULL;
    int status = sq_submit_ask(self->submit, "suqiu.outbox", &request, &answer);
    json_t *taken = status == 200 && answer ? json_loads(answer, 0, NULL) : NULL;
    free(answer);
    json_t *items = json_object_get(taken, "items");
    size_t index;
    json_t *item;
    json_array_foreach(items, index, item) {
        char error[300] = "";
        json_t *done = NULL;
        json_int_t id = json_integer_value(json_object_get(item, "id"));
        const char *kind = json_string_value(json_object_get(item, "kind"));
        const char *number = json_string_value(json_object_get(item, "number"));
        if (self->send(self->arg, item, &done, error, sizeof error) == 0) {
            sq_info("%s: sent the %s of complaint=%s", self->via, kind ? kind : "-",
                    number ? number : "-");
            s_report(self, id, done, NULL);
        }
        else {
            sq_warn_limited("%s: the %s of complaint=%s not sent: %s", self->via,
                            kind ? kind : "-", number ? number : "-", error);
            json_decref(done);
            s_report(self, id, NULL, *error ? error : "not sent");
        }
    }
    size_t count = json_array_size(items);
    json_decref(taken);
    return count;
}

static void *s_run(void *arg)
{
    sq_outbox_client_t *self = (sq_outbox_client_t *) arg;
    pthread_mutex_lock(&self->lock);
    while (!self->stopping) {
        pthread_mutex_unlock(&self->lock);
        size_t taken = s_round(self);
        pthread_mutex_lock(&self->lock);
        if (taken || self->stopping)
            continue;   //  more may be due at once
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += self->interval_ms / 1000;
        until.tv_nsec += (self->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&self->wake, &self->lock, &until);
    }
    pthread_mutex_unlock(&self->lock);
    return NULL;
}

sq_outbox_client_t *sq_outbox_client_new(sq_submit_t *submit, const char *via, int interval_ms,
                                         int max_tries, sq_outbox_send_fn send, void *arg)
{
    sq_outbox_client_t *self = (sq_outbox_client_t *) zmalloc(sizeof *self);
    self->submit = submit;
    self->via = strdup(via);
    self->interval_ms = interval_ms;
    self->max_tries = max_tries;
    self->send = send;
    self->arg = arg;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    if (pthread_create(&self->thread, NULL, s_run, self)) {
        sq_error("%s: cannot start the thread that sends what is owed", via);
        pthread_mutex_destroy(&self->lock);
        pthread_cond_destroy(&self->wake);
        free(self->via);
        free(self);
        return NULL;
    }
    return self;
}

void sq_outbox_client_destroy(sq_outbox_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_outbox_client_t *self = *self_p;
    pthread_mutex_lock(&self->lock);
    self->stopping = true;
    pthread_cond_signal(&self->wake);
    pthread_mutex_unlock(&self->lock);
    pthread_join(self->thread, NULL);
    pthread_mutex_destroy(&self->lock);
    pthread_cond_destroy(&self->wake);
    free(self->via);
    free(self);
    *self_p = NULL;
}
