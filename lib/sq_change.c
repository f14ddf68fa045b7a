/*  sq_change: a change and its deadlines in one transaction (see sq_change.h). */
#include "sq_change.h"

#include <stdio.h>

#include "sq_deadline.h"

static int s_abort(sq_db_t *db, bool own_transaction)
{
    if (own_transaction)
        sq_db_command(db, "ROLLBACK");
    return -1;
}

int sq_change_run(sq_db_t *db, const sq_sla_t *sla, const sq_calendar_t *calendar,
                  const char *statement, int count, const char *const *values, const char *after,
                  const char *number, const char *actor, const char *reason, bool own_transaction,
                  char *error, size_t error_size)
{
    if (own_transaction && sq_db_command(db, "BEGIN")) {
        snprintf(error, error_size, "%s", sq_db_error(db));
        return -1;
    }
    PGresult *result = sq_db_exec(db, statement, count, values);
    if (!result) {
        snprintf(error, error_size, "%s", sq_db_error(db));
        return s_abort(db, own_transaction);
    }
    if (PQntuples(result) != 1 || !PQgetisnull(result, 0, 0)) {
        snprintf(error, error_size, "%s", PQntuples(result) == 1 ? PQgetvalue(result, 0, 0) : "refused");
        PQclear(result);
        return s_abort(db, own_transaction);
    }
    PQclear(result);
    char why[512];
    if (sq_deadline_settle(db, sla, calendar, number, actor, reason, why, sizeof why) < 0) {
        snprintf(error, error_size, "cannot recompute the deadlines of %s", why);
        return s_abort(db, own_transaction);
    }
    if (after) {
        const char *after_values[] = {number};
        PGresult *done = sq_db_exec(db, after, 1, after_values);
        if (!done) {
            snprintf(error, error_size, "%s", sq_db_error(db));
            return s_abort(db, own_transaction);
        }
        PQclear(done);
    }
    if (own_transaction && sq_db_command(db, "COMMIT")) {
        snprintf(error, error_size, "%s", sq_db_error(db));
        return -1;
    }
    return 0;
}

int sq_change_extension_allowed(sq_db_t *db, const sq_sla_t *sla, const char *number,
                                const char *stage, const sq_duration_t *asked, char *error,
                                size_t error_size)
{
    const char *values[] = {number, stage};
    PGresult *result = sq_db_exec(db, "change_policy", 2, values);
    if (!result) {
        snprintf(error, error_size, "%s", sq_db_error(db));
        return -1;
    }
    int rc = -1;
    const sq_sla_policy_t *policy =
        PQntuples(result) ? sq_sla_policy_by_id(sla, PQgetvalue(result, 0, 0)) : NULL;
    sq_duration_t most;
    static const char *const units[] = {"wd", "wh", "h"};
    if (PQntuples(result) == 0)
        snprintf(error, error_size, "no such work order, or it has no %s deadline", stage);
    else if (!policy || !sq_sla_policy_extension(policy, &most))
        snprintf(error, error_size, "its policy, %s, allows no extension", PQgetvalue(result, 0, 0));
    else if (asked->unit != most.unit || asked->amount > most.amount || asked->amount == 0)
        snprintf(error, error_size, "its policy, %s, allows one extension of at most %d%s",
                 sq_sla_policy_id(policy), most.amount, units[most.unit]);
    else
        rc = 0;
    PQclear(result);
    return rc;
}
