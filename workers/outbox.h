/*  outbox: the suqiu.outbox service, what the channel adapters ask of the hub beyond intake:
    the messages owed to citizens (sql/030_deliveries.sql) and the follow-ups they send.

    Request frames:
        "take" VIA LIMIT LEASE_S       up to LIMIT (1-100) deliveries due on VIA (wechat,
                                       email), leased for LEASE_S seconds (5-3600): "200"
                                       {"items": [{"id", "kind": ack|reply, "number",
                                       "address", "try", "detail", "title", "reply", ...}]}
        "done" ID DETAIL               sent (DETAIL: a JSON object kept with it, e.g. the
                                       Message-ID that went out): "200" {"id", "done"}
        "failed" ID REASON MAX_TRIES   not sent: retried with backoff, failed after
                                       MAX_TRIES: "200" {"id", "state"}
        "passive" NUMBER               the passive reply carried the number: the ack is sent
        "follow" JSON                  a follow-up: {"channel", "external_id", "number" or
                                       "sender" + "minutes", "kind", "body", "detail",
                                       "received_at"}: "200" {"number", "created"}, or
                                       "404" when there is no such (recent) complaint
        "status" NUMBER                what the citizen may know: "200" {"number", "state",
                                       "state_label", "department", "reply"} or "404"
    Errors: "400" {"error"} for a malformed request, "503" when the database cannot answer.
*/
#ifndef OUTBOX_H
#define OUTBOX_H

#include <czmq.h>

#include "sq_db.h"

#define OUTBOX_SERVICE "suqiu.outbox"

//  The prepared statements outbox needs; add them to the process's table.
extern const sq_db_statement_t outbox_statements[];

//  Answer one request (borrowed); db is borrowed.  Returns the reply (the caller's).
zmsg_t *outbox_answer(sq_db_t *db, zmsg_t *request);

#endif
