/*  sq_config: load config/hub.yaml with libyaml into sq_config_t (see sq_config.h). */
#include "sq_config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sq_alloc.h"

typedef enum { S_STRING, S_INT } s_key_type_t;

typedef struct {
    const char *section;
    const char *key;
    s_key_type_t type;
    size_t offset;
    const char *default_text;   //  for strings
    const char *allowed;        //  for strings: space-separated allowed values, or NULL
    int default_int, min, max;  //  for integers
} s_key_t;

#define S_STR(sec, k, field, def) {sec, k, S_STRING, offsetof(sq_config_t, field), def, NULL, 0, 0, 0}
#define S_ONE_OF(sec, k, field, def, allowed) \
    {sec, k, S_STRING, offsetof(sq_config_t, field), def, allowed, 0, 0, 0}
#define S_INT(sec, k, field, def, lo, hi) \
    {sec, k, S_INT, offsetof(sq_config_t, field), NULL, NULL, def, lo, hi}

static const s_key_t s_keys[] = {
    S_STR("database", "conninfo", database_conninfo, ""),
    S_STR("database", "name", database_name, "suqiu"),
    S_STR("broker", "client_endpoint", broker_client_endpoint, "tcp://127.0.0.1:5555"),
    S_STR("broker", "worker_endpoint", broker_worker_endpoint, "tcp://127.0.0.1:5556"),
    S_INT("broker", "heartbeat_ms", broker_heartbeat_ms, 2500, 100, 60000),
    S_INT("broker", "liveness", broker_liveness, 3, 1, 100),
    S_INT("broker", "queue_max", broker_queue_max, 100000, 1, 10000000),
    S_INT("broker", "request_ttl_ms", broker_request_ttl_ms, 30000, 100, 3600000),
    S_STR("worker", "services", worker_services,
          "suqiu.intake,suqiu.lookup,suqiu.classify,suqiu.route,suqiu.calls,suqiu.outbox"),
    S_INT("worker", "sessions", worker_sessions, 32, 1, 1024),
    S_INT("worker", "reconnect_ms", worker_reconnect_ms, 1000, 10, 60000),
    S_INT("worker", "batch_max", worker_batch_max, 64, 1, 10000),
    S_INT("worker", "batch_wait_ms", worker_batch_wait_ms, 1, 0, 1000),
    S_INT("worker", "sweep_interval_ms", worker_sweep_interval_ms, 5000, 100, 3600000),
    S_INT("worker", "stale_after_s", worker_stale_after_s, 30, 1, 86400),
    S_INT("worker", "deadline_watch_ms", worker_deadline_watch_ms, 10000, 0, 3600000),
    S_INT("worker", "remind_percent", worker_remind_percent, 75, 1, 99),
    S_STR("hotline", "address", hotline_address, "127.0.0.1"),
    S_INT("hotline", "port", hotline_port, 8081, 1, 65535),
    S_INT("hotline", "threads", hotline_threads, 16, 1, 1024),
    S_INT("hotline", "max_body_bytes", hotline_max_body_bytes, 65536, 1024, 16777216),
    S_INT("hotline", "broker_timeout_ms", hotline_broker_timeout_ms, 2500, 10, 600000),
    S_INT("hotline", "broker_retries", hotline_broker_retries, 3, 1, 100),
    S_STR("web", "address", web_address, "127.0.0.1"),
    S_INT("web", "port", web_port, 8080, 1, 65535),
    S_INT("web", "threads", web_threads, 8, 1, 1024),
    S_INT("web", "max_body_bytes", web_max_body_bytes, 65536, 1024, 16777216),
    S_INT("web", "broker_timeout_ms", web_broker_timeout_ms, 1500, 10, 600000),
    S_INT("web", "broker_retries", web_broker_retries, 2, 1, 100),
    S_STR("web", "api_keys", web_api_keys, "dev-open311-key"),
    S_STR("web", "secret", web_secret, ""),
    S_INT("web", "submissions_per_minute", web_submissions_per_minute, 10, 1, 100000),
    S_INT("web", "lookups_per_minute", web_lookups_per_minute, 30, 1, 100000),
    S_STR("web", "pages_dir", web_pages_dir, ""),
    S_STR("desk", "address", desk_address, "127.0.0.1"),
    S_INT("desk", "port", desk_port, 8090, 1, 65535),
    S_INT("desk", "threads", desk_threads, 8, 1, 256),
    S_STR("desk", "conninfo", desk_conninfo, ""),
    S_STR("desk", "static_dir", desk_static_dir, ""),
    S_INT("desk", "session_hours", desk_session_hours, 12, 1, 720),
    S_INT("desk", "idle_minutes", desk_idle_minutes, 30, 1, 1440),
    S_INT("desk", "lockout_minutes", desk_lockout_minutes, 15, 1, 1440),
    S_INT("desk", "logins_per_minute", desk_logins_per_minute, 20, 1, 100000),
    S_INT("desk", "broker_timeout_ms", desk_broker_timeout_ms, 2500, 10, 600000),
    S_INT("desk", "broker_retries", desk_broker_retries, 2, 1, 100),
    S_STR("wechat", "address", wechat_address, "127.0.0.1"),
    S_INT("wechat", "port", wechat_port, 8082, 1, 65535),
    S_STR("wechat", "path", wechat_path, "/wechat"),
    S_INT("wechat", "threads", wechat_threads, 8, 1, 256),
    S_STR("wechat", "token", wechat_token, "devtoken"),
    S_STR("wechat", "appid", wechat_appid, "wxdev0000000000001"),
    S_STR("wechat", "encoding_aes_key", wechat_encoding_aes_key,
          "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
    S_STR("wechat", "app_secret", wechat_app_secret, "devsecret"),
    S_STR("wechat", "api_base", wechat_api_base, "https://api.weixin.qq.com"),
    S_INT("wechat", "replay_window_s", wechat_replay_window_s, 300, 10, 86400),
    S_INT("wechat", "follow_minutes", wechat_follow_minutes, 10, 1, 1440),
    S_INT("wechat", "ack_after_s", wechat_ack_after_s, 20, 0, 3600),
    S_INT("wechat", "broker_timeout_ms", wechat_broker_timeout_ms, 1500, 10, 600000),
    S_INT("wechat", "broker_retries", wechat_broker_retries, 2, 1, 100),
    S_INT("wechat", "send_interval_ms", wechat_send_interval_ms, 1000, 10, 600000),
    S_INT("wechat", "send_max_tries", wechat_send_max_tries, 8, 1, 100),
    S_STR("email", "lmtp_address", email_lmtp_address, "127.0.0.1"),
    S_INT("email", "lmtp_port", email_lmtp_port, 2424, 0, 65535),
    S_STR("email", "hostname", email_hostname, "suqiu.city.example"),
    S_STR("email", "mailboxes", email_mailboxes, "12345@city.example,12315@city.example"),
    S_INT("email", "connections", email_connections, 16, 1, 1024),
    S_INT("email", "idle_timeout_s", email_idle_timeout_s, 300, 1, 3600),
    S_INT("email", "max_message_bytes", email_max_message_bytes, 26214400, 1024, 104857600),
    S_INT("email", "max_attachment_bytes", email_max_attachment_bytes, 10485760, 1, 104857600),
    S_STR("email", "ack_domain", email_ack_domain, "suqiu.city.example"),
    S_STR("email", "from_address", email_from_address, "12345@city.example"),
    S_STR("email", "from_name", email_from_name, "12345 政务服务便民热线"),
    S_STR("email", "smtp_url", email_smtp_url, "smtp://127.0.0.1:25"),
    S_INT("email", "broker_timeout_ms", email_broker_timeout_ms, 2500, 10, 600000),
    S_INT("email", "broker_retries", email_broker_retries, 2, 1, 100),
    S_INT("email", "send_interval_ms", email_send_interval_ms, 1000, 10, 600000),
    S_INT("email", "send_max_tries", email_send_max_tries, 10, 1, 100),
    S_STR("catalog", "dir", catalog_dir, ""),
    S_STR("classify", "model_dir", classify_model_dir, ""),
    S_INT("classify", "min_confidence_percent", classify_min_confidence_percent, 40, 0, 100),
    S_INT("classify", "duplicate_window_hours", classify_duplicate_window_hours, 72, 0, 8760),
    S_INT("classify", "duplicate_max_distance", classify_duplicate_max_distance, 12, 0, 64),
    S_INT("classify", "duplicate_shingle", classify_duplicate_shingle, 2, 1, 8),
    S_INT("classify", "repeat_merge_percent", classify_repeat_merge_percent, 40, 1, 100),
    S_INT("classify", "repeat_suggest_percent", classify_repeat_suggest_percent, 25, 1, 100),
    S_STR("spool", "dir", spool_dir, ""),
    S_INT("spool", "replay_ms", spool_replay_ms, 1000, 10, 600000),
    S_INT("limits", "title_max_chars", limits_title_max_chars, 200, 1, 10000),
    S_INT("limits", "content_max_chars", limits_content_max_chars, 4000, 1, 1000000),
    S_INT("limits", "field_max_chars", limits_field_max_chars, 500, 1, 100000),
    S_ONE_OF("log", "level", log_level, "info", "debug info warn error"),
};
#define S_KEY_COUNT (sizeof s_keys / sizeof s_keys[0])

static char **s_string_field(sq_config_t *self, const s_key_t *key)
{
    return (char **) ((char *) self + key->offset);
}

static int *s_int_field(sq_config_t *self, const s_key_t *key)
{
    return (int *) ((char *) self + key->offset);
}

sq_config_t *sq_config_defaults(void)
{
    sq_config_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    for (size_t i = 0; i < S_KEY_COUNT; i++) {
        if (s_keys[i].type == S_STRING)
            *s_string_field(self, &s_keys[i]) = sq_strdup(s_keys[i].default_text);
        else
            *s_int_field(self, &s_keys[i]) = s_keys[i].default_int;
    }
    self->path = sq_strdup("(defaults)");
    self->root = sq_strdup(".");
    return self;
}

void sq_config_destroy(sq_config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sq_config_t *self = *self_p;
    for (size_t i = 0; i < S_KEY_COUNT; i++)
        if (s_keys[i].type == S_STRING)
            free(*s_string_field(self, &s_keys[i]));
    free(self->path);
    free(self->root);
    free(self);
    *self_p = NULL;
}

static const s_key_t *s_find_key(const char *section, const char *key)
{
    for (size_t i = 0; i < S_KEY_COUNT; i++)
        if (strcmp(s_keys[i].section, section) == 0 && strcmp(s_keys[i].key, key) == 0)
            return &s_keys[i];
    return NULL;
}

static bool s_section_known(const char *section)
{
    for (size_t i = 0; i < S_KEY_COUNT; i++)
        if (strcmp(s_keys[i].section, section) == 0)
            return true;
    return false;
}

//  True when text is one of the space-separated words in allowed.
static bool s_one_of(const char *text, const char *allowed)
{
    size_t length = strlen(text);
    for (const char *word = allowed; *word;) {
        size_t word_length = strcspn(word, " ");
        if (word_length == length && strncmp(word, text, length) == 0)
            return true;
        word += word_length;
        word += strspn(word, " ");
    }
    return false;
}

//  Set one value from its text; returns 0 or -1 with a message in error.
static int s_set_value(sq_config_t *self, const s_key_t *key, const char *text, char *error,
                       size_t error_size)
{
    if (key->type == S_STRING) {
        if (key->allowed && !s_one_of(text, key->allowed)) {
            snprintf(error, error_size, "must be one of: %s; got \"%s\"", key->allowed, text);
            return -1;
        }
        char **field = s_string_field(self, key);
        free(*field);
        *field = sq_strdup(text);
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || end == text || *end || value < key->min || value > key->max) {
        snprintf(error, error_size, "must be a whole number from %d to %d, got \"%s\"", key->min,
                 key->max, text);
        return -1;
    }
    *s_int_field(self, key) = (int) value;
    return 0;
}

//  The parse state while walking the events of one document.
typedef struct {
    yaml_parser_t parser;
    const char *path;
    char *error;
    size_t error_size;
} s_reader_t;

static int s_fail(s_reader_t *reader, size_t line, const char *format, ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    snprintf(reader->error, reader->error_size, "%s:%zu: %s", reader->path, line + 1, message);
    return -1;
}

//  Next event; returns 0, or -1 with the parser's own error.
static int s_next(s_reader_t *reader, yaml_event_t *event)
{
    if (yaml_parser_parse(&reader->parser, event))
        return 0;
    return s_fail(reader, reader->parser.problem_mark.line, "YAML syntax: %s",
                  reader->parser.problem ? reader->parser.problem : "unreadable");
}

static const char *s_scalar(yaml_event_t *event)
{
    return (const char *) event->data.scalar.value;
}

//  Read one section's mapping of key: value; the MAPPING_START is consumed already.
static int s_read_section(s_reader_t *reader, sq_config_t *self, const char *section)
{
    char seen[S_KEY_COUNT] = {0};
    while (true) {
        yaml_event_t key_event, value_event;
        if (s_next(reader, &key_event))
            return -1;
        if (key_event.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key_event);
            return 0;
        }
        size_t line = key_event.start_mark.line;
        if (key_event.type != YAML_SCALAR_EVENT) {
            yaml_event_delete(&key_event);
            return s_fail(reader, line, "%s: expected a key", section);
        }
        char key[128];
        snprintf(key, sizeof key, "%s", s_scalar(&key_event));
        yaml_event_delete(&key_event);
        const s_key_t *known = s_find_key(section, key);
        if (!known)
            return s_fail(reader, line, "%s.%s: unknown key", section, key);
        if (seen[known - s_keys]++)
            return s_fail(reader, line, "%s.%s: given twice", section, key);
        if (s_next(reader, &value_event))
            return -1;
        line = value_event.start_mark.line;
        if (value_event.type != YAML_SCALAR_EVENT) {
            yaml_event_delete(&value_event);
            return s_fail(reader, line, "%s.%s: expected a single value", section, key);
        }
        char message[256];
        int rc = s_set_value(self, known, s_scalar(&value_event), message, sizeof message);
        yaml_event_delete(&value_event);
        if (rc)
            return s_fail(reader, line, "%s.%s: %s", section, key, message);
    }
}

