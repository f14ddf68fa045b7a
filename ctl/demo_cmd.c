/*  suqiuctl demo: a living system at once, for newcomers and tests, never for production.
        suqiuctl demo [--count N] [--force]
    Adds the demo accounts (admin, operator, supervisor, and the desks edu 市教育局, agri
    市农业农村局, samr 市市场监管局; each with the password demo-<name>; every other
    department's desk as desk-<id>, password demo-desk) and N work orders (default 300)
    received over the last five weeks through every channel, with the project's own training
    texts; hands them to classification and routing (the workers must run), and then has the
    departments take them on at the time they would have (the hub's clock, suqiu.now, set back
    for each step): the older ones mostly closed and called back, the recent ones in hand, a
    few overdue, and an extension and a return waiting for a supervisor.  Their external ids
    begin with DEMO-: a second run adds nothing twice.  It refuses a database that holds other
    complaints than demo ones, unless --force.  */
#include <czmq.h>
#include <jansson.h>
#include <time.h>

#include "ctl.h"
#include "sq_csv.h"
#include "sq_envelope.h"
#include "sq_handoff.h"
#include "sq_password.h"

#define S_BATCH 100
#define S_WAIT_S 180

static const sq_db_statement_t s_statements[] = {
    {"foreign", "SELECT count(*) FROM complaint WHERE external_id NOT LIKE 'DEMO-%'"},
    {"user", "SELECT staff_user_put($1, $2, $3, $4, $5)"},
    {"department", "SELECT 1 FROM department WHERE id = $1"},
    {"intake", "SELECT idx, number, created FROM intake_batch($1::jsonb, 'suqiuctl demo')"},
    {"waiting", "SELECT count(*) FROM complaint WHERE external_id LIKE 'DEMO-%'"
                " AND state IN ('received', 'classified')"},
    {"departments", "SELECT id, name FROM department ORDER BY id"},
    {"mine", "SELECT c.number, c.lead_department, extract(epoch FROM c.received_at)::bigint,"
             " extract(epoch FROM max(d.due_at) FILTER (WHERE d.stage = 'sign_for'))::bigint,"
             " extract(epoch FROM max(d.due_at) FILTER (WHERE d.stage = 'first_response'))::bigint,"
             " extract(epoch FROM max(d.due_at) FILTER (WHERE d.stage = 'close'))::bigint"
             " FROM complaint c JOIN complaint_deadline d ON d.complaint_id = c.id"
             " WHERE c.external_id LIKE 'DEMO-%' AND c.state = 'dispatched'"
             " GROUP BY c.id ORDER BY c.number"},
    {"clock", "SELECT set_config('suqiu.now', $1, false)"},
    {"sign", "SELECT complaint_sign_for($1, $2, $3)"},
    {"reply", "SELECT complaint_respond($1, $2, $3, 'phone', $4)"},
    {"close", "SELECT complaint_close($1, $2, '已办结', $3)"},
    {"callback", "WITH c AS (SELECT id FROM complaint WHERE number = $1),"
                 " b AS (INSERT INTO complaint_callback (complaint_id, satisfaction, note, actor)"
                 " SELECT id, $2, $3, 'user:operator' FROM c)"
                 " INSERT INTO complaint_event (complaint_id, kind, actor, detail)"
                 " SELECT id, 'callback', 'user:operator', jsonb_build_object('satisfaction', $2::text,"
                 " 'note', $3::text, 'reopened', false) FROM c"},
    {"extend", "SELECT complaint_extension_request($1, $2, 'close', '5wd', '需要第三方检测报告', $3)"},
    {"return", "INSERT INTO complaint_return_request (complaint_id, department, reason, asked_by)"
               " SELECT id, $2, '不属于本部门职责：应由属地政府处理', $3 FROM complaint WHERE number = $1"},
    //  What the demo owes citizens has been sent at the time (no platform or relay is
    //  reached from a demo), except one mail that the citizen's server refused.
    {"delivered", "WITH demo AS (SELECT d.id, d.via, row_number() OVER (PARTITION BY d.via"
                  " ORDER BY d.id DESC) AS newest, coalesce(r.at, c.received_at) + interval '1 minute'"
                  " AS at FROM complaint_delivery d JOIN complaint c ON c.id = d.complaint_id"
                  " LEFT JOIN complaint_reply r ON r.id = d.reply_id"
                  " WHERE c.external_id LIKE 'DEMO-%' AND d.state = 'queued')"
                  " UPDATE complaint_delivery d SET tries = CASE WHEN demo.via = 'email' AND"
                  " demo.newest = 1 THEN 10 ELSE 1 END,"
                  " state = CASE WHEN demo.via = 'email' AND demo.newest = 1 THEN 'failed' ELSE 'sent' END,"
                  " sent_at = CASE WHEN demo.via = 'email' AND demo.newest = 1 THEN NULL ELSE demo.at END,"
                  " created_at = demo.at,"
                  " last_error = CASE WHEN demo.via = 'email' AND demo.newest = 1"
                  " THEN 'SMTP 550: 5.1.1 <resident@example.cn>: mailbox unavailable' END"
                  " FROM demo WHERE d.id = demo.id AND d.via IN ('wechat', 'email')"},
    {NULL, NULL},
};

