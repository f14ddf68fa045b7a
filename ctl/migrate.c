/*  suqiuctl migrate: apply the numbered files in sql/ that the database has not seen.

    Files named NNN_name.sql are applied in order, each in its own transaction, and
    recorded in schema_migration.  An advisory lock keeps two runs from racing.
    Forward only: a file once applied is never applied again.
*/
#include <dirent.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"

#define S_LOCK_KEY "74871001"
#define S_FILE_MAX (8 * 1024 * 1024)

static bool s_ok(PGconn *conn, PGresult *result, const char *what)
{
    ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        return true;
    fprintf(stderr, "suqiuctl migrate: %s: %s", what,
            result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
    return false;
}

//  Run SQL without parameters; true when it succeeded.
static bool s_run(PGconn *conn, const char *sql, const char *what)
{
    PGresult *result = PQexec(conn, sql);
    bool ok = s_ok(conn, result, what);
    PQclear(result);
    return ok;
}

static bool s_is_migration(const char *name)
{
    size_t length = strlen(name);
    return length > 8 && name[0] >= '0' && name[0] <= '9' && name[1] >= '0' && name[1] <= '9'
           && name[2] >= '0' && name[2] <= '9' && name[3] == '_'
           && strcmp(name + length - 4, ".sql") == 0;
}

static int s_compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *s_read_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "suqiuctl migrate: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *text = malloc(S_FILE_MAX + 1);
    size_t length = text ? fread(text, 1, S_FILE_MAX + 1, file) : 0;
    fclose(file);
    if (!text || length > S_FILE_MAX) {
        fprintf(stderr, "suqiuctl migrate: %s is larger than %d bytes\n", path, S_FILE_MAX);
        free(text);
        return NULL;
    }
    text[length] = 0;
    return text;
}

static bool s_applied(PGconn *conn, const char *version)
{
    const char *values[] = {version};
    PGresult *result =
        PQexecParams(conn, "SELECT 1 FROM schema_migration WHERE version = $1", 1, NULL, values,
                     NULL, NULL, 0);
    bool applied = s_ok(conn, result, "reading schema_migration") && PQntuples(result) == 1;
    PQclear(result);
    return applied;
}

//  Apply one file in a transaction and record it; true when it succeeded.
static bool s_apply(PGconn *conn, const char *dir, const char *name)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        return false;
    char *sql = s_read_file(path);
    free(path);
    if (!sql)
        return false;
    bool ok = s_run(conn, "BEGIN", "BEGIN") && s_run(conn, sql, name);
    if (ok) {
        const char *values[] = {name};
        PGresult *result = PQexecParams(
            conn, "INSERT INTO schema_migration (version) VALUES ($1)", 1, NULL, values, NULL, NULL, 0);
        ok = s_ok(conn, result, "recording the migration");
        PQclear(result);
    }
    ok = ok && s_run(conn, "COMMIT", "COMMIT");
    if (!ok)
        s_run(conn, "ROLLBACK", "ROLLBACK");
    free(sql);
    return ok;
}

//  The sql/ folder beside the build that holds this program (build/bin/suqiuctl ->
//  ../../sql), else the one beside the config's folder.  The caller frees it.
static char *s_default_dir(const sq_config_t *config)
{
    char exe[4096];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *dir = NULL;
    if (length > 0) {
        exe[length] = 0;
        if (asprintf(&dir, "%s/../../sql", dirname(exe)) < 0)
            abort();
        struct stat info;
        if (stat(dir, &info) == 0 && S_ISDIR(info.st_mode))
            return dir;
        free(dir);
    }
    if (asprintf(&dir, "%s/sql", config->root) < 0)
        abort();
    return dir;
}

int ctl_migrate(const sq_config_t *config, int argc, char *argv[])
{
    char *default_dir = s_default_dir(config);
    const char *dir = default_dir;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else {
            fprintf(stderr, "usage: suqiuctl migrate [--dir DIR]\n");
            free(default_dir);
            return 2;
        }
    }
    DIR *folder = opendir(dir);
    if (!folder) {
        fprintf(stderr, "suqiuctl migrate: cannot read %s: %s\n", dir, strerror(errno));
        free(default_dir);
        return 1;
    }
    char *names[1000];
    size_t count = 0;
    for (struct dirent *entry; (entry = readdir(folder)) && count < 1000;)
        if (s_is_migration(entry->d_name))
            names[count++] = strdup(entry->d_name);
    closedir(folder);
    qsort(names, count, sizeof names[0], s_compare_names);

    char *conninfo = sq_config_conninfo(config);
    PGconn *conn = PQconnectdb(conninfo);
    free(conninfo);
    int rc = 0, applied = 0;
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "suqiuctl migrate: cannot connect: %s", PQerrorMessage(conn));
        rc = 1;
    }
    else if (!s_run(conn, "SET client_min_messages = warning", "settings")
             || !s_run(conn, "SELECT pg_advisory_lock(" S_LOCK_KEY ")", "taking the lock")
             || !s_run(conn,
                       "CREATE TABLE IF NOT EXISTS schema_migration (version text PRIMARY KEY,"
                       " applied_at timestamptz NOT NULL DEFAULT now())",
                       "creating schema_migration"))
        rc = 1;
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (s_applied(conn, names[i]))
            continue;
        if (!s_apply(conn, dir, names[i]))
            rc = 1;
        else {
            printf("suqiu: applied migration %s\n", names[i]);
            applied++;
        }
    }
    if (rc == 0 && applied == 0)
        printf("suqiu: database schema is up to date (%zu migrations)\n", count);
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    PQfinish(conn);
    free(default_dir);
    return rc;
}
