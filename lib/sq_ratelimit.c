/*  sq_ratelimit: token buckets per key (see sq_ratelimit.h). */
#include "sq_ratelimit.h"

#include <czmq.h>
#include <math.h>
#include <pthread.h>

#include "sq_alloc.h"

typedef struct {
    double tokens;
    int64_t updated_ms;
} s_bucket_t;

struct _sq_ratelimit_t {
    pthread_mutex_t lock;
    double capacity;
    double per_ms;        //  tokens back per millisecond
    size_t max_keys;
    zhashx_t *buckets;    //  key -> s_bucket_t (owned)
};

static void s_bucket_free(void **item)
{
    free(*item);
    *item = NULL;
}

sq_ratelimit_t *sq_ratelimit_new(int per_minute, size_t max_keys)
{
    sq_ratelimit_t *self = (sq_ratelimit_t *) sq_alloc(sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    self->capacity = per_minute > 0 ? per_minute : 1;
    self->per_ms = self->capacity / 60000.0;
    self->max_keys = max_keys > 0 ? max_keys : 1;
    self->buckets = zhashx_new();
    zhashx_set_destructor(self->buckets, s_bucket_free);
    return self;
}

void sq_ratelimit_destroy(sq_ratelimit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_ratelimit_t *self = *self_p;
    zhashx_destroy(&self->buckets);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

static void s_refill(sq_ratelimit_t *self, s_bucket_t *bucket, int64_t now)
{
    bucket->tokens += (double) (now - bucket->updated_ms) * self->per_ms;
    if (bucket->tokens > self->capacity)
        bucket->tokens = self->capacity;
    bucket->updated_ms = now;
}

//  Make room for one more key: forget the full buckets, or everything if none is full.
static void s_make_room(sq_ratelimit_t *self, int64_t now)
{
    zlistx_t *full = zlistx_new();
    for (s_bucket_t *bucket = (s_bucket_t *) zhashx_first(self->buckets); bucket;
         bucket = (s_bucket_t *) zhashx_next(self->buckets)) {
        s_refill(self, bucket, now);
        if (bucket->tokens >= self->capacity)
            zlistx_add_end(full, (void *) zhashx_cursor(self->buckets));
    }
    for (const char *key = (const char *) zlistx_first(full); key; key = (const char *) zlistx_next(full))
        zhashx_delete(self->buckets, key);
    zlistx_destroy(&full);
    if (zhashx_size(self->buckets) >= self->max_keys)
        zhashx_purge(self->buckets);
}

bool sq_ratelimit_allow(sq_ratelimit_t *self, const char *key, int *retry_after_s)
{
    int64_t now = zclock_mono();
    pthread_mutex_lock(&self->lock);
    s_bucket_t *bucket = (s_bucket_t *) zhashx_lookup(self->buckets, key);
    if (!bucket) {
        if (zhashx_size(self->buckets) >= self->max_keys)
            s_make_room(self, now);
        bucket = (s_bucket_t *) sq_alloc(sizeof *bucket);
        bucket->tokens = self->capacity;
        bucket->updated_ms = now;
        zhashx_insert(self->buckets, key, bucket);
    }
    else
        s_refill(self, bucket, now);
    bool allowed = bucket->tokens >= 1.0;
    if (allowed)
        bucket->tokens -= 1.0;
    else if (retry_after_s)
        *retry_after_s = (int) ceil((1.0 - bucket->tokens) / self->per_ms / 1000.0);
    pthread_mutex_unlock(&self->lock);
    return allowed;
}