static const char *const s_accounts[][4] = {
    {"admin", "管理员", "admin", NULL},
    {"operator", "话务员小陈", "operator", NULL},
    {"supervisor", "督办科老王", "supervisor", NULL},
    {"edu", "市教育局分拨台", "department", "jyj"},
    {"agri", "市农业农村局分拨台", "department", "nyncj"},
    {"samr", "市市场监管局分拨台", "department", "scjgj"},
};

static const char *const s_places[] = {"乐成街道人民路", "柳市镇长虹路", "白石街道中雁路",
                                       "虹桥镇振兴路", "北白象镇东街", "大荆镇新街",
                                       "清江镇渡头村", "雁荡镇响岭头", "翁垟街道东门",
                                       "城东街道旭阳路"};
static const char *const s_names[] = {"张", "王", "李", "赵", "陈", "刘", "黄", "周", "吴", "徐"};

//  The texts: the project's own training orders and category examples, [title, body] pairs.
static json_t *s_texts(const sq_config_t *config)
{
    json_t *texts = json_array();
    char *dir = sq_config_catalog_dir(config);
    const char *files[] = {"training/orders.csv", "training/category.csv"};
    for (size_t f = 0; f < 2; f++) {
        char *path = zsys_sprintf("%s/%s", dir, files[f]);
        char error[512];
        sq_csv_t *csv = sq_csv_open(path, error, sizeof error);
        while (csv && sq_csv_next(csv) == 1) {
            const char *body = sq_csv_field(csv, "body");
            const char *title = sq_csv_has_column(csv, "title") ? sq_csv_field(csv, "title") : NULL;
            if (body && *body)
                json_array_append_new(texts, json_pack("[s, s]", title && *title ? title : "市民来电反映", body));
        }
        if (!csv)
            fprintf(stderr, "suqiuctl demo: %s\n", error);
        sq_csv_destroy(&csv);
        zstr_free(&path);
    }
    free(dir);
    return texts;
}

static int s_user(sq_db_t *db, const char *login, const char *name, const char *role,
                  const char *department, const char *hash)
{
    const char *values[] = {login, name, role, department, hash};
    PGresult *result = sq_db_exec(db, "user", 5, values);
    PQclear(result);
    return result ? 0 : 1;
}

