/*  ctl_rules: the deadline rules (config/calendar.yaml and config/sla.yaml) for the verbs
    that change deadlines, and the one way they recompute a complaint's deadlines. */
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "sq_change.h"

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

int ctl_change(sq_db_t *db, const ctl_rules_t *rules, const char *statement, int count,
               const char *const *values, const char *after, const char *number,
               const char *actor, const char *reason)
{
    char error[600];
    if (sq_change_run(db, rules->sla, rules->calendar, statement, count, values, after, number,
                      actor, reason, true, error, sizeof error)) {
        fprintf(stderr, "suqiuctl: %s: %s\n", number, error);
        return 1;
    }
    return 0;
}
