/*  sq_catalog: departments, regions, categories, types and urgencies (see sq_catalog.h).

    The catalogue keeps the three YAML documents it was loaded from: every string in its
    records is borrowed from them, so loading copies nothing but pointers.
*/
#include "sq_catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_alloc.h"
#include "sq_yaml.h"

#define S_ID_MAX 64

enum { S_DEPARTMENTS, S_REGIONS, S_CATEGORIES, S_FILE_COUNT };

struct _sq_catalog_t {
    sq_yaml_t *documents[S_FILE_COUNT];
    sq_department_t *departments;
    size_t department_count;
    sq_region_t *regions;
    size_t region_count;
    sq_category_t *categories;
    size_t category_count;
    sq_setting_t *settings;
    size_t setting_count;
};

//  One id, name or alias, with where it was written, for the uniqueness checks.
typedef struct {
    const char *text;
    const sq_yaml_node_t *node;
    size_t order;   //  position in the file, to name the later of two
} s_term_t;

static const struct {
    const char *label, *name;
} s_types[SQ_TYPE_COUNT] = {
    {"", ""},
    {"投诉", "complaint"},
    {"举报", "report"},
    {"咨询", "enquiry"},
    {"求助", "help"},
    {"建议", "suggestion"},
    {"表扬", "praise"},
};

static const struct {
    const char *label, *name;
} s_urgencies[SQ_URGENCY_COUNT] = {
    {"", ""},
    {"紧急", "urgent"},
    {"一般", "normal"},
};

static const char *s_department_kinds[] = {"department", "township", "street", "hotline"};
static const char *s_region_kinds[] = {"street", "township"};

void sq_catalog_destroy(sq_catalog_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_catalog_t *self = *self_p;
    for (size_t i = 0; i < self->department_count; i++)
        free((void *) self->departments[i].aliases);
    for (size_t i = 0; i < self->region_count; i++)
        free((void *) self->regions[i].aliases);
    free(self->departments);
    free(self->regions);
    free(self->categories);
    free(self->settings);
    for (int i = 0; i < S_FILE_COUNT; i++)
        sq_yaml_destroy(&self->documents[i]);
    free(self);
    *self_p = NULL;
}

//  1-64 of [a-z0-9_]; when dotted, such words joined by single dots.
static bool s_id_valid(const char *id, bool dotted)
{
    size_t length = strlen(id);
    if (length == 0 || length > S_ID_MAX || id[0] == '.' || id[length - 1] == '.')
        return false;
    for (const char *c = id; *c; c++) {
        bool word = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_';
        if (!word && !(dotted && *c == '.' && c[1] != '.'))
            return false;
    }
    return true;
}

static int s_id(const sq_yaml_node_t *item, bool dotted, const char **id, char *error,
                size_t error_size)
{
    if (sq_yaml_string(item, "id", true, id, error, error_size))
        return -1;
    if (s_id_valid(*id, dotted))
        return 0;
    return sq_yaml_fail(sq_yaml_get(item, "id"), NULL, error, error_size,
                        "\"%s\" is not an id: use 1-%d of a-z 0-9 _%s", *id, S_ID_MAX,
                        dotted ? ", words joined by single dots" : "");
}

//  Parse a word from a table; returns its index or -1 with an error naming the choices.
static int s_choice(const sq_yaml_node_t *item, const char *key, const char *const *words,
                    size_t count, char *error, size_t error_size)
{
    const char *text = NULL;
    if (sq_yaml_string(item, key, true, &text, error, error_size))
        return -1;
    for (size_t i = 0; i < count; i++)
        if (strcmp(text, words[i]) == 0)
            return (int) i;
    char list[128] = "";
    for (size_t i = 0; i < count; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? " | " : "",
                 words[i]);
    sq_yaml_fail(sq_yaml_get(item, key), NULL, error, error_size, "must be %s, got \"%s\"", list,
                 text);
    return -1;
}

