/*  calls: the suqiu.calls service, which records the call records of the hotlines'
    telephone queue (POST /v1/calls on the hotline), for the answer rate (接通率).

    Request frames:  one JSON call record (lib/sq_call), checked here again, since the
                     worker trusts no client.
    Reply frames:    "201" RECORD  recorded now
                     "200" RECORD  its line and call_id were recorded before: nothing is
                                   written, and RECORD is the one kept (the first wins)
                     "400" {"error", "field"} | "503" {"error"}: retry with the same call_id
    RECORD is the call as the hub keeps it (call_record_json() in sql/012_calls.sql), with
    in_working_hours decided by the city's calendar and short_abandon.
*/
#ifndef CALLS_H
#define CALLS_H

#include <czmq.h>

#include "sq_calendar.h"
#include "sq_db.h"

#define CALLS_SERVICE "suqiu.calls"
#define CALLS_ACTOR "suqiu.calls"

typedef struct _calls_t calls_t;

//  The prepared statements calls needs; add them to the process's table.
extern const sq_db_statement_t calls_statements[];

//  A recorder of calls into db (borrowed); takes ownership of *calendar_p.
calls_t *calls_new(sq_db_t *db, sq_calendar_t **calendar_p);

//  Free; safe twice.
void calls_destroy(calls_t **self_p);

//  Answer one request (borrowed).  Returns the reply body (the caller's).
zmsg_t *calls_answer(calls_t *self, zmsg_t *request);

#endif
