/*  sq_training: models made from CSV files of labelled complaints.

    A training file has a header with at least `body` and a label column, and optionally
    `title` (used when present).  The worker keeps its models (category, type, urgency) in
    the model folder; a model that is missing there is trained from the catalogue's
    training/NAME.csv (column `label`) and every other CSV file in training/ whose header has a
    column NAME (a file of work orders labelled for all three at once), and saved, so that
    a fresh machine classifies out of the box.  Files are read in name order.
*/
#ifndef SQ_TRAINING_H
#define SQ_TRAINING_H

#include <stddef.h>

#include "sq_textclass.h"

//  Add every labelled row of the CSV file at path to trainer (rows without a label are
//  skipped).  Adds the count to *rows when rows is not NULL.  Returns 0, or -1 with a message
//  naming file and line in error.
int sq_training_add_csv(sq_textclass_trainer_t *trainer, const char *path,
                        const char *label_column, size_t *rows, char *error, size_t error_size);

//  Add the rows of csv_path (named NAME.csv, label column "label") and of every other CSV file
//  in its folder with a column NAME (that column is the label), in name order.  Adds the
//  count to *rows when not NULL.  Returns 0, or -1 with a message in error.
int sq_training_add_folder(sq_textclass_trainer_t *trainer, const char *csv_path, size_t *rows,
                           char *error, size_t error_size);

//  Train on every row of the CSV file at path, with label_column as the label and the given
//  options (NULL: the defaults).  Sets *rows to the rows read when rows is not NULL.  Returns
//  the model (the caller's) or NULL with a message naming file and line in error.
sq_textclass_t *sq_training_from_csv(const char *path, const char *label_column,
                                     const sq_textclass_options_t *options, size_t *rows,
                                     char *error, size_t error_size);

//  Save model at path, creating the folder that holds it.  Returns 0, or -1 (logged).
int sq_training_save(const sq_textclass_t *model, const char *path);

//  Load the model at model_path; when there is no such file, train one from csv_path and the
//  files beside it (sq_training_add_folder) and save it at model_path (creating its folder).  Returns the model (the
//  caller's) or NULL with a message in error.
sq_textclass_t *sq_training_load_or_train(const char *model_path, const char *csv_path,
                                          char *error, size_t error_size);

#endif
