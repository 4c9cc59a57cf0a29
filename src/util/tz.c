/* IANA zones from TZif files, read with pointer+length checks, and DST-correct local-day
 * windows. See tz.h. The file is parsed once per sb_tz; lookups are pure functions of the
 * parsed tables, so one sb_tz can be shared by every thread. */
#include "util/tz.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_MAX_FILE (1u << 20)
#define TZ_MAX_TRANS 20000u
#define TZ_MAX_TYPES 256u

typedef struct tz_rule {
    char kind; /* 'M', 'J' or 'N' */
    int a, b, c; /* M: month, week, weekday; J/N: day number in a */
    int32_t time; /* seconds after local midnight (may be negative or > 24 h) */
} tz_rule;

typedef struct tz_posix {
    bool valid;
    int32_t std_off, dst_off; /* seconds east of UTC */
    bool has_dst;
    tz_rule start, end;
} tz_posix;

struct sb_tz {
    char *name;
    size_t ntrans;
    int64_t *trans;
    unsigned char *idx;
    size_t ntypes;
    int32_t *utoff;
    tz_posix footer;
};

static void set_err(char *err, size_t errsz, const char *msg, const char *name)
{
    if (err && errsz)
        snprintf(err, errsz, "%s%s%s", msg, name ? ": " : "", name ? name : "");
}

/* ---- civil dates ----------------------------------------------------------------------- */

int64_t sb_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void sb_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int sb_parse_date(const char *s, int *y, int *m, int *d)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    if (!digits(s, 4, y) || !digits(s + 5, 2, m) || !digits(s + 8, 2, d))
        return -1;
    if (*y < 1970 || *m < 1 || *m > 12 || *d < 1 || *d > month_days(*y, *m))
        return -1;
    return 0;
}

int sb_parse_iso_utc(const char *s, int64_t *t)
{
    int y, mo, d, h, mi, se;
    size_t n = s ? strlen(s) : 0;
    if (n < 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return -1;
    char date[11];
    memcpy(date, s, 10);
    date[10] = 0;
    if (sb_parse_date(date, &y, &mo, &d) < 0 || !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
        !digits(s + 17, 2, &se) || h > 23 || mi > 59 || se > 60)
        return -1;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    int64_t off = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (n - i != 6 || s[i + 3] != ':' || !digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om))
            return -1;
        off = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        i = n;
    } else if (i < n && s[i] == 'Z') {
        i++;
    }
    if (i != n)
        return -1;
    *t = sb_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    return 0;
}

void sb_format_utc(int64_t t, char out[21])
{
    int y, m, d;
    int64_t days = floor_div(t, 86400), sec = t - days * 86400;
    sb_civil_from_days(days, &y, &m, &d);
    unsigned yy = (unsigned)(y < 0 ? 0 : y % 10000), hh = (unsigned)(sec / 3600) % 24,
             mi = (unsigned)(sec / 60 % 60), ss = (unsigned)(sec % 60);
    snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", yy, (unsigned)m % 13, (unsigned)d % 32, hh, mi, ss);
}

void sb_format_local(int64_t t, int32_t offset, char out[26])
{
    char u[21];
    sb_format_utc(t + offset, u);
    int32_t a = offset < 0 ? -offset : offset;
    snprintf(out, 26, "%.19s%c%02u:%02u", u, offset < 0 ? '-' : '+', (unsigned)(a / 3600) % 100,
             (unsigned)(a / 60 % 60));
}

/* ---- POSIX TZ footer ------------------------------------------------------------------- */

static const char *posix_name(const char *p)
{
    if (*p == '<') {
        p++;
        while (*p && *p != '>')
            p++;
        return *p == '>' ? p + 1 : NULL;
    }
    const char *s = p;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    return p - s >= 3 ? p : NULL;
}

static const char *posix_num(const char *p, int maxv, int *v)
{
    if (*p < '0' || *p > '9')
        return NULL;
    int x = 0;
    while (*p >= '0' && *p <= '9') {
        x = x * 10 + (*p++ - '0');
        if (x > maxv)
            return NULL;
    }
    *v = x;
    return p;
}

