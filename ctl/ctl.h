/*  ctl: the verbs of suqiuctl, one function each.  Each takes the loaded config (borrowed)
    and its own arguments (argv[0] is the verb), prints to stdout, reports errors on
    stderr, and returns the process exit code (0 ok, 1 failure, 2 bad usage).
*/
#ifndef CTL_H
#define CTL_H

#include "sq_config.h"
#include "sq_db.h"

//  Connect with the process's statements (borrowed; a table ending in {NULL, NULL}).
//  Returns the connection (the caller's), or NULL after saying why on stderr.
sq_db_t *ctl_connect(const sq_config_t *config, const sq_db_statement_t *statements);

int ctl_migrate(const sq_config_t *config, int argc, char *argv[]);
int ctl_show(const sq_config_t *config, int argc, char *argv[]);
int ctl_list(const sq_config_t *config, int argc, char *argv[]);
int ctl_route(const sq_config_t *config, int argc, char *argv[]);
int ctl_return(const sq_config_t *config, int argc, char *argv[]);
int ctl_catalog(const sq_config_t *config, int argc, char *argv[]);
int ctl_calendar(const sq_config_t *config, int argc, char *argv[]);
//  sign, respond and close (argv[0] says which).
int ctl_action(const sq_config_t *config, int argc, char *argv[]);
int ctl_overdue(const sq_config_t *config, int argc, char *argv[]);
int ctl_train(const sq_config_t *config, int argc, char *argv[]);
int ctl_eval(const sq_config_t *config, int argc, char *argv[]);
int ctl_correct(const sq_config_t *config, int argc, char *argv[]);
int ctl_train_from_db(const sq_config_t *config, int argc, char *argv[]);

#endif
