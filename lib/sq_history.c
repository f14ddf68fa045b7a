/*  sq_history: old work orders mapped onto the taxonomy (see sq_history.h).

    Each entry keeps its candidates as borrowed category ids, expanded from the patterns at
    load time, so that relabelling a row is a look-up and one prediction.
*/
#include "sq_history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_alloc.h"
#include "sq_yaml.h"

typedef struct {
    const char *from;           //  the old label (borrowed from the document)
    const char **categories;    //  candidate ids, borrowed from the catalogue: `to` first,
    size_t count;               //  then `also`
    size_t main_count;          //  how many are `to` (the model chooses among these)
} s_entry_t;

struct _sq_history_t {
    sq_yaml_t *document;
    const char *label_column;
    s_entry_t *entries;
    size_t entry_count;
};

void sq_history_destroy(sq_history_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_history_t *self = *self_p;
    for (size_t i = 0; i < self->entry_count; i++)
        free(self->entries[i].categories);
    free(self->entries);
    sq_yaml_destroy(&self->document);
    free(self);
    *self_p = NULL;
}

const char *sq_history_label_column(const sq_history_t *self)
{
    return self->label_column;
}

//  Add category to the entry unless it is there already.
static void s_add(s_entry_t *entry, const char *category, size_t room)
{
    for (size_t i = 0; i < entry->count; i++)
        if (strcmp(entry->categories[i], category) == 0)
            return;
    if (entry->count < room)
        entry->categories[entry->count++] = category;
}

//  A list of ids and "prefix.*" patterns under key, each matching at least one category.
static int s_load_to(const sq_catalog_t *catalog, const sq_yaml_node_t *item, const char *key,
                     bool required, s_entry_t *entry, char *error, size_t error_size)
{
    const sq_yaml_node_t **nodes = NULL;
    size_t count = 0;
    if (sq_yaml_strings(item, key, required, true, &nodes, &count, error, error_size))
        return -1;
    size_t room = sq_catalog_category_count(catalog);
    if (!entry->categories)
        entry->categories = sq_alloc(room * sizeof *entry->categories);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        const char *pattern = sq_yaml_text(nodes[i]);
        size_t length = strlen(pattern);
        bool prefix = length >= 2 && strcmp(pattern + length - 2, ".*") == 0;
        bool matched = false;
        for (size_t c = 0; c < room; c++) {
            const char *id = sq_catalog_category_at(catalog, c)->id;
            if (prefix ? strncmp(id, pattern, length - 1) == 0 : strcmp(id, pattern) == 0) {
                s_add(entry, id, room);
                matched = true;
            }
        }
        if (!matched)
            rc = sq_yaml_fail(nodes[i], NULL, error, error_size,
                              "\"%s\" names no category of the catalogue", pattern);
    }
    free(nodes);
    return rc;
}

//  `department`: the categories whose default matrix rule that department leads.
static int s_load_department(const sq_catalog_t *catalog, const sq_matrix_t *matrix,
                             const sq_yaml_node_t *item, s_entry_t *entry, char *error,
                             size_t error_size)
{
    const char *department = NULL;
    if (sq_yaml_string(item, "department", true, &department, error, error_size))
        return -1;
    const sq_yaml_node_t *node = sq_yaml_get(item, "department");
    if (!sq_catalog_department(catalog, department))
        return sq_yaml_fail(node, NULL, error, error_size, "unknown department \"%s\"",
                            department);
    if (!matrix)
        return sq_yaml_fail(node, NULL, error, error_size,
                            "a department needs the routing matrix to find its categories");
    size_t room = sq_catalog_category_count(catalog);
    entry->categories = sq_alloc(room * sizeof *entry->categories);
    for (size_t c = 0; c < room; c++) {
        const char *id = sq_catalog_category_at(catalog, c)->id;
        const char *lead = sq_matrix_category_lead(matrix, id);
        if (lead && strcmp(lead, department) == 0)
            s_add(entry, id, room);
    }
    if (entry->count == 0)
        return sq_yaml_fail(node, NULL, error, error_size,
                            "no category's default rule in the matrix has lead \"%s\"",
                            department);
    return 0;
}