//  The aliases of one record: a new array of borrowed strings, recorded as terms too.
static int s_aliases(const sq_yaml_node_t *item, const char ***aliases, size_t *alias_count,
                     s_term_t *terms, size_t *term_count, char *error, size_t error_size)
{
    const sq_yaml_node_t **nodes = NULL;
    size_t count = 0;
    if (sq_yaml_strings(item, "aliases", false, false, &nodes, &count, error, error_size))
        return -1;
    *aliases = sq_alloc(count * sizeof **aliases);
    for (size_t i = 0; i < count; i++) {
        (*aliases)[i] = sq_yaml_text(nodes[i]);
        terms[*term_count] = (s_term_t){sq_yaml_text(nodes[i]), nodes[i], *term_count};
        (*term_count)++;
    }
    *alias_count = count;
    free(nodes);
    return 0;
}

static int s_compare_terms(const void *a, const void *b)
{
    const s_term_t *left = a, *right = b;
    int order = strcmp(left->text, right->text);
    if (order)
        return order;
    return left->order < right->order ? -1 : left->order > right->order;
}

//  Each text once: names the repeat that comes first in the file.
static int s_check_unique(s_term_t *terms, size_t count, char *error, size_t error_size)
{
    qsort(terms, count, sizeof *terms, s_compare_terms);
    const s_term_t *repeat = NULL, *first = NULL;
    for (size_t i = 1; i < count; i++)
        if (strcmp(terms[i - 1].text, terms[i].text) == 0
            && (!repeat || terms[i].order < repeat->order)) {
            repeat = &terms[i];
            first = &terms[i - 1];
            while (first > terms && strcmp((first - 1)->text, first->text) == 0)
                first--;
        }
    if (!repeat)
        return 0;
    return sq_yaml_fail(repeat->node, NULL, error, error_size, "\"%s\" is already used on line %zu",
                        repeat->text, sq_yaml_line(first->node));
}

//  Load one file whose top level is a mapping with one key holding a non-empty list.
//  The list under key in file; other_key (may be NULL) is another key the file may hold.
static const sq_yaml_node_t *s_load_list(sq_catalog_t *self, int which, const char *config_dir,
                                         const char *file, const char *key,
                                         const char *other_key, char *error, size_t error_size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", config_dir, file);
    self->documents[which] = sq_yaml_load(path, error, error_size);
    if (!self->documents[which])
        return NULL;
    const sq_yaml_node_t *root = sq_yaml_root(self->documents[which]);
    const char *const known[] = {key, other_key, NULL};
    const sq_yaml_node_t *list = NULL;
    if (sq_yaml_only_keys(root, known, error, error_size)
        || sq_yaml_child(root, key, SQ_YAML_LIST, true, &list, error, error_size))
        return NULL;
    if (sq_yaml_size(list) == 0) {
        sq_yaml_fail(list, NULL, error, error_size, "the list is empty");
        return NULL;
    }
    return list;
}

//  Count the terms a list needs: an id, a name and every alias per item.
static size_t s_term_capacity(const sq_yaml_node_t *list)
{
    size_t capacity = 0;
    for (size_t i = 0; i < sq_yaml_size(list); i++) {
        const sq_yaml_node_t *aliases = sq_yaml_get(sq_yaml_item(list, i), "aliases");
        capacity += 2 + (aliases ? sq_yaml_size(aliases) : 0);
    }
    return capacity;
}

static int s_load_departments(sq_catalog_t *self, const char *config_dir, char *error,
                              size_t error_size)
{
    const sq_yaml_node_t *list = s_load_list(self, S_DEPARTMENTS, config_dir,
                                             "departments.yaml", "departments", NULL, error,
                                             error_size);
    if (!list)
        return -1;
    static const char *const known[] = {"id", "name", "kind", "aliases", NULL};
    size_t count = sq_yaml_size(list), capacity = s_term_capacity(list);
    s_term_t *ids = sq_alloc(count * sizeof *ids);
    s_term_t *names = sq_alloc(capacity * sizeof *names);
    size_t name_count = 0;
    self->departments = sq_alloc(count * sizeof *self->departments);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        const sq_yaml_node_t *item = sq_yaml_item(list, i);
        sq_department_t *department = &self->departments[i];
        int kind = -1;
        rc = sq_yaml_expect(item, SQ_YAML_MAPPING, error, error_size)
             || sq_yaml_only_keys(item, known, error, error_size)
             || s_id(item, false, &department->id, error, error_size)
             || sq_yaml_string(item, "name", true, &department->name, error, error_size)
             || (kind = s_choice(item, "kind", s_department_kinds, 4, error, error_size)) < 0;
        if (rc)
            break;
        department->kind = (sq_department_kind_t) kind;
        self->department_count++;
        ids[i] = (s_term_t){department->id, sq_yaml_get(item, "id"), i};
        names[name_count] = (s_term_t){department->name, sq_yaml_get(item, "name"), name_count};
        name_count++;
        size_t alias_count = 0;
        const char **aliases = NULL;
        rc = s_aliases(item, &aliases, &alias_count, names, &name_count, error, error_size);
        department->aliases = aliases;
        department->alias_count = alias_count;
    }
    if (rc == 0)
        rc = s_check_unique(ids, count, error, error_size)
             || s_check_unique(names, name_count, error, error_size);
    free(ids);
    free(names);
    return rc ? -1 : 0;
}