//  Walk the whole document: a mapping of section names to mappings.
static int s_read_document(s_reader_t *reader, sq_config_t *self)
{
    yaml_event_t event;
    bool in_top = false;
    while (true) {
        if (s_next(reader, &event))
            return -1;
        yaml_event_type_t type = event.type;
        size_t line = event.start_mark.line;
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&event);
            return 0;
        }
        if (type == YAML_STREAM_START_EVENT || type == YAML_DOCUMENT_START_EVENT
            || type == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&event);
            continue;
        }
        if (!in_top) {
            yaml_event_delete(&event);
            if (type == YAML_SCALAR_EVENT)
                continue;   //  an empty document is a scalar null
            if (type != YAML_MAPPING_START_EVENT)
                return s_fail(reader, line, "the top level must be a mapping of sections");
            in_top = true;
            continue;
        }
        if (type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&event);
            in_top = false;
            continue;
        }
        if (type != YAML_SCALAR_EVENT) {
            yaml_event_delete(&event);
            return s_fail(reader, line, "expected a section name");
        }
        char section[128];
        snprintf(section, sizeof section, "%s", s_scalar(&event));
        yaml_event_delete(&event);
        if (!s_section_known(section))
            return s_fail(reader, line, "%s: unknown section", section);
        if (s_next(reader, &event))
            return -1;
        type = event.type;
        line = event.start_mark.line;
        yaml_event_delete(&event);
        if (type == YAML_SCALAR_EVENT)
            continue;   //  "section:" with nothing under it keeps the defaults
        if (type != YAML_MAPPING_START_EVENT)
            return s_fail(reader, line, "%s: expected a mapping of keys", section);
        if (s_read_section(reader, self, section))
            return -1;
    }
}

