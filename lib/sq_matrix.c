/*  sq_matrix: routing rules loaded from matrix.yaml, and the decision (see sq_matrix.h).

    The rules are sorted once, at load, into precedence order, so that routing is one walk
    down the list.  Their strings are borrowed from the YAML document, which the matrix
    keeps.
*/
#include "sq_matrix.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_alloc.h"
#include "sq_envelope.h"
#include "sq_yaml.h"

#define S_RULE_ID_MAX 64
#define S_PRIORITY_LIMIT 1000000

//  The keys of `when`, in the order they are shown in reasons.
typedef enum { S_CATEGORY, S_TYPE, S_REGION, S_CHANNEL, S_SETTING, S_KEY_COUNT } s_key_t;
static const char *const s_key_names[] = {"category", "type",    "region",
                                          "channel",  "setting", NULL};

//  One `when` key: the values it accepts; none (count 0) = any.  Types are kept as their
//  Chinese labels, so that every key compares text with text.
typedef struct {
    const char **values;
    size_t count;
} s_condition_t;

typedef struct {
    const char *id;
    size_t order;   //  position in the file
    int priority;
    int specificity;   //  keys of `when` that constrain
    s_condition_t when[S_KEY_COUNT];
    const char *lead;   //  a department id, or SQ_MATRIX_REGION_LEAD
    const char *co[SQ_ROUTE_CO_MAX];
    size_t co_count;
    const char *basis;
} s_rule_t;

struct _sq_matrix_t {
    const sq_catalog_t *catalog;
    sq_yaml_t *document;
    s_rule_t *rules;   //  in precedence order
    size_t rule_count;
};

void sq_matrix_destroy(sq_matrix_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_matrix_t *self = *self_p;
    for (size_t i = 0; i < self->rule_count; i++)
        for (int key = 0; key < S_KEY_COUNT; key++)
            free(self->rules[i].when[key].values);
    free(self->rules);
    sq_yaml_destroy(&self->document);
    free(self);
    *self_p = NULL;
}

size_t sq_matrix_rule_count(const sq_matrix_t *self)
{
    return self->rule_count;
}

//  1-64 of [a-z0-9_.-].
static bool s_rule_id_valid(const char *id)
{
    size_t length = strlen(id);
    if (length == 0 || length > S_RULE_ID_MAX)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("_.-", *c)))
            return false;
    return true;
}

//  Check one value of a `when` key; returns the text to keep (borrowed) or NULL with error.
static const char *s_when_value(const sq_matrix_t *self, s_key_t key,
                                const sq_yaml_node_t *node, char *error, size_t error_size)
{
    const char *text = sq_yaml_text(node);
    sq_type_t type;
    switch (key) {
    case S_CATEGORY:
        if (sq_catalog_category(self->catalog, text))
            return text;
        sq_yaml_fail(node, NULL, error, error_size, "unknown category \"%s\"", text);
        return NULL;
    case S_TYPE:
        if (sq_type_parse(text, &type) == 0)
            return sq_type_label(type);
        sq_yaml_fail(node, NULL, error, error_size,
                     "unknown type \"%s\" (types: 投诉 举报 咨询 求助 建议 表扬)", text);
        return NULL;
    case S_REGION:
        if (sq_catalog_region(self->catalog, text))
            return text;
        sq_yaml_fail(node, NULL, error, error_size, "unknown region \"%s\"", text);
        return NULL;
    case S_SETTING:
        if (sq_catalog_setting(self->catalog, text))
            return text;
        sq_yaml_fail(node, NULL, error, error_size,
                     "unknown setting \"%s\" (settings are listed in categories.yaml)", text);
        return NULL;
    default:
        if (sq_channel_known(text))
            return text;
        sq_yaml_fail(node, NULL, error, error_size,
                     "unknown channel \"%s\" (channels: hotline12345 hotline12315 web wechat "
                     "email)",
                     text);
        return NULL;
    }
}

