/*  desk: the staff desks' server: sessions, one transaction per request as its user, the
    login with its lockout, and the pages (see desk.h). */
#include "desk.h"

#include <czmq.h>

#include "desk_app.h"
#include "sq_deadline.h"
#include "sq_log.h"
#include "sq_password.h"
#include "sq_token.h"

#define S_COOKIE "suqiu_desk"
#define S_RATE_KEYS 100000
//  A hash libsodium made of a password nobody has, checked when the login is unknown, so that
//  an unknown login takes as long as a wrong password.
#define S_NOBODY_PASSWORD "no such account, ever"

//  --------------------------------------------------------------------------
//  Sessions and transactions

static char *s_cookie_hash(sq_http_request_t *request)
{
    const char *cookie = sq_http_cookie(request, S_COOKIE);
    if (!cookie || strlen(cookie) != 64 || strspn(cookie, "0123456789abcdef") != 64)
        return NULL;
    char *hash = (char *) zmalloc(65);
    sq_token_sha256(cookie, hash);
    return hash;
}

static void s_error(sq_http_request_t *request, unsigned status, const char *message)
{
    sq_http_reply_json(request, status, json_pack("{s:s}", "error", message));
}

desk_session_t *desk_begin(desk_t *self, sq_http_request_t *request, bool changes)
{
    char *hash = s_cookie_hash(request);
    if (!hash) {
        s_error(request, 401, "log in first");
        return NULL;
    }
    sq_db_t *db = sq_dbpool_take(self->pool);
    char idle[16];
    snprintf(idle, sizeof idle, "%d", self->config->desk_idle_minutes);
    const char *values[] = {hash, idle};
    PGresult *result = sq_db_command(db, "BEGIN") == 0 ? sq_db_exec(db, "desk_begin", 2, values) : NULL;
    free(hash);
    if (!result) {
        sq_dbpool_give(self->pool, db);
        s_error(request, 503, "the database cannot be reached; try again in a moment");
        return NULL;
    }
    json_t *user = PQgetisnull(result, 0, 0) ? NULL : json_loads(PQgetvalue(result, 0, 0), 0, NULL);
    PQclear(result);
    if (!user) {
        sq_dbpool_give(self->pool, db);
        s_error(request, 401, "the session has ended: log in again");
        return NULL;
    }
    const char *sent = sq_http_header(request, "X-CSRF-Token");
    const char *csrf = json_string_value(json_object_get(user, "csrf"));
    if (changes && (!sent || !csrf || !sq_token_equal(sent, csrf))) {
        json_decref(user);
        sq_dbpool_give(self->pool, db);
        sq_warn_limited("desk: a change without the session's CSRF token from %s", sq_http_client(request));
        s_error(request, 403, "the request lacks the session's CSRF token (X-CSRF-Token)");
        return NULL;
    }
    desk_session_t *session = (desk_session_t *) zmalloc(sizeof *session);
    session->db = db;
    session->user = user;
    return session;
}

int desk_end(desk_t *self, desk_session_t **session_p, bool commit)
{
    desk_session_t *session = *session_p;
    int rc = 0;
    if (commit && sq_db_command(session->db, "COMMIT"))
        rc = -1;
    sq_dbpool_give(self->pool, session->db);   //  rolls back what is left open
    json_decref(session->user);
    free(session);
    *session_p = NULL;
    return rc;
}

static const char *s_user_field(desk_session_t *session, const char *name)
{
    const char *value = json_string_value(json_object_get(session->user, name));
    return value ? value : "";
}

const char *desk_role(desk_session_t *session)
{
    return s_user_field(session, "role");
}

const char *desk_department(desk_session_t *session)
{
    return s_user_field(session, "department");
}

const char *desk_login(desk_session_t *session)
{
    return s_user_field(session, "login");
}

//  --------------------------------------------------------------------------
//  Logging in and out