static char *s_root_of(const char *path)
{
    char resolved[PATH_MAX];
    if (!realpath(path, resolved))
        return sq_strdup(".");
    char *folder = dirname(resolved);       //  .../config
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", folder);
    return sq_strdup(dirname(parent));       //  ...
}

sq_config_t *sq_config_load(const char *path, char *error, size_t error_size)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(error, error_size, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    sq_config_t *self = sq_config_defaults();
    free(self->path);
    self->path = sq_strdup(path);
    free(self->root);
    self->root = s_root_of(path);

    s_reader_t reader = {.path = path, .error = error, .error_size = error_size};
    yaml_parser_initialize(&reader.parser);
    yaml_parser_set_input_file(&reader.parser, file);
    int rc = s_read_document(&reader, self);
    yaml_parser_delete(&reader.parser);
    fclose(file);

    if (rc) {
        sq_config_destroy(&self);
        return NULL;
    }
    return self;
}

char *sq_config_conninfo(const sq_config_t *self)
{
    if (self->database_conninfo[0])
        return sq_strdup(self->database_conninfo);
    if (getenv("PGHOST"))
        return sq_strdup("");
    char *conninfo = NULL;
    if (asprintf(&conninfo, "host=%s/var/pgsock dbname=%s user=suqiu", self->root,
                 self->database_name) < 0)
        abort();
    return conninfo;
}