static int s_load_when(const sq_matrix_t *self, const sq_yaml_node_t *item, s_rule_t *rule,
                       char *error, size_t error_size)
{
    const sq_yaml_node_t *when = NULL;
    if (sq_yaml_child(item, "when", SQ_YAML_MAPPING, false, &when, error, error_size))
        return -1;
    if (!when)
        return 0;   //  no conditions: the rule matches every complaint
    if (sq_yaml_only_keys(when, s_key_names, error, error_size))
        return -1;
    for (int key = 0; key < S_KEY_COUNT; key++) {
        const sq_yaml_node_t *value = sq_yaml_get(when, s_key_names[key]);
        if (!value)
            continue;
        if (sq_yaml_is_null(value))
            return sq_yaml_fail(value, NULL, error, error_size,
                                "needs a value: an id, a list of ids, or \"*\" for any");
        const sq_yaml_node_t **nodes = NULL;
        size_t count = 0;
        if (sq_yaml_strings(when, s_key_names[key], false, true, &nodes, &count, error,
                            error_size))
            return -1;
        if (count == 0)
            return sq_yaml_fail(value, NULL, error, error_size,
                                "an empty list matches nothing; use \"*\" for any");
        if (count == 1 && strcmp(sq_yaml_text(nodes[0]), "*") == 0) {
            free(nodes);
            continue;
        }
        s_condition_t *condition = &rule->when[key];
        condition->values = sq_alloc(count * sizeof *condition->values);
        condition->count = count;
        rule->specificity++;
        for (size_t i = 0; i < count; i++) {
            if (strcmp(sq_yaml_text(nodes[i]), "*") == 0) {
                sq_yaml_fail(nodes[i], NULL, error, error_size, "\"*\" must stand alone");
                free(nodes);
                return -1;
            }
            condition->values[i] = s_when_value(self, (s_key_t) key, nodes[i], error, error_size);
            if (!condition->values[i]) {
                free(nodes);
                return -1;
            }
        }
        free(nodes);
    }
    return 0;
}

//  A department id or "@region".
static int s_check_department(const sq_matrix_t *self, const sq_yaml_node_t *node, char *error,
                              size_t error_size)
{
    const char *text = sq_yaml_text(node);
    if (strcmp(text, SQ_MATRIX_REGION_LEAD) == 0 || sq_catalog_department(self->catalog, text))
        return 0;
    return sq_yaml_fail(node, NULL, error, error_size, "unknown department \"%s\"", text);
}

static int s_load_co(const sq_matrix_t *self, const sq_yaml_node_t *item, s_rule_t *rule,
                     char *error, size_t error_size)
{
    const sq_yaml_node_t **nodes = NULL;
    size_t count = 0;
    if (sq_yaml_strings(item, "co", false, false, &nodes, &count, error, error_size))
        return -1;
    int rc = 0;
    if (count > SQ_ROUTE_CO_MAX)
        rc = sq_yaml_fail(sq_yaml_get(item, "co"), NULL, error, error_size,
                          "more than %d cooperating departments", SQ_ROUTE_CO_MAX);
    for (size_t i = 0; i < count && rc == 0; i++) {
        const char *text = sq_yaml_text(nodes[i]);
        rc = s_check_department(self, nodes[i], error, error_size);
        if (rc == 0 && strcmp(text, rule->lead) == 0)
            rc = sq_yaml_fail(nodes[i], NULL, error, error_size, "\"%s\" is the lead already",
                              text);
        for (size_t j = 0; j < i && rc == 0; j++)
            if (strcmp(text, rule->co[j]) == 0)
                rc = sq_yaml_fail(nodes[i], NULL, error, error_size, "\"%s\" is listed twice",
                                  text);
        rule->co[i] = text;
    }
    rule->co_count = rc ? 0 : count;
    free(nodes);
    return rc;
}

