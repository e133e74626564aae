/*
 * analytics.c — the rules of staff analytics (see analytics.h and docs/clickstream.md,
 * "Analytics"): which from/to, steps, metrics and intervals are accepted, how a funnel's
 * in-order matching becomes LIKE patterns over the session rollup, and conversions.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "storefront/analytics.h"
#include "storefront/clickstream.h"
#include "storefront/db_analytics.h"
#include "storefront/orders.h"

const char *const svc_top_product_metrics[] = {"views", "add_to_cart", "purchases", "conversion",
                                               NULL};
const char *const svc_traffic_intervals[] = {"hour", "day", NULL};

static const char *const default_steps = "product_view,add_to_cart,checkout_start,purchase";

static bool parse_time(const char *s, int64_t *out);
static int num(const char *s, int n);
static bool step_valid(const char *s, size_t n);
static double ratio(int64_t num, int64_t den);

bool svc_analytics_range_parse(arena *a, const char *from, const char *to, svc_analytics_range *out,
                               sf_error *e)
{
    memset(out, 0, sizeof *out);
    const char *names[2] = {"from", "to"}, *vals[2] = {from, to};
    int64_t t[2] = {0, 0};
    bool ok = true;
    for (int i = 0; i < 2; i++) {
        if (!vals[i]) {
            sf_field_fail(e, names[i], "is required");
            ok = false;
        } else if (!parse_time(vals[i], &t[i])) {
            sf_field_fail(e, names[i], "must be a date (2026-01-31) or an RFC 3339 date-time");
            ok = false;
        } else if (t[i] % 3600 != 0) {
            /* The hourly rollup is the finest grain the numbers exist at. */
            sf_field_fail(e, names[i], "must fall on a whole UTC hour");
            ok = false;
        }
    }
    if (!ok)
        return false;
    if (t[1] <= t[0]) {
        sf_field_fail(e, "to", "must be after from");
        return false;
    }
    if (t[1] - t[0] > (int64_t)SVC_ANALYTICS_MAX_DAYS * 86400) {
        sf_field_fail(e, "to", "must be at most %d days after from", SVC_ANALYTICS_MAX_DAYS);
        return false;
    }
    out->from_s = t[0];
    out->to_s = t[1];
    char buf[2][32];
    for (int i = 0; i < 2; i++) {
        time_t tt = (time_t)t[i];
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(buf[i], sizeof buf[i], "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    out->from = arena_strdup(a, buf[0]);
    out->to = arena_strdup(a, buf[1]);
    return true;
}

bool svc_funnel_steps_parse(arena *a, const char *steps, svc_funnel *out, sf_error *e)
{
    memset(out, 0, sizeof *out);
    const char *p = steps ? steps : default_steps;
    for (;;) {
        size_t n = strcspn(p, ",");
        if (out->nsteps == SVC_FUNNEL_MAX_STEPS || !step_valid(p, n)) {
            sf_field_fail(e, "steps",
                          "must be 2..%d comma-separated event types (known ones or custom.<name>)",
                          SVC_FUNNEL_MAX_STEPS);
            return false;
        }
        out->steps[out->nsteps++].event_type = arena_strndup(a, p, n);
        if (!p[n])
            break;
        p += n + 1;
    }
    if (out->nsteps < 2) {
        sf_field_fail(e, "steps", "must name at least 2 event types");
        return false;
    }
    return true;
}

sf_status svc_analytics_funnel(db_pool *pool, arena *a, const svc_analytics_range *r, svc_funnel *f,
                               sf_error *e)
{
    const char *types[SVC_FUNNEL_MAX_STEPS];
    char *chars[SVC_FUNNEL_MAX_STEPS];
    const char *patterns[SVC_FUNNEL_MAX_STEPS] = {0};
    int64_t counts[SVC_FUNNEL_MAX_STEPS] = {0};
    for (int i = 0; i < f->nsteps; i++)
        types[i] = f->steps[i].event_type;
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    sf_status s = db_analytics_codes(c, a, types, f->nsteps, chars, e);
    /* "Reached steps 1..k in order" = the path has c1..ck as a subsequence, which is
     * what '%c1%c2%...%ck%' matches. A step no event ever had ends every later pattern. */
    size_t len = 2;
    for (int i = 0; s == SF_OK && i < f->nsteps && chars[i]; i++) {
        len += strlen(chars[i]) + 1;
        char *pat = arena_alloc(a, len);
        snprintf(pat, len, "%s%s%%", i ? patterns[i - 1] : "%", chars[i]);
        patterns[i] = pat;
    }
    if (s == SF_OK && patterns[0])
        s = db_analytics_funnel(c, r->from, r->to, patterns, f->nsteps, counts, e);
    db_pool_release(pool, c);
    if (s != SF_OK)
        return s;
    for (int i = 0; i < f->nsteps; i++) {
        f->steps[i].sessions = counts[i];
        f->steps[i].from_previous = i ? ratio(counts[i], counts[i - 1]) : -1;
        f->steps[i].from_start = i ? ratio(counts[i], counts[0]) : -1;
    }
    return SF_OK;
}

sf_status svc_analytics_top_products(db_pool *pool, arena *a, const svc_analytics_range *r,
                                     int metric, int limit, const char **json, sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    char *text = NULL;
    sf_status s = db_analytics_top_products(c, a, r->from, r->to, svc_top_product_metrics[metric],
                                            limit, &text, e);
    db_pool_release(pool, c);
    *json = text;
    return s;
}

sf_status svc_analytics_traffic(db_pool *pool, arena *a, const svc_analytics_range *r, int interval,
                                const char **json, sf_error *e)
{
    if (interval == 0 && r->to_s - r->from_s > (int64_t)SVC_HOURLY_MAX_DAYS * 86400) {
        sf_field_fail(e, "interval", "hour needs from..to of at most %d days; use day",
                      SVC_HOURLY_MAX_DAYS);
        return SF_INVALID;
    }
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    char *text = NULL;
    sf_status s =
        db_analytics_traffic(c, a, r->from, r->to, svc_traffic_intervals[interval], &text, e);
    db_pool_release(pool, c);
    *json = text;
    return s;
}

bool svc_session_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n < 1 || n > SVC_SESSION_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || (unsigned char)id[i] > 0x7e)
            return false;
    return true;
}

