/*  suqiuctl spool: what waits in each adapter's spool (see sq_spool.h), read from the spool
    folders on this host: per channel, how many work orders wait, since when, which process
    owns the spool and whether it runs, and the last error of its replay. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "sq_spool.h"

static void s_age(int64_t since, char *out, size_t size)
{
    if (!since) {
        snprintf(out, size, "-");
        return;
    }
    int64_t seconds = (int64_t) time(NULL) - since;
    if (seconds < 0)
        seconds = 0;
    if (seconds < 120)
        snprintf(out, size, "%llds", (long long) seconds);
    else if (seconds < 7200)
        snprintf(out, size, "%lldm", (long long) seconds / 60);
    else
        snprintf(out, size, "%lldh%02lldm", (long long) seconds / 3600, (long long) seconds % 3600 / 60);
}

//  One spool folder's line.  Returns the number waiting, or -1 when it could not be read.
static long s_show(const char *root, const char *channel)
{
    char *dir = NULL, *status_path = NULL;
    if (asprintf(&dir, "%s/%s", root, channel) < 0 || asprintf(&status_path, "%s/status.json", dir) < 0)
        abort();
    char error[512];
    sq_spool_t *spool = sq_spool_open(dir, false, error, sizeof error);
    if (!spool) {
        fprintf(stderr, "suqiuctl spool: %s\n", error);
        free(dir);
        free(status_path);
        return -1;
    }
    size_t waiting = sq_spool_waiting(spool);
    char *receipt = NULL;
    int64_t oldest = 0;
    json_t *envelope = sq_spool_oldest(spool, &receipt, &oldest);
    json_decref(envelope);
    sq_spool_close(&spool);

    json_t *status = json_load_file(status_path, 0, NULL);
    int pid = (int) json_integer_value(json_object_get(status, "pid"));
    const char *last_error = json_string_value(json_object_get(status, "last_error"));
    int64_t error_at = json_integer_value(json_object_get(status, "last_error_at"));
    char owner[48], age[24], error_age[24];
    if (pid > 0)
        snprintf(owner, sizeof owner, "%d (%s)", pid, kill(pid, 0) == 0 ? "running" : "gone");
    else
        snprintf(owner, sizeof owner, "-");
    s_age(oldest, age, sizeof age);
    s_age(error_at, error_age, sizeof error_age);
    printf("%-14s %7zu  %-8s %-26s %-18s", channel, waiting, age, receipt ? receipt : "-", owner);
    if (last_error && *last_error)
        printf(" %s ago: %s", error_age, last_error);
    printf("\n");
    json_decref(status);
    free(receipt);
    free(dir);
    free(status_path);
    return (long) waiting;
}

int ctl_spool(const sq_config_t *config, int argc, char *argv[])
{
    (void) argv;
    if (argc != 1) {
        fprintf(stderr, "usage: suqiuctl spool\n");
        return 2;
    }
    char *root = sq_config_spool_dir(config);
    DIR *folder = opendir(root);
    if (!folder) {
        printf("no spool under %s: no adapter has needed one yet\n", root);
        free(root);
        return 0;
    }
    printf("%-14s %7s  %-8s %-26s %-18s %s\n", "CHANNEL", "WAITING", "OLDEST", "OLDEST RECEIPT",
           "OWNER (PID)", "LAST ERROR OF THE REPLAY");
    struct dirent *entry;
    int rc = 0;
    long total = 0;
    char *names[64];
    int count = 0;
    while ((entry = readdir(folder)) && count < 64)
        if (entry->d_name[0] != '.')
            names[count++] = strdup(entry->d_name);
    closedir(folder);
    for (int i = 0; i < count; i++) {
        long waiting = s_show(root, names[i]);
        if (waiting < 0)
            rc = 1;
        else
            total += waiting;
        free(names[i]);
    }
    printf("%ld work order(s) wait in %s\n", total, root);
    free(root);
    return rc;
}
