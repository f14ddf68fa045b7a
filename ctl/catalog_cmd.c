/*  suqiuctl catalog: load and check the city's catalogue, matrix and rules, as the workers
    will at start, and say what is in them or what is wrong (file, line, key). */
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "sq_catalog.h"
#include "sq_matrix.h"
#include "sq_rules.h"

int ctl_catalog(const sq_config_t *config, int argc, char *argv[])
{
    (void) argv;
    if (argc != 1) {
        fprintf(stderr, "usage: suqiuctl catalog\n");
        return 2;
    }
    char error[1024];
    char *dir = sq_config_catalog_dir(config);
    char *matrix_path = NULL, *rules_path = NULL;
    if (asprintf(&matrix_path, "%s/matrix.yaml", dir) < 0
        || asprintf(&rules_path, "%s/classify_rules.yaml", dir) < 0)
        abort();
    sq_catalog_t *catalog = sq_catalog_load(dir, error, sizeof error);
    sq_matrix_t *matrix = catalog ? sq_matrix_load(matrix_path, catalog, error, sizeof error) : NULL;
    sq_rules_t *rules = matrix ? sq_rules_load(rules_path, catalog, error, sizeof error) : NULL;
    int rc = 0;
    if (!rules) {
        fprintf(stderr, "suqiuctl catalog: %s\n", error);
        rc = 1;
    }
    else
        printf("suqiu: catalogue in %s: %zu departments, %zu regions, %zu categories, "
               "%zu routing rules, %zu classification rules\n",
               dir, sq_catalog_department_count(catalog), sq_catalog_region_count(catalog),
               sq_catalog_category_count(catalog), sq_matrix_rule_count(matrix),
               sq_rules_count(rules));
    sq_rules_destroy(&rules);
    sq_matrix_destroy(&matrix);
    sq_catalog_destroy(&catalog);
    free(matrix_path);
    free(rules_path);
    free(dir);
    return rc;
}
