/*  catalog_sync: the catalogue into PostgreSQL (see catalog_sync.h). */
#include "catalog_sync.h"

#include <jansson.h>
#include <stdlib.h>

#include "sq_log.h"

const sq_db_statement_t catalog_sync_statements[] = {
    {"catalog_sync", "SELECT catalog_sync($1::jsonb, $2::jsonb, $3::jsonb)"},
    {NULL, NULL},
};

int catalog_sync(sq_db_t *db, const sq_catalog_t *catalog)
{
    json_t *departments = json_array(), *categories = json_array(), *regions = json_array();
    for (size_t i = 0; i < sq_catalog_department_count(catalog); i++) {
        const sq_department_t *department = sq_catalog_department_at(catalog, i);
        json_array_append_new(departments,
                              json_pack("{s:s, s:s, s:s}", "id", department->id, "name",
                                        department->name, "kind",
                                        sq_department_kind_name(department->kind)));
    }
    for (size_t i = 0; i < sq_catalog_category_count(catalog); i++) {
        const sq_category_t *category = sq_catalog_category_at(catalog, i);
        json_array_append_new(categories, json_pack("{s:s, s:s, s:s}", "id", category->id, "name",
                                                    category->name, "group", category->group));
    }
    for (size_t i = 0; i < sq_catalog_region_count(catalog); i++) {
        const sq_region_t *region = sq_catalog_region_at(catalog, i);
        json_array_append_new(regions, json_pack("{s:s, s:s, s:s}", "id", region->id, "name",
                                                 region->name, "government",
                                                 region->government->id));
    }
    char *texts[3] = {json_dumps(departments, JSON_COMPACT), json_dumps(categories, JSON_COMPACT),
                      json_dumps(regions, JSON_COMPACT)};
    json_decref(departments);
    json_decref(categories);
    json_decref(regions);
    const char *values[] = {texts[0], texts[1], texts[2]};
    PGresult *result = sq_db_exec(db, "catalog_sync", 3, values);
    int rc = result ? 0 : -1;
    if (result)
        sq_info("catalogue mirrored: %zu departments, %zu categories, %zu regions",
                sq_catalog_department_count(catalog), sq_catalog_category_count(catalog),
                sq_catalog_region_count(catalog));
    PQclear(result);
    for (int i = 0; i < 3; i++)
        free(texts[i]);
    return rc;
}
