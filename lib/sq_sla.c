/*  sq_sla: time-limit policies loaded from sla.yaml, and the deadlines they give (see
    sq_sla.h).

    Policies are few (tens), so sq_sla_find walks them all and keeps the best match; they
    stay in file order so that sq_sla_policy_at reads like the file.  Their strings are
    borrowed from the YAML document, which the set keeps.
*/
#include "sq_sla.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sq_alloc.h"
#include "sq_envelope.h"
#include "sq_yaml.h"

#define S_POLICY_ID_MAX 64
#define S_PRIORITY_LIMIT 1000000

static const char *const s_stage_names[] = {"sign_for", "first_response", "close", NULL};
static const char *const s_from_names[] = {"received", "sign_for", "first_response", NULL};

struct _sq_sla_policy_t {
    const char *id;
    const char *basis;
    size_t order;           //  position in the file
    int64_t applies_from;   //  00:00 +08:00 of the date
    int priority;
    int specificity;        //  keys of `when` that constrain
    const char **channels;  //  none (count 0) = any
    size_t channel_count;
    unsigned types;         //  bit (1 << type) per accepted type; 0 = any
    unsigned urgencies;     //  bit (1 << urgency) per accepted urgency; 0 = any
    sq_sla_limit_t limits[SQ_SLA_STAGE_COUNT];
    bool has_extension;
    sq_duration_t extension;
};

struct _sq_sla_t {
    sq_yaml_t *document;
    sq_sla_policy_t *policies;   //  in file order
    size_t policy_count;
};

void sq_sla_destroy(sq_sla_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_sla_t *self = *self_p;
    for (size_t i = 0; i < self->policy_count; i++)
        free(self->policies[i].channels);
    free(self->policies);
    sq_yaml_destroy(&self->document);
    free(self);
    *self_p = NULL;
}

//  Days from 1970-01-01 to the date (proleptic Gregorian; H. Hinnant's algorithm).
static int64_t s_days_from_civil(int year, int month, int day)
{
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

//  1-64 of [a-z0-9_.-].
static bool s_policy_id_valid(const char *id)
{
    size_t length = strlen(id);
    if (length == 0 || length > S_POLICY_ID_MAX)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("_.-", *c)))
            return false;
    return true;
}

static int s_name_index(const char *const *names, const char *text)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], text) == 0)
            return i;
    return -1;
}

//  Check one value of a `when` key and record it in the policy.
static int s_when_value(sq_sla_policy_t *policy, const char *key, const sq_yaml_node_t *node,
                        char *error, size_t error_size)
{
    const char *text = sq_yaml_text(node);
    if (strcmp(key, "channel") == 0) {
        if (!sq_channel_known(text))
            return sq_yaml_fail(node, NULL, error, error_size,
                                "unknown channel \"%s\" (channels: hotline12345 hotline12315 "
                                "web wechat email)",
                                text);
        policy->channels[policy->channel_count++] = text;
    } else if (strcmp(key, "type") == 0) {
        sq_type_t type;
        if (sq_type_parse(text, &type))
            return sq_yaml_fail(node, NULL, error, error_size,
                                "unknown type \"%s\" (types: complaint report enquiry help "
                                "suggestion praise, or 投诉 举报 咨询 求助 建议 表扬)",
                                text);
        policy->types |= 1u << type;
    } else {
        sq_urgency_t urgency;
        if (sq_urgency_parse(text, &urgency))
            return sq_yaml_fail(node, NULL, error, error_size,
                                "unknown urgency \"%s\" (urgent normal, or 紧急 一般)", text);
        policy->urgencies |= 1u << urgency;
    }
    return 0;
}

