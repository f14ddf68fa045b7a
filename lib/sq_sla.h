/*  sq_sla: the time limits (办理时限) a complaint must meet, from config/sla.yaml.

    A policy gives, for the complaints it matches (by channel, type and urgency), the limit
    of each of three stages: sign-for by the department (签收), first response to the
    citizen (首次响应: for a 12315 complaint the decision to accept it, for a report the
    decision to open a case) and closure (办结).  Each limit is a duration (Nwd working
    days, Nwh working hours, Nh clock hours: see sq_calendar.h) counted from the receipt
    of the complaint or from an earlier stage (close from first_response, for instance:
    12315 mediation runs 45 working days from acceptance).  A policy may also name the
    most an approved extension may add.

    Every policy applies to complaints received on or after its applies_from date (00:00
    in the city's zone, +08:00): when a rule changes, a new policy with the same conditions
    and a later date is added, and a complaint keeps the policy in force when it was
    received.  Among the policies that match a complaint and are in force at its receipt,
    the one chosen has the highest priority, then the most conditions (keys of `when`),
    then the latest applies_from, then comes first in the file.

    sq_sla_find fails when no policy matches, so the shipped file ends with a catch-all
    policy (no `when`, applies_from 2020-01-01): every complaint received since then has
    deadlines.  Complaints received earlier have none; the loader does not insist on a
    catch-all, so that tests can load small files.

    Loading follows sq_yaml: every mistake stops loading with one line naming file, line
    and key path, e.g.
        config/sla.yaml:14: policies[1].limits.close.from: unknown stage "accept" ...
    The policies are read-only after loading and borrowed from the sq_sla_t, which may be
    shared between threads.
*/
#ifndef SQ_SLA_H
#define SQ_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sq_calendar.h"
#include "sq_catalog.h"

typedef struct _sq_sla_t sq_sla_t;
typedef struct _sq_sla_policy_t sq_sla_policy_t;

//  The stages with a time limit, in the order they happen.
typedef enum {
    SQ_SLA_SIGN_FOR,         //  签收: the department takes the work order
    SQ_SLA_FIRST_RESPONSE,   //  首次响应: first answer to the citizen (12315: acceptance)
    SQ_SLA_CLOSE,            //  办结: the matter is closed
    SQ_SLA_STAGE_COUNT
} sq_sla_stage_t;

//  What a limit is counted from: the receipt, or the time an earlier stage happened.
typedef enum {
    SQ_SLA_FROM_RECEIVED,
    SQ_SLA_FROM_SIGN_FOR,
    SQ_SLA_FROM_FIRST_RESPONSE,
} sq_sla_from_t;

typedef struct {
    sq_duration_t within;
    sq_sla_from_t from;
} sq_sla_limit_t;

//  Load the policies from the YAML file at path (format at the top of config/sla.yaml).
//  Checked: unknown keys at every level; ids (1-64 of a-z 0-9 _ . -, unique); applies_from
//  a real date YYYY-MM-DD; basis present; `when` keys channel (hotline12345 hotline12315
//  web wechat email), type (sq_type_parse) and urgency (sq_urgency_parse), each one value
//  or a list, "*" for any; priority a whole number; limits for all three stages, each
//  {within: duration, from: received | sign_for | first_response}, from an earlier stage
//  only; extension a duration.  Returns a new set of policies (the caller's:
//  sq_sla_destroy) or NULL with "file:line: key.path: message" in error.
sq_sla_t *sq_sla_load(const char *path, char *error, size_t error_size);

//  Free the policies; safe on NULL and twice.  Every policy from them becomes invalid.
void sq_sla_destroy(sq_sla_t **self_p);

//  The policies in file order; index must be below the count.  Borrowed.
size_t sq_sla_policy_count(const sq_sla_t *self);
const sq_sla_policy_t *sq_sla_policy_at(const sq_sla_t *self, size_t index);

//  The policy in force for a complaint received at received_at (seconds since the epoch)
//  by channel, of the given type and urgency.  channel may be NULL, type SQ_TYPE_NONE and
//  urgency SQ_URGENCY_NONE when not known: they then match only policies that do not
//  constrain them.  Sets *policy (borrowed) and returns 0, or returns -1 when no policy
//  matches (*policy is then NULL).
int sq_sla_find(const sq_sla_t *self, const char *channel, sq_type_t type,
                sq_urgency_t urgency, int64_t received_at, const sq_sla_policy_t **policy);

//  The policy with this id, or NULL (borrowed): the one a complaint's deadlines were set
//  from, kept with them, so that later changes count by the same rule.
const sq_sla_policy_t *sq_sla_policy_by_id(const sq_sla_t *self, const char *id);

//  A policy's id and basis (the rule it follows, as text).  Borrowed.
const char *sq_sla_policy_id(const sq_sla_policy_t *policy);
const char *sq_sla_policy_basis(const sq_sla_policy_t *policy);

//  The first instant the policy applies to: 00:00 +08:00 of its applies_from date.
int64_t sq_sla_policy_applies_from(const sq_sla_policy_t *policy);

//  The limit of a stage.
sq_sla_limit_t sq_sla_policy_limit(const sq_sla_policy_t *policy, sq_sla_stage_t stage);

//  True when the policy allows an extension; sets *extension (may be NULL) to the most
//  it may add.
bool sq_sla_policy_extension(const sq_sla_policy_t *policy, sq_duration_t *extension);

//  The deadlines of a complaint received at received_at, under policy, with the city's
//  calendar.  A stage counted from another stage is counted from that stage's deadline,
//  the best estimate until the stage really happens; when it does, the caller recomputes
//  the later stages from the real time with sq_sla_due.  Any of the three outputs may be
//  NULL.  Returns 0, or -1 when a time is out of the calendar's range.
int sq_sla_deadlines(const sq_sla_policy_t *policy, const sq_calendar_t *calendar,
                     int64_t received_at, int64_t *sign_for_due, int64_t *first_response_due,
                     int64_t *close_due);

//  The deadline of one stage counted from start, the time of the event its limit is
//  counted from (see sq_sla_policy_limit's from).  Returns 0 and sets *due, or -1.
int sq_sla_due(const sq_sla_policy_t *policy, const sq_calendar_t *calendar,
               sq_sla_stage_t stage, int64_t start, int64_t *due);

//  "sign_for", "first_response", "close"; and "received", "sign_for", "first_response".
//  Static.
const char *sq_sla_stage_name(sq_sla_stage_t stage);
const char *sq_sla_from_name(sq_sla_from_t from);

#endif
