/*  sq_db: one PostgreSQL connection and the process's table of named prepared statements.

    Each process declares its runtime queries once, as a table of {name, sql}; they are
    prepared on every (re)connect.  The SQL in them is short: the logic lives in
    functions under sql/.  Values go only as $n parameters.

    The connection heals itself: when it is lost (PostgreSQL restarted, crashed, or is
    down), the next call connects again and prepares the statements again.  While the
    server cannot be reached, attempts are spaced by a back-off (100 ms doubling to 1 s)
    and a call in between fails at once with sq_db_error saying when the next attempt
    is; the log says so a few times per window, not once per call.  A statement whose
    connection turns out to be broken when it is sent, outside a transaction, is run once
    more on a new connection: statements in the table must therefore be idempotent (the
    hub's are: an intake is keyed, a state change checks the state it changes from).
*/
#ifndef SQ_DB_H
#define SQ_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

typedef struct {
    const char *name;   //  the statement's name
    const char *sql;    //  its text, with $1, $2, ... for values
} sq_db_statement_t;

typedef struct _sq_db_t sq_db_t;

//  A connection-to-be (not yet connected).  conninfo and application_name are copied;
//  statements is a table ending with {NULL, NULL}, borrowed for the object's life.
sq_db_t *sq_db_new(const char *conninfo, const char *application_name,
                   const sq_db_statement_t *statements);

//  Close and free; safe on NULL and twice.
void sq_db_destroy(sq_db_t **self_p);

//  Connect (again) now, whatever the back-off, and prepare every statement.  Returns 0,
//  or -1 (logged, and the back-off grows).
int sq_db_connect(sq_db_t *self);

//  True while the connection is up.
bool sq_db_connected(sq_db_t *self);

//  Run a prepared statement with text parameters (NULL for SQL NULL), reconnecting first
//  when needed.  Returns the result (the caller's: PQclear it) when it succeeded, or NULL
//  (logged with PostgreSQL's message) when it failed.
PGresult *sq_db_exec(sq_db_t *self, const char *name, int nparams, const char *const *values);

//  Run one SQL command without parameters (BEGIN, COMMIT, ROLLBACK, ...).  0 or -1 (logged).
int sq_db_command(sq_db_t *self, const char *sql);

//  The last error PostgreSQL reported, or ""; borrowed until the next call.
const char *sq_db_error(sq_db_t *self);

//  The raw connection, for code that needs libpq directly; borrowed, may be NULL.
PGconn *sq_db_conn(sq_db_t *self);

#endif
