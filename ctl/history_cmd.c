/*  suqiuctl train --history FILE --mapping FILE: learn the city's own words from its past work
    orders.

    The export (CSV with a header: `body`, optionally `title`, and the old label in the
    mapping's label column) is read into the taxonomy by the mapping (lib/sq_history): each
    order gets the one category its old label stands for, or the likeliest of them by a
    category model trained from the catalogue's training files.  At most --per-category
    orders (150) are kept for each category, the first in the file: a city's history is
    lopsided (thousands of housing orders, a handful on school canteens), and unchecked its
    volume would drown the catalogue's own examples of what it lacks.  Then the model is
    trained on the training files and those orders together and written to the model folder
    (the workers load it at their next start).  --labelled FILE also writes the orders with
    their new categories (title, body, category): put it in the catalogue's training/ folder
    and every later training, also `train --from-db`, learns from the history too.
*/
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "sq_catalog.h"
#include "sq_csv.h"
#include "sq_history.h"
#include "sq_matrix.h"
#include "sq_rules.h"
#include "sq_training.h"

#define S_SHOWN 4                  //  categories shown per old label in the summary
#define S_PER_CATEGORY_DEFAULT 150 //  old orders kept per category

typedef struct {
    char *title, *body;
    const char *category;   //  borrowed from the catalogue
    size_t label;           //  index into the old labels
} s_order_t;

typedef struct {
    s_order_t *orders;
    size_t count, room;
    char **labels;          //  the old labels seen, in order
    size_t *used, *skipped; //  per old label
    size_t label_count, label_room;
    size_t beyond;          //  orders left out: their category had enough already
} s_history_rows_t;

static double s_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double) now.tv_sec + now.tv_nsec / 1e9;
}

static size_t s_label_index(s_history_rows_t *rows, const char *label)
{
    for (size_t i = 0; i < rows->label_count; i++)
        if (strcmp(rows->labels[i], label) == 0)
            return i;
    if (rows->label_count == rows->label_room) {
        rows->label_room = rows->label_room ? rows->label_room * 2 : 16;
        rows->labels = realloc(rows->labels, rows->label_room * sizeof *rows->labels);
        rows->used = realloc(rows->used, rows->label_room * sizeof *rows->used);
        rows->skipped = realloc(rows->skipped, rows->label_room * sizeof *rows->skipped);
        if (!rows->labels || !rows->used || !rows->skipped)
            abort();
    }
    rows->labels[rows->label_count] = strdup(label);
    rows->used[rows->label_count] = rows->skipped[rows->label_count] = 0;
    return rows->label_count++;
}

static void s_rows_free(s_history_rows_t *rows)
{
    for (size_t i = 0; i < rows->count; i++) {
        free(rows->orders[i].title);
        free(rows->orders[i].body);
    }
    for (size_t i = 0; i < rows->label_count; i++)
        free(rows->labels[i]);
    free(rows->orders);
    free(rows->labels);
    free(rows->used);
    free(rows->skipped);
}

//  Read the export and give each order its category.  Returns 0, or 1 after saying why.
static int s_read(const char *path, const sq_history_t *mapping, const sq_rules_t *rules,
                  const sq_textclass_t *base, const sq_catalog_t *catalog, size_t per_category,
                  s_history_rows_t *rows)
{
    size_t *kept = calloc(sq_catalog_category_count(catalog), sizeof *kept);
    char error[1024];
    sq_csv_t *csv = sq_csv_open(path, error, sizeof error);
    if (!csv) {
        fprintf(stderr, "suqiuctl train: %s\n", error);
        return 1;
    }
    const char *column = sq_history_label_column(mapping);
    if (!sq_csv_has_column(csv, "body") || !sq_csv_has_column(csv, column)) {
        fprintf(stderr, "suqiuctl train: %s: the header must name the columns body and %s\n",
                path, column);
        sq_csv_destroy(&csv);
        return 1;
    }
    bool has_title = sq_csv_has_column(csv, "title");
    int rc;
    while ((rc = sq_csv_next(csv)) == 1) {
        const char *label = sq_csv_field(csv, column);
        const char *title = has_title ? sq_csv_field(csv, "title") : "";
        const char *body = sq_csv_field(csv, "body");
        size_t index = s_label_index(rows, label);
        sq_rules_verdict_t verdict;
        sq_rules_apply(rules, SQ_RULES_CATEGORY, title, body, &verdict);
        const char *category =
            sq_history_category(mapping, base, verdict.forced.label, label, title, body, NULL);
        if (!category || !*body) {
            rows->skipped[index]++;
            continue;
        }
        size_t slot = 0;
        while (strcmp(sq_catalog_category_at(catalog, slot)->id, category) != 0)
            slot++;   //  the mapping's categories are the catalogue's
        if (kept[slot] >= per_category) {
            rows->beyond++;
            continue;
        }
        kept[slot]++;
        if (rows->count == rows->room) {
            rows->room = rows->room ? rows->room * 2 : 1024;
            rows->orders = realloc(rows->orders, rows->room * sizeof *rows->orders);
            if (!rows->orders)
                abort();
        }
        rows->orders[rows->count++] = (s_order_t){strdup(title), strdup(body), category, index};
        rows->used[index]++;
    }
    if (rc < 0)
        fprintf(stderr, "suqiuctl train: %s\n", sq_csv_error(csv));
    sq_csv_destroy(&csv);
    free(kept);
    return rc < 0 ? 1 : 0;
}