static int s_load_rule(const sq_matrix_t *self, const sq_yaml_node_t *item, s_rule_t *rule,
                       char *error, size_t error_size)
{
    static const char *const known[] = {"id", "when", "lead", "co", "priority", "basis", NULL};
    if (sq_yaml_expect(item, SQ_YAML_MAPPING, error, error_size)
        || sq_yaml_only_keys(item, known, error, error_size)
        || sq_yaml_string(item, "id", true, &rule->id, error, error_size))
        return -1;
    if (!s_rule_id_valid(rule->id))
        return sq_yaml_fail(sq_yaml_get(item, "id"), NULL, error, error_size,
                            "\"%s\" is not a rule id: use 1-%d of a-z 0-9 _ . -", rule->id,
                            S_RULE_ID_MAX);
    if (s_load_when(self, item, rule, error, error_size)
        || sq_yaml_string(item, "lead", true, &rule->lead, error, error_size)
        || s_check_department(self, sq_yaml_get(item, "lead"), error, error_size)
        || s_load_co(self, item, rule, error, error_size)
        || sq_yaml_int(item, "priority", false, -S_PRIORITY_LIMIT, S_PRIORITY_LIMIT,
                       &rule->priority, error, error_size)
        || sq_yaml_string(item, "basis", true, &rule->basis, error, error_size))
        return -1;
    return 0;
}

static int s_compare_precedence(const void *a, const void *b)
{
    const s_rule_t *left = a, *right = b;
    if (left->priority != right->priority)
        return left->priority > right->priority ? -1 : 1;
    if (left->specificity != right->specificity)
        return left->specificity > right->specificity ? -1 : 1;
    return left->order < right->order ? -1 : left->order > right->order;
}

static int s_check_ids_unique(const sq_yaml_node_t *list, char *error, size_t error_size)
{
    //  A few hundred rules at most: pairs are fine.
    for (size_t i = 1; i < sq_yaml_size(list); i++) {
        const sq_yaml_node_t *id = sq_yaml_get(sq_yaml_item(list, i), "id");
        for (size_t j = 0; j < i; j++) {
            const sq_yaml_node_t *earlier = sq_yaml_get(sq_yaml_item(list, j), "id");
            if (strcmp(sq_yaml_text(id), sq_yaml_text(earlier)) == 0)
                return sq_yaml_fail(id, NULL, error, error_size,
                                    "\"%s\" is already used on line %zu", sq_yaml_text(id),
                                    sq_yaml_line(earlier));
        }
    }
    return 0;
}

sq_matrix_t *sq_matrix_load(const char *path, const sq_catalog_t *catalog, char *error,
                            size_t error_size)
{
    sq_matrix_t *self = sq_alloc(sizeof *self);
    self->catalog = catalog;
    self->document = sq_yaml_load(path, error, error_size);
    if (!self->document) {
        sq_matrix_destroy(&self);
        return NULL;
    }
    const sq_yaml_node_t *root = sq_yaml_root(self->document);
    static const char *const known[] = {"rules", NULL};
    const sq_yaml_node_t *list = NULL;
    int rc = sq_yaml_only_keys(root, known, error, error_size)
             || sq_yaml_child(root, "rules", SQ_YAML_LIST, true, &list, error, error_size);
    if (rc == 0 && sq_yaml_size(list) == 0)
        rc = sq_yaml_fail(list, NULL, error, error_size, "the list is empty");
    if (rc == 0) {
        self->rules = sq_alloc(sq_yaml_size(list) * sizeof *self->rules);
        for (size_t i = 0; i < sq_yaml_size(list) && rc == 0; i++) {
            s_rule_t *rule = &self->rules[self->rule_count++];
            rule->order = i;
            rc = s_load_rule(self, sq_yaml_item(list, i), rule, error, error_size);
        }
    }
    if (rc == 0)
        rc = s_check_ids_unique(list, error, error_size);
    if (rc) {
        sq_matrix_destroy(&self);
        return NULL;
    }
    qsort(self->rules, self->rule_count, sizeof *self->rules, s_compare_precedence);
    return self;
}

