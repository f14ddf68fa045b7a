/*  sq_state: the lifecycle of a complaint (工单状态), the same list as the complaint_state
    table in sql/001_spine.sql.  Only complaint_set_state() in the database moves a
    complaint from one state to another, and it writes an event row each time.
*/
#ifndef SQ_STATE_H
#define SQ_STATE_H

typedef enum {
    SQ_STATE_RECEIVED = 0,   //  已受理: committed at intake, not yet classified
    SQ_STATE_CLASSIFIED,     //  已分类: category, type and urgency decided
    SQ_STATE_TRIAGE,         //  待人工分拨: no rule or low confidence; waits for the dispatch desk
    SQ_STATE_DISPATCHED,     //  已派单: assigned to a lead department (and co-handlers)
    SQ_STATE_SIGNED_FOR,     //  已签收: the lead department has signed for it
    SQ_STATE_RESPONDED,      //  已答复: the citizen has been answered
    SQ_STATE_CLOSED,         //  已办结: closed with a recorded reply
    SQ_STATE_MERGED,         //  已并单: merged into a master order as a repeat report
    SQ_STATE_COUNT
} sq_state_t;

//  The state's name as stored in the database ("received", ...).  Static; "unknown" when
//  out of range.
const char *sq_state_name(sq_state_t state);

//  The state named name; returns 0 and sets *state, or -1 when there is no such state.
int sq_state_parse(const char *name, sq_state_t *state);

//  The MDP service that drives a complaint on from state ("suqiu.classify" for received,
//  "suqiu.route" for classified), or NULL when people act there (triage, dispatched and
//  later; the deadline watch keeps an eye on those).  Static.
const char *sq_state_next_service(sq_state_t state);

//  Every state's name, separated by spaces, for help texts and errors.  Static.
const char *sq_state_names(void);

#endif