//  For each old label: how many orders were used or skipped, and where most of them went.
static void s_summary(const s_history_rows_t *rows, const sq_catalog_t *catalog)
{
    size_t categories = sq_catalog_category_count(catalog);
    size_t *counts = calloc(categories, sizeof *counts);
    for (size_t l = 0; l < rows->label_count; l++) {
        memset(counts, 0, categories * sizeof *counts);
        for (size_t i = 0; i < rows->count; i++)
            if (rows->orders[i].label == l)
                for (size_t c = 0; c < categories; c++)
                    if (strcmp(sq_catalog_category_at(catalog, c)->id, rows->orders[i].category) == 0)
                        counts[c]++;
        printf("  %s: %zu orders used, %zu skipped%s", rows->labels[l], rows->used[l],
               rows->skipped[l], rows->used[l] ? "; most to" : " (not in the mapping)");
        for (int shown = 0; shown < S_SHOWN; shown++) {
            size_t best = categories;
            for (size_t c = 0; c < categories; c++)
                if (counts[c] && (best == categories || counts[c] > counts[best]))
                    best = c;
            if (best == categories)
                break;
            printf(" %s %zu", sq_catalog_category_at(catalog, best)->id, counts[best]);
            counts[best] = 0;
        }
        printf("\n");
    }
    free(counts);
}

//  One CSV field, quoted, quotes doubled.
static void s_write_field(FILE *out, const char *text, const char *after)
{
    fputc('"', out);
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            fputc('"', out);
        fputc(*c, out);
    }
    fputc('"', out);
    fputs(after, out);
}

static int s_write_labelled(const char *path, const s_history_rows_t *rows)
{
    char *folder = strdup(path), *slash = strrchr(folder, '/');
    if (slash && slash != folder) {
        *slash = 0;
        zsys_dir_create("%s", folder);
    }
    free(folder);
    FILE *out = fopen(path, "w");
    if (!out) {
        fprintf(stderr, "suqiuctl train: cannot write %s\n", path);
        return 1;
    }
    fprintf(out, "title,body,category\n");
    for (size_t i = 0; i < rows->count; i++) {
        s_write_field(out, rows->orders[i].title, ",");
        s_write_field(out, rows->orders[i].body, ",");
        s_write_field(out, rows->orders[i].category, "\n");
    }
    int failed = ferror(out);
    failed |= fclose(out);
    if (failed)
        fprintf(stderr, "suqiuctl train: cannot write %s\n", path);
    return failed ? 1 : 0;
}

//  The category model of the catalogue's training files alone, to relabel with.
static sq_textclass_t *s_base_model(const char *training_csv, const sq_textclass_options_t *options)
{
    char error[1024];
    sq_textclass_trainer_t *trainer = sq_textclass_trainer_new(options);
    if (!trainer || sq_training_add_folder(trainer, training_csv, NULL, error, sizeof error)) {
        fprintf(stderr, "suqiuctl train: %s\n", trainer ? error : "options out of range");
        sq_textclass_trainer_destroy(&trainer);
        return NULL;
    }
    return sq_textclass_trainer_finish(&trainer);
}

//  The final model: the training files and the orders.
static sq_textclass_t *s_history_model(const char *training_csv,
                                       const sq_textclass_options_t *options,
                                       const s_history_rows_t *rows, size_t *base_rows)
{
    char error[1024];
    sq_textclass_trainer_t *trainer = sq_textclass_trainer_new(options);
    if (!trainer || sq_training_add_folder(trainer, training_csv, base_rows, error, sizeof error)) {
        fprintf(stderr, "suqiuctl train: %s\n", trainer ? error : "options out of range");
        sq_textclass_trainer_destroy(&trainer);
        return NULL;
    }
    for (size_t i = 0; i < rows->count; i++)
        if (sq_textclass_trainer_add(trainer, rows->orders[i].title, rows->orders[i].body,
                                     rows->orders[i].category)) {
            sq_textclass_trainer_destroy(&trainer);
            return NULL;
        }
    return sq_textclass_trainer_finish(&trainer);
}