static int s_load_when_key(sq_sla_policy_t *policy, const sq_yaml_node_t *when, const char *key,
                           char *error, size_t error_size)
{
    const sq_yaml_node_t *value = sq_yaml_get(when, key);
    if (!value)
        return 0;
    if (sq_yaml_is_null(value))
        return sq_yaml_fail(value, NULL, error, error_size,
                            "needs a value: one, a list, or \"*\" for any");
    const sq_yaml_node_t **nodes = NULL;
    size_t count = 0;
    if (sq_yaml_strings(when, key, false, true, &nodes, &count, error, error_size))
        return -1;
    int rc = 0;
    if (count == 0)
        rc = sq_yaml_fail(value, NULL, error, error_size,
                          "an empty list matches nothing; use \"*\" for any");
    else if (count == 1 && strcmp(sq_yaml_text(nodes[0]), "*") == 0) {
        free(nodes);
        return 0;
    }
    if (rc == 0 && strcmp(key, "channel") == 0)
        policy->channels = sq_alloc(count * sizeof *policy->channels);
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (strcmp(sq_yaml_text(nodes[i]), "*") == 0)
            rc = sq_yaml_fail(nodes[i], NULL, error, error_size, "\"*\" must stand alone");
        else
            rc = s_when_value(policy, key, nodes[i], error, error_size);
    }
    free(nodes);
    if (rc == 0)
        policy->specificity++;
    return rc;
}

static int s_load_when(sq_sla_policy_t *policy, const sq_yaml_node_t *item, char *error,
                       size_t error_size)
{
    static const char *const known[] = {"channel", "type", "urgency", NULL};
    const sq_yaml_node_t *when = NULL;
    if (sq_yaml_child(item, "when", SQ_YAML_MAPPING, false, &when, error, error_size))
        return -1;
    if (!when)
        return 0;   //  no conditions: the policy matches every complaint
    if (sq_yaml_only_keys(when, known, error, error_size))
        return -1;
    for (size_t i = 0; known[i]; i++)
        if (s_load_when_key(policy, when, known[i], error, error_size))
            return -1;
    return 0;
}

//  A duration under key of mapping.  Leaves *duration unchanged when the key is missing and
//  not required.
static int s_duration(const sq_yaml_node_t *mapping, const char *key, bool required,
                      sq_duration_t *duration, char *error, size_t error_size)
{
    const char *text = NULL;
    if (sq_yaml_string(mapping, key, required, &text, error, error_size))
        return -1;
    if (text && sq_duration_parse(text, duration))
        return sq_yaml_fail(sq_yaml_get(mapping, key), NULL, error, error_size,
                            "\"%s\" is not a duration: use Nwd (working days), Nwh (working "
                            "hours) or Nh (clock hours), e.g. 5wd, 2wh, 24h",
                            text);
    return 0;
}

static int s_load_limit(sq_sla_policy_t *policy, const sq_yaml_node_t *limits,
                        sq_sla_stage_t stage, char *error, size_t error_size)
{
    static const char *const known[] = {"within", "from", NULL};
    const char *key = s_stage_names[stage];
    const sq_yaml_node_t *limit = NULL;
    if (sq_yaml_child(limits, key, SQ_YAML_MAPPING, true, &limit, error, error_size)
        || sq_yaml_only_keys(limit, known, error, error_size)
        || s_duration(limit, "within", true, &policy->limits[stage].within, error, error_size))
        return -1;
    const char *from = NULL;
    if (sq_yaml_string(limit, "from", false, &from, error, error_size))
        return -1;
    policy->limits[stage].from = SQ_SLA_FROM_RECEIVED;
    if (!from)
        return 0;
    int index = s_name_index(s_from_names, from);
    const sq_yaml_node_t *node = sq_yaml_get(limit, "from");
    if (index < 0)
        return sq_yaml_fail(node, NULL, error, error_size,
                            "unknown starting point \"%s\" (received sign_for first_response)",
                            from);
    //  from names a stage by its index + 1: only earlier stages, so no loops.
    if (index > (int) stage)
        return sq_yaml_fail(node, NULL, error, error_size,
                            "%s cannot be counted from %s: count from the receipt or an "
                            "earlier stage",
                            key, from);
    policy->limits[stage].from = (sq_sla_from_t) index;
    return 0;
}

static int s_load_limits(sq_sla_policy_t *policy, const sq_yaml_node_t *item, char *error,
                         size_t error_size)
{
    const sq_yaml_node_t *limits = NULL;
    if (sq_yaml_child(item, "limits", SQ_YAML_MAPPING, true, &limits, error, error_size)
        || sq_yaml_only_keys(limits, s_stage_names, error, error_size))
        return -1;
    for (int stage = 0; stage < SQ_SLA_STAGE_COUNT; stage++)
        if (s_load_limit(policy, limits, (sq_sla_stage_t) stage, error, error_size))
            return -1;
    return 0;
}

