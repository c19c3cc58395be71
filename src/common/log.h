/* Logging to stderr, with Samba-like levels (0 errors .. 10 debug). */
#ifndef DAX_LOG_H
#define DAX_LOG_H

extern int log_level;

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG_ERR(...) log_msg(0, __VA_ARGS__)
#define LOG_WARN(...) log_msg(1, __VA_ARGS__)
#define LOG_INFO(...) log_msg(2, __VA_ARGS__)
#define LOG_DEBUG(...) do { if (log_level >= 5) log_msg(5, __VA_ARGS__); } while (0)

#endif
