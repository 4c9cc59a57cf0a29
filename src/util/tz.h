/* IANA time zones without touching the process environment: a reader for the system's TZif
 * files (RFC 8536, versions 1-4, including the POSIX TZ footer rule used past the last stored
 * transition) and local-day windows built on it. "Today in Europe/Berlin" becomes a UTC
 * [start, end) pair that is 23 hours long on the spring-forward day and 25 hours long on the
 * fall-back day. Nothing here calls setenv/tzset/localtime, so it is safe on any thread. */
#ifndef SB_UTIL_TZ_H
#define SB_UTIL_TZ_H

#include <stddef.h>
#include <stdint.h>

typedef struct sb_tz sb_tz;

/* Loads a zone by IANA name ("Europe/Berlin", "UTC") from $TZDIR or /usr/share/zoneinfo.
 * NULL or "" loads the host zone ($TZ when it names a zone, else /etc/localtime, else UTC).
 * Names are checked (letters, digits, "_+-/", no "..", not absolute) before any file is
 * opened. Returns NULL with a message in err when the zone is unknown or the file is bad. */
sb_tz *sb_tz_open(const char *name, char *err, size_t errsz);
/* Parses TZif bytes (for tests and fuzzing); name is copied. */
sb_tz *sb_tz_parse(const char *name, const unsigned char *data, size_t len, char *err, size_t errsz);
void sb_tz_free(sb_tz *tz);
const char *sb_tz_name(const sb_tz *tz);

/* Seconds east of UTC in effect at the UTC instant t. */
int32_t sb_tz_offset(const sb_tz *tz, int64_t t);

/* The local calendar date at the UTC instant t. */
void sb_tz_local_date(const sb_tz *tz, int64_t t, int *year, int *month, int *day);

/* The UTC instants at which the local day year-month-day starts and the next one starts
 * (end exclusive). When local midnight does not exist (a DST gap at midnight) the day starts
 * at the transition. Returns 0, or -1 for an invalid date. */
int sb_tz_day_window(const sb_tz *tz, int year, int month, int day, int64_t *start, int64_t *end);

/* Civil-date helpers (proleptic Gregorian, UTC). */
int64_t sb_days_from_civil(int64_t y, unsigned m, unsigned d);
void sb_civil_from_days(int64_t z, int *y, int *m, int *d);
/* Validates and parses "YYYY-MM-DD" (exactly that form). Returns 0 or -1. */
int sb_parse_date(const char *s, int *y, int *m, int *d);
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm|-hh:mm]" into a UTC instant. Returns 0 or -1. */
int sb_parse_iso_utc(const char *s, int64_t *t);
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" (out must hold 21 bytes). */
void sb_format_utc(int64_t t, char out[21]);
/* Formats t shifted by offset seconds as "YYYY-MM-DDTHH:MM:SS+hh:mm" (out holds 26 bytes). */
void sb_format_local(int64_t t, int32_t offset, char out[26]);

#endif