//  The named demo accounts, each with the password demo-<login>, and a desk for every other
//  department, desk-<id>, all with the password demo-desk.
static int s_users(sq_db_t *db)
{
    for (size_t i = 0; i < sizeof s_accounts / sizeof s_accounts[0]; i++) {
        const char *const *account = s_accounts[i];
        if (account[3]) {
            const char *values[] = {account[3]};
            PGresult *found = sq_db_exec(db, "department", 1, values);
            int rows = found ? PQntuples(found) : 0;
            PQclear(found);
            if (rows != 1) {
                fprintf(stderr, "suqiuctl demo: the department %s is not in the database yet: "
                                "start the workers first (make run)\n", account[3]);
                return 1;
            }
        }
        char password[64], hash[SQ_PASSWORD_HASH_MAX];
        snprintf(password, sizeof password, "demo-%s", account[0]);
        if (sq_password_hash(password, hash)
            || s_user(db, account[0], account[1], account[2], account[3], hash))
            return 1;
    }
    char hash[SQ_PASSWORD_HASH_MAX];
    PGresult *departments = sq_db_exec(db, "departments", 0, NULL);
    int rc = departments && sq_password_hash("demo-desk", hash) == 0 ? 0 : 1;
    for (int row = 0; rc == 0 && row < PQntuples(departments); row++) {
        const char *id = PQgetvalue(departments, row, 0);
        bool named = false;
        for (size_t i = 0; i < sizeof s_accounts / sizeof s_accounts[0]; i++)
            named |= s_accounts[i][3] && streq(s_accounts[i][3], id);
        if (named)
            continue;
        char login[64], name[160];
        snprintf(login, sizeof login, "desk-%s", id);
        snprintf(name, sizeof name, "%s分拨台", PQgetvalue(departments, row, 1));
        rc = s_user(db, login, name, "department", id, hash);
    }
    PQclear(departments);
    return rc;
}

//  The N envelopes, received over the last five weeks, through every channel.
static int s_orders(sq_db_t *db, json_t *texts, int count, json_t *numbers)
{
    static const char *const channels[] = {"hotline12345", "hotline12345", "hotline12345",
                                           "hotline12345", "hotline12315", "web", "hotline12345",
                                           "wechat", "hotline12315", "email"};
    time_t now = time(NULL);
    json_t *batch = json_array();
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        json_t *text = json_array_get(texts, (size_t) (i * 7) % json_array_size(texts));
        time_t received = now - (time_t) ((int64_t) (count - i) * 35 * 86400 / count) - 600;
        char at[SQ_TIME_TEXT_MAX];
        sq_time_format((int64_t) received, at, sizeof at);
        char external_id[32], phone[16], name[16], address[96];
        snprintf(external_id, sizeof external_id, "DEMO-%05d", i + 1);
        snprintf(phone, sizeof phone, "139%08d", (i * 7919 + 12345) % 100000000);
        snprintf(name, sizeof name, "%s先生", s_names[i % 10]);
        snprintf(address, sizeof address, "%s%d号", s_places[i % 10], 1 + i % 97);
        const char *channel = channels[i % 10];
        json_t *envelope = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                                               "channel", channel, "external_id", external_id,
                                               "received_at", at, "title",
                                               json_string_value(json_array_get(text, 0)), "content",
                                               json_string_value(json_array_get(text, 1)),
                                               "caller_name", name, "phone", phone, "address",
                                               address, "operator_id",
                                               strncmp(channel, "hotline", 7) ? "web" : "1001");
        //  where the answers go, as the WeChat and e-mail adapters say it
        char reply_address[64];
        if (streq(channel, "wechat") || streq(channel, "email")) {
            snprintf(reply_address, sizeof reply_address,
                     streq(channel, "wechat") ? "oDEMO%05d" : "resident%05d@example.cn", i + 1);
            json_object_set_new(envelope, "extra", json_pack("{s:{s:s, s:s}}", "reply_to", "via",
                                                             channel, "address", reply_address));
        }
        json_array_append_new(batch, envelope);
        if (json_array_size(batch) == S_BATCH || i == count - 1) {
            char *payload = json_dumps(batch, JSON_COMPACT);
            const char *values[] = {payload};
            PGresult *result = sq_db_exec(db, "intake", 1, values);
            free(payload);
            if (!result)
                rc = 1;
            for (int row = 0; result && row < PQntuples(result); row++)
                if (PQgetvalue(result, row, 2)[0] == 't')
                    json_array_append_new(numbers, json_string(PQgetvalue(result, row, 1)));
            PQclear(result);
            json_array_clear(batch);
        }
    }
    json_decref(batch);
    return rc;
}

