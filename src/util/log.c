/* Logging to stderr with secret redaction (see log.h). */
#include "util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SB_LOG_MAX_SECRETS 64
#define SB_LOG_LINE_MAX 8192

static sb_log_level g_level = SB_LOG_INFO;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char *g_secrets[SB_LOG_MAX_SECRETS];
static size_t g_nsecrets;

static const char *const level_names[] = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency",
};

void sb_log_set_level(sb_log_level level) { g_level = level; }
sb_log_level sb_log_get_level(void) { return g_level; }

const char *sb_log_level_name(sb_log_level level)
{
    return level < SB_LOG_OFF ? level_names[level] : "off";
}

int sb_log_level_parse(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return (int)i;
    if (strcasecmp(name, "warn") == 0)
        return SB_LOG_WARNING;
    return -1;
}

void sb_log_add_secret(const char *secret)
{
    if (!secret || strlen(secret) < 4)
        return;
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_nsecrets; i++)
        if (strcmp(g_secrets[i], secret) == 0)
            goto out;
    if (g_nsecrets < SB_LOG_MAX_SECRETS) {
        char *copy = strdup(secret);
        if (copy)
            g_secrets[g_nsecrets++] = copy;
    }
out:
    pthread_mutex_unlock(&g_lock);
}

static void mask_occurrences(char *text, const char *secret)
{
    size_t n = strlen(secret);
    for (char *p = strstr(text, secret); p; p = strstr(p + 3, secret)) {
        memcpy(p, "***", 3);
        memmove(p + 3, p + n, strlen(p + n) + 1);
    }
}

/* Masks the value that follows a marker such as "Bearer " or "password=". */
static void mask_after_marker(char *text, const char *marker)
{
    size_t mlen = strlen(marker);
    for (char *p = strcasestr(text, marker); p; p = strcasestr(p + mlen, marker)) {
        char *v = p + mlen;
        size_t vlen = strcspn(v, " \t\r\n\"'&,;}");
        if (vlen == 0 || (vlen == 3 && strncmp(v, "***", 3) == 0))
            continue;
        memcpy(v, "***", vlen < 3 ? vlen : 3);
        if (vlen > 3)
            memmove(v + 3, v + vlen, strlen(v + vlen) + 1);
    }
}

char *sb_log_redact(char *text)
{
    static const char *const markers[] = {
        "Bearer ", "Basic ", "password=", "client_secret=", "refresh_token=",
        "access_token=", "\"password\":\"", "\"client_secret\":\"", "\"token\":\"",
        "\"access_token\":\"", "\"refresh_token\":\"",
    };
    if (!text)
        return text;
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_nsecrets; i++)
        mask_occurrences(text, g_secrets[i]);
    pthread_mutex_unlock(&g_lock);
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
        mask_after_marker(text, markers[i]);
    return text;
}

void sb_logv(sb_log_level level, const char *module, const char *fmt, va_list ap)
{
    if (level < g_level || level >= SB_LOG_OFF)
        return;
    char line[SB_LOG_LINE_MAX];
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n < 0)
        return;
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    sb_log_redact(line);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    pthread_mutex_lock(&g_lock);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
            sb_log_level_name(level), module ? module : "-", line);
    pthread_mutex_unlock(&g_lock);
}

void sb_log(sb_log_level level, const char *module, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_logv(level, module, fmt, ap);
    va_end(ap);
}
