/*  api: the desk's JSON API over complaints: lists, one complaint, and the people's actions,
    each one statement of sql/026_desk_api.sql run as the session's user (see desk.h). */
#include <ctype.h>
#include <curl/curl.h>
#include <czmq.h>
#include <openssl/evp.h>

#include "desk_app.h"
#include "sq_change.h"
#include "sq_deadline.h"
#include "sq_log.h"
#include "sq_number.h"

#define S_LIST_MAX 200

const sq_db_statement_t desk_statements[] = {
    {"desk_begin", "SELECT desk_begin($1, $2::int)::text"},
    {"login_find", "SELECT id, password_hash, CASE WHEN locked_until > now()"
                   " THEN iso_shanghai(locked_until) END, disabled FROM desk_login_find($1)"},
    {"login_failed", "SELECT iso_shanghai(desk_login_failed($1::int, $2::int))"},
    {"login_succeeded", "SELECT desk_login_succeeded($1::int, $2, $3, $4, $5::int)::text"},
    {"logout", "SELECT desk_logout($1)"},
    {"list", "SELECT desk_complaints($1::jsonb, $2::int, $3::int)::text"},
    {"one", "SELECT desk_complaint($1)::text"},
    {"attachment", "SELECT a->>'file_name', a->>'content_type', a->>'data'"
                   " FROM desk_attachment($1::bigint) a"},
    {"sign", "SELECT desk_sign($1)"},
    {"note", "SELECT desk_note($1, $2)"},
    {"reply", "SELECT desk_reply($1, $2)"},
    {"close", "SELECT desk_close($1, $2)"},
    {"co_opinion", "SELECT desk_co_opinion($1, $2)"},
    {"return", "SELECT desk_return_request($1, $2)"},
    {"return_review", "SELECT desk_return_decide($1, $2::boolean, $3)"},
    {"urge", "SELECT desk_urge($1, $2)"},
    {"callback", "SELECT desk_callback($1, $2, $3, $4::boolean)"},
    {"unmask", "SELECT desk_unmask($1)::text"},
    {"extend", "SELECT desk_extend($1, $2, $3, $4)"},
    {"extension", "SELECT desk_extension_decide($1, $2::boolean, $3)"},
    {"extension_settled", "SELECT desk_extension_settled($1)"},
    {"pause", "SELECT desk_pause($1, $2)"},
    {"resume", "SELECT desk_resume($1, $2)"},
    {"triage", "SELECT desk_correct($1, $2, $3, $4, $5)"},
    {"redispatch", "SELECT desk_redispatch($1, $2, string_to_array(nullif($3, ''), ','), $4)"},
    {"by_phone", "SELECT desk_by_phone($1)::text"},
    {"overdue", "SELECT desk_overdue()::text"},
    {"stats", "SELECT desk_stats($1::date, $2::date, $3)::text"},
    {"catalog", "SELECT desk_catalog()::text"},
    {"calls", "SELECT desk_calls($1::date, $2::date)::text"},
    {"users", "SELECT desk_users()::text"},
    {"user_put", "SELECT desk_user_put($1, $2, $3, $4, $5, $6::boolean)"},
    {"config_reload", "SELECT desk_config_reload()"},
    SQ_DEADLINE_STATEMENTS,
    SQ_CHANGE_STATEMENTS,
    {NULL, NULL},
};

static void s_error(sq_http_request_t *request, unsigned status, const char *message)
{
    sq_http_reply_json(request, status, json_pack("{s:s}", "error", message));
}

//  A query argument as a filter value: at most 100 characters.
static void s_filter(json_t *filter, sq_http_request_t *request, const char *name)
{
    const char *value = sq_http_query(request, name);
    if (value && *value && strlen(value) <= 100)
        json_object_set_new(filter, name, json_string(value));
}

