/*  sq_deadline: keeps a complaint's stored deadlines true to what has happened to it.

    Routing sets the three deadlines (sign_for, first_response, close) from the SLA policy
    in force at receipt, counting a stage that runs from an earlier stage from that stage's
    deadline (sq_sla_deadlines).  Later events change them, and this module recomputes every
    stage not yet met, from scratch and by the same policy (kept with the deadlines by id):

      - a stage counted from an earlier stage that has happened runs from the real time it
        happened (12315 mediation: 45wd from the real acceptance);
      - an approved extension (延期) of a stage adds its duration to that stage's deadline;
      - a stage whose clock was restarted (sign-for, when a complaint is returned and goes
        to another department) runs from the restart instead;
      - a finished pause while waiting for the citizen (e.g. unreachable) that began after
        the stage's clock started and before its deadline moves the deadline by the time it
        lasted, counted in the unit of the stage's limit: the working days it spanned (wd),
        its working seconds (wh) or its clock seconds (h).

    For each stage met, it also records the working time it took: the working seconds from
    receipt (or the restart of its clock) to the action, less those spent paused in between.

    sq_deadline_compute does the arithmetic alone (unit-tested); sq_deadline_settle reads a
    complaint's facts from PostgreSQL, computes, and writes what changed, each moved
    deadline with an event saying why.  It runs inside the caller's transaction, after the
    action that changed the facts.  Its statements must be in the process's table:
    include SQ_DEADLINE_STATEMENTS there.
*/
#ifndef SQ_DEADLINE_H
#define SQ_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sq_calendar.h"
#include "sq_db.h"
#include "sq_sla.h"

#define SQ_DEADLINE_PAUSES_MAX 64   //  pauses of one complaint taken into account

//  The statements sq_deadline_settle runs (the SQL is in sql/007_extensions.sql).
#define SQ_DEADLINE_STATEMENTS                                                               \
    {"deadline_facts", "SELECT * FROM complaint_deadline_facts($1)"},                       \
    {"deadline_pauses", "SELECT started, ended FROM complaint_pauses($1::bigint)"},          \
    {"deadline_move",                                                                        \
     "SELECT complaint_deadline_move($1::bigint, $2, to_timestamp($3::bigint),"              \
     " to_timestamp($4::bigint), $5, $6)"},                                                  \
    {"deadline_work", "SELECT complaint_deadline_work($1::bigint, $2, $3::bigint)"}

//  What is known of one stage.
typedef struct {
    bool present;               //  the complaint has this deadline
    int64_t due;                //  the stored deadline
    int64_t met;                //  when the stage happened, 0 while it is due
    bool extended;              //  an extension of this stage was approved
    sq_duration_t extension;    //  its duration, when extended
    int64_t restarted;          //  its clock started again then (a return), 0 if never
} sq_deadline_stage_t;

//  A pause while waiting for the citizen; ended is 0 while it lasts.
typedef struct {
    int64_t started, ended;
} sq_deadline_pause_t;

//  What the facts mean now, per stage (indexed by sq_sla_stage_t).
typedef struct {
    int64_t due[SQ_SLA_STAGE_COUNT];       //  the deadline each stage should have
    int64_t started[SQ_SLA_STAGE_COUNT];   //  when its clock started
    int64_t worked[SQ_SLA_STAGE_COUNT];    //  working seconds it took, for a met stage
} sq_deadline_result_t;

//  Compute the deadlines and working times of a complaint received at received under
//  policy, from the facts of its stages (indexed by sq_sla_stage_t) and its pauses (in any
//  order).  A met stage keeps its stored deadline.  Returns 0, or -1 when a time is
//  outside the calendar's range.
int sq_deadline_compute(const sq_sla_policy_t *policy, const sq_calendar_t *calendar,
                        int64_t received, const sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT],
                        const sq_deadline_pause_t *pauses, size_t pause_count,
                        sq_deadline_result_t *result);

//  Recompute the deadlines of the complaint with this number and write what changed (moved
//  deadlines with an event naming actor and reason; working times of met stages).  A
//  complaint without deadlines is left alone.  Returns the number of deadlines moved, or
//  -1 with the reason in error (the caller then rolls back).
int sq_deadline_settle(sq_db_t *db, const sq_sla_t *sla, const sq_calendar_t *calendar,
                       const char *number, const char *actor, const char *reason, char *error,
                       size_t error_size);

#endif
