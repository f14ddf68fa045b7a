/*  sq_ratelimit: how often one client (an address, an account) may do a thing.

    A token bucket per key: `per_minute` tokens, refilled evenly, so a client may burst up to
    per_minute at once and then one every 60/per_minute seconds.  The table holds at most
    max_keys clients; when it is full, clients whose bucket has refilled are forgotten first
    (they lose nothing), and if none has, the table starts afresh (failing open for a moment
    rather than refusing everyone).  Thread-safe.
*/
#ifndef SQ_RATELIMIT_H
#define SQ_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct _sq_ratelimit_t sq_ratelimit_t;

//  A limiter of per_minute (1 or more) per key, for at most max_keys keys.
sq_ratelimit_t *sq_ratelimit_new(int per_minute, size_t max_keys);

//  Free; safe on NULL and twice.
void sq_ratelimit_destroy(sq_ratelimit_t **self_p);

//  Take one token for key (copied when new).  True when it may go ahead; false when it must wait,
//  and then *retry_after_s (may be NULL) says how many seconds until a token is back.
bool sq_ratelimit_allow(sq_ratelimit_t *self, const char *key, int *retry_after_s);

#endif
