/*  sq_config: config/hub.yaml, loaded once at start into a typed struct.

    The loader walks a table of known keys (section.key, type, range, default).
    An unknown section or key, a duplicate, a value of the wrong type or out of
    range stops start-up with one message that names file, line and key, e.g.
        config/hub.yaml:14: broker.heartbeat_ms: must be a whole number from 100 to 60000, got "fast"
    Every key has a default, so an empty file is a valid configuration.
    The struct is read-only after loading; each process keeps its own copy.
*/
#ifndef SQ_CONFIG_H
#define SQ_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *path;                  //  the file it was loaded from
    char *root;                  //  the project folder: the config file's folder's parent

    char *database_conninfo;     //  libpq conninfo; "" = the private cluster under var/
    char *database_name;         //  database name in the private cluster

    char *broker_client_endpoint;
    char *broker_worker_endpoint;
    int broker_heartbeat_ms;
    int broker_liveness;
    int broker_queue_max;        //  requests queued per service before new ones are refused
    int broker_request_ttl_ms;   //  a queued request older than this is dropped (client retries)

    char *worker_services;       //  comma-separated services one worker process serves
    int worker_sessions;         //  MDP sessions per process: requests that can be batched at once
    int worker_reconnect_ms;     //  how long a session waits before it reconnects to the broker
    int worker_batch_max;        //  most complaints committed in one transaction
    int worker_batch_wait_ms;    //  how long a batch waits for company
    int worker_sweep_interval_ms;
    int worker_stale_after_s;    //  a complaint idle in its state this long is picked up again
    int worker_deadline_watch_ms;   //  how often the deadline watch runs; 0 = not in this process
    int worker_remind_percent;   //  a stage's reminder (黄灯) after this share of its time

    char *hotline_address;
    int hotline_port;
    int hotline_threads;
    int hotline_max_body_bytes;
    int hotline_broker_timeout_ms;
    int hotline_broker_retries;
    char *web_address;            //  the citizen-facing web door: Open311 and the form
    int web_port;
    int web_threads;
    int web_max_body_bytes;
    int web_broker_timeout_ms;
    int web_broker_retries;
    char *web_api_keys;           //  comma-separated Open311 api_keys that may POST
    char *web_secret;             //  signs the form's CSRF tokens; "" = a new one at each start
    int web_submissions_per_minute;   //  per client address
    int web_lookups_per_minute;       //  status-page lookups per client address
    char *web_pages_dir;          //  the HTML templates; "" = <root>/adapters/web/pages
    char *desk_address;           //  the staff desks (never on a citizen-facing listener)
    int desk_port;
    int desk_threads;
    char *desk_conninfo;          //  as the role suqiu_desk; "" = the hub's database as suqiu_desk
    char *desk_static_dir;        //  the pages and scripts; "" = <root>/adapters/desk/static
    int desk_session_hours;       //  a session's longest life
    int desk_idle_minutes;        //  a session unused this long ends
    int desk_lockout_minutes;     //  how long five wrong passwords in a row lock an account
    int desk_logins_per_minute;   //  login attempts per client address
    int desk_broker_timeout_ms;
    int desk_broker_retries;

    char *wechat_address;         //  the WeChat Official Account's callback (citizen-facing)
    int wechat_port;
    char *wechat_path;            //  the callback's path, e.g. /wechat
    int wechat_threads;
    char *wechat_token;           //  the account's Token, signs the platform's requests
    char *wechat_appid;           //  the account's AppID, checked in every safe-mode message
    char *wechat_encoding_aes_key;   //  43 characters: the AES key of safe mode
    char *wechat_app_secret;      //  AppSecret, for cgi-bin/token
    char *wechat_api_base;        //  the platform's API (cgi-bin/token, message/custom/send)
    int wechat_replay_window_s;   //  a timestamp older (or newer) than this is refused
    int wechat_follow_minutes;    //  a message this soon after the sender's last one adds to it
    int wechat_ack_after_s;       //  the number by customer-service message after a spooled one
    int wechat_broker_timeout_ms;    //  Lazy Pirate within the platform's 5 seconds
    int wechat_broker_retries;
    int wechat_send_interval_ms;  //  how often the sender looks for replies owed
    int wechat_send_max_tries;    //  a message not sent after this many tries is failed

    char *email_lmtp_address;     //  suqiu-email's LMTP listener, for the city's MTA
    int email_lmtp_port;
    char *email_hostname;         //  named in the LMTP greeting
    char *email_mailboxes;        //  comma-separated addresses mail is taken for
    int email_connections;        //  LMTP connections served at once
    int email_idle_timeout_s;     //  an idle LMTP connection is closed after this
    int email_max_message_bytes;  //  a larger message is refused (552)
    int email_max_attachment_bytes;   //  a larger attachment is listed, not kept
    char *email_ack_domain;       //  the domain of the hub's Message-IDs (ack.NUMBER@...)
    char *email_from_address;     //  the hub's mail comes from this address and name
    char *email_from_name;
    char *email_smtp_url;         //  the relay for outbound mail, smtp://host:port
    int email_broker_timeout_ms;  //  Lazy Pirate towards the hub; then the spool
    int email_broker_retries;
    int email_send_interval_ms;   //  how often mail owed is looked for
    int email_send_max_tries;     //  a mail not sent after this many tries is failed

    char *catalog_dir;           //  departments/regions/categories/matrix YAML; "" = this file's folder

    char *classify_model_dir;    //  trained models; "" = <root>/var/models
    char *spool_dir;             //  the adapters' spools, one folder per channel; "" = <root>/var/spool
    int spool_replay_ms;         //  how often an adapter replays what waits in its spool
    int classify_min_confidence_percent;   //  below this the category goes to manual triage
    int classify_duplicate_window_hours;   //  repeat reports within this are merged; 0 = never
    int classify_duplicate_max_distance;   //  SimHash bits two repeat reports may differ in
    int classify_duplicate_shingle;        //  characters per shingle of the SimHash
    int classify_repeat_merge_percent;     //  repeat reports this alike are merged
    int classify_repeat_suggest_percent;   //  this alike: suggested to the dispatch desk

    int limits_title_max_chars;
    int limits_content_max_chars;
    int limits_field_max_chars;

    char *log_level;
} sq_config_t;

