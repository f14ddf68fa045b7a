/*  suqiuctl user: the people of the desks (sql/025_desk.sql).  There is no default account:
    the first admin is made here, its password typed at a prompt or read from standard input.
        user add LOGIN --name NAME --role admin|operator|supervisor|department [--department ID]
        user passwd LOGIN                 a new password (the account is unlocked)
        user list                         every account, its role, department, state
        user disable LOGIN | enable LOGIN
    A password comes from the terminal (asked twice, not echoed) or, when standard input is
    not a terminal, from its first line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"
#include "sq_password.h"

static const sq_db_statement_t s_statements[] = {
    {"put", "SELECT staff_user_put($1, $2, $3, $4, $5)"},
    {"find", "SELECT login, display_name, role, department FROM staff_user WHERE login = $1"},
    {"list", "SELECT u.login, u.display_name, u.role, coalesce(u.department, '-'),"
             " CASE WHEN u.disabled THEN 'disabled' WHEN u.locked_until > now() THEN 'locked'"
             " ELSE 'active' END, (SELECT count(*) FROM staff_session s WHERE s.user_id = u.id"
             " AND s.expires_at > now())"
             " FROM staff_user u ORDER BY u.role, u.login"},
    {"disable", "UPDATE staff_user SET disabled = $2::boolean WHERE login = $1"},
    {"end_sessions", "DELETE FROM staff_session WHERE user_id = (SELECT id FROM staff_user WHERE login = $1)"},
    {"department", "SELECT 1 FROM department WHERE id = $1"},
    {NULL, NULL},
};

static const char *s_usage =
    "usage: suqiuctl user add LOGIN --name NAME --role admin|operator|supervisor|department\n"
    "                         [--department ID]   (a department's desk names its department)\n"
    "       suqiuctl user passwd LOGIN\n"
    "       suqiuctl user list\n"
    "       suqiuctl user disable LOGIN | enable LOGIN\n"
    "The password is asked at the terminal, or read from the first line of standard input.\n";

//  One line from the terminal without echo, or from standard input.  0 or -1.
static int s_read_line(const char *prompt, char *out, size_t size)
{
    bool terminal = isatty(STDIN_FILENO);
    struct termios saved, quiet;
    if (terminal) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &saved);
        quiet = saved;
        quiet.c_lflag &= (tcflag_t) ~ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char *got = fgets(out, (int) size, stdin);
    if (terminal) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        fprintf(stderr, "\n");
    }
    if (!got)
        return -1;
    out[strcspn(out, "\r\n")] = 0;
    return 0;
}

//  A new password, hashed into hash.  0, or 1 after saying why.
static int s_new_password(char *hash)
{
    char password[300], again[300];
    if (s_read_line("new password: ", password, sizeof password)) {
        fprintf(stderr, "suqiuctl user: no password given\n");
        return 1;
    }
    if (isatty(STDIN_FILENO)
        && (s_read_line("again: ", again, sizeof again) || strcmp(password, again))) {
        fprintf(stderr, "suqiuctl user: the two passwords differ\n");
        return 1;
    }
    int rc = sq_password_hash(password, hash);
    memset(password, 0, sizeof password);
    memset(again, 0, sizeof again);
    if (rc) {
        fprintf(stderr, "suqiuctl user: a password must have %d to 256 characters\n", SQ_PASSWORD_MIN);
        return 1;
    }
    return 0;
}

static int s_add(sq_db_t *db, int argc, char *argv[])
{
    const char *login = NULL, *name = NULL, *role = NULL, *department = NULL;
    for (int i = 2; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--name") == 0         ? &name
                            : strcmp(argv[i], "--role") == 0       ? &role
                            : strcmp(argv[i], "--department") == 0 ? &department
                                                                   : NULL;
        if (slot && i + 1 < argc && !*slot)
            *slot = argv[++i];
        else if (!login && argv[i][0] != '-')
            login = argv[i];
        else {
            fputs(s_usage, stderr);
            return 2;
        }
    }
    if (!login || !name || !role) {
        fputs(s_usage, stderr);
        return 2;
    }
    if (strcmp(role, "admin") && strcmp(role, "operator") && strcmp(role, "supervisor")
        && strcmp(role, "department")) {
        fprintf(stderr, "suqiuctl user: --role must be admin, operator, supervisor or department\n");
        return 2;
    }
    if ((strcmp(role, "department") == 0) != (department != NULL)) {
        fprintf(stderr, "suqiuctl user: a department's desk, and only it, names --department\n");
        return 2;
    }
    if (department) {
        const char *values[] = {department};
        PGresult *found = sq_db_exec(db, "department", 1, values);
        int rows = found ? PQntuples(found) : 0;
        PQclear(found);
        if (rows != 1) {
            fprintf(stderr, "suqiuctl user: no department \"%s\" (see config/departments.yaml)\n",
                    department);
            return 1;
        }
    }
    char hash[SQ_PASSWORD_HASH_MAX];
    if (s_new_password(hash))
        return 1;
    const char *values[] = {login, name, role, department, hash};
    PGresult *result = sq_db_exec(db, "put", 5, values);
    if (!result) {
        fprintf(stderr, "suqiuctl user: cannot add %s: %s\n", login, sq_db_error(db));
        return 1;
    }
    PQclear(result);
    printf("user %s (%s%s%s) is ready\n", login, role, department ? ", " : "", department ? department : "");
    return 0;
}

static int s_passwd(sq_db_t *db, const char *login)
{
    const char *values[] = {login};
    PGresult *found = sq_db_exec(db, "find", 1, values);
    if (!found || PQntuples(found) != 1) {
        fprintf(stderr, "suqiuctl user: no user \"%s\"\n", login);
        PQclear(found);
        return 1;
    }
    char hash[SQ_PASSWORD_HASH_MAX];
    int rc = s_new_password(hash);
    if (rc == 0) {
        const char *put[] = {login, PQgetvalue(found, 0, 1), PQgetvalue(found, 0, 2),
                             PQgetisnull(found, 0, 3) ? NULL : PQgetvalue(found, 0, 3), hash};
        PGresult *result = sq_db_exec(db, "put", 5, put);
        PGresult *ended = result ? sq_db_exec(db, "end_sessions", 1, values) : NULL;
        rc = result && ended ? 0 : 1;
        if (rc == 0)
            printf("the password of %s is changed; its sessions are ended\n", login);
        PQclear(result);
        PQclear(ended);
    }
    PQclear(found);
    return rc;
}

static int s_list(sq_db_t *db)
{
    PGresult *result = sq_db_exec(db, "list", 0, NULL);
    if (!result)
        return 1;
    printf("%-16s %-20s %-11s %-14s %-9s %s\n", "LOGIN", "NAME", "ROLE", "DEPARTMENT", "STATE", "SESSIONS");
    for (int row = 0; row < PQntuples(result); row++)
        printf("%-16s %-20s %-11s %-14s %-9s %s\n", PQgetvalue(result, row, 0),
               PQgetvalue(result, row, 1), PQgetvalue(result, row, 2), PQgetvalue(result, row, 3),
               PQgetvalue(result, row, 4), PQgetvalue(result, row, 5));
    if (PQntuples(result) == 0)
        printf("no users yet: suqiuctl user add admin --name 管理员 --role admin\n");
    PQclear(result);
    return 0;
}

static int s_disable(sq_db_t *db, const char *login, bool disable)
{
    const char *values[] = {login, disable ? "true" : "false"};
    PGresult *result = sq_db_exec(db, "disable", 2, values);
    if (!result)
        return 1;
    bool found = strcmp(PQcmdTuples(result), "1") == 0;
    PQclear(result);
    if (!found) {
        fprintf(stderr, "suqiuctl user: no user \"%s\"\n", login);
        return 1;
    }
    if (disable) {
        PGresult *ended = sq_db_exec(db, "end_sessions", 1, values);
        PQclear(ended);
    }
    printf("%s is %s\n", login, disable ? "disabled; its sessions are ended" : "enabled");
    return 0;
}

int ctl_user(const sq_config_t *config, int argc, char *argv[])
{
    if (argc < 2) {
        fputs(s_usage, stderr);
        return 2;
    }
    const char *what = argv[1];
    bool known = strcmp(what, "add") == 0 || strcmp(what, "list") == 0
                 || ((strcmp(what, "passwd") == 0 || strcmp(what, "disable") == 0
                      || strcmp(what, "enable") == 0) && argc == 3);
    if (!known) {
        fputs(s_usage, stderr);
        return 2;
    }
    sq_db_t *db = ctl_connect(config, s_statements);
    if (!db)
        return 1;
    int rc = strcmp(what, "add") == 0      ? s_add(db, argc, argv)
             : strcmp(what, "list") == 0   ? s_list(db)
             : strcmp(what, "passwd") == 0 ? s_passwd(db, argv[2])
                                           : s_disable(db, argv[2], strcmp(what, "disable") == 0);
    sq_db_destroy(&db);
    return rc;
}
