/*  sq_dbpool: database connections shared by a server's threads (the desk's HTTP threads).

    A thread takes a connection for one request and gives it back; at most `size` are open at
    once, and a thread that finds none idle waits.  Each connection heals itself (sq_db) and
    prepares the pool's statements.  Thread-safe.
*/
#ifndef SQ_DBPOOL_H
#define SQ_DBPOOL_H

#include "sq_db.h"

typedef struct _sq_dbpool_t sq_dbpool_t;

//  A pool of at most size connections to conninfo (copied) with statements (borrowed for the
//  pool's life, ending with {NULL, NULL}); none is opened yet.
sq_dbpool_t *sq_dbpool_new(const char *conninfo, const char *application_name,
                           const sq_db_statement_t *statements, int size);

//  Close every connection and free; no connection may be out.  Safe on NULL and twice.
void sq_dbpool_destroy(sq_dbpool_t **self_p);

//  A connection for the caller (borrowed until sq_dbpool_give), connected or trying to be.
sq_db_t *sq_dbpool_take(sq_dbpool_t *self);

//  Give a connection back.  A connection left inside a transaction is rolled back first.
void sq_dbpool_give(sq_dbpool_t *self, sq_db_t *db);

#endif
