/*  sq_deadline: recomputes a complaint's deadlines after what happened to it (see the
    header for the rules). */
#include "sq_deadline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The time a pause from started to ended moves a deadline counted in unit.
static int s_shift(const sq_calendar_t *calendar, sq_duration_unit_t unit, int64_t due,
                   const sq_deadline_pause_t *pause, int64_t *moved)
{
    int64_t seconds, days;
    if (sq_calendar_between(calendar, pause->started, pause->ended, &seconds, &days))
        return -1;
    if (unit == SQ_DURATION_HOURS) {
        *moved = due + (pause->ended - pause->started);
        return 0;
    }
    if (unit == SQ_DURATION_WORKING_HOURS)
        return sq_calendar_add_working_seconds(calendar, due, seconds, moved);
    if (days > SQ_DURATION_DAYS_MAX)
        return -1;
    sq_duration_t shift = {SQ_DURATION_WORKING_DAYS, (int) days};
    return sq_calendar_add(calendar, due, shift, moved);
}

static int s_by_start(const void *a, const void *b)
{
    const sq_deadline_pause_t *x = a, *y = b;
    return (x->started > y->started) - (x->started < y->started);
}

//  Working seconds from received to met, less those spent in pauses in between.
static int s_worked(const sq_calendar_t *calendar, int64_t received, int64_t met,
                    const sq_deadline_pause_t *pauses, size_t pause_count, int64_t *worked)
{
    if (sq_calendar_between(calendar, received, met, worked, NULL))
        return -1;
    for (size_t i = 0; i < pause_count; i++) {
        int64_t from = pauses[i].started > received ? pauses[i].started : received;
        int64_t to = pauses[i].ended && pauses[i].ended < met ? pauses[i].ended : met;
        int64_t paused;
        if (to <= from)
            continue;
        if (sq_calendar_between(calendar, from, to, &paused, NULL))
            return -1;
        *worked -= paused;
    }
    if (*worked < 0)
        *worked = 0;
    return 0;
}

int sq_deadline_compute(const sq_sla_policy_t *policy, const sq_calendar_t *calendar,
                        int64_t received, const sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT],
                        const sq_deadline_pause_t *pauses, size_t pause_count,
                        sq_deadline_result_t *result)
{
    sq_deadline_pause_t sorted[SQ_DEADLINE_PAUSES_MAX];
    if (pause_count > SQ_DEADLINE_PAUSES_MAX)
        pause_count = SQ_DEADLINE_PAUSES_MAX;
    if (pause_count) {
        memcpy(sorted, pauses, pause_count * sizeof *pauses);
        qsort(sorted, pause_count, sizeof *sorted, s_by_start);
    }
    memset(result, 0, sizeof *result);

    //  starts[from]: received, then each stage's real time or, until then, its deadline.
    int64_t starts[SQ_SLA_STAGE_COUNT + 1] = {received};
    for (int stage = 0; stage < SQ_SLA_STAGE_COUNT; stage++) {
        const sq_deadline_stage_t *facts = &stages[stage];
        sq_sla_limit_t limit = sq_sla_policy_limit(policy, (sq_sla_stage_t) stage);
        int64_t start = facts->restarted ? facts->restarted : starts[limit.from], due;
        result->started[stage] = start;
        if (facts->present && facts->met) {
            due = facts->due;
            if (s_worked(calendar, facts->restarted ? facts->restarted : received, facts->met,
                         sorted, pause_count, &result->worked[stage]))
                return -1;
        }
        else {
            if (sq_sla_due(policy, calendar, (sq_sla_stage_t) stage, start, &due))
                return -1;
            if (facts->extended && sq_calendar_add(calendar, due, facts->extension, &due))
                return -1;
            for (size_t i = 0; i < pause_count; i++)
                if (sorted[i].ended && sorted[i].started >= start && sorted[i].started < due
                    && s_shift(calendar, limit.within.unit, due, &sorted[i], &due))
                    return -1;
        }
        result->due[stage] = due;
        starts[stage + 1] = facts->present && facts->met ? facts->met : due;
    }
    return 0;
}

//  ---------------------------------------------------------------------------------
//  With the database

static int s_fail(char *error, size_t error_size, const char *number, const char *what)
{
    snprintf(error, error_size, "%s: %s", number, what);
    return -1;
}

static int64_t s_epoch(const PGresult *result, int row, int column)
{
    return PQgetisnull(result, row, column) ? 0 : strtoll(PQgetvalue(result, row, column), NULL, 10);
}