sf_status svc_analytics_session(db_pool *pool, arena *a, const char *session_id, const char **json,
                                sf_error *e)
{
    db_conn *c;
    if (db_pool_acquire(pool, &c, e) != SF_OK)
        return e->status;
    char *text = NULL;
    sf_status s = db_analytics_session_path(c, a, session_id, SVC_SESSION_PATH_MAX, &text, e);
    db_pool_release(pool, c);
    *json = text;
    return s;
}

/* YYYY-MM-DD (UTC midnight) or an RFC 3339 date-time, to Unix seconds; a fraction of a
 * second must be zero (the caller then asks for a whole hour anyway). */
static bool parse_time(const char *s, int64_t *out)
{
    char buf[48];
    if (strlen(s) == 10) {
        snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
        s = buf;
    }
    if (!svc_rfc3339_valid(s))
        return false;
    struct tm tm = {.tm_year = num(s, 4) - 1900,
                    .tm_mon = num(s + 5, 2) - 1,
                    .tm_mday = num(s + 8, 2),
                    .tm_hour = num(s + 11, 2),
                    .tm_min = num(s + 14, 2),
                    .tm_sec = num(s + 17, 2)};
    if (tm.tm_year < 70)
        return false;
    int64_t t = (int64_t)timegm(&tm);
    const char *p = s + 19;
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++)
            if (*p != '0')
                return false;
    }
    if (*p == '+' || *p == '-') {
        int64_t off = num(p + 1, 2) * 3600 + num(p + 4, 2) * 60;
        t += *p == '+' ? -off : off;
    }
    *out = t;
    return true;
}

/* The n decimal digits at s (already checked by svc_rfc3339_valid). */
static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* A known event type, or custom.<name> with name 1..57 of [a-z0-9_.-] (event_type is
 * varchar(64)). */
static bool step_valid(const char *s, size_t n)
{
    for (const char *const *k = cs_event_types; *k; k++)
        if (strlen(*k) == n && strncmp(*k, s, n) == 0)
            return true;
    if (n < 8 || n > 64 || strncmp(s, "custom.", 7) != 0)
        return false;
    for (size_t i = 7; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_' &&
            s[i] != '.' && s[i] != '-')
            return false;
    return true;
}

/* num / den rounded to 4 decimals; -1 when den is 0 (rendered as null). */
static double ratio(int64_t n, int64_t den)
{
    return den > 0 ? round((double)n / (double)den * 10000.0) / 10000.0 : -1;
}
