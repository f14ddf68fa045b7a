/*  sq_submit: the one way an adapter hands work to the hub.

    - sq_submit_ask: ask a service and wait for its answer (lookups and the like), through a
      pool of MDP clients with Lazy Pirate retries, so that the server's threads need not
      connect anew for each request.
    - sq_submit_envelope: hand a complaint's envelope to suqiu.intake.  It is committed now
      (201 new, 200 its key was seen before, both with the work-order number), or, when the
      hub does not commit it within the adapter's time (no answer after every attempt, or
      intake answers 503), it is kept in the channel's durable spool (sq_spool) and answered
      202 with a receipt: "received, the number follows".  503 only when the spool could not
      keep it either: nothing is ever answered "received" that could be lost.
    - A thread of the module's own replays each spool in order as soon as the hub answers
      again, and marks each item done with the number it got; the idempotency key makes a
      replay of an item the hub had in fact committed harmless (it answers 200, same number).

    The receipt is the envelope's external_id: with the channel it finds the complaint once it
    is committed (GET /v1/workorders?channel=&external_id=, or the channel's own lookup), and
    sq_submit_spooled says whether it still waits.  Thread-safe.
*/
#ifndef SQ_SUBMIT_H
#define SQ_SUBMIT_H

#include <czmq.h>
#include <jansson.h>
#include <stdbool.h>

#include "sq_config.h"

typedef struct _sq_submit_t sq_submit_t;

typedef struct {
    const char *broker_endpoint;
    int timeout_ms;                //  one attempt's wait for the hub
    int retries;                   //  attempts in all before an envelope goes to the spool
    const char *spool_dir;         //  holds one spool folder per channel; NULL: no spool
    const char *const *channels;   //  the channels this adapter takes, NULL-terminated
    int replay_interval_ms;        //  how often the replay looks at the spools
} sq_submit_setup_t;

typedef struct {
    unsigned status;       //  201 committed, 200 seen before, 202 spooled, 400 refused, 503 lost
    char number[64];       //  with 200 and 201
    char receipt[160];     //  with 202: the external id
    char field[64];        //  with 400: the field intake refused ("" for the whole)
    char message[256];     //  with 400 and 503: why
} sq_submit_result_t;

//  Connect to the broker, open (and own) the spool of each channel, start the replay.  setup is
//  copied.  NULL with error filled when a spool cannot be opened (e.g. owned by another process).
sq_submit_t *sq_submit_new(const sq_submit_setup_t *setup, char *error, size_t error_size);

//  An adapter's submit path from its config: the broker, the adapter's Lazy Pirate timeout
//  and retries, its channels (NULL-terminated, copied) with their spools under spool.dir
//  when spool is set.  NULL, logged, when a spool cannot be opened.
sq_submit_t *sq_submit_open(const sq_config_t *config, int timeout_ms, int retries,
                            const char *const *channels, bool spool);

//  Stop the replay, close the clients and spools; safe on NULL and twice.
void sq_submit_destroy(sq_submit_t **self_p);

//  Submit a checked envelope (borrowed) for intake; fills result.
void sq_submit_envelope(sq_submit_t *self, json_t *envelope, sq_submit_result_t *result);

//  Ask service; takes ownership of *request.  Returns the answer's status (200-599) and sets
//  *json to its JSON text (the caller's), or returns 0 when the hub did not answer.
int sq_submit_ask(sq_submit_t *self, const char *service, zmsg_t **request, char **json);

//  True when the broker says (MMI) a worker serves service now.
bool sq_submit_served(sq_submit_t *self, const char *service);

//  True when channel's spool holds external_id still; *spooled_at (may be NULL) since when.
bool sq_submit_spooled(sq_submit_t *self, const char *channel, const char *external_id,
                       int64_t *spooled_at);

//  Items waiting in all spools.
size_t sq_submit_waiting(sq_submit_t *self);

#endif