//  The pauses of complaint id into pauses; returns how many, or -1.
static int s_read_pauses(sq_db_t *db, const char *id, sq_deadline_pause_t *pauses)
{
    const char *values[] = {id};
    PGresult *result = sq_db_exec(db, "deadline_pauses", 1, values);
    if (!result)
        return -1;
    int count = PQntuples(result);
    if (count > SQ_DEADLINE_PAUSES_MAX)
        count = SQ_DEADLINE_PAUSES_MAX;
    for (int row = 0; row < count; row++) {
        pauses[row].started = s_epoch(result, row, 0);
        pauses[row].ended = s_epoch(result, row, 1);
    }
    PQclear(result);
    return count;
}

//  Columns of complaint_deadline_facts.
enum { F_ID, F_RECEIVED, F_POLICY, F_STAGE, F_DUE, F_MET, F_WORKED, F_EXTENSION, F_RESTARTED };

int sq_deadline_settle(sq_db_t *db, const sq_sla_t *sla, const sq_calendar_t *calendar,
                       const char *number, const char *actor, const char *reason, char *error,
                       size_t error_size)
{
    const char *values[] = {number};
    PGresult *facts = sq_db_exec(db, "deadline_facts", 1, values);
    if (!facts)
        return s_fail(error, error_size, number, sq_db_error(db));
    int rows = PQntuples(facts);
    if (rows == 0) {
        PQclear(facts);
        return 0;
    }
    const sq_sla_policy_t *policy = sq_sla_policy_by_id(sla, PQgetvalue(facts, 0, F_POLICY));
    if (!policy) {
        PQclear(facts);
        return s_fail(error, error_size, number,
                      "its deadlines follow a policy no longer in config/sla.yaml");
    }
    char id[24];
    snprintf(id, sizeof id, "%s", PQgetvalue(facts, 0, F_ID));
    int64_t received = s_epoch(facts, 0, F_RECEIVED);
    sq_deadline_stage_t stages[SQ_SLA_STAGE_COUNT] = {{0}};
    bool worked_known[SQ_SLA_STAGE_COUNT] = {false};
    for (int row = 0; row < rows; row++) {
        int stage = 0;
        while (stage < SQ_SLA_STAGE_COUNT
               && strcmp(sq_sla_stage_name((sq_sla_stage_t) stage), PQgetvalue(facts, row, F_STAGE)))
            stage++;
        if (stage == SQ_SLA_STAGE_COUNT)
            continue;
        stages[stage].present = true;
        stages[stage].due = s_epoch(facts, row, F_DUE);
        stages[stage].met = s_epoch(facts, row, F_MET);
        stages[stage].restarted = s_epoch(facts, row, F_RESTARTED);
        worked_known[stage] = !PQgetisnull(facts, row, F_WORKED);
        if (!PQgetisnull(facts, row, F_EXTENSION)) {
            stages[stage].extended = true;
            if (sq_duration_parse(PQgetvalue(facts, row, F_EXTENSION), &stages[stage].extension)) {
                PQclear(facts);
                return s_fail(error, error_size, number, "an approved extension is unreadable");
            }
        }
    }
    PQclear(facts);

    sq_deadline_pause_t pauses[SQ_DEADLINE_PAUSES_MAX];
    int pause_count = s_read_pauses(db, id, pauses);
    sq_deadline_result_t result;
    if (pause_count < 0)
        return s_fail(error, error_size, number, sq_db_error(db));
    if (sq_deadline_compute(policy, calendar, received, stages, pauses, (size_t) pause_count,
                            &result))
        return s_fail(error, error_size, number, "a deadline falls outside the calendar");

    int moved = 0;
    for (int stage = 0; stage < SQ_SLA_STAGE_COUNT; stage++) {
        if (!stages[stage].present)
            continue;
        const char *name = sq_sla_stage_name((sq_sla_stage_t) stage);
        char due[24], started[24], worked[24];
        snprintf(due, sizeof due, "%lld", (long long) result.due[stage]);
        snprintf(started, sizeof started, "%lld", (long long) result.started[stage]);
        snprintf(worked, sizeof worked, "%lld", (long long) result.worked[stage]);
        PGresult *done = NULL;
        if (!stages[stage].met && result.due[stage] != stages[stage].due) {
            const char *move[] = {id, name, due, started, actor, reason};
            done = sq_db_exec(db, "deadline_move", 6, move);
            moved++;
        }
        else if (stages[stage].met && !worked_known[stage]) {
            const char *work[] = {id, name, worked};
            done = sq_db_exec(db, "deadline_work", 3, work);
        }
        else
            continue;
        if (!done)
            return s_fail(error, error_size, number, sq_db_error(db));
        PQclear(done);
    }
    return moved;
}