static void s_login(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    int retry_after = 60;
    if (!sq_ratelimit_allow(self->logins, sq_http_client(request), &retry_after)) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%d", retry_after);
        sq_http_add_header(request, "Retry-After", seconds);
        s_error(request, 429, "too many logins from your address; wait a minute");
        return;
    }
    const char *problem = NULL;
    json_t *body = sq_http_json_body(request, &problem);
    const char *login = json_string_value(json_object_get(body, "user"));
    const char *password = json_string_value(json_object_get(body, "password"));
    if (!body || !login || !password || strlen(login) > 64 || strlen(password) > 256) {
        json_decref(body);
        s_error(request, 400, problem ? problem : "send {\"user\": ..., \"password\": ...}");
        return;
    }
    sq_db_t *db = sq_dbpool_take(self->pool);
    const char *values[] = {login};
    PGresult *found = sq_db_exec(db, "login_find", 1, values);
    if (!found) {
        sq_dbpool_give(self->pool, db);
        json_decref(body);
        s_error(request, 503, "the database cannot be reached; try again in a moment");
        return;
    }
    bool known = PQntuples(found) == 1;
    const char *id = known ? PQgetvalue(found, 0, 0) : NULL;
    bool locked = known && !PQgetisnull(found, 0, 2);
    bool disabled = known && PQgetvalue(found, 0, 3)[0] == 't';
    bool right = known && sq_password_check(PQgetvalue(found, 0, 1), password);
    if (!known) {
        char nobody[SQ_PASSWORD_HASH_MAX];
        if (sq_password_hash(S_NOBODY_PASSWORD, nobody) == 0)
            sq_password_check(nobody, password);   //  the same time as a wrong password
    }
    if (locked) {
        char *message = zsys_sprintf("this account is locked after five wrong passwords, until %s",
                                     PQgetvalue(found, 0, 2));
        s_error(request, 423, message);
        zstr_free(&message);
        sq_warn_limited("desk: a login to the locked account %s from %s", login, sq_http_client(request));
    }
    else if (!right || disabled) {
        if (known && !disabled) {
            char minutes[16];
            snprintf(minutes, sizeof minutes, "%d", self->config->desk_lockout_minutes);
            const char *failed[] = {id, minutes};
            PGresult *result = sq_db_exec(db, "login_failed", 2, failed);
            if (result && !PQgetisnull(result, 0, 0))
                sq_warn("desk: %s is locked after five wrong passwords (the last from %s)", login,
                        sq_http_client(request));
            PQclear(result);
        }
        sq_info_limited("desk: a failed login as %s from %s", login, sq_http_client(request));
        s_error(request, 401, "wrong user or password");
    }
    else {
        char token[65], hash[65], csrf[33], hours[16];
        snprintf(hours, sizeof hours, "%d", self->config->desk_session_hours);
        if (sq_token_random_hex(token, 32) || sq_token_random_hex(csrf, 16)) {
            s_error(request, 503, "no randomness for a session; try again");
        }
        else {
            sq_token_sha256(token, hash);
            const char *opened[] = {id, hash, csrf, sq_http_client(request), hours};
            PGresult *result = sq_db_exec(db, "login_succeeded", 5, opened);
            json_t *user = result ? json_loads(PQgetvalue(result, 0, 0), 0, NULL) : NULL;
            PQclear(result);
            if (!user)
                s_error(request, 503, "the database cannot be reached; try again in a moment");
            else {
                char *cookie = zsys_sprintf(S_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d",
                                            token, self->config->desk_session_hours * 3600);
                sq_http_add_header(request, "Set-Cookie", cookie);
                zstr_free(&cookie);
                json_object_set_new(user, "csrf", json_string(csrf));
                sq_info("desk: %s logged in from %s", login, sq_http_client(request));
                sq_http_reply_json(request, 200, user);
            }
        }
    }
    PQclear(found);
    sq_dbpool_give(self->pool, db);
    json_decref(body);
}

