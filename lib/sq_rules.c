/*  sq_rules: force and veto rules for the classifier's labels (see sq_rules.h).

    Rules are sorted once, at load, by priority and then file order; applying them is one
    walk down the list.  Their strings are borrowed from the YAML document, which the
    rules keep; type and urgency labels point at the catalogue module's static names.
*/
#include "sq_rules.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_alloc.h"
#include "sq_regex_leads.h"
#include "sq_yaml.h"

#define S_RULE_ID_MAX 64
#define S_PRIORITY_LIMIT 1000000
#define S_WEIGHT_LIMIT 20.0

static const char *const s_targets[] = {"category", "type", "urgency", "setting"};

typedef enum { S_FORCE, S_VETO, S_CUE } s_action_t;

typedef struct {
    const char *id;
    size_t order;   //  position in the file
    sq_rules_target_t target;
    s_action_t action;
    double weight;  //  of a cue: added to its label's log-odds
    const char *label;
    const char **any;
    size_t any_count;
    bool has_regex;
    regex_t regex;
    char **leads;   //  one of these is in every text the regex matches; NULL: not known
    int priority;
} s_rule_t;

struct _sq_rules_t {
    sq_yaml_t *document;
    s_rule_t *rules;   //  in precedence order
    size_t rule_count;
};

void sq_rules_destroy(sq_rules_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_rules_t *self = *self_p;
    for (size_t i = 0; i < self->rule_count; i++) {
        free(self->rules[i].any);
        if (self->rules[i].has_regex)
            regfree(&self->rules[i].regex);
        sq_regex_leads_free(self->rules[i].leads);
    }
    free(self->rules);
    sq_yaml_destroy(&self->document);
    free(self);
    *self_p = NULL;
}

size_t sq_rules_count(const sq_rules_t *self)
{
    return self->rule_count;
}

const char *sq_rules_target_name(sq_rules_target_t target)
{
    return (size_t) target < SQ_RULES_TARGET_COUNT ? s_targets[target] : "";
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

static int s_word(const sq_yaml_node_t *item, const char *key, const char *const *words,
                  size_t count, int *index, char *error, size_t error_size)
{
    const char *text = NULL;
    if (sq_yaml_string(item, key, true, &text, error, error_size))
        return -1;
    for (size_t i = 0; i < count; i++)
        if (strcmp(text, words[i]) == 0) {
            *index = (int) i;
            return 0;
        }
    char list[128] = "";
    for (size_t i = 0; i < count; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? " | " : "",
                 words[i]);
    return sq_yaml_fail(sq_yaml_get(item, key), NULL, error, error_size,
                        "must be %s, got \"%s\"", list, text);
}

//  The label, checked against its target; kept as the category id or the Chinese label.
static int s_label(const sq_yaml_node_t *item, const sq_catalog_t *catalog, s_rule_t *rule,
                   char *error, size_t error_size)
{
    const char *text = NULL;
    if (sq_yaml_string(item, "label", true, &text, error, error_size))
        return -1;
    const sq_yaml_node_t *node = sq_yaml_get(item, "label");
    sq_type_t type;
    sq_urgency_t urgency;
    switch (rule->target) {
    case SQ_RULES_CATEGORY:
        if (!sq_catalog_category(catalog, text))
            return sq_yaml_fail(node, NULL, error, error_size, "unknown category \"%s\"", text);
        rule->label = text;
        return 0;
    case SQ_RULES_SETTING:
        if (!sq_catalog_setting(catalog, text))
            return sq_yaml_fail(node, NULL, error, error_size,
                                "unknown setting \"%s\" (settings are listed in categories.yaml)",
                                text);
        rule->label = sq_catalog_setting(catalog, text)->id;
        return 0;
    case SQ_RULES_TYPE:
        if (sq_type_parse(text, &type))
            return sq_yaml_fail(node, NULL, error, error_size,
                                "unknown type \"%s\" (types: 投诉 举报 咨询 求助 建议 表扬)", text);
        rule->label = sq_type_label(type);
        return 0;
    default:
        if (sq_urgency_parse(text, &urgency))
            return sq_yaml_fail(node, NULL, error, error_size,
                                "unknown urgency \"%s\" (urgencies: 紧急 一般)", text);
        rule->label = sq_urgency_label(urgency);
        return 0;
    }
}

static int s_words(const sq_yaml_node_t *item, s_rule_t *rule, char *error, size_t error_size)
{
    const sq_yaml_node_t **nodes = NULL;
    if (sq_yaml_strings(item, "any", false, false, &nodes, &rule->any_count, error, error_size))
        return -1;
    rule->any = sq_alloc(rule->any_count * sizeof *rule->any);
    for (size_t i = 0; i < rule->any_count; i++)
        rule->any[i] = sq_yaml_text(nodes[i]);
    free(nodes);

    const char *pattern = NULL;
    if (sq_yaml_string(item, "regex", false, &pattern, error, error_size))
        return -1;
    if (pattern) {
        int rc = regcomp(&rule->regex, pattern, REG_EXTENDED | REG_NOSUB);
        if (rc) {
            char problem[256];
            regerror(rc, &rule->regex, problem, sizeof problem);
            return sq_yaml_fail(sq_yaml_get(item, "regex"), NULL, error, error_size,
                                "bad regular expression in rule %s: %s", rule->id, problem);
        }
        rule->has_regex = true;
        rule->leads = sq_regex_leads(pattern);
    }
    if (!pattern && rule->any_count == 0)
        return sq_yaml_fail(item, NULL, error, error_size,
                            "rule %s needs `any` or `regex` (or both)", rule->id);
    return 0;
}

//  A cue's weight: a number from -S_WEIGHT_LIMIT to S_WEIGHT_LIMIT, required for cues and
//  refused elsewhere.
static int s_weight(const sq_yaml_node_t *item, s_rule_t *rule, char *error, size_t error_size)
{
    const char *text = NULL;
    if (sq_yaml_string(item, "weight", rule->action == S_CUE, &text, error, error_size))
        return -1;
    const sq_yaml_node_t *node = sq_yaml_get(item, "weight");
    if (rule->action != S_CUE)
        return text ? sq_yaml_fail(node, NULL, error, error_size,
                                   "only a cue has a weight (rule %s)", rule->id)
                    : 0;
    char *end = NULL;
    errno = 0;
    rule->weight = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(rule->weight)
        || fabs(rule->weight) > S_WEIGHT_LIMIT)
        return sq_yaml_fail(node, NULL, error, error_size,
                            "must be a number from %g to %g, got \"%s\"", -S_WEIGHT_LIMIT,
                            S_WEIGHT_LIMIT, text);
    return 0;
}