static int s_load_regions(sq_catalog_t *self, const char *config_dir, char *error,
                          size_t error_size)
{
    const sq_yaml_node_t *list = s_load_list(self, S_REGIONS, config_dir, "regions.yaml",
                                             "regions", NULL, error, error_size);
    if (!list)
        return -1;
    static const char *const known[] = {"id", "name", "kind", "government", "aliases", NULL};
    size_t count = sq_yaml_size(list), capacity = s_term_capacity(list);
    s_term_t *ids = sq_alloc(count * sizeof *ids);
    s_term_t *names = sq_alloc(capacity * sizeof *names);
    size_t name_count = 0;
    self->regions = sq_alloc(count * sizeof *self->regions);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        const sq_yaml_node_t *item = sq_yaml_item(list, i);
        sq_region_t *region = &self->regions[i];
        const char *government = NULL;
        int kind = -1;
        rc = sq_yaml_expect(item, SQ_YAML_MAPPING, error, error_size)
             || sq_yaml_only_keys(item, known, error, error_size)
             || s_id(item, false, &region->id, error, error_size)
             || sq_yaml_string(item, "name", true, &region->name, error, error_size)
             || (kind = s_choice(item, "kind", s_region_kinds, 2, error, error_size)) < 0
             || sq_yaml_string(item, "government", true, &government, error, error_size);
        if (rc)
            break;
        region->kind = (sq_region_kind_t) kind;
        self->region_count++;
        region->government = sq_catalog_department(self, government);
        const sq_yaml_node_t *government_node = sq_yaml_get(item, "government");
        if (!region->government) {
            rc = sq_yaml_fail(government_node, NULL, error, error_size,
                              "unknown department \"%s\"", government);
            break;
        }
        if (region->government->kind != SQ_DEPARTMENT_TOWNSHIP
            && region->government->kind != SQ_DEPARTMENT_STREET) {
            rc = sq_yaml_fail(government_node, NULL, error, error_size,
                              "\"%s\" is a %s, not a township or street", government,
                              sq_department_kind_name(region->government->kind));
            break;
        }
        ids[i] = (s_term_t){region->id, sq_yaml_get(item, "id"), i};
        names[name_count] = (s_term_t){region->name, sq_yaml_get(item, "name"), name_count};
        name_count++;
        size_t alias_count = 0;
        const char **aliases = NULL;
        rc = s_aliases(item, &aliases, &alias_count, names, &name_count, error, error_size);
        region->aliases = aliases;
        region->alias_count = alias_count;
    }
    if (rc == 0)
        rc = s_check_unique(ids, count, error, error_size)
             || s_check_unique(names, name_count, error, error_size);
    free(ids);
    free(names);
    return rc ? -1 : 0;
}

