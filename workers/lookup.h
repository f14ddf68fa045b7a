/*  lookup: the suqiu.lookup service, one complaint as JSON with its history.

    Request frames:  "number" NUMBER            find by work-order number
                     "key" CHANNEL EXTERNAL_ID  find by idempotency key
                     "open311" FILTER           the web door's service requests (FILTER: JSON
                                                {numbers?, service_code?, start, end, status?,
                                                limit}), as open311_requests() gives them
                     "citizen" NUMBER LAST4     the citizen's status page: found only when the
                                                complaint's phone ends in LAST4
    Reply frames:    "200" JSON | "404" {"error"} | "400" {"error"} | "503" {"error"}
    The complaint JSON comes from complaint_json() in sql/, the same object that `suqiuctl
    show` prints; the web door's from sql/013_web.sql, which shows no personal data.
*/
#ifndef LOOKUP_H
#define LOOKUP_H

#include <czmq.h>

#include "sq_db.h"

#define LOOKUP_SERVICE "suqiu.lookup"

//  The prepared statements lookup needs; add them to the process's table.
extern const sq_db_statement_t lookup_statements[];

//  Answer one request.  request is borrowed; db is borrowed.  Returns the reply body (the
//  caller's).
zmsg_t *lookup_answer(sq_db_t *db, zmsg_t *request);

#endif
