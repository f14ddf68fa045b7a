/*  sq_dbpool: a bounded pool of sq_db connections (see sq_dbpool.h). */
#include "sq_dbpool.h"

#include <pthread.h>
#include <stdlib.h>

#include "sq_alloc.h"

struct _sq_dbpool_t {
    pthread_mutex_t lock;
    pthread_cond_t returned;
    char *conninfo;
    char *application_name;
    const sq_db_statement_t *statements;
    sq_db_t **idle;
    int idle_count;
    int open;         //  connections made, idle or out
    int size;
};

sq_dbpool_t *sq_dbpool_new(const char *conninfo, const char *application_name,
                           const sq_db_statement_t *statements, int size)
{
    sq_dbpool_t *self = (sq_dbpool_t *) sq_alloc(sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->returned, NULL);
    self->conninfo = sq_strdup(conninfo);
    self->application_name = sq_strdup(application_name);
    self->statements = statements;
    self->size = size > 0 ? size : 1;
    self->idle = (sq_db_t **) sq_alloc(sizeof(sq_db_t *) * (size_t) self->size);
    return self;
}

void sq_dbpool_destroy(sq_dbpool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_dbpool_t *self = *self_p;
    for (int i = 0; i < self->idle_count; i++)
        sq_db_destroy(&self->idle[i]);
    free(self->idle);
    free(self->conninfo);
    free(self->application_name);
    pthread_cond_destroy(&self->returned);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

sq_db_t *sq_dbpool_take(sq_dbpool_t *self)
{
    pthread_mutex_lock(&self->lock);
    while (self->idle_count == 0 && self->open >= self->size)
        pthread_cond_wait(&self->returned, &self->lock);
    sq_db_t *db = NULL;
    if (self->idle_count > 0)
        db = self->idle[--self->idle_count];
    else
        self->open++;
    pthread_mutex_unlock(&self->lock);
    if (!db) {
        db = sq_db_new(self->conninfo, self->application_name, self->statements);
        sq_db_connect(db);   //  a failure is logged; the next statement tries again
    }
    return db;
}

void sq_dbpool_give(sq_dbpool_t *self, sq_db_t *db)
{
    if (!db)
        return;
    PGconn *conn = sq_db_conn(db);
    if (conn && PQtransactionStatus(conn) != PQTRANS_IDLE)
        sq_db_command(db, "ROLLBACK");
    pthread_mutex_lock(&self->lock);
    self->idle[self->idle_count++] = db;
    pthread_cond_signal(&self->returned);
    pthread_mutex_unlock(&self->lock);
}