void api_list(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    const char *limit_text = sq_http_query(request, "limit");
    const char *offset_text = sq_http_query(request, "offset");
    int limit = limit_text ? atoi(limit_text) : 50, offset = offset_text ? atoi(offset_text) : 0;
    if (limit < 1 || limit > S_LIST_MAX || offset < 0 || offset > 10000000) {
        s_error(request, 400, "limit is 1 to 200, offset 0 or more");
        return;
    }
    desk_session_t *session = desk_begin(self, request, false);
    if (!session)
        return;
    json_t *filter = json_object();
    const char *names[] = {"department", "state", "q", "light", "channel", "role", "waiting", NULL};
    for (const char *const *name = names; *name; name++)
        s_filter(filter, request, *name);
    char *filter_text = json_dumps(filter, JSON_COMPACT);
    json_decref(filter);
    char limit_value[16], offset_value[16];
    snprintf(limit_value, sizeof limit_value, "%d", limit);
    snprintf(offset_value, sizeof offset_value, "%d", offset);
    const char *values[] = {filter_text, limit_value, offset_value};
    PGresult *result = sq_db_exec(session->db, "list", 3, values);
    free(filter_text);
    if (!result)
        s_error(request, 503, "the list cannot be read now; try again");
    else
        sq_http_reply(request, 200, "application/json; charset=utf-8", PQgetvalue(result, 0, 0),
                      strlen(PQgetvalue(result, 0, 0)));
    PQclear(result);
    desk_end(self, &session, result != NULL);
}

void api_get(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    const char *number = sq_http_tail(request);
    if (!sq_number_valid(number)) {
        s_error(request, 404, "no such work order");
        return;
    }
    desk_session_t *session = desk_begin(self, request, false);
    if (!session)
        return;
    const char *values[] = {number};
    PGresult *result = sq_db_exec(session->db, "one", 1, values);
    if (!result)
        s_error(request, 503, "the work order cannot be read now; try again");
    else if (PQgetisnull(result, 0, 0))
        s_error(request, 404, "no such work order");
    else
        sq_http_reply(request, 200, "application/json; charset=utf-8", PQgetvalue(result, 0, 0),
                      strlen(PQgetvalue(result, 0, 0)));
    PQclear(result);
    desk_end(self, &session, result != NULL);
}

//  A media type safe to send as it is (type/subtype of token characters), else NULL.
static bool s_media_type_plain(const char *type)
{
    const char *slash = strchr(type, '/');
    if (!slash || slash == type || !slash[1] || strlen(type) > 100)
        return false;
    for (const char *c = type; *c && *c != ';'; c++)
        if (!isalnum((unsigned char) *c) && !strchr("/.+-_", *c))
            return false;
    return true;
}

void api_attachment(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    const char *id = sq_http_tail(request);
    if (!*id || strlen(id) > 18 || strspn(id, "0123456789") != strlen(id)) {
        s_error(request, 404, "no such attachment");
        return;
    }
    desk_session_t *session = desk_begin(self, request, false);
    if (!session)
        return;
    const char *values[] = {id};
    PGresult *result = sq_db_exec(session->db, "attachment", 1, values);
    bool found = result && PQntuples(result) == 1 && !PQgetisnull(result, 0, 2);
    if (!result)
        s_error(request, 503, "the attachment cannot be read now; try again");
    else if (!found)
        s_error(request, 404, "no such attachment");
    else {
        const char *data = PQgetvalue(result, 0, 2);
        size_t encoded = strlen(data);
        unsigned char *bytes = (unsigned char *) zmalloc(encoded / 4 * 3 + 3);
        int length = EVP_DecodeBlock(bytes, (const unsigned char *) data, (int) encoded);
        for (size_t i = encoded; length > 0 && i > 0 && data[i - 1] == '='; i--)
            length--;   //  EVP_DecodeBlock counts the padding as bytes
        //  RFC 6266 / 5987: the UTF-8 name percent-encoded
        char *name = curl_easy_escape(NULL, PQgetvalue(result, 0, 0), 0);
        char *disposition = zsys_sprintf("attachment; filename*=UTF-8''%s", name ? name : "file");
        curl_free(name);
        const char *type = PQgetvalue(result, 0, 1);
        sq_http_add_header(request, "Content-Disposition", disposition);
        sq_http_add_header(request, "X-Content-Type-Options", "nosniff");
        sq_http_add_header(request, "Content-Security-Policy", "default-src 'none'; sandbox");
        if (length < 0)
            s_error(request, 503, "the attachment is damaged");
        else
            sq_http_reply(request, 200, s_media_type_plain(type) ? type : "application/octet-stream",
                          (const char *) bytes, (size_t) length);
        zstr_free(&disposition);
        free(bytes);
    }
    PQclear(result);
    desk_end(self, &session, found);
}