//  ---------------------------------------------------------------------------------
//  Routing

//  The query's value for each key, as the rules keep them.
static void s_query_values(const sq_route_query_t *query, const char *values[S_KEY_COUNT])
{
    values[S_CATEGORY] = query->category;
    values[S_TYPE] = query->type != SQ_TYPE_NONE ? sq_type_label(query->type) : NULL;
    values[S_REGION] = query->region;
    values[S_CHANNEL] = query->channel;
    values[S_SETTING] = query->setting;
}

//  The `when` key of a rule that asks for a label the classifier is unsure of (see
//  sq_route_query_t.unsure), or -1.
static int s_unsure_key(const s_rule_t *rule, const sq_route_query_t *query)
{
    if ((query->unsure & SQ_ROUTE_UNSURE_TYPE) && rule->when[S_TYPE].count)
        return S_TYPE;
    if ((query->unsure & SQ_ROUTE_UNSURE_SETTING) && rule->when[S_SETTING].count)
        return S_SETTING;
    return -1;
}

static bool s_matches(const s_rule_t *rule, const char *const values[S_KEY_COUNT])
{
    for (int key = 0; key < S_KEY_COUNT; key++) {
        const s_condition_t *condition = &rule->when[key];
        if (condition->count == 0)
            continue;
        bool found = false;
        for (size_t i = 0; values[key] && i < condition->count && !found; i++)
            found = strcmp(condition->values[i], values[key]) == 0;
        if (!found)
            return false;
    }
    return true;
}

static bool s_excluded(const char *department, const char *const *excluded, size_t count)
{
    for (size_t i = 0; department && i < count; i++)
        if (excluded[i] && strcmp(excluded[i], department) == 0)
            return true;
    return false;
}

//  A department id, or for "@region" the region's government; NULL when the region is
//  not known.
static const char *s_resolve(const sq_matrix_t *self, const char *department,
                             const sq_route_query_t *query)
{
    if (strcmp(department, SQ_MATRIX_REGION_LEAD) != 0)
        return department;
    const sq_region_t *region = sq_catalog_region(self->catalog, query->region);
    return region ? region->government->id : NULL;
}