/* [+-]hh[:mm[:ss]] into seconds (sign as written). */
static const char *posix_time(const char *p, int32_t *secs)
{
    int sign = 1, h = 0, m = 0, s = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!(p = posix_num(p, 167, &h)))
        return NULL;
    if (*p == ':' && !(p = posix_num(p + 1, 59, &m)))
        return NULL;
    if (p && *p == ':' && !(p = posix_num(p + 1, 59, &s)))
        return NULL;
    *secs = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *posix_rule(const char *p, tz_rule *r)
{
    r->time = 7200;
    if (*p == 'M') {
        r->kind = 'M';
        if (!(p = posix_num(p + 1, 12, &r->a)) || *p != '.' || !(p = posix_num(p + 1, 5, &r->b)) ||
            *p != '.' || !(p = posix_num(p + 1, 6, &r->c)) || r->a < 1 || r->b < 1)
            return NULL;
    } else if (*p == 'J') {
        r->kind = 'J';
        if (!(p = posix_num(p + 1, 365, &r->a)) || r->a < 1)
            return NULL;
    } else {
        r->kind = 'N';
        if (!(p = posix_num(p, 365, &r->a)))
            return NULL;
    }
    if (*p == '/' && !(p = posix_time(p + 1, &r->time)))
        return NULL;
    return p;
}

static bool posix_parse(const char *s, tz_posix *out)
{
    memset(out, 0, sizeof *out);
    int32_t off;
    const char *p = posix_name(s);
    if (!p || !(p = posix_time(p, &off)))
        return false;
    out->std_off = -off;
    if (*p) {
        if (!(p = posix_name(p)))
            return false;
        out->has_dst = true;
        out->dst_off = out->std_off + 3600;
        if (*p && *p != ',') {
            if (!(p = posix_time(p, &off)))
                return false;
            out->dst_off = -off;
        }
        if (*p == ',') {
            if (!(p = posix_rule(p + 1, &out->start)) || *p != ',' || !(p = posix_rule(p + 1, &out->end)))
                return false;
        } else {
            out->start = (tz_rule){'M', 3, 2, 0, 7200};
            out->end = (tz_rule){'M', 11, 1, 0, 7200};
        }
    }
    if (*p)
        return false;
    out->valid = true;
    return true;
}

/* The local (wall-clock) second at which the rule fires in year y, as days*86400+time. */
static int64_t rule_local(const tz_rule *r, int64_t y)
{
    int64_t days;
    if (r->kind == 'M') {
        int64_t first = sb_days_from_civil(y, (unsigned)r->a, 1);
        int wd1 = (int)((first % 7 + 11) % 7); /* 1970-01-01 was a Thursday (4) */
        int day = 1 + (r->c - wd1 + 7) % 7 + (r->b - 1) * 7;
        while (day > month_days(y, r->a))
            day -= 7;
        days = first + day - 1;
    } else if (r->kind == 'J') {
        days = sb_days_from_civil(y, 1, 1) + r->a - 1 + (is_leap(y) && r->a >= 60);
    } else {
        days = sb_days_from_civil(y, 1, 1) + r->a;
    }
    return days * 86400 + r->time;
}

static int32_t posix_offset(const tz_posix *p, int64_t t)
{
    if (!p->has_dst)
        return p->std_off;
    int y, m, d;
    sb_civil_from_days(floor_div(t + p->std_off, 86400), &y, &m, &d);
    int64_t start = rule_local(&p->start, y) - p->std_off;
    int64_t end = rule_local(&p->end, y) - p->dst_off;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? p->dst_off : p->std_off;
}

/* ---- TZif ------------------------------------------------------------------------------ */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts;

static bool read_header(const unsigned char *p, size_t len, tzif_counts *c, char *version)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return false;
    *version = (char)p[4];
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chars = be32(p + 40);
    return c->time <= TZ_MAX_TRANS && c->type >= 1 && c->type <= TZ_MAX_TYPES && c->chars <= 65536 &&
           c->leap <= 10000 && c->isut <= TZ_MAX_TYPES && c->isstd <= TZ_MAX_TYPES;
}

