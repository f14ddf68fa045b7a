/*  sweeper: hand stale complaints to their next stage again (see sweeper.h). */
#include "sweeper.h"

#include <czmq.h>

#include "sq_log.h"
#include "sq_state.h"

#define S_PAGE 200              //  rows read per query
#define S_MAX_READ_PER_PASS 20000   //  most rows read in one pass, handed on or not

const sq_db_statement_t sweeper_statements[] = {
    {"sweeper_stale",
     "SELECT id, number, state, state_since FROM complaint_stale("
     "now() - make_interval(secs => $1::int), $2::text[], $3::timestamptz, $4::bigint, $5::int)"},
    {NULL, NULL},
};

struct _sweeper_t {
    sq_db_t *db;               //  borrowed
    sq_handoff_t *handoff;     //  owned: hands complaints to the next stage's service
    size_t waiting;            //  hand-offs sent and not answered yet
    int64_t progress_at;       //  when one was last answered, or the first of them sent (mono ms)
    int stale_after_s;
    zhash_t *handed_at;        //  number -> when it was last handed on (mono ms)
    char cursor_since[64];     //  where the walk goes on: (state_since, id) of the last row
    char cursor_id[24];
};

//  The service that drives a complaint on from the state named state, or NULL.
static const char *s_next_service(const char *state)
{
    sq_state_t known;
    return sq_state_parse(state, &known) ? NULL : sq_state_next_service(known);
}

sweeper_t *sweeper_new(sq_db_t *db, const char *broker_endpoint, int stale_after_s)
{
    sweeper_t *self = (sweeper_t *) zmalloc(sizeof *self);
    self->db = db;
    self->stale_after_s = stale_after_s;
    self->handed_at = zhash_new();
    snprintf(self->cursor_since, sizeof self->cursor_since, "-infinity");
    snprintf(self->cursor_id, sizeof self->cursor_id, "0");
    if (!(self->handoff = sq_handoff_new(broker_endpoint)))
        sweeper_destroy(&self);
    return self;
}

void sweeper_destroy(sweeper_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sweeper_t *self = *self_p;
    zhash_destroy(&self->handed_at);
    sq_handoff_destroy(&self->handoff);
    free(self);
    *self_p = NULL;
}

//  Forget hand-offs old enough to be repeated, so the table stays small.
static void s_forget_old(sweeper_t *self, int64_t now)
{
    zlist_t *numbers = zhash_keys(self->handed_at);
    for (char *number = (char *) zlist_first(numbers); number;
         number = (char *) zlist_next(numbers)) {
        int64_t at = (int64_t) (intptr_t) zhash_lookup(self->handed_at, number);
        if (now - at >= (int64_t) self->stale_after_s * 1000)
            zhash_delete(self->handed_at, number);
    }
    zlist_destroy(&numbers);
}

//  The states whose next service has a worker now, as a PostgreSQL array literal
//  ("{received,classified}"), or NULL when none has.  The caller frees it.
static char *s_served_states(sweeper_t *self)
{
    char *states = NULL;
    for (int state = 0; state < SQ_STATE_COUNT; state++) {
        const char *service = sq_state_next_service((sq_state_t) state);
        if (!service || !sq_handoff_served(self->handoff, service))
            continue;
        char *longer = zsys_sprintf("%s%s%s", states ? states : "", states ? "," : "",
                                    sq_state_name((sq_state_t) state));
        zstr_free(&states);
        states = longer;
    }
    char *literal = states ? zsys_sprintf("{%s}", states) : NULL;
    zstr_free(&states);
    return literal;
}

//  How many may be handed on now: what the answers since the last pass made room for.
static size_t s_room(sweeper_t *self, int64_t now)
{
    size_t answered = sq_handoff_drain(self->handoff);
    self->waiting = answered < self->waiting ? self->waiting - answered : 0;
    if (answered)
        self->progress_at = now;
    else if (self->waiting && now - self->progress_at >= (int64_t) self->stale_after_s * 1000) {
        sq_info("sweeper: %zu hand-offs unanswered for %d s; handing on again", self->waiting,
                self->stale_after_s);
        self->waiting = 0;
    }
    return SWEEPER_WAITING_MAX - self->waiting;
}

int sweeper_run(sweeper_t *self)
{
    int64_t now = zclock_mono();
    size_t room = s_room(self, now);
    if (room == 0)
        return 0;   //  the next stage has not taken what it was given
    s_forget_old(self, now);
    char *states = s_served_states(self);
    if (!states)
        return 0;   //  no next stage has a worker yet: nothing can be handed on
    char stale_after[16], page[16];
    snprintf(stale_after, sizeof stale_after, "%d", self->stale_after_s);
    snprintf(page, sizeof page, "%d", S_PAGE);
    int handed = 0, read = 0;
    bool walked_to_end = false;
    while ((size_t) handed < room && read < S_MAX_READ_PER_PASS && !walked_to_end) {
        const char *values[] = {stale_after, states, self->cursor_since, self->cursor_id, page};
        PGresult *result = sq_db_exec(self->db, "sweeper_stale", 5, values);
        if (!result) {
            free(states);
            return -1;
        }
        int rows = PQntuples(result);
        read += rows;
        for (int row = 0; row < rows && (size_t) handed < room; row++) {
            const char *number = PQgetvalue(result, row, 1);
            const char *service = s_next_service(PQgetvalue(result, row, 2));
            snprintf(self->cursor_id, sizeof self->cursor_id, "%s", PQgetvalue(result, row, 0));
            snprintf(self->cursor_since, sizeof self->cursor_since, "%s",
                     PQgetvalue(result, row, 3));
            if (!service || zhash_lookup(self->handed_at, number))
                continue;
            if (sq_handoff_send(self->handoff, service, "sweep", number) != 1)
                continue;
            zhash_insert(self->handed_at, number, (void *) (intptr_t) now);
            sq_debug("handed complaint=%s to %s", number, service);
            handed++;
        }
        PQclear(result);
        //  A short page is the end: the next walk starts again from the oldest.  (A page
        //  left when the room ran out is read again from the cursor by the next pass.)
        if (rows < S_PAGE && (size_t) handed < room) {
            walked_to_end = true;
            snprintf(self->cursor_since, sizeof self->cursor_since, "-infinity");
            snprintf(self->cursor_id, sizeof self->cursor_id, "0");
        }
    }
    free(states);
    if (handed && self->waiting == 0)
        self->progress_at = now;
    self->waiting += (size_t) handed;
    if (handed)
        sq_info("sweeper handed %d stale complaints to their next stage", handed);
    return handed;
}