//  Append to the decision's reason, keeping what fits.
static void s_say(sq_route_decision_t *decision, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void s_say(sq_route_decision_t *decision, const char *format, ...)
{
    size_t used = strlen(decision->reason);
    va_list args;
    va_start(args, format);
    vsnprintf(decision->reason + used, sizeof decision->reason - used, format, args);
    va_end(args);
}

//  "category=food.school_canteen, type=投诉", or "any" for a rule without conditions.
static void s_say_matched(sq_route_decision_t *decision, const s_rule_t *rule,
                          const char *const values[S_KEY_COUNT])
{
    bool any = true;
    for (int key = 0; key < S_KEY_COUNT; key++)
        if (rule->when[key].count) {
            s_say(decision, "%s%s=%s", any ? "" : ", ", s_key_names[key], values[key]);
            any = false;
        }
    if (any)
        s_say(decision, "any");
}

//  The query's keys ("?" when unknown), the setting only when there is one.
static void s_say_query(sq_route_decision_t *decision, const char *const values[S_KEY_COUNT])
{
    for (int key = 0; key < S_KEY_COUNT; key++)
        if (key != S_SETTING || values[key])
            s_say(decision, "%s%s=%s", key ? ", " : "", s_key_names[key],
                  values[key] ? values[key] : "?");
}

//  Fill the co-departments of the deciding rule, without the lead or excluded ones.
static void s_fill_co(const sq_matrix_t *self, const s_rule_t *rule,
                      const sq_route_query_t *query, const char *const *excluded,
                      size_t excluded_count, sq_route_decision_t *decision)
{
    for (size_t i = 0; i < rule->co_count; i++) {
        const char *department = s_resolve(self, rule->co[i], query);
        if (!department) {
            s_say(decision, "; co @region left out: the region is unknown");
            continue;
        }
        if (s_excluded(department, excluded, excluded_count)) {
            s_say(decision, "; co %s left out: it returned the complaint", department);
            continue;
        }
        bool repeated = strcmp(department, decision->lead) == 0;
        for (size_t j = 0; j < decision->co_count && !repeated; j++)
            repeated = strcmp(decision->co[j], department) == 0;
        if (!repeated)
            decision->co[decision->co_count++] = department;
    }
}

int sq_matrix_route(const sq_matrix_t *self, const sq_route_query_t *query,
                    const char *const *excluded_departments, size_t excluded_count,
                    sq_route_decision_t *decision)
{
    memset(decision, 0, sizeof *decision);
    const char *values[S_KEY_COUNT];
    s_query_values(query, values);
    char skipped[SQ_ROUTE_REASON_MAX] = "";   //  rules passed over, and why
    char unresolved[SQ_ROUTE_REASON_MAX] = "";   //  the first "@region" rule without a region
    const char *unresolved_rule = NULL;
    bool matched = false;
    for (size_t i = 0; i < self->rule_count; i++) {
        const s_rule_t *rule = &self->rules[i];
        if (!s_matches(rule, values))
            continue;
        int unsure = s_unsure_key(rule, query);
        if (unsure >= 0) {
            size_t used = strlen(skipped);
            snprintf(skipped + used, sizeof skipped - used,
                     "; passed over rule %s: it asks %s=%s, which the classifier is unsure of",
                     rule->id, s_key_names[unsure], values[unsure]);
            continue;
        }
        matched = true;
        const char *lead = s_resolve(self, rule->lead, query);
        if (!lead) {
            if (!unresolved_rule) {
                unresolved_rule = rule->id;
                sq_route_decision_t said;
                memset(&said, 0, sizeof said);
                s_say(&said, "rule %s (priority %d, matched ", rule->id, rule->priority);
                s_say_matched(&said, rule, values);
                s_say(&said, ") leads @region but the region is unknown");
                snprintf(unresolved, sizeof unresolved, "%s", said.reason);
            }
            size_t used = strlen(skipped);
            snprintf(skipped + used, sizeof skipped - used,
                     "; passed over rule %s: it leads @region and the region is unknown",
                     rule->id);
            continue;
        }
        if (s_excluded(lead, excluded_departments, excluded_count)) {
            size_t used = strlen(skipped);
            snprintf(skipped + used, sizeof skipped - used,
                     "; skipped rule %s: lead %s returned it", rule->id, lead);
            continue;
        }
        decision->lead = lead;
        decision->rule = rule->id;
        s_say(decision, "rule %s (priority %d, matched ", rule->id, rule->priority);
        s_say_matched(decision, rule, values);
        if (strcmp(rule->lead, SQ_MATRIX_REGION_LEAD) == 0)
            s_say(decision, "; lead @region of %s", query->region);
        s_say(decision, "%s", skipped);
        s_fill_co(self, rule, query, excluded_departments, excluded_count, decision);
        s_say(decision, "): %s", rule->basis);
        return 0;
    }
    if (unresolved_rule) {
        decision->rule = unresolved_rule;
        s_say(decision, "%s", unresolved);
    }
    else if (matched)
        s_say(decision, "every matching rule's lead returned the complaint%s", skipped);
    else {
        s_say(decision, "no rule matched (");
        s_say_query(decision, values);
        s_say(decision, ")%s", skipped);
    }
    return -1;
}

const char *sq_matrix_category_lead(const sq_matrix_t *self, const char *category)
{
    for (size_t i = 0; category && i < self->rule_count; i++) {
        const s_rule_t *rule = &self->rules[i];
        if (rule->specificity != 1 || rule->when[S_CATEGORY].count == 0)
            continue;
        for (size_t j = 0; j < rule->when[S_CATEGORY].count; j++)
            if (strcmp(rule->when[S_CATEGORY].values[j], category) == 0)
                return rule->lead;
    }
    return NULL;
}