static size_t block_size(const tzif_counts *c, size_t tsize)
{
    return c->time * tsize + c->time + c->type * 6u + c->chars + c->leap * (tsize + 4) + c->isstd +
           c->isut;
}

static bool load_block(sb_tz *tz, const unsigned char *p, const tzif_counts *c, size_t tsize)
{
    tz->ntrans = c->time;
    tz->ntypes = c->type;
    tz->trans = calloc(c->time ? c->time : 1, sizeof *tz->trans);
    tz->idx = calloc(c->time ? c->time : 1, 1);
    tz->utoff = calloc(c->type, sizeof *tz->utoff);
    if (!tz->trans || !tz->idx || !tz->utoff)
        return false;
    for (uint32_t i = 0; i < c->time; i++)
        tz->trans[i] = tsize == 8 ? be64(p + i * 8) : (int64_t)(int32_t)be32(p + i * 4);
    p += c->time * tsize;
    for (uint32_t i = 0; i < c->time; i++) {
        if (p[i] >= c->type)
            return false;
        if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
            return false;
        tz->idx[i] = p[i];
    }
    p += c->time;
    for (uint32_t i = 0; i < c->type; i++) {
        int32_t off = (int32_t)be32(p + i * 6);
        if (off < -25 * 3600 || off > 26 * 3600)
            return false;
        tz->utoff[i] = off;
    }
    return true;
}

sb_tz *sb_tz_parse(const char *name, const unsigned char *data, size_t len, char *err, size_t errsz)
{
    tzif_counts c;
    char version;
    sb_tz *tz = calloc(1, sizeof *tz);
    if (!tz || !(tz->name = strdup(name ? name : "")))
        goto fail;
    if (!read_header(data, len, &c, &version))
        goto bad;
    size_t v1 = 44 + block_size(&c, 4);
    if (v1 > len)
        goto bad;
    if (version == 0) {
        if (!load_block(tz, data + 44, &c, 4))
            goto bad;
        return tz;
    }
    const unsigned char *p2 = data + v1;
    if (!read_header(p2, len - v1, &c, &version))
        goto bad;
    size_t v2 = 44 + block_size(&c, 8);
    if (v2 > len - v1 || !load_block(tz, p2 + 44, &c, 8))
        goto bad;
    const unsigned char *f = p2 + v2, *endp = data + len;
    if (f < endp && *f == '\n') {
        const unsigned char *nl = memchr(f + 1, '\n', (size_t)(endp - f - 1));
        if (nl && nl - f - 1 < 128 && nl > f + 1) {
            char buf[128];
            memcpy(buf, f + 1, (size_t)(nl - f - 1));
            buf[nl - f - 1] = 0;
            if (!posix_parse(buf, &tz->footer))
                goto bad;
        }
    }
    return tz;
bad:
    set_err(err, errsz, "not a valid TZif time zone file", name);
    sb_tz_free(tz);
    return NULL;
fail:
    set_err(err, errsz, "out of memory", NULL);
    sb_tz_free(tz);
    return NULL;
}

static bool name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 64 || n[0] == '/' || n[0] == '-' || strstr(n, ".."))
        return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '+' || *p == '-' || *p == '/'))
            return false;
    return true;
}

static sb_tz *load_file(const char *name, const char *path, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errsz, "unknown time zone (use an IANA name such as Europe/Berlin)", name);
        return NULL;
    }
    unsigned char *data = malloc(TZ_MAX_FILE);
    size_t n = data ? fread(data, 1, TZ_MAX_FILE, f) : 0;
    fclose(f);
    sb_tz *tz = data ? sb_tz_parse(name, data, n, err, errsz) : NULL;
    free(data);
    return tz;
}

