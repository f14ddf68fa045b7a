/*  sq_log: the one way suqiu processes log.

    Every line goes to stderr in one format:
        2026-11-23T19:50:05.123+08:00 suqiu-broker[1234] INFO message
    The process name is set once at start.  Messages about one complaint carry
    "complaint=<number>" in their text.  Nothing here allocates per call.

    Lines that a storm can repeat (a broker restart under load, a database that is down)
    go through sq_log_limited: from one call site (one format string) at most `burst`
    lines are printed per window; the others are counted, and when the window is over
    one line says how many were left out, with the last of them.  The counts live here,
    in the logging module, beside the level, so that any call site can be limited
    without carrying an object around; they are guarded by a mutex.
*/
#ifndef SQ_LOG_H
#define SQ_LOG_H

typedef enum {
    SQ_LOG_DEBUG = 0,
    SQ_LOG_INFO = 1,
    SQ_LOG_WARN = 2,
    SQ_LOG_ERROR = 3,
} sq_log_level_t;

//  Set the process name shown on every line (copied) and the lowest level that is printed.
void sq_log_init(const char *process_name, sq_log_level_t level);

//  Change the lowest printed level.
void sq_log_set_level(sq_log_level_t level);

//  Parse "debug", "info", "warn" or "error"; returns 0 and sets *level, or -1.
int sq_log_level_parse(const char *text, sq_log_level_t *level);

//  Print one line at the given level (printf-style).
void sq_log(sq_log_level_t level, const char *format, ...) __attribute__((format(printf, 2, 3)));

//  Print one line unless its call site has printed `burst` lines in the current window
//  (see above).  Thread-safe.
void sq_log_limited(sq_log_level_t level, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

//  For every call site whose window is over with lines left out, print the count.
//  Daemons call it from their timers, so the count of a storm that has ended is told.
void sq_log_flush_limited(void);

//  How many lines a call site may print per window (defaults 10 per 10,000 ms).
void sq_log_set_limit(int burst, int window_ms);

#define sq_debug(...) sq_log(SQ_LOG_DEBUG, __VA_ARGS__)
#define sq_info(...) sq_log(SQ_LOG_INFO, __VA_ARGS__)
#define sq_warn(...) sq_log(SQ_LOG_WARN, __VA_ARGS__)
#define sq_error(...) sq_log(SQ_LOG_ERROR, __VA_ARGS__)
#define sq_info_limited(...) sq_log_limited(SQ_LOG_INFO, __VA_ARGS__)
#define sq_warn_limited(...) sq_log_limited(SQ_LOG_WARN, __VA_ARGS__)
#define sq_error_limited(...) sq_log_limited(SQ_LOG_ERROR, __VA_ARGS__)

#endif
