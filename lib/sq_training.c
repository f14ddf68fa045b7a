/*  sq_training: models from CSV files (see sq_training.h). */
#include "sq_training.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sq_csv.h"
#include "sq_log.h"

int sq_training_add_csv(sq_textclass_trainer_t *trainer, const char *path,
                        const char *label_column, size_t *rows, char *error, size_t error_size)
{
    sq_csv_t *csv = sq_csv_open(path, error, error_size);
    if (!csv)
        return -1;
    if (!sq_csv_has_column(csv, "body") || !sq_csv_has_column(csv, label_column)) {
        snprintf(error, error_size, "%s: the header must name the columns body and %s", path,
                 label_column);
        sq_csv_destroy(&csv);
        return -1;
    }
    size_t count = 0;
    int rc;
    while ((rc = sq_csv_next(csv)) == 1) {
        const char *label = sq_csv_field(csv, label_column);
        if (!label || !*label)
            continue;   //  an unlabelled row teaches nothing
        if (sq_textclass_trainer_add(trainer, sq_csv_field(csv, "title"), sq_csv_field(csv, "body"),
                                     label)) {
            snprintf(error, error_size, "%s:%zu: this row cannot be learnt (label \"%.60s\")", path,
                     sq_csv_line(csv), label);
            rc = -2;
            break;
        }
        if (++count % 10000 == 0)
            sq_info("%s: %zu rows read", path, count);
    }
    if (rc == -1)
        snprintf(error, error_size, "%s", sq_csv_error(csv));
    sq_csv_destroy(&csv);
    if (rows)
        *rows += count;
    return rc < 0 ? -1 : 0;
}

//  Only *.csv files, for scandir.
static int s_is_csv(const struct dirent *entry)
{
    size_t length = strlen(entry->d_name);
    return length > 4 && strcmp(entry->d_name + length - 4, ".csv") == 0;
}

int sq_training_add_folder(sq_textclass_trainer_t *trainer, const char *csv_path, size_t *rows,
                           char *error, size_t error_size)
{
    if (sq_training_add_csv(trainer, csv_path, "label", rows, error, error_size))
        return -1;
    char *folder_copy = strdup(csv_path), *name_copy = strdup(csv_path);
    const char *folder = dirname(folder_copy), *own = basename(name_copy);
    char target[256];
    snprintf(target, sizeof target, "%.*s", (int) (strlen(own) > 4 ? strlen(own) - 4 : 0), own);
    struct dirent **entries = NULL;
    int count = scandir(folder, &entries, s_is_csv, alphasort), rc = 0;
    for (int i = 0; i < count; i++) {
        if (rc == 0 && strcmp(entries[i]->d_name, own) != 0) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", folder, entries[i]->d_name);
            sq_csv_t *csv = sq_csv_open(path, error, error_size);
            bool has = csv && sq_csv_has_column(csv, target);
            sq_csv_destroy(&csv);
            if (has)
                rc = sq_training_add_csv(trainer, path, target, rows, error, error_size);
        }
        free(entries[i]);
    }
    free(entries);
    free(folder_copy);
    free(name_copy);
    return rc;
}

sq_textclass_t *sq_training_from_csv(const char *path, const char *label_column,
                                     const sq_textclass_options_t *options, size_t *rows,
                                     char *error, size_t error_size)
{
    sq_textclass_trainer_t *trainer = sq_textclass_trainer_new(options);
    if (!trainer) {
        snprintf(error, error_size, "%s: the training options are out of range", path);
        return NULL;
    }
    if (rows)
        *rows = 0;
    if (sq_training_add_csv(trainer, path, label_column, rows, error, error_size)) {
        sq_textclass_trainer_destroy(&trainer);
        return NULL;
    }
    sq_textclass_t *model = sq_textclass_trainer_finish(&trainer);
    if (!model)
        snprintf(error, error_size, "%s: no model could be made (at least two labels are needed)",
                 path);
    return model;
}

//  mkdir -p for the folder that will hold path.
static int s_make_folder_of(const char *path)
{
    char *copy = strdup(path);
    char *folder = dirname(copy);
    int rc = 0;
    for (char *slash = folder + 1; rc == 0; slash++) {
        if (*slash == '/' || *slash == 0) {
            char saved = *slash;
            *slash = 0;
            if (mkdir(folder, 0755) && errno != EEXIST)
                rc = -1;
            *slash = saved;
            if (saved == 0)
                break;
        }
    }
    free(copy);
    return rc;
}

int sq_training_save(const sq_textclass_t *model, const char *path)
{
    if (s_make_folder_of(path)) {
        sq_error("cannot create the folder for %s: %s", path, strerror(errno));
        return -1;
    }
    return sq_textclass_save(model, path);
}

sq_textclass_t *sq_training_load_or_train(const char *model_path, const char *csv_path,
                                          char *error, size_t error_size)
{
    struct stat info;
    if (stat(model_path, &info) == 0)
        return sq_textclass_load(model_path, error, error_size);
    size_t rows = 0;
    sq_textclass_trainer_t *trainer = sq_textclass_trainer_new(NULL);
    if (!trainer) {
        snprintf(error, error_size, "%s: the training options are out of range", csv_path);
        return NULL;
    }
    if (sq_training_add_folder(trainer, csv_path, &rows, error, error_size)) {
        sq_textclass_trainer_destroy(&trainer);
        return NULL;
    }
    sq_textclass_t *model = sq_textclass_trainer_finish(&trainer);
    if (!model) {
        snprintf(error, error_size, "%s: no model could be made (at least two labels are needed)",
                 csv_path);
        return NULL;
    }
    sq_info("trained %s from %zu rows of %s and the files beside it", model_path, rows, csv_path);
    if (sq_training_save(model, model_path))
        sq_warn("cannot save the model at %s; it will be trained again next start", model_path);
    return model;
}
