/*  sq_change: a person's change to a complaint, and its deadlines recomputed after it, in one
    transaction; and whether a complaint's SLA policy allows an extension.  What suqiuctl's verbs
    and the desks both do, written once.

    A change is a prepared statement whose one value is NULL when it was done, or why it was
    refused (the SQL functions of sql/007_extensions.sql and sql/026_desk_api.sql answer so).
    After it, every stage still due is recomputed (sq_deadline_settle); then an optional
    statement runs with the number as its one value (e.g. marking an approved extension
    settled).  db's statements must include SQ_DEADLINE_STATEMENTS and SQ_CHANGE_STATEMENTS.
*/
#ifndef SQ_CHANGE_H
#define SQ_CHANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "sq_calendar.h"
#include "sq_db.h"
#include "sq_sla.h"

#define SQ_CHANGE_STATEMENTS                                                                 \
    {"change_policy", "SELECT d.policy_id FROM complaint c JOIN complaint_deadline d"        \
                      " ON d.complaint_id = c.id WHERE c.number = $1 AND d.stage = $2"}

//  Run the change as above.  With own_transaction the transaction is begun and committed (or
//  rolled back) here; without, the caller's transaction holds it and the caller commits.
//  Returns 0 when done, or -1 with why in error (a refusal's reason, or a database failure);
//  with own_transaction nothing is then changed.
int sq_change_run(sq_db_t *db, const sq_sla_t *sla, const sq_calendar_t *calendar,
                  const char *statement, int count, const char *const *values, const char *after,
                  const char *number, const char *actor, const char *reason, bool own_transaction,
                  char *error, size_t error_size);

//  0 when the policy of the complaint's stage allows one extension of `asked`; -1 with why in
//  error (no such deadline, no extension in the policy, more than it allows).
int sq_change_extension_allowed(sq_db_t *db, const sq_sla_t *sla, const char *number,
                                const char *stage, const sq_duration_t *asked, char *error,
                                size_t error_size);

#endif
