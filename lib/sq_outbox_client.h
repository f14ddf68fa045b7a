/*  sq_outbox_client: the one loop by which an adapter sends what the hub owes citizens on
    its channel.  A thread asks suqiu.outbox (workers/outbox.h) for the deliveries due on
    one via (wechat, email), leased so that a crash leaves them to be taken again, hands
    each to the adapter's send function and reports it done or failed (suqiu.outbox then
    retries with backoff, and fails it after max_tries).  It looks again at once while
    there was something to send, else every interval_ms.
*/
#ifndef SQ_OUTBOX_CLIENT_H
#define SQ_OUTBOX_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#include "sq_submit.h"

typedef struct _sq_outbox_client_t sq_outbox_client_t;

//  Send one delivery (item: {"id", "kind": ack|reply, "number", "address", "try",
//  "detail", "title", "reply", "department", ...}, borrowed).  Returns 0 when sent, with
//  *done (may stay NULL) an object kept with it (e.g. the Message-ID that went out; the
//  caller's, taken over); -1 when not, with why in error.
typedef int (*sq_outbox_send_fn)(void *arg, json_t *item, json_t **done, char *error,
                                 size_t error_size);

//  Start the thread.  submit is borrowed and must outlive the client; via is copied.
//  NULL (logged) when the thread cannot start.
sq_outbox_client_t *sq_outbox_client_new(sq_submit_t *submit, const char *via, int interval_ms,
                                         int max_tries, sq_outbox_send_fn send, void *arg);

//  Stop the thread (a delivery being sent is finished and reported first) and free; safe on
//  NULL and twice.
void sq_outbox_client_destroy(sq_outbox_client_t **self_p);

#endif
