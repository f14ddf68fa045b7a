/*  sq_state: names of the complaint lifecycle states (see sq_state.h). */
#include "sq_state.h"

#include <string.h>

static const char *s_names[SQ_STATE_COUNT] = {
    "received", "classified", "triage", "dispatched", "signed_for", "responded", "closed", "merged",
};

const char *sq_state_name(sq_state_t state)
{
    return (unsigned) state < SQ_STATE_COUNT ? s_names[state] : "unknown";
}

int sq_state_parse(const char *name, sq_state_t *state)
{
    for (int i = 0; name && i < SQ_STATE_COUNT; i++)
        if (strcmp(name, s_names[i]) == 0) {
            *state = (sq_state_t) i;
            return 0;
        }
    return -1;
}

const char *sq_state_next_service(sq_state_t state)
{
    switch (state) {
    case SQ_STATE_RECEIVED:
        return "suqiu.classify";
    case SQ_STATE_CLASSIFIED:
        return "suqiu.route";
    default:   //  people act from here on; the deadline watch (workers/deadline.c) scans them
        return NULL;
    }
}

const char *sq_state_names(void)
{
    return "received classified triage dispatched signed_for responded closed merged";
}
