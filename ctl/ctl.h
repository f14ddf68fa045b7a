/*  ctl: the verbs of suqiuctl, one function each.  Each takes the loaded config (borrowed)
    and its own arguments (argv[0] is the verb), prints to stdout, reports errors on
    stderr, and returns the process exit code (0 ok, 1 failure, 2 bad usage).
*/
#ifndef CTL_H
#define CTL_H

#include "sq_calendar.h"
#include "sq_config.h"
#include "sq_db.h"
#include "sq_sla.h"
#include "sq_textclass.h"

//  The statement ctl_person needs: put it in the verb's table.
#define CTL_PERSON_STATEMENT                                                                 \
    {"ctl_person", "SELECT role, coalesce(department, ''), disabled FROM staff_user WHERE login = $1"}

//  The person a verb acts for (--user LOGIN): the account must exist and not be disabled, and a
//  department's desk acts only for its own department (department may be NULL: not checked).
//  supervising: the verb is a supervisor's (extension approve/refuse), so the account must be
//  a supervisor's or an admin's.  Writes "user:LOGIN" into actor and returns 0, or returns 1
//  after saying why.
int ctl_person(sq_db_t *db, const char *login, const char *department, bool supervising,
               char *actor, size_t actor_size);

//  Connect with the process's statements (borrowed; a table ending in {NULL, NULL}).
//  Returns the connection (the caller's), or NULL after saying why on stderr.
sq_db_t *ctl_connect(const sq_config_t *config, const sq_db_statement_t *statements);

//  The deadline rules: the calendar and the SLA policies of the config's folder.
typedef struct {
    sq_calendar_t *calendar;
    sq_sla_t *sla;
} ctl_rules_t;

//  Load them into *rules (the caller's: ctl_rules_free).  Returns 0, or 1 after saying why.
int ctl_rules_load(const sq_config_t *config, ctl_rules_t *rules);
void ctl_rules_free(ctl_rules_t *rules);

//  Run statement, whose one value is NULL when done or else why it was refused, then
//  recompute the complaint's deadlines, then run the statement after (may be NULL) with the
//  number as its one value, all in one transaction.  Returns 0 when done, or 1 after saying
//  why not (nothing is then changed).
int ctl_change(sq_db_t *db, const ctl_rules_t *rules, const char *statement, int count,
               const char *const *values, const char *after, const char *number,
               const char *actor, const char *reason);

int ctl_migrate(const sq_config_t *config, int argc, char *argv[]);
int ctl_show(const sq_config_t *config, int argc, char *argv[]);
int ctl_list(const sq_config_t *config, int argc, char *argv[]);
int ctl_route(const sq_config_t *config, int argc, char *argv[]);
int ctl_return(const sq_config_t *config, int argc, char *argv[]);
int ctl_catalog(const sq_config_t *config, int argc, char *argv[]);
int ctl_calendar(const sq_config_t *config, int argc, char *argv[]);
//  sign, respond and close (argv[0] says which).
int ctl_action(const sq_config_t *config, int argc, char *argv[]);
//  extend, extension (approve or refuse), pause and resume (argv[0] says which).
int ctl_deadline(const sq_config_t *config, int argc, char *argv[]);
int ctl_stats(const sq_config_t *config, int argc, char *argv[]);
int ctl_overdue(const sq_config_t *config, int argc, char *argv[]);
int ctl_train(const sq_config_t *config, int argc, char *argv[]);
int ctl_eval(const sq_config_t *config, int argc, char *argv[]);
int ctl_correct(const sq_config_t *config, int argc, char *argv[]);
int ctl_train_from_db(const sq_config_t *config, int argc, char *argv[]);
int ctl_spool(const sq_config_t *config, int argc, char *argv[]);
int ctl_user(const sq_config_t *config, int argc, char *argv[]);
int ctl_demo(const sq_config_t *config, int argc, char *argv[]);
//  train --history FILE --mapping FILE: the category model learnt from a city's old orders.
int ctl_train_history(const sq_config_t *config, int argc, char *argv[]);

//  Parse one --param KEY=VALUE of verb into options.  Returns 0, or -1 after saying why.
int ctl_param(const char *verb, const char *text, sq_textclass_options_t *options);
//  import (work orders) and import-calls (call records): argv[0] says which.
int ctl_import(const sq_config_t *config, int argc, char *argv[]);

#endif
