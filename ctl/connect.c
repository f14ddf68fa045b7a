/*  ctl_connect: how every suqiuctl verb reaches the database, with one message when it cannot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int ctl_person(sq_db_t *db, const char *login, const char *department, bool supervising,
               char *actor, size_t actor_size)
{
    const char *values[] = {login};
    PGresult *result = sq_db_exec(db, "ctl_person", 1, values);
    if (!result)
        return 1;
    int rc = 1;
    if (PQntuples(result) != 1)
        fprintf(stderr, "suqiuctl: no user \"%s\" (suqiuctl user list; suqiuctl user add)\n", login);
    else if (PQgetvalue(result, 0, 2)[0] == 't')
        fprintf(stderr, "suqiuctl: the user %s is disabled\n", login);
    else if (supervising && strcmp(PQgetvalue(result, 0, 0), "supervisor")
             && strcmp(PQgetvalue(result, 0, 0), "admin"))
        fprintf(stderr, "suqiuctl: %s is a %s, not a supervisor\n", login, PQgetvalue(result, 0, 0));
    else if (department && strcmp(PQgetvalue(result, 0, 0), "department") == 0
             && strcmp(PQgetvalue(result, 0, 1), department))
        fprintf(stderr, "suqiuctl: %s is the desk of %s, not of %s\n", login,
                PQgetvalue(result, 0, 1), department);
    else {
        snprintf(actor, actor_size, "user:%s", login);
        rc = 0;
    }
    PQclear(result);
    return rc;
}