static int s_load_categories(sq_catalog_t *self, const char *config_dir, char *error,
                             size_t error_size)
{
    const sq_yaml_node_t *list = s_load_list(self, S_CATEGORIES, config_dir, "categories.yaml",
                                             "categories", "settings", error, error_size);
    if (!list)
        return -1;
    static const char *const known[] = {"id", "name", "group", "description", NULL};
    size_t count = sq_yaml_size(list);
    s_term_t *ids = sq_alloc(count * sizeof *ids);
    s_term_t *names = sq_alloc(count * sizeof *names);
    self->categories = sq_alloc(count * sizeof *self->categories);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        const sq_yaml_node_t *item = sq_yaml_item(list, i);
        sq_category_t *category = &self->categories[i];
        category->description = "";
        rc = sq_yaml_expect(item, SQ_YAML_MAPPING, error, error_size)
             || sq_yaml_only_keys(item, known, error, error_size)
             || s_id(item, true, &category->id, error, error_size)
             || sq_yaml_string(item, "name", true, &category->name, error, error_size)
             || sq_yaml_string(item, "group", true, &category->group, error, error_size)
             || sq_yaml_string(item, "description", false, &category->description, error,
                               error_size);
        if (rc)
            break;
        self->category_count++;
        ids[i] = (s_term_t){category->id, sq_yaml_get(item, "id"), i};
        names[i] = (s_term_t){category->name, sq_yaml_get(item, "name"), i};
    }
    if (rc == 0)
        rc = s_check_unique(ids, count, error, error_size)
             || s_check_unique(names, count, error, error_size);
    free(ids);
    free(names);
    return rc ? -1 : 0;
}

//  The optional `settings` list of categories.yaml (loaded with the categories).
static int s_load_settings(sq_catalog_t *self, char *error, size_t error_size)
{
    const sq_yaml_node_t *list = NULL;
    if (sq_yaml_child(sq_yaml_root(self->documents[S_CATEGORIES]), "settings", SQ_YAML_LIST,
                      false, &list, error, error_size))
        return -1;
    if (!list)
        return 0;
    static const char *const known[] = {"id", "name", "description", NULL};
    size_t count = sq_yaml_size(list);
    s_term_t *ids = sq_alloc((count ? count : 1) * sizeof *ids);
    self->settings = sq_alloc((count ? count : 1) * sizeof *self->settings);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        const sq_yaml_node_t *item = sq_yaml_item(list, i);
        sq_setting_t *setting = &self->settings[i];
        setting->description = "";
        rc = sq_yaml_expect(item, SQ_YAML_MAPPING, error, error_size)
             || sq_yaml_only_keys(item, known, error, error_size)
             || s_id(item, false, &setting->id, error, error_size)
             || sq_yaml_string(item, "name", true, &setting->name, error, error_size)
             || sq_yaml_string(item, "description", false, &setting->description, error,
                               error_size);
        if (rc)
            break;
        self->setting_count++;
        ids[i] = (s_term_t){setting->id, sq_yaml_get(item, "id"), i};
    }
    if (rc == 0)
        rc = s_check_unique(ids, count, error, error_size);
    free(ids);
    return rc ? -1 : 0;
}

sq_catalog_t *sq_catalog_load(const char *config_dir, char *error, size_t error_size)
{
    sq_catalog_t *self = sq_alloc(sizeof *self);
    if (s_load_departments(self, config_dir, error, error_size)
        || s_load_regions(self, config_dir, error, error_size)
        || s_load_categories(self, config_dir, error, error_size)
        || s_load_settings(self, error, error_size))
        sq_catalog_destroy(&self);
    return self;
}

size_t sq_catalog_department_count(const sq_catalog_t *self)
{
    return self->department_count;
}

const sq_department_t *sq_catalog_department_at(const sq_catalog_t *self, size_t index)
{
    return index < self->department_count ? &self->departments[index] : NULL;
}

size_t sq_catalog_region_count(const sq_catalog_t *self)
{
    return self->region_count;
}

const sq_region_t *sq_catalog_region_at(const sq_catalog_t *self, size_t index)
{
    return index < self->region_count ? &self->regions[index] : NULL;
}

size_t sq_catalog_category_count(const sq_catalog_t *self)
{
    return self->category_count;
}

const sq_category_t *sq_catalog_category_at(const sq_catalog_t *self, size_t index)
{
    return index < self->category_count ? &self->categories[index] : NULL;
}

const sq_department_t *sq_catalog_department(const sq_catalog_t *self, const char *id)
{
    for (size_t i = 0; id && i < self->department_count; i++)
        if (strcmp(self->departments[i].id, id) == 0)
            return &self->departments[i];
    return NULL;
}

