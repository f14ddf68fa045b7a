/*  sq_log: one line format for every suqiu process, with limits for storms (see sq_log.h). */
#include "sq_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define S_LIMIT_SITES 64        //  call sites that can be limited at once; more print freely
#define S_LIMIT_LAST_CHARS 240  //  how much of the last line left out is kept for the count

//  Set once at start-up, before any thread exists; read-only afterwards.
static char s_process_name[64] = "suqiu";
static sq_log_level_t s_min_level = SQ_LOG_INFO;

static const char *s_level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

//  One limited call site: its window and what was left out in it.
typedef struct {
    const char *format;           //  the call site's key; NULL: a free slot
    sq_log_level_t level;
    int64_t window_start_ms;
    int printed;
    uint64_t left_out;
    char last[S_LIMIT_LAST_CHARS];
} s_site_t;

//  The limits' state: guarded by s_limit_lock (daemons log from several threads).
static pthread_mutex_t s_limit_lock = PTHREAD_MUTEX_INITIALIZER;
static s_site_t s_sites[S_LIMIT_SITES];
static int s_limit_burst = 10;
static int s_limit_window_ms = 10000;

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

//  Write one finished line.
static void s_write(sq_log_level_t level, const char *message)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm local;
    localtime_r(&now.tv_sec, &local);
    char stamp[40], zone[8];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &local);
    strftime(zone, sizeof zone, "%z", &local);   //  +0800
    //  One write per line so that lines from threads do not interleave.
    fprintf(stderr, "%s.%03d%.3s:%s %s[%d] %s %s\n", stamp, (int) (now.tv_usec / 1000), zone,
            zone + 3, s_process_name, (int) getpid(), s_level_names[level], message);
}

static int64_t s_mono_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

//  Tell what a site left out in its window, and start a new one.  Holds s_limit_lock.
static void s_site_report(s_site_t *site, int64_t now)
{
    if (site->left_out > 0) {
        char message[S_LIMIT_LAST_CHARS + 128];
        snprintf(message, sizeof message, "(%llu more like this in %.1f s, the last: %s)",
                 (unsigned long long) site->left_out, s_limit_window_ms / 1000.0, site->last);
        s_write(site->level, message);
    }
    site->window_start_ms = now;
    site->printed = 0;
    site->left_out = 0;
}

//  The site of format, claimed when new; NULL when every slot is taken.  Holds the lock.
static s_site_t *s_site_of(const char *format, sq_log_level_t level, int64_t now)
{
    s_site_t *free_slot = NULL;
    for (int i = 0; i < S_LIMIT_SITES; i++) {
        if (s_sites[i].format == format)
            return &s_sites[i];
        if (!s_sites[i].format && !free_slot)
            free_slot = &s_sites[i];
    }
    if (free_slot)
        *free_slot = (s_site_t){.format = format, .level = level, .window_start_ms = now};
    return free_slot;
}

//  Print a line, or when limited, count it against its call site (see sq_log.h).
static void s_vlog(sq_log_level_t level, bool limited, const char *format, va_list args)
{
    if (level < s_min_level)
        return;
    char message[2048];
    vsnprintf(message, sizeof message, format, args);
    if (!limited) {
        s_write(level, message);
        return;
    }
    int64_t now = s_mono_ms();
    pthread_mutex_lock(&s_limit_lock);
    s_site_t *site = s_site_of(format, level, now);
    bool print = true;
    if (site) {
        if (now - site->window_start_ms >= s_limit_window_ms)
            s_site_report(site, now);
        if (site->printed < s_limit_burst)
            site->printed++;
        else {
            site->left_out++;
            size_t length = strnlen(message, sizeof site->last - 1);
            while (length > 0 && ((unsigned char) message[length] & 0xC0) == 0x80)
                length--;   //  never cut a UTF-8 character in two
            memcpy(site->last, message, length);
            site->last[length] = 0;
            print = false;
        }
    }
    if (print)
        s_write(level, message);
    pthread_mutex_unlock(&s_limit_lock);
}

void sq_log(sq_log_level_t level, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    s_vlog(level, false, format, args);
    va_end(args);
}

void sq_log_limited(sq_log_level_t level, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    s_vlog(level, true, format, args);
    va_end(args);
}

void sq_log_flush_limited(void)
{
    int64_t now = s_mono_ms();
    pthread_mutex_lock(&s_limit_lock);
    for (int i = 0; i < S_LIMIT_SITES; i++) {
        s_site_t *site = &s_sites[i];
        if (site->format && site->left_out > 0 && now - site->window_start_ms >= s_limit_window_ms)
            s_site_report(site, now);
    }
    pthread_mutex_unlock(&s_limit_lock);
}

void sq_log_set_limit(int burst, int window_ms)
{
    pthread_mutex_lock(&s_limit_lock);
    s_limit_burst = burst > 0 ? burst : 1;
    s_limit_window_ms = window_ms > 0 ? window_ms : 1;
    pthread_mutex_unlock(&s_limit_lock);
}
