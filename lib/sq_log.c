/*  sq_log: one line format for every suqiu process (see sq_log.h). */
#include "sq_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

//  Set once at start-up, before any thread exists; read-only afterwards.
static char s_process_name[64] = "suqiu";
static sq_log_level_t s_min_level = SQ_LOG_INFO;

static const char *s_level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void sq_log_init(const char *process_name, sq_log_level_t level)
{
    snprintf(s_process_name, sizeof s_process_name, "%s", process_name ? process_name : "suqiu");
    s_min_level = level;
}

void sq_log_set_level(sq_log_level_t level)
{
    s_min_level = level;
}

int sq_log_level_parse(const char *text, sq_log_level_t *level)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (text && strcasecmp(text, names[i]) == 0) {
            *level = (sq_log_level_t) i;
            return 0;
        }
    return -1;
}

void sq_log(sq_log_level_t level, const char *format, ...)
{
    if (level < s_min_level)
        return;
    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm local;
    localtime_r(&now.tv_sec, &local);
    char stamp[40], zone[8];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &local);
    strftime(zone, sizeof zone, "%z", &local);   //  +0800

    char message[2048];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    //  One write per line so that lines from threads do not interleave.
    fprintf(stderr, "%s.%03d%.3s:%s %s[%d] %s %s\n", stamp, (int) (now.tv_usec / 1000), zone,
            zone + 3, s_process_name, (int) getpid(), s_level_names[level], message);
}
