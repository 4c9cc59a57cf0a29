/* Logging to stderr with secret redaction.
 * Every log line goes to stderr (stdout is the protocol channel in stdio mode). Secrets
 * registered with sb_log_add_secret() are replaced by "***" in every line, and values after
 * well-known credential markers (Bearer, password=, client_secret=, ...) are masked too. */
#ifndef SB_UTIL_LOG_H
#define SB_UTIL_LOG_H

#include <stdarg.h>

typedef enum {
    SB_LOG_DEBUG = 0,
    SB_LOG_INFO,
    SB_LOG_NOTICE,
    SB_LOG_WARNING,
    SB_LOG_ERROR,
    SB_LOG_CRITICAL,
    SB_LOG_ALERT,
    SB_LOG_EMERGENCY,
    SB_LOG_OFF
} sb_log_level;

/* Lines below this level are dropped. Default SB_LOG_INFO, SB_LOG_DEBUG when VERBOSE=1. */
void sb_log_set_level(sb_log_level level);
sb_log_level sb_log_get_level(void);

/* Remembers a secret (copied) so that it never appears in a log line. Thread-safe.
 * Secrets shorter than 4 bytes are ignored (they would mask ordinary text). */
void sb_log_add_secret(const char *secret);

/* Masks registered secrets and credential values in text, in place; returns text. */
char *sb_log_redact(char *text);

/* Writes one line "LEVEL module: message" to stderr, redacted. Thread-safe. */
void sb_log(sb_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sb_logv(sb_log_level level, const char *module, const char *fmt, va_list ap);

/* Parses "debug", "info", "warning", ... (syslog names); returns -1 when unknown. */
int sb_log_level_parse(const char *name);
const char *sb_log_level_name(sb_log_level level);

#define sb_debug(mod, ...) sb_log(SB_LOG_DEBUG, mod, __VA_ARGS__)
#define sb_info(mod, ...) sb_log(SB_LOG_INFO, mod, __VA_ARGS__)
#define sb_warn(mod, ...) sb_log(SB_LOG_WARNING, mod, __VA_ARGS__)
#define sb_error(mod, ...) sb_log(SB_LOG_ERROR, mod, __VA_ARGS__)

#endif