const sq_region_t *sq_catalog_region(const sq_catalog_t *self, const char *id)
{
    for (size_t i = 0; id && i < self->region_count; i++)
        if (strcmp(self->regions[i].id, id) == 0)
            return &self->regions[i];
    return NULL;
}

size_t sq_catalog_setting_count(const sq_catalog_t *self)
{
    return self->setting_count;
}

const sq_setting_t *sq_catalog_setting_at(const sq_catalog_t *self, size_t index)
{
    return index < self->setting_count ? &self->settings[index] : NULL;
}

const sq_setting_t *sq_catalog_setting(const sq_catalog_t *self, const char *id)
{
    for (size_t i = 0; id && i < self->setting_count; i++)
        if (strcmp(self->settings[i].id, id) == 0)
            return &self->settings[i];
    return NULL;
}

const sq_category_t *sq_catalog_category(const sq_catalog_t *self, const char *id)
{
    for (size_t i = 0; id && i < self->category_count; i++)
        if (strcmp(self->categories[i].id, id) == 0)
            return &self->categories[i];
    return NULL;
}

static bool s_named(const char *own_name, const char *const *aliases, size_t alias_count,
                    const char *name)
{
    if (strcmp(own_name, name) == 0)
        return true;
    for (size_t i = 0; i < alias_count; i++)
        if (strcmp(aliases[i], name) == 0)
            return true;
    return false;
}

const sq_department_t *sq_catalog_department_named(const sq_catalog_t *self, const char *name)
{
    for (size_t i = 0; name && i < self->department_count; i++) {
        const sq_department_t *department = &self->departments[i];
        if (s_named(department->name, department->aliases, department->alias_count, name))
            return department;
    }
    return NULL;
}

const sq_region_t *sq_catalog_region_named(const sq_catalog_t *self, const char *name)
{
    for (size_t i = 0; name && i < self->region_count; i++) {
        const sq_region_t *region = &self->regions[i];
        if (s_named(region->name, region->aliases, region->alias_count, name))
            return region;
    }
    return NULL;
}

const sq_category_t *sq_catalog_category_named(const sq_catalog_t *self, const char *name)
{
    for (size_t i = 0; name && i < self->category_count; i++)
        if (strcmp(self->categories[i].name, name) == 0)
            return &self->categories[i];
    return NULL;
}

const char *sq_department_kind_name(sq_department_kind_t kind)
{
    return (size_t) kind < 4 ? s_department_kinds[kind] : "";
}

const char *sq_region_kind_name(sq_region_kind_t kind)
{
    return (size_t) kind < 2 ? s_region_kinds[kind] : "";
}

int sq_type_parse(const char *text, sq_type_t *type)
{
    for (int i = SQ_TYPE_NONE + 1; text && i < SQ_TYPE_COUNT; i++)
        if (strcmp(text, s_types[i].label) == 0 || strcmp(text, s_types[i].name) == 0) {
            *type = (sq_type_t) i;
            return 0;
        }
    return -1;
}

const char *sq_type_label(sq_type_t type)
{
    return (size_t) type < SQ_TYPE_COUNT ? s_types[type].label : "";
}

const char *sq_type_name(sq_type_t type)
{
    return (size_t) type < SQ_TYPE_COUNT ? s_types[type].name : "";
}

int sq_urgency_parse(const char *text, sq_urgency_t *urgency)
{
    for (int i = SQ_URGENCY_NONE + 1; text && i < SQ_URGENCY_COUNT; i++)
        if (strcmp(text, s_urgencies[i].label) == 0 || strcmp(text, s_urgencies[i].name) == 0) {
            *urgency = (sq_urgency_t) i;
            return 0;
        }
    return -1;
}

const char *sq_urgency_label(sq_urgency_t urgency)
{
    return (size_t) urgency < SQ_URGENCY_COUNT ? s_urgencies[urgency].label : "";
}

const char *sq_urgency_name(sq_urgency_t urgency)
{
    return (size_t) urgency < SQ_URGENCY_COUNT ? s_urgencies[urgency].name : "";
}