static int s_load_rule(const sq_yaml_node_t *item, const sq_catalog_t *catalog, s_rule_t *rule,
                       char *error, size_t error_size)
{
    static const char *const known[] = {"id",  "target", "action",   "label", "any",
                                        "regex", "priority", "weight", NULL};
    static const char *const actions[] = {"force", "veto", "cue"};
    int target = 0, action = 0;
    if (sq_yaml_expect(item, SQ_YAML_MAPPING, error, error_size)
        || sq_yaml_only_keys(item, known, error, error_size)
        || sq_yaml_string(item, "id", true, &rule->id, error, error_size))
        return -1;
    if (!s_rule_id_valid(rule->id))
        return sq_yaml_fail(sq_yaml_get(item, "id"), NULL, error, error_size,
                            "\"%s\" is not a rule id: use 1-%d of a-z 0-9 _ . -", rule->id,
                            S_RULE_ID_MAX);
    if (s_word(item, "target", s_targets, SQ_RULES_TARGET_COUNT, &target, error, error_size)
        || s_word(item, "action", actions, 3, &action, error, error_size))
        return -1;
    rule->target = (sq_rules_target_t) target;
    rule->action = (s_action_t) action;
    if (s_label(item, catalog, rule, error, error_size)
        || s_weight(item, rule, error, error_size)
        || s_words(item, rule, error, error_size)
        || sq_yaml_int(item, "priority", false, -S_PRIORITY_LIMIT, S_PRIORITY_LIMIT,
                       &rule->priority, error, error_size))
        return -1;
    return 0;
}

//  Ids unique, and few enough vetoed labels per target for a verdict to hold them all.
//  The rules are still in file order.
static int s_check_rules(const sq_rules_t *self, const sq_yaml_node_t *list, char *error,
                         size_t error_size)
{
    size_t vetoed[SQ_RULES_TARGET_COUNT] = {0};
    for (size_t i = 0; i < self->rule_count; i++) {
        const s_rule_t *rule = &self->rules[i];
        const sq_yaml_node_t *item = sq_yaml_item(list, i);
        bool new_label = rule->action == S_VETO;
        for (size_t j = 0; j < i; j++) {
            const s_rule_t *earlier = &self->rules[j];
            if (strcmp(earlier->id, rule->id) == 0)
                return sq_yaml_fail(sq_yaml_get(item, "id"), NULL, error, error_size,
                                    "\"%s\" is already used on line %zu", rule->id,
                                    sq_yaml_line(sq_yaml_get(sq_yaml_item(list, j), "id")));
            if (earlier->action == S_VETO && earlier->target == rule->target
                && strcmp(earlier->label, rule->label) == 0)
                new_label = false;
        }
        if (new_label && ++vetoed[rule->target] > SQ_RULES_VETO_MAX)
            return sq_yaml_fail(item, NULL, error, error_size,
                                "more than %d labels vetoed for target %s", SQ_RULES_VETO_MAX,
                                s_targets[rule->target]);
    }
    return 0;
}