static long s_count(sq_db_t *db, const char *statement)
{
    PGresult *result = sq_db_exec(db, statement, 0, NULL);
    long count = result ? atol(PQgetvalue(result, 0, 0)) : -1;
    PQclear(result);
    return count;
}

//  The account that acts for a department: a named demo desk, or desk-<id>.
static void s_actor(const char *department, char *actor, size_t size)
{
    for (size_t i = 0; i < sizeof s_accounts / sizeof s_accounts[0]; i++)
        if (s_accounts[i][3] && streq(s_accounts[i][3], department)) {
            snprintf(actor, size, "user:%s", s_accounts[i][0]);
            return;
        }
    snprintf(actor, size, "user:desk-%s", department);
}

//  The moment a share of the time from receipt to a deadline has passed, and never before
//  the step before it (after + 10 minutes).
static time_t s_moment(time_t received, time_t due, double share, time_t after)
{
    time_t at = received + (time_t) ((double) (due > received ? due - received : 3600) * share);
    return at > after + 600 ? at : after + 600;
}

//  Set the hub's clock for the statements that follow (suqiu_now(), 007_extensions) to at;
//  false when that moment is still to come (the step is not done yet).
static bool s_clock(sq_db_t *db, time_t at)
{
    if (at > time(NULL) - 60)
        return false;
    char text[40];
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", gmtime(&at));
    const char *values[] = {text};
    PQclear(sq_db_exec(db, "clock", 1, values));
    return true;
}

//  Take the demo's complaints on as the departments' people would have, at the time they
//  would have: each stage done at a share of the time to its deadline (a few late), so the
//  older ones are closed and mostly called back, the recent ones in hand, a few overdue; and
//  on the three named desks an extension and a return waiting for a supervisor's decision.
static int s_progress(sq_db_t *db)
{
    PGresult *mine = sq_db_exec(db, "mine", 0, NULL);
    if (!mine)
        return 1;
    static const char *const satisfaction[] = {"satisfied", "satisfied", "satisfied", "satisfied",
                                               "satisfied", "satisfied", "basically", "basically",
                                               "satisfied", "dissatisfied"};
    int closed = 0, in_hand = 0, waiting = 0, named = 0;
    for (int row = 0; row < PQntuples(mine); row++) {
        const char *number = PQgetvalue(mine, row, 0), *lead = PQgetvalue(mine, row, 1);
        time_t received = (time_t) atoll(PQgetvalue(mine, row, 2));
        time_t due_sign = (time_t) atoll(PQgetvalue(mine, row, 3));
        time_t due_reply = (time_t) atoll(PQgetvalue(mine, row, 4));
        time_t due_close = (time_t) atoll(PQgetvalue(mine, row, 5));
        unsigned chance = (unsigned) (((unsigned) row * 2654435761u) >> 7) % 100;
        double late = chance < 4 ? 1.5 : 1.0;     //  a few are late, or overdue still
        char actor[80];
        s_actor(lead, actor, sizeof actor);
        const char *values[] = {number, lead, actor};
        const char *reply[] = {number, lead, "经现场核查，已责令整改，并将持续跟进。", actor};
        time_t signed_at = s_moment(received, due_sign, late * (0.2 + (chance % 5) / 10.0), received);
        time_t replied_at = s_moment(received, due_reply, late * (0.5 + (chance % 4) / 10.0), signed_at);
        time_t closed_at = s_moment(received, due_close, late * (0.6 + (chance % 3) / 10.0), replied_at);
        if (strncmp(actor, "user:desk-", 10) != 0 && received > time(NULL) - 10 * 86400
            && ++named % 7 < 2) {
            if (named % 7 == 0 && s_clock(db, replied_at)) {
                PQclear(sq_db_exec(db, "sign", 3, values));     //  an extension waiting
                PQclear(sq_db_exec(db, "reply", 4, reply));
                PQclear(sq_db_exec(db, "extend", 3, values));
                waiting++;
                continue;
            }
            if (named % 7 == 1 && s_clock(db, signed_at)) {
                PQclear(sq_db_exec(db, "return", 3, values));    //  a return waiting
                waiting++;
                continue;
            }
        }
        if (!s_clock(db, signed_at))
            continue;
        PQclear(sq_db_exec(db, "sign", 3, values));
        in_hand++;
        if (!s_clock(db, replied_at))
            continue;
        PQclear(sq_db_exec(db, "reply", 4, reply));
        if (!s_clock(db, closed_at))
            continue;
        PQclear(sq_db_exec(db, "close", 3, values));
        closed++;
        in_hand--;
        if (chance % 4 != 0 && s_clock(db, closed_at + 86400)) {
            const char *said = satisfaction[chance % 10];
            const char *callback[] = {number, said, streq(said, "dissatisfied") ? "办理速度偏慢"
                                                                                 : "对处理结果满意"};
            PQclear(sq_db_exec(db, "callback", 3, callback));
        }
    }
    PQclear(mine);
    const char *values[] = {""};
    PQclear(sq_db_exec(db, "clock", 1, values));
    printf("suqiuctl demo: the departments took the work orders on at the time they would have: "
           "%d closed, %d in hand, %d waiting for a supervisor's decision\n", closed, in_hand, waiting);
    return 0;
}

