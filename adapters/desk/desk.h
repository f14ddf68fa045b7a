/*  desk: the staff desks (suqiu-desk): hotline operators, department dispatch desks,
    supervisors and admins work in a browser, on pages served here, over the JSON API below.

    Sessions: POST /api/login {"user", "password"} sets an HttpOnly SameSite=Strict cookie and
    answers the user with the session's CSRF token; every request that changes something must
    send that token as X-CSRF-Token.  Five wrong passwords in a row lock the account for
    desk.lockout_minutes; logins are rate-limited per client address.  A session ends after
    desk.idle_minutes unused or desk.session_hours in all, or with POST /api/logout.

    Every request runs in one transaction as the session's user (desk_begin in sql/025_desk.sql):
    PostgreSQL's row-level security decides what it sees, and the desk_* functions of
    sql/026_desk_api.sql what it may change; this process adds no right of its own.
        GET  /api/session                       the user, with the CSRF token
        GET  /api/complaints?department=&state=&q=&light=&channel=&role=&limit=&offset=
                                                {"items": [...], "total": n}, soonest deadline first
        GET  /api/complaints/{number}           one complaint (404 where the user may not see it),
                                                the reporter masked on a 举报 without consent,
                                                with its deliveries, follow-ups and files
        POST /api/complaints/{number}/{action}  sign, note, reply, extend, pause, resume, return,
                                                co_opinion, close (the lead's; co_opinion the
                                                co-handlers'), callback (operators), urge,
                                                extension, return_review, unmask (supervisors)
        GET  /api/attachments/{id}              a file the citizen sent, for a user who may see
                                                its complaint (each download is an event)
        POST /api/complaints                    the operator's new work order (as the hotline API)
        POST /api/preview                       the same body: the classifier's category, type,
                                                urgency and the routing they imply, before it
                                                is entered (operators, supervisors; nothing kept)
        GET  /api/callers?phone=                a caller's history (operators, supervisors)
        GET  /api/overdue                       the overdue and soon-due stages the user sees
        GET  /api/stats?from=&to=&by=[&format=csv]   the measures, with satisfaction
        GET  /api/calls?from=&to=               the hotlines' answer rate (supervisors)
        GET  /api/catalog                       departments, categories, regions, labels
        GET|POST /api/users, POST /api/config/check    the admins'
    Errors are {"error": ...}: 400 bad input, 401 no session, 403 not allowed (or no CSRF token),
    404 unknown or not visible, 409 not in a state for it, 423 account locked, 429 too many
    logins, 503 the database cannot be reached.
*/
#ifndef DESK_H
#define DESK_H

#include "sq_config.h"

typedef struct _desk_t desk_t;

//  Load the deadline rules, connect to the broker, listen on desk.address:desk.port.  config
//  is borrowed for the object's life.  NULL (logged) when any of that fails.
desk_t *desk_new(const sq_config_t *config);

//  Stop and free; safe on NULL and twice.
void desk_destroy(desk_t **self_p);

#endif