static int s_compare_precedence(const void *a, const void *b)
{
    const s_rule_t *left = a, *right = b;
    if (left->priority != right->priority)
        return left->priority > right->priority ? -1 : 1;
    return left->order < right->order ? -1 : left->order > right->order;
}

sq_rules_t *sq_rules_load(const char *path, const sq_catalog_t *catalog, char *error,
                          size_t error_size)
{
    sq_rules_t *self = sq_alloc(sizeof *self);
    self->document = sq_yaml_load(path, error, error_size);
    if (!self->document) {
        sq_rules_destroy(&self);
        return NULL;
    }
    const sq_yaml_node_t *root = sq_yaml_root(self->document);
    static const char *const known[] = {"rules", NULL};
    const sq_yaml_node_t *list = NULL;
    int rc = sq_yaml_only_keys(root, known, error, error_size)
             || sq_yaml_child(root, "rules", SQ_YAML_LIST, true, &list, error, error_size);
    if (rc == 0) {
        self->rules = sq_alloc(sq_yaml_size(list) * sizeof *self->rules);
        for (size_t i = 0; i < sq_yaml_size(list) && rc == 0; i++) {
            s_rule_t *rule = &self->rules[self->rule_count++];
            rule->order = i;
            rc = s_load_rule(sq_yaml_item(list, i), catalog, rule, error, error_size);
        }
    }
    if (rc == 0)
        rc = s_check_rules(self, list, error, error_size);
    if (rc) {
        sq_rules_destroy(&self);
        return NULL;
    }
    qsort(self->rules, self->rule_count, sizeof *self->rules, s_compare_precedence);
    return self;
}

static bool s_rule_matches(const s_rule_t *rule, const char *text)
{
    for (size_t i = 0; i < rule->any_count; i++)
        if (strstr(text, rule->any[i]))
            return true;
    //  regexec only when a word that every match holds is there
    return rule->has_regex && (!rule->leads || sq_regex_leads_found(rule->leads, text))
           && regexec(&rule->regex, text, 0, NULL, 0) == 0;
}

double sq_rules_evidence(const sq_rules_verdict_t *verdict, const char *label)
{
    double sum = 0;
    for (size_t i = 0; label && i < verdict->cue_count; i++)
        if (strcmp(verdict->cues[i].label, label) == 0)
            sum += verdict->cues[i].weight;
    return sum;
}

const char *sq_rules_vetoed(const sq_rules_verdict_t *verdict, const char *label)
{
    for (size_t i = 0; label && i < verdict->veto_count; i++)
        if (strcmp(verdict->vetoed[i].label, label) == 0)
            return verdict->vetoed[i].rule;
    return NULL;
}

int sq_rules_apply(const sq_rules_t *self, sq_rules_target_t target, const char *title,
                   const char *content, sq_rules_verdict_t *verdict)
{
    memset(verdict, 0, sizeof *verdict);
    title = title ? title : "";
    content = content ? content : "";
    size_t title_length = strlen(title), content_length = strlen(content);
    char *text = sq_alloc(title_length + content_length + 2);
    memcpy(text, title, title_length);
    text[title_length] = '\n';
    memcpy(text + title_length + 1, content, content_length + 1);

    for (size_t i = 0; i < self->rule_count; i++) {
        const s_rule_t *rule = &self->rules[i];
        if (rule->target != target)
            continue;
        //  Out: a rule whose label is vetoed already, a force after the forced one, and
        //  cues beyond what a verdict holds.
        bool vetoed = sq_rules_vetoed(verdict, rule->label) != NULL;
        if (vetoed || (rule->action == S_FORCE && verdict->forced.label)
            || (rule->action == S_CUE && verdict->cue_count == SQ_RULES_CUE_MAX))
            continue;
        if (!s_rule_matches(rule, text))
            continue;
        if (rule->action == S_FORCE)
            verdict->forced = (sq_rules_hit_t){rule->label, rule->id};
        else if (rule->action == S_CUE)
            verdict->cues[verdict->cue_count++] =
                (sq_rules_cue_t){rule->label, rule->id, rule->weight};
        else if (verdict->veto_count < SQ_RULES_VETO_MAX)   //  always true: checked at load
            verdict->vetoed[verdict->veto_count++] = (sq_rules_hit_t){rule->label, rule->id};
    }
    free(text);
    return 0;
}