int ctl_demo(const sq_config_t *config, int argc, char *argv[])
{
    int count = 300;
    bool force = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = atoi(argv[++i]);
        else if (strcmp(argv[i], "--force") == 0)
            force = true;
        else {
            fprintf(stderr, "usage: suqiuctl demo [--count N] [--force]   (never in production)\n");
            return 2;
        }
    }
    if (count < 1 || count > 100000) {
        fprintf(stderr, "suqiuctl demo: --count is 1 to 100000\n");
        return 2;
    }
    sq_db_t *db = ctl_connect(config, s_statements);
    if (!db)
        return 1;
    long foreign = s_count(db, "foreign");
    if (foreign != 0 && !force) {
        fprintf(stderr, "suqiuctl demo: the database holds %ld complaints that are not demo ones: "
                        "demo data belongs in a database of its own (--force to add it anyway)\n", foreign);
        sq_db_destroy(&db);
        return 1;
    }
    int rc = s_users(db);
    json_t *texts = rc ? NULL : s_texts(config);
    json_t *numbers = json_array();
    if (rc == 0 && json_array_size(texts) == 0) {
        fprintf(stderr, "suqiuctl demo: no training texts to make work orders of\n");
        rc = 1;
    }
    if (rc == 0)
        rc = s_orders(db, texts, count, numbers);
    if (rc == 0) {
        printf("suqiuctl demo: the demo accounts (password demo-<name>) and %zu new work orders\n",
               json_array_size(numbers));
        //  Hand them to classification now rather than at the sweeper's next pass.
        sq_handoff_t *handoff = sq_handoff_new(config->broker_client_endpoint);
        size_t index;
        json_t *number;
        json_array_foreach(numbers, index, number)
            if (handoff && sq_handoff_send(handoff, "suqiu.classify", "new", json_string_value(number)) < 0) {
                printf("suqiuctl demo: the hub's queue is full; the sweeper hands the rest on\n");
                break;
            }
        int64_t deadline = zclock_mono() + S_WAIT_S * 1000;
        long waiting = s_count(db, "waiting");
        while (waiting > 0 && zclock_mono() < deadline) {
            zclock_sleep(1000);
            if (handoff)
                sq_handoff_drain(handoff);
            waiting = s_count(db, "waiting");
        }
        sq_handoff_destroy(&handoff);
        if (waiting > 0)
            printf("suqiuctl demo: %ld work orders are still being classified and routed (are the "
                   "workers running?); run it again later to take the desks' work on\n", waiting);
        else
            rc = s_progress(db);
        PGresult *delivered = rc == 0 ? sq_db_exec(db, "delivered", 0, NULL) : NULL;
        if (rc == 0 && !delivered)
            rc = 1;
        PQclear(delivered);
    }
    json_decref(texts);
    json_decref(numbers);
    sq_db_destroy(&db);
    return rc;
}