static int s_load_applies_from(sq_sla_policy_t *policy, const sq_yaml_node_t *item, char *error,
                               size_t error_size)
{
    const char *text = NULL;
    int year, month, day;
    if (sq_yaml_string(item, "applies_from", true, &text, error, error_size))
        return -1;
    if (sq_calendar_date_parse(text, &year, &month, &day))
        return sq_yaml_fail(sq_yaml_get(item, "applies_from"), NULL, error, error_size,
                            "\"%s\" is not a date: use YYYY-MM-DD", text);
    policy->applies_from
        = s_days_from_civil(year, month, day) * 86400 - SQ_CALENDAR_ZONE_SECONDS;
    return 0;
}

static int s_load_policy(sq_sla_policy_t *policy, const sq_yaml_node_t *item, char *error,
                         size_t error_size)
{
    static const char *const known[] = {"id",       "applies_from", "basis",     "when",
                                        "priority", "limits",       "extension", NULL};
    if (sq_yaml_expect(item, SQ_YAML_MAPPING, error, error_size)
        || sq_yaml_only_keys(item, known, error, error_size)
        || sq_yaml_string(item, "id", true, &policy->id, error, error_size))
        return -1;
    if (!s_policy_id_valid(policy->id))
        return sq_yaml_fail(sq_yaml_get(item, "id"), NULL, error, error_size,
                            "\"%s\" is not a policy id: use 1-%d of a-z 0-9 _ . -", policy->id,
                            S_POLICY_ID_MAX);
    if (s_load_applies_from(policy, item, error, error_size)
        || sq_yaml_string(item, "basis", true, &policy->basis, error, error_size)
        || s_load_when(policy, item, error, error_size)
        || sq_yaml_int(item, "priority", false, -S_PRIORITY_LIMIT, S_PRIORITY_LIMIT,
                       &policy->priority, error, error_size)
        || s_load_limits(policy, item, error, error_size)
        || s_duration(item, "extension", false, &policy->extension, error, error_size))
        return -1;
    policy->has_extension = sq_yaml_get(item, "extension") != NULL;
    return 0;
}