//  --------------------------------------------------------------------------
//  Actions

//  An action: its statement, the body's text fields that become its values after the number
//  (NULL-terminated; a name starting with '?' is optional), and whether the deadlines are
//  recomputed after it (the statement after, when one is named, runs after that).
typedef struct {
    const char *name;
    const char *fields[6];
    bool settle;
    const char *after;
    const char *reason;      //  what the deadline events say moved them
} s_action_t;

static const s_action_t s_actions[] = {
    {"sign", {NULL}, false, NULL, NULL},
    {"note", {"text", NULL}, false, NULL, NULL},
    {"reply", {"text", NULL}, false, NULL, NULL},
    {"close", {"?result", NULL}, false, NULL, NULL},
    {"co_opinion", {"text", NULL}, false, NULL, NULL},
    {"return", {"reason", NULL}, false, NULL, NULL},
    {"return_review", {"approve", "?reason", NULL}, false, NULL, NULL},
    {"urge", {"message", NULL}, false, NULL, NULL},
    {"callback", {"satisfaction", "?note", "?reopen", NULL}, false, NULL, NULL},
    {"extend", {"stage", "by", "reason", NULL}, false, NULL, NULL},
    {"extension", {"approve", "?reason", NULL}, true, "extension_settled", "extension approved"},
    {"pause", {"reason", NULL}, false, NULL, NULL},
    {"resume", {"?note", NULL}, true, NULL, "the pause while waiting for the citizen ended"},
    {"triage", {"?category", "?type", "?urgency", "reason", NULL}, false, NULL, NULL},
    {"redispatch", {"department", "?co", "reason", NULL}, true, NULL, "re-dispatched (改派)"},
    {NULL, {NULL}, false, NULL, NULL},
};

//  PostgreSQL's message without its "ERROR:" and CONTEXT, for people.
static void s_clean(char *error)
{
    char *context = strstr(error, " CONTEXT:");
    if (context)
        *context = 0;
    if (strncmp(error, "ERROR:", 6) == 0) {
        size_t skip = 6 + strspn(error + 6, " ");
        memmove(error, error + skip, strlen(error + skip) + 1);
    }
}

//  A refusal's status: 403 when the user may not, 404 when the complaint is not to be seen,
//  409 when it is not in a state for it, 400 for what was sent.
static unsigned s_refusal_status(const char *why)
{
    if (strstr(why, "no such work order"))
        return 404;
    if (strstr(why, "may not") || strstr(why, "only its lead") || strstr(why, "permission"))
        return 403;
    if (strstr(why, "it is ") || strstr(why, "waits") || strstr(why, "no return") || strstr(why, "already"))
        return 409;
    return 400;
}

//  The body's field as the statement's text value (booleans as "true"/"false"), or NULL.
static const char *s_value(json_t *body, const char *name, char *scratch)
{
    json_t *value = json_object_get(body, name);
    if (json_is_boolean(value)) {
        strcpy(scratch, json_is_true(value) ? "true" : "false");
        return scratch;
    }
    const char *text = json_string_value(value);
    return text && *text ? text : NULL;
}

