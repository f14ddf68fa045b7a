/*  sq_program: the start of every suqiu daemon, written once.

    Parses the options every daemon takes (-c/--config FILE, -v/--verbose, -h/--help),
    loads and validates the config, and starts logging under the program's name.  It also
    ignores SIGPIPE (a client that hangs up is an error to handle, not a reason to die) and
    SIGXFSZ (a file at its size limit makes the write fail, and the spool answers 503).  A
    daemon's main.c calls it, then constructs its objects, runs its loop and destroys
    them in reverse order.
*/
#ifndef SQ_PROGRAM_H
#define SQ_PROGRAM_H

#include "sq_config.h"

//  name is the program's name ("suqiu-broker"); purpose is one or more lines saying what it
//  does, printed under the usage line by --help.  Returns the loaded config (the caller's:
//  sq_config_destroy), or NULL with *exit_code set: 0 after --help, 2 for bad usage, 1 when
//  the config is unusable (its message names file, line and key).
sq_config_t *sq_program_start(int argc, char *argv[], const char *name, const char *purpose,
                              int *exit_code);

#endif