static int s_check_ids_unique(const sq_yaml_node_t *list, char *error, size_t error_size)
{
    //  Tens of policies: pairs are fine.
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

sq_sla_t *sq_sla_load(const char *path, char *error, size_t error_size)
{
    sq_sla_t *self = sq_alloc(sizeof *self);
    self->document = sq_yaml_load(path, error, error_size);
    if (!self->document) {
        sq_sla_destroy(&self);
        return NULL;
    }
    const sq_yaml_node_t *root = sq_yaml_root(self->document);
    static const char *const known[] = {"policies", NULL};
    const sq_yaml_node_t *list = NULL;
    int rc = sq_yaml_expect(root, SQ_YAML_MAPPING, error, error_size)
             || sq_yaml_only_keys(root, known, error, error_size)
             || sq_yaml_child(root, "policies", SQ_YAML_LIST, true, &list, error, error_size);
    if (rc == 0 && sq_yaml_size(list) == 0)
        rc = sq_yaml_fail(list, NULL, error, error_size, "the list is empty");
    if (rc == 0) {
        self->policies = sq_alloc(sq_yaml_size(list) * sizeof *self->policies);
        for (size_t i = 0; i < sq_yaml_size(list) && rc == 0; i++) {
            sq_sla_policy_t *policy = &self->policies[self->policy_count++];
            policy->order = i;
            rc = s_load_policy(policy, sq_yaml_item(list, i), error, error_size);
        }
    }
    if (rc == 0)
        rc = s_check_ids_unique(list, error, error_size);
    if (rc) {
        sq_sla_destroy(&self);
        return NULL;
    }
    return self;
}

size_t sq_sla_policy_count(const sq_sla_t *self)
{
    return self->policy_count;
}

const sq_sla_policy_t *sq_sla_policy_at(const sq_sla_t *self, size_t index)
{
    return &self->policies[index];
}

//  ---------------------------------------------------------------------------------
//  Choosing a policy

static bool s_matches(const sq_sla_policy_t *policy, const char *channel, sq_type_t type,
                      sq_urgency_t urgency)
{
    if (policy->channel_count) {
        bool found = false;
        for (size_t i = 0; channel && i < policy->channel_count && !found; i++)
            found = strcmp(policy->channels[i], channel) == 0;
        if (!found)
            return false;
    }
    if (policy->types && (type <= SQ_TYPE_NONE || type >= SQ_TYPE_COUNT
                          || !(policy->types & (1u << type))))
        return false;
    if (policy->urgencies && (urgency <= SQ_URGENCY_NONE || urgency >= SQ_URGENCY_COUNT
                              || !(policy->urgencies & (1u << urgency))))
        return false;
    return true;
}

//  True when a takes precedence over b.
static bool s_precedes(const sq_sla_policy_t *a, const sq_sla_policy_t *b)
{
    if (a->priority != b->priority)
        return a->priority > b->priority;
    if (a->specificity != b->specificity)
        return a->specificity > b->specificity;
    if (a->applies_from != b->applies_from)
        return a->applies_from > b->applies_from;
    return a->order < b->order;
}

int sq_sla_find(const sq_sla_t *self, const char *channel, sq_type_t type,
                sq_urgency_t urgency, int64_t received_at, const sq_sla_policy_t **policy)
{
    const sq_sla_policy_t *best = NULL;
    for (size_t i = 0; i < self->policy_count; i++) {
        const sq_sla_policy_t *candidate = &self->policies[i];
        if (candidate->applies_from > received_at
            || !s_matches(candidate, channel, type, urgency))
            continue;
        if (!best || s_precedes(candidate, best))
            best = candidate;
    }
    *policy = best;
    return best ? 0 : -1;
}

const sq_sla_policy_t *sq_sla_policy_by_id(const sq_sla_t *self, const char *id)
{
    for (size_t i = 0; id && i < self->policy_count; i++)
        if (strcmp(self->policies[i].id, id) == 0)
            return &self->policies[i];
    return NULL;
}

//  ---------------------------------------------------------------------------------
//  Policies and deadlines

const char *sq_sla_policy_id(const sq_sla_policy_t *policy)
{
    return policy->id;
}

const char *sq_sla_policy_basis(const sq_sla_policy_t *policy)
{
    return policy->basis;
}

int64_t sq_sla_policy_applies_from(const sq_sla_policy_t *policy)
{
    return policy->applies_from;
}

sq_sla_limit_t sq_sla_policy_limit(const sq_sla_policy_t *policy, sq_sla_stage_t stage)
{
    return policy->limits[stage];
}

bool sq_sla_policy_extension(const sq_sla_policy_t *policy, sq_duration_t *extension)
{
    if (policy->has_extension && extension)
        *extension = policy->extension;
    return policy->has_extension;
}

int sq_sla_due(const sq_sla_policy_t *policy, const sq_calendar_t *calendar,
               sq_sla_stage_t stage, int64_t start, int64_t *due)
{
    return sq_calendar_add(calendar, start, policy->limits[stage].within, due);
}

int sq_sla_deadlines(const sq_sla_policy_t *policy, const sq_calendar_t *calendar,
                     int64_t received_at, int64_t *sign_for_due, int64_t *first_response_due,
                     int64_t *close_due)
{
    //  starts[from]: received, then each stage's deadline as it is computed; a stage is
    //  only counted from an earlier one (checked at load), so one pass suffices.
    int64_t starts[SQ_SLA_STAGE_COUNT + 1] = {received_at};
    int64_t dues[SQ_SLA_STAGE_COUNT];
    for (int stage = 0; stage < SQ_SLA_STAGE_COUNT; stage++) {
        int64_t start = starts[policy->limits[stage].from];
        if (sq_sla_due(policy, calendar, (sq_sla_stage_t) stage, start, &dues[stage]))
            return -1;
        starts[stage + 1] = dues[stage];
    }
    if (sign_for_due)
        *sign_for_due = dues[SQ_SLA_SIGN_FOR];
    if (first_response_due)
        *first_response_due = dues[SQ_SLA_FIRST_RESPONSE];
    if (close_due)
        *close_due = dues[SQ_SLA_CLOSE];
    return 0;
}

const char *sq_sla_stage_name(sq_sla_stage_t stage)
{
    return stage < SQ_SLA_STAGE_COUNT ? s_stage_names[stage] : "";
}

const char *sq_sla_from_name(sq_sla_from_t from)
{
    return (int) from <= SQ_SLA_FROM_FIRST_RESPONSE ? s_from_names[from] : "";
}
