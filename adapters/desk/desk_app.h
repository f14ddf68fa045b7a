/*  desk_app: what the desk's plumbing (desk.c: sessions, transactions, pages) and its API
    (api.c: complaints and actions) share.  Internal to adapters/desk.
*/
#ifndef DESK_APP_H
#define DESK_APP_H

#include <jansson.h>
#include <stdbool.h>

#include "desk.h"
#include <pthread.h>

#include "sq_calendar.h"
#include "sq_dbpool.h"
#include "sq_http.h"
#include "sq_ratelimit.h"
#include "sq_sla.h"
#include "sq_submit.h"

struct _desk_t {
    const sq_config_t *config;   //  borrowed
    pthread_rwlock_t rules_lock; //  read while calendar and sla are used, written to swap them
    sq_calendar_t *calendar;     //  at a reload of the configuration
    sq_sla_t *sla;
    sq_dbpool_t *pool;
    sq_submit_t *submit;         //  to the broker: hand-offs to routing
    sq_ratelimit_t *logins;      //  per client address
    char *static_dir;
    sq_http_t *http;
};

//  One request's transaction as its session's user.
typedef struct {
    sq_db_t *db;       //  borrowed from the pool until desk_end
    json_t *user;      //  {"id", "login", "name", "role", "department", "department_name", "csrf"}
} desk_session_t;

//  The prepared statements of the desk's connections (api.c's and desk.c's).
extern const sq_db_statement_t desk_statements[];

//  Begin the request's transaction as the user of its session cookie.  changes: the request
//  changes something, so it must carry the session's CSRF token.  Returns the session (end it
//  with desk_end), or NULL after answering 401, 403 or 503.
desk_session_t *desk_begin(desk_t *self, sq_http_request_t *request, bool changes);

//  Commit (or roll back) and give the connection back; frees the session.  Returns 0, or -1
//  when the commit failed (logged).
int desk_end(desk_t *self, desk_session_t **session_p, bool commit);

//  The user's role, department ("" when none) and login; borrowed from the session.
const char *desk_role(desk_session_t *session);
const char *desk_department(desk_session_t *session);
const char *desk_login(desk_session_t *session);

//  The API's routes: complaints (api.c), and the boards (board.c).
void api_list(void *app, sq_http_request_t *request);
void api_get(void *app, sq_http_request_t *request);
void api_action(void *app, sq_http_request_t *request);
void api_attachment(void *app, sq_http_request_t *request);
void board_new_complaint(void *app, sq_http_request_t *request);
void board_preview(void *app, sq_http_request_t *request);
void board_callers(void *app, sq_http_request_t *request);
void board_overdue(void *app, sq_http_request_t *request);
void board_stats(void *app, sq_http_request_t *request);
void board_calls(void *app, sq_http_request_t *request);
void board_catalog(void *app, sq_http_request_t *request);
void board_users(void *app, sq_http_request_t *request);
void board_user_put(void *app, sq_http_request_t *request);
void board_config_check(void *app, sq_http_request_t *request);

#endif