void api_action(void *app, sq_http_request_t *request)
{
    desk_t *self = (desk_t *) app;
    char number[40], name[32];
    const char *tail = sq_http_tail(request), *slash = strchr(tail, '/');
    if (!slash || (size_t) (slash - tail) >= sizeof number || strlen(slash + 1) >= sizeof name) {
        s_error(request, 404, "no such resource: POST /api/complaints/NUMBER/ACTION");
        return;
    }
    snprintf(number, sizeof number, "%.*s", (int) (slash - tail), tail);
    snprintf(name, sizeof name, "%s", slash + 1);
    const s_action_t *action = NULL;
    bool unmask = streq(name, "unmask");
    for (const s_action_t *a = s_actions; a->name && !action; a++)
        if (streq(a->name, name))
            action = a;
    if ((!action && !unmask) || !sq_number_valid(number)) {
        s_error(request, 404, "no such work order or action");
        return;
    }
    const char *problem = NULL;
    size_t length = 0;
    sq_http_body(request, &length);
    json_t *body = length ? sq_http_json_body(request, &problem) : json_object();
    if (!json_is_object(body)) {
        json_decref(body);
        s_error(request, 400, problem ? problem : "send a JSON object");
        return;
    }
    desk_session_t *session = desk_begin(self, request, true);
    if (!session) {
        json_decref(body);
        return;
    }
    if (unmask) {
        const char *values[] = {number};
        PGresult *result = sq_db_exec(session->db, "unmask", 1, values);
        bool done = result && !PQgetisnull(result, 0, 0);
        if (!result) {
            char why[512];
            snprintf(why, sizeof why, "%s", sq_db_error(session->db));
            s_clean(why);
            s_error(request, strstr(why, "may not") ? 403 : 503, why);
        }
        else if (!done)
            s_error(request, 404, "no such work order");
        else
            sq_http_reply(request, 200, "application/json; charset=utf-8", PQgetvalue(result, 0, 0),
                          strlen(PQgetvalue(result, 0, 0)));
        PQclear(result);
        desk_end(self, &session, done);
        json_decref(body);
        return;
    }
    //  The values: the number, then each field of the action.
    const char *values[8] = {number};
    char scratch[6][8];
    int count = 1;
    for (int i = 0; action->fields[i]; i++) {
        bool optional = action->fields[i][0] == '?';
        const char *field = action->fields[i] + (optional ? 1 : 0);
        values[count] = s_value(body, field, scratch[i]);
        if (!values[count] && !optional) {
            char *message = zsys_sprintf("%s is required", field);
            s_error(request, 400, message);
            zstr_free(&message);
            desk_end(self, &session, false);
            json_decref(body);
            return;
        }
        count++;
    }
    char error[600] = "";
    bool done = false;
    pthread_rwlock_rdlock(&self->rules_lock);   //  the calendar and SLA policies, below
    if (streq(name, "extend")) {
        sq_duration_t asked;
        if (sq_duration_parse(values[2], &asked))
            snprintf(error, sizeof error, "by: a duration such as 5wd, 8wh or 24h");
        else if (sq_change_extension_allowed(session->db, self->sla, number, values[1], &asked,
                                             error, sizeof error) == 0)
            done = true;
    }
    else
        done = true;
    char actor[80];
    snprintf(actor, sizeof actor, "user:%s", desk_login(session));
    if (done && action->settle) {
        bool approve = !streq(name, "extension") || streq(values[1], "true");
        done = sq_change_run(session->db, self->sla, self->calendar, action->name, count, values,
                             approve ? action->after : NULL, number, actor, action->reason, false,
                             error, sizeof error) == 0;
    }
    else if (done) {
        PGresult *result = sq_db_exec(session->db, action->name, count, values);
        if (!result)
            snprintf(error, sizeof error, "%s", sq_db_error(session->db));
        else if (!PQgetisnull(result, 0, 0))
            snprintf(error, sizeof error, "%s", PQgetvalue(result, 0, 0));
        done = result && PQgetisnull(result, 0, 0);
        PQclear(result);
    }
    pthread_rwlock_unlock(&self->rules_lock);
    bool committed = done && desk_end(self, &session, true) == 0;
    if (!done)
        desk_end(self, &session, false);
    json_decref(body);
    if (committed) {
        sq_info("desk: %s %s complaint=%s", actor, name, number);
        //  Back to routing (a return approved): hand it to suqiu.route now, not at the next sweep.
        if ((streq(name, "return_review") && streq(values[1], "true")) || streq(name, "triage")) {
            zmsg_t *handoff = zmsg_new();
            zmsg_addstr(handoff, "new");
            zmsg_addstr(handoff, number);
            char *answer = NULL;
            sq_submit_ask(self->submit, "suqiu.route", &handoff, &answer);
            free(answer);
        }
        sq_http_reply_json(request, 200, json_pack("{s:s, s:s}", "number", number, "done", name));
    }
    else if (done)
        s_error(request, 503, "the change could not be committed; try again");
    else {
        bool database = strncmp(error, "ERROR:", 6) == 0;
        s_clean(error);
        unsigned status = strstr(error, "may not do that") || strstr(error, "no user is logged in") ? 403
                          : database && !strstr(error, "violates") ? 503 : s_refusal_status(error);
        s_error(request, status, error);
    }
}
