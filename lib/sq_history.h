/*  sq_history: a city's past work orders, as its old platform exports them, read into
    suqiu's taxonomy so that the category model can learn the city's own words.

    An export labels each order with the old platform's category, or with the department
    that handled it.  The mapping file (config/history_mapping.yaml; its header gives the
    format) says which of our categories each old label stands for (`to`: a list of ids and
    "group.*" patterns, or `department`: the categories whose default matrix rule that
    department leads) and which it may also stand for (`also`).  An order gets the category
    the city's classification rules force, when that is one of its label's categories; else
    the only `to` category, or the one of them the hub's own category model finds likeliest
    for its text.  So an `also` category (a school canteen under 教育文体) is taken only on
    the rules' evidence, never on the guess of a model that knows little of general matters.
    A label the file does not list is not used.

    The mapping borrows the catalogue (which must outlive it) and is read-only once loaded.
*/
#ifndef SQ_HISTORY_H
#define SQ_HISTORY_H

#include <stddef.h>

#include "sq_catalog.h"
#include "sq_matrix.h"
#include "sq_textclass.h"

typedef struct _sq_history_t sq_history_t;

//  Load the mapping at path, checked against the catalogue and, for `department` entries,
//  the matrix (both borrowed; the matrix only while loading).  Returns the mapping (the
//  caller's: sq_history_destroy) or NULL with "file:line: key path: message" in error.
sq_history_t *sq_history_load(const char *path, const sq_catalog_t *catalog,
                              const sq_matrix_t *matrix, char *error, size_t error_size);

//  Free; safe on NULL and twice.
void sq_history_destroy(sq_history_t **self_p);

//  The CSV column that holds the old label ("label" unless the file says otherwise).
const char *sq_history_label_column(const sq_history_t *self);

//  The categories old_label may stand for (`to`, then `also`): sets *categories to an array
//  of borrowed ids and returns how many; 0 (and NULL) when the mapping does not list it.
size_t sq_history_candidates(const sq_history_t *self, const char *old_label,
                             const char *const **categories);

//  The category for one old order: forced (the category the classification rules force for
//  its text, or NULL) when it is one of the label's categories; else the only `to`
//  candidate, or the one model finds likeliest for title and body (model may be NULL: then
//  the first).  Sets *share (when not NULL) to that candidate's probability among the `to`
//  candidates (1 when there was no choice).  Returns a borrowed id, or NULL when old_label
//  is not in the mapping.
const char *sq_history_category(const sq_history_t *self, const sq_textclass_t *model,
                                const char *forced, const char *old_label, const char *title,
                                const char *body, double *share);

#endif
