/*  sq_db: a libpq connection with named prepared statements (see sq_db.h). */
#include "sq_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_log.h"

struct _sq_db_t {
    char *conninfo;
    char *application_name;
    const sq_db_statement_t *statements;
    PGconn *conn;
    char error[512];
};

static void s_set_error(sq_db_t *self, const char *message)
{
    snprintf(self->error, sizeof self->error, "%s", message ? message : "");
    size_t length = strlen(self->error);
    while (length && (self->error[length - 1] == '\n' || self->error[length - 1] == ' '))
        self->error[--length] = 0;
}

sq_db_t *sq_db_new(const char *conninfo, const char *application_name,
                   const sq_db_statement_t *statements)
{
    sq_db_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->conninfo = strdup(conninfo);
    self->application_name = strdup(application_name);
    self->statements = statements;
    return self;
}

void sq_db_destroy(sq_db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_db_t *self = *self_p;
    if (self->conn)
        PQfinish(self->conn);
    free(self->conninfo);
    free(self->application_name);
    free(self);
    *self_p = NULL;
}

int sq_db_connect(sq_db_t *self)
{
    if (self->conn)
        PQfinish(self->conn);
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *values[] = {self->conninfo, self->application_name, NULL};
    self->conn = PQconnectdbParams(keys, values, 1);
    if (PQstatus(self->conn) != CONNECTION_OK) {
        s_set_error(self, PQerrorMessage(self->conn));
        sq_error("cannot connect to PostgreSQL: %s", self->error);
        PQfinish(self->conn);
        self->conn = NULL;
        return -1;
    }
    for (const sq_db_statement_t *statement = self->statements; statement && statement->name;
         statement++) {
        PGresult *result = PQprepare(self->conn, statement->name, statement->sql, 0, NULL);
        if (PQresultStatus(result) != PGRES_COMMAND_OK) {
            s_set_error(self, PQresultErrorMessage(result));
            sq_error("cannot prepare statement %s: %s", statement->name, self->error);
            PQclear(result);
            PQfinish(self->conn);
            self->conn = NULL;
            return -1;
        }
        PQclear(result);
    }
    return 0;
}

bool sq_db_connected(sq_db_t *self)
{
    return self->conn && PQstatus(self->conn) == CONNECTION_OK;
}

//  Keep a result that succeeded; otherwise log, free it, and drop a broken connection.
static PGresult *s_check(sq_db_t *self, PGresult *result, const char *what)
{
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
        return result;
    s_set_error(self, result ? PQresultErrorMessage(result) : PQerrorMessage(self->conn));
    if (!*self->error)
        s_set_error(self, PQerrorMessage(self->conn));
    sq_error("%s failed: %s", what, self->error);
    PQclear(result);
    if (PQstatus(self->conn) != CONNECTION_OK) {
        PQfinish(self->conn);
        self->conn = NULL;
    }
    return NULL;
}

PGresult *sq_db_exec(sq_db_t *self, const char *name, int nparams, const char *const *values)
{
    if (!sq_db_connected(self) && sq_db_connect(self))
        return NULL;
    PGresult *result = PQexecPrepared(self->conn, name, nparams, values, NULL, NULL, 0);
    return s_check(self, result, name);
}

int sq_db_command(sq_db_t *self, const char *sql)
{
    if (!sq_db_connected(self) && sq_db_connect(self))
        return -1;
    PGresult *result = s_check(self, PQexec(self->conn, sql), sql);
    if (!result)
        return -1;
    PQclear(result);
    return 0;
}

const char *sq_db_error(sq_db_t *self)
{
    return self->error;
}

PGconn *sq_db_conn(sq_db_t *self)
{
    return self->conn;
}