char *sq_config_get(const sq_config_t *self, const char *dotted_key)
{
    const char *dot = strchr(dotted_key, '.');
    if (!dot)
        return NULL;
    char section[64];
    snprintf(section, sizeof section, "%.*s", (int) (dot - dotted_key), dotted_key);
    const s_key_t *key = s_find_key(section, dot + 1);
    if (!key)
        return NULL;
    if (key->type == S_STRING)
        return sq_strdup(*s_string_field((sq_config_t *) self, key));
    char *text = NULL;
    if (asprintf(&text, "%d", *s_int_field((sq_config_t *) self, key)) < 0)
        abort();
    return text;
}

char *sq_config_catalog_dir(const sq_config_t *self)
{
    if (self->catalog_dir[0])
        return sq_strdup(self->catalog_dir);
    char *copy = sq_strdup(self->path);
    char *folder = sq_strdup(dirname(copy));
    free(copy);
    return folder;
}

char *sq_config_model_dir(const sq_config_t *self)
{
    if (self->classify_model_dir[0])
        return sq_strdup(self->classify_model_dir);
    char *folder = NULL;
    if (asprintf(&folder, "%s/var/models", self->root) < 0)
        abort();
    return folder;
}

char *sq_config_pages_dir(const sq_config_t *self)
{
    if (self->web_pages_dir[0])
        return sq_strdup(self->web_pages_dir);
    char *folder = NULL;
    if (asprintf(&folder, "%s/adapters/web/pages", self->root) < 0)
        abort();
    return folder;
}

char *sq_config_desk_conninfo(const sq_config_t *self)
{
    if (self->desk_conninfo[0])
        return sq_strdup(self->desk_conninfo);
    //  The hub's own database, as the desk's role: in a libpq conninfo the last user= wins.
    char *hub = sq_config_conninfo(self);
    char *conninfo = NULL;
    if (asprintf(&conninfo, "%s%suser=suqiu_desk", hub, *hub ? " " : "") < 0)
        abort();
    free(hub);
    return conninfo;
}

char *sq_config_desk_static_dir(const sq_config_t *self)
{
    if (self->desk_static_dir[0])
        return sq_strdup(self->desk_static_dir);
    char *folder = NULL;
    if (asprintf(&folder, "%s/adapters/desk/static", self->root) < 0)
        abort();
    return folder;
}

char *sq_config_spool_dir(const sq_config_t *self)
{
    if (self->spool_dir[0])
        return sq_strdup(self->spool_dir);
    char *folder = NULL;
    if (asprintf(&folder, "%s/var/spool", self->root) < 0)
        abort();
    return folder;
}

const char *sq_config_default_path(void)
{
    const char *path = getenv("SUQIU_CONFIG");
    return path && *path ? path : "config/hub.yaml";
}