//  Load and validate a config file.  Returns a new config (the caller's, free with
//  sq_config_destroy) or NULL with a one-line message naming file, line and key in error.
sq_config_t *sq_config_load(const char *path, char *error, size_t error_size);

//  A config with every default; root is the current folder.  Never NULL.
sq_config_t *sq_config_defaults(void);

//  Free the config; safe on NULL and twice.
void sq_config_destroy(sq_config_t **self_p);

//  The conninfo to connect with: database.conninfo when set, the PG* environment when
//  PGHOST is set, else the private cluster's socket under <root>/var/pgsock.
//  Returns a new string, the caller's to free.
char *sq_config_conninfo(const sq_config_t *self);

//  The value of one key, "section.key", as text (the caller's to free), or NULL when there is
//  no such key.
char *sq_config_get(const sq_config_t *self, const char *dotted_key);

//  The folder of the city's catalogue (departments.yaml, regions.yaml, categories.yaml,
//  matrix.yaml, classify_rules.yaml, training/): catalog.dir, else this file's folder.
//  A new string, the caller's.
char *sq_config_catalog_dir(const sq_config_t *self);

//  The folder of trained models: classify.model_dir, else <root>/var/models.  A new string.
char *sq_config_model_dir(const sq_config_t *self);

//  The folder of the web door's HTML templates (web.pages_dir, or <root>/adapters/web/pages).
//  The caller frees it.
char *sq_config_pages_dir(const sq_config_t *self);

//  The desk's conninfo (desk.conninfo, or the hub's database as the role suqiu_desk), and the
//  folder of its pages (desk.static_dir, or <root>/adapters/desk/static).  The caller frees them.
char *sq_config_desk_conninfo(const sq_config_t *self);
char *sq_config_desk_static_dir(const sq_config_t *self);

//  The folder of the adapters' spools (spool.dir, or <root>/var/spool).  The caller frees it.
char *sq_config_spool_dir(const sq_config_t *self);

//  The default config path: $SUQIU_CONFIG or "config/hub.yaml".  Borrowed.
const char *sq_config_default_path(void);

#endif
