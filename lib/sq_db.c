/*  sq_db: a libpq connection with named prepared statements (see sq_db.h). */
#include "sq_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sq_log.h"

#define S_BACKOFF_FIRST_MS 100
#define S_BACKOFF_MAX_MS 1000

struct _sq_db_t {
    char *conninfo;
    char *application_name;
    const sq_db_statement_t *statements;
    PGconn *conn;
    char error[512];
    int backoff_ms;       //  the wait after the last failed connection attempt; 0 after success
    int64_t retry_at_ms;  //  no new attempt before this (monotonic ms)
};

static int64_t s_mono_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

//  After a failed attempt: wait twice as long as last time before the next, up to the cap.
static void s_back_off(sq_db_t *self)
{
    self->backoff_ms = self->backoff_ms ? self->backoff_ms * 2 : S_BACKOFF_FIRST_MS;
    if (self->backoff_ms > S_BACKOFF_MAX_MS)
        self->backoff_ms = S_BACKOFF_MAX_MS;
    self->retry_at_ms = s_mono_ms() + self->backoff_ms;
}

static void s_set_error(sq_db_t *self, const char *message)
{
    snprintf(self->error, sizeof self->error, "%s", message ? message : "");
    for (char *at = self->error; *at; at++)   //  libpq's messages span lines: keep log lines whole
        if (*at == '\n' || *at == '\t')
            *at = ' ';
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
        s_back_off(self);
        sq_error_limited("cannot connect to PostgreSQL (next attempt in %d ms): %s",
                         self->backoff_ms, self->error);
        PQfinish(self->conn);
        self->conn = NULL;
        return -1;
    }
    for (const sq_db_statement_t *statement = self->statements; statement && statement->name;
         statement++) {
        PGresult *result = PQprepare(self->conn, statement->name, statement->sql, 0, NULL);
        if (PQresultStatus(result) != PGRES_COMMAND_OK) {
            s_set_error(self, PQresultErrorMessage(result));
            sq_error_limited("cannot prepare statement %s: %s", statement->name, self->error);
            PQclear(result);
            PQfinish(self->conn);
            self->conn = NULL;
            s_back_off(self);
            return -1;
        }
        PQclear(result);
    }
    if (self->backoff_ms)
        sq_info("connected to PostgreSQL again; %s statements prepared", self->application_name);
    self->backoff_ms = 0;
    return 0;
}

//  Connect when there is no connection and the back-off allows an attempt.  0 or -1.
static int s_ensure(sq_db_t *self)
{
    if (sq_db_connected(self))
        return 0;
    if (self->conn) {   //  broken: drop it
        PQfinish(self->conn);
        self->conn = NULL;
    }
    if (self->backoff_ms && s_mono_ms() < self->retry_at_ms) {
        snprintf(self->error, sizeof self->error,
                 "PostgreSQL is unreachable; the next attempt to connect is in %d ms",
                 (int) (self->retry_at_ms - s_mono_ms()));
        return -1;
    }
    return sq_db_connect(self);
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
    PQclear(result);
    if (PQstatus(self->conn) != CONNECTION_OK) {
        sq_warn_limited("%s failed, the connection to PostgreSQL is lost: %s", what, self->error);
        PQfinish(self->conn);
        self->conn = NULL;
    }
    else
        sq_error("%s failed: %s", what, self->error);
    return NULL;
}

PGresult *sq_db_exec(sq_db_t *self, const char *name, int nparams, const char *const *values)
{
    if (s_ensure(self))
        return NULL;
    bool outside_transaction = PQtransactionStatus(self->conn) == PQTRANS_IDLE;
    PGresult *result = s_check(self, PQexecPrepared(self->conn, name, nparams, values, NULL, NULL, 0), name);
    //  A connection that broke before the statement (PostgreSQL restarted since the last
    //  one) is found only now: outside a transaction the statement is run once more on a
    //  new connection.  The hub's statements are idempotent, so a statement that did
    //  commit before the break does no harm when run again.
    if (!result && !self->conn && outside_transaction && s_ensure(self) == 0)
        result = s_check(self, PQexecPrepared(self->conn, name, nparams, values, NULL, NULL, 0), name);
    return result;
}

int sq_db_command(sq_db_t *self, const char *sql)
{
    if (s_ensure(self))
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