sb_tz *sb_tz_open(const char *name, char *err, size_t errsz)
{
    if (!name || !*name) {
        const char *env = getenv("TZ");
        if (env && *env == ':')
            env++;
        if (env && *env && name_ok(env))
            return sb_tz_open(env, err, errsz);
        sb_tz *tz = load_file("localtime", "/etc/localtime", err, errsz);
        return tz ? tz : sb_tz_open("UTC", err, errsz);
    }
    if (!name_ok(name)) {
        set_err(err, errsz, "invalid time zone name (use an IANA name such as Europe/Berlin)", NULL);
        return NULL;
    }
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    size_t plen = strlen(dir) + strlen(name) + 2;
    char *path = malloc(plen);
    if (!path) {
        set_err(err, errsz, "out of memory", NULL);
        return NULL;
    }
    snprintf(path, plen, "%s/%s", dir, name);
    sb_tz *tz = load_file(name, path, err, errsz);
    free(path);
    if (!tz && (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)) {
        /* no tz database installed: UTC needs none */
        tz = calloc(1, sizeof *tz);
        if (tz && !(tz->name = strdup(name))) {
            free(tz);
            tz = NULL;
        }
        if (tz)
            tz->footer.valid = true;
    }
    return tz;
}

void sb_tz_free(sb_tz *tz)
{
    if (!tz)
        return;
    free(tz->name);
    free(tz->trans);
    free(tz->idx);
    free(tz->utoff);
    free(tz);
}

const char *sb_tz_name(const sb_tz *tz)
{
    return tz->name;
}

int32_t sb_tz_offset(const sb_tz *tz, int64_t t)
{
    if (tz->ntrans == 0 || t >= tz->trans[tz->ntrans - 1]) {
        if (tz->footer.valid)
            return posix_offset(&tz->footer, t);
        if (tz->ntrans == 0)
            return tz->ntypes ? tz->utoff[0] : 0;
        return tz->utoff[tz->idx[tz->ntrans - 1]];
    }
    if (t < tz->trans[0])
        return tz->utoff[0];
    size_t lo = 0, hi = tz->ntrans - 1; /* trans[lo] <= t < trans[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->utoff[tz->idx[lo]];
}

void sb_tz_local_date(const sb_tz *tz, int64_t t, int *year, int *month, int *day)
{
    sb_civil_from_days(floor_div(t + sb_tz_offset(tz, t), 86400), year, month, day);
}

/* The earliest UTC instant whose local time is the local wall-clock second L, or, when L
 * falls into a gap, the instant the gap ends. */
static int64_t local_to_utc(const sb_tz *tz, int64_t L)
{
    int32_t o1 = sb_tz_offset(tz, L - 2 * 86400), o2 = sb_tz_offset(tz, L + 2 * 86400);
    int64_t best = INT64_MAX;
    const int32_t cand[2] = {o1, o2};
    for (int i = 0; i < 2; i++) {
        int64_t u = L - cand[i];
        if (u + sb_tz_offset(tz, u) == L && u < best)
            best = u;
    }
    int32_t o0 = sb_tz_offset(tz, L);
    if (best == INT64_MAX && L - o0 + sb_tz_offset(tz, L - o0) == L)
        best = L - o0;
    if (best != INT64_MAX)
        return best;
    /* In a gap: find the first instant after it by bisection (bounded: 64 steps). */
    int64_t lo = L - (o1 > o2 ? o1 : o2) - 86400, hi = L - (o1 < o2 ? o1 : o2) + 86400;
    for (int i = 0; i < 64 && hi - lo > 1; i++) {
        int64_t mid = lo + (hi - lo) / 2;
        if (mid + sb_tz_offset(tz, mid) >= L)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

int sb_tz_day_window(const sb_tz *tz, int year, int month, int day, int64_t *start, int64_t *end)
{
    if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1 || day > month_days(year, month))
        return -1;
    int64_t days = sb_days_from_civil(year, (unsigned)month, (unsigned)day);
    *start = local_to_utc(tz, days * 86400);
    *end = local_to_utc(tz, (days + 1) * 86400);
    return 0;
}