static int s_usage(void)
{
    fprintf(stderr, "usage: suqiuctl train --history FILE.csv --mapping MAPPING.yaml "
                    "[--out-dir DIR] [--labelled OUT.csv] [--per-category N] "
                    "[--param KEY=VALUE]...\n");
    return 2;
}

int ctl_train_history(const sq_config_t *config, int argc, char *argv[])
{
    const char *history_path = NULL, *mapping_path = NULL, *out_dir = NULL, *labelled = NULL;
    long per_category = S_PER_CATEGORY_DEFAULT;
    sq_textclass_options_t options;
    sq_textclass_options_defaults(&options);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--history") == 0 && i + 1 < argc)
            history_path = argv[++i];
        else if (strcmp(argv[i], "--mapping") == 0 && i + 1 < argc)
            mapping_path = argv[++i];
        else if (strcmp(argv[i], "--out-dir") == 0 && i + 1 < argc)
            out_dir = argv[++i];
        else if (strcmp(argv[i], "--labelled") == 0 && i + 1 < argc)
            labelled = argv[++i];
        else if (strcmp(argv[i], "--per-category") == 0 && i + 1 < argc) {
            char *end = NULL;
            per_category = strtol(argv[++i], &end, 10);
            if (!end || *end || per_category < 1)
                return s_usage();
        }
        else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc) {
            if (ctl_param("train", argv[++i], &options))
                return 2;
        }
        else
            return s_usage();
    }
    if (!history_path || !mapping_path)
        return s_usage();
    char error[1024];
    char *dir = sq_config_catalog_dir(config), *models = sq_config_model_dir(config);
    char *matrix_path = zsys_sprintf("%s/matrix.yaml", dir);
    char *rules_path = zsys_sprintf("%s/classify_rules.yaml", dir);
    char *training_csv = zsys_sprintf("%s/training/category.csv", dir);
    char *out = zsys_sprintf("%s/category.model", out_dir ? out_dir : models);
    sq_catalog_t *catalog = sq_catalog_load(dir, error, sizeof error);
    sq_matrix_t *matrix = catalog ? sq_matrix_load(matrix_path, catalog, error, sizeof error) : NULL;
    sq_rules_t *rules = matrix ? sq_rules_load(rules_path, catalog, error, sizeof error) : NULL;
    sq_history_t *mapping =
        rules ? sq_history_load(mapping_path, catalog, matrix, error, sizeof error) : NULL;
    int rc = mapping ? 0 : 1;
    if (!mapping)
        fprintf(stderr, "suqiuctl train: %s\n", error);
    double start = s_now();
    sq_textclass_t *base = rc == 0 ? s_base_model(training_csv, &options) : NULL;
    s_history_rows_t rows;
    memset(&rows, 0, sizeof rows);
    if (rc == 0
        && (!base
            || s_read(history_path, mapping, rules, base, catalog, (size_t) per_category, &rows)))
        rc = 1;
    sq_textclass_destroy(&base);
    if (rc == 0) {
        printf("suqiu: %zu old orders of %s read into the taxonomy in %.1f s (at most %ld per "
               "category: %zu more left out):\n",
               rows.count, history_path, s_now() - start, per_category, rows.beyond);
        s_summary(&rows, catalog);
        fflush(stdout);
        if (labelled && s_write_labelled(labelled, &rows) == 0)
            printf("suqiu: the orders with their categories: %s\n", labelled);
        else if (labelled)
            rc = 1;
    }
    size_t base_rows = 0;
    double fitting = s_now();
    sq_textclass_t *model =
        rc == 0 ? s_history_model(training_csv, &options, &rows, &base_rows) : NULL;
    if (rc == 0 && (!model || sq_training_save(model, out))) {
        fprintf(stderr, "suqiuctl train: cannot make or write %s\n", out);
        rc = 1;
    }
    else if (rc == 0)
        printf("suqiu: category: %zu rows of the training files and %zu old orders -> %s "
               "(%.1f s)\nsuqiu: reload the configuration at the desk (admin), or restart the workers, to "
               "use it\n",
               base_rows, rows.count, out, s_now() - fitting);
    sq_textclass_destroy(&model);
    s_rows_free(&rows);
    sq_history_destroy(&mapping);
    sq_rules_destroy(&rules);
    sq_matrix_destroy(&matrix);
    sq_catalog_destroy(&catalog);
    zstr_free(&matrix_path);
    zstr_free(&rules_path);
    zstr_free(&training_csv);
    zstr_free(&out);
    free(dir);
    free(models);
    return rc;
}
