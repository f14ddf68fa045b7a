/*  hotline: the HTTP intake for 12345 and 12315 operators (suqiu-hotline).

    POST /v1/workorders                       JSON work order -> 201 {"number"} new,
                                              200 {"number"} repeat of line+external_id,
                                              202 {"status": "spooled", "receipt"} kept in the
                                              spool while the hub cannot commit: the number follows
    GET  /v1/workorders/{number}              the work order with its history
    GET  /v1/workorders?channel=C&external_id=X   the same, found by its idempotency key; 202
                                              {"status": "spooled"} while it waits in the spool
    POST /v1/calls                            JSON call record of the telephone queue (lib/sq_call)
                                              -> 201 recorded, 200 line+call_id seen before,
                                              both with the record as kept; 503: send again
    GET  /v1/health                           200 when the broker has an intake worker
    Errors are JSON {"error": ..., "field": ...}: 400 bad input, 404 unknown, 405 method,
    413 body over hotline.max_body_bytes, 415 not JSON, 503 the hub can neither commit nor
    spool it (a call record: could not record it).  An answer of 201/200 comes after the worker has committed the row, and 202 after
    the spool has it on disk (see sq_submit.h).
*/
#ifndef HOTLINE_H
#define HOTLINE_H

#include "sq_config.h"

typedef struct _hotline_t hotline_t;

//  Open the spools of 12345 and 12315 and start the HTTP server on hotline.address:hotline.port
//  with hotline.threads threads.  config is borrowed for the object's life.  NULL (logged)
//  when it cannot listen or a spool cannot be opened.
hotline_t *hotline_new(const sq_config_t *config);

//  Stop the server and the spools' replay, and free; safe on NULL and twice.
void hotline_destroy(hotline_t **self_p);

#endif