static void s_logout(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    desk_session_t *session = desk_begin(self, request, true);
    if (!session)
        return;
    char *hash = s_cookie_hash(request);
    const char *values[] = {hash};
    PGresult *result = sq_db_exec(session->db, "logout", 1, values);
    PQclear(result);
    free(hash);
    desk_end(self, &session, result != NULL);
    sq_http_add_header(request, "Set-Cookie", S_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    sq_http_reply_json(request, 200, json_pack("{s:s}", "status", "logged out"));
}

static void s_session(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    desk_session_t *session = desk_begin(self, request, false);
    if (!session)
        return;
    json_t *user = json_incref(session->user);
    desk_end(self, &session, true);
    sq_http_reply_json(request, 200, user);
}

//  --------------------------------------------------------------------------
//  Pages

static void s_page(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    sq_http_add_header(request, "Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    sq_http_reply_file(request, self->static_dir, "index.html", 0);
}

static void s_static(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    sq_http_reply_file(request, self->static_dir, sq_http_tail(request), 300);
}

//  The vendored scripts (Apache ECharts), from the npm package beside the pages.
static void s_vendor(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    char *dist = zsys_sprintf("%s/../node_modules/echarts/dist", self->static_dir);
    sq_http_reply_file(request, dist, sq_http_tail(request), 86400);
    zstr_free(&dist);
}

static void s_http_error(void *app, sq_http_request_t *request, unsigned status, const char *field,
                         const char *message)
{
    (void) app;
    json_t *error = json_pack("{s:s}", "error", message);
    if (field)
        json_object_set_new(error, "field", json_string(field));
    sq_http_reply_json(request, status, error);
}

static const sq_http_route_t s_routes[] = {
    {"GET", "/", s_page},
    {"GET", "/static/*", s_static},
    {"GET", "/vendor/*", s_vendor},
    {"POST", "/api/login", s_login},
    {"POST", "/api/logout", s_logout},
    {"GET", "/api/session", s_session},
    {"GET", "/api/complaints", api_list},
    {"POST", "/api/complaints", board_new_complaint},
    {"POST", "/api/preview", board_preview},
    {"GET", "/api/complaints/*", api_get},
    {"POST", "/api/complaints/*", api_action},
    {"GET", "/api/attachments/*", api_attachment},
    {"GET", "/api/callers", board_callers},
    {"GET", "/api/overdue", board_overdue},
    {"GET", "/api/stats", board_stats},
    {"GET", "/api/calls", board_calls},
    {"GET", "/api/catalog", board_catalog},
    {"GET", "/api/users", board_users},
    {"POST", "/api/users", board_user_put},
    {"POST", "/api/config/check", board_config_check},
    {NULL, NULL, NULL},
};

desk_t *desk_new(const sq_config_t *config)
{
    desk_t *self = (desk_t *) zmalloc(sizeof *self);
    self->config = config;
    pthread_rwlock_init(&self->rules_lock, NULL);
    char error[1024];
    char *dir = sq_config_catalog_dir(config);
    char *sla_path = zsys_sprintf("%s/sla.yaml", dir);
    self->calendar = sq_calendar_load_dir(dir, error, sizeof error);
    if (self->calendar)
        self->sla = sq_sla_load(sla_path, error, sizeof error);
    free(dir);
    zstr_free(&sla_path);
    if (!self->sla) {
        sq_error("%s", error);
        desk_destroy(&self);
        return NULL;
    }
    self->submit = sq_submit_open(config, config->desk_broker_timeout_ms,
                                  config->desk_broker_retries, NULL, false);
    if (!self->submit) {
        desk_destroy(&self);
        return NULL;
    }
    char *conninfo = sq_config_desk_conninfo(config);
    self->pool = sq_dbpool_new(conninfo, "suqiu-desk", desk_statements, config->desk_threads);
    free(conninfo);
    self->logins = sq_ratelimit_new(config->desk_logins_per_minute, S_RATE_KEYS);
    self->static_dir = sq_config_desk_static_dir(config);
    sq_http_setup_t http = {
        .name = "desk",
        .address = config->desk_address,
        .port = config->desk_port,
        .threads = config->desk_threads,
        .max_body_bytes = 65536,
        .timeout_s = 60,
        .routes = s_routes,
        .error = s_http_error,
        .app = self,
    };
    if (!(self->http = sq_http_new(&http)))
        desk_destroy(&self);
    return self;
}

void desk_destroy(desk_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    desk_t *self = *self_p;
    sq_http_destroy(&self->http);
    sq_dbpool_destroy(&self->pool);
    sq_submit_destroy(&self->submit);
    sq_ratelimit_destroy(&self->logins);
    sq_sla_destroy(&self->sla);
    sq_calendar_destroy(&self->calendar);
    pthread_rwlock_destroy(&self->rules_lock);
    free(self->static_dir);
    free(self);
    *self_p = NULL;
}
