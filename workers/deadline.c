/*  deadline: raise reminders and overdue escalations from the database (see deadline.h). */
#include "deadline.h"

#include <string.h>

#include "sq_log.h"

#define S_BATCH "500"       //  alerts of each kind raised per statement
#define S_BATCHES_MAX 20    //  statements per run; the next run goes on

const sq_db_statement_t deadline_statements[] = {
    {"deadline_sweep",
     "SELECT number, stage, alert, due_at, department FROM deadline_sweep(now(), $1::int)"},
    {NULL, NULL},
};

int deadline_watch_run(sq_db_t *db)
{
    int raised = 0;
    for (int batch = 0; batch < S_BATCHES_MAX; batch++) {
        const char *values[] = {S_BATCH};
        PGresult *result = sq_db_exec(db, "deadline_sweep", 1, values);
        if (!result)
            return -1;
        int rows = PQntuples(result);
        for (int row = 0; row < rows; row++) {
            bool overdue = strcmp(PQgetvalue(result, row, 2), "overdue") == 0;
            const char *department = PQgetisnull(result, row, 4) ? "the dispatch desk"
                                                                  : PQgetvalue(result, row, 4);
            if (overdue)
                sq_warn("overdue complaint=%s stage=%s due=%s department=%s: escalated to the "
                        "supervisors", PQgetvalue(result, row, 0), PQgetvalue(result, row, 1),
                        PQgetvalue(result, row, 3), department);
            else
                sq_info("reminder complaint=%s stage=%s due=%s department=%s",
                        PQgetvalue(result, row, 0), PQgetvalue(result, row, 1),
                        PQgetvalue(result, row, 3), department);
        }
        PQclear(result);
        raised += rows;
        if (rows == 0)
            break;   //  nothing more is due now: raised alerts are never returned again
    }
    return raised;
}
