/*  ctl_rules: the deadline rules (config/calendar.yaml and config/sla.yaml) for the verbs
    that change deadlines, and the one way they recompute a complaint's deadlines. */
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "sq_deadline.h"

int ctl_rules_load(const sq_config_t *config, ctl_rules_t *rules)
{
    char error[512];
    char *dir = sq_config_catalog_dir(config);
    char path[4096];
    snprintf(path, sizeof path, "%s/sla.yaml", dir);
    rules->calendar = sq_calendar_load_dir(dir, error, sizeof error);
    rules->sla = rules->calendar ? sq_sla_load(path, error, sizeof error) : NULL;
    free(dir);
    if (!rules->sla) {
        fprintf(stderr, "suqiuctl: %s\n", error);
        ctl_rules_free(rules);
        return 1;
    }
    return 0;
}

void ctl_rules_free(ctl_rules_t *rules)
{
    sq_sla_destroy(&rules->sla);
    sq_calendar_destroy(&rules->calendar);
}

int ctl_settle(sq_db_t *db, const ctl_rules_t *rules, const char *number, const char *actor,
               const char *reason)
{
    char error[512];
    int moved = sq_deadline_settle(db, rules->sla, rules->calendar, number, actor, reason, error,
                                   sizeof error);
    if (moved < 0)
        fprintf(stderr, "suqiuctl: cannot recompute the deadlines of %s\n", error);
    return moved;
}

int ctl_change(sq_db_t *db, const ctl_rules_t *rules, const char *statement, int count,
               const char *const *values, const char *after, const char *number,
               const char *actor, const char *reason)
{
    if (sq_db_command(db, "BEGIN"))
        return 1;
    PGresult *result = sq_db_exec(db, statement, count, values);
    if (!result) {
        sq_db_command(db, "ROLLBACK");
        return 1;
    }
    if (!PQgetisnull(result, 0, 0)) {
        fprintf(stderr, "suqiuctl: %s: %s\n", number, PQgetvalue(result, 0, 0));
        PQclear(result);
        sq_db_command(db, "ROLLBACK");
        return 1;
    }
    PQclear(result);
    if (ctl_settle(db, rules, number, actor, reason) < 0) {
        sq_db_command(db, "ROLLBACK");
        return 1;
    }
    if (after) {
        const char *after_values[] = {number};
        PGresult *done = sq_db_exec(db, after, 1, after_values);
        if (!done) {
            sq_db_command(db, "ROLLBACK");
            return 1;
        }
        PQclear(done);
    }
    return sq_db_command(db, "COMMIT") ? 1 : 0;
}
