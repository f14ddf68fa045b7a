/*  ctl_connect: how every suqiuctl verb reaches the database, with one message when it cannot. */
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

sq_db_t *ctl_connect(const sq_config_t *config, const sq_db_statement_t *statements)
{
    char *conninfo = sq_config_conninfo(config);
    sq_db_t *db = sq_db_new(conninfo, "suqiuctl", statements);
    free(conninfo);
    if (sq_db_connect(db)) {
        fprintf(stderr, "suqiuctl: cannot reach the database: %s\n"
                        "  (is it running? `make run` or `ops/pg.sh start` starts the private one)\n",
                sq_db_error(db));
        sq_db_destroy(&db);
    }
    return db;
}
