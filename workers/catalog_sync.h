/*  catalog_sync: mirror the city's catalogue (the YAML files under config/) into PostgreSQL, so that the
    lookup JSON, views and any SQL tool can show department, category and region names.
*/
#ifndef CATALOG_SYNC_H
#define CATALOG_SYNC_H

#include "sq_catalog.h"
#include "sq_db.h"

//  The prepared statements it needs; add them to the process's table.
extern const sq_db_statement_t catalog_sync_statements[];

//  Write every department, category and region (added or renamed, never deleted).
//  Returns 0, or -1 (logged).
int catalog_sync(sq_db_t *db, const sq_catalog_t *catalog);

#endif