static int s_load_entry(const sq_catalog_t *catalog, const sq_matrix_t *matrix,
                        const sq_yaml_node_t *item, s_entry_t *entry, char *error,
                        size_t error_size)
{
    static const char *const known[] = {"from", "to", "department", "also", NULL};
    if (sq_yaml_expect(item, SQ_YAML_MAPPING, error, error_size)
        || sq_yaml_only_keys(item, known, error, error_size)
        || sq_yaml_string(item, "from", true, &entry->from, error, error_size))
        return -1;
    bool to = sq_yaml_get(item, "to") != NULL, department = sq_yaml_get(item, "department") != NULL;
    if (to == department)
        return sq_yaml_fail(item, NULL, error, error_size,
                            "needs exactly one of `to` (categories) or `department`");
    if (to ? s_load_to(catalog, item, "to", true, entry, error, error_size)
           : s_load_department(catalog, matrix, item, entry, error, error_size))
        return -1;
    entry->main_count = entry->count;
    return s_load_to(catalog, item, "also", false, entry, error, error_size);
}

sq_history_t *sq_history_load(const char *path, const sq_catalog_t *catalog,
                              const sq_matrix_t *matrix, char *error, size_t error_size)
{
    sq_history_t *self = sq_alloc(sizeof *self);
    self->label_column = "label";
    self->document = sq_yaml_load(path, error, error_size);
    if (!self->document) {
        sq_history_destroy(&self);
        return NULL;
    }
    const sq_yaml_node_t *root = sq_yaml_root(self->document);
    static const char *const known[] = {"label_column", "labels", NULL};
    const sq_yaml_node_t *list = NULL;
    int rc = sq_yaml_only_keys(root, known, error, error_size)
             || sq_yaml_string(root, "label_column", false, &self->label_column, error,
                               error_size)
             || sq_yaml_child(root, "labels", SQ_YAML_LIST, true, &list, error, error_size);
    if (rc == 0 && sq_yaml_size(list) == 0)
        rc = sq_yaml_fail(list, NULL, error, error_size, "the list is empty");
    if (rc == 0) {
        self->entries = sq_alloc(sq_yaml_size(list) * sizeof *self->entries);
        for (size_t i = 0; i < sq_yaml_size(list) && rc == 0; i++) {
            s_entry_t *entry = &self->entries[self->entry_count++];
            const sq_yaml_node_t *item = sq_yaml_item(list, i);
            rc = s_load_entry(catalog, matrix, item, entry, error, error_size);
            for (size_t j = 0; rc == 0 && j + 1 < self->entry_count; j++)
                if (strcmp(self->entries[j].from, entry->from) == 0)
                    rc = sq_yaml_fail(sq_yaml_get(item, "from"), NULL, error, error_size,
                                      "\"%s\" is mapped twice", entry->from);
        }
    }
    if (rc) {
        sq_history_destroy(&self);
        return NULL;
    }
    return self;
}

size_t sq_history_candidates(const sq_history_t *self, const char *old_label,
                             const char *const **categories)
{
    for (size_t i = 0; old_label && i < self->entry_count; i++)
        if (strcmp(self->entries[i].from, old_label) == 0) {
            *categories = self->entries[i].categories;
            return self->entries[i].count;
        }
    *categories = NULL;
    return 0;
}

const char *sq_history_category(const sq_history_t *self, const sq_textclass_t *model,
                                const char *forced, const char *old_label, const char *title,
                                const char *body, double *share)
{
    const s_entry_t *entry = NULL;
    for (size_t i = 0; old_label && i < self->entry_count && !entry; i++)
        if (strcmp(self->entries[i].from, old_label) == 0)
            entry = &self->entries[i];
    if (share)
        *share = 1;
    if (!entry || entry->count == 0)
        return NULL;
    for (size_t c = 0; forced && c < entry->count; c++)
        if (strcmp(entry->categories[c], forced) == 0)
            return entry->categories[c];
    size_t count = entry->main_count;
    const char *const *candidates = entry->categories;
    if (count == 1 || !model)
        return candidates[0];
    size_t labels = sq_textclass_label_count(model);
    sq_textclass_score_t *scores = sq_alloc(labels * sizeof *scores);
    int scored = sq_textclass_predict(model, title, body, scores, labels);
    const char *best = candidates[0];
    double best_probability = -1, total = 0;
    for (int i = 0; i < scored; i++)
        for (size_t c = 0; c < count; c++)
            if (strcmp(scores[i].label, candidates[c]) == 0) {
                total += scores[i].probability;
                if (scores[i].probability > best_probability) {
                    best_probability = scores[i].probability;
                    best = candidates[c];
                }
            }
    free(scores);
    if (share)
        *share = total > 0 ? best_probability / total : 0;
    return best;
}
